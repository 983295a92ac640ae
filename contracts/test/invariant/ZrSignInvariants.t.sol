// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {ZrKeys} from "../helpers/ZrKeys.sol";
import {ZrSignHandler} from "./ZrSignHandler.sol";
import {ZrSignGhosts} from "./ZrSignGhosts.sol";

/// @title ZrSignInvariantsTest — protocol invariants under random users, MPC answers, admin changes and time
/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 100
contract ZrSignInvariantsTest is ZrSignBase {
    ZrSignHandler internal handler;

    function setUp() public override {
        super.setUp();
        vm.prank(admin);
        zr.setRequestTtl(30); // short enough that sequences reach expiries
        handler = new ZrSignHandler(
            IZrSign(address(zr)),
            admin,
            mpc,
            feeCollector,
            pauser,
            ROOT_SECRET,
            EVM,
            [LOCAL, MAINNET],
            [LOCAL_ID, MAINNET_ID]
        );
        // Weighted: the request → answer → sign pipeline runs more often than admin and environment actions.
        bytes4[] memory selectors = new bytes4[](31);
        selectors[0] = ZrSignHandler.requestKey.selector;
        selectors[1] = ZrSignHandler.requestKey.selector;
        selectors[2] = ZrSignHandler.requestKey.selector;
        selectors[3] = ZrSignHandler.requestSign.selector;
        selectors[4] = ZrSignHandler.requestSign.selector;
        selectors[5] = ZrSignHandler.requestSign.selector;
        selectors[6] = ZrSignHandler.answerKey.selector;
        selectors[7] = ZrSignHandler.answerKey.selector;
        selectors[8] = ZrSignHandler.answerSign.selector;
        selectors[9] = ZrSignHandler.answerSign.selector;
        selectors[10] = ZrSignHandler.answerKeyBatch.selector;
        selectors[11] = ZrSignHandler.answerSignBatch.selector;
        selectors[12] = ZrSignHandler.reject.selector;
        selectors[13] = ZrSignHandler.reclaim.selector;
        selectors[14] = ZrSignHandler.resettle.selector;
        selectors[15] = ZrSignHandler.withdraw.selector;
        selectors[16] = ZrSignHandler.withdrawFees.selector;
        selectors[17] = ZrSignHandler.setMpcFee.selector;
        selectors[18] = ZrSignHandler.setResponseGas.selector;
        selectors[19] = ZrSignHandler.setGasBuffer.selector;
        selectors[20] = ZrSignHandler.setRequestTtl.selector;
        selectors[21] = ZrSignHandler.togglePause.selector;
        selectors[22] = ZrSignHandler.advanceBlocks.selector;
        selectors[23] = ZrSignHandler.advanceBlocks.selector;
        selectors[24] = ZrSignHandler.forceSend.selector;
        selectors[25] = ZrSignHandler.withdrawFor.selector;
        selectors[26] = ZrSignHandler.sweepSurplus.selector;
        selectors[27] = ZrSignHandler.setKeyMpcFee.selector;
        selectors[28] = ZrSignHandler.setMinGasPrice.selector;
        selectors[29] = ZrSignHandler.togglePairing.selector;
        selectors[30] = ZrSignHandler.reclaim.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice §6: balance == Σ escrow + Σ claimable + protocol fees, and that sum == ghost deposits − withdrawals;
    /// force-sent ether only makes the balance larger, and a sweep takes exactly it (nothing accounted).
    function invariant_etherConservation() public view {
        ZrSignGhosts.Totals memory t = handler.totals();
        uint256 owed = zr.totalEscrow() + zr.totalClaimable() + zr.protocolFees();
        assertEq(owed, t.deposits - t.withdrawals, "owed != deposits - withdrawals");
        assertEq(address(zr).balance, owed + t.forced, "balance != owed + forced");
        assertGe(address(zr).balance, owed, "balance < owed");
        assertEq(handler.violationsOf().sweptAccounted, 0, "a sweep paid other than the force-sent ether");
        assertEq(handler.violationsOf().paidToCaller, 0, "withdrawFor paid other than the account's balance");
    }

    /// @notice totalEscrow is the escrow of the open requests; every claimable balance matches its ghost.
    function invariant_escrowAndClaimableMatchGhosts() public view {
        uint256 escrow;
        for (uint256 i; i < handler.openCount(); ++i) {
            IZrSign.Request memory r = handler.ghostRequest(handler.openIds(i)).rec;
            escrow += uint256(r.serviceFee) + r.gasFee;
        }
        assertEq(zr.totalEscrow(), escrow, "totalEscrow");
        uint256 claimable;
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            assertEq(zr.claimable(a), handler.ghostClaimable(a), "claimable(actor)");
            claimable += zr.claimable(a);
        }
        assertEq(zr.claimable(mpc), handler.ghostClaimable(mpc), "claimable(mpc)");
        claimable += zr.claimable(mpc);
        assertEq(zr.totalClaimable(), claimable, "totalClaimable");
    }

    /// @notice Every request is in exactly the state its history implies; open ones hold their commitment,
    /// settled ones none; ids are sequential; settled requests never change again.
    function invariant_requestStatesMatchGhost() public view {
        uint256 n = handler.requestCount();
        assertEq(zr.nextRequestId(), n + 1, "nextRequestId");
        assertEq(zr.getTraceId(), n, "getTraceId");
        for (uint256 id = 1; id <= n; ++id) {
            ZrSignGhosts.Ghost memory g = handler.ghostRequest(id);
            assertEq(uint8(zr.requestStatus(id)), uint8(g.status), "status");
            bytes32 expected = g.status == IZrSign.RequestStatus.Open ? keccak256(abi.encode(g.rec)) : bytes32(0);
            assertEq(zr.requestCommitment(id), expected, "commitment");
        }
        assertEq(uint8(zr.requestStatus(n + 1)), uint8(IZrSign.RequestStatus.None), "next id is None");
        assertEq(handler.violationsOf().terminalReopened, 0, "a settled request was settled again");
        assertEq(handler.violationsOf().badKeyAccepted, 0, "a non-derived key was accepted");
        assertEq(handler.violationsOf().earlyReclaim, 0, "reclaimed before its deadline");
    }

    /// @notice Every stored key is the derived child of the root key (§3) and key counts match requests.
    function invariant_storedKeysAreDerivedChildren() public view {
        for (uint256 i; i < handler.answeredKeyCount(); ++i) {
            ZrSignGhosts.KeyRef memory k = handler.answeredKey(i);
            IZrSign.KeyInfo memory info = zr.keyOf(k.owner, EVM, k.index);
            assertEq(info.evmAddress, k.evmAddress, "stored key != child of root");
            assertEq(info.evmAddress, zr.derivedAddress(k.owner, EVM, k.index), "derivedAddress");
            assertEq(info.publicKey, k.compressed, "compressed public key");
        }
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            assertEq(zr.keyCount(a, EVM), handler.keyCountOf(a), "keyCount");
        }
    }

    /// @notice Every accepted signature is low-s and recovers to its key over the request's digest, which the
    /// handler computed independently (hash as is, EIP-191, or keccak of the chain-bound transaction).
    function invariant_signaturesRecoverToKey() public view {
        for (uint256 i; i < handler.answeredSignCount(); ++i) {
            ZrSignGhosts.Ghost memory g = handler.ghostRequest(handler.answeredSigns(i));
            (, bytes32 s,) = ZrKeys.split(g.signature);
            assertLe(uint256(s), ZrKeys.HALF_N, "high s");
            assertEq(ZrKeys.recover(g.expectedDigest, g.signature), g.rec.signer, "signature does not recover");
            assertEq(g.rec.signer, zr.keyOf(g.rec.owner, EVM, g.rec.walletIndex).evmAddress, "signer");
        }
        assertEq(handler.violationsOf().badSignatureAccepted, 0, "bad signature accepted");
        assertEq(handler.violationsOf().batchMiscount, 0, "batch miscounted");
    }

    /// @notice Nothing is answered or rejected after its deadline, and nothing while paused.
    function invariant_nothingAnsweredAfterDeadline() public view {
        for (uint256 i; i < handler.requestCount(); ++i) {
            ZrSignGhosts.Ghost memory g = handler.ghostRequest(i + 1);
            if (g.status == IZrSign.RequestStatus.Answered) assertLe(g.answeredAt, g.rec.deadline, "late answer");
        }
        assertEq(handler.violationsOf().lateAnswerAccepted, 0, "late answer accepted");
        assertEq(handler.violationsOf().pausedBypass, 0, "accepted while paused");
        assertEq(handler.violationsOf().stoppedAccepted, 0, "a request or answer for a disallowed pairing accepted");
    }

    /// @notice Protocol fees change only by answered requests (their service fee) and withdrawFees.
    function invariant_protocolFeesOnlyFromAnswers() public view {
        ZrSignGhosts.Totals memory t = handler.totals();
        assertEq(zr.protocolFees(), t.feesEarned - t.feesWithdrawn, "protocolFees");
    }

    /// @notice Valid calls succeed and every request event carries exactly what was asked for.
    function invariant_validCallsAcceptedAndRecordsFaithful() public view {
        assertEq(handler.violationsOf().validCallReverted, 0, "a valid call reverted");
        assertEq(handler.violationsOf().badRequestRecord, 0, "request record/payload differs from the request");
    }

    /// @notice Prints the handler's call summary (checked after every call, so it sees the live handler state;
    /// run with -vv to see the last one). forge's own per-selector metrics table is printed too.
    function invariant_callSummary() public view {
        handler.callSummary();
    }

    /// @notice Non-vacuity: each of the handler's settling paths really settles (answer key, answer signature,
    /// reject, reclaim), so the invariants above cannot hold merely because those paths always revert.
    function test_handler_everySettlementPathChangesState() public {
        handler.requestKey(0, 0, 1, 0);
        handler.answerKey(0);
        assertEq(handler.answeredKeyCount(), 1, "key answered");
        handler.requestSign(0, 0, 0, 0, 0);
        handler.answerSign(0, 1); // corruptSeed % 8 != 0: a correct signature
        assertEq(handler.answeredSignCount(), 1, "signature answered");
        handler.requestKey(1, 1, 1, 0);
        handler.reject(0, 3);
        handler.requestKey(2, 2, 1, 0);
        for (uint256 i; i < 8; ++i) {
            handler.advanceBlocks(100, 0); // bounded per call: eight calls pass the 30-block TTL
        }
        handler.reclaim(0, 0);
        assertEq(uint8(zr.requestStatus(3)), uint8(IZrSign.RequestStatus.Rejected), "rejected");
        assertEq(uint8(zr.requestStatus(4)), uint8(IZrSign.RequestStatus.Reclaimed), "reclaimed");
        // The new money paths move money too: a stopped request reclaimed at once, withdrawFor, a sweep.
        handler.requestSign(0, 0, 0, 1, 0); // a hash request for the second chain
        handler.togglePairing();
        uint256 id = zr.nextRequestId() - 1;
        handler.reclaim(0, 0);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Reclaimed), "stopped request reclaimed");
        uint256 owed = zr.claimable(handler.actors(0));
        assertGt(owed, 0);
        handler.withdrawFor(1, 0, false);
        assertEq(zr.claimable(handler.actors(0)), 0, "withdrawFor paid");
        handler.forceSend(1 ether);
        handler.sweepSurplus();
        assertEq(handler.totals().forced, 0, "swept");
        assertEq(handler.violationsOf().validCallReverted, 0, "no valid call reverted");
    }
}
