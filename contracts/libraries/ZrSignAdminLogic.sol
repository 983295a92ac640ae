// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IZrSign} from "../interfaces/IZrSign.sol";
import {KeyDerivation} from "./KeyDerivation.sol";
import {Config, Chain, Pairing, RootKey, ZrSignStorage, ZrSignStorageLib} from "./ZrSignStorage.sol";

/// @title ZrSignAdminLogic — the bodies of ZrSign's admin functions (root key, registry, fee settings, fee payouts)
/// @notice An external library reached by DELEGATECALL: it runs in the proxy's context (its storage, its address in
/// events) and must be linked into ZrSign's bytecode. Each external function has the selector and ABI of the
/// {IZrSign} function it implements: ZrSign checks the caller's role, then forwards its calldata unchanged. Access
/// control stays in ZrSign: nothing here checks the caller. Events and errors are {IZrSign}'s.
/// @dev Every function reads and writes the one ERC-7201 namespace through {ZrSignStorageLib.layout}.
library ZrSignAdminLogic {
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using ZrSignStorageLib for ZrSignStorage;

    /// @notice Default response gas of a key answer: the measured transaction gas of a single `zrKeyRes` (21,000
    /// intrinsic + calldata + execution, steady state: the responder's claimable balance already non-zero), rounded up.
    /// `contracts/test/gas/ZrSignGas.t.sol::test_gas_keyResponse` asserts the measured figure stays below it.
    uint32 internal constant DEFAULT_KEY_RESPONSE_GAS = 125_000;
    /// @notice Default response gas of a sign answer (any sign kind), measured the same way from a single `zrSignRes`
    /// (`test_gas_signResponse`).
    uint32 internal constant DEFAULT_SIGN_RESPONSE_GAS = 75_000;

    /// @notice Sets the default fee settings of a new deployment and starts request ids at 1.
    /// @dev Response gas {DEFAULT_KEY_RESPONSE_GAS} and {DEFAULT_SIGN_RESPONSE_GAS}; buffer 10 %; TTL 7,200 blocks;
    /// minimum gas price 0 and key MPC fee 0 (a deployment sets both). Emits the setters' events.
    function initializeDefaults() external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        $.config.nextRequestId = 1;
        _setResponseGas($, IZrSign.RequestKind.Key, DEFAULT_KEY_RESPONSE_GAS);
        _setResponseGas($, IZrSign.RequestKind.Hash, DEFAULT_SIGN_RESPONSE_GAS);
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
        keyVersion = $.config.currentKeyVersion + 1;
        $.rootKeys[keyVersion] = RootKey(x, y);
        $.config.currentKeyVersion = keyVersion;
        emit IZrSign.ZrRootKeySet(keyVersion, x, y);
    }

    /// @notice Registers the wallet type (purpose, coinType) with its MPC service fee.
    /// @dev Reverts with {IZrSign.ZrSignFeeOutOfBounds} or {IZrSign.ZrSignWalletTypeExists}.
    function addWalletType(uint32 purpose, uint32 coinType, uint96 mpcFee) external returns (bytes32 walletTypeId) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        _checkFee(mpcFee);
        walletTypeId = keccak256(abi.encode(uint256(purpose), uint256(coinType)));
        if ($.walletTypes[walletTypeId].supported) revert IZrSign.ZrSignWalletTypeExists(walletTypeId);
        $.walletTypes[walletTypeId] = IZrSign.WalletTypeInfo(purpose, coinType, true, mpcFee);
        emit IZrSign.ZrWalletTypeAdded(walletTypeId, purpose, coinType);
        emit IZrSign.ZrMpcFeeSet(walletTypeId, mpcFee);
    }

    /// @notice Removes a wallet type and clears its chain pairings (re-adding it starts with none). Its (purpose,
    /// coinType) stay recorded so its keys keep their address format ({IZrSign.getZrKeys}); `supported` and the fee
    /// are cleared.
    /// @dev Reverts with {IZrSign.ZrSignUnknownWalletType}; emits {IZrSign.ZrChainDisallowed} per pairing.
    function removeWalletType(bytes32 walletTypeId) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        $.requireSupported(walletTypeId);
        EnumerableSet.Bytes32Set storage chainIds = $.chainsOf[walletTypeId];
        for (uint256 i = chainIds.length(); i != 0; --i) {
            _disallow($, walletTypeId, chainIds.at(i - 1));
        }
        IZrSign.WalletTypeInfo storage info = $.walletTypes[walletTypeId];
        info.supported = false;
        info.mpcFee = 0;
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
        $.requireSupported(walletTypeId);
        Chain storage c = $.chains[chainId];
        if (c.family == IZrSign.ChainFamily.None) revert IZrSign.ZrSignUnknownChain(chainId);
        if (!$.chainsOf[walletTypeId].add(chainId)) return;
        // The two sets mirror each other: this side is new too (audit/FINDINGS.md, unused-return).
        // slither-disable-next-line unused-return
        $.walletTypesOf[chainId].add(walletTypeId);
        $.pairings[walletTypeId][chainId] = Pairing(true, c.family, c.evmChainId, $.walletTypes[walletTypeId].mpcFee);
        emit IZrSign.ZrChainAllowed(walletTypeId, chainId);
    }

    /// @notice Stops a wallet type signing for a chain.
    /// @dev Reverts with {IZrSign.ZrSignChainNotAllowed} if the pairing is not allowed.
    function disallowChain(bytes32 walletTypeId, bytes32 chainId) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if (!$.pairings[walletTypeId][chainId].allowed) revert IZrSign.ZrSignChainNotAllowed(walletTypeId, chainId);
        _disallow($, walletTypeId, chainId);
    }

    /// @notice Sets a registered wallet type's MPC service fee (its sign fee), in its registration and in each of its
    /// pairings (which sign requests read).
    /// @dev Reverts with {IZrSign.ZrSignFeeOutOfBounds} or {IZrSign.ZrSignUnknownWalletType}.
    function setMpcFee(bytes32 walletTypeId, uint96 fee) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        _checkFee(fee);
        $.requireSupported(walletTypeId);
        $.walletTypes[walletTypeId].mpcFee = fee;
        EnumerableSet.Bytes32Set storage chainIds = $.chainsOf[walletTypeId];
        for (uint256 i = chainIds.length(); i != 0; --i) {
            $.pairings[walletTypeId][chainIds.at(i - 1)].mpcFee = fee;
        }
        emit IZrSign.ZrMpcFeeSet(walletTypeId, fee);
    }

    /// @notice Sets the key request MPC service fee per unit of options (every wallet type).
    /// @dev Reverts with {IZrSign.ZrSignFeeOutOfBounds}.
    function setKeyMpcFee(uint96 fee) external {
        _checkFee(fee);
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        // forge-lint: disable-next-line(unsafe-typecast) fee ≤ MAX_MPC_FEE (1 ether) < 2^64
        $.totals.keyMpcFee = uint64(fee);
        // The requests' copy ({Requests.keyMpcFee}), once live; before, the first request copies {Totals.keyMpcFee}.
        // forge-lint: disable-next-line(unsafe-typecast) as above
        if ($.requests.nextId != 0) $.requests.keyMpcFee = uint64(fee);
        emit IZrSign.ZrKeyMpcFeeSet(fee);
    }

    /// @notice Sets the minimum gas price of the responder's part of a quote.
    /// @dev Reverts with {IZrSign.ZrSignMinGasPriceOutOfBounds}.
    function setMinGasPrice(uint64 price) external {
        if (price > ZrSignStorageLib.MAX_MIN_GAS_PRICE) {
            revert IZrSign.ZrSignMinGasPriceOutOfBounds(price, ZrSignStorageLib.MAX_MIN_GAS_PRICE);
        }
        ZrSignStorageLib.layout().config.minGasPrice = price;
        emit IZrSign.ZrMinGasPriceSet(price);
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

    /// @notice Pays `amount` of the protocol fee balance to `to` (ZrSign checks FEE_ROLE and holds the re-entrancy
    /// guard around this body).
    /// @dev Reverts with {IZrSign.ZrSignZeroAddress}, {IZrSign.ZrSignInsufficientProtocolFees} or
    /// {IZrSign.ZrSignTransferFailed}. The balance is lowered before the transfer.
    function withdrawFees(address to, uint256 amount) external {
        if (to == address(0)) revert IZrSign.ZrSignZeroAddress();
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        ZrSignStorageLib.fold($);
        uint256 available = $.protocolFees;
        if (amount > available) revert IZrSign.ZrSignInsufficientProtocolFees(amount, available);
        $.protocolFees = available - amount;
        emit IZrSign.ZrFeesWithdrawn(to, amount);
        _send(to, amount);
    }

    /// @notice Pays the ether beyond everything accounted for (force-sent ether) to `to` (ZrSign checks FEE_ROLE and
    /// holds the re-entrancy guard around this body).
    /// @dev Reverts with {IZrSign.ZrSignZeroAddress}, {IZrSign.ZrSignNoSurplus} or {IZrSign.ZrSignTransferFailed}. It
    /// writes no storage: the surplus is derived from the balance, so accounted ether can never count as surplus.
    function sweepSurplus(address to) external {
        if (to == address(0)) revert IZrSign.ZrSignZeroAddress();
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        // balance ≥ everything accounted for (spec §6): this only underflows if that invariant is broken. The stored
        // fields' sum (with the requests' escrow not yet folded, {Requests.escrowAdded}) is the accounted sum
        // ({Settled} moves amounts between them, adding nothing).
        uint256 surplus = address(this).balance
            - (uint256($.totals.totalEscrow) + $.requests.escrowAdded + $.totals.totalClaimable + $.protocolFees);
        // Refuses an empty sweep only; forced ether can only make the surplus positive (audit/FINDINGS.md).
        // slither-disable-next-line incorrect-equality
        if (surplus == 0) revert IZrSign.ZrSignNoSurplus();
        emit IZrSign.ZrSurplusSwept(to, surplus);
        _send(to, surplus);
    }

    /// @dev Sends ether, reverting with {IZrSign.ZrSignTransferFailed} if the receiver refuses it.
    function _send(address to, uint256 amount) private {
        // Fee withdrawals and surplus sweeps, FEE_ROLE only, to the address it names (audit/FINDINGS.md).
        // slither-disable-next-line arbitrary-send-eth
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert IZrSign.ZrSignTransferFailed(to, amount);
    }

    /// @dev Clears an allowed pairing from both sides.
    function _disallow(ZrSignStorage storage $, bytes32 walletTypeId, bytes32 chainId) private {
        // Called for an allowed pairing only, so both removals succeed (audit/FINDINGS.md, unused-return).
        // slither-disable-next-line unused-return
        $.chainsOf[walletTypeId].remove(chainId);
        // slither-disable-next-line unused-return
        $.walletTypesOf[chainId].remove(walletTypeId);
        delete $.pairings[walletTypeId][chainId];
        emit IZrSign.ZrChainDisallowed(walletTypeId, chainId);
    }

    /// @dev Reverts with {IZrSign.ZrSignFeeOutOfBounds} above {ZrSignStorageLib.MAX_MPC_FEE}.
    function _checkFee(uint256 fee) private pure {
        if (fee > ZrSignStorageLib.MAX_MPC_FEE) revert IZrSign.ZrSignFeeOutOfBounds(fee, ZrSignStorageLib.MAX_MPC_FEE);
    }

    /// @dev Bounds-checks and stores the responder gas of `kind`: the key figure, or the one figure of every sign kind
    /// (one {IZrSign.ZrResponseGasSet} per sign kind).
    function _setResponseGas(ZrSignStorage storage $, IZrSign.RequestKind kind, uint32 gas) private {
        if (gas > ZrSignStorageLib.MAX_RESPONSE_GAS) {
            revert IZrSign.ZrSignResponseGasOutOfBounds(gas, ZrSignStorageLib.MAX_RESPONSE_GAS);
        }
        Config storage cfg = $.config;
        if (kind == IZrSign.RequestKind.Key) {
            // forge-lint: disable-next-line(unsafe-typecast) gas ≤ MAX_RESPONSE_GAS < 2^24
            cfg.keyGas = uint24(gas);
            emit IZrSign.ZrResponseGasSet(kind, gas);
            return;
        }
        // forge-lint: disable-next-line(unsafe-typecast) gas ≤ MAX_RESPONSE_GAS < 2^24
        cfg.signGas = uint24(gas);
        emit IZrSign.ZrResponseGasSet(IZrSign.RequestKind.Hash, gas);
        emit IZrSign.ZrResponseGasSet(IZrSign.RequestKind.Data, gas);
        emit IZrSign.ZrResponseGasSet(IZrSign.RequestKind.Tx, gas);
    }

    /// @dev Bounds-checks and stores the gas buffer.
    function _setGasBuffer(ZrSignStorage storage $, uint16 pct) private {
        if (pct > ZrSignStorageLib.MAX_GAS_BUFFER_PCT) {
            revert IZrSign.ZrSignGasBufferOutOfBounds(pct, ZrSignStorageLib.MAX_GAS_BUFFER_PCT);
        }
        // forge-lint: disable-next-line(unsafe-typecast) pct ≤ MAX_GAS_BUFFER_PCT < 2^8
        $.config.gasBufferPct = uint8(pct);
        emit IZrSign.ZrGasBufferSet(pct);
    }

    /// @dev Bounds-checks and stores the request TTL.
    function _setRequestTtl(ZrSignStorage storage $, uint32 blocks) private {
        if (blocks < ZrSignStorageLib.MIN_REQUEST_TTL || blocks > ZrSignStorageLib.MAX_REQUEST_TTL) {
            revert IZrSign.ZrSignTtlOutOfBounds(
                blocks, ZrSignStorageLib.MIN_REQUEST_TTL, ZrSignStorageLib.MAX_REQUEST_TTL
            );
        }
        // forge-lint: disable-next-line(unsafe-typecast) blocks ≤ MAX_REQUEST_TTL < 2^24
        $.config.requestTtl = uint24(blocks);
        emit IZrSign.ZrRequestTtlSet(blocks);
    }
}
