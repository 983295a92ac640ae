// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @dev v1 compatibility views (spec §10) and the other read functions.
contract ViewsTest is ZrSignBase {
    function test_estimateFee_signQuoteIsMaxOverKinds() public {
        vm.prank(admin);
        zr.setResponseGas(IZrSign.RequestKind.Tx, 90_000);
        (uint256 mpcFee, uint256 netResp, uint256 total) = zr.estimateFee(EVM, alice, 0, 5 ether);
        assertEq(mpcFee, MPC_FEE);
        assertEq(netResp, 90_000 * BASEFEE * 110 / 100);
        assertEq(total, mpcFee + netResp);
        assertEq(total, zr.signFee(EVM, IZrSign.RequestKind.Tx));
        assertGe(total, zr.signFee(EVM, IZrSign.RequestKind.Hash));
        assertGe(total, zr.signFee(EVM, IZrSign.RequestKind.Data));
    }

    function test_estimateFee_keyQuoteForEvm() public view {
        (uint256 mpcFee, uint256 netResp, uint256 total) = zr.estimateFee(uint8(2), 0);
        assertEq(mpcFee, 2 * MPC_FEE);
        assertEq(netResp, 150_000 * BASEFEE * 110 / 100);
        assertEq(total, zr.keyFee(EVM, 2));
    }

    function test_RevertWhen_estimateFeeUnknownWalletType() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("x")));
        zr.estimateFee(bytes32("x"), alice, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("x")));
        zr.signFee(bytes32("x"), IZrSign.RequestKind.Hash);
    }

    function test_getZrKeys_positionIsWalletIndex() public {
        _newKey(alice);
        _requestKey(alice); // index 1: unanswered, an empty entry that keeps later positions in place
        _newKey(alice);
        string[] memory keys = zr.getZrKeys(EVM, alice);
        assertEq(keys.length, 3);
        assertEq(keys[0], Strings.toChecksumHexString(vm.addr(_childSecretOf(alice, EVM, 0))));
        assertEq(keys[1], "");
        assertEq(keys[2], Strings.toChecksumHexString(vm.addr(_childSecretOf(alice, EVM, 2))));
        assertEq(keys[0], vm.toString(vm.addr(_childSecretOf(alice, EVM, 0)))); // forge prints EIP-55
        for (uint256 i; i < keys.length; ++i) {
            assertEq(zr.getZrKey(EVM, alice, i), keys[i]);
        }
        assertEq(zr.getZrKeys(EVM, bob).length, 0);
    }

    function test_supportViews() public {
        assertTrue(zr.isWalletTypeSupported(EVM));
        assertFalse(zr.isWalletTypeSupported(bytes32("x")));
        assertTrue(zr.isChainIdSupported(EVM, MAINNET));
        assertTrue(zr.isChainIdSupported(EVM, LOCAL));
        assertFalse(zr.isChainIdSupported(EVM, keccak256("eip155:5")));
        assertEq(zr.version(), 1);
        assertEq(zr.getTraceId(), 0);
        _requestKey(alice);
        _requestKey(bob);
        assertEq(zr.getTraceId(), 2);
        assertEq(zr.nextRequestId(), 3);
    }

    function test_requestStatus_lifecycle() public {
        assertEq(uint8(zr.requestStatus(1)), uint8(IZrSign.RequestStatus.None));
        assertEq(zr.requestCommitment(1), bytes32(0));
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Open));
        vm.roll(uint256(r.deadline) + 1); // expired is still Open until reclaimed
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Open));
        zr.reclaim(id, r);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Reclaimed));
        assertEq(zr.requestCommitment(id), bytes32(0));
    }
}
