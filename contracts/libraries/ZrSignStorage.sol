// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IZrSign} from "../interfaces/IZrSign.sol";

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
    IZrSign.ChainFamily family;
    uint64 evmChainId;
    string caip2;
}

/// @dev A (wallet type, chain) pairing, carrying the chain's family and EVM id so a sign request needs one
/// read for both the allow check and the transaction chain-id check. Cleared when either side is removed.
struct Pairing {
    bool allowed;
    IZrSign.ChainFamily family;
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
}

/// @title ZrSignStorageLib — the ERC-7201 namespace of ZrSign, its bounds, and the helpers its users share
/// @notice Internal functions only: they are inlined into ZrSign and into each logic library (nothing to link).
library ZrSignStorageLib {
    /// @dev The ERC-7201 slot of {ZrSignStorage}:
    /// keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSign")) - 1)) & ~bytes32(uint256(0xff)).
    bytes32 internal constant SLOT = 0xb3606034f959cf38738298789031534805168e9ff25bcce7a04c63c6a79ba000;

    /// @dev The EVM wallet type (44, 60) = keccak256(abi.encode(uint256(44), uint256(60))), v1's key fee quote.
    bytes32 internal constant EVM_WALLET_TYPE = 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a;

    /// @dev Terminal markers stored in place of a settled request's commitment.
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

    /// @notice The namespace's storage pointer.
    function layout() internal pure returns (ZrSignStorage storage $) {
        assembly {
            $.slot := SLOT
        }
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

    /// @notice The responder gas configured for a request kind.
    function responseGas(Config memory cfg, IZrSign.RequestKind kind) internal pure returns (uint256) {
        if (kind == IZrSign.RequestKind.Key) return cfg.keyGas;
        if (kind == IZrSign.RequestKind.Hash) return cfg.hashGas;
        if (kind == IZrSign.RequestKind.Data) return cfg.dataGas;
        return cfg.txGas;
    }

    /// @notice responseGas × basefee × (100 + bufferPct) / 100.
    function gasCost(uint256 gas, uint256 bufferPct) internal view returns (uint256) {
        return gas * block.basefee * (100 + bufferPct) / 100;
    }

    /// @notice The storage key of the key at (owner, walletTypeId, index).
    function keyId(address owner, bytes32 walletTypeId, uint256 index) internal pure returns (bytes32) {
        return keccak256(abi.encode(owner, walletTypeId, index));
    }

    /// @notice The status of a commitment word: 0 = None, 2/3/4 = terminal markers, anything else an open request's
    /// commitment.
    function status(bytes32 word) internal pure returns (IZrSign.RequestStatus) {
        if (word == 0) return IZrSign.RequestStatus.None;
        if (word == ANSWERED) return IZrSign.RequestStatus.Answered;
        if (word == REJECTED) return IZrSign.RequestStatus.Rejected;
        if (word == RECLAIMED) return IZrSign.RequestStatus.Reclaimed;
        return IZrSign.RequestStatus.Open;
    }
}
