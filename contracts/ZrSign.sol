// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {
    AccessControlDefaultAdminRulesUpgradeable
} from "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IZrSign} from "./interfaces/IZrSign.sol";
import {KeyDerivation} from "./libraries/KeyDerivation.sol";
import {TxPayload} from "./libraries/TxPayload.sol";
import {ZrSignAdminLogic} from "./libraries/ZrSignAdminLogic.sol";
import {ZrSignSettleLogic} from "./libraries/ZrSignSettleLogic.sol";
import {ZrSignViewLogic} from "./libraries/ZrSignViewLogic.sol";
import {
    Config,
    Requests,
    Pairing,
    StoredKey,
    RootKey,
    ZrSignStorage,
    ZrSignStorageLib
} from "./libraries/ZrSignStorage.sol";

/// @title ZrSign — zrSign v1 implementation (UUPS, behind ZrSignProxy)
/// @notice Users pay to request derived keys and signatures; the MPC network answers and the contract verifies
/// every key (derived child of the root) and every signature (recovers to the key, low-s). Fees are escrowed per
/// request; all balances are pull-based. See `IZrSign` for the API and `shared/spec/PROTOCOL.md` for the protocol.
/// @dev Each open request is ONE storage word: `keccak256(abi.encode(request))`. An answer clears the word (EIP-3529
/// refund; a zero word of an assigned id reads Answered, see {ZrSignStorageLib.statusOf}); a rejection or reclaim
/// leaves a small terminal marker (3 Rejected, 4 Reclaimed). Money conservation (spec §6):
/// `address(this).balance >= totalEscrow + totalClaimable + protocolFees`, with equality absent forced ether (answers
/// record their release in one word, {Settled}, from which the three views are derived).
/// To fit EIP-170, the bodies of the cold functions (admin setters, fee payouts and sweeps, rejections and reclaims, fee
/// quotes, key listings, registry and v1 views) live in the external libraries {ZrSignAdminLogic},
/// {ZrSignSettleLogic} and {ZrSignViewLogic}, which share the one ERC-7201 namespace ({ZrSignStorage}) and the
/// request-state checks ({ZrSignStorageLib.openRequestError}), and must be linked into this bytecode. Such a function
/// here checks its role and pause state, then forwards its calldata unchanged by DELEGATECALL to the library function
/// of the same selector: {_forward} ends the call (its functions use no modifier with code after the body), while
/// {_delegateAdmin} returns, for the two payouts that hold the re-entrancy guard. Access control, pausing and the hot
/// paths (requests, responses, withdrawals) stay here as internal code.
contract ZrSign is
    Initializable,
    UUPSUpgradeable,
    AccessControlDefaultAdminRulesUpgradeable,
    PausableUpgradeable,
    ReentrancyGuardTransient,
    IZrSign
{
    using ZrSignStorageLib for ZrSignStorage;

    // ─────────────────────────────────────────────── Constants ───────────────────────────────────────────

    /// @notice Role of the MPC network's responders.
    bytes32 public constant MPC_ROLE = keccak256("zrsign.role.mpc");
    /// @notice Role that withdraws protocol fees.
    bytes32 public constant FEE_ROLE = keccak256("zrsign.role.fee");
    /// @notice Role that pauses and unpauses.
    bytes32 public constant PAUSER_ROLE = keccak256("zrsign.role.pauser");

    /// @notice The implementation version reported by {version}.
    uint256 public constant VERSION = 1;

    /// @notice Upper bound of a wallet type's MPC service fee.
    uint256 public constant MAX_MPC_FEE = ZrSignStorageLib.MAX_MPC_FEE;
    /// @notice Upper bound of the responder gas of a request kind.
    uint256 public constant MAX_RESPONSE_GAS = ZrSignStorageLib.MAX_RESPONSE_GAS;
    /// @notice Upper bound of the gas buffer percentage.
    uint256 public constant MAX_GAS_BUFFER_PCT = ZrSignStorageLib.MAX_GAS_BUFFER_PCT;
    /// @notice Lower bound of the request TTL, in blocks.
    uint256 public constant MIN_REQUEST_TTL = ZrSignStorageLib.MIN_REQUEST_TTL;
    /// @notice Upper bound of the request TTL, in blocks.
    uint256 public constant MAX_REQUEST_TTL = ZrSignStorageLib.MAX_REQUEST_TTL;
    /// @notice Upper bound of the minimum gas price of the responder's part, in wei.
    uint256 public constant MAX_MIN_GAS_PRICE = ZrSignStorageLib.MAX_MIN_GAS_PRICE;

    /// @notice The EVM wallet type (44, 60) = keccak256(abi.encode(uint256(44), uint256(60))).
    bytes32 public constant EVM_WALLET_TYPE = ZrSignStorageLib.EVM_WALLET_TYPE;

    /// @notice The ERC-7201 slot of {ZrSignStorage}:
    /// keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSign")) - 1)) & ~bytes32(uint256(0xff)).
    bytes32 public constant STORAGE_SLOT = ZrSignStorageLib.SLOT;

    /// @dev Size of an ABI-encoded {Request} (13 static words).
    uint256 private constant REQUEST_SIZE = 13 * 32;

    /// @dev Size of one {zrSignResPacked} item (see {IZrSign.zrSignResPacked}).
    uint256 private constant PACKED_SIGN_ITEM = 279;

    /// @dev secp256k1n / 2: the largest low-s value (EIP-2).
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    // ─────────────────────────────────────────────── Storage ─────────────────────────────────────────────

    /// @dev The namespace (see {ZrSignStorage}, shared with the logic libraries).
    function _zrSignStorage() private pure returns (ZrSignStorage storage) {
        return ZrSignStorageLib.layout();
    }

    // ─────────────────────────────────────────────── Setup ───────────────────────────────────────────────

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy's state with the default fee settings (see
    /// {ZrSignAdminLogic.initializeDefaults}: response gas measured from single answers, buffer 10 %, TTL 7,200
    /// blocks, no minimum gas price, key MPC fee 0). Request ids start at 1.
    /// @param admin The default admin (two-step transfer, delayed by `adminDelay` seconds).
    /// @param adminDelay Delay of a default-admin transfer, in seconds.
    function initialize(address admin, uint48 adminDelay) external initializer {
        __AccessControlDefaultAdminRules_init(adminDelay, admin);
        __Pausable_init();
        ZrSignAdminLogic.initializeDefaults();
    }

    // ─────────────────────────────────────────────── Requests ────────────────────────────────────────────

    /// @inheritdoc IZrSign
    /// @dev The service fee is the key MPC fee ({Requests.keyMpcFee}, equal to {Totals.keyMpcFee}) × options (≤ 1 ether
    /// × 255, within uint96), the wallet type's own fee being a sign fee.
    function zrKeyReq(ZrKeyReqParams calldata params) external payable whenNotPaused returns (uint256 requestId) {
        if (params.options == 0) revert ZrSignInvalidOptions(0);
        if (params.owner == address(0)) revert ZrSignZeroOwner();
        ZrSignStorage storage $ = _zrSignStorage();
        if (!$.walletTypes[params.walletTypeId].supported) revert ZrSignUnknownWalletType(params.walletTypeId);
        Config memory cfg = $.config;
        if (cfg.currentKeyVersion == 0) revert ZrSignRootKeyNotSet();

        // slither-disable-next-line uninitialized-local (a memory record filled field by field, from zero)
        Request memory request;
        request.kind = RequestKind.Key;
        request.keyVersion = cfg.currentKeyVersion;
        request.owner = params.owner;
        request.walletTypeId = params.walletTypeId;
        request.walletIndex = $.keyCount[params.owner][params.walletTypeId]++;
        requestId = _open($, cfg, request, cfg.keyGas, params.options);
        emit ZrKeyRequested(requestId, params.owner, request, params.options);
    }

    /// @inheritdoc IZrSign
    function zrSignHash(ZrSignParams calldata params) external payable whenNotPaused returns (uint256) {
        return _signRequest(params, RequestKind.Hash);
    }

    /// @inheritdoc IZrSign
    function zrSignData(ZrSignParams calldata params) external payable whenNotPaused returns (uint256) {
        return _signRequest(params, RequestKind.Data);
    }

    /// @inheritdoc IZrSign
    function zrSignTx(ZrSignParams calldata params) external payable whenNotPaused returns (uint256) {
        return _signRequest(params, RequestKind.Tx);
    }

    /// @dev Validates a sign request, computes its digest on-chain, escrows the fee and emits the request.
    function _signRequest(ZrSignParams calldata params, RequestKind kind) private returns (uint256 requestId) {
        ZrSignStorage storage $ = _zrSignStorage();
        // slither-disable-next-line uninitialized-local (a memory record filled field by field, from zero)
        Request memory request;
        bytes memory payload = _prepareSign($, params, kind, request);
        Config memory cfg = $.config;
        requestId = _open($, cfg, request, ZrSignStorageLib.responseGas(cfg, kind), 0);
        emit ZrSignRequested(requestId, msg.sender, request, payload);
    }

    /// @dev Checks wallet type, chain pairing, broadcast flag and key; fills `request` (all but requester,
    /// deadline and gas fee) and returns the bytes signed over.
    function _prepareSign(
        ZrSignStorage storage $,
        ZrSignParams calldata params,
        RequestKind kind,
        Request memory request
    ) private view returns (bytes memory payload) {
        // An allowed pairing implies a registered wallet type and chain (removing either clears it).
        Pairing memory pairing = $.pairings[params.walletTypeId][params.dstChainId];
        if (!pairing.allowed) _revert(ZrSignViewLogic.pairingError(params.walletTypeId, params.dstChainId, false));
        request.serviceFee = pairing.mpcFee;
        if (params.broadcast && kind != RequestKind.Tx) revert ZrSignBroadcastNotAllowed(kind);
        if (kind == RequestKind.Hash && params.payload.length != 32) {
            revert ZrSignInvalidHashLength(params.payload.length);
        }
        StoredKey storage key = $.keys[ZrSignStorageLib.keyId(msg.sender, params.walletTypeId, params.walletIndex)];
        request.signer = key.evmAddress;
        if (request.signer == address(0)) {
            revert ZrSignKeyNotFound(msg.sender, params.walletTypeId, params.walletIndex);
        }
        request.keyVersion = key.keyVersion;
        (payload, request.digest) = _digest(params, kind, pairing);
        request.kind = kind;
        request.owner = msg.sender;
        request.walletTypeId = params.walletTypeId;
        request.walletIndex = params.walletIndex;
        request.dstChainId = params.dstChainId;
        request.broadcast = params.broadcast;
    }

    /// @dev The bytes signed over and their digest: Hash as is, Data EIP-191, Tx keccak256 of the bound payload.
    function _digest(ZrSignParams calldata params, RequestKind kind, Pairing memory pairing)
        private
        pure
        returns (bytes memory payload, bytes32 digest)
    {
        if (kind == RequestKind.Hash) return (params.payload, bytes32(params.payload));
        if (kind == RequestKind.Data) {
            payload = params.payload;
            return (payload, MessageHashUtils.toEthSignedMessageHash(payload));
        }
        if (pairing.family != ChainFamily.Evm) revert ZrSignTxUnsupportedChain(params.dstChainId, pairing.family);
        payload = TxPayload.bind(params.payload, pairing.evmChainId);
        digest = keccak256(payload);
    }

    /// @dev Completes `request` (requester, deadline, gas fee), takes the fee from msg.value (excess credited to
    /// the payer), stores the commitment under the next id, advances the id and adds the fee to the escrow: one read
    /// and one write of the request word ({Requests}: next id, escrow, key fee) and one new commitment slot. A key
    /// request (`keyOptions` > 0) gets its service fee here, the key MPC fee × options.
    function _open(
        ZrSignStorage storage $,
        Config memory cfg,
        Request memory request,
        uint256 responseGas,
        uint8 keyOptions
    ) private returns (uint256 requestId) {
        Requests memory w = $.liveRequests(cfg);
        if (keyOptions != 0) request.serviceFee = uint96(w.keyMpcFee) * keyOptions;
        request.requester = msg.sender;
        request.deadline = uint64(block.number) + cfg.requestTtl;
        request.gasFee = SafeCast.toUint96(ZrSignStorageLib.gasCost(responseGas, cfg));
        uint256 fee = uint256(request.serviceFee) + request.gasFee;
        if (msg.value < fee) revert ZrSignInsufficientFee(fee, msg.value);
        uint256 excess = msg.value - fee;

        requestId = w.nextId;
        $.commitments[requestId] = ZrSignStorageLib.hash(request);
        ++w.nextId;
        w.escrowAdded += SafeCast.toUint96(fee);
        $.storeRequests(w); // also makes the word live on a proxy's first request (see {ZrSignStorageLib.liveRequests})
        if (excess != 0) {
            $.totals.totalClaimable += SafeCast.toUint96(excess);
            $.claimable[msg.sender] += excess;
            emit ZrCredited(msg.sender, excess);
        }
    }

    // ─────────────────────────────────────────────── Responses ───────────────────────────────────────────

    /// @inheritdoc IZrSign
    function zrKeyRes(uint256 requestId, Request calldata request, bytes calldata publicKey)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
    {
        Request memory r = ZrSignStorageLib.load(request);
        (bytes memory err, address evmAddress) = _keyResponseError(requestId, r, publicKey);
        if (err.length != 0) _revert(err);
        _answerKey(requestId, r, publicKey, evmAddress);
        _payAnswers(r.serviceFee, r.gasFee);
    }

    /// @inheritdoc IZrSign
    function zrKeyResBatch(KeyResponse[] calldata responses)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
        returns (uint256 answered)
    {
        return _answerBatch(responses, true);
    }

    /// @inheritdoc IZrSign
    function zrSignRes(uint256 requestId, Request calldata request, bytes calldata signature)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
    {
        Request memory r = ZrSignStorageLib.load(request);
        bytes memory err = _signResponseError(requestId, r, signature);
        if (err.length != 0) _revert(err);
        _answerSign(requestId, r, signature);
        _payAnswers(r.serviceFee, r.gasFee);
    }

    /// @inheritdoc IZrSign
    function zrSignResBatch(SignResponse[] calldata responses)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
        returns (uint256 answered)
    {
        // A SignResponse[] has the calldata layout of a KeyResponse[] (id, record, bytes): one loop serves both.
        KeyResponse[] calldata items;
        assembly ("memory-safe") {
            items.offset := responses.offset
            items.length := responses.length
        }
        return _answerBatch(items, false);
    }

    /// @inheritdoc IZrSign
    /// @dev Each item's record is rebuilt in one reused memory buffer, `owner` from `requester` (equal in every sign
    /// request, {_prepareSign}), and then goes through exactly the checks of {zrSignRes} ({_signResponseError}).
    function zrSignResPacked(bytes calldata items)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
        returns (uint256 answered)
    {
        if (items.length % PACKED_SIGN_ITEM != 0) {
            revert ZrSignInvalidPackedLength(items.length);
        }
        Request memory r;
        uint256 service;
        uint256 gas;
        uint256 freeMemory;
        assembly ("memory-safe") {
            freeMemory := mload(0x40)
        }
        for (uint256 o; o < items.length; o += PACKED_SIGN_ITEM) {
            // Nothing an iteration allocates (event encodings, error data) outlives it: reuse that memory.
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
            uint256 requestId;
            assembly ("memory-safe") {
                let p := add(items.offset, o)
                requestId := shr(192, calldataload(p))
                mstore(r, shr(248, calldataload(add(p, 8)))) // kind
                let requester := shr(96, calldataload(add(p, 9)))
                mstore(add(r, 0x20), requester)
                mstore(add(r, 0x40), shr(192, calldataload(add(p, 29)))) // deadline
                mstore(add(r, 0x60), shr(224, calldataload(add(p, 37)))) // keyVersion
                mstore(add(r, 0x80), shr(160, calldataload(add(p, 41)))) // serviceFee
                mstore(add(r, 0xa0), shr(160, calldataload(add(p, 53)))) // gasFee
                mstore(add(r, 0xc0), requester) // owner
                calldatacopy(add(r, 0xe0), add(p, 65), 0x80) // walletTypeId, walletIndex, dstChainId, digest
                mstore(add(r, 0x160), shr(96, calldataload(add(p, 193)))) // signer
                mstore(add(r, 0x180), shr(248, calldataload(add(p, 213)))) // broadcast
            }
            bytes calldata signature = items[o + 214:o + PACKED_SIGN_ITEM];
            bytes memory err = _signResponseError(requestId, r, signature);
            if (err.length != 0) {
                // forge-lint: disable-next-line(unsafe-typecast) the selector: the first 4 bytes of the error
                emit ZrResponseSkipped(requestId, bytes4(err));
                continue;
            }
            _answerSign(requestId, r, signature);
            service += r.serviceFee;
            gas += r.gasFee;
            ++answered;
        }
        if (answered != 0) _payAnswers(service, gas);
    }

    /// @dev Answers the valid items of a batch (key answers if `keys`, else sign answers, the `bytes` being the public
    /// key or the signature), skipping each bad one with {ZrResponseSkipped} and the selector of the error its single
    /// call would revert with (the same validation functions), then pays the answered escrow once. Each record is
    /// copied into one reused memory buffer.
    function _answerBatch(KeyResponse[] calldata items, bool keys) private returns (uint256 answered) {
        uint256 service;
        uint256 gas;
        Request memory r;
        uint256 freeMemory;
        assembly ("memory-safe") {
            freeMemory := mload(0x40)
        }
        for (uint256 i; i < items.length; ++i) {
            KeyResponse calldata item = items[i];
            Request calldata request = item.request;
            // Nothing an iteration allocates (event encodings, error data) outlives it: reuse that memory.
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
                calldatacopy(r, request, REQUEST_SIZE)
            }
            bytes memory err;
            address evmAddress;
            if (keys) (err, evmAddress) = _keyResponseError(item.requestId, r, item.publicKey);
            else err = _signResponseError(item.requestId, r, item.publicKey);
            if (err.length != 0) {
                // forge-lint: disable-next-line(unsafe-typecast) the selector: the first 4 bytes of the error
                emit ZrResponseSkipped(item.requestId, bytes4(err));
                continue;
            }
            if (keys) _answerKey(item.requestId, r, item.publicKey, evmAddress);
            else _answerSign(item.requestId, r, item.publicKey);
            service += r.serviceFee;
            gas += r.gasFee;
            ++answered;
        }
        if (answered != 0) _payAnswers(service, gas);
    }

    /// @inheritdoc IZrSign
    /// @dev Body in {ZrSignSettleLogic.zrReject} (the role and pause are checked here).
    function zrReject(uint256, Request calldata, uint8) external onlyRole(MPC_ROLE) whenNotPaused {
        _forwardSettle(ZrSignSettleLogic.zrReject.selector);
    }

    /// @dev The ABI-encoded error a key response would revert with (empty if valid), and the key's address.
    function _keyResponseError(uint256 requestId, Request memory request, bytes calldata publicKey)
        private
        view
        returns (bytes memory err, address evmAddress)
    {
        err = _zrSignStorage().openRequestError(requestId, request, false);
        if (err.length != 0) return (err, address(0));
        if (request.kind != RequestKind.Key) {
            return (ZrSignStorageLib.err(ZrSignWrongRequestKind.selector, requestId, uint8(request.kind)), address(0));
        }
        err = _stoppedError(request);
        if (err.length != 0) return (err, address(0));
        if (publicKey.length != 64) {
            return (ZrSignStorageLib.err(ZrSignInvalidPublicKeyLength.selector, publicKey.length), address(0));
        }
        RootKey storage root = _zrSignStorage().rootKeys[request.keyVersion];
        address expected = KeyDerivation.childAddress(
            uint256(root.x),
            uint256(root.y),
            KeyDerivation.tweak(block.chainid, address(this), request.owner, request.walletTypeId, request.walletIndex)
        );
        evmAddress = KeyDerivation.addressOf(publicKey);
        if (evmAddress != expected) {
            return
                (
                    ZrSignStorageLib.err(ZrSignWrongDerivedKey.selector, uint160(expected), uint160(evmAddress)),
                    address(0)
                );
        }
    }

    /// @dev The ABI-encoded error a sign response would revert with (empty if valid). The signature is recovered as
    /// OpenZeppelin's `ECDSA.tryRecoverCalldata` does (65 bytes, s in the lower half, v passed to the precompile as is:
    /// a v other than 27/28 or no point recovers nothing, a wrong signer), with the precompile called in scratch space.
    function _signResponseError(uint256 requestId, Request memory request, bytes calldata signature)
        private
        view
        returns (bytes memory err)
    {
        err = _zrSignStorage().openRequestError(requestId, request, false);
        if (err.length != 0) return err;
        if (request.kind == RequestKind.Key) {
            return ZrSignStorageLib.err(ZrSignWrongRequestKind.selector, requestId, uint8(request.kind));
        }
        err = _stoppedError(request);
        if (err.length != 0) return err;
        if (signature.length != 65) {
            return ZrSignStorageLib.err(ZrSignInvalidSignatureLength.selector, signature.length);
        }
        bytes32 digest = request.digest;
        address recovered;
        uint256 s;
        assembly ("memory-safe") {
            s := calldataload(add(signature.offset, 0x20))
            let m := mload(0x40)
            mstore(0x00, digest)
            mstore(0x20, byte(0, calldataload(add(signature.offset, 0x40)))) // v
            mstore(0x40, calldataload(signature.offset)) // r
            mstore(0x60, s)
            // On failure the precompile returns nothing: `recovered` stays zero.
            pop(staticcall(gas(), 1, 0x00, 0x80, 0x00, 0x20))
            recovered := mul(mload(0x00), eq(returndatasize(), 0x20))
            mstore(0x40, m) // restore the free memory pointer and the zero slot
            mstore(0x60, 0)
        }
        if (s > HALF_ORDER) return ZrSignStorageLib.err(ZrSignSignatureHighS.selector, s);
        if (recovered != request.signer) {
            return ZrSignStorageLib.err(ZrSignWrongSigner.selector, uint160(request.signer), uint160(recovered));
        }
    }

    /// @dev The error a new request like `request` would revert with because of the registry (empty if it could still
    /// be made): a key request needs its wallet type, a sign request its (wallet type, chain) pairing. A request that
    /// fails this was stopped by a removal or disallowance after it was made: it cannot be answered, and can be
    /// reclaimed at once. The error itself is built by {ZrSignViewLogic.pairingError} (cold path).
    function _stoppedError(Request memory request) private view returns (bytes memory) {
        if (!_zrSignStorage().isStopped(request)) return "";
        return ZrSignViewLogic.pairingError(request.walletTypeId, request.dstChainId, request.kind == RequestKind.Key);
    }

    /// @dev Marks a key request answered and stores the verified key (address, version, y parity, x).
    function _answerKey(uint256 requestId, Request memory request, bytes calldata publicKey, address evmAddress)
        private
    {
        ZrSignStorage storage $ = _zrSignStorage();
        delete $.commitments[requestId]; // Answered (see {ZrSignStorageLib.statusOf}); EIP-3529 refund
        $.keys[ZrSignStorageLib.keyId(request.owner, request.walletTypeId, request.walletIndex)] = StoredKey({
            evmAddress: evmAddress,
            keyVersion: request.keyVersion,
            yParity: uint8(publicKey[63]) & 1,
            x: bytes32(publicKey[0:32])
        });
        emit ZrKeyResponded(requestId, request.owner, request.walletTypeId, request.walletIndex, evmAddress, publicKey);
    }

    /// @dev Marks a sign request answered.
    function _answerSign(uint256 requestId, Request memory request, bytes calldata signature) private {
        delete _zrSignStorage().commitments[requestId]; // Answered (see {ZrSignStorageLib.statusOf}); EIP-3529 refund
        emit ZrSignResponded(requestId, request.signer, request.digest, signature);
    }

    /// @dev Moves answered escrow: service fees to the protocol, gas parts to the responder (msg.sender).
    function _payAnswers(uint256 service, uint256 gas) private {
        ZrSignStorage storage $ = _zrSignStorage();
        $.settle(service, gas); // one word instead of the totals and protocol-fee words (see {Settled})
        $.claimable[msg.sender] += gas;
    }

    // ─────────────────────────────────────────────── Money ───────────────────────────────────────────────

    /// @inheritdoc IZrSign
    /// @dev Body in {ZrSignSettleLogic.reclaim}.
    function reclaim(uint256, Request calldata) external {
        _forwardSettle(ZrSignSettleLogic.reclaim.selector);
    }

    /// @inheritdoc IZrSign
    function withdraw() external nonReentrant {
        _withdraw(msg.sender);
    }

    /// @inheritdoc IZrSign
    function withdrawFor(address account) external nonReentrant {
        _withdraw(account);
    }

    /// @dev Pays `account`'s whole claimable balance to `account` (checks-effects-interactions).
    function _withdraw(address account) private {
        ZrSignStorage storage $ = _zrSignStorage();
        uint256 amount = $.claimable[account];
        if (amount == 0) revert ZrSignNothingToWithdraw(account);
        $.claimable[account] = 0;
        // Answers credit claimable through {Settled}: fold it first when the stored total does not cover `amount`.
        if (amount > $.totals.totalClaimable) ZrSignSettleLogic.fold();
        $.totals.totalClaimable -= SafeCast.toUint96(amount); // amount ≤ totalClaimable
        emit ZrWithdrawn(account, amount);
        _send(account, amount);
    }

    /// @inheritdoc IZrSign
    /// @dev Body in {ZrSignAdminLogic.withdrawFees}, run by {_delegateAdmin} so the guard is released after it.
    function withdrawFees(address, uint256) external onlyRole(FEE_ROLE) nonReentrant {
        _delegateAdmin();
    }

    function _send(address to, uint256 amount) private {
        // Pull payments only: `to` is paid its own zeroed claimable balance (audit/FINDINGS.md, arbitrary-send-eth).
        // slither-disable-next-line arbitrary-send-eth
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert ZrSignTransferFailed(to, amount);
    }

    // ─────────────────────────────────────────────── Admin ───────────────────────────────────────────────
    // Each body is in {ZrSignAdminLogic}, under the same selector: the role is checked here, then the calldata is
    // forwarded unchanged (see {_forward}).

    /// @inheritdoc IZrSign
    function setRootKey(bytes calldata) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint32) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    function addWalletType(uint32, uint32, uint96) external onlyRole(DEFAULT_ADMIN_ROLE) returns (bytes32) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    /// @dev Also clears the wallet type's chain pairings (re-adding it starts with none).
    function removeWalletType(bytes32) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    function addChain(string calldata, ChainFamily, uint64) external onlyRole(DEFAULT_ADMIN_ROLE) returns (bytes32) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    /// @dev Also clears the chain's pairings (emitting {ZrChainDisallowed} for each).
    function removeChain(bytes32) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    /// @dev Idempotent: allowing an allowed pairing changes nothing and emits nothing.
    function allowChain(bytes32, bytes32) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    function disallowChain(bytes32, bytes32) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    /// @dev The wallet type's sign fee (key requests pay {setKeyMpcFee}'s, the same for every wallet type).
    function setMpcFee(bytes32, uint96) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    function setResponseGas(RequestKind, uint32) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    function setGasBuffer(uint16) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    function setRequestTtl(uint32) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    /// @dev Body in {ZrSignAdminLogic.sweepSurplus}, run by {_delegateAdmin} so the guard is released after it.
    function sweepSurplus(address) external onlyRole(FEE_ROLE) nonReentrant {
        _delegateAdmin();
    }

    /// @inheritdoc IZrSign
    function setMinGasPrice(uint64) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    function setKeyMpcFee(uint96) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _forwardAdmin();
    }

    /// @inheritdoc IZrSign
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IZrSign
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @dev Upgrades are authorised by the default admin. Trust assumption: an upgrade replaces all code, escrow
    /// included, so the default admin must be a timelock (e.g. OpenZeppelin's TimelockController) whose delay lets
    /// users reclaim before a change applies; the contract itself does not enforce a delay on upgrades.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    // ─────────────────────────────────────────────── Views ───────────────────────────────────────────────

    /// @inheritdoc IZrSign
    function keyFee(bytes32, uint8) external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function signFee(bytes32, RequestKind) external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function derivedAddress(address, bytes32, uint256) external view returns (address) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function keyOf(address, bytes32, uint256) external view returns (KeyInfo memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function keysOf(address, bytes32) external view returns (KeyInfo[] memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function keyCount(address, bytes32) external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function rootKey(uint32) external view returns (bytes32, bytes32) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function currentKeyVersion() external view returns (uint32) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function requestStatus(uint256) external view returns (RequestStatus) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function requestCommitment(uint256) external view returns (bytes32) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getRequestStates(uint256[] calldata) external view returns (RequestState[] memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function nextRequestId() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function claimable(address) external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function protocolFees() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function totalEscrow() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function totalClaimable() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function feeConfig() external view returns (FeeConfig memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function walletType(bytes32) external view returns (WalletTypeInfo memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function chain(bytes32) external view returns (ChainInfo memory) {
        _forwardView();
    }

    // ─────────────────────────────────────────────── v1 compatibility ────────────────────────────────────

    /// @inheritdoc IZrSign
    function estimateFee(bytes32, address, uint256, uint256) external view returns (uint256, uint256, uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function estimateFee(uint8, uint256) external view returns (uint256, uint256, uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getZrKeys(bytes32, address) external view returns (string[] memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getZrKey(bytes32, address, uint256) external view returns (string memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function isWalletTypeSupported(bytes32) external view returns (bool) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function isChainIdSupported(bytes32, bytes32) external view returns (bool) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getTraceId() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getMPCFee() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getRespGas() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getRespGasPriceBuffer() external view returns (uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getWalletRegistry(bytes32, uint256, address) external view returns (WalletRegistry memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getRequestState(uint256) external view returns (ReqRegistry memory) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    function getWalletTypeInfo(bytes32) external view returns (uint256, uint256) {
        _forwardView();
    }

    /// @inheritdoc IZrSign
    /// @dev Virtual: a later implementation reports its own number.
    function version() external pure virtual returns (uint256) {
        return VERSION;
    }

    // ─────────────────────────────────────────────── Internals ───────────────────────────────────────────

    /// @dev Forwards this call's calldata unchanged to {ZrSignAdminLogic} (see {_forward}).
    function _forwardAdmin() private {
        _forward(address(ZrSignAdminLogic));
    }

    /// @dev Like {_forward} to {ZrSignSettleLogic}, but under the library's own `selector`: a library function with a
    /// struct parameter has a selector of its own (it names the struct type, not its tuple), while the arguments'
    /// encoding (a static struct inline) is the same, so only the first four bytes of the calldata are replaced.
    function _forwardSettle(bytes4 selector) private {
        address logic = address(ZrSignSettleLogic);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            mstore(
                ptr,
                or(selector, and(mload(ptr), 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff))
            )
            let ok := delegatecall(gas(), logic, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
    }

    /// @dev Runs this call's calldata in {ZrSignAdminLogic} by DELEGATECALL and, unlike {_forward}, returns to the
    /// caller (bubbling a revert), so modifiers with code after the body (`nonReentrant`) complete. For functions
    /// without return values only.
    function _delegateAdmin() private {
        address logic = address(ZrSignAdminLogic);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            if iszero(delegatecall(gas(), logic, ptr, calldatasize(), 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
        }
    }

    /// @dev Forwards this call's calldata unchanged to {ZrSignViewLogic} (see {_forward}) from a view. Sound because
    /// every function of {ZrSignViewLogic} is a view: the DELEGATECALL reads state and changes nothing. Solidity
    /// does not allow a DELEGATECALL in a view, so {_forward} is called through a pointer cast to a view type.
    function _forwardView() private view {
        function(address) fwd = _forward;
        function(address) view fwdView;
        assembly ("memory-safe") {
            fwdView := fwd
        }
        fwdView(address(ZrSignViewLogic));
        assembly ("memory-safe") {
            invalid() // unreachable ({_forward} ends the call); tells the compiler this function never returns
        }
    }

    /// @dev Runs the called function in `logic` (a linked logic library implementing it under the same selector and
    /// ABI) by DELEGATECALL with this call's calldata, then ends the call: returns its return data, or reverts with
    /// its revert data. Never returns to the caller.
    function _forward(address logic) private {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := delegatecall(gas(), logic, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            if iszero(ok) { revert(ptr, returndatasize()) }
            return(ptr, returndatasize())
        }
    }

    /// @dev Reverts with an ABI-encoded error.
    function _revert(bytes memory err) private pure {
        assembly ("memory-safe") {
            revert(add(err, 0x20), mload(err))
        }
    }
}
