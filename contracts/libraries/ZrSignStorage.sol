// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IZrSign} from "../interfaces/IZrSign.sol";

/// @dev The hot slot, read once per request: fee settings, the next request id of a proxy whose request word
/// ({Requests}) is not live yet (frozen once it is) and the current root key version. Narrow types hold their bounds: gas ≤ {ZrSignStorageLib.MAX_RESPONSE_GAS} < 2^24, buffer ≤ 100,
/// TTL ≤ {ZrSignStorageLib.MAX_REQUEST_TTL} < 2^24, min gas price ≤ {ZrSignStorageLib.MAX_MIN_GAS_PRICE} < 2^64.
/// The sign kinds share `signGas` (see {IZrSign.FeeConfig}).
struct Config {
    uint24 keyGas;
    uint24 signGas;
    uint8 gasBufferPct;
    uint24 requestTtl;
    uint64 nextRequestId;
    uint64 minGasPrice;
    uint32 currentKeyVersion;
}

/// @dev Accounting totals written by settlements and folds (uint96 holds 79 billion ether, far above the ether
/// supply; requests add their escrow to {Requests.escrowAdded}), packed with the key request MPC fee
/// (≤ {ZrSignStorageLib.MAX_MPC_FEE} < 2^64; key requests read its copy {Requests.keyMpcFee}).
struct Totals {
    uint96 totalEscrow;
    uint96 totalClaimable;
    uint64 keyMpcFee;
}

/// @dev Escrow released by answers and not yet folded into {Totals} and `protocolFees`: an answer (or a batch of
/// them) adds its service fees and gas parts here, ONE word, instead of writing the totals word and the protocol-fee
/// word. The accounting stays exact: escrow = totalEscrow − service − gas, claimable total = totalClaimable + gas,
/// protocol fees = protocolFees + service ({ZrSignStorageLib.escrow}, {ZrSignStorageLib.claimableTotal},
/// {ZrSignStorageLib.fees}); their sum, the balance invariant's right side, is the stored fields' sum.
/// {ZrSignStorageLib.fold} moves it into those fields (fee withdrawals, and a withdrawal larger than the stored
/// claimable total). `live` stays 1 after a fold, so the word is never zeroed (no 20,000-gas re-creation).
/// Bounds: each part is a sum of escrowed uint96 amounts since the last fold, far below 2^120.
struct Settled {
    uint120 service;
    uint120 gas;
    uint16 live;
}

/// @dev The request word, appended: the ONE word a request reads and writes besides its own commitment and (key
/// requests) the owner's key count, instead of the {Config} word (next id) and the {Totals} word (escrow, key fee).
/// `nextId` is the id the next request gets (ids start at 1, so 0 = not live yet: a proxy upgraded from a release
/// before this word still counts in {Config.nextRequestId}, and its first request copies that counter and
/// {Totals.keyMpcFee} in here — no extra read once live, see {ZrSignStorageLib.liveRequests}); {Config.nextRequestId}
/// is never read again once `nextId` is set (a new deployment goes the same way on its first request). `escrowAdded`
/// is the escrow taken by requests since the last fold, not yet in {Totals.totalEscrow} (escrow = totalEscrow +
/// escrowAdded − settled service − settled gas): a checked uint128 sum of uint96 fees (2^128 wei is out of reach),
/// moved into the totals by {ZrSignStorageLib.fold}, reduced by rejections and reclaims. `keyMpcFee` equals
/// {Totals.keyMpcFee} ({ZrSignAdminLogic.setKeyMpcFee} writes both once live; the views keep reading {Totals}).
struct Requests {
    uint64 nextId;
    uint128 escrowAdded;
    uint64 keyMpcFee;
}

/// @dev A chain's registration (`family == None` = not registered).
struct Chain {
    IZrSign.ChainFamily family;
    uint64 evmChainId;
    string caip2;
}

/// @dev A (wallet type, chain) pairing, carrying the chain's family and EVM id and the wallet type's MPC fee, so a
/// sign request (and its answer's re-check) needs this one read for the allow check, the transaction chain-id check
/// and the service fee. Cleared when either side is removed; `mpcFee` follows every change of the wallet type's fee.
struct Pairing {
    bool allowed;
    IZrSign.ChainFamily family;
    uint64 evmChainId;
    uint96 mpcFee;
}

