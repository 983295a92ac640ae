// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title BitcoinAddress — native SegWit v0 (P2WPKH) addresses of secp256k1 keys
/// @notice PLACEHOLDER until branch issue10-rlp lands the real library at this path with this signature; kept minimal
/// (straightforward BIP-173 encoding, no gas work) so that ZrSign's views compile and their tests run against the
/// BIP-173 vectors.
library BitcoinAddress {
    /// @dev The BIP-173 bech32 character set.
    bytes internal constant CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    /// @notice The P2WPKH address (`bc1q…`, or `tb1q…` when `testnet`) of a 33-byte compressed public key:
    /// bech32(hrp, [0] ‖ 5-bit groups of RIPEMD-160(SHA-256(key))).
    function p2wpkh(bytes memory compressedPublicKey, bool testnet) internal view returns (string memory) {
        bytes20 program = _hash160(compressedPublicKey);
        bytes memory hrp = testnet ? bytes("tb") : bytes("bc");
        // Witness version 0, then the 160-bit program as 32 groups of 5 bits.
        uint8[] memory data = new uint8[](33);
        uint256 bits = uint256(uint160(program));
        for (uint256 i; i < 32; ++i) {
            data[1 + i] = uint8((bits >> (155 - 5 * i)) & 31);
        }
        uint256 checksum = _checksum(hrp, data);
        bytes memory out = new bytes(hrp.length + 1 + data.length + 6);
        uint256 k;
        for (uint256 i; i < hrp.length; ++i) {
            out[k++] = hrp[i];
        }
        out[k++] = "1";
        for (uint256 i; i < data.length; ++i) {
            out[k++] = CHARSET[data[i]];
        }
        for (uint256 i; i < 6; ++i) {
            out[k++] = CHARSET[(checksum >> (5 * (5 - i))) & 31];
        }
        return string(out);
    }

    /// @dev RIPEMD-160(SHA-256(data)) through the precompiles at 0x02 and 0x03.
    function _hash160(bytes memory data) private view returns (bytes20 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            if iszero(staticcall(gas(), 0x02, add(data, 0x20), mload(data), ptr, 0x20)) { revert(0, 0) }
            if iszero(staticcall(gas(), 0x03, ptr, 0x20, ptr, 0x20)) { revert(0, 0) }
            h := shl(96, mload(ptr))
        }
    }

    /// @dev The bech32 (BIP-173, constant 1) checksum of `hrp` and `data`, six 5-bit groups in one integer.
    function _checksum(bytes memory hrp, uint8[] memory data) private pure returns (uint256) {
        uint256 chk = 1;
        for (uint256 i; i < hrp.length; ++i) {
            chk = _polymodStep(chk, uint8(hrp[i]) >> 5);
        }
        chk = _polymodStep(chk, 0);
        for (uint256 i; i < hrp.length; ++i) {
            chk = _polymodStep(chk, uint8(hrp[i]) & 31);
        }
        for (uint256 i; i < data.length; ++i) {
            chk = _polymodStep(chk, data[i]);
        }
        for (uint256 i; i < 6; ++i) {
            chk = _polymodStep(chk, 0);
        }
        return chk ^ 1;
    }

    /// @dev One step of the bech32 BCH polymod.
    function _polymodStep(uint256 chk, uint256 value) private pure returns (uint256) {
        uint256 top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ value;
        if (top & 1 != 0) chk ^= 0x3b6a57b2;
        if (top & 2 != 0) chk ^= 0x26508e6d;
        if (top & 4 != 0) chk ^= 0x1ea119fa;
        if (top & 8 != 0) chk ^= 0x3d4233dd;
        if (top & 16 != 0) chk ^= 0x2a1462b3;
        return chk;
    }
}
