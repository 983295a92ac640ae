// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {TxPayloadHarness} from "../helpers/TxPayloadHarness.sol";

/// @title TxPayloadMutationsTest — every single-byte change of the shortest payloads, exhaustively
/// @notice The shortest legacy (10 bytes) and EIP-1559 (11 bytes) payloads hold nine one-byte items, so whether a
/// payload of that length is canonical is easy to state without the walker: the list header, then one-byte
/// canonical integers (0x80 or 0x01..0x7f), `to` empty (0x80), `data` any byte ≤ 0x80, and the fixed tails. Each of
/// the 256 values at each position is bound for chain 1 and must be accepted exactly when that statement holds (and
/// then carry chain 1, or 0 for a legacy one, which is rewritten).
contract TxPayloadMutationsTest is Test {
    TxPayloadHarness internal harness = new TxPayloadHarness();
    uint64 internal constant CHAIN = 1;

    function _int1(bytes memory p, uint256 i) internal pure returns (bool) {
        uint8 b = uint8(p[i]);
        return b == 0x80 || (b != 0 && b < 0x80);
    }

    function _val1(bytes memory p, uint256 i) internal pure returns (uint256) {
        uint8 b = uint8(p[i]);
        return b == 0x80 ? 0 : b;
    }

    function _legacyCanonical(bytes memory p) internal pure returns (bool) {
        return uint8(p[0]) == 0xc9 && _int1(p, 1) && _int1(p, 2) && _int1(p, 3) && uint8(p[4]) == 0x80 && _int1(p, 5)
            && uint8(p[6]) <= 0x80 && _int1(p, 7) && uint8(p[8]) == 0x80 && uint8(p[9]) == 0x80;
    }

    function _eip1559Canonical(bytes memory p) internal pure returns (bool) {
        return uint8(p[0]) == 0x02 && uint8(p[1]) == 0xc9 && _int1(p, 2) && _int1(p, 3) && _int1(p, 4) && _int1(p, 5)
            && _int1(p, 6) && uint8(p[7]) == 0x80 && _int1(p, 8) && uint8(p[9]) <= 0x80 && uint8(p[10]) == 0xc0;
    }

    function _accepted(bytes memory p) internal view returns (bool ok, bytes memory reason) {
        try harness.bind(p, CHAIN) returns (bytes memory) {
            ok = true;
        } catch (bytes memory r) {
            reason = r;
        }
    }

    function test_bind_everySingleByteChangeOfTheShortestLegacyPayload() public view {
        bytes memory base = hex"c9808080808080018080";
        uint256 accepted;
        for (uint256 i; i < base.length; ++i) {
            for (uint256 b; b < 256; ++b) {
                bytes memory p = bytes.concat(base);
                p[i] = bytes1(uint8(b));
                bool canonical = _legacyCanonical(p);
                uint256 carried = canonical ? _val1(p, 7) : 0;
                (bool ok, bytes memory reason) = _accepted(p);
                assertEq(ok, canonical && (carried == 0 || carried == CHAIN), vm.toString(p));
                if (ok) ++accepted;
                else if (canonical) assertEq(bytes4(reason), IZrSign.ZrSignTxChainIdMismatch.selector);
                else assertEq(bytes4(reason), IZrSign.ZrSignInvalidTxPayload.selector, vm.toString(p));
            }
        }
        assertGt(accepted, 10, "some changes are canonical (other nonces, values, data)");
    }

    function test_bind_everySingleByteChangeOfTheShortestEip1559Payload() public view {
        bytes memory base = hex"02c90180808080808080c0";
        uint256 accepted;
        for (uint256 i; i < base.length; ++i) {
            for (uint256 b; b < 256; ++b) {
                bytes memory p = bytes.concat(base);
                p[i] = bytes1(uint8(b));
                bool canonical = _eip1559Canonical(p);
                (bool ok, bytes memory reason) = _accepted(p);
                assertEq(ok, canonical && _val1(p, 2) == CHAIN, vm.toString(p));
                if (ok) ++accepted;
                else if (canonical) assertEq(bytes4(reason), IZrSign.ZrSignTxChainIdMismatch.selector);
                else assertEq(bytes4(reason), IZrSign.ZrSignInvalidTxPayload.selector, vm.toString(p));
            }
        }
        assertGt(accepted, 10, "some changes are canonical (other nonces, fees, values, data)");
    }
}
