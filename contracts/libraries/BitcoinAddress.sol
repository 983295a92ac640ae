// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../interfaces/IZrSign.sol";

/// @title BitcoinAddress — native segwit (P2WPKH) addresses of secp256k1 keys
/// @notice `p2wpkh` is the BIP-173 address of witness version 0 with program HASH160(key) =
/// RIPEMD-160(SHA-256(key)) of a compressed public key: human-readable part `bc` (mainnet) or `tb` (testnet), the
/// separator `1`, the version and the 20-byte program in 5-bit groups, and the 6-character bech32 checksum (the
/// BIP-173 constant 1: version 0 is bech32, not BIP-350's bech32m), all lowercase. 42 characters.
/// @dev The hashes come from the SHA-256 (0x02) and RIPEMD-160 (0x03) precompiles, hence `view`.
library BitcoinAddress {
    /// @dev The bech32 alphabet, one character per 5-bit value (byte i = character of value i).
    bytes32 private constant _CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    /// @notice The P2WPKH address of `compressedPublicKey` (33 bytes, 0x02 or 0x03 ‖ x) on Bitcoin mainnet
    /// (`bc1q…`) or, if `testnet`, testnet (`tb1q…`).
    /// @dev Reverts with {IZrSign.ZrSignInvalidCompressedKey} if the key is not 33 bytes with prefix 0x02/0x03
    /// (whether x is on the curve is not checked: keys stored by ZrSign are verified when answered). Reverts without
    /// data if a precompile fails or is missing (the result would otherwise be silently wrong).
    function p2wpkh(bytes memory compressedPublicKey, bool testnet) internal view returns (string memory addr) {
        if (compressedPublicKey.length != 33 || (compressedPublicKey[0] != 0x02 && compressedPublicKey[0] != 0x03)) {
            revert IZrSign.ZrSignInvalidCompressedKey(compressedPublicKey);
        }
        bytes32 charset = _CHARSET;
        assembly ("memory-safe") {
            // One step of the BIP-173 checksum (the BCH code's polymod) over the 5-bit value `v`.
            function polymod(chk, v) -> r {
                let top := shr(25, chk)
                r := xor(shl(5, and(chk, 0x1ffffff)), v)
                // xor in generator i when bit i of `top` is set (a mask of all ones or zero, no branch)
                r := xor(r, and(sub(0, and(top, 1)), 0x3b6a57b2))
                r := xor(r, and(sub(0, and(shr(1, top), 1)), 0x26508e6d))
                r := xor(r, and(sub(0, and(shr(2, top), 1)), 0x1ea119fa))
                r := xor(r, and(sub(0, and(shr(3, top), 1)), 0x3d4233dd))
                r := xor(r, and(sub(0, and(shr(4, top), 1)), 0x2a1462b3))
            }

            // HASH160: SHA-256 of the 33 key bytes into scratch 0x00, then RIPEMD-160 of that digest (returned
            // right-aligned in 32 bytes). Each call must succeed and return its 32 bytes (Yul evaluates arguments
            // right to left, so the call and the size check are separate statements).
            let ok := staticcall(gas(), 0x02, add(compressedPublicKey, 0x20), 33, 0x00, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            ok := and(ok, staticcall(gas(), 0x03, 0x00, 0x20, 0x00, 0x20))
            if iszero(and(ok, eq(returndatasize(), 0x20))) { revert(0x00, 0x00) }
            let program := mload(0x00) // the 160-bit hash in the low bits

            addr := mload(0x40)
            mstore(0x40, add(addr, 0x60)) // 32-byte length + 42 characters
            mstore(addr, 42)
            let out := add(addr, 0x20)

            // hrp ‖ "1"; the checksum starts over the expanded hrp: high 3 bits of each character, 0, low 5 bits.
            let hrp := 0x6263 // "bc"
            if testnet { hrp := 0x7462} // "tb"
            mstore(out, shl(232, or(shl(8, hrp), 0x31)))
            let chk := 1
            chk := polymod(chk, shr(13, hrp)) // hrp[0] >> 5
            chk := polymod(chk, shr(5, and(hrp, 0xff))) // hrp[1] >> 5
            chk := polymod(chk, 0)
            chk := polymod(chk, and(shr(8, hrp), 0x1f)) // hrp[0] & 31
            chk := polymod(chk, and(hrp, 0x1f)) // hrp[1] & 31

            // The witness version 0 ('q'), then the program's 32 groups of 5 bits, most significant first.
            chk := polymod(chk, 0)
            mstore8(add(out, 3), byte(0, charset))
            for { let i := 0 } lt(i, 32) { i := add(i, 1) } {
                let v := and(shr(sub(155, mul(5, i)), program), 0x1f)
                chk := polymod(chk, v)
                mstore8(add(out, add(4, i)), byte(v, charset))
            }

            // The checksum: polymod over six more zeros, xor 1 (bech32), six 5-bit groups.
            for { let i := 0 } lt(i, 6) { i := add(i, 1) } { chk := polymod(chk, 0) }
            // BIP-173's final XOR with 1, not an exponent (audit/FINDINGS.md, incorrect-exp).
            // slither-disable-next-line incorrect-exp
            chk := xor(chk, 1)
            for { let i := 0 } lt(i, 6) { i := add(i, 1) } {
                mstore8(add(out, add(36, i)), byte(and(shr(mul(5, sub(5, i)), chk), 0x1f), charset))
            }
        }
    }
}
