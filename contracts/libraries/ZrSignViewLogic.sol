// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IZrSign} from "../interfaces/IZrSign.sol";
import {BitcoinAddress} from "./BitcoinAddress.sol";
import {KeyDerivation} from "./KeyDerivation.sol";
import {Config, Chain, RootKey, Settled, StoredKey, ZrSignStorage, ZrSignStorageLib} from "./ZrSignStorage.sol";

/// @title ZrSignViewLogic — the bodies of ZrSign's cold views (fee quotes, key listings, v1 string views)
/// @notice An external library reached by DELEGATECALL: it reads the proxy's storage and must be linked into
/// ZrSign's bytecode. Each function has the selector and ABI of the {IZrSign} view it implements: ZrSign forwards
/// its calldata unchanged and returns the result as is. Every function here is a view (ZrSign relies on it when it
/// forwards from its own views). Errors are {IZrSign}'s.
/// @dev Every function reads the one ERC-7201 namespace through {ZrSignStorageLib.layout}.
library ZrSignViewLogic {
    using ZrSignStorageLib for ZrSignStorage;

    /// @notice The fee a key request must pay now: keyMpcFee × options + keyGas × gasPrice × (100 + buffer) / 100, the
    /// same for every registered wallet type.
    /// @dev Reverts with {IZrSign.ZrSignInvalidOptions} or {IZrSign.ZrSignUnknownWalletType}.
    function keyFee(bytes32 walletTypeId, uint8 options) external view returns (uint256 total) {
        ZrSignStorageLib.layout().requireSupported(walletTypeId);
        (,, total) = estimateFee(options, 0);
    }

    /// @notice The fee a sign request of `kind` must pay now: mpcFee + signGas × gasPrice × (100 + buffer) / 100 (the
    /// sign kinds share their response gas, so `kind` does not change it).
    /// @dev Reverts with {IZrSign.ZrSignUnknownWalletType}. `kind` is the {IZrSign.RequestKind} as its ABI type
    /// (uint8), so the selector is {IZrSign.signFee}'s; ZrSign's ABI decoder has already checked its range.
    function signFee(bytes32 walletTypeId, uint8) external view returns (uint256 total) {
        (,, total) = estimateFee(walletTypeId, address(0), 0, 0);
    }

    /// @notice v1 sign fee quote: the wallet type's MPC fee plus the sign kinds' shared gas part, exactly what any
    /// sign request charges now. The owner, index and value are accepted for v1 compatibility and ignored.
    /// @dev Reverts with {IZrSign.ZrSignUnknownWalletType}.
    function estimateFee(bytes32 walletTypeId, address, uint256, uint256)
        public
        view
        returns (uint256 mpc, uint256 netResp, uint256 total)
    {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        mpc = $.supportedWalletType(walletTypeId).mpcFee;
        Config memory cfg = $.config;
        netResp = ZrSignStorageLib.gasCost(cfg.signGas, cfg);
        total = mpc + netResp;
    }

    /// @notice v1 key fee quote, the same for every wallet type: keyMpcFee × options plus the key response's gas
    /// part; the value is ignored.
    /// @dev Reverts with {IZrSign.ZrSignInvalidOptions} for options 0.
    function estimateFee(uint8 options, uint256) public view returns (uint256 mpc, uint256 netResp, uint256 total) {
        if (options == 0) revert IZrSign.ZrSignInvalidOptions(options);
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        mpc = uint256($.totals.keyMpcFee) * options;
        Config memory cfg = $.config;
        netResp = ZrSignStorageLib.gasCost(cfg.keyGas, cfg);
        total = mpc + netResp;
    }

    /// @notice The ABI-encoded error of a request the registry does not allow (ZrSign's cold error path): an unknown
    /// wallet type; or, unless `keyRequest`, an unknown chain, else the chain not allowed for the wallet type.
    function pairingError(bytes32 walletTypeId, bytes32 chainId, bool keyRequest) external view returns (bytes memory) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if (keyRequest || !$.walletTypes[walletTypeId].supported) {
            return abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, walletTypeId);
        }
        if ($.chains[chainId].family == IZrSign.ChainFamily.None) {
            return abi.encodeWithSelector(IZrSign.ZrSignUnknownChain.selector, chainId);
        }
        return abi.encodeWithSelector(IZrSign.ZrSignChainNotAllowed.selector, walletTypeId, chainId);
    }

    /// @notice v1: the largest response gas of any kind.
    function getRespGas() external view returns (uint256) {
        Config memory cfg = ZrSignStorageLib.layout().config;
        return cfg.keyGas > cfg.signGas ? cfg.keyGas : cfg.signGas;
    }

    /// @notice v1: the key's registry entry — status 0 (never requested), 1 (requested, not answered) or 2
    /// (answered); options and value are not stored (0).
    function getWalletRegistry(bytes32 walletTypeId, uint256 walletIndex, address owner)
        external
        view
        returns (IZrSign.WalletRegistry memory entry)
    {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if ($.keys[ZrSignStorageLib.keyId(owner, walletTypeId, walletIndex)].evmAddress != address(0)) {
            entry.status = 2;
        } else if (walletIndex < $.keyCount[owner][walletTypeId]) {
            entry.status = 1;
        }
    }

    /// @notice v1: the request's registry entry — its {IZrSign.RequestStatus} as a number; value not stored (0).
    function getRequestState(uint256 traceId) external view returns (IZrSign.ReqRegistry memory entry) {
        entry.status = uint8(ZrSignStorageLib.layout().statusOf(traceId));
    }

    /// @notice v1: a supported wallet type's (purpose, coinType); (0, 0) otherwise.
    function getWalletTypeInfo(bytes32 walletTypeId) external view returns (uint256 purpose, uint256 coinType) {
        IZrSign.WalletTypeInfo storage info = ZrSignStorageLib.layout().walletTypes[walletTypeId];
        if (info.supported) (purpose, coinType) = (info.purpose, info.coinType);
    }

    /// @notice The EVM address of the child key at (owner, walletTypeId, index) of the current root.
    /// @dev Reverts with {IZrSign.ZrSignRootKeyNotSet}. `address(this)` is the proxy (DELEGATECALL context).
    function derivedAddress(address owner, bytes32 walletTypeId, uint256 index) external view returns (address) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        uint32 keyVersion = $.config.currentKeyVersion;
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
        return ZrSignStorageLib.layout().statusOf(requestId);
    }

    /// @notice The stored commitment of an open request (zero otherwise).
    function requestCommitment(uint256 requestId) external view returns (bytes32 commitment) {
        commitment = ZrSignStorageLib.layout().commitments[requestId];
        if (ZrSignStorageLib.status(commitment) != IZrSign.RequestStatus.Open) commitment = 0;
    }

    /// @notice The status and (open) commitment of each of `requestIds`, in order.
    function getRequestStates(uint256[] calldata requestIds)
        external
        view
        returns (IZrSign.RequestState[] memory states)
    {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        uint256 next = $.nextId();
        states = new IZrSign.RequestState[](requestIds.length);
        for (uint256 i; i < requestIds.length; ++i) {
            uint256 id = requestIds[i];
            bytes32 word = $.commitments[id];
            if (word == 0) {
                // Cleared by an answer if the id was assigned (see {ZrSignStorageLib.statusOf}).
                states[i].status = id != 0 && id < next ? IZrSign.RequestStatus.Answered : IZrSign.RequestStatus.None;
                continue;
            }
            IZrSign.RequestStatus state = ZrSignStorageLib.status(word);
            states[i] = IZrSign.RequestState(state, state == IZrSign.RequestStatus.Open ? word : bytes32(0));
        }
    }

    /// @notice How many keys of the wallet type were requested for the owner (the next index).
    function keyCount(address owner, bytes32 walletTypeId) external view returns (uint256) {
        return ZrSignStorageLib.layout().keyCount[owner][walletTypeId];
    }

    /// @notice The current root key version (0 = none set).
    function currentKeyVersion() external view returns (uint32) {
        return ZrSignStorageLib.layout().config.currentKeyVersion;
    }

    /// @notice The id the next request will get.
    function nextRequestId() public view returns (uint256) {
        return ZrSignStorageLib.layout().nextId();
    }

    /// @notice An account's claimable balance.
    function claimable(address account) external view returns (uint256) {
        return ZrSignStorageLib.layout().claimable[account];
    }

    /// @notice v1: whether a wallet type is registered.
    function isWalletTypeSupported(bytes32 walletTypeId) external view returns (bool) {
        return ZrSignStorageLib.layout().walletTypes[walletTypeId].supported;
    }

    /// @notice v1: the last request id assigned (0 if none).
    function getTraceId() external view returns (uint256) {
        return nextRequestId() - 1;
    }

    /// @notice v1: the key request's MPC service fee per unit of options.
    function getMPCFee() external view returns (uint256) {
        return ZrSignStorageLib.layout().totals.keyMpcFee;
    }

    /// @notice v1: 100 + the gas buffer percentage.
    function getRespGasPriceBuffer() external view returns (uint256) {
        return 100 + uint256(ZrSignStorageLib.layout().config.gasBufferPct);
    }

    /// @notice The protocol fee balance (see {Settled}).
    function protocolFees() external view returns (uint256) {
        return ZrSignStorageLib.layout().fees();
    }

    /// @notice Σ escrow of open requests (see {Settled}).
    function totalEscrow() external view returns (uint256) {
        return ZrSignStorageLib.layout().escrow();
    }

    /// @notice Σ claimable balances (see {Settled}).
    function totalClaimable() external view returns (uint256) {
        return ZrSignStorageLib.layout().claimableTotal();
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

    /// @notice The fee settings, response gas indexed by {IZrSign.RequestKind} (the sign kinds share one figure).
    function feeConfig() external view returns (IZrSign.FeeConfig memory config) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        Config memory cfg = $.config;
        config.responseGas = [uint32(cfg.keyGas), cfg.signGas, cfg.signGas, cfg.signGas];
        config.gasBufferPct = cfg.gasBufferPct;
        config.requestTtl = cfg.requestTtl;
        config.minGasPrice = cfg.minGasPrice;
        config.keyMpcFee = $.totals.keyMpcFee;
    }

    /// @notice A chain's registration (empty if unknown).
    function chain(bytes32 chainId) external view returns (IZrSign.ChainInfo memory) {
        Chain storage c = ZrSignStorageLib.layout().chains[chainId];
        return IZrSign.ChainInfo(c.caip2, c.family, c.evmChainId);
    }

    /// @notice v1: the keys of an owner as address strings, position i = wallet index i, up to the highest answered
    /// index; an unanswered index below it is "". Bitcoin wallet types list P2WPKH addresses, others EIP-55 ones.
    function getZrKeys(bytes32 walletTypeId, address owner) external view returns (string[] memory addresses) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        uint256 length = _answeredLength($, owner, walletTypeId);
        addresses = new string[](length);
        for (uint256 i; i < length; ++i) {
            addresses[i] = _addressString($, owner, walletTypeId, i);
        }
    }

    /// @notice v1: the key at `index` in {getZrKeys}'s format.
    /// @dev Reverts with {IZrSign.ZrSignKeyNotFound} for an index past the highest answered one.
    function getZrKey(bytes32 walletTypeId, address owner, uint256 index) external view returns (string memory) {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        if (index >= _answeredLength($, owner, walletTypeId)) {
            revert IZrSign.ZrSignKeyNotFound(owner, walletTypeId, index);
        }
        return _addressString($, owner, walletTypeId, index);
    }

    /// @dev 1 + the highest answered index of (owner, walletTypeId), 0 if none is answered.
    function _answeredLength(ZrSignStorage storage $, address owner, bytes32 walletTypeId)
        private
        view
        returns (uint256 length)
    {
        length = $.keyCount[owner][walletTypeId];
        while (
            length != 0 && $.keys[ZrSignStorageLib.keyId(owner, walletTypeId, length - 1)].evmAddress == address(0)
        ) {
            --length;
        }
    }

    /// @dev The key's address string ("" if not answered): P2WPKH bech32 from its compressed public key for a Bitcoin
    /// wallet type ({ZrSignStorageLib.bitcoinNetwork}), its EIP-55 EVM address otherwise.
    function _addressString(ZrSignStorage storage $, address owner, bytes32 walletTypeId, uint256 index)
        private
        view
        returns (string memory)
    {
        StoredKey storage key = $.keys[ZrSignStorageLib.keyId(owner, walletTypeId, index)];
        address evmAddress = key.evmAddress;
        if (evmAddress == address(0)) return "";
        (bool isBitcoin, bool testnet) = $.bitcoinNetwork(walletTypeId);
        if (isBitcoin) return BitcoinAddress.p2wpkh(abi.encodePacked(bytes1(0x02 + key.yParity), key.x), testnet);
        return Strings.toChecksumHexString(evmAddress);
    }
}
