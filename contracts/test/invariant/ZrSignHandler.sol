// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {console} from "forge-std/console.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrKeys} from "../helpers/ZrKeys.sol";
import {Rlp} from "../helpers/Rlp.sol";
import {ZrSignGhosts} from "./ZrSignGhosts.sol";

/// @title ZrSignHandler — drives a zrSign deployment through users, the MPC responder, admins and time
/// @notice Every action mirrors its expected effect in the ghost state of {ZrSignGhosts}; whenever the
/// contract accepts something it must refuse (a late answer, a bad signature, a settled request settled
/// again, anything while paused) or refuses something it must accept, a violation counter is bumped and the
/// invariant suite fails on it.
contract ZrSignHandler is CommonBase, StdCheats, StdUtils, ZrSignGhosts {
    IZrSign public immutable zr;
    address public immutable admin;
    address public immutable mpc;
    address public immutable feeManager;
    address public immutable pauser;
    uint256 internal immutable rootSecret;
    bytes32 internal immutable walletTypeId;

    /// @dev A sign request being built.
    struct SignPlan {
        IZrSign.RequestKind kind;
        bytes payload; // sent
        bytes signed; // expected in the event (chain id written in for v1 legacy payloads)
        bool broadcast;
        bytes32 digest;
        uint256 index;
        uint256 chain;
        uint256 quote;
        uint256 value;
    }

    bytes32[2] internal chains;
    uint64[2] internal evmChainIds;
    address internal currentActor;

    uint256 public currentBlock;
    uint256 public currentBasefee;
    bool public paused;
    uint32 public ttl;
    /// @dev Whether the second chain (chains[1]) is allowed for the wallet type; {togglePairing} flips it.
    bool public secondChainAllowed = true;

    uint256 internal immutable maxMpcFee;
    uint256 internal immutable maxResponseGas;
    uint256 internal immutable maxGasBuffer;
    uint256 internal immutable minTtl;
    uint256 internal immutable maxTtl;

    constructor(
        IZrSign zr_,
        address admin_,
        address mpc_,
        address feeManager_,
        address pauser_,
        uint256 rootSecret_,
        bytes32 walletTypeId_,
        bytes32[2] memory chains_,
        uint64[2] memory evmChainIds_
    ) {
        zr = zr_;
        admin = admin_;
        mpc = mpc_;
        feeManager = feeManager_;
        pauser = pauser_;
        rootSecret = rootSecret_;
        walletTypeId = walletTypeId_;
        chains = chains_;
        evmChainIds = evmChainIds_;
        for (uint256 i; i < 4; ++i) {
            actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        }
        currentBlock = block.number;
        currentBasefee = block.basefee;
        ttl = zr_.feeConfig().requestTtl;
        maxMpcFee = _constOr(address(zr_), "MAX_MPC_FEE()", 0.01 ether);
        maxResponseGas = _constOr(address(zr_), "MAX_RESPONSE_GAS()", 500_000);
        maxGasBuffer = _constOr(address(zr_), "MAX_GAS_BUFFER_PCT()", 100);
        minTtl = _constOr(address(zr_), "MIN_REQUEST_TTL()", ttl);
        maxTtl = _constOr(address(zr_), "MAX_REQUEST_TTL()", ttl);
    }

    /// @dev Restores the block number and base fee the sequence has reached before every action.
    modifier syncBlock() {
        vm.roll(currentBlock);
        vm.fee(currentBasefee);
        _;
    }

    /// @dev Acts as one of the user actors.
    modifier useActor(uint256 actorSeed) {
        currentActor = actors[_bound(actorSeed, 0, actors.length - 1)];
        _;
    }

    /// @dev Counts the call under `name`.
    modifier countCall(string memory name) {
        calls[name]++;
        _;
    }

    // ─────────────────────────────────────── Users ───────────────────────────────────────

    /// @notice A user requests a key for some actor (possibly itself), paying the quote plus an excess.
    function requestKey(uint256 actorSeed, uint256 ownerSeed, uint256 optionsSeed, uint256 excess)
        external
        syncBlock
        useActor(actorSeed)
        countCall("requestKey")
    {
        address owner = actors[_bound(ownerSeed, 0, actors.length - 1)];
        uint8 options = uint8(_bound(optionsSeed, 1, type(uint8).max)); // v1: any non-zero service level
        uint256 quote = zr.keyFee(walletTypeId, options);
        uint256 value = quote + _bound(excess, 0, 0.01 ether);
        vm.deal(currentActor, value);
        vm.recordLogs();
        vm.prank(currentActor);
        try zr.zrKeyReq{value: value}(IZrSign.ZrKeyReqParams(owner, walletTypeId, options)) returns (uint256 id) {
            if (paused) violations.pausedBypass++;
            (IZrSign.Request memory rec,) = _requestFromLogs(address(zr), id);
            _checkNewRequest(id, rec, quote, IZrSign.RequestKind.Key, bytes32(0));
            if (rec.owner != owner || rec.walletIndex != keyCountOf[owner]) violations.badRequestRecord++;
            keyCountOf[owner]++;
            _openRequest(id, rec, value, quote, bytes32(0));
        } catch {
            if (!paused) violations.validCallReverted++;
        }
    }

    /// @notice A user with an answered key requests a hash, data or transaction signature.
    function requestSign(uint256 actorSeed, uint256 keySeed, uint256 kindSeed, uint256 chainSeed, uint256 excess)
        external
        syncBlock
        useActor(actorSeed)
        countCall("requestSign")
    {
        uint256[] storage owned = answeredIndexes[currentActor];
        for (uint256 i = 1; owned.length == 0 && i < actors.length; ++i) {
            currentActor = actors[(actorSeed % actors.length + i) % actors.length]; // the first actor holding a key
            owned = answeredIndexes[currentActor];
        }
        if (owned.length == 0) return;
        SignPlan memory plan;
        plan.index = owned[_bound(keySeed, 0, owned.length - 1)];
        plan.chain = chainSeed % 2;
        (plan.kind, plan.payload, plan.signed, plan.broadcast) =
            _makePayload(kindSeed, keySeed ^ excess, evmChainIds[plan.chain]);
        plan.digest = plan.kind == IZrSign.RequestKind.Hash
            ? bytes32(plan.payload)
            : plan.kind == IZrSign.RequestKind.Data ? ZrKeys.dataDigest(plan.payload) : keccak256(plan.signed);
        plan.quote = zr.signFee(walletTypeId, plan.kind);
        plan.value = plan.quote + _bound(excess, 0, 0.01 ether);
        _submitSign(plan);
    }

    /// @dev Sends a planned sign request and records it.
    function _submitSign(SignPlan memory plan) internal {
        IZrSign.ZrSignParams memory p =
            IZrSign.ZrSignParams(walletTypeId, plan.index, chains[plan.chain], plan.payload, plan.broadcast);
        vm.deal(currentActor, plan.value);
        vm.recordLogs();
        vm.prank(currentActor);
        (bool ok, bytes memory ret) =
            address(zr).call{value: plan.value}(abi.encodeWithSelector(_selectorOf(plan.kind), p));
        bool allowed = plan.chain == 0 || secondChainAllowed;
        if (!ok) {
            if (!paused && allowed) violations.validCallReverted++;
            return;
        }
        if (paused) violations.pausedBypass++;
        if (!allowed) violations.stoppedAccepted++;
        uint256 id = abi.decode(ret, (uint256));
        (IZrSign.Request memory rec, bytes memory emitted) = _requestFromLogs(address(zr), id);
        _checkNewRequest(id, rec, plan.quote, plan.kind, plan.digest);
        if (keccak256(emitted) != keccak256(plan.signed)) violations.badRequestRecord++;
        if (rec.signer != keyAddress[currentActor][plan.index] || rec.broadcast != plan.broadcast) {
            violations.badRequestRecord++;
        }
        _openRequest(id, rec, plan.value, plan.quote, plan.digest);
    }

    /// @notice An actor withdraws its claimable balance (or the responder its reimbursements).
    function withdraw(uint256 actorSeed, bool asResponder)
        external
        syncBlock
        useActor(actorSeed)
        countCall("withdraw")
    {
        address who = asResponder ? mpc : currentActor;
        uint256 amount = zr.claimable(who);
        vm.prank(who);
        try zr.withdraw() {
            if (amount == 0) violations.validCallReverted++; // nothing to withdraw must revert
            ghostClaimable[who] -= amount;
            ghost.withdrawals += amount;
        } catch {
            if (amount != 0) violations.validCallReverted++;
        }
    }

    /// @notice Anyone pays an account's claimable balance to that account (withdrawFor): the caller gets nothing.
    function withdrawFor(uint256 actorSeed, uint256 accountSeed, bool forResponder)
        external
        syncBlock
        useActor(actorSeed)
        countCall("withdrawFor")
    {
        address who = forResponder ? mpc : actors[_bound(accountSeed, 0, actors.length - 1)];
        uint256 amount = zr.claimable(who);
        uint256 callerBefore = currentActor.balance;
        uint256 whoBefore = who.balance;
        vm.prank(currentActor);
        try zr.withdrawFor(who) {
            if (amount == 0) violations.validCallReverted++; // nothing to withdraw must revert
            if (who != currentActor && currentActor.balance != callerBefore) violations.paidToCaller++;
            if (who.balance != whoBefore + amount) violations.paidToCaller++;
            ghostClaimable[who] -= amount;
            ghost.withdrawals += amount;
        } catch {
            if (amount != 0) violations.validCallReverted++;
        }
    }

    /// @notice Anyone reclaims an open request: accepted exactly when its deadline has passed or the request was
    /// stopped by a registry change (even paused).
    function reclaim(uint256 requestSeed, uint256 actorSeed)
        external
        syncBlock
        useActor(actorSeed)
        countCall("reclaim")
    {
        (bool found, uint256 id) = _pickOpen(requestSeed, KindFilter.Any);
        if (!found) return;
        Ghost storage g = ghostOf[id];
        bool expired = block.number > g.rec.deadline || _stopped(g.rec);
        if (_stopped(g.rec) && block.number <= g.rec.deadline) calls["reclaim.stopped"]++;
        vm.prank(currentActor);
        try zr.reclaim(id, g.rec) {
            if (!expired) violations.earlyReclaim++;
            ghostClaimable[g.rec.requester] += uint256(g.rec.serviceFee) + g.rec.gasFee;
            _settle(id, IZrSign.RequestStatus.Reclaimed);
        } catch {
            if (expired) violations.validCallReverted++;
        }
    }

    // ─────────────────────────────────────── MPC responder ───────────────────────────────────────

    /// @notice The responder answers an open key request with the derived child key (late answers must revert).
    function answerKey(uint256 requestSeed) external syncBlock countCall("answerKey") {
        (bool found, uint256 id) = _pickOpen(requestSeed, KindFilter.Key);
        if (!found) return;
        Ghost storage g = ghostOf[id];
        bool answerable = !paused && block.number <= g.rec.deadline;
        if (block.number > g.rec.deadline) calls["answerKey.late"]++;
        uint256 secret = ZrKeys.childSecret(rootSecret, address(zr), g.rec.owner, walletTypeId, g.rec.walletIndex);
        bytes memory pub = ZrKeys.publicKey(secret);
        vm.prank(mpc);
        try zr.zrKeyRes(id, g.rec, pub) {
            _noteUnexpectedAccept(g.rec.deadline);
            _recordKey(id);
        } catch {
            if (answerable) violations.validCallReverted++;
        }
    }

    /// @notice The responder answers an open sign request; one in eight answers is corrupted (high-s twin or a
    /// signature by the wrong key) and must be refused, as must late answers.
    function answerSign(uint256 requestSeed, uint256 corruptSeed) external syncBlock countCall("answerSign") {
        (bool found, uint256 id) = _pickOpen(requestSeed, KindFilter.Sign);
        if (!found) return;
        Ghost storage g = ghostOf[id];
        bool corrupt = corruptSeed % 8 == 0;
        bool answerable = !paused && block.number <= g.rec.deadline && !corrupt && !_stopped(g.rec);
        if (block.number > g.rec.deadline) calls["answerSign.late"]++;
        if (corrupt) calls["answerSign.corrupt"]++;
        bytes memory sig = _signature(g, corrupt ? 2 + (corruptSeed / 8) % 2 : 1);
        vm.prank(mpc);
        try zr.zrSignRes(id, g.rec, sig) {
            if (corrupt) violations.badSignatureAccepted++;
            if (_stopped(g.rec)) violations.stoppedAccepted++;
            _noteUnexpectedAccept(g.rec.deadline);
            g.signature = sig;
            _answered(id);
            answeredSigns.push(id);
        } catch {
            if (answerable) violations.validCallReverted++;
        }
    }

    /// @notice The responder answers up to three open sign requests in one batch, one possibly corrupted: good
    /// items are accepted, bad and late ones skipped, and the batch itself never reverts (unless paused).
    function answerSignBatch(uint256 requestSeed, uint256 corruptSeed) external syncBlock countCall("answerSignBatch") {
        uint256[] memory ids = _pickOpenOf(requestSeed, 3, KindFilter.Sign);
        if (ids.length == 0) return;
        IZrSign.SignResponse[] memory items = new IZrSign.SignResponse[](ids.length);
        uint256 corruptAt = corruptSeed % 4; // 3 = none corrupted
        uint256 expected;
        for (uint256 i; i < ids.length; ++i) {
            Ghost storage g = ghostOf[ids[i]];
            items[i] = IZrSign.SignResponse(ids[i], g.rec, _signature(g, i == corruptAt ? corruptSeed | 2 : 1));
            if (i != corruptAt && block.number <= g.rec.deadline && !_stopped(g.rec)) ++expected;
        }
        vm.prank(mpc);
        try zr.zrSignResBatch(items) returns (uint256 answered) {
            if (paused) violations.pausedBypass++;
            if (answered != expected) violations.batchMiscount++;
            for (uint256 i; i < ids.length; ++i) {
                if (zr.requestStatus(ids[i]) != IZrSign.RequestStatus.Answered) continue;
                Ghost storage g = ghostOf[ids[i]];
                if (i == corruptAt) violations.badSignatureAccepted++;
                if (block.number > g.rec.deadline) violations.lateAnswerAccepted++;
                if (_stopped(g.rec)) violations.stoppedAccepted++;
                g.signature = items[i].signature;
                _answered(ids[i]);
                answeredSigns.push(ids[i]);
            }
        } catch {
            if (!paused) violations.validCallReverted++;
        }
    }

    /// @notice The responder answers up to three open key requests in one batch, one possibly with a wrong key
    /// (the root's own public key): good items are stored, bad and late ones skipped.
    function answerKeyBatch(uint256 requestSeed, uint256 corruptSeed) external syncBlock countCall("answerKeyBatch") {
        uint256[] memory ids = _pickOpenOf(requestSeed, 3, KindFilter.Key);
        if (ids.length == 0) return;
        IZrSign.KeyResponse[] memory items = new IZrSign.KeyResponse[](ids.length);
        uint256 corruptAt = corruptSeed % 4; // 3 = none corrupted
        uint256 expected;
        for (uint256 i; i < ids.length; ++i) {
            IZrSign.Request memory rec = ghostOf[ids[i]].rec;
            uint256 secret = i == corruptAt
                ? rootSecret
                : ZrKeys.childSecret(rootSecret, address(zr), rec.owner, walletTypeId, rec.walletIndex);
            items[i] = IZrSign.KeyResponse(ids[i], rec, ZrKeys.publicKey(secret));
            if (i != corruptAt && block.number <= rec.deadline) ++expected;
        }
        vm.prank(mpc);
        try zr.zrKeyResBatch(items) returns (uint256 answered) {
            if (paused) violations.pausedBypass++;
            if (answered != expected) violations.batchMiscount++;
            for (uint256 i; i < ids.length; ++i) {
                if (zr.requestStatus(ids[i]) != IZrSign.RequestStatus.Answered) continue;
                if (i == corruptAt) violations.badKeyAccepted++;
                _recordKey(ids[i]);
            }
        } catch {
            if (!paused) violations.validCallReverted++;
        }
    }

    /// @notice The responder rejects an open request (refused when late or paused).
    function reject(uint256 requestSeed, uint8 reason) external syncBlock countCall("reject") {
        (bool found, uint256 id) = _pickOpen(requestSeed, KindFilter.Any);
        if (!found) return;
        Ghost storage g = ghostOf[id];
        bool answerable = !paused && block.number <= g.rec.deadline;
        vm.prank(mpc);
        try zr.zrReject(id, g.rec, reason) {
            _noteUnexpectedAccept(g.rec.deadline);
            ghostClaimable[g.rec.requester] += g.rec.serviceFee;
            ghostClaimable[mpc] += g.rec.gasFee;
            _settle(id, IZrSign.RequestStatus.Rejected);
        } catch {
            if (answerable) violations.validCallReverted++;
        }
    }

    /// @notice Tries to settle an already settled request again (answer, reject or reclaim): must always revert.
    function resettle(uint256 requestSeed, uint256 mode) external syncBlock countCall("resettle") {
        if (settledIds.length == 0) return;
        uint256 id = settledIds[_bound(requestSeed, 0, settledIds.length - 1)];
        Ghost storage g = ghostOf[id];
        bool ok;
        vm.startPrank(mpc);
        mode %= 3;
        if (mode == 0 && g.rec.kind == IZrSign.RequestKind.Key) {
            bytes memory pub = ZrKeys.publicKey(
                ZrKeys.childSecret(rootSecret, address(zr), g.rec.owner, walletTypeId, g.rec.walletIndex)
            );
            (ok,) = address(zr).call(abi.encodeCall(IZrSign.zrKeyRes, (id, g.rec, pub)));
        } else if (mode == 0) {
            (ok,) = address(zr).call(abi.encodeCall(IZrSign.zrSignRes, (id, g.rec, _signature(g, 1))));
        } else if (mode == 1) {
            (ok,) = address(zr).call(abi.encodeCall(IZrSign.zrReject, (id, g.rec, 1)));
        } else {
            (ok,) = address(zr).call(abi.encodeCall(IZrSign.reclaim, (id, g.rec)));
        }
        vm.stopPrank();
        if (ok) violations.terminalReopened++;
    }

    // ─────────────────────────────────────── Admins ───────────────────────────────────────

    /// @notice The admin sets the MPC fee (within bounds).
    function setMpcFee(uint256 fee) external syncBlock countCall("setMpcFee") {
        vm.prank(admin);
        zr.setMpcFee(walletTypeId, uint96(_bound(fee, 0, maxMpcFee)));
    }

    /// @notice The admin sets the key MPC fee (within bounds).
    function setKeyMpcFee(uint256 fee) external syncBlock countCall("setKeyMpcFee") {
        vm.prank(admin);
        zr.setKeyMpcFee(uint96(_bound(fee, 0, maxMpcFee)));
    }

    /// @notice The admin sets the minimum gas price of the quote (0–50 gwei; the bound itself is unit-tested).
    function setMinGasPrice(uint256 price) external syncBlock countCall("setMinGasPrice") {
        vm.prank(admin);
        zr.setMinGasPrice(uint64(_bound(price, 0, 50 gwei)));
    }

    /// @notice The admin disallows (or allows again) the wallet type's second chain: open sign requests for it stop
    /// (no answer accepted, reclaimable at once) and resume when it is allowed again.
    function togglePairing() external syncBlock countCall("togglePairing") {
        vm.prank(admin);
        if (secondChainAllowed) zr.disallowChain(walletTypeId, chains[1]);
        else zr.allowChain(walletTypeId, chains[1]);
        secondChainAllowed = !secondChainAllowed;
    }

    /// @notice The fee role sweeps the surplus: exactly the force-sent ether, or a revert when there is none.
    function sweepSurplus() external syncBlock countCall("sweepSurplus") {
        address sink = makeAddr("sweepSink");
        uint256 before = sink.balance;
        vm.prank(feeManager);
        try zr.sweepSurplus(sink) {
            if (sink.balance - before != ghost.forced) violations.sweptAccounted++;
            ghost.forced = 0;
        } catch {
            if (ghost.forced != 0) violations.validCallReverted++;
        }
    }

    /// @notice The admin sets a request kind's response gas (within bounds).
    function setResponseGas(uint256 kindSeed, uint256 gas) external syncBlock countCall("setResponseGas") {
        vm.prank(admin);
        zr.setResponseGas(IZrSign.RequestKind(kindSeed % 4), uint32(_bound(gas, 0, maxResponseGas)));
    }

    /// @notice The admin sets the gas buffer (within bounds).
    function setGasBuffer(uint256 pct) external syncBlock countCall("setGasBuffer") {
        vm.prank(admin);
        zr.setGasBuffer(uint16(_bound(pct, 0, maxGasBuffer)));
    }

    /// @notice The admin sets the request TTL (within bounds, capped at 80 blocks to keep expiries reachable).
    function setRequestTtl(uint256 blocks) external syncBlock countCall("setRequestTtl") {
        uint32 t = uint32(_bound(blocks, minTtl, maxTtl < minTtl + 80 ? maxTtl : minTtl + 80));
        vm.prank(admin);
        zr.setRequestTtl(t);
        ttl = t;
    }

    /// @notice The pauser unpauses, or pauses one time in three (so sequences spend most time unpaused).
    function togglePause(uint256 seed) external syncBlock countCall("togglePause") {
        if (!paused && seed % 3 != 0) return;
        vm.prank(pauser);
        if (paused) zr.unpause();
        else zr.pause();
        paused = !paused;
    }

    /// @notice The fee role pays out part of the protocol fee balance.
    function withdrawFees(uint256 amount) external syncBlock countCall("withdrawFees") {
        uint256 available = zr.protocolFees();
        if (available == 0) return;
        amount = _bound(amount, 1, available);
        vm.prank(feeManager);
        zr.withdrawFees(feeManager, amount);
        ghost.feesWithdrawn += amount;
        ghost.withdrawals += amount;
    }

    // ─────────────────────────────────────── Environment ───────────────────────────────────────

    /// @notice Advances 1–40 blocks and sets a new base fee (0–20 gwei).
    function advanceBlocks(uint256 blocks, uint256 basefee) external countCall("advanceBlocks") {
        currentBlock += _bound(blocks, 1, 40);
        currentBasefee = _bound(basefee, 0, 20 gwei);
        vm.roll(currentBlock);
        vm.fee(currentBasefee);
    }

    /// @notice Force-sends ether to the proxy (as a selfdestruct would).
    function forceSend(uint256 amount) external countCall("forceSend") {
        amount = _bound(amount, 1, 1 ether);
        vm.deal(address(zr), address(zr).balance + amount);
        ghost.forced += amount;
    }

    // ─────────────────────────────────────── Summary ───────────────────────────────────────

    /// @notice Logs how often each action ran and the ghost totals.
    function callSummary() external view {
        string[27] memory names = [
            "requestKey",
            "requestSign",
            "answerKey",
            "answerKey.late",
            "answerSign",
            "answerSign.late",
            "answerSign.corrupt",
            "answerSignBatch",
            "answerKeyBatch",
            "reject",
            "reclaim",
            "reclaim.stopped",
            "resettle",
            "withdraw",
            "withdrawFor",
            "withdrawFees",
            "sweepSurplus",
            "setMpcFee",
            "setKeyMpcFee",
            "setMinGasPrice",
            "togglePairing",
            "setResponseGas",
            "setGasBuffer",
            "setRequestTtl",
            "togglePause",
            "advanceBlocks",
            "forceSend"
        ];
        console.log("Call summary:");
        console.log("-------------------");
        for (uint256 i; i < names.length; ++i) {
            console.log(names[i], calls[names[i]]);
        }
        console.log("-------------------");
        console.log("requests", requestIds.length, "settled", settledIds.length);
        console.log("answered keys", answeredKeys.length, "answered signatures", answeredSigns.length);
        console.log("deposits", ghost.deposits, "withdrawals", ghost.withdrawals);
        console.log("fees earned", ghost.feesEarned, "fees withdrawn", ghost.feesWithdrawn);
    }

    // ─────────────────────────────────────── Internals ───────────────────────────────────────

    function _checkNewRequest(
        uint256 id,
        IZrSign.Request memory rec,
        uint256 quote,
        IZrSign.RequestKind kind,
        bytes32 digest
    ) internal {
        if (
            id != requestIds.length + 1 || rec.kind != kind || rec.requester != currentActor
                || uint256(rec.serviceFee) + rec.gasFee != quote || rec.deadline != block.number + ttl
                || rec.digest != digest || rec.walletTypeId != walletTypeId
        ) violations.badRequestRecord++;
    }

    function _openRequest(uint256 id, IZrSign.Request memory rec, uint256 value, uint256 quote, bytes32 digest)
        internal
    {
        ghost.deposits += value;
        ghost.excessCredited += value - quote;
        ghostClaimable[currentActor] += value - quote;
        Ghost storage g = ghostOf[id];
        g.status = IZrSign.RequestStatus.Open;
        g.rec = rec;
        g.expectedDigest = digest;
        requestIds.push(id);
        openPos[id] = openIds.length + 1;
        openIds.push(id);
    }

    /// @dev Records an accepted key answer (late ones are flagged).
    function _recordKey(uint256 id) internal {
        IZrSign.Request memory rec = ghostOf[id].rec;
        if (block.number > rec.deadline) violations.lateAnswerAccepted++;
        uint256 secret = ZrKeys.childSecret(rootSecret, address(zr), rec.owner, walletTypeId, rec.walletIndex);
        address addr = vm.addr(secret);
        keyAddress[rec.owner][rec.walletIndex] = addr;
        answeredIndexes[rec.owner].push(rec.walletIndex);
        answeredKeys.push(KeyRef(rec.owner, rec.walletIndex, addr, ZrKeys.compressedPublicKey(secret)));
        _answered(id);
    }

    function _answered(uint256 id) internal {
        Ghost storage g = ghostOf[id];
        g.answeredAt = uint64(block.number);
        ghost.feesEarned += g.rec.serviceFee;
        ghostClaimable[mpc] += g.rec.gasFee;
        _settle(id, IZrSign.RequestStatus.Answered);
    }

    function _settle(uint256 id, IZrSign.RequestStatus status) internal {
        ghostOf[id].status = status;
        uint256 pos = openPos[id] - 1;
        uint256 last = openIds[openIds.length - 1];
        openIds[pos] = last;
        openPos[last] = pos + 1;
        openIds.pop();
        delete openPos[id];
        settledIds.push(id);
    }

    /// @dev Whether the registry stopped the request: a sign request for the second chain while it is disallowed.
    function _stopped(IZrSign.Request memory rec) internal view returns (bool) {
        return rec.kind != IZrSign.RequestKind.Key && rec.dstChainId == chains[1] && !secondChainAllowed;
    }

    function _noteUnexpectedAccept(uint64 deadline) internal {
        if (paused) violations.pausedBypass++;
        if (block.number > deadline) violations.lateAnswerAccepted++;
    }

    /// @dev The key's signature over the request's independently computed digest; `mode` ≠ 1 corrupts it
    /// (even: the high-s twin; odd: signed by the root instead of the child).
    function _signature(Ghost storage g, uint256 mode) internal view returns (bytes memory) {
        uint256 secret = ZrKeys.childSecret(rootSecret, address(zr), g.rec.owner, walletTypeId, g.rec.walletIndex);
        if (mode == 1) return ZrKeys.signLowS(secret, g.expectedDigest);
        if (mode % 2 == 0) return ZrKeys.toHighS(ZrKeys.signLowS(secret, g.expectedDigest));
        return ZrKeys.signLowS(rootSecret, g.expectedDigest);
    }

    /// @dev A payload of a random kind: (kind, payload sent, payload signed, broadcast).
    function _makePayload(uint256 kindSeed, uint256 seed, uint64 evmChainId)
        internal
        view
        returns (IZrSign.RequestKind kind, bytes memory payload, bytes memory signed, bool broadcast)
    {
        kindSeed %= 5;
        bytes32 h = keccak256(abi.encode(seed, requestIds.length));
        if (kindSeed == 0) return (IZrSign.RequestKind.Hash, abi.encodePacked(h), abi.encodePacked(h), false);
        if (kindSeed == 1) {
            payload = abi.encodePacked("zrsign invariant data ", h);
            return (IZrSign.RequestKind.Data, payload, payload, false);
        }
        (payload, signed) = _txPayload(kindSeed, seed, address(uint160(uint256(h))), evmChainId);
        return (IZrSign.RequestKind.Tx, payload, signed, seed % 2 == 0);
    }

    /// @dev A transfer to `to`: variant 2 = v1 legacy with chain id 0, 3 = legacy with the chain id, 4 = EIP-1559.
    function _txPayload(uint256 variant, uint256 seed, address to, uint64 evmChainId)
        internal
        pure
        returns (bytes memory payload, bytes memory signed)
    {
        uint256 nonce = seed % 1000;
        uint256 value = seed % 1 ether;
        if (variant == 4) {
            signed = Rlp.eip1559Tx(evmChainId, nonce, 1 gwei, 2 gwei, 21_000, to, value, "");
            return (signed, signed);
        }
        signed = Rlp.legacyTx(nonce, 1 gwei, 21_000, to, value, "", evmChainId);
        payload = variant == 2 ? Rlp.legacyTx(nonce, 1 gwei, 21_000, to, value, "", 0) : signed;
    }

    function _selectorOf(IZrSign.RequestKind kind) internal pure returns (bytes4) {
        if (kind == IZrSign.RequestKind.Hash) return IZrSign.zrSignHash.selector;
        if (kind == IZrSign.RequestKind.Data) return IZrSign.zrSignData.selector;
        return IZrSign.zrSignTx.selector;
    }

    function _constOr(address target, string memory signature, uint256 fallbackValue) internal view returns (uint256) {
        (bool ok, bytes memory ret) = target.staticcall(abi.encodeWithSignature(signature));
        return ok && ret.length == 32 ? abi.decode(ret, (uint256)) : fallbackValue;
    }
}
