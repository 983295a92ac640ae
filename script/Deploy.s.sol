// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {DeployConfig} from "./DeployConfig.sol";
import {ZrSign} from "../contracts/ZrSign.sol";
import {ZrSignProxy} from "../contracts/ZrSignProxy.sol";
import {IZrSign} from "../contracts/interfaces/IZrSign.sol";

/// @title Deploy — deploys and configures a zrSign deployment
/// @notice Deploys the ZrSign implementation and its ZrSignProxy (initialised with the deployer as admin),
/// sets the root key, registers the EVM wallet type (44, 60) with its MPC fee, sets the key MPC fee and the minimum
/// gas price, registers the configured EVM
/// chains and allows them for the wallet type, grants MPC/FEE/PAUSER roles and, if the admin is another
/// account, begins the two-step default-admin transfer (the new admin accepts after the delay).
/// Settings come from the environment: see {DeployConfig}.
/// @dev `forge script script/Deploy.s.sol --rpc-url http://127.0.0.1:8545 --broadcast`
contract Deploy is DeployConfig {
    /// @notice The deployed proxy (the address users call).
    address public proxy;
    /// @notice The deployed implementation.
    address public implementation;

    /// @notice Runs the deployment with the environment's configuration.
    /// @return proxy_ The proxy's address.
    /// @return implementation_ The implementation's address.
    function run() external returns (address proxy_, address implementation_) {
        return deploy(loadConfig());
    }

    /// @notice Runs the deployment with an explicit configuration.
    function deploy(Config memory cfg) public returns (address, address) {
        vm.startBroadcast(cfg.deployerKey);

        ZrSign impl = new ZrSign();
        ZrSignProxy p =
            new ZrSignProxy(address(impl), abi.encodeCall(ZrSign.initialize, (cfg.deployer, cfg.adminDelay)));
        ZrSign zr = ZrSign(address(p));
        IZrSign izr = IZrSign(address(p));

        if (cfg.rootPublicKey.length != 0) izr.setRootKey(cfg.rootPublicKey);
        bytes32 evm = izr.addWalletType(44, 60, cfg.mpcFee);
        izr.setKeyMpcFee(cfg.keyMpcFee);
        if (cfg.minGasPrice != 0) izr.setMinGasPrice(cfg.minGasPrice);
        for (uint256 i; i < cfg.chains.length; ++i) {
            bytes32 chainId = izr.addChain(cfg.chains[i].caip2, IZrSign.ChainFamily.Evm, cfg.chains[i].evmChainId);
            izr.allowChain(evm, chainId);
        }

        zr.grantRole(zr.MPC_ROLE(), cfg.mpc);
        zr.grantRole(zr.FEE_ROLE(), cfg.fee);
        zr.grantRole(zr.PAUSER_ROLE(), cfg.pauser);
        if (cfg.admin != cfg.deployer) zr.beginDefaultAdminTransfer(cfg.admin);

        vm.stopBroadcast();

        proxy = address(p);
        implementation = address(impl);
        console.log("ZrSign proxy: %s", proxy);
        console.log("ZrSign implementation: %s", implementation);
        console.log("ZrSign EVM wallet type: %s", vm.toString(evm));
        if (cfg.admin != cfg.deployer) console.log("ZrSign admin transfer pending to: %s", cfg.admin);
        return (proxy, implementation);
    }
}
