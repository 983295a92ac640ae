// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../../interfaces/IZrSign.sol";
import {KeyDerivation} from "../../libraries/KeyDerivation.sol";
import {HalmosBase} from "./HalmosBase.sol";

/// @title ZrSignRequestsHalmos — symbolic checks of the fee/escrow arithmetic, the request state machine and the key
/// check on the real contract behind its proxy (halmos; `check_` functions are not run by `forge test`)
contract ZrSignRequestsHalmos is HalmosBase {
    /// @dev A key request with any payment and options, under any base fee up to 2^64 wei: it succeeds exactly when
    /// the payment covers the quote; then the quote is escrowed, the excess credited to the payer, the id advances,
    /// and balance = escrow + claimable + fees still holds (no overflow anywhere on the way).
    function check_zrKeyReq_escrowsQuoteCreditsExcess(uint256 value, uint8 options, uint64 basefee) public {
        vm.assume(options != 0);
        vm.assume(value < 2 ** 88); // above the ether supply (~2^87 wei)
        vm.fee(basefee);
        uint256 quote = zr.keyFee(EVM, options);
        assertGe(quote, uint256(MPC_FEE) * options, "the quote holds the service fee");
        uint256 escrow = zr.totalEscrow();
        uint256 claimable = zr.totalClaimable();
        uint256 next = zr.nextRequestId();
        vm.deal(stranger, value);
        vm.prank(stranger);
        (bool ok,) = address(zr).call{value: value}(
            abi.encodeCall(IZrSign.zrKeyReq, (IZrSign.ZrKeyReqParams(stranger, EVM, options)))
        );
        assertEq(ok, value >= quote, "succeeds exactly when paid");
        if (ok) {
            assertEq(zr.totalEscrow(), escrow + quote, "quote escrowed");
            assertEq(zr.totalClaimable(), claimable + (value - quote), "excess credited");
            assertEq(zr.claimable(stranger), value - quote);
            assertEq(zr.nextRequestId(), next + 1);
            // (Its status is not asserted: halmos's keccak may take the values 0..4 of the status markers.)
        } else {
            assertEq(zr.totalEscrow(), escrow);
            assertEq(zr.nextRequestId(), next);
        }
        _assertConservation();
    }

    /// @dev The open request at any later block: a rejection passes exactly until the deadline, a reclaim exactly
    /// after it; each moves exactly the request's escrow (service fee to the requester, gas part to the caller on a
    /// rejection; all to the requester on a reclaim), conserves money, and leaves a terminal state that no further
    /// rejection, reclaim or answer can leave.
    function check_settle_windowAndConservation(uint32 blocks, bool reject) public {
        vm.roll(block.number + blocks);
        uint256 escrow = zr.totalEscrow();
        uint256 owed = uint256(openReq.serviceFee) + openReq.gasFee;
        bool ok;
        if (reject) {
            vm.prank(mpc);
            (ok,) = address(zr).call(abi.encodeCall(IZrSign.zrReject, (openId, openReq, 1)));
            assertEq(ok, block.number <= openReq.deadline, "rejectable exactly until the deadline");
        } else {
            vm.prank(stranger);
            (ok,) = address(zr).call(abi.encodeCall(IZrSign.reclaim, (openId, openReq)));
            assertEq(ok, block.number > openReq.deadline, "reclaimable exactly after the deadline");
        }
        _assertConservation();
        if (!ok) {
            assertEq(zr.totalEscrow(), escrow);
            assertEq(uint8(zr.requestStatus(openId)), uint8(IZrSign.RequestStatus.Open));
            return;
        }
        assertEq(zr.totalEscrow(), escrow - owed, "exactly the request's escrow released");
        if (reject) {
            assertEq(zr.claimable(alice), openReq.serviceFee, "service fee back to the requester");
            assertEq(zr.claimable(mpc), openReq.gasFee, "gas part to the responder");
            assertEq(uint8(zr.requestStatus(openId)), uint8(IZrSign.RequestStatus.Rejected));
        } else {
            assertEq(zr.claimable(alice), owed, "everything back to the requester");
            assertEq(uint8(zr.requestStatus(openId)), uint8(IZrSign.RequestStatus.Reclaimed));
        }
        // Terminal: nothing settles it again.
        vm.prank(mpc);
        (bool again,) = address(zr).call(abi.encodeCall(IZrSign.zrReject, (openId, openReq, 1)));
        assertFalse(again, "rejected twice");
        (again,) = address(zr).call(abi.encodeCall(IZrSign.reclaim, (openId, openReq)));
        assertFalse(again, "reclaimed twice");
        vm.prank(mpc);
        (again,) = address(zr).call(abi.encodeCall(IZrSign.zrKeyRes, (openId, openReq, new bytes(64))));
        assertFalse(again, "answered after settling");
    }

    /// @dev A withdrawal after a rejection pays exactly the claimable balance and keeps conservation.
    function check_withdraw_paysClaimable(bool reject) public {
        if (reject) {
            vm.prank(mpc);
            zr.zrReject(openId, openReq, 1);
        } else {
            vm.roll(uint256(openReq.deadline) + 1);
            zr.reclaim(openId, openReq);
        }
        uint256 owed = zr.claimable(alice);
        uint256 before = alice.balance;
        vm.prank(alice);
        zr.withdraw();
        assertEq(alice.balance, before + owed);
        assertEq(zr.claimable(alice), 0);
        _assertConservation();
    }

    /// @dev The key check: for every 64-byte public key, the answer is accepted exactly when the key's address is the
    /// derived child address(R + t·G) as one ecrecover computes it (halmos treats ecrecover as an uninterpreted
    /// function, so this shows the acceptance condition is that equation, over every key), and then that address
    /// is what is stored.
    function check_zrKeyRes_acceptsExactlyTheDerivedChild(bytes32 x, bytes32 y) public {
        bytes memory publicKey = abi.encodePacked(x, y);
        uint256 t = KeyDerivation.tweak(block.chainid, address(zr), alice, EVM, 0);
        address expected = ecrecover(bytes32((N() - mulmod(GX, t, N())) % N()), 27, bytes32(GX), bytes32(GX));
        address actual = address(uint160(uint256(keccak256(publicKey))));
        vm.prank(mpc);
        (bool ok,) = address(zr).call(abi.encodeCall(IZrSign.zrKeyRes, (openId, openReq, publicKey)));
        assertEq(ok, actual == expected, "accepted exactly the derived child");
        if (ok) assertEq(zr.keyOf(alice, EVM, 0).evmAddress, expected);
    }

    function N() internal pure returns (uint256) {
        return KeyDerivation.N;
    }
}
