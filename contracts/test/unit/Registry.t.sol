// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";

contract RegistryTest is ZrSignBase {
    bytes32 internal constant BTC = keccak256("bip122:000000000019d6689c085ae165831e93");

    function _walletTypeId(uint256 purpose, uint256 coinType) internal pure returns (bytes32) {
        return keccak256(abi.encode(purpose, coinType));
    }

    function test_walletTypeId_matchesV1Formula() public {
        assertEq(_walletTypeId(44, 60), 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a);
        assertEq(keccak256(abi.encode(uint32(44), uint32(60))), EVM);
        assertEq(zr.EVM_WALLET_TYPE(), EVM);
        vm.prank(admin);
        assertEq(zr.addWalletType(84, 0, 1), _walletTypeId(84, 0));
    }

    function test_addWalletType_registers() public {
        bytes32 id = _walletTypeId(84, 0);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrWalletTypeAdded(id, 84, 0);
        vm.prank(admin);
        zr.addWalletType(84, 0, 5);
        IZrSign.WalletTypeInfo memory info = zr.walletType(id);
        assertEq(info.purpose, 84);
        assertEq(info.coinType, 0);
        assertTrue(info.supported);
        assertEq(info.mpcFee, 5);
        assertTrue(zr.isWalletTypeSupported(id));
    }

    function test_RevertWhen_addWalletTypeExists() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignWalletTypeExists.selector, EVM));
        vm.prank(admin);
        zr.addWalletType(44, 60, 0);
    }

    function test_RevertWhen_addWalletTypeFeeOutOfBounds() public {
        uint256 max = zr.MAX_MPC_FEE();
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignFeeOutOfBounds.selector, max + 1, max));
        vm.prank(admin);
        zr.addWalletType(84, 0, uint96(max + 1));
    }

    function test_removeWalletType_blocksRequestsAndClearsPairings() public {
        uint256 index = _newKey(alice);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrWalletTypeRemoved(EVM);
        vm.prank(admin);
        zr.removeWalletType(EVM);
        assertFalse(zr.isWalletTypeSupported(EVM));
        assertFalse(zr.isChainIdSupported(EVM, MAINNET));
        assertEq(zr.keyOf(alice, EVM, index).evmAddress, vm.addr(_childSecretOf(alice, EVM, index)));

        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, EVM));
        vm.prank(alice);
        zr.zrKeyReq{value: 1 ether}(IZrSign.ZrKeyReqParams(alice, EVM, 1));
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, EVM));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(IZrSign.ZrSignParams(EVM, index, MAINNET, new bytes(32), false));

        // Re-adding starts without pairings.
        vm.prank(admin);
        zr.addWalletType(44, 60, MPC_FEE);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignChainNotAllowed.selector, EVM, MAINNET));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(IZrSign.ZrSignParams(EVM, index, MAINNET, new bytes(32), false));
    }

    function test_RevertWhen_removeWalletTypeUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("x")));
        vm.prank(admin);
        zr.removeWalletType(bytes32("x"));
    }

    function test_addChain_registers() public {
        vm.expectEmit(address(zr));
        emit IZrSign.ZrChainAdded(BTC, "bip122:000000000019d6689c085ae165831e93", IZrSign.ChainFamily.Bip122, 0);
        vm.prank(admin);
        bytes32 id = zr.addChain("bip122:000000000019d6689c085ae165831e93", IZrSign.ChainFamily.Bip122, 0);
        assertEq(id, BTC);
        IZrSign.ChainInfo memory info = zr.chain(BTC);
        assertEq(info.caip2, "bip122:000000000019d6689c085ae165831e93");
        assertEq(uint8(info.family), uint8(IZrSign.ChainFamily.Bip122));
        assertEq(info.evmChainId, 0);
        assertEq(zr.chain(MAINNET).evmChainId, 1);
    }

    function test_RevertWhen_addChainExists() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignChainExists.selector, MAINNET));
        vm.prank(admin);
        zr.addChain("eip155:1", IZrSign.ChainFamily.Evm, 1);
    }

    function test_RevertWhen_addChainInvalid() public {
        _expectInvalidChain("", IZrSign.ChainFamily.Evm, 5);
        _expectInvalidChain("x:1", IZrSign.ChainFamily.None, 0);
        _expectInvalidChain("eip155:5", IZrSign.ChainFamily.Evm, 0);
        _expectInvalidChain("bip122:x", IZrSign.ChainFamily.Bip122, 5);
    }

    function _expectInvalidChain(string memory caip2, IZrSign.ChainFamily family, uint64 evmChainId) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IZrSign.ZrSignInvalidChain.selector, keccak256(bytes(caip2)), family, evmChainId)
        );
        vm.prank(admin);
        zr.addChain(caip2, family, evmChainId);
    }

    function test_removeChain_blocksRequests() public {
        uint256 index = _newKey(alice);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrChainDisallowed(EVM, MAINNET);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrChainRemoved(MAINNET);
        vm.prank(admin);
        zr.removeChain(MAINNET);
        assertFalse(zr.isChainIdSupported(EVM, MAINNET));
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownChain.selector, MAINNET));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(IZrSign.ZrSignParams(EVM, index, MAINNET, new bytes(32), false));
        // Re-adding starts without pairings.
        vm.prank(admin);
        zr.addChain("eip155:1", IZrSign.ChainFamily.Evm, 1);
        assertFalse(zr.isChainIdSupported(EVM, MAINNET));
    }

    function test_RevertWhen_removeChainUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownChain.selector, BTC));
        vm.prank(admin);
        zr.removeChain(BTC);
    }

    function test_allowChain_andDisallowChain() public {
        vm.startPrank(admin);
        zr.addChain("bip122:000000000019d6689c085ae165831e93", IZrSign.ChainFamily.Bip122, 0);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrChainAllowed(EVM, BTC);
        zr.allowChain(EVM, BTC);
        assertTrue(zr.isChainIdSupported(EVM, BTC));
        zr.allowChain(EVM, BTC); // idempotent
        vm.expectEmit(address(zr));
        emit IZrSign.ZrChainDisallowed(EVM, BTC);
        zr.disallowChain(EVM, BTC);
        assertFalse(zr.isChainIdSupported(EVM, BTC));
        vm.stopPrank();
    }

    function test_RevertWhen_allowChainUnknownWalletTypeOrChain() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("w")));
        zr.allowChain(bytes32("w"), MAINNET);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownChain.selector, BTC));
        zr.allowChain(EVM, BTC);
        vm.stopPrank();
    }

    function test_RevertWhen_disallowChainNotAllowed() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignChainNotAllowed.selector, EVM, BTC));
        vm.prank(admin);
        zr.disallowChain(EVM, BTC);
    }

    function test_setRootKey_newVersion() public {
        bytes memory pub = _publicKey(0xBEEF);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrRootKeySet(
            2, bytes32(vm.createWallet(0xBEEF).publicKeyX), bytes32(vm.createWallet(0xBEEF).publicKeyY)
        );
        vm.prank(admin);
        assertEq(zr.setRootKey(pub), 2);
        assertEq(zr.currentKeyVersion(), 2);
        (bytes32 x,) = zr.rootKey(2);
        assertEq(x, bytes32(vm.createWallet(0xBEEF).publicKeyX));
        (, IZrSign.Request memory r) = _requestKey(alice);
        assertEq(r.keyVersion, 2);
    }

    function test_RevertWhen_setRootKeyXAboveOrder() public {
        // x = n + 1 (< p) with any y: rejected for x ≥ n before the curve check.
        bytes32 x = bytes32(N + 1);
        bytes32 y = bytes32(uint256(7));
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidRootKey.selector, x, y));
        vm.prank(admin);
        zr.setRootKey(abi.encodePacked(x, y));
    }

    function test_RevertWhen_setRootKeyNotOnCurve() public {
        Vm_Wallet memory w = _wallet(0xBEEF);
        bytes32 y = bytes32(w.y + 1);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidRootKey.selector, bytes32(w.x), y));
        vm.prank(admin);
        zr.setRootKey(abi.encodePacked(bytes32(w.x), y));
    }

    function test_RevertWhen_setRootKeyWrongLength() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidPublicKeyLength.selector, 65));
        vm.prank(admin);
        zr.setRootKey(new bytes(65));
    }

    struct Vm_Wallet {
        uint256 x;
        uint256 y;
    }

    function _wallet(uint256 secret) internal returns (Vm_Wallet memory w) {
        w.x = vm.createWallet(secret).publicKeyX;
        w.y = vm.createWallet(secret).publicKeyY;
    }
}
