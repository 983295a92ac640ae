// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../interfaces/IZrSign.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";

/// @title TxPayload — validates an unsigned EVM transaction and binds it to a chain id
/// @notice Accepts an unsigned EIP-155 legacy transaction `rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0])`
/// or an unsigned EIP-1559 one `0x02 ‖ rlp([chainId, nonce, maxPriorityFee, maxFee, gas, to, value, data,
/// accessList])`. The walk is bounds-checked: every item must lie inside its list, the list must span the whole
/// payload, length prefixes must be canonical, and integer fields read (chain id, legacy r and s) must be
/// canonical integers of at most 32 bytes. Any violation reverts with {IZrSign.ZrSignInvalidTxPayload} carrying
/// the byte offset of the offending item.
library TxPayload {
    uint256 private constant LEGACY_FIELDS_BEFORE_CHAIN_ID = 6;
    uint256 private constant EIP1559_FIELDS_AFTER_CHAIN_ID = 7; // nonce … data (accessList is read separately)

    /// @dev Returns the bytes to sign for `chainId`: the payload itself, or, for a legacy payload whose chain-id
    /// slot is 0 (v1 clients), the payload re-encoded with `chainId` written into that slot. Reverts with
    /// {IZrSign.ZrSignTxChainIdMismatch} if the payload carries another non-zero chain id (or 0 in EIP-1559).
    function bind(bytes calldata payload, uint64 chainId) internal pure returns (bytes memory signed) {
        uint256 end = payload.length;
        if (end == 0) revert IZrSign.ZrSignInvalidTxPayload(0);
        uint256 first = uint8(payload[0]);
        uint256 actual;
        if (first == 0x02) {
            uint256 off = _list(payload, 1, end);
            (actual, off) = _uint(payload, off, end);
            for (uint256 i; i < EIP1559_FIELDS_AFTER_CHAIN_ID; ++i) {
                off = _skip(payload, off, end, false);
            }
            off = _skip(payload, off, end, true); // accessList
            if (off != end) revert IZrSign.ZrSignInvalidTxPayload(off);
        } else if (first >= 0xc0) {
            uint256 listStart = _list(payload, 0, end);
            uint256 off = listStart;
            for (uint256 i; i < LEGACY_FIELDS_BEFORE_CHAIN_ID; ++i) {
                off = _skip(payload, off, end, false);
            }
            uint256 chainIdOffset = off;
            (actual, off) = _uint(payload, off, end);
            for (uint256 i; i < 2; ++i) {
                (uint256 zero, uint256 next) = _uint(payload, off, end); // the unsigned r and s slots
                if (zero != 0) revert IZrSign.ZrSignInvalidTxPayload(off);
                off = next;
            }
            if (off != end) revert IZrSign.ZrSignInvalidTxPayload(off);
            if (actual == 0) return _withChainId(payload[listStart:chainIdOffset], chainId);
        } else {
            revert IZrSign.ZrSignInvalidTxPayload(0);
        }
        if (actual != chainId) revert IZrSign.ZrSignTxChainIdMismatch(chainId, actual);
        return payload;
    }

    /// @dev Legacy list `fields ‖ rlp(chainId) ‖ 0x80 ‖ 0x80` with a fresh list header (its length may change).
    function _withChainId(bytes calldata fields, uint64 chainId) private pure returns (bytes memory) {
        bytes memory id = RLP.encode(uint256(chainId));
        uint256 length = fields.length + id.length + 2;
        return bytes.concat(_listHeader(length), fields, id, hex"8080");
    }

    /// @dev The RLP header of a list whose items take `length` bytes.
    function _listHeader(uint256 length) private pure returns (bytes memory header) {
        // forge-lint: disable-next-line(unsafe-typecast) length ≤ 55, so 0xc0 + length ≤ 0xf7
        if (length <= 55) return abi.encodePacked(uint8(0xc0 + length));
        uint256 lengthOfLength;
        for (uint256 l = length; l != 0; l >>= 8) {
            ++lengthOfLength;
        }
        header = new bytes(1 + lengthOfLength);
        // forge-lint: disable-next-line(unsafe-typecast) lengthOfLength ≤ 32, so 0xf7 + it fits a byte
        header[0] = bytes1(uint8(0xf7 + lengthOfLength));
        for (uint256 i; i < lengthOfLength; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) taking one byte of the length is the intent
            header[1 + i] = bytes1(uint8(length >> (8 * (lengthOfLength - 1 - i))));
        }
    }

    /// @dev Checks the item at `off` is a list spanning exactly to `end`; returns the offset of its first item.
    function _list(bytes calldata p, uint256 off, uint256 end) private pure returns (uint256 dataOff) {
        uint256 length;
        bool isList;
        (dataOff, length, isList) = _header(p, off, end);
        if (!isList || dataOff + length != end) revert IZrSign.ZrSignInvalidTxPayload(off);
    }

    /// @dev Skips the item at `off` (which must be a list iff `list`); returns the offset after it.
    function _skip(bytes calldata p, uint256 off, uint256 end, bool list) private pure returns (uint256) {
        (uint256 dataOff, uint256 length, bool isList) = _header(p, off, end);
        if (isList != list) revert IZrSign.ZrSignInvalidTxPayload(off);
        return dataOff + length;
    }

    /// @dev Reads the canonical integer at `off` (≤ 32 bytes, no leading zero, zero only as 0x80); returns it and
    /// the next offset.
    function _uint(bytes calldata p, uint256 off, uint256 end) private pure returns (uint256 value, uint256 next) {
        (uint256 dataOff, uint256 length, bool isList) = _header(p, off, end);
        if (isList || length > 32 || (length != 0 && p[dataOff] == 0)) {
            revert IZrSign.ZrSignInvalidTxPayload(off);
        }
        if (length != 0) value = uint256(bytes32(p[dataOff:dataOff + length])) >> (256 - 8 * length);
        next = dataOff + length;
    }

    /// @dev Decodes the header of the item at `off`, which must lie within `[off, end)`. Rejects non-canonical
    /// headers (a single byte < 0x80 wrapped in a prefix, long forms for short lengths, leading zero lengths).
    function _header(bytes calldata p, uint256 off, uint256 end)
        private
        pure
        returns (uint256 dataOff, uint256 length, bool isList)
    {
        if (off >= end) revert IZrSign.ZrSignInvalidTxPayload(off);
        uint256 prefix = uint8(p[off]);
        if (prefix < 0x80) return (off, 1, false);
        isList = prefix >= 0xc0;
        uint256 base = isList ? 0xc0 : 0x80;
        if (prefix - base <= 55) {
            length = prefix - base;
            dataOff = off + 1;
            if (!isList && length == 1 && (dataOff >= end || uint8(p[dataOff]) < 0x80)) {
                revert IZrSign.ZrSignInvalidTxPayload(off);
            }
        } else {
            uint256 lengthOfLength = prefix - base - 55; // 1..8
            dataOff = off + 1 + lengthOfLength;
            if (dataOff > end || p[off + 1] == 0) revert IZrSign.ZrSignInvalidTxPayload(off);
            length = uint256(bytes32(p[off + 1:dataOff])) >> (256 - 8 * lengthOfLength);
            if (length <= 55) revert IZrSign.ZrSignInvalidTxPayload(off);
        }
        if (dataOff + length > end) revert IZrSign.ZrSignInvalidTxPayload(off);
    }
}
