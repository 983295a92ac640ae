// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";

/// @title The three zrSign v1 defects (spec §9), each shown absent.
contract V1DefectsTest is ZrSignBase {
    /// @dev Defect 1: v1 mis-computed the responder reimbursement, so a response sent with a 1,000,000 gas limit
    /// reverted. Here the reimbursement is the escrowed gas part, independent of the gas limit.
    function test_responseWithMillionGasLimit_reimbursesEscrowedGasPart() public {
        (uint256 keyId, IZrSign.Request memory keyReq) = _requestKey(alice);
        bytes memory pub = _publicKey(_childSecretOf(alice, EVM, 0));
        vm.prank(mpc);
        zr.zrKeyRes{gas: 1_000_000}(keyId, keyReq, pub);
        assertEq(zr.claimable(mpc), keyReq.gasFee);

        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, 0, keccak256("v1"));
        bytes memory sig = _signatureFor(r);
        vm.prank(mpc);
        zr.zrSignRes{gas: 1_000_000}(id, r, sig);
        assertEq(zr.claimable(mpc), uint256(keyReq.gasFee) + r.gasFee);
        _assertConservation(zr);
    }

    /// @dev Defect 2: v1 bound response authentication to one hard-coded source chain id. Here a deployment on any
    /// chain verifies its own responses.
    function test_responsesVerifyOnAnotherChainId() public {
        vm.chainId(137);
        zr = _deployConfigured();
        uint256 index = _newKey(alice); // the helper derives with block.chainid = 137 and the new proxy
        assertEq(zr.keyOf(alice, EVM, index).evmAddress, vm.addr(_childSecretOf(alice, EVM, index)));
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256("polygon"));
        _answerSign(id, r);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Answered));
    }

    /// @dev ...and a key response for one deployment does not verify on another: the tweak binds the proxy...
    function test_RevertWhen_keyResponseFromAnotherProxy() public {
        address first = address(zr);
        zr = _deployConfigured();
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        _expectForeignChildRejected(id, r, block.chainid, first);
    }

    /// @dev ...and the chain id: the same proxy's key response derived for another chain does not verify.
    function test_RevertWhen_keyResponseFromAnotherChain() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        uint256 originalChain = block.chainid;
        vm.chainId(1);
        _expectForeignChildRejected(id, r, originalChain, address(zr));
    }

    /// @dev Answers (id, r) on `zr` with the child derived for (chainId, proxy) and expects the derivation error.
    function _expectForeignChildRejected(uint256 id, IZrSign.Request memory r, uint256 chainId, address proxy)
        internal
    {
        uint256 foreign = _childSecret(ROOT_SECRET, _tweak(chainId, proxy, r.owner, r.walletTypeId, r.walletIndex));
        bytes memory pub = _publicKey(foreign);
        vm.expectRevert(
            abi.encodeWithSelector(
                IZrSign.ZrSignWrongDerivedKey.selector,
                zr.derivedAddress(r.owner, r.walletTypeId, r.walletIndex),
                vm.addr(foreign)
            )
        );
        vm.prank(mpc);
        zr.zrKeyRes(id, r, pub);
    }

    /// @dev Defect 3: v1 had no expiry or refund for unanswered requests. Here anyone can reclaim the full escrow
    /// of an unanswered request after its deadline, and the request can no longer be answered.
    function test_unansweredRequestReclaimedAfterDeadline() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        vm.roll(uint256(r.deadline) + 1);
        zr.reclaim(id, r);
        uint256 before = alice.balance;
        vm.prank(alice);
        zr.withdraw();
        assertEq(alice.balance, before + uint256(r.serviceFee) + r.gasFee);
        bytes memory pub = _publicKey(_childSecretOf(alice, EVM, 0));
        vm.expectRevert(
            abi.encodeWithSelector(IZrSign.ZrSignRequestNotOpen.selector, id, IZrSign.RequestStatus.Reclaimed)
        );
        vm.prank(mpc);
        zr.zrKeyRes(id, r, pub);
        _assertConservation(zr);
    }
}
