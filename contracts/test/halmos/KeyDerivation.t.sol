// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {KeyDerivation} from "../../libraries/KeyDerivation.sol";

/// @title KeyDerivationHalmos — the one-ecrecover derivation check, symbolically (halmos)
contract KeyDerivationHalmos is Test {
    uint256 internal constant N = KeyDerivation.N;

    /// @dev For every root x in (0, n), any y and any tweak t < n, {KeyDerivation.childAddress} is the one ecrecover
    /// with r = s = x, v = 27 + parity(y) and h ≡ −x·t (mod n), h < n (so the precompile returns address(R + t·G),
    /// see the library's derivation; the point arithmetic itself is the precompile's).
    function check_childAddress_isEcrecoverOfNegatedTweak(uint256 x, uint256 y, uint256 t) public pure {
        vm.assume(x != 0 && x < N && t < N);
        uint256 m = mulmod(x, t, N);
        uint256 h = m == 0 ? 0 : N - m;
        assertLt(h, N);
        assertEq(addmod(h, m, N), 0, "h + x*t = 0 (mod n)");
        uint8 v = y % 2 == 0 ? 27 : 28;
        assertEq(KeyDerivation.childAddress(x, y, t), ecrecover(bytes32(h), v, bytes32(x), bytes32(x)));
    }

    /// @dev A root passes {KeyDerivation.isValidRoot} only with 0 < x < n and y < p (the precondition of the check).
    function check_isValidRoot_boundsCoordinates(uint256 x, uint256 y) public pure {
        if (KeyDerivation.isValidRoot(x, y)) {
            assertTrue(x != 0 && x < N && y < KeyDerivation.P);
        }
    }
}
