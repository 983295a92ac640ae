// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

contract SignRequestsTest is ZrSignBase {
    bytes32 internal constant BTC = keccak256("bip122:000000000019d6689c085ae165831e93");
    uint256 internal index;

    function setUp() public override {
        super.setUp();
        index = _newKey(alice);
    }

    function _params(bytes memory payload) internal view returns (IZrSign.ZrSignParams memory) {
        return IZrSign.ZrSignParams(EVM, index, LOCAL, payload, false);
    }

    function test_zrSignHash_recordsDigestAndSigner() public {
        bytes32 hash = keccak256("hello");
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, hash);
        assertEq(uint8(r.kind), uint8(IZrSign.RequestKind.Hash));
        assertEq(r.digest, hash);
        assertEq(r.signer, vm.addr(_childSecretOf(alice, EVM, index)));
        assertEq(r.owner, alice);
        assertEq(r.requester, alice);
        assertEq(r.dstChainId, MAINNET);
        assertEq(r.serviceFee, MPC_FEE);
        assertEq(r.gasFee, SIGN_GAS * BASEFEE * 110 / 100);
        assertEq(zr.requestCommitment(id), keccak256(abi.encode(r)));
        _assertConservation(zr);
    }

    function test_zrSignData_eip191Digest() public {
        bytes memory data = "personal message";
        (, IZrSign.Request memory r, bytes memory emitted) =
            _signRequest(alice, IZrSign.RequestKind.Data, index, LOCAL, data, false);
        assertEq(r.digest, keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n16", data)));
        assertEq(emitted, data);
    }

    function test_zrSignTx_legacyWithChainId() public {
        bytes memory payload = _legacyTx(1, bob, 1 ether, "", LOCAL_ID);
        (, IZrSign.Request memory r, bytes memory emitted) =
            _signRequest(alice, IZrSign.RequestKind.Tx, index, LOCAL, payload, true);
        assertEq(emitted, payload);
        assertEq(r.digest, keccak256(payload));
        assertTrue(r.broadcast);
    }

    function test_zrSignTx_legacyChainIdZeroIsBound() public {
        bytes memory v1 = _legacyTx(1, bob, 1 ether, hex"abcd", 0);
        bytes memory bound = _legacyTx(1, bob, 1 ether, hex"abcd", MAINNET_ID);
        (, IZrSign.Request memory r, bytes memory emitted) =
            _signRequest(alice, IZrSign.RequestKind.Tx, index, MAINNET, v1, false);
        assertEq(emitted, bound);
        assertEq(r.digest, keccak256(bound));
    }

    function test_zrSignTx_eip1559() public {
        bytes memory payload = _eip1559Tx(LOCAL_ID, 3, bob, 5, hex"01");
        (, IZrSign.Request memory r, bytes memory emitted) =
            _signRequest(alice, IZrSign.RequestKind.Tx, index, LOCAL, payload, true);
        assertEq(emitted, payload);
        assertEq(r.digest, keccak256(payload));
    }

    function testFuzz_zrSignTx_legacyChainIdBinding(uint64 chainId, uint64 nonce, uint256 value, uint256 dataLength)
        public
    {
        chainId = uint64(bound(chainId, 2, type(uint64).max));
        dataLength = bound(dataLength, 0, 300);
        bytes memory data = new bytes(dataLength);
        for (uint256 i; i < dataLength; ++i) {
            data[i] = bytes1(uint8(i * 7 + 1));
        }
        string memory caip2 = string.concat("eip155:", vm.toString(uint256(chainId)));
        bytes32 dst = keccak256(bytes(caip2));
        if (zr.chain(dst).family == IZrSign.ChainFamily.None) {
            vm.startPrank(admin);
            zr.addChain(caip2, IZrSign.ChainFamily.Evm, chainId);
            zr.allowChain(EVM, dst);
            vm.stopPrank();
        }
        bytes memory v1 = _legacyTx(nonce, bob, value, data, 0);
        bytes memory bound = _legacyTx(nonce, bob, value, data, chainId);
        (, IZrSign.Request memory r, bytes memory emitted) =
            _signRequest(alice, IZrSign.RequestKind.Tx, index, dst, v1, false);
        assertEq(emitted, bound);
        assertEq(r.digest, keccak256(bound));
        // The bound payload is accepted as is.
        (, IZrSign.Request memory r2, bytes memory emitted2) =
            _signRequest(alice, IZrSign.RequestKind.Tx, index, dst, bound, false);
        assertEq(emitted2, bound);
        assertEq(r2.digest, r.digest);
    }

    function test_RevertWhen_zrSignTxChainIdMismatch() public {
        _expectTxRevert(
            _legacyTx(1, bob, 1, "", MAINNET_ID),
            abi.encodeWithSelector(IZrSign.ZrSignTxChainIdMismatch.selector, LOCAL_ID, MAINNET_ID)
        );
        _expectTxRevert(
            _eip1559Tx(0, 1, bob, 1, ""), abi.encodeWithSelector(IZrSign.ZrSignTxChainIdMismatch.selector, LOCAL_ID, 0)
        );
    }

    /// @dev Through the contract; every malformation and its fault: `unit/TxPayload.t.sol`.
    function test_RevertWhen_zrSignTxMalformed() public {
        bytes memory good = _legacyTx(1, bob, 1, "", LOCAL_ID);
        _expectInvalidTx("", 0, IZrSign.TxPayloadFault.UnknownType);
        _expectInvalidTx(hex"01c0", 0, IZrSign.TxPayloadFault.UnknownType);
        _expectInvalidTx(hex"80", 0, IZrSign.TxPayloadFault.UnknownType); // not a list
        bytes memory truncated = new bytes(good.length - 1);
        for (uint256 i; i < truncated.length; ++i) {
            truncated[i] = good[i];
        }
        _expectInvalidTx(truncated, 0, IZrSign.TxPayloadFault.Truncated);
        _expectInvalidTx(bytes.concat(good, hex"00"), good.length, IZrSign.TxPayloadFault.TrailingBytes);
        bytes memory signedR = bytes.concat(good);
        signedR[good.length - 2] = 0x01; // r slot not empty
        _expectInvalidTx(signedR, good.length - 2, IZrSign.TxPayloadFault.NonEmptySignature);
        _expectInvalidTx(hex"c3808080", 4, IZrSign.TxPayloadFault.Truncated); // too few items
        _expectInvalidTx(hex"02c0", 2, IZrSign.TxPayloadFault.Truncated); // EIP-1559 with an empty list
        bytes memory leadingZero = _legacyTx(1, bob, 1, "", LOCAL_ID);
        leadingZero[1] = 0x00; // nonce 0x01 → 0x00
        _expectInvalidTx(leadingZero, 1, IZrSign.TxPayloadFault.LeadingZero);
    }

    function _expectInvalidTx(bytes memory payload, uint256 offset, IZrSign.TxPayloadFault fault) internal {
        _expectTxRevert(payload, abi.encodeWithSelector(IZrSign.ZrSignInvalidTxPayload.selector, offset, fault));
    }

    function _expectTxRevert(bytes memory payload, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(alice);
        zr.zrSignTx{value: 1 ether}(_params(payload));
    }

    function test_RevertWhen_zrSignTxNonEvmChain() public {
        vm.startPrank(admin);
        zr.addChain("bip122:000000000019d6689c085ae165831e93", IZrSign.ChainFamily.Bip122, 0);
        zr.allowChain(EVM, BTC);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(IZrSign.ZrSignTxUnsupportedChain.selector, BTC, IZrSign.ChainFamily.Bip122)
        );
        vm.prank(alice);
        zr.zrSignTx{value: 1 ether}(IZrSign.ZrSignParams(EVM, index, BTC, _legacyTx(1, bob, 1, "", 0), false));
    }

    function test_RevertWhen_hashPayloadNot32Bytes() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInvalidHashLength.selector, 31));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(_params(new bytes(31)));
    }

    function test_RevertWhen_broadcastOnHashOrData() public {
        IZrSign.ZrSignParams memory p = _params(new bytes(32));
        p.broadcast = true;
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignBroadcastNotAllowed.selector, IZrSign.RequestKind.Hash));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(p);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignBroadcastNotAllowed.selector, IZrSign.RequestKind.Data));
        vm.prank(alice);
        zr.zrSignData{value: 1 ether}(p);
    }

    function test_RevertWhen_unknownWalletType() public {
        IZrSign.ZrSignParams memory p = _params(new bytes(32));
        p.walletTypeId = bytes32("nope");
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("nope")));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(p);
    }

    function test_RevertWhen_unknownChain() public {
        IZrSign.ZrSignParams memory p = _params(new bytes(32));
        p.dstChainId = bytes32("nope");
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownChain.selector, bytes32("nope")));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(p);
    }

    function test_RevertWhen_chainNotAllowedForWalletType() public {
        vm.prank(admin);
        zr.addChain("bip122:000000000019d6689c085ae165831e93", IZrSign.ChainFamily.Bip122, 0);
        IZrSign.ZrSignParams memory p = _params(new bytes(32));
        p.dstChainId = BTC;
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignChainNotAllowed.selector, EVM, BTC));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(p);
    }

    function test_RevertWhen_keyOfAnotherOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignKeyNotFound.selector, bob, EVM, index));
        vm.prank(bob);
        zr.zrSignHash{value: 1 ether}(_params(new bytes(32)));
    }

    function test_RevertWhen_keyNotYetAnswered() public {
        (, IZrSign.Request memory r) = _requestKey(alice);
        IZrSign.ZrSignParams memory p = _params(new bytes(32));
        p.walletIndex = r.walletIndex;
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignKeyNotFound.selector, alice, EVM, r.walletIndex));
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(p);
    }

    function test_RevertWhen_feeBelowQuote() public {
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Hash);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignInsufficientFee.selector, fee, fee - 1));
        vm.prank(alice);
        zr.zrSignHash{value: fee - 1}(_params(new bytes(32)));
    }

    function test_zrSignHash_excessCredited() public {
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Hash);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrCredited(alice, 123);
        vm.prank(alice);
        zr.zrSignHash{value: fee + 123}(_params(new bytes(32)));
        assertEq(zr.claimable(alice), 123);
        _assertConservation(zr);
    }

    function test_RevertWhen_signRequestWhilePaused() public {
        vm.prank(pauser);
        zr.pause();
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        vm.prank(alice);
        zr.zrSignHash{value: 1 ether}(_params(new bytes(32)));
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        vm.prank(alice);
        zr.zrSignData{value: 1 ether}(_params(new bytes(32)));
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        vm.prank(alice);
        zr.zrSignTx{value: 1 ether}(_params(new bytes(32)));
    }
}
