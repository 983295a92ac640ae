// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {
    AccessControlDefaultAdminRulesUpgradeable
} from "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IZrSign} from "./interfaces/IZrSign.sol";
import {KeyDerivation} from "./libraries/KeyDerivation.sol";
import {TxPayload} from "./libraries/TxPayload.sol";

/// @title ZrSign — zrSign v1 implementation (UUPS, behind ZrSignProxy)
/// @notice Users pay to request derived keys and signatures; the MPC network answers and the contract verifies
/// every key (derived child of the root) and every signature (recovers to the key, low-s). Fees are escrowed per
/// request; all balances are pull-based. See `IZrSign` for the API and `shared/spec/PROTOCOL.md` for the protocol.
/// @dev Each open request is ONE storage word: `keccak256(abi.encode(request))`. Settled requests keep a small
/// terminal marker (2 Answered, 3 Rejected, 4 Reclaimed). Money conservation (spec §6):
/// `address(this).balance >= totalEscrow + totalClaimable + protocolFees`, with equality absent forced ether.
contract ZrSign is
    Initializable,
    UUPSUpgradeable,
    AccessControlDefaultAdminRulesUpgradeable,
    PausableUpgradeable,
    ReentrancyGuardTransient,
    IZrSign
{
    using EnumerableSet for EnumerableSet.Bytes32Set;

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
    uint256 public constant MAX_MPC_FEE = 1 ether;
    /// @notice Upper bound of the responder gas of a request kind.
    uint256 public constant MAX_RESPONSE_GAS = 2_000_000;
    /// @notice Upper bound of the gas buffer percentage.
    uint256 public constant MAX_GAS_BUFFER_PCT = 100;
    /// @notice Lower bound of the request TTL, in blocks.
    uint256 public constant MIN_REQUEST_TTL = 10;
    /// @notice Upper bound of the request TTL, in blocks.
    uint256 public constant MAX_REQUEST_TTL = 1_000_000;

    /// @notice The EVM wallet type (44, 60) = keccak256(abi.encode(uint256(44), uint256(60))), v1's key fee quote.
    bytes32 public constant EVM_WALLET_TYPE = 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a;

    /// @notice The ERC-7201 slot of {ZrSignStorage}:
    /// keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSign")) - 1)) & ~bytes32(uint256(0xff)).
    bytes32 public constant STORAGE_SLOT = 0xb3606034f959cf38738298789031534805168e9ff25bcce7a04c63c6a79ba000;

    /// @dev Terminal markers stored in place of a settled request's commitment.
    bytes32 private constant ANSWERED = bytes32(uint256(RequestStatus.Answered));
    bytes32 private constant REJECTED = bytes32(uint256(RequestStatus.Rejected));
    bytes32 private constant RECLAIMED = bytes32(uint256(RequestStatus.Reclaimed));

    /// @dev Size of an ABI-encoded {Request} (13 static words).
    uint256 private constant REQUEST_SIZE = 13 * 32;

    // ─────────────────────────────────────────────── Storage ─────────────────────────────────────────────

    /// @dev The hot slot, read and written once per request: fee settings and the next request id.
    struct Config {
        uint32 keyGas;
        uint32 hashGas;
        uint32 dataGas;
        uint32 txGas;
        uint16 gasBufferPct;
        uint32 requestTtl;
        uint64 nextRequestId;
    }

    /// @dev Accounting totals written by requests and settlements (uint96 holds 79 billion ether, far above the
    /// ether supply), packed with the current root key version read by key requests.
    struct Totals {
        uint96 totalEscrow;
        uint96 totalClaimable;
        uint32 currentKeyVersion;
    }

    /// @dev A chain's registration (`family == None` = not registered).
    struct Chain {
        ChainFamily family;
        uint64 evmChainId;
        string caip2;
    }

    /// @dev A (wallet type, chain) pairing, carrying the chain's family and EVM id so a sign request needs one
    /// read for both the allow check and the transaction chain-id check. Cleared when either side is removed.
    struct Pairing {
        bool allowed;
        ChainFamily family;
        uint64 evmChainId;
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

    /// @custom:storage-location erc7201:zrsign.storage.ZrSign
    struct ZrSignStorage {
        Config config;
        Totals totals;
        uint256 protocolFees;
        mapping(uint256 requestId => bytes32) commitments;
        mapping(address account => uint256) claimable;
        mapping(bytes32 walletTypeId => WalletTypeInfo) walletTypes;
        mapping(bytes32 chainId => Chain) chains;
        mapping(bytes32 walletTypeId => mapping(bytes32 chainId => Pairing)) pairings;
        mapping(bytes32 walletTypeId => EnumerableSet.Bytes32Set) chainsOf;
        mapping(bytes32 chainId => EnumerableSet.Bytes32Set) walletTypesOf;
        mapping(address owner => mapping(bytes32 walletTypeId => uint256)) keyCount;
        mapping(bytes32 keyId => StoredKey) keys;
        mapping(uint32 keyVersion => RootKey) rootKeys;
    }

    function _zrSignStorage() private pure returns (ZrSignStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ─────────────────────────────────────────────── Setup ───────────────────────────────────────────────

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy's state with the default fee settings (responder gas: key 150,000, others
    /// 60,000; buffer 10 %; TTL 7,200 blocks). Request ids start at 1.
    /// @param admin The default admin (two-step transfer, delayed by `adminDelay` seconds).
    /// @param adminDelay Delay of a default-admin transfer, in seconds.
    function initialize(address admin, uint48 adminDelay) external initializer {
        __AccessControlDefaultAdminRules_init(adminDelay, admin);
        __Pausable_init();
        _zrSignStorage().config.nextRequestId = 1;
        _setResponseGas(RequestKind.Key, 150_000);
        _setResponseGas(RequestKind.Hash, 60_000);
        _setResponseGas(RequestKind.Data, 60_000);
        _setResponseGas(RequestKind.Tx, 60_000);
        _setGasBuffer(10);
        _setRequestTtl(7200);
    }

    // ─────────────────────────────────────────────── Requests ────────────────────────────────────────────

    /// @inheritdoc IZrSign
    function zrKeyReq(ZrKeyReqParams calldata params) external payable whenNotPaused returns (uint256 requestId) {
        if (params.options != 1 && params.options != 2) revert ZrSignInvalidOptions(params.options);
        if (params.owner == address(0)) revert ZrSignZeroOwner();
        ZrSignStorage storage $ = _zrSignStorage();
        WalletTypeInfo memory wt = _supportedWalletType($, params.walletTypeId);
        uint32 keyVersion = $.totals.currentKeyVersion;
        if (keyVersion == 0) revert ZrSignRootKeyNotSet();
        Config memory cfg = $.config;

        Request memory request;
        request.kind = RequestKind.Key;
        request.keyVersion = keyVersion;
        request.serviceFee = wt.mpcFee * params.options;
        request.owner = params.owner;
        request.walletTypeId = params.walletTypeId;
        request.walletIndex = $.keyCount[params.owner][params.walletTypeId]++;
        requestId = _open($, cfg, request, cfg.keyGas);
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
        Request memory request;
        bytes memory payload = _prepareSign($, params, kind, request);
        Config memory cfg = $.config;
        requestId = _open($, cfg, request, _responseGas(cfg, kind));
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
        request.serviceFee = _supportedWalletType($, params.walletTypeId).mpcFee;
        Pairing memory pairing = $.pairings[params.walletTypeId][params.dstChainId];
        if (!pairing.allowed) {
            if ($.chains[params.dstChainId].family == ChainFamily.None) revert ZrSignUnknownChain(params.dstChainId);
            revert ZrSignChainNotAllowed(params.walletTypeId, params.dstChainId);
        }
        if (params.broadcast && kind != RequestKind.Tx) revert ZrSignBroadcastNotAllowed(kind);
        if (kind == RequestKind.Hash && params.payload.length != 32) {
            revert ZrSignInvalidHashLength(params.payload.length);
        }
        StoredKey storage key = $.keys[_keyId(msg.sender, params.walletTypeId, params.walletIndex)];
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
    /// the payer), stores the commitment under the next id and advances the id. One hot-slot write, one totals
    /// write, one new commitment slot.
    function _open(ZrSignStorage storage $, Config memory cfg, Request memory request, uint256 responseGas)
        private
        returns (uint256 requestId)
    {
        request.requester = msg.sender;
        request.deadline = uint64(block.number) + cfg.requestTtl;
        request.gasFee = SafeCast.toUint96(_gasCost(responseGas, cfg.gasBufferPct));
        uint256 fee = uint256(request.serviceFee) + request.gasFee;
        if (msg.value < fee) revert ZrSignInsufficientFee(fee, msg.value);
        uint256 excess = msg.value - fee;

        requestId = cfg.nextRequestId;
        $.config.nextRequestId = cfg.nextRequestId + 1;
        $.commitments[requestId] = _hash(request);
        Totals storage totals = $.totals;
        totals.totalEscrow += SafeCast.toUint96(fee);
        if (excess != 0) {
            totals.totalClaimable += SafeCast.toUint96(excess);
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
        (bytes memory err, address evmAddress) = _keyResponseError(requestId, request, publicKey);
        if (err.length != 0) _revert(err);
        _answerKey(requestId, request, publicKey, evmAddress);
        _payAnswers(request.serviceFee, request.gasFee);
    }

    /// @inheritdoc IZrSign
    function zrKeyResBatch(KeyResponse[] calldata responses)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
        returns (uint256 answered)
    {
        uint256 service;
        uint256 gas;
        for (uint256 i; i < responses.length; ++i) {
            KeyResponse calldata item = responses[i];
            (bytes memory err, address evmAddress) = _keyResponseError(item.requestId, item.request, item.publicKey);
            if (err.length != 0) {
                // forge-lint: disable-next-line(unsafe-typecast) the selector: the first 4 bytes of the error
                emit ZrResponseSkipped(item.requestId, bytes4(err));
                continue;
            }
            _answerKey(item.requestId, item.request, item.publicKey, evmAddress);
            service += item.request.serviceFee;
            gas += item.request.gasFee;
            ++answered;
        }
        if (answered != 0) _payAnswers(service, gas);
    }

    /// @inheritdoc IZrSign
    function zrSignRes(uint256 requestId, Request calldata request, bytes calldata signature)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
    {
        bytes memory err = _signResponseError(requestId, request, signature);
        if (err.length != 0) _revert(err);
        _answerSign(requestId, request, signature);
        _payAnswers(request.serviceFee, request.gasFee);
    }

    /// @inheritdoc IZrSign
    function zrSignResBatch(SignResponse[] calldata responses)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
        returns (uint256 answered)
    {
        uint256 service;
        uint256 gas;
        for (uint256 i; i < responses.length; ++i) {
            SignResponse calldata item = responses[i];
            bytes memory err = _signResponseError(item.requestId, item.request, item.signature);
            if (err.length != 0) {
                // forge-lint: disable-next-line(unsafe-typecast) the selector: the first 4 bytes of the error
                emit ZrResponseSkipped(item.requestId, bytes4(err));
                continue;
            }
            _answerSign(item.requestId, item.request, item.signature);
            service += item.request.serviceFee;
            gas += item.request.gasFee;
            ++answered;
        }
        if (answered != 0) _payAnswers(service, gas);
    }

    /// @inheritdoc IZrSign
    function zrReject(uint256 requestId, Request calldata request, uint8 reasonCode)
        external
        onlyRole(MPC_ROLE)
        whenNotPaused
    {
        bytes memory err = _openRequestError(requestId, request, false);
        if (err.length != 0) _revert(err);
        ZrSignStorage storage $ = _zrSignStorage();
        $.commitments[requestId] = REJECTED;
        _release($, request.serviceFee + uint256(request.gasFee));
        _credit($, request.requester, request.serviceFee);
        _credit($, msg.sender, request.gasFee);
        emit ZrRequestRejected(requestId, reasonCode);
    }

    /// @dev The ABI-encoded error a key response would revert with (empty if valid), and the key's address.
    function _keyResponseError(uint256 requestId, Request calldata request, bytes calldata publicKey)
        private
        view
        returns (bytes memory err, address evmAddress)
    {
        err = _openRequestError(requestId, request, false);
        if (err.length != 0) return (err, address(0));
        if (request.kind != RequestKind.Key) {
            return (abi.encodeWithSelector(ZrSignWrongRequestKind.selector, requestId, request.kind), address(0));
        }
        if (publicKey.length != 64) {
            return (abi.encodeWithSelector(ZrSignInvalidPublicKeyLength.selector, publicKey.length), address(0));
        }
        RootKey storage root = _zrSignStorage().rootKeys[request.keyVersion];
        address expected = KeyDerivation.childAddress(
            uint256(root.x),
            uint256(root.y),
            KeyDerivation.tweak(block.chainid, address(this), request.owner, request.walletTypeId, request.walletIndex)
        );
        evmAddress = KeyDerivation.addressOf(publicKey);
        if (evmAddress != expected) {
            return (abi.encodeWithSelector(ZrSignWrongDerivedKey.selector, expected, evmAddress), address(0));
        }
    }

    /// @dev The ABI-encoded error a sign response would revert with (empty if valid).
    function _signResponseError(uint256 requestId, Request calldata request, bytes calldata signature)
        private
        view
        returns (bytes memory err)
    {
        err = _openRequestError(requestId, request, false);
        if (err.length != 0) return err;
        if (request.kind == RequestKind.Key) {
            return abi.encodeWithSelector(ZrSignWrongRequestKind.selector, requestId, request.kind);
        }
        (address recovered, ECDSA.RecoverError rerr, bytes32 arg) = ECDSA.tryRecoverCalldata(request.digest, signature);
        if (rerr == ECDSA.RecoverError.InvalidSignatureLength) {
            return abi.encodeWithSelector(ZrSignInvalidSignatureLength.selector, uint256(arg));
        }
        if (rerr == ECDSA.RecoverError.InvalidSignatureS) {
            return abi.encodeWithSelector(ZrSignSignatureHighS.selector, arg);
        }
        // RecoverError.InvalidSignature (bad v, or no point) leaves `recovered` zero: a wrong signer.
        if (recovered != request.signer) {
            return abi.encodeWithSelector(ZrSignWrongSigner.selector, request.signer, recovered);
        }
    }

    /// @dev The ABI-encoded error a settling call would revert with because of the request's state (empty if the
    /// request is open, matches its commitment and is before its deadline, or after it when `reclaiming`).
    function _openRequestError(uint256 requestId, Request calldata request, bool reclaiming)
        private
        view
        returns (bytes memory)
    {
        bytes32 stored = _zrSignStorage().commitments[requestId];
        RequestStatus status = _status(stored);
        if (status == RequestStatus.None) return abi.encodeWithSelector(ZrSignUnknownRequest.selector, requestId);
        if (status != RequestStatus.Open) {
            return abi.encodeWithSelector(ZrSignRequestNotOpen.selector, requestId, status);
        }
        if (stored != _hashCalldata(request)) return abi.encodeWithSelector(ZrSignRequestMismatch.selector, requestId);
        if (reclaiming) {
            if (block.number <= request.deadline) {
                return abi.encodeWithSelector(ZrSignRequestNotExpired.selector, requestId, request.deadline);
            }
        } else if (block.number > request.deadline) {
            return abi.encodeWithSelector(ZrSignRequestExpired.selector, requestId, request.deadline);
        }
        return "";
    }

    /// @dev Marks a key request answered and stores the verified key (address, version, y parity, x).
    function _answerKey(uint256 requestId, Request calldata request, bytes calldata publicKey, address evmAddress)
        private
    {
        ZrSignStorage storage $ = _zrSignStorage();
        $.commitments[requestId] = ANSWERED;
        $.keys[_keyId(request.owner, request.walletTypeId, request.walletIndex)] = StoredKey({
            evmAddress: evmAddress,
            keyVersion: request.keyVersion,
            yParity: uint8(publicKey[63]) & 1,
            x: bytes32(publicKey[0:32])
        });
        emit ZrKeyResponded(requestId, request.owner, request.walletTypeId, request.walletIndex, evmAddress, publicKey);
    }

    /// @dev Marks a sign request answered.
    function _answerSign(uint256 requestId, Request calldata request, bytes calldata signature) private {
        _zrSignStorage().commitments[requestId] = ANSWERED;
        emit ZrSignResponded(requestId, request.signer, request.digest, signature);
    }

    /// @dev Moves answered escrow: service fees to the protocol, gas parts to the responder (msg.sender).
    function _payAnswers(uint256 service, uint256 gas) private {
        ZrSignStorage storage $ = _zrSignStorage();
        _release($, service + gas);
        $.protocolFees += service;
        _credit($, msg.sender, gas);
    }

    // ─────────────────────────────────────────────── Money ───────────────────────────────────────────────

    /// @inheritdoc IZrSign
    function reclaim(uint256 requestId, Request calldata request) external {
        bytes memory err = _openRequestError(requestId, request, true);
        if (err.length != 0) _revert(err);
        ZrSignStorage storage $ = _zrSignStorage();
        $.commitments[requestId] = RECLAIMED;
        uint256 amount = request.serviceFee + uint256(request.gasFee);
        _release($, amount);
        _credit($, request.requester, amount);
        emit ZrRequestReclaimed(requestId, request.requester, amount);
    }

    /// @inheritdoc IZrSign
    function withdraw() external nonReentrant {
        ZrSignStorage storage $ = _zrSignStorage();
        uint256 amount = $.claimable[msg.sender];
        if (amount == 0) revert ZrSignNothingToWithdraw(msg.sender);
        $.claimable[msg.sender] = 0;
        $.totals.totalClaimable -= SafeCast.toUint96(amount); // amount ≤ totalClaimable
        emit ZrWithdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @inheritdoc IZrSign
    function withdrawFees(address to, uint256 amount) external onlyRole(FEE_ROLE) nonReentrant {
        if (to == address(0)) revert ZrSignZeroAddress();
        ZrSignStorage storage $ = _zrSignStorage();
        uint256 available = $.protocolFees;
        if (amount > available) revert ZrSignInsufficientProtocolFees(amount, available);
        $.protocolFees = available - amount;
        emit ZrFeesWithdrawn(to, amount);
        _send(to, amount);
    }

    /// @dev Removes `amount` from the escrow total.
    function _release(ZrSignStorage storage $, uint256 amount) private {
        $.totals.totalEscrow -= SafeCast.toUint96(amount); // amount ≤ totalEscrow: it was escrowed
    }

    /// @dev Credits `amount` (taken from escrow) to `account`'s claimable balance.
    function _credit(ZrSignStorage storage $, address account, uint256 amount) private {
        if (amount == 0) return;
        $.totals.totalClaimable += SafeCast.toUint96(amount); // bounded by the released escrow
        $.claimable[account] += amount;
    }

    function _send(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert ZrSignTransferFailed(to, amount);
    }

    // ─────────────────────────────────────────────── Admin ───────────────────────────────────────────────

    /// @inheritdoc IZrSign
    function setRootKey(bytes calldata publicKey) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint32 keyVersion) {
        if (publicKey.length != 64) revert ZrSignInvalidPublicKeyLength(publicKey.length);
        bytes32 x = bytes32(publicKey[0:32]);
        bytes32 y = bytes32(publicKey[32:64]);
        if (!KeyDerivation.isValidRoot(uint256(x), uint256(y))) revert ZrSignInvalidRootKey(x, y);
        ZrSignStorage storage $ = _zrSignStorage();
        keyVersion = $.totals.currentKeyVersion + 1;
        $.rootKeys[keyVersion] = RootKey(x, y);
        $.totals.currentKeyVersion = keyVersion;
        emit ZrRootKeySet(keyVersion, x, y);
    }

    /// @inheritdoc IZrSign
    function addWalletType(uint32 purpose, uint32 coinType, uint96 mpcFee)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (bytes32 walletTypeId)
    {
        if (mpcFee > MAX_MPC_FEE) revert ZrSignFeeOutOfBounds(mpcFee, MAX_MPC_FEE);
        walletTypeId = keccak256(abi.encode(uint256(purpose), uint256(coinType)));
        ZrSignStorage storage $ = _zrSignStorage();
        if ($.walletTypes[walletTypeId].supported) revert ZrSignWalletTypeExists(walletTypeId);
        $.walletTypes[walletTypeId] = WalletTypeInfo(purpose, coinType, true, mpcFee);
        emit ZrWalletTypeAdded(walletTypeId, purpose, coinType);
        emit ZrMpcFeeSet(walletTypeId, mpcFee);
    }

    /// @inheritdoc IZrSign
    /// @dev Also clears the wallet type's chain pairings (re-adding it starts with none).
    function removeWalletType(bytes32 walletTypeId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ZrSignStorage storage $ = _zrSignStorage();
        _supportedWalletType($, walletTypeId);
        EnumerableSet.Bytes32Set storage chainIds = $.chainsOf[walletTypeId];
        for (uint256 i = chainIds.length(); i != 0; --i) {
            _disallow($, walletTypeId, chainIds.at(i - 1));
        }
        delete $.walletTypes[walletTypeId];
        emit ZrWalletTypeRemoved(walletTypeId);
    }

    /// @inheritdoc IZrSign
    function addChain(string calldata caip2, ChainFamily family, uint64 evmChainId)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (bytes32 chainId)
    {
        chainId = keccak256(bytes(caip2));
        if (bytes(caip2).length == 0 || family == ChainFamily.None || (family == ChainFamily.Evm) != (evmChainId != 0))
        {
            revert ZrSignInvalidChain(chainId, family, evmChainId);
        }
        ZrSignStorage storage $ = _zrSignStorage();
        if ($.chains[chainId].family != ChainFamily.None) revert ZrSignChainExists(chainId);
        $.chains[chainId] = Chain(family, evmChainId, caip2);
        emit ZrChainAdded(chainId, caip2, family, evmChainId);
    }

    /// @inheritdoc IZrSign
    /// @dev Also clears the chain's pairings (emitting {ZrChainDisallowed} for each).
    function removeChain(bytes32 chainId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ZrSignStorage storage $ = _zrSignStorage();
        if ($.chains[chainId].family == ChainFamily.None) revert ZrSignUnknownChain(chainId);
        EnumerableSet.Bytes32Set storage walletTypeIds = $.walletTypesOf[chainId];
        for (uint256 i = walletTypeIds.length(); i != 0; --i) {
            _disallow($, walletTypeIds.at(i - 1), chainId);
        }
        delete $.chains[chainId];
        emit ZrChainRemoved(chainId);
    }

    /// @inheritdoc IZrSign
    /// @dev Idempotent: allowing an allowed pairing changes nothing and emits nothing.
    function allowChain(bytes32 walletTypeId, bytes32 chainId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ZrSignStorage storage $ = _zrSignStorage();
        _supportedWalletType($, walletTypeId);
        Chain storage c = $.chains[chainId];
        if (c.family == ChainFamily.None) revert ZrSignUnknownChain(chainId);
        if (!$.chainsOf[walletTypeId].add(chainId)) return;
        $.walletTypesOf[chainId].add(walletTypeId);
        $.pairings[walletTypeId][chainId] = Pairing(true, c.family, c.evmChainId);
        emit ZrChainAllowed(walletTypeId, chainId);
    }

    /// @inheritdoc IZrSign
    function disallowChain(bytes32 walletTypeId, bytes32 chainId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ZrSignStorage storage $ = _zrSignStorage();
        if (!$.pairings[walletTypeId][chainId].allowed) revert ZrSignChainNotAllowed(walletTypeId, chainId);
        _disallow($, walletTypeId, chainId);
    }

    function _disallow(ZrSignStorage storage $, bytes32 walletTypeId, bytes32 chainId) private {
        $.chainsOf[walletTypeId].remove(chainId);
        $.walletTypesOf[chainId].remove(walletTypeId);
        delete $.pairings[walletTypeId][chainId];
        emit ZrChainDisallowed(walletTypeId, chainId);
    }

    /// @inheritdoc IZrSign
    function setMpcFee(bytes32 walletTypeId, uint96 fee) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (fee > MAX_MPC_FEE) revert ZrSignFeeOutOfBounds(fee, MAX_MPC_FEE);
        ZrSignStorage storage $ = _zrSignStorage();
        _supportedWalletType($, walletTypeId);
        $.walletTypes[walletTypeId].mpcFee = fee;
        emit ZrMpcFeeSet(walletTypeId, fee);
    }

    /// @inheritdoc IZrSign
    function setResponseGas(RequestKind kind, uint32 gas) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setResponseGas(kind, gas);
    }

    /// @inheritdoc IZrSign
    function setGasBuffer(uint16 pct) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setGasBuffer(pct);
    }

    /// @inheritdoc IZrSign
    function setRequestTtl(uint32 blocks) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRequestTtl(blocks);
    }

    /// @inheritdoc IZrSign
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IZrSign
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _setResponseGas(RequestKind kind, uint32 gas) private {
        if (gas > MAX_RESPONSE_GAS) revert ZrSignResponseGasOutOfBounds(gas, MAX_RESPONSE_GAS);
        Config storage cfg = _zrSignStorage().config;
        if (kind == RequestKind.Key) cfg.keyGas = gas;
        else if (kind == RequestKind.Hash) cfg.hashGas = gas;
        else if (kind == RequestKind.Data) cfg.dataGas = gas;
        else cfg.txGas = gas;
        emit ZrResponseGasSet(kind, gas);
    }

    function _setGasBuffer(uint16 pct) private {
        if (pct > MAX_GAS_BUFFER_PCT) revert ZrSignGasBufferOutOfBounds(pct, MAX_GAS_BUFFER_PCT);
        _zrSignStorage().config.gasBufferPct = pct;
        emit ZrGasBufferSet(pct);
    }

    function _setRequestTtl(uint32 blocks) private {
        if (blocks < MIN_REQUEST_TTL || blocks > MAX_REQUEST_TTL) {
            revert ZrSignTtlOutOfBounds(blocks, MIN_REQUEST_TTL, MAX_REQUEST_TTL);
        }
        _zrSignStorage().config.requestTtl = blocks;
        emit ZrRequestTtlSet(blocks);
    }

    /// @dev Upgrades are authorised by the default admin.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    // ─────────────────────────────────────────────── Views ───────────────────────────────────────────────

    /// @inheritdoc IZrSign
    function keyFee(bytes32 walletTypeId, uint8 options) public view returns (uint256) {
        if (options != 1 && options != 2) revert ZrSignInvalidOptions(options);
        ZrSignStorage storage $ = _zrSignStorage();
        WalletTypeInfo memory wt = _supportedWalletType($, walletTypeId);
        Config memory cfg = $.config;
        return uint256(wt.mpcFee) * options + _gasCost(cfg.keyGas, cfg.gasBufferPct);
    }

    /// @inheritdoc IZrSign
    function signFee(bytes32 walletTypeId, RequestKind kind) external view returns (uint256) {
        ZrSignStorage storage $ = _zrSignStorage();
        WalletTypeInfo memory wt = _supportedWalletType($, walletTypeId);
        Config memory cfg = $.config;
        return uint256(wt.mpcFee) + _gasCost(_responseGas(cfg, kind), cfg.gasBufferPct);
    }

    /// @inheritdoc IZrSign
    function derivedAddress(address owner, bytes32 walletTypeId, uint256 index) external view returns (address) {
        ZrSignStorage storage $ = _zrSignStorage();
        uint32 keyVersion = $.totals.currentKeyVersion;
        if (keyVersion == 0) revert ZrSignRootKeyNotSet();
        RootKey storage root = $.rootKeys[keyVersion];
        return KeyDerivation.childAddress(
            uint256(root.x),
            uint256(root.y),
            KeyDerivation.tweak(block.chainid, address(this), owner, walletTypeId, index)
        );
    }

    /// @inheritdoc IZrSign
    function keyOf(address owner, bytes32 walletTypeId, uint256 index) public view returns (KeyInfo memory info) {
        StoredKey storage key = _zrSignStorage().keys[_keyId(owner, walletTypeId, index)];
        info.evmAddress = key.evmAddress;
        if (info.evmAddress == address(0)) return info;
        info.keyVersion = key.keyVersion;
        info.publicKey = abi.encodePacked(bytes1(0x02 + key.yParity), key.x);
    }

    /// @inheritdoc IZrSign
    function keysOf(address owner, bytes32 walletTypeId) external view returns (KeyInfo[] memory keys) {
        keys = new KeyInfo[](_zrSignStorage().keyCount[owner][walletTypeId]);
        for (uint256 i; i < keys.length; ++i) {
            keys[i] = keyOf(owner, walletTypeId, i);
        }
    }

    /// @inheritdoc IZrSign
    function keyCount(address owner, bytes32 walletTypeId) external view returns (uint256) {
        return _zrSignStorage().keyCount[owner][walletTypeId];
    }

    /// @inheritdoc IZrSign
    function rootKey(uint32 keyVersion) external view returns (bytes32 x, bytes32 y) {
        RootKey storage root = _zrSignStorage().rootKeys[keyVersion];
        return (root.x, root.y);
    }

    /// @inheritdoc IZrSign
    function currentKeyVersion() external view returns (uint32) {
        return _zrSignStorage().totals.currentKeyVersion;
    }

    /// @inheritdoc IZrSign
    function requestStatus(uint256 requestId) external view returns (RequestStatus) {
        return _status(_zrSignStorage().commitments[requestId]);
    }

    /// @inheritdoc IZrSign
    function requestCommitment(uint256 requestId) external view returns (bytes32 commitment) {
        commitment = _zrSignStorage().commitments[requestId];
        if (_status(commitment) != RequestStatus.Open) commitment = 0;
    }

    /// @inheritdoc IZrSign
    function nextRequestId() public view returns (uint256) {
        return _zrSignStorage().config.nextRequestId;
    }

    /// @inheritdoc IZrSign
    function claimable(address account) external view returns (uint256) {
        return _zrSignStorage().claimable[account];
    }

    /// @inheritdoc IZrSign
    function protocolFees() external view returns (uint256) {
        return _zrSignStorage().protocolFees;
    }

    /// @inheritdoc IZrSign
    function totalEscrow() external view returns (uint256) {
        return _zrSignStorage().totals.totalEscrow;
    }

    /// @inheritdoc IZrSign
    function totalClaimable() external view returns (uint256) {
        return _zrSignStorage().totals.totalClaimable;
    }

    /// @inheritdoc IZrSign
    function feeConfig() external view returns (FeeConfig memory config) {
        Config memory cfg = _zrSignStorage().config;
        config.responseGas = [cfg.keyGas, cfg.hashGas, cfg.dataGas, cfg.txGas];
        config.gasBufferPct = cfg.gasBufferPct;
        config.requestTtl = cfg.requestTtl;
    }

    /// @inheritdoc IZrSign
    function walletType(bytes32 walletTypeId) external view returns (WalletTypeInfo memory) {
        return _zrSignStorage().walletTypes[walletTypeId];
    }

    /// @inheritdoc IZrSign
    function chain(bytes32 chainId) external view returns (ChainInfo memory) {
        Chain storage c = _zrSignStorage().chains[chainId];
        return ChainInfo(c.caip2, c.family, c.evmChainId);
    }

    // ─────────────────────────────────────────────── v1 compatibility ────────────────────────────────────

    /// @inheritdoc IZrSign
    function estimateFee(bytes32 walletTypeId, address, uint256, uint256)
        external
        view
        returns (uint256 mpc, uint256 netResp, uint256 total)
    {
        ZrSignStorage storage $ = _zrSignStorage();
        mpc = _supportedWalletType($, walletTypeId).mpcFee;
        Config memory cfg = $.config;
        uint256 gas = cfg.hashGas;
        if (cfg.dataGas > gas) gas = cfg.dataGas;
        if (cfg.txGas > gas) gas = cfg.txGas;
        netResp = _gasCost(gas, cfg.gasBufferPct);
        total = mpc + netResp;
    }

    /// @inheritdoc IZrSign
    function estimateFee(uint8 options, uint256) external view returns (uint256 mpc, uint256 netResp, uint256 total) {
        total = keyFee(EVM_WALLET_TYPE, options);
        mpc = uint256(_zrSignStorage().walletTypes[EVM_WALLET_TYPE].mpcFee) * options;
        netResp = total - mpc;
    }

    /// @inheritdoc IZrSign
    function getZrKeys(bytes32 walletTypeId, address owner) external view returns (string[] memory addresses) {
        ZrSignStorage storage $ = _zrSignStorage();
        uint256 count = $.keyCount[owner][walletTypeId];
        addresses = new string[](count);
        uint256 answered;
        for (uint256 i; i < count; ++i) {
            address evmAddress = $.keys[_keyId(owner, walletTypeId, i)].evmAddress;
            if (evmAddress != address(0)) addresses[answered++] = Strings.toChecksumHexString(evmAddress);
        }
        assembly ("memory-safe") {
            mstore(addresses, answered) // shrink to the answered keys
        }
    }

    /// @inheritdoc IZrSign
    function getZrKey(bytes32 walletTypeId, address owner, uint256 index) external view returns (string memory) {
        address evmAddress = _zrSignStorage().keys[_keyId(owner, walletTypeId, index)].evmAddress;
        return evmAddress == address(0) ? "" : Strings.toChecksumHexString(evmAddress);
    }

    /// @inheritdoc IZrSign
    function isWalletTypeSupported(bytes32 walletTypeId) external view returns (bool) {
        return _zrSignStorage().walletTypes[walletTypeId].supported;
    }

    /// @inheritdoc IZrSign
    function isChainIdSupported(bytes32 walletTypeId, bytes32 chainId) external view returns (bool) {
        ZrSignStorage storage $ = _zrSignStorage();
        return $.walletTypes[walletTypeId].supported && $.pairings[walletTypeId][chainId].allowed;
    }

    /// @inheritdoc IZrSign
    function getTraceId() external view returns (uint256) {
        return nextRequestId() - 1;
    }

    /// @inheritdoc IZrSign
    function version() external pure returns (uint256) {
        return VERSION;
    }

    // ─────────────────────────────────────────────── Internals ───────────────────────────────────────────

    function _supportedWalletType(ZrSignStorage storage $, bytes32 walletTypeId)
        private
        view
        returns (WalletTypeInfo memory wt)
    {
        wt = $.walletTypes[walletTypeId];
        if (!wt.supported) revert ZrSignUnknownWalletType(walletTypeId);
    }

    function _responseGas(Config memory cfg, RequestKind kind) private pure returns (uint256) {
        if (kind == RequestKind.Key) return cfg.keyGas;
        if (kind == RequestKind.Hash) return cfg.hashGas;
        if (kind == RequestKind.Data) return cfg.dataGas;
        return cfg.txGas;
    }

    /// @dev responseGas × basefee × (100 + bufferPct) / 100.
    function _gasCost(uint256 responseGas, uint256 bufferPct) private view returns (uint256) {
        return responseGas * block.basefee * (100 + bufferPct) / 100;
    }

    function _keyId(address owner, bytes32 walletTypeId, uint256 index) private pure returns (bytes32) {
        return keccak256(abi.encode(owner, walletTypeId, index));
    }

    /// @dev 0 = None, 2/3/4 = terminal markers, anything else is an open request's commitment.
    function _status(bytes32 word) private pure returns (RequestStatus) {
        if (word == 0) return RequestStatus.None;
        if (word == ANSWERED) return RequestStatus.Answered;
        if (word == REJECTED) return RequestStatus.Rejected;
        if (word == RECLAIMED) return RequestStatus.Reclaimed;
        return RequestStatus.Open;
    }

    /// @dev keccak256(abi.encode(request)) of a memory record: its 13 static members are 13 consecutive words.
    function _hash(Request memory request) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(request, REQUEST_SIZE)
        }
    }

    /// @dev keccak256(abi.encode(request)) of a calldata record: a static struct's calldata layout is its ABI
    /// encoding, so the 13 words are copied as is (dirty words cannot match a commitment of clean values).
    function _hashCalldata(Request calldata request) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, request, REQUEST_SIZE)
            h := keccak256(ptr, REQUEST_SIZE)
        }
    }

    /// @dev Reverts with an ABI-encoded error.
    function _revert(bytes memory err) private pure {
        assembly ("memory-safe") {
            revert(add(err, 0x20), mload(err))
        }
    }
}
