// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Rlp — minimal RLP encoder/decoder for building and inspecting unsigned EVM transactions in tests
library Rlp {
    /// @notice Thrown when a byte string is not the RLP the decoder expects.
    error RlpMalformed(uint256 offset);

    // ───────────────────────────── Encoding ─────────────────────────────

    /// @notice RLP of an unsigned integer (big-endian, no leading zeros; 0 encodes as 0x80).
    function encodeUint(uint256 value) internal pure returns (bytes memory) {
        if (value == 0) return hex"80";
        // forge-lint: disable-next-line(unsafe-typecast)
        if (value < 0x80) return abi.encodePacked(uint8(value));
        return encodeBytes(_trimmed(value));
    }

    /// @notice RLP of a 20-byte address.
    function encodeAddress(address value) internal pure returns (bytes memory) {
        return encodeBytes(abi.encodePacked(value));
    }

    /// @notice RLP of a byte string.
    function encodeBytes(bytes memory value) internal pure returns (bytes memory) {
        if (value.length == 1 && uint8(value[0]) < 0x80) return value;
        return abi.encodePacked(_header(0x80, value.length), value);
    }

    /// @notice RLP of a list whose items are already encoded.
    function encodeList(bytes[] memory items) internal pure returns (bytes memory) {
        bytes memory body;
        for (uint256 i; i < items.length; ++i) {
            body = abi.encodePacked(body, items[i]);
        }
        return abi.encodePacked(_header(0xc0, body.length), body);
    }

    /// @notice Unsigned EIP-155 legacy transaction `rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0])`.
    function legacyTx(
        uint256 nonce,
        uint256 gasPrice,
        uint256 gas,
        address to,
        uint256 value,
        bytes memory data,
        uint256 chainId
    ) internal pure returns (bytes memory) {
        bytes[] memory items = new bytes[](9);
        items[0] = encodeUint(nonce);
        items[1] = encodeUint(gasPrice);
        items[2] = encodeUint(gas);
        items[3] = encodeAddress(to);
        items[4] = encodeUint(value);
        items[5] = encodeBytes(data);
        items[6] = encodeUint(chainId);
        items[7] = encodeUint(0);
        items[8] = encodeUint(0);
        return encodeList(items);
    }

    /// @notice Unsigned EIP-1559 transaction `0x02 || rlp([chainId, nonce, tip, maxFee, gas, to, value, data, []])`.
    function eip1559Tx(
        uint256 chainId,
        uint256 nonce,
        uint256 maxPriorityFee,
        uint256 maxFee,
        uint256 gas,
        address to,
        uint256 value,
        bytes memory data
    ) internal pure returns (bytes memory) {
        bytes[] memory items = new bytes[](9);
        items[0] = encodeUint(chainId);
        items[1] = encodeUint(nonce);
        items[2] = encodeUint(maxPriorityFee);
        items[3] = encodeUint(maxFee);
        items[4] = encodeUint(gas);
        items[5] = encodeAddress(to);
        items[6] = encodeUint(value);
        items[7] = encodeBytes(data);
        items[8] = encodeList(new bytes[](0));
        return abi.encodePacked(uint8(2), encodeList(items));
    }

    // ───────────────────────────── Decoding ─────────────────────────────

    /// @notice The payloads of the items of a top-level RLP list (byte strings only; nested lists returned raw).
    function decodeList(bytes memory rlp) internal pure returns (bytes[] memory items) {
        (uint256 offset, uint256 length, bool isList) = _item(rlp, 0);
        if (!isList || offset + length != rlp.length) revert RlpMalformed(0);
        uint256 count;
        for (uint256 p = offset; p < rlp.length; ++count) {
            (uint256 o, uint256 l,) = _item(rlp, p);
            p = o + l;
        }
        items = new bytes[](count);
        uint256 cursor = offset;
        for (uint256 i; i < count; ++i) {
            (uint256 o, uint256 l, bool nested) = _item(rlp, cursor);
            uint256 start = nested ? cursor : o;
            items[i] = _slice(rlp, start, o + l - start);
            cursor = o + l;
        }
    }

    /// @notice A decoded RLP byte string read as a big-endian unsigned integer.
    function toUint(bytes memory item) internal pure returns (uint256 value) {
        if (item.length > 32) revert RlpMalformed(0);
        for (uint256 i; i < item.length; ++i) {
            value = (value << 8) | uint8(item[i]);
        }
    }

    // ───────────────────────────── Internals ─────────────────────────────

    function _header(uint8 base, uint256 length) private pure returns (bytes memory) {
        // forge-lint: disable-next-line(unsafe-typecast)
        if (length < 56) return abi.encodePacked(uint8(base + length));
        bytes memory len = _trimmed(length);
        return abi.encodePacked(uint8(base + 55 + len.length), len);
    }

    function _trimmed(uint256 value) private pure returns (bytes memory out) {
        uint256 n;
        for (uint256 v = value; v != 0; v >>= 8) {
            ++n;
        }
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            out[n - 1 - i] = bytes1(uint8(value >> (8 * i)));
        }
    }

    /// @dev (payload offset, payload length, is list) of the item starting at `p`.
    function _item(bytes memory rlp, uint256 p) private pure returns (uint256, uint256, bool) {
        if (p >= rlp.length) revert RlpMalformed(p);
        uint8 b = uint8(rlp[p]);
        if (b < 0x80) return (p, 1, false);
        if (b < 0xb8) return (p + 1, b - 0x80, false);
        if (b < 0xc0) return (p + 1 + (b - 0xb7), _be(rlp, p + 1, b - 0xb7), false);
        if (b < 0xf8) return (p + 1, b - 0xc0, true);
        return (p + 1 + (b - 0xf7), _be(rlp, p + 1, b - 0xf7), true);
    }

    function _be(bytes memory rlp, uint256 p, uint256 n) private pure returns (uint256 v) {
        if (p + n > rlp.length) revert RlpMalformed(p);
        for (uint256 i; i < n; ++i) {
            v = (v << 8) | uint8(rlp[p + i]);
        }
    }

    function _slice(bytes memory data, uint256 start, uint256 length) private pure returns (bytes memory out) {
        if (start + length > data.length) revert RlpMalformed(start);
        out = new bytes(length);
        for (uint256 i; i < length; ++i) {
            out[i] = data[start + i];
        }
    }
}
