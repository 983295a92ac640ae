// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DeployConfig} from "./DeployConfig.sol";
import {console} from "forge-std/console.sol";
import {ZrSign} from "../contracts/ZrSign.sol";

/// @title Upgrade — moves a zrSign proxy to a freshly deployed implementation
/// @notice Variables: `ZRSIGN_PROXY` (required), `PRIVATE_KEY` (the default admin's key; default anvil
/// account 0), `ZRSIGN_UPGRADE_CALLDATA` (optional call made on the proxy after the upgrade, default none).
/// @dev `ZRSIGN_PROXY=0x… forge script script/Upgrade.s.sol --rpc-url http://127.0.0.1:8545 --broadcast`
contract Upgrade is DeployConfig {
    /// @notice Deploys the new implementation and upgrades the proxy to it.
    /// @return implementation The new implementation's address.
    function run() external returns (address implementation) {
        address proxy = vm.envAddress("ZRSIGN_PROXY");
        uint256 key = _has("PRIVATE_KEY") ? vm.envUint("PRIVATE_KEY") : ANVIL_KEY_0;
        bytes memory data = _has("ZRSIGN_UPGRADE_CALLDATA") ? vm.envBytes("ZRSIGN_UPGRADE_CALLDATA") : bytes("");

        vm.startBroadcast(key);
        ZrSign next = new ZrSign();
        ZrSign(proxy).upgradeToAndCall(address(next), data);
        vm.stopBroadcast();

        implementation = address(next);
        console.log("ZrSign proxy: %s", proxy);
        console.log("ZrSign implementation: %s", implementation);
    }
}
