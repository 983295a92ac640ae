// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm, VmSafe} from "forge-std/Vm.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @title ZrKeys — what the MPC network computes: child-key derivation, low-s signing, request digests
/// @dev Mirrors spec §3 (additive, non-hardened derivation) so suites can answer requests exactly as the
/// mock responder does. Uses cheatcodes, so only for tests and scripts.
library ZrKeys {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice secp256k1 group order.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @notice Largest accepted s (lower half of the order).
    uint256 internal constant HALF_N = N / 2;

    /// @notice The EVM wallet type id, keccak256(abi.encode(44, 60)).
    bytes32 internal constant EVM_WALLET_TYPE = 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a;

    /// @notice tweak = keccak256(abi.encode(chainid, proxy, owner, walletTypeId, index)) mod n.
    function tweak(uint256 chainId, address proxy, address owner, bytes32 walletTypeId, uint256 index)
        internal
        pure
        returns (uint256)
    {
        return uint256(keccak256(abi.encode(chainId, proxy, owner, walletTypeId, index))) % N;
    }

    /// @notice The child secret (root + tweak mod n) of a key on this chain.
    function childSecret(uint256 rootSecret, address proxy, address owner, bytes32 walletTypeId, uint256 index)
        internal
        view
        returns (uint256)
    {
        return addmod(rootSecret, tweak(block.chainid, proxy, owner, walletTypeId, index), N);
    }

    /// @notice The 64-byte uncompressed public key (x ‖ y) of a secret.
    function publicKey(uint256 secret) internal returns (bytes memory) {
        VmSafe.Wallet memory w = vm.createWallet(secret);
        return abi.encodePacked(bytes32(w.publicKeyX), bytes32(w.publicKeyY));
    }

    /// @notice The 33-byte compressed SEC1 public key of a secret.
    function compressedPublicKey(uint256 secret) internal returns (bytes memory) {
        VmSafe.Wallet memory w = vm.createWallet(secret);
        return abi.encodePacked(uint8(w.publicKeyY & 1 == 0 ? 2 : 3), bytes32(w.publicKeyX));
    }

    /// @notice A 65-byte r ‖ s ‖ v signature with s in the lower half (v ∈ {27, 28}).
    function signLowS(uint256 secret, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(secret, digest);
        if (uint256(s) > HALF_N) {
            s = bytes32(N - uint256(s));
            v = v == 27 ? 28 : 27;
        }
        return abi.encodePacked(r, s, v);
    }

    /// @notice The same signature with s flipped to the upper half (the malleable twin).
    function toHighS(bytes memory sig) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s, uint8 v) = split(sig);
        return abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    /// @notice Splits a 65-byte signature.
    function split(bytes memory sig) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly ("memory-safe") {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
    }

    /// @notice ecrecover over a 65-byte signature (address(0) if invalid).
    function recover(bytes32 digest, bytes memory sig) internal pure returns (address) {
        (bytes32 r, bytes32 s, uint8 v) = split(sig);
        return ecrecover(digest, v, r, s);
    }

    /// @notice The digest of a data request: EIP-191 `personal_sign` of the payload.
    function dataDigest(bytes memory payload) internal pure returns (bytes32) {
        return MessageHashUtils.toEthSignedMessageHash(payload);
    }

    /// @notice CAIP-2 chain key, keccak256(bytes(caip2)).
    function chainKey(string memory caip2) internal pure returns (bytes32) {
        return keccak256(bytes(caip2));
    }
}
