// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title ZrSignProxy — the ERC-1967 proxy users call
/// @notice OpenZeppelin's ERC1967Proxy, unchanged, under a name of its own so the build has its artifact.
/// @dev Deploy with the ZrSign implementation and the `initialize` calldata; upgrades go through the
/// implementation's UUPS `upgradeToAndCall`, authorised by the default admin.
contract ZrSignProxy is ERC1967Proxy {
    constructor(address implementation, bytes memory data) payable ERC1967Proxy(implementation, data) {}
}
