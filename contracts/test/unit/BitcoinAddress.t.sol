// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {BitcoinAddressHarness} from "../helpers/BitcoinAddressHarness.sol";

/// @title BitcoinAddressTest — P2WPKH bech32 addresses against the BIPs' vectors; invalid keys revert
/// @dev Random keys against rust-bitcoin's bech32: `tests/differential.rs::contract_p2wpkh_equals_rust`.
contract BitcoinAddressTest is Test {
    bytes32 internal constant CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    BitcoinAddressHarness internal h;

    function setUp() public {
        h = new BitcoinAddressHarness();
    }

    /// @dev BIP-173 "Examples": the generator point G, compressed.
    function test_p2wpkh_bip173Examples() public view {
        bytes memory g = hex"0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798";
        assertEq(h.p2wpkh(g, false), "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assertEq(h.p2wpkh(g, true), "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx");
    }

    /// @dev BIP-84 test vectors (m/84'/0'/0'/0/0, …/0/1, …/1/0 of the "abandon … about" mnemonic).
    function test_p2wpkh_bip84Vectors() public view {
        assertEq(
            h.p2wpkh(hex"0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c", false),
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
        );
        assertEq(
            h.p2wpkh(hex"03e775fd51f0dfb8cd865d9ff1cca2a158cf651fe997fdc9fee9c1d3b5e995ea77", false),
            "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
        );
        assertEq(
            h.p2wpkh(hex"03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6", false),
            "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"
        );
    }

    /// @dev Any x: 42 characters, `bc1q`/`tb1q`, the bech32 alphabet only; both networks share the program part.
    function testFuzz_p2wpkh_shape(bytes32 x, bool odd) public view {
        bytes memory key = abi.encodePacked(odd ? bytes1(0x03) : bytes1(0x02), x);
        bytes memory main = bytes(h.p2wpkh(key, false));
        bytes memory test = bytes(h.p2wpkh(key, true));
        assertEq(main.length, 42);
        assertEq(test.length, 42);
        assertEq(bytes4(main), bytes4("bc1q"));
        assertEq(bytes4(test), bytes4("tb1q"));
        for (uint256 i = 3; i < 42; ++i) {
            assertTrue(_inCharset(main[i]) && _inCharset(test[i]), "not bech32");
            if (i < 36) assertEq(main[i], test[i], "program differs between networks");
        }
    }

    function _inCharset(bytes1 c) internal pure returns (bool) {
        for (uint256 i; i < 32; ++i) {
            if (CHARSET[i] == c) return true;
        }
        return false;
    }

    function _expectInvalid(bytes memory key) internal {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidCompressedKey.selector, key));
        h.p2wpkh(key, false);
    }

    function test_RevertWhen_keyNot33Bytes() public {
        _expectInvalid("");
        _expectInvalid(abi.encodePacked(bytes32(uint256(2))));
        _expectInvalid(abi.encodePacked(hex"02", bytes32(uint256(1)), hex"00"));
        // uncompressed (0x04 ‖ x ‖ y) and the 64-byte form ZrSign takes in zrKeyRes
        _expectInvalid(abi.encodePacked(hex"04", bytes32(uint256(1)), bytes32(uint256(2))));
        _expectInvalid(abi.encodePacked(bytes32(uint256(1)), bytes32(uint256(2))));
    }

    function testFuzz_RevertWhen_prefixNotCompressed(uint8 prefix, bytes32 x) public {
        prefix = uint8(bound(prefix, 0, 253));
        if (prefix >= 0x02) prefix += 2; // every byte but 0x02 and 0x03
        _expectInvalid(abi.encodePacked(prefix, x));
    }
}
