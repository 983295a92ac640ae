// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrSign} from "../../ZrSign.sol";
import {ZrSignProxy} from "../../ZrSignProxy.sol";

contract KeysTest is ZrSignBase {
    function test_zrKeyReq_emitsRecordAndReservesIndex() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        assertEq(id, 1);
        assertEq(uint8(r.kind), uint8(IZrSign.RequestKind.Key));
        assertEq(r.requester, alice);
        assertEq(r.owner, alice);
        assertEq(r.walletIndex, 0);
        assertEq(r.keyVersion, 1);
        assertEq(r.deadline, block.number + 7200);
        assertEq(r.serviceFee, MPC_FEE);
        assertEq(r.gasFee, KEY_GAS * BASEFEE * 110 / 100);
        assertEq(zr.keyCount(alice, EVM), 1);
        assertEq(zr.requestCommitment(id), keccak256(abi.encode(r)));
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Open));
        _assertConservation(zr);
    }

    function test_zrKeyRes_storesVerifiedKey() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        bytes memory pub = _answerKey(id, r);
        address expected = vm.addr(_childSecretOf(alice, EVM, 0));
        IZrSign.KeyInfo memory k = zr.keyOf(alice, EVM, 0);
        assertEq(k.evmAddress, expected);
        assertEq(zr.derivedAddress(alice, EVM, 0), expected);
        assertEq(k.keyVersion, 1);
        assertEq(k.publicKey.length, 33);
        assertEq(uint8(k.publicKey[0]), 2 + (uint8(pub[63]) & 1));
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(zr.protocolFees(), MPC_FEE);
        assertEq(zr.claimable(mpc), r.gasFee);
        _assertConservation(zr);
    }
}

