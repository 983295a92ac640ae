// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrSign} from "../../ZrSign.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

contract AdminTest is ZrSignBase {
    function test_storageSlot_isErc7201() public view {
        bytes32 expected =
            keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSign")) - 1)) & ~bytes32(uint256(0xff));
        assertEq(zr.STORAGE_SLOT(), expected);
        // The hot config slot (first word): uint24 key gas, uint24 sign gas, uint8 buffer, uint24 TTL, uint64
        // nextRequestId (the counter until the first request moves it into the request word), uint64 minGasPrice,
        // uint32 current key version.
        uint256 word = uint256(vm.load(address(zr), expected));
        assertEq(word & type(uint24).max, KEY_GAS);
        assertEq((word >> 24) & type(uint24).max, SIGN_GAS);
        assertEq((word >> 48) & type(uint8).max, 10);
        assertEq((word >> 56) & type(uint24).max, 7200);
        assertEq((word >> 80) & type(uint64).max, zr.nextRequestId());
        assertEq((word >> 144) & type(uint64).max, 0);
        assertEq((word >> 208) & type(uint32).max, zr.currentKeyVersion());
    }

    function test_setKeyMpcFee_onceRequestsLiveChargesTheNewFee() public {
        _requestKey(alice); // the first request makes the request word live (its key fee copied from the totals)
        vm.prank(admin);
        zr.setKeyMpcFee(2 * MPC_FEE);
        assertEq(zr.feeConfig().keyMpcFee, 2 * MPC_FEE);
        assertEq(zr.getMPCFee(), 2 * MPC_FEE);
        (, IZrSign.Request memory r) = _requestKey(bob);
        assertEq(r.serviceFee, 2 * MPC_FEE);
        assertEq(zr.keyFee(EVM, 1), uint256(r.serviceFee) + r.gasFee);
    }

    function test_initialize_defaults() public view {
        IZrSign.FeeConfig memory c = zr.feeConfig();
        assertEq(c.responseGas[0], KEY_GAS);
        assertEq(c.responseGas[1], SIGN_GAS);
        assertEq(c.responseGas[2], SIGN_GAS);
        assertEq(c.responseGas[3], SIGN_GAS);
        assertEq(c.gasBufferPct, 10);
        assertEq(c.requestTtl, 7200);
        assertEq(c.minGasPrice, 0);
        assertEq(c.keyMpcFee, MPC_FEE); // set by the fixture (a fresh deployment starts at 0)
        assertEq(zr.nextRequestId(), 1);
        assertEq(zr.getTraceId(), 0);
    }

    function test_RevertWhen_implementationInitialized() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(alice, 0);
    }

    function test_setters_updateAndEmit() public {
        vm.startPrank(admin);
        // Any sign kind sets the one figure the sign kinds share, with an event per sign kind.
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseGasSet(IZrSign.RequestKind.Hash, 70_000);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseGasSet(IZrSign.RequestKind.Data, 70_000);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseGasSet(IZrSign.RequestKind.Tx, 70_000);
        zr.setResponseGas(IZrSign.RequestKind.Tx, 70_000);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrMinGasPriceSet(3 gwei);
        zr.setMinGasPrice(3 gwei);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrKeyMpcFeeSet(9);
        zr.setKeyMpcFee(9);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrGasBufferSet(25);
        zr.setGasBuffer(25);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrRequestTtlSet(100);
        zr.setRequestTtl(100);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrMpcFeeSet(EVM, 7);
        zr.setMpcFee(EVM, 7);
        vm.stopPrank();
        IZrSign.FeeConfig memory c = zr.feeConfig();
        assertEq(c.responseGas[1], 70_000);
        assertEq(c.responseGas[2], 70_000);
        assertEq(c.responseGas[3], 70_000);
        assertEq(c.gasBufferPct, 25);
        assertEq(c.requestTtl, 100);
        assertEq(c.minGasPrice, 3 gwei);
        assertEq(c.keyMpcFee, 9);
        assertEq(zr.walletType(EVM).mpcFee, 7);
        // The quote's gas price is max(basefee, minGasPrice): 3 gwei here (basefee 1 gwei).
        assertEq(zr.signFee(EVM, IZrSign.RequestKind.Hash), 7 + 70_000 * 3 gwei * 125 / 100);
        assertEq(zr.keyFee(EVM, 2), 2 * 9 + uint256(KEY_GAS) * 3 gwei * 125 / 100);
        vm.fee(4 gwei);
        assertEq(zr.signFee(EVM, IZrSign.RequestKind.Tx), 7 + 70_000 * 4 gwei * 125 / 100);
    }

    function test_RevertWhen_settingsOutOfBounds() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignFeeOutOfBounds.selector, 1 ether + 1, 1 ether));
        zr.setMpcFee(EVM, 1 ether + 1);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignResponseGasOutOfBounds.selector, 2_000_001, 2_000_000));
        zr.setResponseGas(IZrSign.RequestKind.Key, 2_000_001);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignGasBufferOutOfBounds.selector, 101, 100));
        zr.setGasBuffer(101);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTtlOutOfBounds.selector, 9, 10, 1_000_000));
        zr.setRequestTtl(9);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignTtlOutOfBounds.selector, 1_000_001, 10, 1_000_000));
        zr.setRequestTtl(1_000_001);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("x")));
        zr.setMpcFee(bytes32("x"), 1);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignFeeOutOfBounds.selector, 1 ether + 1, 1 ether));
        zr.setKeyMpcFee(1 ether + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IZrSign.ZrSignMinGasPriceOutOfBounds.selector, 10_000 gwei + 1, 10_000 gwei)
        );
        zr.setMinGasPrice(10_000 gwei + 1);
        vm.stopPrank();
    }

    function test_RevertWhen_adminFunctionsWithoutRole() public {
        bytes32 role = zr.DEFAULT_ADMIN_ROLE();
        bytes[] memory calls = new bytes[](15);
        calls[0] = abi.encodeCall(ZrSign.setRootKey, (_publicKey(1)));
        calls[1] = abi.encodeCall(ZrSign.addWalletType, (84, 0, 0));
        calls[2] = abi.encodeCall(ZrSign.removeWalletType, (EVM));
        calls[3] = abi.encodeCall(ZrSign.addChain, ("eip155:5", IZrSign.ChainFamily.Evm, 5));
        calls[4] = abi.encodeCall(ZrSign.removeChain, (MAINNET));
        calls[5] = abi.encodeCall(ZrSign.allowChain, (EVM, MAINNET));
        calls[6] = abi.encodeCall(ZrSign.disallowChain, (EVM, MAINNET));
        calls[7] = abi.encodeCall(ZrSign.setMpcFee, (EVM, 0));
        calls[8] = abi.encodeCall(ZrSign.setResponseGas, (IZrSign.RequestKind.Key, 0));
        calls[9] = abi.encodeCall(ZrSign.setGasBuffer, (0));
        calls[10] = abi.encodeCall(ZrSign.setRequestTtl, (100));
        calls[11] = abi.encodeWithSelector(zr.upgradeToAndCall.selector, address(impl), "");
        calls[12] = abi.encodeWithSelector(zr.grantRole.selector, zr.MPC_ROLE(), bob);
        calls[13] = abi.encodeCall(ZrSign.setMinGasPrice, (1));
        calls[14] = abi.encodeCall(ZrSign.setKeyMpcFee, (1));
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(mpc);
            (bool ok, bytes memory ret) = address(zr).call(calls[i]);
            assertFalse(ok);
            assertEq(ret, abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, mpc, role));
        }
        bytes memory pauserErr =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, zr.PAUSER_ROLE());
        vm.expectRevert(pauserErr);
        vm.prank(admin);
        zr.pause();
        vm.expectRevert(pauserErr);
        vm.prank(admin);
        zr.unpause();
    }

    function test_pause_stopsRequestsUnpauseRestores() public {
        vm.prank(pauser);
        zr.pause();
        assertTrue(zr.paused());
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        vm.prank(alice);
        zr.zrKeyReq{value: 1 ether}(IZrSign.ZrKeyReqParams(alice, EVM, 1));
        vm.prank(pauser);
        zr.unpause();
        _requestKey(alice);
    }

    function test_defaultAdminTransfer_isTwoStepDelayed() public {
        vm.prank(admin);
        zr.beginDefaultAdminTransfer(bob);
        vm.prank(bob);
        vm.expectRevert();
        zr.acceptDefaultAdminTransfer(); // delay not passed
        vm.warp(block.timestamp + ADMIN_DELAY + 1);
        vm.prank(bob);
        zr.acceptDefaultAdminTransfer();
        assertEq(zr.defaultAdmin(), bob);
        assertFalse(zr.hasRole(zr.DEFAULT_ADMIN_ROLE(), admin));
    }

    function test_upgrade_byAdminKeepsState() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        ZrSign next = new ZrSign();
        vm.prank(admin);
        zr.upgradeToAndCall(address(next), "");
        assertEq(zr.requestCommitment(id), keccak256(abi.encode(r)));
        _answerKey(id, r);
        assertEq(zr.keyOf(alice, EVM, 0).evmAddress, vm.addr(_childSecretOf(alice, EVM, 0)));
    }
}
