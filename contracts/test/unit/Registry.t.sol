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
        IZrSign.WalletTypeInfo memory info = zr.walletType(EVM);
        assertEq(info.purpose, 44, "purpose kept for the key format");
        assertEq(info.coinType, 60);
        assertFalse(info.supported);
        assertEq(info.mpcFee, 0);

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

    /// @dev Issue 10.8: removing a wallet type stops its open requests — answers (single and batch) revert / are
    /// skipped with the error a new request would get, and both can be reclaimed at once, before their deadline.
    function test_removeWalletType_stopsOpenRequests() public {
        uint256 index = _newKey(alice);
        (uint256 keyId, IZrSign.Request memory keyReq) = _requestKey(alice);
        (uint256 signId, IZrSign.Request memory signReq) = _signHashRequest(alice, index, keccak256("stopped"));
        vm.prank(admin);
        zr.removeWalletType(EVM);

        bytes memory unknown = abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, EVM);
        bytes memory pub = _publicKey(_childSecretOf(alice, EVM, keyReq.walletIndex));
        vm.expectRevert(unknown);
        vm.prank(mpc);
        zr.zrKeyRes(keyId, keyReq, pub);
        vm.expectRevert(unknown);
        vm.prank(mpc);
        zr.zrSignRes(signId, signReq, _signatureFor(signReq));
        IZrSign.KeyResponse[] memory keys = new IZrSign.KeyResponse[](1);
        keys[0] = IZrSign.KeyResponse(keyId, keyReq, pub);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(keyId, IZrSign.ZrSignUnknownWalletType.selector);
        vm.prank(mpc);
        assertEq(zr.zrKeyResBatch(keys), 0);

        assertLt(block.number, keyReq.deadline);
        uint256 before = zr.claimable(alice);
        zr.reclaim(keyId, keyReq);
        zr.reclaim(signId, signReq);
        assertEq(
            zr.claimable(alice),
            before + keyReq.serviceFee + keyReq.gasFee + signReq.serviceFee + signReq.gasFee,
            "full escrow back at once"
        );
        assertEq(uint8(zr.requestStatus(signId)), uint8(IZrSign.RequestStatus.Reclaimed));
        _assertConservation(zr);
    }

    /// @dev Issue 10.8: removing a chain (or disallowing the pairing) stops the open sign requests for it; re-allowing
    /// the pairing makes them answerable again (and no longer reclaimable before their deadline).
    function test_removeChainAndDisallow_stopOpenSignRequests() public {
        uint256 index = _newKey(alice);
        (uint256 onMainnet, IZrSign.Request memory r1) = _signHashRequest(alice, index, keccak256("mainnet"));
        (uint256 onLocal, IZrSign.Request memory r2,) =
            _signRequest(alice, IZrSign.RequestKind.Hash, index, LOCAL, abi.encodePacked(keccak256("local")), false);
        vm.startPrank(admin);
        zr.removeChain(MAINNET);
        zr.disallowChain(EVM, LOCAL);
        vm.stopPrank();

        IZrSign.SignResponse[] memory items = new IZrSign.SignResponse[](2);
        items[0] = IZrSign.SignResponse(onMainnet, r1, _signatureFor(r1));
        items[1] = IZrSign.SignResponse(onLocal, r2, _signatureFor(r2));
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(onMainnet, IZrSign.ZrSignUnknownChain.selector);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrResponseSkipped(onLocal, IZrSign.ZrSignChainNotAllowed.selector);
        vm.prank(mpc);
        assertEq(zr.zrSignResBatch(items), 0);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignChainNotAllowed.selector, EVM, LOCAL));
        vm.prank(mpc);
        zr.zrSignRes(onLocal, r2, items[1].signature);

        zr.reclaim(onMainnet, r1); // at once
        vm.prank(admin);
        zr.allowChain(EVM, LOCAL);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignRequestNotExpired.selector, onLocal, r2.deadline));
        zr.reclaim(onLocal, r2);
        vm.prank(mpc);
        zr.zrSignRes(onLocal, r2, items[1].signature);
        assertEq(uint8(zr.requestStatus(onLocal)), uint8(IZrSign.RequestStatus.Answered));
        _assertConservation(zr);
    }

    /// @dev A rejection still settles a stopped request (it refunds the service fee to the requester).
    function test_zrReject_settlesStoppedRequest() public {
        uint256 index = _newKey(alice);
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256("x"));
        vm.prank(admin);
        zr.removeChain(MAINNET);
        vm.prank(mpc);
        zr.zrReject(id, r, 1);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Rejected));
    }

    /// @dev Sign requests read the wallet type's fee from its pairings: setting it updates every pairing.
    function test_setMpcFee_updatesEveryPairing() public {
        uint256 index = _newKey(alice);
        vm.prank(admin);
        zr.setMpcFee(EVM, 123);
        (, IZrSign.Request memory r1) = _signHashRequest(alice, index, keccak256("a"));
        (, IZrSign.Request memory r2,) =
            _signRequest(alice, IZrSign.RequestKind.Hash, index, LOCAL, abi.encodePacked(keccak256("b")), false);
        assertEq(r1.serviceFee, 123);
        assertEq(r2.serviceFee, 123);
        // A pairing allowed later carries the current fee too.
        vm.startPrank(admin);
        zr.addChain("eip155:10", IZrSign.ChainFamily.Evm, 10);
        zr.allowChain(EVM, keccak256("eip155:10"));
        vm.stopPrank();
        (, IZrSign.Request memory r3,) = _signRequest(
            alice, IZrSign.RequestKind.Hash, index, keccak256("eip155:10"), abi.encodePacked(keccak256("c")), false
        );
        assertEq(r3.serviceFee, 123);
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
