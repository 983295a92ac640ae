// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @dev Claims excess credit by overpaying a key request, then withdraws, re-entering withdraw from receive.
contract ReentrantWithdrawer {
    IZrSign internal immutable zr;
    bool internal swallow;
    uint256 public received;

    constructor(IZrSign zr_) {
        zr = zr_;
    }

    function request(bytes32 walletTypeId, uint256 value) external payable {
        zr.zrKeyReq{value: value}(IZrSign.ZrKeyReqParams(address(this), walletTypeId, 1));
    }

    function attack(bool swallow_) external {
        swallow = swallow_;
        zr.withdraw();
    }

    receive() external payable {
        received += msg.value;
        if (swallow) {
            try zr.withdraw() {} catch {}
        } else {
            zr.withdraw();
        }
    }
}

contract RevertingReceiver {
    receive() external payable {
        revert("no");
    }
}

/// @dev A contract with a credit and no call to withdraw it (like a v1 dapp); on receiving ether it tries to re-enter
/// withdrawFor (for itself) when `reenter` is set.
contract PassiveCreditor {
    IZrSign internal immutable zr;
    bool public reenter;
    uint256 public received;

    constructor(IZrSign zr_) {
        zr = zr_;
    }

    function request(bytes32 walletTypeId, uint256 value) external payable {
        zr.zrKeyReq{value: value}(IZrSign.ZrKeyReqParams(address(this), walletTypeId, 1));
    }

    function setReenter(bool on) external {
        reenter = on;
    }

    receive() external payable {
        received += msg.value;
        if (reenter) zr.withdrawFor(address(this));
    }
}

/// @dev Sends its balance to `target` by SELFDESTRUCT in its constructor (EIP-6780 keeps that transfer): ether that
/// no function of the target accepted.
contract ForceSender {
    constructor(address payable target) payable {
        selfdestruct(target);
    }
}

