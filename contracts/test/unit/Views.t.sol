// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @dev v1 compatibility views (spec §10) and the other read functions.
contract ViewsTest is ZrSignBase {
    /// @dev Issue 10.3: the sign kinds share one response gas, so v1's kind-less quote is exactly every kind's fee,
    /// whatever the admin sets.
    function test_estimateFee_signQuoteExactForEveryKind() public {
        vm.prank(admin);
        zr.setResponseGas(IZrSign.RequestKind.Tx, 90_000);
        (uint256 mpcFee, uint256 netResp, uint256 total) = zr.estimateFee(EVM, alice, 0, 5 ether);
        assertEq(mpcFee, MPC_FEE);
        assertEq(netResp, 90_000 * BASEFEE * 110 / 100);
        assertEq(total, mpcFee + netResp);
        assertEq(total, zr.signFee(EVM, IZrSign.RequestKind.Hash));
        assertEq(total, zr.signFee(EVM, IZrSign.RequestKind.Data));
        assertEq(total, zr.signFee(EVM, IZrSign.RequestKind.Tx));
    }

    function test_estimateFee_keyQuoteForEvm() public view {
        (uint256 mpcFee, uint256 netResp, uint256 total) = zr.estimateFee(uint8(2), 0);
        assertEq(mpcFee, 2 * MPC_FEE);
        assertEq(netResp, KEY_GAS * BASEFEE * 110 / 100);
        assertEq(total, zr.keyFee(EVM, 2));
    }

    function test_RevertWhen_estimateFeeUnknownWalletType() public {
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("x")));
        zr.estimateFee(bytes32("x"), alice, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignUnknownWalletType.selector, bytes32("x")));
        zr.signFee(bytes32("x"), IZrSign.RequestKind.Hash);
    }

    function test_getZrKeys_positionIsWalletIndex() public {
        _newKey(alice);
        _requestKey(alice); // index 1: unanswered, an empty entry that keeps later positions in place
        _newKey(alice);
        string[] memory keys = zr.getZrKeys(EVM, alice);
        assertEq(keys.length, 3);
        assertEq(keys[0], Strings.toChecksumHexString(vm.addr(_childSecretOf(alice, EVM, 0))));
        assertEq(keys[1], "");
        assertEq(keys[2], Strings.toChecksumHexString(vm.addr(_childSecretOf(alice, EVM, 2))));
        assertEq(keys[0], vm.toString(vm.addr(_childSecretOf(alice, EVM, 0)))); // forge prints EIP-55
        for (uint256 i; i < keys.length; ++i) {
            assertEq(zr.getZrKey(EVM, alice, i), keys[i]);
        }
        assertEq(zr.getZrKeys(EVM, bob).length, 0);
    }

    /// @dev Issue 10.4: the list ends at the highest answered index (a pending key is not listed, so a v1 dapp waiting
    /// for `length` to grow waits for the answer); a gap below it is ""; getZrKey past it reverts.
    function test_getZrKeys_lengthIsHighestAnsweredIndex() public {
        (uint256 id0, IZrSign.Request memory r0) = _requestKey(alice);
        (uint256 id1, IZrSign.Request memory r1) = _requestKey(alice);
        assertEq(zr.getZrKeys(EVM, alice).length, 0, "pending keys are not listed");
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignKeyNotFound.selector, alice, EVM, 0));
        zr.getZrKey(EVM, alice, 0);

        _answerKey(id1, r1); // out of order: index 1 first
        string[] memory keys = zr.getZrKeys(EVM, alice);
        assertEq(keys.length, 2);
        assertEq(keys[0], "", "a gap below the highest answered index");
        assertEq(keys[1], vm.toString(vm.addr(_childSecretOf(alice, EVM, 1))));
        assertEq(zr.getZrKey(EVM, alice, 0), "");
        vm.expectRevert(abi.encodeWithSelector(IZrSign.ZrSignKeyNotFound.selector, alice, EVM, 2));
        zr.getZrKey(EVM, alice, 2);

        _answerKey(id0, r0);
        assertEq(zr.getZrKeys(EVM, alice)[0], vm.toString(vm.addr(_childSecretOf(alice, EVM, 0))));
        _requestKey(alice); // index 2 pending: still two
        assertEq(zr.getZrKeys(EVM, alice).length, 2);
    }

    /// @dev Issue 10.6: a Bitcoin wallet type (coin type 0 / 1, whatever the purpose) lists the key's P2WPKH address.
    /// The root is chosen so that the child key of (alice, wallet type, 0) is the generator G, whose P2WPKH addresses
    /// are BIP-173's test vectors.
    function test_getZrKeys_bitcoinKeysAreP2wpkh() public {
        bytes32 btc = keccak256(abi.encode(uint256(84), uint256(0)));
        bytes32 btcTest = keccak256(abi.encode(uint256(84), uint256(1)));
        bytes32 v1Btc = keccak256(abi.encode(uint256(44), uint256(1))); // ZrSignConnect's BTC_WALLET_TYPE
        assertEq(v1Btc, 0xe03615811ae25b894de73e643038c13c37f602dc1e17ff1a02e5854893f3bd5e);
        _newKey(alice); // an EVM key, under the fixture's root (the BTC keys below use roots of their own)
        vm.startPrank(admin);
        zr.addWalletType(84, 0, MPC_FEE);
        zr.addWalletType(84, 1, MPC_FEE);
        zr.addWalletType(44, 1, MPC_FEE);
        vm.stopPrank();
        _storeGeneratorKey(btc);
        _storeGeneratorKey(btcTest);
        _storeGeneratorKey(v1Btc);
        assertEq(zr.getZrKey(btc, alice, 0), "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assertEq(zr.getZrKeys(btc, alice)[0], "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assertEq(zr.getZrKey(btcTest, alice, 0), "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx");
        assertEq(zr.getZrKey(v1Btc, alice, 0), "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx");
        // The format stays after the wallet type is removed; EVM keys stay EIP-55.
        vm.prank(admin);
        zr.removeWalletType(btc);
        assertEq(zr.getZrKey(btc, alice, 0), "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assertEq(zr.getZrKey(EVM, alice, 0), vm.toString(vm.addr(_childSecretOf(alice, EVM, 0))));
    }

    /// @dev Sets a root key version whose child for (alice, walletTypeId, 0) is G (child secret 1), and stores it.
    function _storeGeneratorKey(bytes32 walletTypeId) internal {
        uint256 tweak = _tweak(block.chainid, address(zr), alice, walletTypeId, 0);
        vm.prank(admin);
        zr.setRootKey(_publicKey(addmod(1, N - tweak, N)));
        (uint256 id, IZrSign.Request memory r) = _requestKeyFor(alice, alice, walletTypeId, 1);
        vm.prank(mpc);
        zr.zrKeyRes(id, r, _publicKey(1));
        assertEq(
            zr.keyOf(alice, walletTypeId, 0).publicKey,
            hex"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        );
    }

    /// @dev Issue 10.5: v1's read views with v1's shapes and meaning.
    function test_v1ReadViews() public {
        assertEq(zr.getMPCFee(), MPC_FEE, "the key MPC fee per option");
        assertEq(zr.getRespGas(), KEY_GAS, "the largest response gas");
        assertEq(zr.getRespGasPriceBuffer(), 110, "100 + buffer, as v1's percentage");
        (uint256 purpose, uint256 coinType) = zr.getWalletTypeInfo(EVM);
        assertEq(purpose, 44);
        assertEq(coinType, 60);
        (purpose, coinType) = zr.getWalletTypeInfo(bytes32("x"));
        assertEq(purpose + coinType, 0);
        // v1's fee formula from these views is the key quote: mpcFee × options + respGas × basefee × buffer / 100.
        assertEq(
            zr.keyFee(EVM, 2), 2 * zr.getMPCFee() + zr.getRespGas() * block.basefee * zr.getRespGasPriceBuffer() / 100
        );

        assertEq(zr.getWalletRegistry(EVM, 0, alice).status, 0, "never requested");
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        assertEq(zr.getWalletRegistry(EVM, 0, alice).status, 1, "requested");
        assertEq(zr.getRequestState(id).status, 1, "in progress");
        _answerKey(id, r);
        IZrSign.WalletRegistry memory entry = zr.getWalletRegistry(EVM, 0, alice);
        assertEq(entry.status, 2, "registered");
        assertEq(entry.options, 0);
        assertEq(entry.value, 0);
        assertEq(zr.getRequestState(id).status, 2, "processed");
        assertEq(zr.getRequestState(id).value, 0);
        assertEq(zr.getRequestState(99).status, 0);
        (uint256 rejected, IZrSign.Request memory rr) = _requestKey(alice);
        vm.prank(mpc);
        zr.zrReject(rejected, rr, 1);
        assertEq(zr.getRequestState(rejected).status, 3);
        assertEq(zr.getWalletRegistry(EVM, 1, alice).status, 1, "a rejected index stays requested, never registered");
        (uint256 reclaimed, IZrSign.Request memory rc) = _requestKey(alice);
        vm.roll(uint256(rc.deadline) + 1);
        zr.reclaim(reclaimed, rc);
        assertEq(zr.getRequestState(reclaimed).status, 4);
    }

    /// @dev The batched view reads each id as requestStatus and requestCommitment do, in the order given.
    function test_getRequestStates_matchesSingleViews() public {
        (uint256 open, IZrSign.Request memory ro) = _requestKey(alice);
        (uint256 answered, IZrSign.Request memory ra) = _requestKey(alice);
        _answerKey(answered, ra);
        (uint256 rejected, IZrSign.Request memory rr) = _requestKey(alice);
        vm.prank(mpc);
        zr.zrReject(rejected, rr, 1);
        (uint256 reclaimed, IZrSign.Request memory rc) = _requestKey(alice);
        vm.roll(uint256(rc.deadline) + 1);
        zr.reclaim(reclaimed, rc);

        uint256[] memory ids = new uint256[](7);
        (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]) = (reclaimed, open, 0, answered, rejected, 99, open);
        IZrSign.RequestState[] memory states = zr.getRequestStates(ids);
        assertEq(states.length, ids.length);
        uint8[7] memory expected = [
            uint8(IZrSign.RequestStatus.Reclaimed),
            uint8(IZrSign.RequestStatus.Open),
            uint8(IZrSign.RequestStatus.None),
            uint8(IZrSign.RequestStatus.Answered),
            uint8(IZrSign.RequestStatus.Rejected),
            uint8(IZrSign.RequestStatus.None),
            uint8(IZrSign.RequestStatus.Open)
        ];
        for (uint256 i; i < ids.length; ++i) {
            assertEq(uint8(states[i].status), expected[i], "status");
            assertEq(uint8(states[i].status), uint8(zr.requestStatus(ids[i])), "status = requestStatus");
            assertEq(states[i].commitment, zr.requestCommitment(ids[i]), "commitment = requestCommitment");
        }
        assertEq(states[1].commitment, keccak256(abi.encode(ro)), "an open request's commitment is its record's hash");
        assertEq(zr.getRequestStates(new uint256[](0)).length, 0);
    }

    function testFuzz_getRequestStates_unknownIdsReadNone(uint256 id) public view {
        vm.assume(id == 0 || id >= zr.nextRequestId());
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        IZrSign.RequestState[] memory states = zr.getRequestStates(ids);
        assertEq(uint8(states[0].status), uint8(IZrSign.RequestStatus.None));
        assertEq(states[0].commitment, bytes32(0));
    }

    function test_supportViews() public {
        assertTrue(zr.isWalletTypeSupported(EVM));
        assertFalse(zr.isWalletTypeSupported(bytes32("x")));
        assertTrue(zr.isChainIdSupported(EVM, MAINNET));
        assertTrue(zr.isChainIdSupported(EVM, LOCAL));
        assertFalse(zr.isChainIdSupported(EVM, keccak256("eip155:5")));
        assertEq(zr.version(), 1);
        assertEq(zr.getTraceId(), 0);
        _requestKey(alice);
        _requestKey(bob);
        assertEq(zr.getTraceId(), 2);
        assertEq(zr.nextRequestId(), 3);
    }

    function test_requestStatus_lifecycle() public {
        assertEq(uint8(zr.requestStatus(1)), uint8(IZrSign.RequestStatus.None));
        assertEq(zr.requestCommitment(1), bytes32(0));
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Open));
        vm.roll(uint256(r.deadline) + 1); // expired is still Open until reclaimed
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Open));
        zr.reclaim(id, r);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Reclaimed));
        assertEq(zr.requestCommitment(id), bytes32(0));
    }
}
