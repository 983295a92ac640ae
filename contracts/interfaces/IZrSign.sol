// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IZrSign — the zrSign v1 protocol (project edition)
/// @notice Users and dapps pay to request keys and signatures; the MPC network answers on-chain and the
/// contract verifies every key (it must be the derived child of the root key) and every signature (it must
/// recover to the key, low-s) it is given. Fees are escrowed per request and can always be reclaimed after
/// the request's deadline; every balance is pull-based.
/// @dev Self-contained on purpose (no imports): the Rust harness generates its bindings from this file.
/// Each open request is stored as ONE word: the keccak256 of its ABI-encoded {Request} record. The record
/// is emitted in the request event and re-supplied by every call that settles the request (responses,
/// rejections, reclaims), which the contract checks against the stored commitment.
interface IZrSign {
    // ─────────────────────────────────────────────── Types ───────────────────────────────────────────────

    /// @notice What a request asks for.
    enum RequestKind {
        Key, // a new derived key
        Hash, // a signature over a 32-byte hash, signed as is
        Data, // a signature over arbitrary data, EIP-191 digest computed on-chain
        Tx // a signature over an unsigned EVM transaction, digest = keccak256(payload)
    }

    /// @notice Where a request is in its lifecycle. `Open` includes requests past their deadline
    /// (they can no longer be answered, only reclaimed). Every terminal state is final.
    enum RequestStatus {
        None,
        Open,
        Answered,
        Rejected,
        Reclaimed
    }

    /// @notice The family of a registered chain. `None` marks an unregistered chain.
    enum ChainFamily {
        None,
        Evm,
        Bip122
    }

    /// @notice Why a `zrSignTx` payload is not a canonical unsigned transaction ({ZrSignInvalidTxPayload}).
    enum TxPayloadFault {
        UnknownType, // the first byte is neither the EIP-1559 type 0x02 nor an RLP list header
        Truncated, // an item runs past the end of its list, or a field is missing
        TrailingBytes, // bytes after the last item of a list (or after the transaction's list)
        // a header not in its shortest form: a byte < 0x80 behind 0x81, a long form for ≤ 55 bytes, a length with a
        // leading zero
        NonCanonicalHeader,
        WrongItemKind, // a list where a byte string belongs, or a byte string where a list belongs
        LeadingZero, // an integer with a leading zero byte (zero is the empty string 0x80)
        IntegerTooLong, // an integer wider than its field: 8 bytes (chain id, nonce, gas), 16 (fees), 32 (value)
        WrongLength, // `to` neither empty nor 20 bytes, an access-list address not 20 bytes, a storage key not 32
        NonEmptySignature // a legacy r or s slot that is not the empty string 0x80
    }

    /// @notice v1 key request parameters.
    /// @param owner The key's owner (the payer may differ).
    /// @param walletTypeId keccak256(abi.encode(purpose, coinType)).
    /// @param options v1 service level (1 = key, 2 = key with monitoring, any other non-zero value is accepted as in
    /// v1); the key request's service fee is `keyMpcFee × options`, as v1 charges `mpcFee × options`.
    struct ZrKeyReqParams {
        address owner;
        bytes32 walletTypeId;
        uint8 options;
    }

    /// @notice v1 sign request parameters.
    /// @param walletTypeId keccak256(abi.encode(purpose, coinType)).
    /// @param walletIndex Index of the caller's key for that wallet type.
    /// @param dstChainId keccak256(bytes(caip2)) of the destination chain.
    /// @param payload The 32-byte hash, the data, or the unsigned transaction.
    /// @param broadcast Ask the relayer to broadcast the signed transaction (zrSignTx only).
    struct ZrSignParams {
        bytes32 walletTypeId;
        uint256 walletIndex;
        bytes32 dstChainId;
        bytes payload;
        bool broadcast;
    }

