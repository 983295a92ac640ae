// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title KeyDerivation — additive (non-hardened) secp256k1 child keys, checked with one ecrecover
/// @notice child = R + tweak·G, tweak = keccak256(abi.encode(chainid, zrSign, owner, walletTypeId, index)) mod n
/// (spec §3). The responder's child secret is root_secret + tweak mod n.
library KeyDerivation {
    /// @dev secp256k1 group order n.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev secp256k1 field prime p.
    uint256 internal constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    /// @dev The tweak of a key. `zrSign` is the deployment's address (the proxy), so a key response is bound
    /// to one chain and one deployment.
    function tweak(uint256 chainId, address zrSign, address owner, bytes32 walletTypeId, uint256 index)
        internal
        pure
        returns (uint256)
    {
        return uint256(keccak256(abi.encode(chainId, zrSign, owner, walletTypeId, index))) % N;
    }

    /// @dev address(R + t·G) with one ecrecover: with r = s = R.x and v = 27 + parity(R.y), ecrecover returns
    /// r⁻¹·(s·R − h·G) = R − (h / R.x)·G; choosing h = −R.x·t mod n gives R + t·G. Requires 0 < R.x < n
    /// (checked when the root is set); returns address(0) if the precompile fails.
    function childAddress(uint256 rootX, uint256 rootY, uint256 t) internal pure returns (address) {
        uint256 h = (N - mulmod(rootX, t, N)) % N;
        return ecrecover(bytes32(h), uint8(27 + (rootY & 1)), bytes32(rootX), bytes32(rootX));
    }

    /// @dev Whether (x, y) is a valid root: 0 < x < n and y² = x³ + 7 (mod p) with y < p.
    function isValidRoot(uint256 x, uint256 y) internal pure returns (bool) {
        if (x == 0 || x >= N || y >= P) return false;
        return mulmod(y, y, P) == addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
    }

    /// @dev The EVM address of a 64-byte uncompressed public key (x ‖ y).
    function addressOf(bytes calldata publicKey) internal pure returns (address) {
        return address(uint160(uint256(keccak256(publicKey))));
    }
}
