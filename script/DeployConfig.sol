// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Script} from "forge-std/Script.sol";

/// @title DeployConfig — reads the deployment settings of zrSign from the environment
/// @notice Variables (all optional):
/// - `PRIVATE_KEY`: deployer key (default: anvil account 0).
/// - `ZRSIGN_ADMIN`: default admin (default: deployer; another account gets a two-step transfer it must accept).
/// - `ZRSIGN_ADMIN_DELAY`: delay of a default-admin transfer, seconds (default {DEFAULT_ADMIN_DELAY}, 3 days).
/// - `ZRSIGN_MPC`, `ZRSIGN_FEE`, `ZRSIGN_PAUSER`: holders of MPC_ROLE, FEE_ROLE, PAUSER_ROLE (default: deployer).
/// - `ZRSIGN_ROOT_PUBKEY`: the root key, 64-byte hex x ‖ y (default: none; requests revert until it is set).
/// - `ZRSIGN_CHAINS`: comma-separated CAIP-2 EVM chains allowed for the EVM wallet type
///   (default: `eip155:<current chain id>`).
/// - `ZRSIGN_MPC_FEE`: MPC service fee of the EVM wallet type (its sign fee), wei (default {DEFAULT_MPC_FEE}).
/// - `ZRSIGN_KEY_MPC_FEE`: key request MPC fee per unit of options, every wallet type, wei (default `ZRSIGN_MPC_FEE`).
/// - `ZRSIGN_MIN_GAS_PRICE`: minimum gas price of the responder's part of a quote, wei (default
///   {DEFAULT_MIN_GAS_PRICE}: the base fee alone; set it on a chain whose base fee can be 0 or far below what the
///   responder pays).
/// The defaults are the Rust deployment plan's (`zrsign deploy`, the devnet: `src/deploy.rs`, module `defaults`);
/// `tests/scripts.rs` checks that this script and the plan produce the same deployment.
abstract contract DeployConfig is Script {
    /// @notice Default delay of a default-admin transfer (Rust: `deploy::defaults::ADMIN_DELAY`).
    uint48 internal constant DEFAULT_ADMIN_DELAY = 3 days;
    /// @notice Default MPC service fee of the EVM wallet type (Rust: `deploy::defaults::MPC_FEE`).
    uint96 internal constant DEFAULT_MPC_FEE = 0;
    /// @notice Default minimum gas price of a quote's responder part (Rust: `deploy::defaults::MIN_GAS_PRICE`).
    uint64 internal constant DEFAULT_MIN_GAS_PRICE = 0;

    /// @notice anvil's account 0 (the well-known test mnemonic's first key).
    uint256 internal constant ANVIL_KEY_0 = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;

    /// @notice `ZRSIGN_ROOT_PUBKEY` is not 64 bytes (uncompressed x ‖ y without the 0x04 prefix).
    error DeployConfigInvalidRootKey(uint256 length);

    /// @notice A chain in `ZRSIGN_CHAINS` is not of the form `eip155:<decimal chain id>`.
    error DeployConfigInvalidChain(string caip2);

    /// @notice A parsed EVM chain.
    struct EvmChain {
        string caip2;
        uint64 evmChainId;
    }

    /// @notice The full deployment configuration.
    struct Config {
        uint256 deployerKey;
        address deployer;
        address admin;
        uint48 adminDelay;
        address mpc;
        address fee;
        address pauser;
        bytes rootPublicKey;
        EvmChain[] chains;
        uint96 mpcFee;
        uint96 keyMpcFee;
        uint64 minGasPrice;
    }

    /// @notice Reads the configuration from the environment, applying the defaults above.
    /// @dev Set variables are parsed strictly (a malformed value reverts instead of silently falling back).
    function loadConfig() internal view returns (Config memory cfg) {
        cfg.deployerKey = _has("PRIVATE_KEY") ? vm.envUint("PRIVATE_KEY") : ANVIL_KEY_0;
        cfg.deployer = vm.addr(cfg.deployerKey);
        cfg.admin = _has("ZRSIGN_ADMIN") ? vm.envAddress("ZRSIGN_ADMIN") : cfg.deployer;
        cfg.adminDelay = uint48(_has("ZRSIGN_ADMIN_DELAY") ? vm.envUint("ZRSIGN_ADMIN_DELAY") : DEFAULT_ADMIN_DELAY);
        cfg.mpc = _has("ZRSIGN_MPC") ? vm.envAddress("ZRSIGN_MPC") : cfg.deployer;
        cfg.fee = _has("ZRSIGN_FEE") ? vm.envAddress("ZRSIGN_FEE") : cfg.deployer;
        cfg.pauser = _has("ZRSIGN_PAUSER") ? vm.envAddress("ZRSIGN_PAUSER") : cfg.deployer;
        cfg.rootPublicKey = readRootKey("ZRSIGN_ROOT_PUBKEY");
        cfg.mpcFee = _has("ZRSIGN_MPC_FEE") ? uint96(vm.envUint("ZRSIGN_MPC_FEE")) : DEFAULT_MPC_FEE;
        cfg.keyMpcFee = _has("ZRSIGN_KEY_MPC_FEE") ? uint96(vm.envUint("ZRSIGN_KEY_MPC_FEE")) : cfg.mpcFee;
        cfg.minGasPrice =
            _has("ZRSIGN_MIN_GAS_PRICE") ? uint64(vm.envUint("ZRSIGN_MIN_GAS_PRICE")) : DEFAULT_MIN_GAS_PRICE;
        string[] memory raw;
        if (_has("ZRSIGN_CHAINS")) {
            raw = vm.split(vm.envString("ZRSIGN_CHAINS"), ",");
        } else {
            raw = new string[](1);
            raw[0] = string.concat("eip155:", vm.toString(block.chainid));
        }
        cfg.chains = parseChains(raw);
    }

    /// @notice A 64-byte root public key from variable `name` (empty if unset); any other length reverts.
    function readRootKey(string memory name) internal view returns (bytes memory key) {
        if (!_has(name)) return "";
        key = vm.envBytes(name);
        if (key.length != 64) revert DeployConfigInvalidRootKey(key.length);
    }

    /// @dev Whether a variable is set and non-empty.
    function _has(string memory name) internal view returns (bool) {
        return vm.envExists(name) && bytes(vm.envString(name)).length != 0;
    }

    /// @notice Parses CAIP-2 EVM chain ids (`eip155:<n>`), skipping empty entries.
    function parseChains(string[] memory raw) internal pure returns (EvmChain[] memory chains) {
        uint256 count;
        for (uint256 i; i < raw.length; ++i) {
            if (bytes(_trim(raw[i])).length != 0) ++count;
        }
        chains = new EvmChain[](count);
        uint256 j;
        for (uint256 i; i < raw.length; ++i) {
            string memory caip2 = _trim(raw[i]);
            if (bytes(caip2).length == 0) continue;
            string[] memory parts = vm.split(caip2, ":");
            if (parts.length != 2 || keccak256(bytes(parts[0])) != keccak256("eip155") || bytes(parts[1]).length == 0) {
                revert DeployConfigInvalidChain(caip2);
            }
            chains[j++] = EvmChain({caip2: caip2, evmChainId: uint64(vm.parseUint(parts[1]))});
        }
    }

    /// @dev Strips spaces around an entry (`"eip155:1, eip155:10"` is accepted).
    function _trim(string memory s) private pure returns (string memory) {
        bytes memory b = bytes(s);
        uint256 start;
        uint256 end = b.length;
        while (start < end && b[start] == " ") ++start;
        while (end > start && b[end - 1] == " ") --end;
        bytes memory out = new bytes(end - start);
        for (uint256 i; i < out.length; ++i) {
            out[i] = b[start + i];
        }
        return string(out);
    }
}