    /// @notice The full record of a request. Emitted in the request event; re-supplied (unchanged) by the
    /// calls that settle it. Storage keeps only `keccak256(abi.encode(record))` while the request is open.
    /// @param kind What is requested.
    /// @param requester Who paid: refunds of the service fee and reclaims are credited to this account.
    /// @param deadline Last block number in which the request may be answered or rejected.
    /// @param keyVersion Root key version the key is (to be) derived from.
    /// @param serviceFee Escrowed MPC service fee (to the protocol on answer, back to the requester otherwise).
    /// @param gasFee Escrowed responder reimbursement (to the responder on answer or reject).
    /// @param owner The key's owner (for sign requests, the requester).
    /// @param walletTypeId The key's wallet type.
    /// @param walletIndex The key's index.
    /// @param dstChainId Destination chain (zero for key requests).
    /// @param digest The 32-byte digest the signature must be over (zero for key requests).
    /// @param signer The key's EVM address the signature must recover to (zero for key requests).
    /// @param broadcast Whether the relayer broadcasts the signed transaction.
    struct Request {
        RequestKind kind;
        address requester;
        uint64 deadline;
        uint32 keyVersion;
        uint96 serviceFee;
        uint96 gasFee;
        address owner;
        bytes32 walletTypeId;
        uint256 walletIndex;
        bytes32 dstChainId;
        bytes32 digest;
        address signer;
        bool broadcast;
    }

    /// @notice A request's on-chain state, one entry of {getRequestStates}.
    /// @param status Where the request is ({RequestStatus}; `Open` includes requests past their deadline).
    /// @param commitment keccak256(abi.encode(record)) while the request is `Open`, zero otherwise: a responder
    /// compares it with the record of the request event before answering.
    struct RequestState {
        RequestStatus status;
        bytes32 commitment;
    }

    /// @notice One item of {zrKeyResBatch}.
    struct KeyResponse {
        uint256 requestId;
        Request request;
        bytes publicKey;
    }

    /// @notice One item of {zrSignResBatch}.
    struct SignResponse {
        uint256 requestId;
        Request request;
        bytes signature;
    }

    /// @notice A wallet type's registration. `purpose` and `coinType` stay recorded after a removal (`supported` false,
    /// `mpcFee` 0) so its keys keep their address format; an id never registered reads all zero.
    /// @param mpcFee The MPC service fee of a sign request with this wallet type's keys (key requests pay
    /// {FeeConfig.keyMpcFee}, the same for every wallet type).
    struct WalletTypeInfo {
        uint32 purpose;
        uint32 coinType;
        bool supported;
        uint96 mpcFee;
    }

    /// @notice A registered chain.
    struct ChainInfo {
        string caip2;
        ChainFamily family;
        uint64 evmChainId;
    }

    /// @notice A stored, verified key.
    /// @param evmAddress The key's EVM address (zero if the key was not answered).
    /// @param keyVersion The root key version it was derived from.
    /// @param publicKey The compressed SEC1 public key (33 bytes; empty if not answered).
    struct KeyInfo {
        address evmAddress;
        uint32 keyVersion;
        bytes publicKey;
    }

    /// @notice The fee settings.
    /// @param responseGas Transaction gas of a single answer per request kind (indexed by {RequestKind}). The sign
    /// kinds share one figure: their answers are the same transaction ({zrSignRes} with a record and a 65-byte
    /// signature), and v1's kind-less sign quote {estimateFee} is then exact for every sign kind.
    /// @param gasBufferPct Percentage added on top of the response gas cost.
    /// @param requestTtl Blocks a request stays answerable.
    /// @param minGasPrice Lowest gas price (wei) the responder's part is quoted at: the quote uses
    /// `max(block.basefee, minGasPrice)`, so a chain whose base fee is 0 still pays the responder.
    /// @param keyMpcFee The MPC service fee of a key request per unit of `options`, the same for every wallet type
    /// (v1's key quote {estimateFee} names no wallet type, so it is exact for all of them).
    struct FeeConfig {
        uint32[4] responseGas;
        uint16 gasBufferPct;
        uint32 requestTtl;
        uint64 minGasPrice;
        uint96 keyMpcFee;
    }

    /// @notice v1's key registry entry ({getWalletRegistry}), tuple-compatible with v1's `SignTypes.WalletRegistry`.
    /// @param status 0 = never requested, 1 = requested and not answered (pending, rejected or reclaimed),
    /// 2 = registered (answered), as v1's `WALLET_REQUESTED` / `WALLET_REGISTERED`.
    /// @param options Always 0 here: options are not stored (they only scale the key request's fee and are emitted
    /// in {ZrKeyRequested}).
    /// @param value Always 0 here: escrow is not stored per key (it is in the request record, see {Request}).
    struct WalletRegistry {
        uint8 status;
        uint8 options;
        uint256 value;
    }

