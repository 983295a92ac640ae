// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrSign} from "../../ZrSign.sol";
import {ZrSignUpgradeTest} from "./ZrSignUpgrade.t.sol";

/// @title ZrSignReleaseUpgradeTest — a proxy populated by the last release's code moves to the current code
/// @notice The proxy starts on the implementation of the last release (main at 430ae1e), deployed from its committed
/// creation bytecode and libraries (`release/zrsign-430ae1e.json`), so the state is written with that release's
/// storage layout. Every suite of {ZrSignUpgradeTest} runs on it (populate, then upgrade to V2, which extends the
/// current code), and the tests here upgrade to the current ZrSign itself.
contract ZrSignReleaseUpgradeTest is ZrSignUpgradeTest {
    string internal constant RELEASE = "contracts/test/upgrade/release/zrsign-430ae1e.json";

    /// @dev The release's ZrSign, linked to freshly deployed copies of the release's three logic libraries.
    function _newImplementation() internal override returns (address implementation) {
        string memory json = vm.readFile(RELEASE);
        bytes memory code = vm.parseJsonBytes(json, ".zrSign");
        _link(code, _create(vm.parseJsonBytes(json, ".adminLogic")), vm.parseJsonUintArray(json, ".adminLogicOffsets"));
        _link(
            code, _create(vm.parseJsonBytes(json, ".settleLogic")), vm.parseJsonUintArray(json, ".settleLogicOffsets")
        );
        _link(code, _create(vm.parseJsonBytes(json, ".viewLogic")), vm.parseJsonUintArray(json, ".viewLogicOffsets"));
        implementation = _create(code);
    }

    function _create(bytes memory code) internal returns (address deployed) {
        assembly ("memory-safe") {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        assertTrue(deployed != address(0) && deployed.code.length != 0, "release bytecode deploys");
    }

    /// @dev Writes `library` over the 20-byte placeholder at each offset.
    function _link(bytes memory code, address library_, uint256[] memory offsets) internal pure {
        for (uint256 i; i < offsets.length; ++i) {
            // PUSH20 <placeholder>, the placeholder zeroed in the fixture.
            assertEq(uint8(code[offsets[i] - 1]), 0x73, "PUSH20 before a placeholder");
            assertEq(bytes20(_word(code, offsets[i])), bytes20(0), "an unlinked placeholder");
            for (uint256 j; j < 20; ++j) {
                code[offsets[i] + j] = bytes20(library_)[j];
            }
        }
    }

    function _word(bytes memory code, uint256 offset) internal pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(code, 0x20), offset))
        }
    }

    function _upgradeToCurrent() internal returns (address next) {
        next = address(new ZrSign());
        vm.prank(admin);
        zr.upgradeToAndCall(next, "");
        assertEq(_impl(), next);
    }

    /// @dev The current code's request writes the request word, not the release's config word (see the base test).
    function test_storageSlot_requestWritesInsideNamespace() public override {
        _upgradeToCurrent();
        super.test_storageSlot_requestWritesInsideNamespace();
    }

    /// @dev Every key, request, balance, setting, role and raw namespace word survives the move to the current code.
    function test_upgradeFromRelease_preservesEverything() public {
        assertEq(zr.version(), 1, "populated by the release");
        Snapshot memory before = _snapshot();
        _upgradeToCurrent();
        Snapshot memory afterwards = _snapshot();
        assertEq(abi.encode(afterwards), abi.encode(before), "state changed across the upgrade from the release");
        assertEq(zr.keyCount(alice, EVM), 2);
        assertEq(zr.keyOf(bob, EVM, 0).evmAddress, vm.addr(_childSecretOf(bob, EVM, 0)));
        assertTrue(zr.hasRole(zr.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(zr.hasRole(zr.MPC_ROLE(), mpc));
        assertTrue(zr.hasRole(zr.FEE_ROLE(), feeCollector));
        assertTrue(zr.hasRole(zr.PAUSER_ROLE(), pauser));
        _assertConservation(zr);
    }

    /// @dev After the move: the release's open requests are answered (key and signature), a release request is
    /// reclaimed after its deadline, balances and fees are withdrawn, and money is conserved throughout.
    function test_upgradeFromRelease_oldRequestsSettleAndMoneyFlows() public {
        // One more release-era request, left to expire.
        (uint256 lateId, IZrSign.Request memory late) = _requestKeyFor(bob, bob, EVM, 1);
        _upgradeToCurrent();

        _answerKey(openKeyId, openKeyReq);
        assertEq(uint8(zr.requestStatus(openKeyId)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(
            zr.keyOf(carol, EVM, openKeyReq.walletIndex).evmAddress,
            vm.addr(_childSecretOf(carol, EVM, openKeyReq.walletIndex))
        );
        _answerSign(openHashId, openHashReq);
        assertEq(uint8(zr.requestStatus(openHashId)), uint8(IZrSign.RequestStatus.Answered));

        vm.roll(uint256(late.deadline) + 1);
        uint256 owedBob = zr.claimable(bob);
        zr.reclaim(lateId, late);
        assertEq(zr.claimable(bob), owedBob + late.serviceFee + late.gasFee);
        _assertConservation(zr);

        uint256 bobBalance = bob.balance;
        uint256 owed = zr.claimable(bob);
        vm.prank(bob);
        zr.withdraw();
        assertEq(bob.balance, bobBalance + owed);
        uint256 mpcOwed = zr.claimable(mpc);
        zr.withdrawFor(mpc);
        assertEq(mpc.balance, mpcOwed);
        uint256 fees = zr.protocolFees();
        vm.prank(feeCollector);
        zr.withdrawFees(feeCollector, fees);
        assertEq(feeCollector.balance, fees);
        assertEq(zr.protocolFees(), 0);
        _assertConservation(zr);

        // New requests continue the release's ids.
        uint256 next = zr.nextRequestId();
        (uint256 id,) = _signHashRequest(alice, 1, keccak256("after the release upgrade"));
        assertEq(id, next);
    }
}