/// @dev A verified key: slot A = address | version | y parity, slot B = x.
struct StoredKey {
    address evmAddress;
    uint32 keyVersion;
    uint8 yParity;
    bytes32 x;
}

/// @dev A root public key.
struct RootKey {
    bytes32 x;
    bytes32 y;
}

/// @dev The whole state of ZrSign, shared by the contract and its logic libraries (which run by DELEGATECALL in
/// the proxy's context and receive a pointer to it).
/// @custom:storage-location erc7201:zrsign.storage.ZrSign
struct ZrSignStorage {
    Config config;
    Totals totals;
    uint256 protocolFees;
    mapping(uint256 requestId => bytes32) commitments;
    mapping(address account => uint256) claimable;
    mapping(bytes32 walletTypeId => IZrSign.WalletTypeInfo) walletTypes;
    mapping(bytes32 chainId => Chain) chains;
    mapping(bytes32 walletTypeId => mapping(bytes32 chainId => Pairing)) pairings;
    mapping(bytes32 walletTypeId => EnumerableSet.Bytes32Set) chainsOf;
    mapping(bytes32 chainId => EnumerableSet.Bytes32Set) walletTypesOf;
    mapping(address owner => mapping(bytes32 walletTypeId => uint256)) keyCount;
    mapping(bytes32 keyId => StoredKey) keys;
    mapping(uint32 keyVersion => RootKey) rootKeys;
    Settled settled;
    Requests requests;
}