    /// @notice v1's request registry entry ({getRequestState}), tuple-compatible with v1's `SignTypes.ReqRegistry`.
    /// @param status The {RequestStatus} as a number: 0 none, 1 open (v1's `SIG_REQ_IN_PROGRESS`), 2 answered (v1's
    /// `SIG_REQ_ALREADY_PROCESSED`), 3 rejected, 4 reclaimed (states v1 does not have).
    /// @param value Always 0 here: an open request is one word, the hash of its record; its escrow is in the record
    /// ({ZrSignRequested} / {ZrKeyRequested}).
    struct ReqRegistry {
        uint8 status;
        uint256 value;
    }

    // ─────────────────────────────────────────────── Errors ──────────────────────────────────────────────

    /// @notice The wallet type is not registered.
    error ZrSignUnknownWalletType(bytes32 walletTypeId);
    /// @notice The wallet type is already registered.
    error ZrSignWalletTypeExists(bytes32 walletTypeId);
    /// @notice The chain is not registered.
    error ZrSignUnknownChain(bytes32 chainId);
    /// @notice The chain is already registered.
    error ZrSignChainExists(bytes32 chainId);
    /// @notice The chain's parameters are invalid (empty CAIP-2 id, family None, EVM chain id 0 for an EVM chain,
    /// or a non-zero EVM chain id for another family).
    error ZrSignInvalidChain(bytes32 chainId, ChainFamily family, uint64 evmChainId);
    /// @notice The chain is not allowed for the wallet type.
    error ZrSignChainNotAllowed(bytes32 walletTypeId, bytes32 chainId);
    /// @notice A hash request's payload is not exactly 32 bytes.
    error ZrSignInvalidHashLength(uint256 length);
    /// @notice `broadcast` was set on a request kind that cannot be broadcast.
    error ZrSignBroadcastNotAllowed(RequestKind kind);
    /// @notice The key request's options are 0 (v1 requires a non-zero service level).
    error ZrSignInvalidOptions(uint8 options);
    /// @notice The key owner is the zero address.
    error ZrSignZeroOwner();
    /// @notice The value sent is below the quoted fee.
    error ZrSignInsufficientFee(uint256 required, uint256 paid);
    /// @notice `owner` has no answered key at (walletTypeId, index): a sign request needs one, and {getZrKey} of an
    /// index past the highest answered one reverts with it.
    error ZrSignKeyNotFound(address owner, bytes32 walletTypeId, uint256 index);
    /// @notice No root key has been set.
    error ZrSignRootKeyNotSet();
    /// @notice The root key is invalid: x ≥ n, or the point is not on secp256k1.
    error ZrSignInvalidRootKey(bytes32 x, bytes32 y);
    /// @notice The transaction payload is not the canonical encoding of an unsigned EIP-155 legacy or EIP-1559
    /// transaction (grammar in `libraries/TxPayload.sol`).
    /// @param offset Byte offset in the payload of the offending item's header (for `TrailingBytes`, of the first
    /// byte too many; for `NonEmptySignature`, of the r or s slot).
    /// @param fault What is wrong there.
    error ZrSignInvalidTxPayload(uint256 offset, TxPayloadFault fault);
    /// @notice The transaction's chain id is not the destination chain's.
    error ZrSignTxChainIdMismatch(uint256 expected, uint256 actual);
    /// @notice Transactions can only be signed for EVM destination chains.
    error ZrSignTxUnsupportedChain(bytes32 chainId, ChainFamily family);
    /// @notice No request has this id.
    error ZrSignUnknownRequest(uint256 requestId);
    /// @notice The request is already answered, rejected or reclaimed.
    error ZrSignRequestNotOpen(uint256 requestId, RequestStatus status);
    /// @notice The re-supplied request record does not match the stored commitment.
    error ZrSignRequestMismatch(uint256 requestId);
    /// @notice The response targets a request of another kind.
    error ZrSignWrongRequestKind(uint256 requestId, RequestKind kind);
    /// @notice The request's deadline has passed: it can no longer be answered or rejected.
    error ZrSignRequestExpired(uint256 requestId, uint64 deadline);
    /// @notice The request's deadline has not passed: it cannot be reclaimed yet.
    error ZrSignRequestNotExpired(uint256 requestId, uint64 deadline);
    /// @notice The public key is not 64 bytes (uncompressed, without the 0x04 prefix).
    error ZrSignInvalidPublicKeyLength(uint256 length);
    /// @notice A compressed secp256k1 public key is not 33 bytes starting with 0x02 or 0x03.
    error ZrSignInvalidCompressedKey(bytes publicKey);
    /// @notice The public key is not the derived child of the root key.
    error ZrSignWrongDerivedKey(address expected, address actual);
    /// @notice The signature is not 65 bytes (r ‖ s ‖ v).
    error ZrSignInvalidSignatureLength(uint256 length);
    /// @notice The signature's s is in the upper half of the curve order (malleable).
    error ZrSignSignatureHighS(bytes32 s);
    /// @notice The signature does not recover to the key's address over the request's digest.
    error ZrSignWrongSigner(address expected, address recovered);
    /// @notice {zrSignResPacked}'s items are not a whole number of 279-byte items.
    error ZrSignInvalidPackedLength(uint256 length);
    /// @notice The account has nothing to withdraw.
    error ZrSignNothingToWithdraw(address account);
    /// @notice Sending ether failed.
    error ZrSignTransferFailed(address to, uint256 amount);
    /// @notice The protocol fee balance is below the amount asked for.
    error ZrSignInsufficientProtocolFees(uint256 requested, uint256 available);
    /// @notice A zero address was given where an account is required.
    error ZrSignZeroAddress();
    /// @notice The MPC service fee is above {MAX_MPC_FEE}.
    error ZrSignFeeOutOfBounds(uint256 fee, uint256 max);
    /// @notice A response gas figure is above {MAX_RESPONSE_GAS}.
    error ZrSignResponseGasOutOfBounds(uint256 gas, uint256 max);
    /// @notice The gas buffer is above {MAX_GAS_BUFFER_PCT}.
    error ZrSignGasBufferOutOfBounds(uint256 pct, uint256 max);
    /// @notice The request TTL is outside [{MIN_REQUEST_TTL}, {MAX_REQUEST_TTL}].
    error ZrSignTtlOutOfBounds(uint256 ttl, uint256 min, uint256 max);
    /// @notice The minimum gas price is above {MAX_MIN_GAS_PRICE}.
    error ZrSignMinGasPriceOutOfBounds(uint256 price, uint256 max);
    /// @notice The balance holds no ether beyond escrow, claimable balances and protocol fees: nothing to sweep.
    error ZrSignNoSurplus();

