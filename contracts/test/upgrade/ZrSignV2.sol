// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSign} from "../../ZrSign.sol";

/// @title ZrSignV2 — a test-only next version of ZrSign
/// @notice Adds a greeting kept in its own ERC-7201 namespace (no storage outside it) and a v2 version number.
contract ZrSignV2 is ZrSign {
    /// @custom:storage-location erc7201:zrsign.storage.ZrSignV2
    struct ZrSignV2Storage {
        string greeting;
        uint256 hellos;
    }

    /// @notice keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSignV2")) - 1)) & ~bytes32(uint256(0xff)).
    function v2StorageSlot() public pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSignV2")) - 1)) & ~bytes32(uint256(0xff));
    }

    /// @notice Runs once, in the upgrade's `upgradeToAndCall`.
    function initializeV2(string calldata greeting) external reinitializer(2) {
        _v2().greeting = greeting;
    }

    /// @notice The greeting; counts the calls.
    function v2Hello() external returns (string memory) {
        ZrSignV2Storage storage $ = _v2();
        $.hellos++;
        return $.greeting;
    }

    /// @notice How many times {v2Hello} ran.
    function hellos() external view returns (uint256) {
        return _v2().hellos;
    }

    /// @notice The version of this implementation.
    function version() external pure override returns (uint256) {
        return 2;
    }

    function _v2() private pure returns (ZrSignV2Storage storage $) {
        bytes32 slot = v2StorageSlot();
        assembly ("memory-safe") {
            $.slot := slot
        }
    }
}