/// @title ZrSignStorageLib — the ERC-7201 namespace of ZrSign, its bounds, and the helpers its users share
/// @notice Internal functions only: they are inlined into ZrSign and into each logic library (nothing to link).
library ZrSignStorageLib {
    /// @dev The ERC-7201 slot of {ZrSignStorage}:
    /// keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSign")) - 1)) & ~bytes32(uint256(0xff)).
    bytes32 internal constant SLOT = 0xb3606034f959cf38738298789031534805168e9ff25bcce7a04c63c6a79ba000;

    /// @dev The EVM wallet type (44, 60) = keccak256(abi.encode(uint256(44), uint256(60))), v1's key fee quote.
    bytes32 internal constant EVM_WALLET_TYPE = 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a;

    /// @dev Terminal markers stored in place of a settled request's commitment (an answer now clears the word
    /// instead, see {statusOf}; ANSWERED is still read as such).
    bytes32 internal constant ANSWERED = bytes32(uint256(IZrSign.RequestStatus.Answered));
    bytes32 internal constant REJECTED = bytes32(uint256(IZrSign.RequestStatus.Rejected));
    bytes32 internal constant RECLAIMED = bytes32(uint256(IZrSign.RequestStatus.Reclaimed));

    /// @dev Upper bound of a wallet type's MPC service fee.
    uint256 internal constant MAX_MPC_FEE = 1 ether;
    /// @dev Upper bound of the responder gas of a request kind.
    uint256 internal constant MAX_RESPONSE_GAS = 2_000_000;
    /// @dev Upper bound of the gas buffer percentage.
    uint256 internal constant MAX_GAS_BUFFER_PCT = 100;
    /// @dev Lower bound of the request TTL, in blocks.
    uint256 internal constant MIN_REQUEST_TTL = 10;
    /// @dev Upper bound of the request TTL, in blocks.
    uint256 internal constant MAX_REQUEST_TTL = 1_000_000;
    /// @dev Upper bound of the minimum gas price, in wei (10,000 gwei).
    uint256 internal constant MAX_MIN_GAS_PRICE = 10_000 gwei;

    /// @notice The namespace's storage pointer.
    function layout() internal pure returns (ZrSignStorage storage $) {
        assembly {
            $.slot := SLOT
        }
    }

    /// @notice Reverts with {IZrSign.ZrSignUnknownWalletType} unless `walletTypeId` is supported.
    function requireSupported(ZrSignStorage storage $, bytes32 walletTypeId) internal view {
        if (!$.walletTypes[walletTypeId].supported) revert IZrSign.ZrSignUnknownWalletType(walletTypeId);
    }

    /// @notice A registered wallet type; reverts with {IZrSign.ZrSignUnknownWalletType} otherwise.
    function supportedWalletType(ZrSignStorage storage $, bytes32 walletTypeId)
        internal
        view
        returns (IZrSign.WalletTypeInfo memory wt)
    {
        wt = $.walletTypes[walletTypeId];
        if (!wt.supported) revert IZrSign.ZrSignUnknownWalletType(walletTypeId);
    }

    /// @notice The responder gas configured for a request kind (the sign kinds share one figure).
    function responseGas(Config memory cfg, IZrSign.RequestKind kind) internal pure returns (uint256) {
        return kind == IZrSign.RequestKind.Key ? cfg.keyGas : cfg.signGas;
    }

    /// @notice gas × max(basefee, minGasPrice) × (100 + gasBufferPct) / 100: the responder's part of a quote.
    function gasCost(uint256 gas, Config memory cfg) internal view returns (uint256) {
        uint256 price = block.basefee > cfg.minGasPrice ? block.basefee : cfg.minGasPrice;
        return gas * price * (100 + uint256(cfg.gasBufferPct)) / 100;
    }

    /// @notice Whether a registered (or once registered, then removed) wallet type is a Bitcoin one — coin type 0
    /// (mainnet) or 1 (testnet), whatever the purpose — and if so whether it is testnet. The stored (purpose,
    /// coinType) must hash to the id, so an id never registered (all zero) is not mistaken for coin type 0.
    function bitcoinNetwork(ZrSignStorage storage $, bytes32 walletTypeId)
        internal
        view
        returns (bool isBitcoin, bool testnet)
    {
        IZrSign.WalletTypeInfo storage info = $.walletTypes[walletTypeId];
        (uint256 purpose, uint256 coinType) = (info.purpose, info.coinType);
        isBitcoin = coinType <= 1 && keccak256(abi.encode(purpose, coinType)) == walletTypeId;
        testnet = coinType == 1;
    }

    /// @notice The storage key of the key at (owner, walletTypeId, index).
    function keyId(address owner, bytes32 walletTypeId, uint256 index) internal pure returns (bytes32) {
        return keccak256(abi.encode(owner, walletTypeId, index));
    }

    /// @dev Size of an ABI-encoded {IZrSign.Request} (13 static words).
    uint256 internal constant REQUEST_SIZE = 13 * 32;

    /// @notice The ABI-encoded error a settling call would revert with because of the request's state (empty if the
    /// request is open, matches its commitment and is before its deadline; when `reclaiming`, once its deadline has
    /// passed or at once if it is {isStopped}). Shared by ZrSign's responses and {ZrSignSettleLogic}.
    function openRequestError(
        ZrSignStorage storage $,
        uint256 requestId,
        IZrSign.Request memory request,
        bool reclaiming
    ) internal view returns (bytes memory) {
        bytes32 stored = $.commitments[requestId];
        // A word equal to a record's keccak256 is an open request's commitment (never 0 nor a terminal marker); any
        // other word says why the record cannot settle.
        if (stored != hash(request)) {
            IZrSign.RequestStatus state = status(stored);
            if (state == IZrSign.RequestStatus.None) {
                // A cleared word is an answered request if its id was assigned (one more read, on this path only).
                if (!assigned($, requestId)) return err(IZrSign.ZrSignUnknownRequest.selector, requestId);
                state = IZrSign.RequestStatus.Answered;
            }
            if (state != IZrSign.RequestStatus.Open) {
                return err(IZrSign.ZrSignRequestNotOpen.selector, requestId, uint8(state));
            }
            return err(IZrSign.ZrSignRequestMismatch.selector, requestId);
        }
        if (reclaiming) {
            if (block.number <= request.deadline && !isStopped($, request)) {
                return err(IZrSign.ZrSignRequestNotExpired.selector, requestId, request.deadline);
            }
        } else if (block.number > request.deadline) {
            return err(IZrSign.ZrSignRequestExpired.selector, requestId, request.deadline);
        }
        return "";
    }

    /// @notice Whether a registry change stopped the request since it was made: a key request's wallet type is no
    /// longer supported, or a sign request's (wallet type, chain) pairing is no longer allowed (removing either side
    /// clears it). A stopped request cannot be answered and can be reclaimed at once.
    function isStopped(ZrSignStorage storage $, IZrSign.Request memory request) internal view returns (bool) {
        if (request.kind == IZrSign.RequestKind.Key) return !$.walletTypes[request.walletTypeId].supported;
        return !$.pairings[request.walletTypeId][request.dstChainId].allowed;
    }

    /// @notice A calldata record copied to memory as is: a static struct's calldata layout is its ABI encoding, the
    /// 13 words of its memory layout. Its members are not validated here: every settling path first checks
    /// {hash} against the stored commitment, which dirty words (an enum or address out of range) cannot match.
    function load(IZrSign.Request calldata request) internal pure returns (IZrSign.Request memory r) {
        assembly ("memory-safe") {
            r := mload(0x40)
            calldatacopy(r, request, REQUEST_SIZE)
            mstore(0x40, add(r, REQUEST_SIZE))
        }
    }

    /// @notice keccak256(abi.encode(request)) of a memory record: its 13 static members are 13 consecutive words.
    function hash(IZrSign.Request memory request) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(request, REQUEST_SIZE)
        }
    }

    /// @notice Records the release of answered escrow: `service` becomes protocol fees, `gas` claimable (its owner's
    /// balance is credited by the caller). One read and one write of {Settled}.
    function settle(ZrSignStorage storage $, uint256 service, uint256 gas) internal {
        Settled memory st = $.settled;
        // forge-lint: disable-next-line(unsafe-typecast) sums of one call's uint96 escrows, far below 2^120
        st.service += uint120(service);
        // forge-lint: disable-next-line(unsafe-typecast) as above
        st.gas += uint120(gas);
        st.live = 1;
        $.settled = st;
    }

    /// @notice Moves {Settled} and the requests' {Requests.escrowAdded} into the totals and the protocol fees (no
    /// change to any derived figure).
    function fold(ZrSignStorage storage $) internal {
        Settled memory st = $.settled;
        Requests memory w = $.requests;
        if (st.service == 0 && st.gas == 0 && w.escrowAdded == 0) return;
        Totals memory totals = $.totals;
        // The new stored escrow is the escrow of the open requests, bounded by the balance (spec §6).
        totals.totalEscrow = SafeCast.toUint96(uint256(totals.totalEscrow) + w.escrowAdded - st.service - st.gas);
        totals.totalClaimable += SafeCast.toUint96(st.gas);
        $.totals = totals;
        if (w.escrowAdded != 0) $.requests.escrowAdded = 0;
        if (st.service != 0 || st.gas != 0) {
            $.protocolFees += st.service;
            $.settled = Settled(0, 0, 1);
        }
    }

    /// @notice The request word as a request uses it: the stored word once live, else (the first request after an
    /// upgrade from a release without it, or on a new deployment) the counter and key fee copied from {Config} and
    /// {Totals} (read on that one request only), with nothing escrowed in it yet. `cfg` is the caller's copy of
    /// {Config}.
    function liveRequests(ZrSignStorage storage $, Config memory cfg) internal view returns (Requests memory w) {
        w = $.requests;
        if (w.nextId == 0) (w.nextId, w.keyMpcFee) = (cfg.nextRequestId, $.totals.keyMpcFee); // escrowAdded is 0
    }

    /// @notice `$.requests = w` as ONE write of the packed word (nextId | escrowAdded << 64 | keyMpcFee << 192).
    function storeRequests(ZrSignStorage storage $, Requests memory w) internal {
        Requests storage r = $.requests;
        (uint256 id, uint256 added, uint256 fee) = (w.nextId, w.escrowAdded, w.keyMpcFee);
        assembly ("memory-safe") {
            sstore(r.slot, or(or(id, shl(64, added)), shl(192, fee)))
        }
    }

    /// @notice The id the next request will get (see {Requests.nextId}).
    function nextId(ZrSignStorage storage $) internal view returns (uint256 id) {
        id = $.requests.nextId;
        if (id == 0) id = $.config.nextRequestId;
    }

    /// @notice Σ escrow of open requests.
    function escrow(ZrSignStorage storage $) internal view returns (uint256) {
        Settled memory st = $.settled;
        return uint256($.totals.totalEscrow) + $.requests.escrowAdded - st.service - st.gas;
    }

    /// @notice Σ claimable balances.
    function claimableTotal(ZrSignStorage storage $) internal view returns (uint256) {
        return uint256($.totals.totalClaimable) + $.settled.gas;
    }

    /// @notice The protocol fee balance.
    function fees(ZrSignStorage storage $) internal view returns (uint256) {
        return $.protocolFees + $.settled.service;
    }

    /// @notice Removes `amount` (the escrow of one open request) from the escrow total: from {Requests.escrowAdded}
    /// as far as it goes, the rest from {Totals.totalEscrow} (their sum covers every open request's escrow, so
    /// neither part underflows).
    function release(ZrSignStorage storage $, uint256 amount) internal {
        uint256 added = $.requests.escrowAdded;
        uint256 fromAdded = amount < added ? amount : added;
        // forge-lint: disable-next-line(unsafe-typecast) fromAdded ≤ added, a uint128
        if (fromAdded != 0) $.requests.escrowAdded = uint128(added - fromAdded);
        if (amount > fromAdded) $.totals.totalEscrow -= SafeCast.toUint96(amount - fromAdded);
    }

    /// @notice Credits `amount` (taken from escrow) to `account`'s claimable balance.
    function credit(ZrSignStorage storage $, address account, uint256 amount) internal {
        if (amount == 0) return;
        $.totals.totalClaimable += SafeCast.toUint96(amount); // bounded by the released escrow
        $.claimable[account] += amount;
    }

    /// @notice `abi.encodeWithSelector(selector, a)`: one shared encoder for the one-word errors of the settling
    /// paths instead of one per call site (EIP-170).
    function err(bytes4 selector, uint256 a) internal pure returns (bytes memory e) {
        e = err(selector, a, 0);
        assembly ("memory-safe") {
            mstore(e, 0x24)
        }
    }

    /// @notice `abi.encodeWithSelector(selector, a, b)` for errors of two static words (enums, addresses and bytes32
    /// passed as their ABI words).
    function err(bytes4 selector, uint256 a, uint256 b) internal pure returns (bytes memory e) {
        assembly ("memory-safe") {
            e := mload(0x40)
            mstore(e, 0x44)
            mstore(add(e, 0x20), selector)
            mstore(add(e, 0x24), a)
            mstore(add(e, 0x44), b)
            mstore(0x40, add(e, 0x80))
        }
    }

    /// @notice Whether `requestId` was ever assigned to a request (ids run from 1 to nextRequestId - 1).
    function assigned(ZrSignStorage storage $, uint256 requestId) internal view returns (bool) {
        return requestId != 0 && requestId < nextId($);
    }

    /// @notice A request's status from its word: an answer clears the word (`delete`, for the EIP-3529 refund), so a
    /// zero word is `Answered` for an assigned id (every request stores a non-zero keccak256 commitment when it is
    /// made, and only an answer sets it back to zero) and `None` otherwise.
    function statusOf(ZrSignStorage storage $, uint256 requestId) internal view returns (IZrSign.RequestStatus) {
        bytes32 word = $.commitments[requestId];
        if (word == 0) return assigned($, requestId) ? IZrSign.RequestStatus.Answered : IZrSign.RequestStatus.None;
        return status(word);
    }

    /// @notice The status of a non-zero commitment word (zero reads `None`; see {statusOf}): 2/3/4 = terminal markers
    /// (2 = Answered as stored before answers cleared the word), anything else an open request's commitment.
    function status(bytes32 word) internal pure returns (IZrSign.RequestStatus) {
        if (word == 0) return IZrSign.RequestStatus.None;
        if (word == ANSWERED) return IZrSign.RequestStatus.Answered;
        if (word == REJECTED) return IZrSign.RequestStatus.Rejected;
        if (word == RECLAIMED) return IZrSign.RequestStatus.Reclaimed;
        return IZrSign.RequestStatus.Open;
    }
}