    // ─────────────────────────────────────────────── Events ──────────────────────────────────────────────

    /// @notice A key was requested. Carries everything the MPC network needs.
    event ZrKeyRequested(uint256 indexed requestId, address indexed owner, Request request, uint8 options);
    /// @notice A signature was requested. `payload` is the bytes actually signed over (for a v1 legacy
    /// transaction with chain id 0, the payload with the destination chain id written in).
    event ZrSignRequested(uint256 indexed requestId, address indexed requester, Request request, bytes payload);
    /// @notice A key was answered and stored.
    event ZrKeyResponded(
        uint256 indexed requestId,
        address indexed owner,
        bytes32 indexed walletTypeId,
        uint256 walletIndex,
        address evmAddress,
        bytes publicKey
    );
    /// @notice A signature was answered and verified.
    event ZrSignResponded(uint256 indexed requestId, address indexed signer, bytes32 digest, bytes signature);
    /// @notice The MPC network refused a request; the service fee was credited back to the requester.
    event ZrRequestRejected(uint256 indexed requestId, uint8 reasonCode);
    /// @notice An expired request's escrow was credited back to its requester.
    event ZrRequestReclaimed(uint256 indexed requestId, address indexed requester, uint256 amount);
    /// @notice A batch item was skipped; `reason` is the selector of the error a single call would revert with.
    event ZrResponseSkipped(uint256 indexed requestId, bytes4 reason);
    /// @notice An amount was credited to an account's claimable balance (excess payment).
    event ZrCredited(address indexed account, uint256 amount);
    /// @notice An account withdrew its claimable balance.
    event ZrWithdrawn(address indexed account, uint256 amount);
    /// @notice Protocol fees were paid out.
    event ZrFeesWithdrawn(address indexed to, uint256 amount);
    /// @notice A wallet type was registered.
    event ZrWalletTypeAdded(bytes32 indexed walletTypeId, uint32 purpose, uint32 coinType);
    /// @notice A wallet type was removed.
    event ZrWalletTypeRemoved(bytes32 indexed walletTypeId);
    /// @notice A chain was registered.
    event ZrChainAdded(bytes32 indexed chainId, string caip2, ChainFamily family, uint64 evmChainId);
    /// @notice A chain was removed.
    event ZrChainRemoved(bytes32 indexed chainId);
    /// @notice A wallet type may now sign for a chain.
    event ZrChainAllowed(bytes32 indexed walletTypeId, bytes32 indexed chainId);
    /// @notice A wallet type may no longer sign for a chain.
    event ZrChainDisallowed(bytes32 indexed walletTypeId, bytes32 indexed chainId);
    /// @notice A root key version was set.
    event ZrRootKeySet(uint32 indexed keyVersion, bytes32 x, bytes32 y);
    /// @notice A wallet type's MPC service fee was set.
    event ZrMpcFeeSet(bytes32 indexed walletTypeId, uint256 fee);
    /// @notice The responder gas per request kind was set.
    event ZrResponseGasSet(RequestKind indexed kind, uint32 gas);
    /// @notice The gas buffer was set.
    event ZrGasBufferSet(uint16 pct);
    /// @notice The request TTL was set.
    event ZrRequestTtlSet(uint32 blocks);
    /// @notice The minimum gas price of the responder's part was set.
    event ZrMinGasPriceSet(uint64 price);
    /// @notice The key request MPC service fee (per unit of options, every wallet type) was set.
    event ZrKeyMpcFeeSet(uint256 fee);
    /// @notice Ether beyond everything accounted for (force-sent) was swept to `to`.
    event ZrSurplusSwept(address indexed to, uint256 amount);

