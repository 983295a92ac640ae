// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {PackedSign} from "../helpers/PackedSign.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

contract ResponsesTest is ZrSignBase {
    uint256 internal index;

    function setUp() public override {
        super.setUp();
        index = _newKey(alice);
    }

    function test_zrSignRes_hashAccepted() public {
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256("msg"));
        uint256 protocolBefore = zr.protocolFees();
        uint256 mpcBefore = zr.claimable(mpc);
        bytes memory sig = _signatureFor(r);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrSignResponded(id, r.signer, r.digest, sig);
        vm.prank(mpc);
        zr.zrSignRes(id, r, sig);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(zr.protocolFees(), protocolBefore + r.serviceFee);
        assertEq(zr.claimable(mpc), mpcBefore + r.gasFee);
        _assertConservation(zr);
    }
}

contract ResponsesErrorsTest is ZrSignBase {
    uint256 internal index;
    uint256 internal id;
    IZrSign.Request internal req;

    function setUp() public override {
        super.setUp();
        index = _newKey(alice);
        (id, req) = _signHashRequest(alice, index, keccak256("msg"));
    }

    function _expectSignRevert(IZrSign.Request memory r, bytes memory sig, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(mpc);
        zr.zrSignRes(id, r, sig);
    }

    function test_RevertWhen_signatureByWrongKey() public {
        bytes memory sig = _sign(0xBAD, req.digest);
        _expectSignRevert(
            req, sig, abi.encodeWithSelector(IZrSign.ZrSignWrongSigner.selector, req.signer, vm.addr(0xBAD))
        );
    }

    function test_RevertWhen_signatureOverWrongDigest() public {
        bytes32 other = keccak256("other");
        bytes memory sig = _sign(_childSecretOf(alice, EVM, index), other);
        (bytes32 r, bytes32 s, uint8 v) = _split(sig);
        address recovered = ecrecover(req.digest, v, r, s);
        _expectSignRevert(req, sig, abi.encodeWithSelector(IZrSign.ZrSignWrongSigner.selector, req.signer, recovered));
    }

    function test_RevertWhen_signatureHighS() public {
        (bytes32 r, bytes32 s, uint8 v) = _split(_signatureFor(req));
        bytes32 highS = bytes32(N - uint256(s));
        bytes memory sig = abi.encodePacked(r, highS, v == 27 ? uint8(28) : uint8(27));
        _expectSignRevert(req, sig, abi.encodeWithSelector(IZrSign.ZrSignSignatureHighS.selector, highS));
    }

    function test_RevertWhen_signatureWrongLength() public {
        bytes memory sig = bytes.concat(_signatureFor(req), hex"00");
        _expectSignRevert(req, sig, abi.encodeWithSelector(IZrSign.ZrSignInvalidSignatureLength.selector, 66));
    }

    function test_RevertWhen_signatureBadV() public {
        (bytes32 r, bytes32 s,) = _split(_signatureFor(req));
        _expectSignRevert(
            req,
            abi.encodePacked(r, s, uint8(29)),
            abi.encodeWithSelector(IZrSign.ZrSignWrongSigner.selector, req.signer, address(0))
        );
    }

    function test_RevertWhen_unknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownRequest.selector, 99));
        vm.prank(mpc);
        zr.zrSignRes(99, req, _signatureFor(req));
    }

    function test_RevertWhen_alreadyAnswered() public {
        bytes memory sig = _answerSign(id, req);
        _expectSignRevert(
            req, sig, abi.encodeWithSelector(IZrSign.ZrSignRequestNotOpen.selector, id, IZrSign.RequestStatus.Answered)
        );
    }

    function test_RevertWhen_requestMismatch() public {
        IZrSign.Request memory forged = req;
        forged.gasFee += 1;
        _expectSignRevert(
            forged, _signatureFor(req), abi.encodeWithSelector(IZrSign.ZrSignRequestMismatch.selector, id)
        );
    }

    function test_RevertWhen_expired() public {
        vm.roll(uint256(req.deadline) + 1);
        _expectSignRevert(
            req, _signatureFor(req), abi.encodeWithSelector(IZrSign.ZrSignRequestExpired.selector, id, req.deadline)
        );
    }

    function test_zrSignRes_atDeadlineAccepted() public {
        vm.roll(req.deadline);
        _answerSign(id, req);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Answered));
    }

    function test_RevertWhen_zrSignResForKeyRequest() public {
        (uint256 keyId, IZrSign.Request memory keyReq) = _requestKey(alice);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignWrongRequestKind.selector, keyId, IZrSign.RequestKind.Key));
        vm.prank(mpc);
        zr.zrSignRes(keyId, keyReq, new bytes(65));
    }

    function test_zrReject_refundsServiceAndPaysGas() public {
        uint256 mpcBefore = zr.claimable(mpc);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrRequestRejected(id, 7);
        vm.prank(mpc);
        zr.zrReject(id, req, 7);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Rejected));
        assertEq(zr.claimable(alice), req.serviceFee);
        assertEq(zr.claimable(mpc), mpcBefore + req.gasFee);
        assertEq(zr.requestCommitment(id), bytes32(0));
        _assertConservation(zr);
        _expectSignRevert(
            req,
            _signatureFor(req),
            abi.encodeWithSelector(IZrSign.ZrSignRequestNotOpen.selector, id, IZrSign.RequestStatus.Rejected)
        );
    }

    function test_RevertWhen_zrRejectExpired() public {
        vm.roll(uint256(req.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignRequestExpired.selector, id, req.deadline));
        vm.prank(mpc);
        zr.zrReject(id, req, 1);
    }

    function test_RevertWhen_responsesWithoutRole() public {
        bytes memory err =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, zr.MPC_ROLE());
        vm.startPrank(alice);
        vm.expectRevert(err);
        zr.zrSignRes(id, req, "");
        vm.expectRevert(err);
        zr.zrKeyRes(id, req, "");
        vm.expectRevert(err);
        zr.zrReject(id, req, 0);
        vm.expectRevert(err);
        zr.zrSignResBatch(new IZrSign.SignResponse[](0));
        vm.expectRevert(err);
        zr.zrKeyResBatch(new IZrSign.KeyResponse[](0));
        vm.stopPrank();
    }

    function test_RevertWhen_responsesWhilePaused() public {
        vm.prank(pauser);
        zr.pause();
        vm.startPrank(mpc);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        zr.zrSignRes(id, req, "");
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        zr.zrKeyRes(id, req, "");
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        zr.zrReject(id, req, 0);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        zr.zrSignResBatch(new IZrSign.SignResponse[](0));
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        zr.zrKeyResBatch(new IZrSign.KeyResponse[](0));
        vm.stopPrank();
    }

    function test_zrSignResBatch_partialSuccess() public {
        (uint256 id2, IZrSign.Request memory r2) = _signHashRequest(alice, index, keccak256("two"));
        (uint256 id3, IZrSign.Request memory r3) = _signHashRequest(alice, index, keccak256("three"));
        (bytes32 r, bytes32 s, uint8 v) = _split(_signatureFor(r2));
        IZrSign.SignResponse[] memory items = new IZrSign.SignResponse[](4);
        items[0] = IZrSign.SignResponse(id, req, _signatureFor(req));
        items[1] = IZrSign.SignResponse(id2, r2, abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? 28 : 27));
        items[2] = IZrSign.SignResponse(id, req, _signatureFor(req)); // duplicate
        items[3] = IZrSign.SignResponse(id3, r3, _signatureFor(r3));
        uint256 protocolBefore = zr.protocolFees();
        uint256 mpcBefore = zr.claimable(mpc);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrSignResponded(id, req.signer, req.digest, items[0].signature);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(id2, IZrSign.ZrSignSignatureHighS.selector);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(id, IZrSign.ZrSignRequestNotOpen.selector);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrSignResponded(id3, r3.signer, r3.digest, items[3].signature);
        vm.prank(mpc);
        assertEq(zr.zrSignResBatch(items), 2);
        assertEq(uint8(zr.requestStatus(id2)), uint8(IZrSign.RequestStatus.Open));
        assertEq(zr.protocolFees(), protocolBefore + req.serviceFee + r3.serviceFee);
        assertEq(zr.claimable(mpc), mpcBefore + req.gasFee + r3.gasFee);
        _assertConservation(zr);
    }

    /// @dev The packed form runs the same checks as zrSignResBatch: a high-s signature, a replay and a record
    /// whose re-supplied fields differ from the committed ones (here its owner would differ) are skipped.
    function test_zrSignResPacked_partialSuccess() public {
        (uint256 id2, IZrSign.Request memory r2) = _signHashRequest(alice, index, keccak256("two"));
        (uint256 id3, IZrSign.Request memory r3) = _signHashRequest(alice, index, keccak256("three"));
        (uint256 id4, IZrSign.Request memory r4) = _signHashRequest(alice, index, keccak256("four"));
        (bytes32 r, bytes32 s, uint8 v) = _split(_signatureFor(r2));
        bytes memory sig4 = _signatureFor(r4);
        r4.requester = bob; // the packed record's owner follows its requester: both differ from the commitment
        bytes memory items = bytes.concat(
            PackedSign.item(id, req, _signatureFor(req)),
            PackedSign.item(id2, r2, abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? 28 : 27)),
            PackedSign.item(id, req, _signatureFor(req)), // duplicate
            PackedSign.item(id3, r3, _signatureFor(r3)),
            PackedSign.item(id4, r4, sig4)
        );
        assertEq(items.length, 5 * 279);
        uint256 protocolBefore = zr.protocolFees();
        uint256 mpcBefore = zr.claimable(mpc);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrSignResponded(id, req.signer, req.digest, _signatureFor(req));
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(id2, IZrSign.ZrSignSignatureHighS.selector);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(id, IZrSign.ZrSignRequestNotOpen.selector);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrSignResponded(id3, r3.signer, r3.digest, _signatureFor(r3));
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(id4, IZrSign.ZrSignRequestMismatch.selector);
        vm.prank(mpc);
        assertEq(zr.zrSignResPacked(items), 2);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(uint8(zr.requestStatus(id2)), uint8(IZrSign.RequestStatus.Open));
        assertEq(uint8(zr.requestStatus(id4)), uint8(IZrSign.RequestStatus.Open));
        assertEq(zr.protocolFees(), protocolBefore + req.serviceFee + r3.serviceFee);
        assertEq(zr.claimable(mpc), mpcBefore + req.gasFee + r3.gasFee);
        _assertConservation(zr);
    }

    function test_zrSignResPacked_skipsKeyRequestsAndWrongSigner() public {
        (uint256 k, IZrSign.Request memory rk) = _requestKey(bob);
        (uint256 id2, IZrSign.Request memory r2) = _signHashRequest(alice, index, keccak256("two"));
        bytes memory items = bytes.concat(
            PackedSign.item(k, rk, new bytes(65)), PackedSign.item(id2, r2, _sign(uint256(keccak256("x")), r2.digest))
        );
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(k, IZrSign.ZrSignWrongRequestKind.selector); // a key request (owner = payer)
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(id2, IZrSign.ZrSignWrongSigner.selector);
        vm.prank(mpc);
        assertEq(zr.zrSignResPacked(items), 0);
    }

    function test_RevertWhen_zrSignResPackedLengthNotWhole() public {
        bytes memory items = bytes.concat(PackedSign.item(id, req, _signatureFor(req)), hex"00");
        vm.prank(mpc);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidPackedLength.selector, items.length));
        zr.zrSignResPacked(items);
        bytes memory unauthorized =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, zr.MPC_ROLE());
        vm.prank(alice);
        vm.expectRevert(unauthorized);
        zr.zrSignResPacked("");
        vm.prank(mpc);
        assertEq(zr.zrSignResPacked(""), 0, "no items, nothing answered");
    }

    function test_zrKeyResBatch_partialSuccess() public {
        (uint256 k1, IZrSign.Request memory r1) = _requestKey(bob);
        (uint256 k2, IZrSign.Request memory r2) = _requestKey(bob);
        IZrSign.KeyResponse[] memory items = new IZrSign.KeyResponse[](3);
        items[0] = IZrSign.KeyResponse(k1, r1, _publicKey(_childSecretOf(bob, EVM, 0)));
        items[1] = IZrSign.KeyResponse(k2, r2, _publicKey(_childSecretOf(bob, EVM, 0))); // wrong child
        items[2] = IZrSign.KeyResponse(id, req, new bytes(64)); // a sign request
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(k2, IZrSign.ZrSignWrongDerivedKey.selector);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(id, IZrSign.ZrSignWrongRequestKind.selector);
        vm.prank(mpc);
        assertEq(zr.zrKeyResBatch(items), 1);
        assertEq(zr.keyOf(bob, EVM, 0).evmAddress, vm.addr(_childSecretOf(bob, EVM, 0)));
        assertEq(zr.keyOf(bob, EVM, 1).evmAddress, address(0));
        _assertConservation(zr);
    }

    function _split(bytes memory sig) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
    }
}
