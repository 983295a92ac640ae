// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BitcoinAddress} from "../../libraries/BitcoinAddress.sol";

/// @title BitcoinAddressHarness — exposes the internal {BitcoinAddress.p2wpkh} to the forge and Rust tests
/// @dev Compiled by the Rust tests (`zrsign::contracts::build_test_helpers`) as well as by forge.
contract BitcoinAddressHarness {
    /// @notice {BitcoinAddress.p2wpkh} of `compressedPublicKey`.
    function p2wpkh(bytes calldata compressedPublicKey, bool testnet) external view returns (string memory) {
        return BitcoinAddress.p2wpkh(compressedPublicKey, testnet);
    }
}