    // ─────────────────────────────────────────────── Requests ────────────────────────────────────────────

    /// @notice Requests a new key for `params.owner` at its next index for the wallet type. The service fee is
    /// `keyMpcFee × options` whatever the wallet type, so v1's {estimateFee}`(options, value)` quote is exact.
    /// @dev Reverts with {ZrSignInvalidOptions} (options 0), {ZrSignZeroOwner}, {ZrSignUnknownWalletType},
    /// {ZrSignRootKeyNotSet} or {ZrSignInsufficientFee}. Any excess over {keyFee} is credited to the caller.
    /// @return requestId The new request's id.
    function zrKeyReq(ZrKeyReqParams calldata params) external payable returns (uint256 requestId);

    /// @notice Requests a signature over `params.payload`, a 32-byte hash signed as is.
    /// @return requestId The new request's id.
    function zrSignHash(ZrSignParams calldata params) external payable returns (uint256 requestId);

    /// @notice Requests a signature over arbitrary data; the digest is its EIP-191 `personal_sign` digest.
    /// @return requestId The new request's id.
    function zrSignData(ZrSignParams calldata params) external payable returns (uint256 requestId);

    /// @notice Requests a signature over an unsigned EVM transaction (EIP-155 legacy or EIP-1559) for the
    /// destination chain. A legacy payload with chain id 0 (v1) is bound to the destination chain's id.
    /// @return requestId The new request's id.
    function zrSignTx(ZrSignParams calldata params) external payable returns (uint256 requestId);

    // ─────────────────────────────────────────────── Responses (MPC_ROLE) ────────────────────────────────

    /// @notice Answers a key request with the child's uncompressed public key (64 bytes, x ‖ y). Reverts with
    /// {ZrSignUnknownWalletType} if the wallet type was removed since the request (such a request can be reclaimed
    /// at once).
    function zrKeyRes(uint256 requestId, Request calldata request, bytes calldata publicKey) external;

    /// @notice Answers many key requests; a bad item is skipped with {ZrResponseSkipped}.
    /// @return answered How many items were accepted.
    function zrKeyResBatch(KeyResponse[] calldata responses) external returns (uint256 answered);

    /// @notice Answers a sign request with a 65-byte signature (r ‖ s ‖ v, v ∈ {27, 28}). Reverts with the error a new
    /// request would ({ZrSignUnknownWalletType}, {ZrSignUnknownChain} or {ZrSignChainNotAllowed}) if the wallet type
    /// or chain was removed or the pairing disallowed since the request (such a request can be reclaimed at once).
    function zrSignRes(uint256 requestId, Request calldata request, bytes calldata signature) external;

    /// @notice Answers many sign requests; a bad item is skipped with {ZrResponseSkipped}.
    /// @return answered How many items were accepted.
    function zrSignResBatch(SignResponse[] calldata responses) external returns (uint256 answered);