contract MoneyTest is ZrSignBase {
    function test_reclaim_afterDeadlineCreditsFullEscrow() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        vm.roll(uint256(r.deadline) + 1);
        uint256 amount = uint256(r.serviceFee) + r.gasFee;
        vm.expectEmit(address(zr));
        emit IZrSign.ZrRequestReclaimed(id, alice, amount);
        vm.prank(bob); // anyone
        zr.reclaim(id, r);
        assertEq(zr.claimable(alice), amount);
        assertEq(zr.totalEscrow(), 0);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Reclaimed));
        _assertConservation(zr);
    }

    function test_RevertWhen_reclaimBeforeDeadline() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        vm.roll(r.deadline);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignRequestNotExpired.selector, id, r.deadline));
        zr.reclaim(id, r);
    }

    function test_RevertWhen_reclaimTwice() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        vm.roll(uint256(r.deadline) + 1);
        zr.reclaim(id, r);
        vm.expectRevert(
            abi.encodeWithSelector(IZrSign.ZrSignRequestNotOpen.selector, id, IZrSign.RequestStatus.Reclaimed)
        );
        zr.reclaim(id, r);
    }

    function test_RevertWhen_reclaimAnswered() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        _answerKey(id, r);
        vm.roll(uint256(r.deadline) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IZrSign.ZrSignRequestNotOpen.selector, id, IZrSign.RequestStatus.Answered)
        );
        zr.reclaim(id, r);
    }

    function test_reclaimAndWithdraw_whilePaused() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        vm.prank(pauser);
        zr.pause();
        vm.roll(uint256(r.deadline) + 1);
        zr.reclaim(id, r);
        uint256 before = alice.balance;
        vm.prank(alice);
        zr.withdraw();
        assertEq(alice.balance, before + uint256(r.serviceFee) + r.gasFee);
        _assertConservation(zr);
    }

    function test_withdraw_paysWholeClaimable() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        _answerKey(id, r);
        uint256 before = mpc.balance;
        vm.expectEmit(address(zr));
        emit IZrSign.ZrWithdrawn(mpc, r.gasFee);
        vm.prank(mpc);
        zr.withdraw();
        assertEq(mpc.balance, before + r.gasFee);
        assertEq(zr.claimable(mpc), 0);
        assertEq(zr.totalClaimable(), 0);
        _assertConservation(zr);
    }

    /// @dev Answers record their released escrow in one word (Settled): the three totals stay exact before and after a
    /// withdrawal folds it into the stored fields, and answers after a fold still settle.
    function test_settled_foldKeepsTotalsExact() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        (uint256 id2, IZrSign.Request memory r2) = _requestKey(alice);
        uint256 escrow = zr.totalEscrow();
        uint256 claimableTotal = zr.totalClaimable();
        uint256 fees = zr.protocolFees();
        _answerKey(id, r);
        assertEq(zr.totalEscrow(), escrow - r.serviceFee - r.gasFee);
        assertEq(zr.totalClaimable(), claimableTotal + r.gasFee);
        assertEq(zr.protocolFees(), fees + r.serviceFee);
        uint256 paid = zr.claimable(mpc);
        vm.prank(mpc);
        zr.withdraw(); // more than the stored claimable total: folds
        assertEq(zr.totalEscrow(), escrow - r.serviceFee - r.gasFee);
        assertEq(zr.totalClaimable(), claimableTotal + r.gasFee - paid);
        assertEq(zr.protocolFees(), fees + r.serviceFee);
        _assertConservation(zr);
        _answerKey(id2, r2);
        assertEq(zr.totalEscrow(), escrow - r.serviceFee - r.gasFee - r2.serviceFee - r2.gasFee);
        assertEq(zr.protocolFees(), fees + r.serviceFee + r2.serviceFee);
        vm.prank(feeCollector);
        zr.withdrawFees(bob, fees + r.serviceFee + r2.serviceFee); // folds, then pays every fee
        assertEq(zr.protocolFees(), 0);
        _assertConservation(zr);
    }

    function test_reclaim_releasesNewEscrowThenFolded() public {
        // A: a large key request whose escrow a fee withdrawal folds into the stored total.
        (uint256 idA, IZrSign.Request memory a) = _requestKeyFor(alice, alice, EVM, 3);
        (uint256 idC, IZrSign.Request memory c) = _requestKey(alice);
        _answerKey(idC, c);
        vm.prank(feeCollector);
        zr.withdrawFees(bob, c.serviceFee); // folds the request word's escrow and Settled
        // B: a smaller request, its escrow in the request word only.
        (uint256 idB, IZrSign.Request memory b) = _requestKey(bob);
        uint256 feeA = uint256(a.serviceFee) + a.gasFee;
        uint256 feeB = uint256(b.serviceFee) + b.gasFee;
        assertGt(feeA, feeB);
        assertEq(zr.totalEscrow(), feeA + feeB);
        vm.roll(uint256(b.deadline) + 1);
        zr.reclaim(idA, a); // B's part of the request word first, the rest from the stored total
        assertEq(zr.totalEscrow(), feeB);
        assertEq(zr.claimable(alice), feeA);
        _assertConservation(zr);
        vm.expectRevert(IZrSign.ZrSignNoSurplus.selector);
        vm.prank(feeCollector);
        zr.sweepSurplus(bob); // the request word's escrow counts as accounted ether
        zr.reclaim(idB, b);
        assertEq(zr.totalEscrow(), 0);
        _assertConservation(zr);
    }

    function test_RevertWhen_withdrawNothing() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignNothingToWithdraw.selector, bob));
        vm.prank(bob);
        zr.withdraw();
    }

    function test_RevertWhen_withdrawReentered() public {
        ReentrantWithdrawer attacker = new ReentrantWithdrawer(zr);
        uint256 fee = zr.keyFee(EVM, 1);
        attacker.request{value: fee + 1 ether}(EVM, fee + 1 ether);
        assertEq(zr.claimable(address(attacker)), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTransferFailed.selector, address(attacker), 1 ether));
        attacker.attack(false);
        // Swallowing the re-entry failure: paid exactly once.
        attacker.attack(true);
        assertEq(attacker.received(), 1 ether);
        assertEq(zr.claimable(address(attacker)), 0);
        _assertConservation(zr);
    }

    function test_RevertWhen_withdrawToRevertingReceiver() public {
        RevertingReceiver receiver = new RevertingReceiver();
        (uint256 id, IZrSign.Request memory r) = _requestKeyFor(alice, alice, EVM, 1);
        vm.roll(uint256(r.deadline) + 1);
        zr.reclaim(id, r);
        vm.prank(feeCollector);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInsufficientProtocolFees.selector, 1, 0));
        zr.withdrawFees(address(receiver), 1);
        // A fee payout to a reverting receiver fails with a typed error.
        (uint256 id2, IZrSign.Request memory r2) = _requestKey(alice);
        _answerKey(id2, r2);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTransferFailed.selector, address(receiver), r2.serviceFee));
        vm.prank(feeCollector);
        zr.withdrawFees(address(receiver), r2.serviceFee);
        _assertConservation(zr);
    }

    function test_withdrawFees_paysProtocolFees() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        _answerKey(id, r);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrFeesWithdrawn(bob, r.serviceFee);
        uint256 before = bob.balance;
        vm.prank(feeCollector);
        zr.withdrawFees(bob, r.serviceFee);
        assertEq(bob.balance, before + r.serviceFee);
        assertEq(zr.protocolFees(), 0);
        _assertConservation(zr);
    }

    function test_RevertWhen_withdrawFeesInvalid() public {
        vm.startPrank(feeCollector);
        vm.expectRevert(IZrSign.ZrSignZeroAddress.selector);
        zr.withdrawFees(address(0), 0);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInsufficientProtocolFees.selector, 1, 0));
        zr.withdrawFees(bob, 1);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, zr.FEE_ROLE())
        );
        vm.prank(bob);
        zr.withdrawFees(bob, 0);
    }

    /// @dev Issue 10.3: anyone pays an account's claimable balance to that account, never to the caller.
    function test_withdrawFor_paysAccountNotCaller() public {
        PassiveCreditor creditor = new PassiveCreditor(zr);
        uint256 fee = zr.keyFee(EVM, 1);
        creditor.request{value: fee + 0.5 ether}(EVM, fee + 0.5 ether);
        assertEq(zr.claimable(address(creditor)), 0.5 ether);
        uint256 bobBefore = bob.balance;
        vm.expectEmit(address(zr));
        emit IZrSign.ZrWithdrawn(address(creditor), 0.5 ether);
        vm.prank(bob);
        zr.withdrawFor(address(creditor));
        assertEq(creditor.received(), 0.5 ether);
        assertEq(address(creditor).balance, 0.5 ether);
        assertEq(bob.balance, bobBefore, "the caller gets nothing");
        assertEq(zr.claimable(address(creditor)), 0);
        _assertConservation(zr);
    }

    function test_RevertWhen_withdrawForNothing() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignNothingToWithdraw.selector, alice));
        vm.prank(bob);
        zr.withdrawFor(alice);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignNothingToWithdraw.selector, address(0)));
        zr.withdrawFor(address(0));
    }

    /// @dev A receiver that refuses the ether keeps its credit: the call reverts with a typed error, nothing moves.
    function test_RevertWhen_withdrawForRevertingReceiver_keepsCredit() public {
        RevertingReceiver receiver = new RevertingReceiver();
        (uint256 id, IZrSign.Request memory r) = _requestKeyFor(alice, alice, EVM, 1);
        _answerKey(id, r);
        // Credit the receiver: a key request it pays for another owner, reclaimed after its deadline.
        uint256 fee = zr.keyFee(EVM, 1);
        vm.deal(address(receiver), fee);
        vm.recordLogs();
        vm.prank(address(receiver));
        uint256 id2 = zr.zrKeyReq{value: fee}(IZrSign.ZrKeyReqParams(alice, EVM, 1));
        IZrSign.Request memory r2 = _keyRequestFromLogs(vm.getRecordedLogs());
        vm.roll(uint256(r2.deadline) + 1);
        zr.reclaim(id2, r2);
        assertEq(zr.claimable(address(receiver)), fee);
        uint256 totalBefore = zr.totalClaimable();
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTransferFailed.selector, address(receiver), fee));
        vm.prank(bob);
        zr.withdrawFor(address(receiver));
        assertEq(zr.claimable(address(receiver)), fee, "credit kept");
        assertEq(zr.totalClaimable(), totalBefore);
        _assertConservation(zr);
    }

    /// @dev withdrawFor shares withdraw's guard: the receiver re-entering fails the whole payout (credit kept).
    function test_RevertWhen_withdrawForReentered() public {
        PassiveCreditor creditor = new PassiveCreditor(zr);
        uint256 fee = zr.keyFee(EVM, 1);
        creditor.request{value: fee + 1 ether}(EVM, fee + 1 ether);
        creditor.setReenter(true);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTransferFailed.selector, address(creditor), 1 ether));
        zr.withdrawFor(address(creditor));
        assertEq(zr.claimable(address(creditor)), 1 ether);
        creditor.setReenter(false);
        zr.withdrawFor(address(creditor));
        assertEq(creditor.received(), 1 ether);
        _assertConservation(zr);
    }

    /// @dev Issue 10.10: FEE_ROLE sweeps exactly the force-sent ether; escrow, claimable and fees stay.
    function test_sweepSurplus_paysExactlyForcedEther() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice); // escrow
        _answerKey(id, r); // protocol fees + responder claimable
        _requestKeyFor(bob, alice, EVM, 2); // more escrow
        uint256 owed = zr.totalEscrow() + zr.totalClaimable() + zr.protocolFees();
        new ForceSender{value: 0.3 ether}(payable(address(zr)));
        assertEq(address(zr).balance, owed + 0.3 ether);
        address sink = makeAddr("sink");
        vm.expectEmit(address(zr));
        emit IZrSign.ZrSurplusSwept(sink, 0.3 ether);
        vm.prank(feeCollector);
        zr.sweepSurplus(sink);
        assertEq(sink.balance, 0.3 ether);
        assertEq(address(zr).balance, owed, "nothing accounted moved");
        _assertConservation(zr);
        vm.expectRevert(IZrSign.ZrSignNoSurplus.selector);
        vm.prank(feeCollector);
        zr.sweepSurplus(sink);
    }

    function test_RevertWhen_sweepSurplusInvalid() public {
        vm.deal(address(zr), 1 ether);
        vm.startPrank(feeCollector);
        vm.expectRevert(IZrSign.ZrSignZeroAddress.selector);
        zr.sweepSurplus(address(0));
        RevertingReceiver receiver = new RevertingReceiver();
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTransferFailed.selector, address(receiver), 1 ether));
        zr.sweepSurplus(address(receiver));
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, zr.FEE_ROLE())
        );
        vm.prank(bob);
        zr.sweepSurplus(bob);
    }

    /// @dev Issue 10.9: with a minimum gas price the responder's part is non-zero even at base fee 0.
    function test_minGasPrice_floorsTheQuote() public {
        vm.fee(0);
        assertEq(zr.keyFee(EVM, 1), MPC_FEE, "no gas part at base fee 0 without a floor");
        vm.prank(admin);
        zr.setMinGasPrice(2 gwei);
        (, IZrSign.Request memory r) = _requestKey(alice);
        assertEq(r.gasFee, uint256(KEY_GAS) * 2 gwei * 110 / 100);
        vm.fee(5 gwei); // above the floor, the base fee counts
        assertEq(zr.keyFee(EVM, 1), MPC_FEE + uint256(KEY_GAS) * 5 gwei * 110 / 100);
    }

    /// @dev Fee/escrow arithmetic: for any basefee, fee settings and overpayment, escrow + credited excess equals
    /// msg.value, the escrow is the quote, and conservation holds through answer and withdrawals.
    function testFuzz_feeEscrow_conserved(
        uint256 basefee,
        uint96 mpcFee,
        uint32 keyGas,
        uint32 hashGas,
        uint16 buffer,
        uint256 overpay,
        uint8 options
    ) public {
        basefee = bound(basefee, 0, 10_000 gwei);
        mpcFee = uint96(bound(mpcFee, 0, zr.MAX_MPC_FEE()));
        keyGas = uint32(bound(keyGas, 0, zr.MAX_RESPONSE_GAS()));
        hashGas = uint32(bound(hashGas, 0, zr.MAX_RESPONSE_GAS()));
        buffer = uint16(bound(buffer, 0, zr.MAX_GAS_BUFFER_PCT()));
        overpay = bound(overpay, 0, 100 ether);
        options = uint8(bound(options, 1, type(uint8).max));
        vm.startPrank(admin);
        zr.setMpcFee(EVM, mpcFee);
        zr.setKeyMpcFee(mpcFee);
        zr.setResponseGas(IZrSign.RequestKind.Key, keyGas);
        zr.setResponseGas(IZrSign.RequestKind.Hash, hashGas);
        zr.setGasBuffer(buffer);
        vm.stopPrank();
        vm.fee(basefee);

        uint256 quote = zr.keyFee(EVM, options);
        assertEq(quote, uint256(mpcFee) * options + uint256(keyGas) * basefee * (100 + buffer) / 100);
        vm.recordLogs();
        vm.prank(alice);
        uint256 id = zr.zrKeyReq{value: quote + overpay}(IZrSign.ZrKeyReqParams(alice, EVM, options));
        IZrSign.Request memory r = _keyRequestFromLogs(vm.getRecordedLogs());
        assertEq(zr.totalEscrow() + zr.claimable(alice), quote + overpay);
        assertEq(uint256(r.serviceFee) + r.gasFee, quote);
        _assertConservation(zr);

        _answerKey(id, r);
        (uint256 sid, IZrSign.Request memory sr) = _signHashRequest(alice, 0, bytes32(uint256(1)));
        assertEq(sr.gasFee, uint256(hashGas) * basefee * (100 + buffer) / 100);
        _answerSign(sid, sr);
        _assertConservation(zr);
        assertEq(zr.protocolFees(), uint256(mpcFee) * options + mpcFee);
        assertEq(zr.claimable(mpc), uint256(r.gasFee) + sr.gasFee);

        if (zr.claimable(alice) != 0) {
            vm.prank(alice);
            zr.withdraw();
        }
        if (zr.claimable(mpc) != 0) {
            vm.prank(mpc);
            zr.withdraw();
        }
        uint256 fees = zr.protocolFees();
        vm.prank(feeCollector);
        zr.withdrawFees(feeCollector, fees);
        assertEq(address(zr).balance, 0);
        _assertConservation(zr);
    }
}