contract KeysErrorsTest is ZrSignBase {
    function test_zrKeyReq_payerDiffersFromOwnerAndOptionsScaleFee() public {
        (uint256 id, IZrSign.Request memory r) = _requestKeyFor(bob, alice, EVM, 2);
        assertEq(r.requester, bob);
        assertEq(r.owner, alice);
        assertEq(r.serviceFee, 2 * MPC_FEE);
        _answerKey(id, r);
        assertEq(zr.keyOf(alice, EVM, 0).evmAddress, vm.addr(_childSecretOf(alice, EVM, 0)));
        assertEq(zr.keyOf(bob, EVM, 0).evmAddress, address(0));
    }

    function test_RevertWhen_zrKeyReqInvalidOptions() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidOptions.selector, 0));
        vm.prank(alice);
        zr.zrKeyReq{value: 1 ether}(IZrSign.ZrKeyReqParams(alice, EVM, 0));
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidOptions.selector, 0));
        zr.keyFee(EVM, 0);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidOptions.selector, 0));
        zr.estimateFee(uint8(0), 0);
    }

    /// @dev v1 accepts any non-zero service level; the service fee is keyMpcFee × options (v1: mpcFee × options),
    /// and the quote (both forms) is exactly what the request escrows.
    function testFuzz_zrKeyReq_anyNonZeroOptionsScaleFee(uint8 options) public {
        options = uint8(bound(options, 1, type(uint8).max));
        (uint256 mpcPart,, uint256 total) = zr.estimateFee(options, 0);
        assertEq(mpcPart, uint256(MPC_FEE) * options);
        assertEq(total, zr.keyFee(EVM, options));
        (uint256 id, IZrSign.Request memory r) = _requestKeyFor(bob, alice, EVM, options);
        assertEq(r.serviceFee, uint256(MPC_FEE) * options);
        assertEq(uint256(r.serviceFee) + r.gasFee, total);
        assertEq(zr.claimable(bob), 0, "nothing credited back");
        _answerKey(id, r);
        _assertConservation(zr);
    }

    function test_RevertWhen_zrKeyReqZeroOwner() public {
        vm.expectRevert(IZrSign.ZrSignZeroOwner.selector);
        vm.prank(alice);
        zr.zrKeyReq{value: 1 ether}(IZrSign.ZrKeyReqParams(address(0), EVM, 1));
    }

    function test_RevertWhen_zrKeyReqUnknownWalletType() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("x")));
        vm.prank(alice);
        zr.zrKeyReq{value: 1 ether}(IZrSign.ZrKeyReqParams(alice, bytes32("x"), 1));
    }

    function test_RevertWhen_zrKeyReqRootKeyNotSet() public {
        ZrSign fresh = _deployBare();
        vm.prank(admin);
        fresh.addWalletType(44, 60, 0);
        vm.expectRevert(IZrSign.ZrSignRootKeyNotSet.selector);
        vm.prank(alice);
        fresh.zrKeyReq{value: 1 ether}(IZrSign.ZrKeyReqParams(alice, EVM, 1));
        vm.expectRevert(IZrSign.ZrSignRootKeyNotSet.selector);
        fresh.derivedAddress(alice, EVM, 0);
    }

    function test_RevertWhen_zrKeyReqFeeBelowQuote() public {
        uint256 fee = zr.keyFee(EVM, 1);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInsufficientFee.selector, fee, fee - 1));
        vm.prank(alice);
        zr.zrKeyReq{value: fee - 1}(IZrSign.ZrKeyReqParams(alice, EVM, 1));
    }

    function test_RevertWhen_zrKeyResNotDerivedChild() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        bytes memory wrong = _publicKey(_childSecretOf(alice, EVM, 1)); // another index's child
        address expected = vm.addr(_childSecretOf(alice, EVM, 0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IZrSign.ZrSignWrongDerivedKey.selector, expected, vm.addr(_childSecretOf(alice, EVM, 1))
            )
        );
        vm.prank(mpc);
        zr.zrKeyRes(id, r, wrong);
    }

    function test_RevertWhen_zrKeyResWrongLength() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidPublicKeyLength.selector, 65));
        vm.prank(mpc);
        zr.zrKeyRes(id, r, new bytes(65));
    }

    function test_RevertWhen_zrKeyResForSignRequest() public {
        uint256 index = _newKey(alice);
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, bytes32(uint256(1)));
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignWrongRequestKind.selector, id, IZrSign.RequestKind.Hash));
        vm.prank(mpc);
        zr.zrKeyRes(id, r, new bytes(64));
    }

    function test_keysOf_listsInIndexOrder() public {
        _newKey(alice);
        _requestKey(alice); // unanswered
        _newKey(alice);
        IZrSign.KeyInfo[] memory keys = zr.keysOf(alice, EVM);
        assertEq(keys.length, 3);
        assertEq(keys[0].evmAddress, vm.addr(_childSecretOf(alice, EVM, 0)));
        assertEq(keys[1].evmAddress, address(0));
        assertEq(keys[1].publicKey.length, 0);
        assertEq(keys[2].evmAddress, vm.addr(_childSecretOf(alice, EVM, 2)));
        assertEq(zr.keyCount(alice, EVM), 3);
    }

    /// @dev Derivation: for any owner/index, derivedAddress equals vm.addr(root + tweak mod n).
    function testFuzz_derivedAddress_matchesChildSecret(address owner, uint256 index) public view {
        assertEq(zr.derivedAddress(owner, EVM, index), vm.addr(_childSecretOf(owner, EVM, index)));
    }

    /// @dev Derivation: for any owner, the key response with the child public key is accepted.
    function testFuzz_zrKeyRes_childAccepted(address owner) public {
        owner = address(uint160(bound(uint160(owner), 1, type(uint160).max)));
        (uint256 id, IZrSign.Request memory r) = _requestKeyFor(alice, owner, EVM, 1);
        _answerKey(id, r);
        assertEq(zr.keyOf(owner, EVM, 0).evmAddress, zr.derivedAddress(owner, EVM, 0));
    }

    function _deployBare() internal returns (ZrSign z) {
        z = ZrSign(
            address(new ZrSignProxy(address(new ZrSign()), abi.encodeCall(ZrSign.initialize, (admin, ADMIN_DELAY))))
        );
    }
}
