// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TxPayload} from "../../libraries/TxPayload.sol";

/// @title TxPayloadHarness — exposes the internal {TxPayload.bind} to tests
contract TxPayloadHarness {
    /// @notice {TxPayload.bind} of `payload` for `chainId`.
    function bind(bytes calldata payload, uint64 chainId) external pure returns (bytes memory) {
        return TxPayload.bind(payload, chainId);
    }
}
