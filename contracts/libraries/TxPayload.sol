// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../interfaces/IZrSign.sol";

/// @title TxPayload — accepts only the canonical encoding of an unsigned EVM transaction and binds it to a chain id
/// @notice A payload is accepted exactly when it is the canonical RLP of one of these (the shapes and widths of
/// alloy-consensus' `TxLegacy` and `TxEip1559`, so the MPC side decodes and re-encodes it byte for byte):
/// ```
/// payload   = legacy | 0x02 ‖ eip1559
/// legacy    = list(nonce:u64, gasPrice:u128, gas:u64, to, value:u256, data, chainId:u64, 0x80, 0x80)
/// eip1559   = list(chainId:u64, nonce:u64, maxPriorityFee:u128, maxFee:u128, gas:u64, to, value:u256, data,
///                  accessList)
/// accessList = list(list(bytes20, list(bytes32*))*)
/// to        = 0x80 | bytes20                          (contract creation or a 20-byte address)
/// data      = any byte string
/// uN        = a byte string of at most N/8 bytes without a leading zero byte (zero is 0x80, never 0x00)
/// ```
/// Every header is in its shortest form (a byte < 0x80 stands for itself, a long form only for > 55 bytes, no
/// leading zero in a length), every item lies inside its list, and every list — the transaction's spanning the whole
/// payload — holds exactly its items. The legacy r and s slots are the empty string. A legacy `chainId` of 0 (v1
/// clients; it must be the canonical zero 0x80) is replaced by the destination chain id. Any violation reverts with
/// {IZrSign.ZrSignInvalidTxPayload} (offset, fault); a well-formed payload for another chain with
/// {IZrSign.ZrSignTxChainIdMismatch}.
/// @dev Assembly over calldata, as this is the `zrSignTx` hot path. The common canonical forms pass quick checks
/// (no branches, one bounds check at the end); anything else — a fault, or a rarer valid form such as a two-byte
/// length or a non-empty access list — goes through the exact walk, which follows the grammar field by field and
/// reverts at the first fault. Positions are absolute calldata offsets; errors report them relative to the payload.
/// Reads past the payload only meet bytes that the bounds checks then discard.
library TxPayload {
    /// @dev `bytes4(keccak256("ZrSignInvalidTxPayload(uint256,uint8)"))` (every revert test expects IZrSign's).
    uint256 private constant _INVALID_TX_PAYLOAD = 0xba029a55;

    // {IZrSign.TxPayloadFault}, as numbers for the assembly.
    uint256 private constant _UNKNOWN_TYPE = 0;
    uint256 private constant _TRUNCATED = 1;
    uint256 private constant _TRAILING_BYTES = 2;
    uint256 private constant _NON_CANONICAL_HEADER = 3;
    uint256 private constant _WRONG_ITEM_KIND = 4;
    uint256 private constant _LEADING_ZERO = 5;
    uint256 private constant _INTEGER_TOO_LONG = 6;
    uint256 private constant _WRONG_LENGTH = 7;
    uint256 private constant _NON_EMPTY_SIGNATURE = 8;

    /// @dev Returns the bytes to sign for `chainId`: the payload itself, or, for a legacy payload whose chain-id
    /// slot is 0 (v1 clients), the payload re-encoded with `chainId` written into that slot. Reverts with
    /// {IZrSign.ZrSignTxChainIdMismatch} if the payload carries another non-zero chain id (or 0 in EIP-1559).
    function bind(bytes calldata payload, uint64 chainId) internal pure returns (bytes memory signed) {
        uint256 actual; // the chain id the payload carries
        uint256 fieldsStart; // legacy: payload offsets of nonce … data, the part kept by a rewrite
        uint256 fieldsEnd;
        bool legacy;
        assembly ("memory-safe") {
            // Reverts with ZrSignInvalidTxPayload(pos − payload start, fault). The payload's start is in scratch 0x00.
            function fail(pos, fault) {
                let offset := sub(pos, mload(0x00))
                mstore(0x00, _INVALID_TX_PAYLOAD)
                mstore(0x20, offset)
                mstore(0x40, fault)
                revert(0x1c, 0x44)
            }

            // The header of the item at `pos`, which must lie before `end`: where its body starts, its length,
            // whether it is a list. Only the shortest form is accepted.
            function header(pos, end) -> body, len, list {
                if iszero(lt(pos, end)) { fail(pos, _TRUNCATED) }
                let w := calldataload(pos)
                let prefix := byte(0, w)
                switch lt(prefix, 0x80)
                case 1 {
                    // A single byte below 0x80 is its own one-byte string.
                    body := pos
                    len := 1
                }
                default {
                    list := gt(prefix, 0xbf)
                    let short := sub(prefix, add(0x80, shl(6, list))) // length, or 55 + length of the length
                    body := add(pos, 1)
                    len := short
                    if gt(short, 55) {
                        let lengthOfLength := sub(short, 55) // 1..8
                        body := add(body, lengthOfLength)
                        len := shr(sub(256, shl(3, lengthOfLength)), shl(8, w)) // bytes 1..lengthOfLength of w
                    }
                    if gt(add(body, len), end) { fail(pos, _TRUNCATED) }
                    // 0x81 must carry a byte ≥ 0x80; a long form needs > 55 bytes and no leading zero length byte.
                    if or(
                        and(eq(prefix, 0x81), lt(byte(1, w), 0x80)),
                        and(gt(short, 55), or(lt(len, 56), iszero(byte(1, w))))
                    ) { fail(pos, _NON_CANONICAL_HEADER) }
                }
            }

            // The list at `pos` (before `end`): its first item and its end.
            function list_(pos, end) -> body, listEnd {
                let len, isList
                body, len, isList := header(pos, end)
                if iszero(isList) { fail(pos, _WRONG_ITEM_KIND) }
                listEnd := add(body, len)
            }

            // A byte string at `pos` of `size` bytes (or empty, if `orEmpty`); returns the position after it.
            function sized(pos, end, size, orEmpty) -> next {
                let body, len, list := header(pos, end)
                if list { fail(pos, _WRONG_ITEM_KIND) }
                if iszero(or(eq(len, size), and(orEmpty, iszero(len)))) { fail(pos, _WRONG_LENGTH) }
                next := add(body, len)
            }

            // Any byte string at `pos`; returns the position after it.
            function string_(pos, end) -> next {
                let body, len, list := header(pos, end)
                if list { fail(pos, _WRONG_ITEM_KIND) }
                next := add(body, len)
            }

            // A canonical integer of at most `maxLen` bytes at `pos`; returns the position after it.
            function integer(pos, end, maxLen) -> next {
                let body, len, list := header(pos, end)
                if list { fail(pos, _WRONG_ITEM_KIND) }
                if gt(len, maxLen) { fail(pos, _INTEGER_TOO_LONG) }
                // len ≠ 0 and a zero first byte (this includes the single byte 0x00).
                if iszero(or(iszero(len), byte(0, calldataload(body)))) { fail(pos, _LEADING_ZERO) }
                next := add(body, len)
            }

            // The value of the canonical integer at `pos` (already checked).
            function value(pos) -> v {
                v := byte(0, calldataload(pos))
                if gt(v, 0x7f) { v := shr(sub(256, shl(3, sub(v, 0x80))), calldataload(add(pos, 1))) }
            }

            // A list's items must end exactly at its end.
            function done(pos, end) {
                if iszero(eq(pos, end)) { fail(pos, _TRAILING_BYTES) }
            }

            // [[address, [storageKey, …]], …] at `pos`; returns the position after it.
            function accessList(pos, end) -> next {
                let item
                item, next := list_(pos, end)
                for {} lt(item, next) {} {
                    let key, itemEnd := list_(item, next)
                    switch and(eq(byte(0, calldataload(key)), 0x94), iszero(gt(add(key, 21), itemEnd)))
                    case 1 { key := add(key, 21) }
                    default { key := sized(key, itemEnd, 20, 0) } // address
                    let keysEnd
                    key, keysEnd := list_(key, itemEnd)
                    done(keysEnd, itemEnd)
                    for {} lt(key, keysEnd) {} {
                        switch and(eq(byte(0, calldataload(key)), 0xa0), iszero(gt(add(key, 33), keysEnd)))
                        case 1 { key := add(key, 33) }
                        default { key := sized(key, keysEnd, 32, 0) }
                    }
                    item := itemEnd
                }
            }

            // The legacy r and s slots at `pos`: each exactly the empty string, ending the list at `end`.
            function signatureSlots(pos, end) {
                let p := pos
                for { let i := 0 } lt(i, 2) { i := add(i, 1) } {
                    if iszero(lt(p, end)) { fail(p, _TRUNCATED) }
                    if iszero(eq(byte(0, calldataload(p)), 0x80)) { fail(p, _NON_EMPTY_SIGNATURE) }
                    p := add(p, 1)
                }
                done(p, end)
            }

            // ── The exact walks: the grammar, field by field; they revert at the first fault or return. ──

            // gas, to, value, data: the fields both forms end their common part with.
            function exactGasToValueData(pos, end) -> next {
                next := integer(pos, end, 8) // gas
                next := sized(next, end, 20, 1) // to
                next := integer(next, end, 32) // value
                next := string_(next, end) // data
            }

            // 0x02 ‖ [chainId, nonce, tip, maxFee, gas, to, value, data, accessList]; returns the chain id's position.
            function exactEip1559(start, end) -> chainIdPos {
                let pos, listEnd := list_(add(start, 1), end)
                done(listEnd, end)
                chainIdPos := pos
                pos := integer(pos, end, 8) // chainId
                pos := integer(pos, end, 8) // nonce
                pos := integer(pos, end, 16) // maxPriorityFeePerGas
                pos := integer(pos, end, 16) // maxFeePerGas
                done(accessList(exactGasToValueData(pos, end), end), end)
            }

            // [nonce, gasPrice, gas, to, value, data, chainId, 0x80, 0x80]; returns where nonce … data start and end.
            function exactLegacy(start, end) -> fieldsStartPos, fieldsEndPos {
                let pos, listEnd := list_(start, end)
                done(listEnd, end)
                fieldsStartPos := pos
                pos := integer(pos, end, 8) // nonce
                pos := integer(pos, end, 16) // gasPrice
                fieldsEndPos := exactGasToValueData(pos, end)
                signatureSlots(integer(fieldsEndPos, end, 8), end) // chainId, r, s
            }

            // ── The quick checks: the common canonical forms, with no bounds checks of their own. Each returns the
            // next position and whether it is in doubt; they never revert. A walk of quick checks with no doubt
            // that ends exactly at `end` has kept every item in bounds (positions only grow) and accepted a
            // subset of what the exact walk accepts; on any doubt the exact walk decides. ──

            // An integer of at most `k` bytes: a byte 0x01..0x7f, or 0x80 + length ≤ k with a non-zero first byte
            // (≥ 0x80 if it is the only one).
            function quickInteger(pos, k) -> next, doubt {
                let w := calldataload(pos)
                let p := byte(0, w)
                let len := mul(gt(p, 0x7f), sub(p, 0x80))
                next := add(add(pos, 1), len)
                // 0x00; too long (lists and long forms included); a zero first byte, or a byte < 0x80 behind 0x81
                doubt := or(or(iszero(p), gt(len, k)), and(gt(p, 0x80), lt(byte(1, w), add(1, mul(eq(p, 0x81), 0x7f)))))
            }

            // `to`: 0x80, or 0x94 ‖ 20 bytes.
            function quickTo(pos) -> next, doubt {
                let p := byte(0, calldataload(pos))
                next := add(add(pos, 1), mul(eq(p, 0x94), 20))
                doubt := iszero(or(eq(p, 0x80), eq(p, 0x94)))
            }

            // `data`: a byte < 0x80, 0x80 + length ≤ 55 (0x81 only before a byte ≥ 0x80), or 0xb8 ‖ length > 55.
            function quickData(pos) -> next, doubt {
                let w := calldataload(pos)
                let p := byte(0, w)
                let b := byte(1, w)
                let len := mul(gt(p, 0x7f), sub(p, 0x80))
                doubt := and(eq(p, 0x81), lt(b, 0x80))
                if gt(len, 55) {
                    doubt := iszero(and(eq(p, 0xb8), gt(b, 55)))
                    len := add(b, 1)
                }
                next := add(add(pos, 1), len)
            }

            // gas, to, value, data.
            function quickGasToValueData(pos) -> next, doubt {
                let d
                next, doubt := quickInteger(pos, 8) // gas
                next, d := quickTo(next)
                doubt := or(doubt, d)
                next, d := quickInteger(next, 32) // value
                doubt := or(doubt, d)
                next, d := quickData(next)
                doubt := or(doubt, d)
            }

            // The transaction's list: 0xc0 + length ≤ 55, or 0xf8 ‖ length > 55, spanning to `end`.
            function quickList(pos, end) -> body, doubt {
                let w := calldataload(pos)
                let p := byte(0, w)
                body := add(pos, 1)
                let len := sub(p, 0xc0)
                doubt := gt(len, 55)
                if eq(p, 0xf8) {
                    body := add(pos, 2)
                    len := byte(1, w)
                    doubt := lt(len, 56)
                }
                doubt := or(doubt, iszero(eq(add(body, len), end)))
            }

            let start := payload.offset
            let end := add(start, payload.length)
            mstore(0x00, start)
            if iszero(payload.length) { fail(start, _UNKNOWN_TYPE) }
            let first := byte(0, calldataload(start))
            switch first
            case 0x02 {
                let pos, doubt := quickList(add(start, 1), end)
                let chainIdPos := pos
                let d
                pos, d := quickInteger(pos, 8) // chainId
                doubt := or(doubt, d)
                pos, d := quickInteger(pos, 8) // nonce
                doubt := or(doubt, d)
                pos, d := quickInteger(pos, 16) // maxPriorityFeePerGas
                doubt := or(doubt, d)
                pos, d := quickInteger(pos, 16) // maxFeePerGas
                doubt := or(doubt, d)
                pos, d := quickGasToValueData(pos)
                switch or(or(doubt, d), gt(pos, end))
                case 0 {
                    // Every field before the access list is sound and in bounds: the exact check of the access list
                    // reports its first fault (the empty list 0xc0 ending the payload needs none).
                    if iszero(and(eq(byte(0, calldataload(pos)), 0xc0), eq(add(pos, 1), end))) {
                        done(accessList(pos, end), end)
                    }
                }
                default { chainIdPos := exactEip1559(start, end) }
                actual := value(chainIdPos)
            }
            default {
                if lt(first, 0xc0) { fail(start, _UNKNOWN_TYPE) }
                let pos, doubt := quickList(start, end)
                let fieldsStartPos := pos
                let d
                pos, d := quickInteger(pos, 8) // nonce
                doubt := or(doubt, d)
                pos, d := quickInteger(pos, 16) // gasPrice
                doubt := or(doubt, d)
                pos, d := quickGasToValueData(pos)
                doubt := or(doubt, d)
                let fieldsEndPos := pos
                pos, d := quickInteger(pos, 8) // chainId
                // r and s: exactly the empty strings 0x80 0x80, ending the list.
                doubt := or(or(doubt, d), iszero(and(eq(add(pos, 2), end), eq(shr(240, calldataload(pos)), 0x8080))))
                if doubt { fieldsStartPos, fieldsEndPos := exactLegacy(start, end) }
                fieldsStart := sub(fieldsStartPos, start)
                fieldsEnd := sub(fieldsEndPos, start)
                actual := value(fieldsEndPos)
                legacy := 1
            }
        }
        if (legacy && actual == 0) return _withChainId(payload[fieldsStart:fieldsEnd], chainId);
        if (actual != chainId) revert IZrSign.ZrSignTxChainIdMismatch(chainId, actual);
        return payload;
    }

    /// @dev `rlp([fields…, chainId, 0, 0])`: the legacy fields nonce … data, already encoded, followed by `chainId`
    /// and empty r and s, under a fresh list header (its length may differ from the original's).
    function _withChainId(bytes calldata fields, uint256 chainId) private pure returns (bytes memory out) {
        assembly ("memory-safe") {
            // The number of bytes of v without leading zeros (0 for 0).
            function byteLength(v) -> n {
                for {} v { v := shr(8, v) } { n := add(n, 1) }
            }

            // tail = rlp(chainId) ‖ 0x80 ‖ 0x80, right-aligned, tailLength bytes.
            let idLength := byteLength(chainId)
            let tail := chainId // 0x01..0x7f stand for themselves
            let tailLength := idLength
            if iszero(and(lt(chainId, 0x80), iszero(iszero(chainId)))) {
                tail := or(shl(shl(3, idLength), add(0x80, idLength)), chainId)
                tailLength := add(idLength, 1)
            }
            tail := or(shl(16, tail), 0x8080)
            tailLength := add(tailLength, 2)

            // head = the list header of fields ‖ tail, right-aligned, headLength bytes.
            let bodyLength := add(fields.length, tailLength)
            let head := add(0xc0, bodyLength)
            let headLength := 1
            if gt(bodyLength, 55) {
                let n := byteLength(bodyLength)
                head := or(shl(shl(3, n), add(0xf7, n)), bodyLength)
                headLength := add(n, 1)
            }

            // Each word written left-aligned; the next write overwrites what spills past it.
            out := mload(0x40)
            mstore(out, add(headLength, bodyLength))
            let p := add(out, 0x20)
            mstore(p, shl(sub(256, shl(3, headLength)), head))
            p := add(p, headLength)
            calldatacopy(p, fields.offset, fields.length)
            p := add(p, fields.length)
            mstore(p, shl(sub(256, shl(3, tailLength)), tail))
            mstore(0x40, and(add(p, 0x3f), not(0x1f)))
        }
    }
}
