// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";

/// @title ZrSign — zrSign v1 implementation (UUPS, behind ZrSignProxy)
/// @notice Skeleton: initializer, roles, version and admin-authorised upgrades.
contract ZrSign is Initializable, UUPSUpgradeable, AccessControlDefaultAdminRulesUpgradeable {
    /// @notice Role of the MPC network's responders.
    bytes32 public constant MPC_ROLE = keccak256("zrsign.role.mpc");
    /// @notice Role that withdraws protocol fees.
    bytes32 public constant FEE_ROLE = keccak256("zrsign.role.fee");
    /// @notice Role that pauses and unpauses.
    bytes32 public constant PAUSER_ROLE = keccak256("zrsign.role.pauser");

    /// @notice The implementation version reported by {version}.
    uint256 public constant VERSION = 1;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy's state.
    /// @param admin The default admin (two-step transfer, delayed by `adminDelay` seconds).
    /// @param adminDelay Delay of a default-admin transfer, in seconds.
    function initialize(address admin, uint48 adminDelay) external initializer {
        __AccessControlDefaultAdminRules_init(adminDelay, admin);
    }

    /// @notice The implementation version.
    function version() external pure returns (uint256) {
        return VERSION;
    }

    /// @dev Upgrades are authorised by the default admin.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
