// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignStorage} from "../../libraries/ZrSignStorage.sol";

/// @title ZrSignStorageLayout — declares ZrSign's ERC-7201 namespace struct as its only state variable
/// @notice So that `forge inspect ZrSignStorageLayout storageLayout` prints the namespace's fields with their slots,
/// offsets and types (relative to the namespace's base slot). `tests/storage_layout.rs` compares that with
/// `snapshots/storage-layout.json`. Never deployed.
contract ZrSignStorageLayout {
    ZrSignStorage internal namespace;
}
