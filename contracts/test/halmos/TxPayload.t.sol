// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {TxPayloadHarness} from "../helpers/TxPayloadHarness.sol";
import {Rlp} from "../helpers/Rlp.sol";

/// @title TxPayloadHalmos — the chain binding of {TxPayload.bind}, symbolically over every chain id it can carry
/// @notice halmos needs concrete calldata offsets, and the walker's offsets come from the header bytes, so each header
/// byte is concrete on each path (every width 1..8 of the chain id is a path) while the chain id's bytes, the
/// destination's chain id and the nonce are symbolic. Which payloads are canonical is checked exhaustively over
/// every single-byte change of the shortest payloads by `contracts/test/unit/TxPayloadMutations.t.sol`.
contract TxPayloadHalmos is Test {
    TxPayloadHarness internal harness;

    function setUp() public {
        harness = new TxPayloadHarness();
    }

    /// @dev The canonical RLP of an integer `v` that has exactly `width` bytes (width 1: v ≥ 0x80), with the header
    /// concrete and the bytes symbolic.
    function _int(uint256 v, uint256 width) internal pure returns (bytes memory out) {
        out = new bytes(1 + width);
        out[0] = bytes1(uint8(0x80 + width));
        bytes32 w = bytes32(v << (256 - 8 * width));
        for (uint256 i; i < width; ++i) {
            out[1 + i] = w[i];
        }
    }

    /// @dev Assumes `v` has exactly `width` bytes and is not a one-byte value below 0x80.
    function _assumeWidth(uint256 v, uint256 width) internal pure {
        vm.assume(v >> (8 * width) == 0 && v >> (8 * (width - 1)) != 0 && v >= 0x80);
    }

    /// @dev An EIP-1559 payload carrying any chain id of 1..8 bytes is accepted exactly for that destination chain,
    /// and then returned unchanged; otherwise refused with ZrSignTxChainIdMismatch(destination, carried).
    /// @custom:halmos --loop 9
    function check_bind_eip1559_bindsChainId(uint64 carried, uint64 chainId, uint8 width) public view {
        vm.assume(width >= 1 && width <= 8);
        for (uint256 w = 1; w <= 8; ++w) {
            if (w != width) continue;
            _assumeWidth(carried, w);
            bytes memory body = abi.encodePacked(_int(carried, w), hex"80808080808080c0");
            bytes memory p = abi.encodePacked(hex"02", uint8(0xc0 + body.length), body);
            try harness.bind(p, chainId) returns (bytes memory signed) {
                assertEq(carried, chainId, "accepted another chain's payload");
                assertEq(signed, p);
            } catch (bytes memory reason) {
                assertTrue(carried != chainId, "refused its own chain");
                assertEq(reason, abi.encodeWithSelector(IZrSign.ZrSignTxChainIdMismatch.selector, chainId, carried));
            }
        }
    }

    /// @dev A legacy payload carrying any non-zero chain id of 1..8 bytes is accepted exactly for that destination.
    /// @custom:halmos --loop 9
    function check_bind_legacy_bindsChainId(uint64 carried, uint64 chainId, uint8 width) public view {
        vm.assume(width >= 1 && width <= 8);
        for (uint256 w = 1; w <= 8; ++w) {
            if (w != width) continue;
            _assumeWidth(carried, w);
            bytes memory body = abi.encodePacked(hex"808080808080", _int(carried, w), hex"8080");
            bytes memory p = abi.encodePacked(uint8(0xc0 + body.length), body);
            try harness.bind(p, chainId) returns (bytes memory signed) {
                assertEq(carried, chainId, "accepted another chain's payload");
                assertEq(signed, p);
            } catch (bytes memory reason) {
                assertTrue(carried != chainId, "refused its own chain");
                assertEq(reason, abi.encodeWithSelector(IZrSign.ZrSignTxChainIdMismatch.selector, chainId, carried));
            }
        }
    }

    /// @dev A legacy payload with chain id 0 (a v1 client's) and any nonce of 1..8 bytes is rewritten for any
    /// destination chain id: exactly the reference encoding of the same fields with that chain id.
    /// @custom:halmos --loop 9
    function check_bind_legacyZeroChainId_rewritesForDestination(uint64 nonce, uint8 width, uint64 chainId)
        public
        view
    {
        vm.assume(width >= 1 && width <= 8 && chainId != 0);
        for (uint256 w = 1; w <= 8; ++w) {
            if (w != width) continue;
            _assumeWidth(nonce, w);
            bytes memory nonceRlp = _int(nonce, w);
            bytes memory p = abi.encodePacked(uint8(0xc0 + nonceRlp.length + 8), nonceRlp, hex"8080808080808080");
            bytes memory signed = harness.bind(p, chainId);
            bytes[] memory items = new bytes[](9);
            items[0] = nonceRlp;
            for (uint256 i = 1; i < 6; ++i) {
                items[i] = hex"80";
            }
            items[6] = Rlp.encodeUint(chainId);
            items[7] = hex"80";
            items[8] = hex"80";
            assertEq(signed, Rlp.encodeList(items), "rewritten for the destination");
        }
    }
}
