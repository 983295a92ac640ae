// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IZrSign} from "../interfaces/IZrSign.sol";
import {KeyDerivation} from "./KeyDerivation.sol";
import {Config, Chain, RootKey, StoredKey, ZrSignStorage, ZrSignStorageLib} from "./ZrSignStorage.sol";

/// @title ZrSignViewLogic — the bodies of ZrSign's cold views (fee quotes, key listings, v1 string views)
/// @notice An external library reached by DELEGATECALL: it reads the proxy's storage and must be linked into
/// ZrSign's bytecode. Each function has the selector and ABI of the {IZrSign} view it implements: ZrSign forwards
/// its calldata unchanged and returns the result as is. Every function here is a view (ZrSign relies on it when it
/// forwards from its own views). Errors are {IZrSign}'s.
/// @dev Every function reads the one ERC-7201 namespace through {ZrSignStorageLib.layout}.
library ZrSignViewLogic {
    using ZrSignStorageLib for ZrSignStorage;

    /// @notice The fee a key request must pay now: mpcFee × options + keyGas × basefee × (100 + buffer) / 100.
    /// @dev Reverts with {IZrSign.ZrSignInvalidOptions} or {IZrSign.ZrSignUnknownWalletType}.
    function keyFee(bytes32 walletTypeId, uint8 options) public view returns (uint256) {
        if (options != 1 && options != 2) revert IZrSign.ZrSignInvalidOptions(options);
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        IZrSign.WalletTypeInfo memory wt = $.supportedWalletType(walletTypeId);
        Config memory cfg = $.config;
        return uint256(wt.mpcFee) * options + ZrSignStorageLib.gasCost(cfg.keyGas, cfg.gasBufferPct);
    }

    /// @notice The fee a sign request of `kind` must pay now: mpcFee + responseGas[kind] × basefee ×
    /// (100 + buffer) / 100.
    /// @dev Reverts with {IZrSign.ZrSignUnknownWalletType}. `kind` is the {IZrSign.RequestKind} as its ABI type
    /// (uint8), so the selector is {IZrSign.signFee}'s; ZrSign's ABI decoder has already checked its range.
    function signFee(bytes32 walletTypeId, uint8 kind) external view returns (uint256) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        IZrSign.WalletTypeInfo memory wt = $.supportedWalletType(walletTypeId);
        Config memory cfg = $.config;
        uint256 gas = ZrSignStorageLib.responseGas(cfg, IZrSign.RequestKind(kind));
        return uint256(wt.mpcFee) + ZrSignStorageLib.gasCost(gas, cfg.gasBufferPct);
    }

    /// @notice v1 sign fee quote: the MPC fee plus the gas part of the most expensive sign kind. The owner, index
    /// and value are accepted for v1 compatibility and ignored.
    /// @dev Reverts with {IZrSign.ZrSignUnknownWalletType}.
    function estimateFee(bytes32 walletTypeId, address, uint256, uint256)
        external
        view
        returns (uint256 mpc, uint256 netResp, uint256 total)
    {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        mpc = $.supportedWalletType(walletTypeId).mpcFee;
        Config memory cfg = $.config;
        uint256 gas = cfg.hashGas;
        if (cfg.dataGas > gas) gas = cfg.dataGas;
        if (cfg.txGas > gas) gas = cfg.txGas;
        netResp = ZrSignStorageLib.gasCost(gas, cfg.gasBufferPct);
        total = mpc + netResp;
    }

    /// @notice v1 key fee quote for the EVM wallet type (44, 60); the value is ignored.
    /// @dev Reverts like {keyFee}.
    function estimateFee(uint8 options, uint256) external view returns (uint256 mpc, uint256 netResp, uint256 total) {
        total = keyFee(ZrSignStorageLib.EVM_WALLET_TYPE, options);
        mpc = uint256(ZrSignStorageLib.layout().walletTypes[ZrSignStorageLib.EVM_WALLET_TYPE].mpcFee) * options;
        netResp = total - mpc;
    }

    /// @notice The EVM address of the child key at (owner, walletTypeId, index) of the current root.
    /// @dev Reverts with {IZrSign.ZrSignRootKeyNotSet}. `address(this)` is the proxy (DELEGATECALL context).
    function derivedAddress(address owner, bytes32 walletTypeId, uint256 index) external view returns (address) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        uint32 keyVersion = $.totals.currentKeyVersion;
        if (keyVersion == 0) revert IZrSign.ZrSignRootKeyNotSet();
        RootKey storage root = $.rootKeys[keyVersion];
        return KeyDerivation.childAddress(
            uint256(root.x),
            uint256(root.y),
            KeyDerivation.tweak(block.chainid, address(this), owner, walletTypeId, index)
        );
    }

    /// @notice The stored key at (owner, walletTypeId, index), its public key compressed; empty if not answered.
    function keyOf(address owner, bytes32 walletTypeId, uint256 index)
        public
        view
        returns (IZrSign.KeyInfo memory info)
    {
        StoredKey storage key = ZrSignStorageLib.layout().keys[ZrSignStorageLib.keyId(owner, walletTypeId, index)];
        info.evmAddress = key.evmAddress;
        if (info.evmAddress == address(0)) return info;
        info.keyVersion = key.keyVersion;
        info.publicKey = abi.encodePacked(bytes1(0x02 + key.yParity), key.x);
    }

    /// @notice All keys of an owner for a wallet type, in index order (unanswered ones empty).
    function keysOf(address owner, bytes32 walletTypeId) external view returns (IZrSign.KeyInfo[] memory keys) {
        keys = new IZrSign.KeyInfo[](ZrSignStorageLib.layout().keyCount[owner][walletTypeId]);
        for (uint256 i; i < keys.length; ++i) {
            keys[i] = keyOf(owner, walletTypeId, i);
        }
    }

    /// @notice A request's status.
    function requestStatus(uint256 requestId) external view returns (IZrSign.RequestStatus) {
        return ZrSignStorageLib.status(ZrSignStorageLib.layout().commitments[requestId]);
    }

    /// @notice The stored commitment of an open request (zero otherwise).
    function requestCommitment(uint256 requestId) external view returns (bytes32 commitment) {
        commitment = ZrSignStorageLib.layout().commitments[requestId];
        if (ZrSignStorageLib.status(commitment) != IZrSign.RequestStatus.Open) commitment = 0;
    }

    /// @notice The root key (x, y) of a version (zero if unset).
    function rootKey(uint32 keyVersion) external view returns (bytes32 x, bytes32 y) {
        RootKey storage root = ZrSignStorageLib.layout().rootKeys[keyVersion];
        return (root.x, root.y);
    }

    /// @notice A wallet type's registration (empty if unknown).
    function walletType(bytes32 walletTypeId) external view returns (IZrSign.WalletTypeInfo memory) {
        return ZrSignStorageLib.layout().walletTypes[walletTypeId];
    }

    /// @notice v1: whether the wallet type is registered and the chain allowed for it.
    function isChainIdSupported(bytes32 walletTypeId, bytes32 chainId) external view returns (bool) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        return $.walletTypes[walletTypeId].supported && $.pairings[walletTypeId][chainId].allowed;
    }

    /// @notice The fee settings, response gas indexed by {IZrSign.RequestKind}.
    function feeConfig() external view returns (IZrSign.FeeConfig memory config) {
        Config memory cfg = ZrSignStorageLib.layout().config;
        config.responseGas = [cfg.keyGas, cfg.hashGas, cfg.dataGas, cfg.txGas];
        config.gasBufferPct = cfg.gasBufferPct;
        config.requestTtl = cfg.requestTtl;
    }

    /// @notice A chain's registration (empty if unknown).
    function chain(bytes32 chainId) external view returns (IZrSign.ChainInfo memory) {
        Chain storage c = ZrSignStorageLib.layout().chains[chainId];
        return IZrSign.ChainInfo(c.caip2, c.family, c.evmChainId);
    }

    /// @notice v1: the keys of an owner as EIP-55 address strings, one entry per requested index (position i is
    /// wallet index i, as in v1); an index not answered (pending, rejected or reclaimed) is an empty string.
    function getZrKeys(bytes32 walletTypeId, address owner) external view returns (string[] memory addresses) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        uint256 count = $.keyCount[owner][walletTypeId];
        addresses = new string[](count);
        for (uint256 i; i < count; ++i) {
            address evmAddress = $.keys[ZrSignStorageLib.keyId(owner, walletTypeId, i)].evmAddress;
            if (evmAddress != address(0)) addresses[i] = Strings.toChecksumHexString(evmAddress);
        }
    }

    /// @notice v1: the key at `index` as an EIP-55 address string; empty if not answered.
    function getZrKey(bytes32 walletTypeId, address owner, uint256 index) external view returns (string memory) {
        address evmAddress =
            ZrSignStorageLib.layout().keys[ZrSignStorageLib.keyId(owner, walletTypeId, index)].evmAddress;
        return evmAddress == address(0) ? "" : Strings.toChecksumHexString(evmAddress);
    }
}
