// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IZrSign} from "../interfaces/IZrSign.sol";
import {KeyDerivation} from "./KeyDerivation.sol";
import {Config, Chain, Pairing, RootKey, ZrSignStorage, ZrSignStorageLib} from "./ZrSignStorage.sol";

/// @title ZrSignAdminLogic — the bodies of ZrSign's admin functions (root key, registry, fee settings)
/// @notice An external library reached by DELEGATECALL: it runs in the proxy's context (its storage, its address in
/// events) and must be linked into ZrSign's bytecode. Each external function has the selector and ABI of the
/// {IZrSign} function it implements: ZrSign checks the caller's role, then forwards its calldata unchanged. Access
/// control stays in ZrSign: nothing here checks the caller. Events and errors are {IZrSign}'s.
/// @dev Every function reads and writes the one ERC-7201 namespace through {ZrSignStorageLib.layout}.
library ZrSignAdminLogic {
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using ZrSignStorageLib for ZrSignStorage;

    /// @notice Sets the default fee settings of a new deployment and starts request ids at 1.
    /// @dev Responder gas: key 150,000, others 60,000; buffer 10 %; TTL 7,200 blocks. Emits the setters' events.
    function initializeDefaults() external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        $.config.nextRequestId = 1;
        _setResponseGas($, IZrSign.RequestKind.Key, 150_000);
        _setResponseGas($, IZrSign.RequestKind.Hash, 60_000);
        _setResponseGas($, IZrSign.RequestKind.Data, 60_000);
        _setResponseGas($, IZrSign.RequestKind.Tx, 60_000);
        _setGasBuffer($, 10);
        _setRequestTtl($, 7200);
    }

    /// @notice Adds a root key version (the new current one) from a 64-byte uncompressed key x ‖ y.
    /// @dev Reverts with {IZrSign.ZrSignInvalidPublicKeyLength} or {IZrSign.ZrSignInvalidRootKey}.
    function setRootKey(bytes calldata publicKey) external returns (uint32 keyVersion) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if (publicKey.length != 64) revert IZrSign.ZrSignInvalidPublicKeyLength(publicKey.length);
        bytes32 x = bytes32(publicKey[0:32]);
        bytes32 y = bytes32(publicKey[32:64]);
        if (!KeyDerivation.isValidRoot(uint256(x), uint256(y))) revert IZrSign.ZrSignInvalidRootKey(x, y);
        keyVersion = $.totals.currentKeyVersion + 1;
        $.rootKeys[keyVersion] = RootKey(x, y);
        $.totals.currentKeyVersion = keyVersion;
        emit IZrSign.ZrRootKeySet(keyVersion, x, y);
    }

    /// @notice Registers the wallet type (purpose, coinType) with its MPC service fee.
    /// @dev Reverts with {IZrSign.ZrSignFeeOutOfBounds} or {IZrSign.ZrSignWalletTypeExists}.
    function addWalletType(uint32 purpose, uint32 coinType, uint96 mpcFee) external returns (bytes32 walletTypeId) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if (mpcFee > ZrSignStorageLib.MAX_MPC_FEE) {
            revert IZrSign.ZrSignFeeOutOfBounds(mpcFee, ZrSignStorageLib.MAX_MPC_FEE);
        }
        walletTypeId = keccak256(abi.encode(uint256(purpose), uint256(coinType)));
        if ($.walletTypes[walletTypeId].supported) revert IZrSign.ZrSignWalletTypeExists(walletTypeId);
        $.walletTypes[walletTypeId] = IZrSign.WalletTypeInfo(purpose, coinType, true, mpcFee);
        emit IZrSign.ZrWalletTypeAdded(walletTypeId, purpose, coinType);
        emit IZrSign.ZrMpcFeeSet(walletTypeId, mpcFee);
    }

    /// @notice Removes a wallet type and clears its chain pairings (re-adding it starts with none).
    /// @dev Reverts with {IZrSign.ZrSignUnknownWalletType}; emits {IZrSign.ZrChainDisallowed} per pairing.
    function removeWalletType(bytes32 walletTypeId) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        $.supportedWalletType(walletTypeId);
        EnumerableSet.Bytes32Set storage chainIds = $.chainsOf[walletTypeId];
        for (uint256 i = chainIds.length(); i != 0; --i) {
            _disallow($, walletTypeId, chainIds.at(i - 1));
        }
        delete $.walletTypes[walletTypeId];
        emit IZrSign.ZrWalletTypeRemoved(walletTypeId);
    }

    /// @notice Registers a chain under keccak256(bytes(caip2)).
    /// @dev Reverts with {IZrSign.ZrSignInvalidChain} or {IZrSign.ZrSignChainExists}. `familyCode` is the
    /// {IZrSign.ChainFamily} as its ABI type (uint8), so the selector is {IZrSign.addChain}'s; ZrSign's ABI decoder
    /// has already checked it is in range.
    function addChain(string calldata caip2, uint8 familyCode, uint64 evmChainId) external returns (bytes32 chainId) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        IZrSign.ChainFamily family = IZrSign.ChainFamily(familyCode);
        chainId = keccak256(bytes(caip2));
        if (
            bytes(caip2).length == 0 || family == IZrSign.ChainFamily.None
                || (family == IZrSign.ChainFamily.Evm) != (evmChainId != 0)
        ) {
            revert IZrSign.ZrSignInvalidChain(chainId, family, evmChainId);
        }
        if ($.chains[chainId].family != IZrSign.ChainFamily.None) revert IZrSign.ZrSignChainExists(chainId);
        $.chains[chainId] = Chain(family, evmChainId, caip2);
        emit IZrSign.ZrChainAdded(chainId, caip2, family, evmChainId);
    }

    /// @notice Removes a chain and clears its pairings.
    /// @dev Reverts with {IZrSign.ZrSignUnknownChain}; emits {IZrSign.ZrChainDisallowed} per pairing.
    function removeChain(bytes32 chainId) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if ($.chains[chainId].family == IZrSign.ChainFamily.None) revert IZrSign.ZrSignUnknownChain(chainId);
        EnumerableSet.Bytes32Set storage walletTypeIds = $.walletTypesOf[chainId];
        for (uint256 i = walletTypeIds.length(); i != 0; --i) {
            _disallow($, walletTypeIds.at(i - 1), chainId);
        }
        delete $.chains[chainId];
        emit IZrSign.ZrChainRemoved(chainId);
    }

    /// @notice Lets a wallet type sign for a chain.
    /// @dev Idempotent: allowing an allowed pairing changes nothing and emits nothing. Reverts with
    /// {IZrSign.ZrSignUnknownWalletType} or {IZrSign.ZrSignUnknownChain}.
    function allowChain(bytes32 walletTypeId, bytes32 chainId) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        $.supportedWalletType(walletTypeId);
        Chain storage c = $.chains[chainId];
        if (c.family == IZrSign.ChainFamily.None) revert IZrSign.ZrSignUnknownChain(chainId);
        if (!$.chainsOf[walletTypeId].add(chainId)) return;
        $.walletTypesOf[chainId].add(walletTypeId);
        $.pairings[walletTypeId][chainId] = Pairing(true, c.family, c.evmChainId);
        emit IZrSign.ZrChainAllowed(walletTypeId, chainId);
    }

    /// @notice Stops a wallet type signing for a chain.
    /// @dev Reverts with {IZrSign.ZrSignChainNotAllowed} if the pairing is not allowed.
    function disallowChain(bytes32 walletTypeId, bytes32 chainId) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if (!$.pairings[walletTypeId][chainId].allowed) revert IZrSign.ZrSignChainNotAllowed(walletTypeId, chainId);
        _disallow($, walletTypeId, chainId);
    }

    /// @notice Sets a registered wallet type's MPC service fee.
    /// @dev Reverts with {IZrSign.ZrSignFeeOutOfBounds} or {IZrSign.ZrSignUnknownWalletType}.
    function setMpcFee(bytes32 walletTypeId, uint96 fee) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if (fee > ZrSignStorageLib.MAX_MPC_FEE) revert IZrSign.ZrSignFeeOutOfBounds(fee, ZrSignStorageLib.MAX_MPC_FEE);
        $.supportedWalletType(walletTypeId);
        $.walletTypes[walletTypeId].mpcFee = fee;
        emit IZrSign.ZrMpcFeeSet(walletTypeId, fee);
    }

    /// @notice Sets the responder gas of a request kind.
    /// @dev Reverts with {IZrSign.ZrSignResponseGasOutOfBounds}. `kind` is the {IZrSign.RequestKind} as its ABI type
    /// (uint8), so the selector is {IZrSign.setResponseGas}'s; ZrSign's ABI decoder has already checked its range.
    function setResponseGas(uint8 kind, uint32 gas) external {
        _setResponseGas(ZrSignStorageLib.layout(), IZrSign.RequestKind(kind), gas);
    }

    /// @notice Sets the gas buffer percentage.
    /// @dev Reverts with {IZrSign.ZrSignGasBufferOutOfBounds}.
    function setGasBuffer(uint16 pct) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        _setGasBuffer($, pct);
    }

    /// @notice Sets the request TTL, in blocks.
    /// @dev Reverts with {IZrSign.ZrSignTtlOutOfBounds}.
    function setRequestTtl(uint32 blocks) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        _setRequestTtl($, blocks);
    }

    /// @dev Clears an allowed pairing from both sides.
    function _disallow(ZrSignStorage storage $, bytes32 walletTypeId, bytes32 chainId) private {
        $.chainsOf[walletTypeId].remove(chainId);
        $.walletTypesOf[chainId].remove(walletTypeId);
        delete $.pairings[walletTypeId][chainId];
        emit IZrSign.ZrChainDisallowed(walletTypeId, chainId);
    }

    /// @dev Bounds-checks and stores the responder gas of `kind`.
    function _setResponseGas(ZrSignStorage storage $, IZrSign.RequestKind kind, uint32 gas) private {
        if (gas > ZrSignStorageLib.MAX_RESPONSE_GAS) {
            revert IZrSign.ZrSignResponseGasOutOfBounds(gas, ZrSignStorageLib.MAX_RESPONSE_GAS);
        }
        Config storage cfg = $.config;
        if (kind == IZrSign.RequestKind.Key) cfg.keyGas = gas;
        else if (kind == IZrSign.RequestKind.Hash) cfg.hashGas = gas;
        else if (kind == IZrSign.RequestKind.Data) cfg.dataGas = gas;
        else cfg.txGas = gas;
        emit IZrSign.ZrResponseGasSet(kind, gas);
    }

    /// @dev Bounds-checks and stores the gas buffer.
    function _setGasBuffer(ZrSignStorage storage $, uint16 pct) private {
        if (pct > ZrSignStorageLib.MAX_GAS_BUFFER_PCT) {
            revert IZrSign.ZrSignGasBufferOutOfBounds(pct, ZrSignStorageLib.MAX_GAS_BUFFER_PCT);
        }
        $.config.gasBufferPct = pct;
        emit IZrSign.ZrGasBufferSet(pct);
    }

    /// @dev Bounds-checks and stores the request TTL.
    function _setRequestTtl(ZrSignStorage storage $, uint32 blocks) private {
        if (blocks < ZrSignStorageLib.MIN_REQUEST_TTL || blocks > ZrSignStorageLib.MAX_REQUEST_TTL) {
            revert IZrSign.ZrSignTtlOutOfBounds(
                blocks, ZrSignStorageLib.MIN_REQUEST_TTL, ZrSignStorageLib.MAX_REQUEST_TTL
            );
        }
        $.config.requestTtl = blocks;
        emit IZrSign.ZrRequestTtlSet(blocks);
    }
}
