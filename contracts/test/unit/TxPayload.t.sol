// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {TxPayloadHarness} from "../helpers/TxPayloadHarness.sol";

/// @title TxPayloadTest — the walk accepts exactly the canonical unsigned legacy / EIP-1559 encodings
/// @dev Library level (no deployment): each malformation reverts with its fault at its offset. The differential
/// against alloy's decoder is `tests/differential.rs::tx_payloads_accepted_exactly_when_alloy_round_trips`.
contract TxPayloadTest is Test {
    using RLP for uint256;
    using RLP for bytes;
    using RLP for address;

    uint64 internal constant CHAIN_ID = 31_337;
    address internal constant TO = 0x7777777777777777777777777777777777777777;
    bytes32 internal constant KEY_1 = keccak256("slot 1");
    bytes32 internal constant KEY_2 = bytes32(uint256(1));

    // Field indexes.
    uint256 internal constant L_NONCE = 0;
    uint256 internal constant L_GAS_PRICE = 1;
    uint256 internal constant L_GAS = 2;
    uint256 internal constant L_TO = 3;
    uint256 internal constant L_VALUE = 4;
    uint256 internal constant L_DATA = 5;
    uint256 internal constant L_CHAIN_ID = 6;
    uint256 internal constant L_R = 7;
    uint256 internal constant L_S = 8;
    uint256 internal constant E_CHAIN_ID = 0;
    uint256 internal constant E_NONCE = 1;
    uint256 internal constant E_TIP = 2;
    uint256 internal constant E_MAX_FEE = 3;
    uint256 internal constant E_GAS = 4;
    uint256 internal constant E_TO = 5;
    uint256 internal constant E_VALUE = 6;
    uint256 internal constant E_DATA = 7;
    uint256 internal constant E_ACCESS_LIST = 8;

    TxPayloadHarness internal h;

    function setUp() public {
        h = new TxPayloadHarness();
    }

    // ─────────────────────────────────────────── Builders ───────────────────────────────────────────

    function _legacyFields() internal pure returns (bytes[] memory f) {
        f = new bytes[](9);
        f[L_NONCE] = uint256(7).encode();
        f[L_GAS_PRICE] = uint256(20 gwei).encode();
        f[L_GAS] = uint256(21_000).encode();
        f[L_TO] = TO.encode();
        f[L_VALUE] = uint256(1 ether).encode();
        f[L_DATA] = bytes(hex"abcd").encode();
        f[L_CHAIN_ID] = uint256(CHAIN_ID).encode();
        f[L_R] = hex"80";
        f[L_S] = hex"80";
    }

    /// @dev [[TO, [KEY_1, KEY_2]], [address(1), []]]
    function _accessList() internal pure returns (bytes memory) {
        bytes[] memory keys = new bytes[](2);
        keys[0] = bytes.concat(KEY_1).encode();
        keys[1] = bytes.concat(KEY_2).encode();
        bytes[] memory first = new bytes[](2);
        first[0] = TO.encode();
        first[1] = RLP.encode(keys);
        bytes[] memory second = new bytes[](2);
        second[0] = address(1).encode();
        second[1] = RLP.encode(new bytes[](0));
        bytes[] memory items = new bytes[](2);
        items[0] = RLP.encode(first);
        items[1] = RLP.encode(second);
        return RLP.encode(items);
    }

    function _eip1559Fields() internal pure returns (bytes[] memory f) {
        f = new bytes[](9);
        f[E_CHAIN_ID] = uint256(CHAIN_ID).encode();
        f[E_NONCE] = uint256(3).encode();
        f[E_TIP] = uint256(1 gwei).encode();
        f[E_MAX_FEE] = uint256(30 gwei).encode();
        f[E_GAS] = uint256(50_000).encode();
        f[E_TO] = TO.encode();
        f[E_VALUE] = uint256(5).encode();
        f[E_DATA] = bytes(hex"01").encode();
        f[E_ACCESS_LIST] = _accessList();
    }

    function _legacy(bytes[] memory f) internal pure returns (bytes memory) {
        return RLP.encode(f);
    }

    function _eip1559(bytes[] memory f) internal pure returns (bytes memory) {
        return bytes.concat(hex"02", RLP.encode(f));
    }

    /// @dev Offset of field `i` in `RLP.encode(f)`.
    function _at(bytes[] memory f, uint256 i) internal pure returns (uint256 offset) {
        uint256 body;
        for (uint256 j; j < f.length; ++j) {
            body += f[j].length;
        }
        offset = body < 56 ? 1 : 1 + _be(body).length;
        for (uint256 j; j < i; ++j) {
            offset += f[j].length;
        }
    }

    /// @dev Big-endian bytes of `v` without leading zeros (empty for 0).
    function _be(uint256 v) internal pure returns (bytes memory out) {
        uint256 n;
        for (uint256 x = v; x != 0; x >>= 8) {
            ++n;
        }
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) one byte of v is the intent
            out[n - 1 - i] = bytes1(uint8(v >> (8 * (n - 1 - i))));
        }
    }

    /// @dev `n` bytes of 0x11.
    function _filled(uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            out[i] = 0x11;
        }
    }

    function _expectFault(bytes memory payload, uint256 offset, IZrSign.TxPayloadFault fault) internal {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidTxPayload.selector, offset, fault));
        h.bind(payload, CHAIN_ID);
    }

    /// @dev `f` with field `i` replaced by `item`, as a legacy payload, expected to fail there with `fault`.
    function _expectLegacyFault(uint256 i, bytes memory item, IZrSign.TxPayloadFault fault) internal {
        bytes[] memory f = _legacyFields();
        f[i] = item;
        _expectFault(_legacy(f), _at(f, i), fault);
    }

    /// @dev As {_expectLegacyFault} for EIP-1559 (the type byte shifts offsets by one).
    function _expectEip1559Fault(uint256 i, bytes memory item, IZrSign.TxPayloadFault fault) internal {
        bytes[] memory f = _eip1559Fields();
        f[i] = item;
        _expectFault(_eip1559(f), 1 + _at(f, i), fault);
    }

    // ─────────────────────────────────────────── Accepted ───────────────────────────────────────────

    function test_bind_legacyReturnsPayload() public view {
        bytes memory payload = _legacy(_legacyFields());
        assertEq(h.bind(payload, CHAIN_ID), payload);
    }

    function test_bind_eip1559WithAccessListReturnsPayload() public view {
        bytes memory payload = _eip1559(_eip1559Fields());
        assertEq(h.bind(payload, CHAIN_ID), payload);
    }

    function test_bind_contractCreationAndEmptyFields() public view {
        bytes[] memory f = _legacyFields();
        (f[L_NONCE], f[L_TO], f[L_VALUE], f[L_DATA]) = (hex"80", hex"80", hex"80", hex"80");
        assertEq(h.bind(_legacy(f), CHAIN_ID), _legacy(f));
        bytes[] memory e = _eip1559Fields();
        (e[E_TO], e[E_DATA], e[E_ACCESS_LIST]) = (hex"80", hex"80", hex"c0");
        assertEq(h.bind(_eip1559(e), CHAIN_ID), _eip1559(e));
    }

    function test_bind_widestIntegers() public view {
        uint64 chainId = type(uint64).max;
        bytes[] memory f = _legacyFields();
        f[L_NONCE] = uint256(type(uint64).max).encode();
        f[L_GAS_PRICE] = uint256(type(uint128).max).encode();
        f[L_GAS] = uint256(type(uint64).max).encode();
        f[L_VALUE] = type(uint256).max.encode();
        f[L_CHAIN_ID] = uint256(chainId).encode();
        assertEq(h.bind(_legacy(f), chainId), _legacy(f));
        bytes[] memory e = _eip1559Fields();
        e[E_CHAIN_ID] = uint256(chainId).encode();
        e[E_TIP] = uint256(type(uint128).max).encode();
        e[E_MAX_FEE] = uint256(type(uint128).max).encode();
        e[E_VALUE] = type(uint256).max.encode();
        assertEq(h.bind(_eip1559(e), chainId), _eip1559(e));
    }

    function test_bind_singleByteIntegersAndLongData() public view {
        bytes[] memory f = _legacyFields();
        f[L_NONCE] = hex"7f"; // a byte below 0x80 stands for itself
        f[L_VALUE] = hex"8180"; // 0x80 needs the prefix
        f[L_DATA] = _filled(300).encode(); // long form (0xb9 012c), list long form too
        assertEq(h.bind(_legacy(f), CHAIN_ID), _legacy(f));
    }

    function test_bind_v1LegacyChainIdRewritten() public view {
        bytes[] memory f = _legacyFields();
        f[L_CHAIN_ID] = hex"80";
        bytes memory v1 = _legacy(f);
        f[L_CHAIN_ID] = uint256(CHAIN_ID).encode();
        assertEq(h.bind(v1, CHAIN_ID), _legacy(f));
    }

    /// @dev The rewrite re-encodes the list header: across the 55/56-byte boundary and for every chain-id width.
    function testFuzz_bind_v1LegacyChainIdRewritten(uint64 chainId, uint256 dataLength) public view {
        chainId = uint64(bound(chainId, 1, type(uint64).max));
        dataLength = bound(dataLength, 0, 300);
        bytes[] memory f = _legacyFields();
        f[L_DATA] = _filled(dataLength).encode();
        f[L_CHAIN_ID] = hex"80";
        bytes memory v1 = _legacy(f);
        f[L_CHAIN_ID] = uint256(chainId).encode();
        assertEq(h.bind(v1, chainId), _legacy(f));
    }

    function _toItem(address to) internal pure returns (bytes memory) {
        return to == address(0) ? bytes(hex"80") : to.encode();
    }

    function testFuzz_bind_acceptsCanonicalLegacy(
        uint64 nonce,
        uint128 gasPrice,
        uint64 gas,
        address to,
        uint256 value,
        bytes calldata data
    ) public view {
        bytes[] memory f = _legacyFields();
        f[L_NONCE] = uint256(nonce).encode();
        f[L_GAS_PRICE] = uint256(gasPrice).encode();
        f[L_GAS] = uint256(gas).encode();
        f[L_TO] = _toItem(to);
        f[L_VALUE] = value.encode();
        f[L_DATA] = RLP.encode(data);
        assertEq(h.bind(_legacy(f), CHAIN_ID), _legacy(f));
    }

    /// @dev `items` copies of [to, [keccak(0) … keccak(keyCount − 1)]].
    function _accessListOf(address to, uint256 items, uint256 keyCount) internal pure returns (bytes memory) {
        bytes[] memory keys = new bytes[](keyCount);
        for (uint256 i; i < keyCount; ++i) {
            keys[i] = bytes.concat(keccak256(abi.encode(i))).encode();
        }
        bytes[] memory item = new bytes[](2);
        item[0] = to.encode();
        item[1] = RLP.encode(keys);
        bytes[] memory list = new bytes[](items);
        for (uint256 i; i < items; ++i) {
            list[i] = RLP.encode(item);
        }
        return RLP.encode(list);
    }

    function testFuzz_bind_acceptsCanonicalEip1559(
        uint64 nonce,
        uint128 fee,
        address to,
        uint256 value,
        bytes calldata data,
        uint256 items,
        uint256 keyCount
    ) public view {
        bytes[] memory e = _eip1559Fields();
        e[E_NONCE] = uint256(nonce).encode();
        e[E_TIP] = uint256(fee / 2).encode();
        e[E_MAX_FEE] = uint256(fee).encode();
        e[E_GAS] = uint256(nonce >> 3).encode();
        e[E_TO] = _toItem(to);
        e[E_VALUE] = value.encode();
        e[E_DATA] = RLP.encode(data);
        e[E_ACCESS_LIST] = _accessListOf(to, bound(items, 0, 3), bound(keyCount, 0, 4));
        assertEq(h.bind(_eip1559(e), CHAIN_ID), _eip1559(e));
    }

    // ─────────────────────────────────────── Framing and type ───────────────────────────────────────

    function test_RevertWhen_payloadEmpty() public {
        _expectFault("", 0, IZrSign.TxPayloadFault.UnknownType);
    }

    function test_RevertWhen_typeUnknown() public {
        bytes memory list = _legacy(_legacyFields());
        _expectFault(bytes.concat(hex"01", list), 0, IZrSign.TxPayloadFault.UnknownType); // EIP-2930
        _expectFault(bytes.concat(hex"03", list), 0, IZrSign.TxPayloadFault.UnknownType);
        _expectFault(hex"80", 0, IZrSign.TxPayloadFault.UnknownType); // a byte string, not a list
        _expectFault(hex"b8", 0, IZrSign.TxPayloadFault.UnknownType);
    }

    function test_RevertWhen_eip1559WithoutList() public {
        _expectFault(hex"02", 1, IZrSign.TxPayloadFault.Truncated);
        _expectFault(hex"0280", 1, IZrSign.TxPayloadFault.WrongItemKind);
        _expectFault(hex"02c0", 2, IZrSign.TxPayloadFault.Truncated); // no chain id
    }

    function test_RevertWhen_payloadTruncated() public {
        bytes memory good = _legacy(_legacyFields());
        bytes memory truncated = new bytes(good.length - 1);
        for (uint256 i; i < truncated.length; ++i) {
            truncated[i] = good[i];
        }
        _expectFault(truncated, 0, IZrSign.TxPayloadFault.Truncated);
    }

    function test_RevertWhen_bytesAfterList() public {
        bytes memory good = _legacy(_legacyFields());
        _expectFault(bytes.concat(good, hex"00"), good.length, IZrSign.TxPayloadFault.TrailingBytes);
        bytes memory e = _eip1559(_eip1559Fields());
        _expectFault(bytes.concat(e, hex"c0"), e.length, IZrSign.TxPayloadFault.TrailingBytes);
    }

    function test_RevertWhen_fieldMissing() public {
        _expectFault(hex"c3808080", 4, IZrSign.TxPayloadFault.Truncated);
        bytes[] memory f = _legacyFields();
        bytes[] memory eight = new bytes[](8);
        for (uint256 i; i < 8; ++i) {
            eight[i] = f[i];
        }
        bytes memory payload = _legacy(eight);
        _expectFault(payload, payload.length, IZrSign.TxPayloadFault.Truncated); // no s
        bytes[] memory e = _eip1559Fields();
        bytes[] memory noAccessList = new bytes[](8);
        for (uint256 i; i < 8; ++i) {
            noAccessList[i] = e[i];
        }
        payload = _eip1559(noAccessList);
        _expectFault(payload, payload.length, IZrSign.TxPayloadFault.Truncated);
    }

    function test_RevertWhen_extraField() public {
        bytes[] memory f = _legacyFields();
        bytes[] memory ten = new bytes[](10);
        for (uint256 i; i < 9; ++i) {
            ten[i] = f[i];
        }
        ten[9] = hex"80";
        _expectFault(_legacy(ten), _at(ten, 9), IZrSign.TxPayloadFault.TrailingBytes);
        bytes[] memory e = _eip1559Fields();
        bytes[] memory eTen = new bytes[](10);
        for (uint256 i; i < 9; ++i) {
            eTen[i] = e[i];
        }
        eTen[9] = hex"c0";
        _expectFault(_eip1559(eTen), 1 + _at(eTen, 9), IZrSign.TxPayloadFault.TrailingBytes);
    }

    function test_RevertWhen_itemRunsPastItsList() public {
        // data claims 3 bytes, only 2 follow before the list (and payload) ends
        bytes[] memory f = _legacyFields();
        (f[L_DATA], f[L_CHAIN_ID], f[L_R], f[L_S]) = (hex"83abcd", hex"", hex"", hex"");
        _expectFault(_legacy(f), _at(f, L_DATA), IZrSign.TxPayloadFault.Truncated);
        // an access-list item longer than the access list
        _expectEip1559Fault(E_ACCESS_LIST, hex"c2c3", IZrSign.TxPayloadFault.Truncated);
        bytes[] memory e = _eip1559Fields();
        e[E_ACCESS_LIST] = hex"c2c380";
        _expectFault(_eip1559(e), 2 + _at(e, E_ACCESS_LIST), IZrSign.TxPayloadFault.Truncated);
    }

    // ───────────────────────────────────────── Headers ──────────────────────────────────────────

    function test_RevertWhen_singleByteBehindPrefix() public {
        _expectLegacyFault(L_NONCE, hex"8107", IZrSign.TxPayloadFault.NonCanonicalHeader);
        _expectLegacyFault(L_DATA, hex"817f", IZrSign.TxPayloadFault.NonCanonicalHeader);
        _expectLegacyFault(L_VALUE, hex"8100", IZrSign.TxPayloadFault.NonCanonicalHeader);
    }

    function test_RevertWhen_longFormForShortLength() public {
        _expectLegacyFault(L_DATA, hex"b802abcd", IZrSign.TxPayloadFault.NonCanonicalHeader);
        _expectLegacyFault(L_GAS, hex"b8025208", IZrSign.TxPayloadFault.NonCanonicalHeader);
        bytes memory good = _legacy(_legacyFields()); // a short list: 0xc0 + length
        bytes memory longForm = bytes.concat(hex"f8", bytes1(uint8(good[0]) - 0xc0));
        for (uint256 i = 1; i < good.length; ++i) {
            longForm = bytes.concat(longForm, good[i]);
        }
        _expectFault(longForm, 0, IZrSign.TxPayloadFault.NonCanonicalHeader);
        _expectEip1559Fault(E_ACCESS_LIST, hex"f800", IZrSign.TxPayloadFault.NonCanonicalHeader);
    }

    function test_RevertWhen_lengthHasLeadingZero() public {
        _expectLegacyFault(L_DATA, bytes.concat(hex"b9003c", _filled(60)), IZrSign.TxPayloadFault.NonCanonicalHeader);
        _expectLegacyFault(L_DATA, hex"b800", IZrSign.TxPayloadFault.NonCanonicalHeader);
    }

    // ───────────────────────────────────────── Integers ─────────────────────────────────────────

    function test_RevertWhen_integerHasLeadingZero() public {
        _expectLegacyFault(L_NONCE, hex"820007", IZrSign.TxPayloadFault.LeadingZero);
        _expectLegacyFault(L_GAS_PRICE, hex"860004a817c800", IZrSign.TxPayloadFault.LeadingZero);
        _expectLegacyFault(L_GAS, hex"83005208", IZrSign.TxPayloadFault.LeadingZero);
        _expectLegacyFault(L_VALUE, hex"89000de0b6b3a7640000", IZrSign.TxPayloadFault.LeadingZero);
        _expectLegacyFault(L_CHAIN_ID, hex"83007a69", IZrSign.TxPayloadFault.LeadingZero);
        _expectEip1559Fault(E_CHAIN_ID, hex"83007a69", IZrSign.TxPayloadFault.LeadingZero);
        _expectEip1559Fault(E_TIP, hex"820001", IZrSign.TxPayloadFault.LeadingZero);
        _expectEip1559Fault(E_MAX_FEE, hex"820001", IZrSign.TxPayloadFault.LeadingZero);
    }

    function test_RevertWhen_zeroEncodedAsByte() public {
        _expectLegacyFault(L_NONCE, hex"00", IZrSign.TxPayloadFault.LeadingZero);
        _expectLegacyFault(L_VALUE, hex"00", IZrSign.TxPayloadFault.LeadingZero);
        _expectEip1559Fault(E_NONCE, hex"00", IZrSign.TxPayloadFault.LeadingZero);
    }

    function test_RevertWhen_integerTooLong() public {
        bytes memory nine = bytes.concat(hex"89", _filled(9));
        bytes memory seventeen = bytes.concat(hex"91", _filled(17));
        bytes memory thirtyThree = bytes.concat(hex"a1", _filled(33));
        _expectLegacyFault(L_NONCE, nine, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectLegacyFault(L_GAS_PRICE, seventeen, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectLegacyFault(L_GAS, nine, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectLegacyFault(L_VALUE, thirtyThree, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectLegacyFault(L_CHAIN_ID, nine, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectEip1559Fault(E_CHAIN_ID, nine, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectEip1559Fault(E_NONCE, nine, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectEip1559Fault(E_TIP, seventeen, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectEip1559Fault(E_MAX_FEE, seventeen, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectEip1559Fault(E_GAS, nine, IZrSign.TxPayloadFault.IntegerTooLong);
        _expectEip1559Fault(E_VALUE, thirtyThree, IZrSign.TxPayloadFault.IntegerTooLong);
        // a 56-byte value in canonical long form is too long, not non-canonical
        _expectLegacyFault(L_VALUE, bytes.concat(hex"b838", _filled(56)), IZrSign.TxPayloadFault.IntegerTooLong);
    }

    function testFuzz_RevertWhen_integerHasLeadingZero(uint256 field, uint256 value, bool eip1559) public {
        uint256[5] memory legacyInts = [L_NONCE, L_GAS_PRICE, L_GAS, L_VALUE, L_CHAIN_ID];
        uint256[6] memory eip1559Ints = [E_CHAIN_ID, E_NONCE, E_TIP, E_MAX_FEE, E_GAS, E_VALUE];
        uint256 i = eip1559 ? eip1559Ints[field % 6] : legacyInts[field % 5];
        uint256 width = (i == (eip1559 ? E_VALUE : L_VALUE)) ? 32 : 8; // u128 fields are fuzzed at u64 widths
        value = bound(value, 0, width == 32 ? type(uint248).max : type(uint56).max); // room for the zero byte
        bytes memory item = bytes.concat(hex"00", _be(value)).encode();
        if (eip1559) _expectEip1559Fault(i, item, IZrSign.TxPayloadFault.LeadingZero);
        else _expectLegacyFault(i, item, IZrSign.TxPayloadFault.LeadingZero);
    }

    function testFuzz_RevertWhen_integerTooLong(uint256 field, bytes32 seed, uint256 extra) public {
        uint256[5] memory ints = [L_NONCE, L_GAS_PRICE, L_GAS, L_VALUE, L_CHAIN_ID];
        uint256 i = ints[field % 5];
        uint256 width = i == L_VALUE ? 32 : i == L_GAS_PRICE ? 16 : 8;
        uint256 length = width + bound(extra, 1, 24); // up to 56 bytes: long form for a value
        bytes memory raw = new bytes(length);
        for (uint256 j; j < length; ++j) {
            raw[j] = seed[j % 32] | 0x01; // no leading zero
        }
        _expectLegacyFault(i, raw.encode(), IZrSign.TxPayloadFault.IntegerTooLong);
    }

    // ────────────────────────────────────── Shapes of fields ─────────────────────────────────────

    function test_RevertWhen_toNotAddress() public {
        _expectLegacyFault(L_TO, bytes.concat(hex"93", _filled(19)), IZrSign.TxPayloadFault.WrongLength);
        _expectLegacyFault(L_TO, bytes.concat(hex"95", _filled(21)), IZrSign.TxPayloadFault.WrongLength);
        _expectLegacyFault(L_TO, hex"01", IZrSign.TxPayloadFault.WrongLength);
        _expectEip1559Fault(E_TO, bytes.concat(hex"93", _filled(19)), IZrSign.TxPayloadFault.WrongLength);
        _expectEip1559Fault(E_TO, hex"c0", IZrSign.TxPayloadFault.WrongItemKind);
    }

    function test_RevertWhen_fieldIsList() public {
        _expectLegacyFault(L_NONCE, hex"c0", IZrSign.TxPayloadFault.WrongItemKind);
        _expectLegacyFault(L_GAS_PRICE, hex"c180", IZrSign.TxPayloadFault.WrongItemKind);
        _expectLegacyFault(L_TO, hex"c0", IZrSign.TxPayloadFault.WrongItemKind);
        _expectLegacyFault(L_VALUE, hex"c0", IZrSign.TxPayloadFault.WrongItemKind);
        _expectLegacyFault(L_DATA, hex"c0", IZrSign.TxPayloadFault.WrongItemKind);
        _expectLegacyFault(L_CHAIN_ID, hex"c0", IZrSign.TxPayloadFault.WrongItemKind);
        _expectEip1559Fault(E_DATA, hex"c0", IZrSign.TxPayloadFault.WrongItemKind);
        _expectEip1559Fault(E_GAS, hex"c0", IZrSign.TxPayloadFault.WrongItemKind);
    }

    function test_RevertWhen_signatureSlotNotEmpty() public {
        _expectLegacyFault(L_R, hex"01", IZrSign.TxPayloadFault.NonEmptySignature);
        _expectLegacyFault(L_R, hex"00", IZrSign.TxPayloadFault.NonEmptySignature);
        _expectLegacyFault(L_R, hex"c0", IZrSign.TxPayloadFault.NonEmptySignature);
        _expectLegacyFault(L_S, hex"1b", IZrSign.TxPayloadFault.NonEmptySignature);
    }

    /// @dev The v1 form carries the canonical zero 0x80 in the chain-id slot; other zeros are not rewritten.
    function test_RevertWhen_v1ChainIdNotCanonicalZero() public {
        _expectLegacyFault(L_CHAIN_ID, hex"00", IZrSign.TxPayloadFault.LeadingZero);
        _expectLegacyFault(L_CHAIN_ID, hex"8100", IZrSign.TxPayloadFault.NonCanonicalHeader);
        _expectLegacyFault(L_CHAIN_ID, hex"820000", IZrSign.TxPayloadFault.LeadingZero);
    }

    // ──────────────────────────────────────── Access lists ───────────────────────────────────────

    /// @dev The access list is [[address, [key]]] with the item replaced: offset of the item in the payload.
    function _accessListItemFault(bytes memory item, uint256 offsetInItem, IZrSign.TxPayloadFault fault) internal {
        bytes[] memory e = _eip1559Fields();
        bytes[] memory items = new bytes[](1);
        items[0] = item;
        e[E_ACCESS_LIST] = RLP.encode(items);
        uint256 listHeader = e[E_ACCESS_LIST].length - item.length;
        _expectFault(_eip1559(e), 1 + _at(e, E_ACCESS_LIST) + listHeader + offsetInItem, fault);
    }

    function _item(bytes memory addressItem, bytes memory keys) internal pure returns (bytes memory) {
        bytes[] memory fields = new bytes[](2);
        (fields[0], fields[1]) = (addressItem, keys);
        return RLP.encode(fields);
    }

    function _keys(bytes memory key) internal pure returns (bytes memory) {
        bytes[] memory keys = new bytes[](1);
        keys[0] = key;
        return RLP.encode(keys);
    }

    function test_RevertWhen_accessListNotList() public {
        _expectEip1559Fault(E_ACCESS_LIST, hex"80", IZrSign.TxPayloadFault.WrongItemKind);
        _expectEip1559Fault(E_ACCESS_LIST, TO.encode(), IZrSign.TxPayloadFault.WrongItemKind);
    }

    function test_RevertWhen_accessListHoldsString() public {
        _accessListItemFault(TO.encode(), 0, IZrSign.TxPayloadFault.WrongItemKind);
        _accessListItemFault(hex"80", 0, IZrSign.TxPayloadFault.WrongItemKind);
    }

    function test_RevertWhen_accessListAddressWrong() public {
        bytes memory keys = _keys(bytes.concat(KEY_1).encode());
        bytes memory short = bytes.concat(hex"93", _filled(19));
        _accessListItemFault(_item(short, keys), 1, IZrSign.TxPayloadFault.WrongLength);
        _accessListItemFault(_item(hex"80", keys), 1, IZrSign.TxPayloadFault.WrongLength);
        _accessListItemFault(_item(hex"c0", keys), 1, IZrSign.TxPayloadFault.WrongItemKind);
    }

    /// @dev An item [TO, keys] whose first key (or, if `keysNotList`, whose keys) fail(s) with `fault`.
    function _keysFault(bytes memory keys, bool keysNotList, IZrSign.TxPayloadFault fault) internal {
        bytes memory addr = TO.encode();
        bytes memory item = _item(addr, keys);
        uint256 keysAt = item.length - keys.length; // item header + address
        _accessListItemFault(item, keysNotList ? keysAt : keysAt + 1, fault); // a short keys list: 1-byte header
    }

    function test_RevertWhen_accessListKeysWrong() public {
        _keysFault(bytes.concat(KEY_1).encode(), true, IZrSign.TxPayloadFault.WrongItemKind);
        _keysFault(_keys(bytes.concat(hex"9f", _filled(31))), false, IZrSign.TxPayloadFault.WrongLength);
        _keysFault(_keys(bytes.concat(hex"a1", _filled(33))), false, IZrSign.TxPayloadFault.WrongLength); // 2-byte item header
        _keysFault(_keys(hex"c0"), false, IZrSign.TxPayloadFault.WrongItemKind);
    }

    function test_RevertWhen_accessListItemShapeWrong() public {
        bytes memory addr = TO.encode();
        bytes[] memory three = new bytes[](3);
        (three[0], three[1], three[2]) = (addr, hex"c0", hex"c0");
        _accessListItemFault(RLP.encode(three), 1 + addr.length + 1, IZrSign.TxPayloadFault.TrailingBytes);
        bytes[] memory one = new bytes[](1);
        one[0] = addr;
        _accessListItemFault(RLP.encode(one), 1 + addr.length, IZrSign.TxPayloadFault.Truncated);
    }

    // ───────────────────────────────────────── Chain id ─────────────────────────────────────────

    function test_RevertWhen_chainIdMismatch() public {
        bytes[] memory f = _legacyFields();
        f[L_CHAIN_ID] = uint256(1).encode();
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTxChainIdMismatch.selector, CHAIN_ID, 1));
        h.bind(_legacy(f), CHAIN_ID);
        bytes[] memory e = _eip1559Fields();
        e[E_CHAIN_ID] = hex"80";
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTxChainIdMismatch.selector, CHAIN_ID, 0));
        h.bind(_eip1559(e), CHAIN_ID);
    }

    /// @dev A shape fault is reported before a chain-id mismatch.
    function test_RevertWhen_chainIdMismatchAndMalformed() public {
        bytes[] memory f = _legacyFields();
        f[L_CHAIN_ID] = uint256(1).encode();
        f[L_S] = hex"01";
        _expectFault(_legacy(f), _at(f, L_S), IZrSign.TxPayloadFault.NonEmptySignature);
    }

    // ────────────────────────────────────────── Robustness ──────────────────────────────────────────

    /// @dev Whatever the bytes, the walk returns or reverts with one of its two typed errors (never a panic or an
    /// out-of-bounds read).
    function testFuzz_bind_revertsOnlyTyped(bytes calldata prefix, uint256 position, uint8 flip, bool eip1559)
        public
        view
    {
        bytes memory payload = eip1559 ? _eip1559(_eip1559Fields()) : _legacy(_legacyFields());
        position = bound(position, 0, payload.length - 1);
        payload[position] = payload[position] ^ bytes1(flip);
        bytes memory mutated = bytes.concat(prefix.length % 2 == 0 ? bytes("") : prefix, payload);
        try h.bind(mutated, CHAIN_ID) {}
        catch (bytes memory err) {
            bytes4 selector = bytes4(err);
            assertTrue(
                selector == IZrSign.ZrSignInvalidTxPayload.selector
                    || selector == IZrSign.ZrSignTxChainIdMismatch.selector,
                "untyped revert"
            );
            assertEq(err.length, 68, "two words");
        }
    }
}