    /// @notice Answers many sign requests from packed items, the cheapest form of {zrSignResBatch} (same checks, same
    /// events, a bad item skipped with {ZrResponseSkipped}): ~280 bytes of calldata an item instead of ~640, each
    /// record re-supplied without ABI padding. The record's `owner` is not sent: every sign request's owner is its
    /// requester, and the rebuilt record must still hash to the stored commitment.
    /// @dev `items` is the concatenation of 279-byte items, each (big-endian, no padding):
    /// `requestId` uint64 (8) ‖ `kind` uint8 (1) ‖ `requester` (20) ‖ `deadline` uint64 (8) ‖ `keyVersion` uint32 (4)
    /// ‖ `serviceFee` uint96 (12) ‖ `gasFee` uint96 (12) ‖ `walletTypeId` (32) ‖ `walletIndex` (32) ‖ `dstChainId`
    /// (32) ‖ `digest` (32) ‖ `signer` (20) ‖ `broadcast` uint8 (1) ‖ signature r ‖ s ‖ v (65).
    /// Reverts with {ZrSignInvalidPackedLength} if `items.length` is not a multiple of 279.
    /// @param items The packed items.
    /// @return answered How many items were accepted.
    function zrSignResPacked(bytes calldata items) external returns (uint256 answered);

    /// @notice Refuses an open request: the service fee is credited to the requester, the gas part to the caller.
    /// Also allowed for a request whose wallet type or pairing was removed (settling it refunds the service fee).
    function zrReject(uint256 requestId, Request calldata request, uint8 reasonCode) external;

    // ─────────────────────────────────────────────── Money ───────────────────────────────────────────────

    /// @notice Credits an unanswered request's full escrow back to its requester once its deadline has passed, or at
    /// once if it can no longer be answered (its wallet type was removed, or, for a sign request, its (wallet type,
    /// chain) pairing is no longer allowed). Anyone may call; works while paused.
    function reclaim(uint256 requestId, Request calldata request) external;

    /// @notice Pays out the caller's whole claimable balance. Works while paused.
    function withdraw() external;

    /// @notice Pays `account`'s whole claimable balance to `account` (never to the caller). Anyone may call, so a
    /// contract that has no call to {withdraw} (a v1 dapp) still receives its refunds. Works while paused.
    /// @dev Reverts with {ZrSignNothingToWithdraw} if the balance is 0, and with {ZrSignTransferFailed} if `account`
    /// refuses the ether: the whole call reverts, so the balance stays credited. Reentrancy-guarded.
    function withdrawFor(address account) external;

    /// @notice Pays `amount` of the protocol fee balance to `to` (FEE_ROLE).
    function withdrawFees(address to, uint256 amount) external;

    /// @notice Pays the ether the proxy holds beyond everything accounted for — exactly
    /// `balance − (totalEscrow + totalClaimable + protocolFees)`, i.e. force-sent ether — to `to` (FEE_ROLE). No
    /// escrowed, claimable or fee ether can move this way.
    /// @dev Reverts with {ZrSignZeroAddress}, {ZrSignNoSurplus} or {ZrSignTransferFailed}. Reentrancy-guarded.
    function sweepSurplus(address to) external;

    // ─────────────────────────────────────────────── Admin ───────────────────────────────────────────────

    /// @notice Sets a new root key version from its uncompressed public key (64 bytes); returns the version.
    function setRootKey(bytes calldata publicKey) external returns (uint32 keyVersion);

    /// @notice Registers a wallet type (purpose, coinType) with its MPC service fee.
    function addWalletType(uint32 purpose, uint32 coinType, uint96 mpcFee) external returns (bytes32 walletTypeId);

    /// @notice Removes a wallet type. Existing keys stay readable; new requests for it revert, and its open requests
    /// can no longer be answered (they can be reclaimed at once).
    function removeWalletType(bytes32 walletTypeId) external;

    /// @notice Registers a chain by its CAIP-2 id.
    function addChain(string calldata caip2, ChainFamily family, uint64 evmChainId) external returns (bytes32 chainId);

    /// @notice Removes a chain. Open sign requests for it can no longer be answered (they can be reclaimed at once).
    function removeChain(bytes32 chainId) external;

    /// @notice Lets a wallet type sign for a chain.
    function allowChain(bytes32 walletTypeId, bytes32 chainId) external;

    /// @notice Stops a wallet type signing for a chain, its open sign requests included (reclaimable at once).
    function disallowChain(bytes32 walletTypeId, bytes32 chainId) external;

    /// @notice Sets a wallet type's MPC service fee (≤ {MAX_MPC_FEE}).
    function setMpcFee(bytes32 walletTypeId, uint96 fee) external;

