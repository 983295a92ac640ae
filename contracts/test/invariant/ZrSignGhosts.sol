// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";

/// @title ZrSignGhosts — the ghost state the invariant handler keeps alongside the contract
/// @notice A mirror of every request (its record, status, expected digest, answer block and signature), of
/// every claimable balance, of the ether that came in and went out, and counters of every behaviour the
/// protocol forbids. The invariant suite compares the contract against it.
abstract contract ZrSignGhosts {
    Vm private constant vm_ = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice Which open requests an action may pick.
    enum KindFilter {
        Key,
        Sign,
        Any
    }

    /// @notice The ghost of one request.
    struct Ghost {
        IZrSign.RequestStatus status;
        IZrSign.Request rec;
        bytes32 expectedDigest; // computed by the handler, independently of the contract
        uint64 answeredAt; // block of the accepted answer
        bytes signature; // the accepted signature (sign requests)
    }

    /// @notice An answered key.
    struct KeyRef {
        address owner;
        uint256 index;
        address evmAddress; // vm.addr(child secret)
        bytes compressed; // compressed SEC1 public key of the child
    }

    /// @notice Ether totals.
    struct Totals {
        uint256 deposits; // Σ msg.value of accepted requests
        uint256 excessCredited; // Σ (msg.value − quote) credited back to payers
        uint256 withdrawals; // Σ ether paid out (withdraw + withdrawFees)
        uint256 feesEarned; // Σ service fees of answered requests
        uint256 feesWithdrawn; // Σ withdrawFees
        uint256 forced; // Σ force-sent ether not yet swept
    }

    /// @notice Counters of forbidden behaviour; every one must stay zero.
    struct Violations {
        uint256 lateAnswerAccepted; // an answer or rejection after the deadline was accepted
        uint256 pausedBypass; // a request or response was accepted while paused
        uint256 badSignatureAccepted; // a high-s or wrong-key signature was accepted
        uint256 badKeyAccepted; // a public key that is not the derived child was accepted
        uint256 terminalReopened; // a settled request was settled again
        uint256 earlyReclaim; // a request was reclaimed before its deadline
        uint256 badRequestRecord; // an emitted request record / payload differs from what was asked
        uint256 batchMiscount; // a batch reported a different number of answers than were valid
        uint256 validCallReverted; // a call the protocol must accept reverted
        uint256 stoppedAccepted; // a request or answer for a disallowed pairing was accepted
        uint256 paidToCaller; // withdrawFor paid someone other than the account, or not the account's whole balance
        uint256 sweptAccounted; // a sweep paid other than exactly the force-sent ether
    }

    address[] public actors;
    mapping(uint256 => Ghost) internal ghostOf;
    uint256[] public requestIds;
    uint256[] public openIds;
    uint256[] public settledIds;
    mapping(uint256 => uint256) internal openPos; // id → index in openIds + 1
    mapping(address => uint256) public ghostClaimable;
    mapping(address => uint256) public keyCountOf;
    mapping(address => uint256[]) internal answeredIndexes;
    mapping(address => mapping(uint256 => address)) internal keyAddress;
    KeyRef[] internal answeredKeys;
    uint256[] public answeredSigns;
    Totals public ghost;
    Violations public violations;
    mapping(string => uint256) public calls;

    // ───────────────────────────── Views for the invariant suite ─────────────────────────────

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function openCount() external view returns (uint256) {
        return openIds.length;
    }

    function answeredKeyCount() external view returns (uint256) {
        return answeredKeys.length;
    }

    function answeredKey(uint256 i) external view returns (KeyRef memory) {
        return answeredKeys[i];
    }

    function answeredSignCount() external view returns (uint256) {
        return answeredSigns.length;
    }

    function ghostRequest(uint256 id) external view returns (Ghost memory) {
        return ghostOf[id];
    }

    function violationsOf() external view returns (Violations memory) {
        return violations;
    }

    function totals() external view returns (Totals memory) {
        return ghost;
    }

    // ───────────────────────────── Internals ─────────────────────────────

    /// @dev An open request matching `filter`, scanning from a seeded position.
    function _pickOpen(uint256 seed, KindFilter filter) internal view returns (bool, uint256) {
        uint256 n = openIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 id = openIds[(seed % n + i) % n];
            if (_matches(ghostOf[id].rec.kind, filter)) return (true, id);
        }
        return (false, 0);
    }

    /// @dev Up to `max` distinct open requests matching `filter`, scanning from a seeded position.
    function _pickOpenOf(uint256 seed, uint256 max, KindFilter filter) internal view returns (uint256[] memory ids) {
        uint256 n = openIds.length;
        ids = new uint256[](max);
        uint256 k;
        for (uint256 i; i < n && k < max; ++i) {
            uint256 id = openIds[(seed % n + i) % n];
            if (_matches(ghostOf[id].rec.kind, filter)) ids[k++] = id;
        }
        assembly ("memory-safe") {
            mstore(ids, k)
        }
    }

    function _matches(IZrSign.RequestKind kind, KindFilter filter) private pure returns (bool) {
        if (filter == KindFilter.Any) return true;
        return (kind == IZrSign.RequestKind.Key) == (filter == KindFilter.Key);
    }

    /// @dev The request record (and signed payload) of `id` from the logs recorded since `vm.recordLogs()`.
    function _requestFromLogs(address emitter, uint256 id)
        internal
        returns (IZrSign.Request memory rec, bytes memory payload)
    {
        Vm.Log[] memory logs = vm_.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            Vm.Log memory l = logs[i - 1];
            if (l.emitter != emitter || l.topics.length < 2 || uint256(l.topics[1]) != id) continue;
            if (l.topics[0] == IZrSign.ZrKeyRequested.selector) {
                (rec,) = abi.decode(l.data, (IZrSign.Request, uint8));
                return (rec, "");
            }
            if (l.topics[0] == IZrSign.ZrSignRequested.selector) return abi.decode(l.data, (IZrSign.Request, bytes));
        }
        violations.badRequestRecord++; // no request event for an accepted request
    }
}