    /// @notice Sets the responder gas of a request kind (≤ {MAX_RESPONSE_GAS}). Any sign kind (Hash, Data, Tx) sets the
    /// one figure the sign kinds share (see {FeeConfig.responseGas}) and emits {ZrResponseGasSet} for each of them.
    function setResponseGas(RequestKind kind, uint32 gas) external;

    /// @notice Sets the gas buffer percentage (≤ {MAX_GAS_BUFFER_PCT}).
    function setGasBuffer(uint16 pct) external;

    /// @notice Sets the request TTL in blocks (within [{MIN_REQUEST_TTL}, {MAX_REQUEST_TTL}]).
    function setRequestTtl(uint32 blocks) external;

    /// @notice Sets the minimum gas price (wei, ≤ {MAX_MIN_GAS_PRICE}) the responder's part is quoted at.
    function setMinGasPrice(uint64 price) external;

    /// @notice Sets the key request MPC service fee per unit of options, for every wallet type (≤ {MAX_MPC_FEE}).
    function setKeyMpcFee(uint96 fee) external;

    /// @notice Pauses requests and responses (PAUSER_ROLE).
    function pause() external;

    /// @notice Unpauses (PAUSER_ROLE).
    function unpause() external;

    // ─────────────────────────────────────────────── Views ───────────────────────────────────────────────

    /// @notice The fee a key request must pay now: keyMpcFee × options + responseGas[Key] × gasPrice × (100 + buffer)
    /// / 100, with gasPrice = max(block.basefee, minGasPrice). The same for every registered wallet type.
    function keyFee(bytes32 walletTypeId, uint8 options) external view returns (uint256);

    /// @notice The fee a sign request of `kind` must pay now: the wallet type's mpcFee + responseGas[kind] × gasPrice ×
    /// (100 + buffer) / 100, with gasPrice = max(block.basefee, minGasPrice).
    function signFee(bytes32 walletTypeId, RequestKind kind) external view returns (uint256);

    /// @notice The EVM address of the child key at (owner, walletTypeId, index) of the current root, computed on-chain.
    function derivedAddress(address owner, bytes32 walletTypeId, uint256 index) external view returns (address);

    /// @notice The stored key at (owner, walletTypeId, index); empty if not answered.
    function keyOf(address owner, bytes32 walletTypeId, uint256 index) external view returns (KeyInfo memory);

    /// @notice All keys of an owner for a wallet type, index order (unanswered ones empty).
    function keysOf(address owner, bytes32 walletTypeId) external view returns (KeyInfo[] memory);

    /// @notice How many keys of the wallet type were requested for the owner (the next index).
    function keyCount(address owner, bytes32 walletTypeId) external view returns (uint256);

    /// @notice The root key (x, y) of a version.
    function rootKey(uint32 keyVersion) external view returns (bytes32 x, bytes32 y);

    /// @notice The current root key version (0 = none set).
    function currentKeyVersion() external view returns (uint32);

    /// @notice A request's status.
    function requestStatus(uint256 requestId) external view returns (RequestStatus);

    /// @notice The stored commitment of an open request (zero otherwise).
    function requestCommitment(uint256 requestId) external view returns (bytes32);

    /// @notice The state of many requests in one call, entry i for `requestIds[i]`: what {requestStatus} and
    /// {requestCommitment} return for that id (unknown ids read `None` with a zero commitment, repeated ids repeat
    /// their entry). For responders deciding which requests to answer: one call instead of two per request.
    /// @dev The deadline is not stored on-chain (it is in the committed record, bound by the commitment): check it
    /// against the event's record. Costs one storage read per id plus one; keep batches within the node's call gas.
    /// @param requestIds The ids to read, in any order.
    /// @return states One entry per id, in the order given.
    function getRequestStates(uint256[] calldata requestIds) external view returns (RequestState[] memory states);

    /// @notice The id the next request will get.
    function nextRequestId() external view returns (uint256);

    /// @notice An account's claimable balance.
    function claimable(address account) external view returns (uint256);

    /// @notice The protocol fee balance.
    function protocolFees() external view returns (uint256);

    /// @notice Σ escrow of open requests (service + gas parts).
    function totalEscrow() external view returns (uint256);

    /// @notice Σ claimable balances.
    function totalClaimable() external view returns (uint256);

    /// @notice The fee settings.
    function feeConfig() external view returns (FeeConfig memory);

    /// @notice A wallet type's registration.
    function walletType(bytes32 walletTypeId) external view returns (WalletTypeInfo memory);

    /// @notice A chain's registration.
    function chain(bytes32 chainId) external view returns (ChainInfo memory);

    // ─────────────────────────────────────────────── v1 compatibility (spec §10) ─────────────────────────

    /// @notice v1 sign fee quote: `mpc` = the wallet type's MPC fee, `netResp` = the sign kinds' shared gas part;
    /// `total` = `mpc` + `netResp` is exactly what {zrSignHash}, {zrSignData} and {zrSignTx} charge now (nothing is
    /// credited back). `owner` and `walletIndex` are not checked (the request checks the key); `value` is accepted
    /// for v1 compatibility and not added (v1 adds an excess to `netResp`; here an excess is credited back).
    function estimateFee(bytes32 walletTypeId, address owner, uint256 walletIndex, uint256 value)
        external
        view
        returns (uint256 mpc, uint256 netResp, uint256 total);

    /// @notice v1 key fee quote: `mpc` = keyMpcFee × options, `netResp` = the key response's gas part; `total` is
    /// exactly what {zrKeyReq} charges for any wallet type (v1's quote names none). Reverts with
    /// {ZrSignInvalidOptions} for options 0, as v1 does; `value` is ignored (see the other overload).
    function estimateFee(uint8 options, uint256 value)
        external
        view
        returns (uint256 mpc, uint256 netResp, uint256 total);

    /// @notice v1: the keys of an owner as address strings, position i = wallet index i, up to the highest answered
    /// index (so `length` grows when a key is answered, as in v1); an index below it that is not answered (pending,
    /// rejected or reclaimed while a later one was answered) is "". Bitcoin wallet types (coin type 0 mainnet, 1
    /// testnet, whatever the purpose — v1's own is (44, 1)) list the key's P2WPKH bech32 address (`bc1…`/`tb1…`),
    /// every other wallet type its EIP-55 EVM address.
    function getZrKeys(bytes32 walletTypeId, address owner) external view returns (string[] memory);

    /// @notice v1: the key at `index` as an address string in {getZrKeys}'s format ("" for an unanswered index below
    /// the highest answered one). Reverts with {ZrSignKeyNotFound} for an index past the highest answered one, as v1
    /// reverts past the end of its list.
    function getZrKey(bytes32 walletTypeId, address owner, uint256 index) external view returns (string memory);

    /// @notice v1: whether a wallet type is registered.
    function isWalletTypeSupported(bytes32 walletTypeId) external view returns (bool);

    /// @notice v1: whether a chain is registered and allowed for the wallet type.
    function isChainIdSupported(bytes32 walletTypeId, bytes32 chainId) external view returns (bool);

    /// @notice v1: the last request id assigned (0 if none), key requests included.
    /// @dev Differs from v1, whose trace ids count sign requests only, start at 0 and whose `getTraceId` is the id the
    /// next sign request will get. Here ids start at 1 (0 = none) and every request function returns its id: use the
    /// return value, or the indexed `requestId` of its event, rather than reading this before the call.
    function getTraceId() external view returns (uint256);

    /// @notice v1: the MPC service fee per unit of options, which v1 used for every request: here the key request's
    /// {FeeConfig.keyMpcFee} (a sign request's fee is its wallet type's, {walletType}).
    function getMPCFee() external view returns (uint256);

    /// @notice v1: the response gas, one figure for every response in v1: here the largest of {FeeConfig.responseGas}
    /// (the key response's with the defaults), so a fee computed from it the v1 way covers any request's gas part.
    function getRespGas() external view returns (uint256);

    /// @notice v1: the gas-price percentage the responder's part is quoted at (v1: `respGas × basefee × buffer /
    /// 100`, 100 = no buffer): here 100 + {FeeConfig.gasBufferPct}.
    function getRespGasPriceBuffer() external view returns (uint256);

    /// @notice v1: the registry entry of the key (owner, walletTypeId, walletIndex); see {WalletRegistry}.
    function getWalletRegistry(bytes32 walletTypeId, uint256 walletIndex, address owner)
        external
        view
        returns (WalletRegistry memory);

    /// @notice v1: the registry entry of request `traceId` (this deployment's request id); see {ReqRegistry}.
    function getRequestState(uint256 traceId) external view returns (ReqRegistry memory);

    /// @notice v1: a wallet type's (purpose, coinType), both 0 if it is not supported (v1 deletes it on removal).
    function getWalletTypeInfo(bytes32 walletTypeId) external view returns (uint256 purpose, uint256 coinType);

    /// @notice The implementation version (v1 shape).
    function version() external view returns (uint256);
}
