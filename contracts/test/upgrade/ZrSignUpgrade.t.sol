// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrSign} from "../../ZrSign.sol";
import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {ZrSignV2} from "./ZrSignV2.sol";

/// @title ZrSignUpgradeTest — a populated proxy moves to V2 with every key, request, balance, setting and role intact
contract ZrSignUpgradeTest is ZrSignBase {
    address internal carol = makeAddr("carol");
    address internal stranger = makeAddr("stranger");

    address internal v2Impl;
    uint256 internal openKeyId;
    IZrSign.Request internal openKeyReq;
    uint256 internal openHashId;
    IZrSign.Request internal openHashReq;

    /// @dev Everything that must survive the upgrade.
    struct Snapshot {
        uint256 nextRequestId;
        bytes32[] commitments;
        uint8[] statuses;
        IZrSign.KeyInfo[] keys;
        uint256[] claimables;
        uint256 protocolFees;
        uint256 totalEscrow;
        uint256 totalClaimable;
        uint256 balance;
        bytes feeConfig;
        bytes walletType;
        bytes chains;
        bytes32 rootX;
        bytes32 rootY;
        uint32 keyVersion;
        bytes32[8] rawNamespace;
    }

    function setUp() public override {
        super.setUp();
        _populate();
    }

    /// @dev Keys (answered and pending), a reclaimed, a rejected, an answered and an open sign request, excess
    /// credits, responder reimbursements and protocol fees.
    function _populate() internal {
        vm.deal(carol, 10 ether);
        // A request that expires and is reclaimed.
        vm.prank(admin);
        zr.setRequestTtl(10);
        (uint256 lateId, IZrSign.Request memory late) = _requestKeyFor(carol, carol, EVM, 1);
        vm.roll(block.number + 11);
        zr.reclaim(lateId, late);
        vm.prank(admin);
        zr.setRequestTtl(7200);

        _newKey(alice); // alice 0
        _newKey(alice); // alice 1
        _newKey(bob); // bob 0

        // Rejected key request for bob.
        (uint256 rejId, IZrSign.Request memory rej) = _requestKey(bob);
        vm.prank(mpc);
        zr.zrReject(rejId, rej, 7);

        // Answered hash request by alice.
        (uint256 hId, IZrSign.Request memory h) = _signHashRequest(alice, 0, keccak256("answered"));
        bytes memory sig = _signatureFor(h);
        vm.prank(mpc);
        zr.zrSignRes(hId, h, sig);

        // Excess payment credited to bob.
        uint256 fee = zr.keyFee(EVM, 2);
        vm.prank(bob);
        uint256 excessId = zr.zrKeyReq{value: fee + 0.25 ether}(IZrSign.ZrKeyReqParams(bob, EVM, 2));
        assertGt(excessId, 0);

        // Open requests to answer after the upgrade.
        (openKeyId, openKeyReq) = _requestKeyFor(alice, carol, EVM, 1);
        (openHashId, openHashReq) = _signHashRequest(bob, 0, keccak256("open across the upgrade"));

        assertGt(zr.protocolFees(), 0);
        assertGt(zr.claimable(mpc), 0);
        assertGt(zr.claimable(bob), 0);
        assertGt(zr.totalEscrow(), 0);
    }

    function _accounts() internal view returns (address[5] memory) {
        return [alice, bob, carol, mpc, stranger];
    }

    function _snapshot() internal view returns (Snapshot memory s) {
        s.nextRequestId = zr.nextRequestId();
        s.commitments = new bytes32[](s.nextRequestId);
        s.statuses = new uint8[](s.nextRequestId);
        for (uint256 id; id < s.nextRequestId; ++id) {
            s.commitments[id] = zr.requestCommitment(id);
            s.statuses[id] = uint8(zr.requestStatus(id));
        }
        s.keys = new IZrSign.KeyInfo[](9);
        address[3] memory owners = [alice, bob, carol];
        for (uint256 o; o < 3; ++o) {
            for (uint256 i; i < 3; ++i) {
                s.keys[o * 3 + i] = zr.keyOf(owners[o], EVM, i);
            }
        }
        address[5] memory accounts = _accounts();
        s.claimables = new uint256[](5);
        for (uint256 i; i < 5; ++i) {
            s.claimables[i] = zr.claimable(accounts[i]);
        }
        s.protocolFees = zr.protocolFees();
        s.totalEscrow = zr.totalEscrow();
        s.totalClaimable = zr.totalClaimable();
        s.balance = address(zr).balance;
        s.feeConfig = abi.encode(zr.feeConfig());
        s.walletType = abi.encode(zr.walletType(EVM));
        s.chains = abi.encode(
            zr.chain(LOCAL), zr.chain(MAINNET), zr.isChainIdSupported(EVM, LOCAL), zr.isChainIdSupported(EVM, MAINNET)
        );
        s.keyVersion = zr.currentKeyVersion();
        (s.rootX, s.rootY) = zr.rootKey(s.keyVersion);
        bytes32 base = _storageSlot();
        for (uint256 i; i < 8; ++i) {
            s.rawNamespace[i] = vm.load(address(zr), bytes32(uint256(base) + i));
        }
    }

    function _upgrade() internal returns (ZrSignV2 v2) {
        ZrSignV2 next = new ZrSignV2();
        v2Impl = address(next);
        vm.prank(admin);
        zr.upgradeToAndCall(address(next), abi.encodeCall(ZrSignV2.initializeV2, ("hello from v2")));
        return ZrSignV2(address(zr));
    }

    function test_upgradeToAndCall_preservesEverything() public {
        Snapshot memory before = _snapshot();
        ZrSignV2 v2 = _upgrade();
        Snapshot memory afterwards = _snapshot();

        assertEq(abi.encode(afterwards), abi.encode(before), "state changed across the upgrade");
        // Spot checks that read well in a failure report.
        assertEq(afterwards.nextRequestId, before.nextRequestId);
        assertEq(afterwards.keys[0].evmAddress, vm.addr(_childSecretOf(alice, EVM, 0)));
        assertEq(afterwards.keys[3].evmAddress, vm.addr(_childSecretOf(bob, EVM, 0)));
        assertEq(afterwards.protocolFees, before.protocolFees);
        assertEq(zr.keyCount(alice, EVM), 2);
        assertEq(zr.getZrKey(EVM, alice, 1), vm.toString(vm.addr(_childSecretOf(alice, EVM, 1))));

        // Roles.
        assertTrue(zr.hasRole(zr.DEFAULT_ADMIN_ROLE(), admin));
        assertEq(zr.defaultAdmin(), admin);
        assertTrue(zr.hasRole(zr.MPC_ROLE(), mpc));
        assertTrue(zr.hasRole(zr.FEE_ROLE(), feeCollector));
        assertTrue(zr.hasRole(zr.PAUSER_ROLE(), pauser));
        assertFalse(zr.hasRole(zr.MPC_ROLE(), stranger));

        // V2 is live.
        assertEq(_impl(), v2Impl);
        assertEq(v2.v2Hello(), "hello from v2");
        assertEq(v2.hellos(), 1);
        assertEq(zr.version(), 2);
    }

    function test_upgrade_openRequestsStillAnswerable() public {
        _upgrade();

        _answerKey(openKeyId, openKeyReq);
        assertEq(uint8(zr.requestStatus(openKeyId)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(
            zr.keyOf(carol, EVM, openKeyReq.walletIndex).evmAddress,
            vm.addr(_childSecretOf(carol, EVM, openKeyReq.walletIndex))
        );

        bytes memory sig = _signatureFor(openHashReq);
        vm.prank(mpc);
        zr.zrSignRes(openHashId, openHashReq, sig);
        assertEq(uint8(zr.requestStatus(openHashId)), uint8(IZrSign.RequestStatus.Answered));

        // New requests keep counting from where V1 stopped, and money still flows.
        uint256 next = zr.nextRequestId();
        (uint256 id,) = _signHashRequest(alice, 1, keccak256("after the upgrade"));
        assertEq(id, next);
        uint256 owed = zr.claimable(bob);
        uint256 balanceBefore = bob.balance;
        vm.prank(bob);
        zr.withdraw();
        assertEq(zr.claimable(bob), 0);
        assertEq(bob.balance, balanceBefore + owed);
        assertEq(address(zr).balance, zr.totalEscrow() + zr.totalClaimable() + zr.protocolFees());
    }

    function test_RevertWhen_upgradeByNonAdmin() public {
        ZrSignV2 next = new ZrSignV2();
        address[4] memory callers = [stranger, mpc, feeCollector, pauser];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], zr.DEFAULT_ADMIN_ROLE()
                )
            );
            vm.prank(callers[i]);
            zr.upgradeToAndCall(address(next), "");
        }
        assertEq(_impl(), address(impl));
    }

    function test_RevertWhen_implementationInitialized() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(stranger, 0);
        ZrSignV2 next = new ZrSignV2();
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        next.initialize(stranger, 0);
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        next.initializeV2("not on the implementation");
    }

    function test_RevertWhen_upgradeCalledOnImplementation() public {
        ZrSignV2 next = new ZrSignV2();
        vm.expectRevert(UUPSUpgradeable.UUPSUnauthorizedCallContext.selector);
        vm.prank(admin);
        impl.upgradeToAndCall(address(next), "");
    }

    function test_RevertWhen_initializeV2Twice() public {
        ZrSignV2 v2 = _upgrade();
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        v2.initializeV2("again");
    }

    // ───────────────────────────── Storage layout ─────────────────────────────

    function test_storageSlot_isErc7201Namespace() public view {
        bytes32 expected =
            keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSign")) - 1)) & ~bytes32(uint256(0xff));
        assertEq(_storageSlot(), expected);
    }

    function test_storageSlot_requestWritesInsideNamespace() public virtual {
        bytes32 slot = _storageSlot();
        bytes32 configBefore = vm.load(address(zr), slot);
        bytes32 requestSlot = bytes32(uint256(slot) + REQUESTS_OFFSET);
        uint256 next = zr.nextRequestId();
        _signHashRequest(alice, 0, keccak256("moves the next request id"));
        // The request word (appended member 14) holds the next id in its low 64 bits; the config word is untouched.
        assertEq(uint256(vm.load(address(zr), requestSlot)) & type(uint64).max, next + 1, "next id in the request word");
        assertEq(vm.load(address(zr), slot), configBefore, "a request writes no config word");
    }

    /// @dev Member index of {ZrSignStorage.requests} in the namespace (appended after `settled`, member 13).
    uint256 internal constant REQUESTS_OFFSET = 14;

    /// @dev Rewrites the populated state as the release before the request word kept it: the counter in the config
    /// word (bits 80..143), the requests' unfolded escrow in the totals word's low 96 bits, the request word empty.
    /// Nothing to do when the state was written by that release's own bytecode ({ZrSignReleaseUpgradeTest}).
    function _toLegacyLayout() internal {
        bytes32 base = _storageSlot();
        bytes32 requestSlot = bytes32(uint256(base) + REQUESTS_OFFSET);
        uint256 w = uint256(vm.load(address(zr), requestSlot));
        if (w == 0) return;
        uint256 cfg = uint256(vm.load(address(zr), base));
        cfg = (cfg & ~(uint256(type(uint64).max) << 80)) | ((w & type(uint64).max) << 80);
        vm.store(address(zr), base, bytes32(cfg));
        bytes32 totalsSlot = bytes32(uint256(base) + 1);
        uint256 totals = uint256(vm.load(address(zr), totalsSlot));
        uint256 escrow = (totals & type(uint96).max) + ((w >> 64) & type(uint128).max);
        vm.store(address(zr), totalsSlot, bytes32((totals & ~uint256(type(uint96).max)) | escrow));
        vm.store(address(zr), requestSlot, 0);
    }

    function test_upgrade_fromLegacyCounterMovesItOnFirstRequest() public {
        Snapshot memory before = _snapshot();
        _toLegacyLayout();
        _upgrade();
        Snapshot memory legacy = _snapshot();
        legacy.rawNamespace = before.rawNamespace; // the config and totals words differ; every view must not
        assertEq(abi.encode(legacy), abi.encode(before), "views changed reading the legacy counter");
        bytes32 base = _storageSlot();
        bytes32 configLegacy = vm.load(address(zr), base);

        // The first request takes the legacy counter and key fee, and makes the request word live.
        (uint256 id, IZrSign.Request memory r) = _requestKeyFor(alice, carol, EVM, 2);
        assertEq(id, before.nextRequestId);
        assertEq(r.serviceFee, 2 * MPC_FEE);
        assertEq(zr.nextRequestId(), id + 1);
        uint256 w = uint256(vm.load(address(zr), bytes32(uint256(base) + REQUESTS_OFFSET)));
        assertEq(w & type(uint64).max, id + 1, "counter moved");
        assertEq(w >> 192, MPC_FEE, "key fee copied");
        assertEq(vm.load(address(zr), base), configLegacy, "legacy counter no longer written");
        assertEq(zr.totalEscrow(), before.totalEscrow + r.serviceFee + r.gasFee);
        _assertConservation(zr);

        // Old and new requests settle, and the escrow of both parts is released exactly.
        _answerKey(openKeyId, openKeyReq);
        _answerKey(id, r);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(uint8(zr.requestStatus(id + 1)), uint8(IZrSign.RequestStatus.None));
        vm.roll(uint256(openHashReq.deadline) + 1);
        zr.reclaim(openHashId, openHashReq);
        uint256 settledEscrow =
            uint256(openKeyReq.serviceFee) + openKeyReq.gasFee + openHashReq.serviceFee + openHashReq.gasFee;
        assertEq(zr.totalEscrow(), before.totalEscrow - settledEscrow, "only the excess-paid key request is open");
        uint256 fees = zr.protocolFees();
        vm.prank(feeCollector);
        zr.withdrawFees(feeCollector, fees); // folds the request word's escrow and Settled
        assertEq(zr.protocolFees(), 0);
        _assertConservation(zr);
        (uint256 next,) = _signHashRequest(alice, 0, keccak256("after the move"));
        assertEq(next, id + 1);
    }

    function test_storage_noSequentialSlotsUsed() public view {
        // Every contract in the hierarchy uses ERC-7201 namespaces: slots 0..63 of the proxy stay empty.
        for (uint256 i; i < 64; ++i) {
            assertEq(vm.load(address(zr), bytes32(i)), bytes32(0), "sequential slot used");
        }
    }

    function test_v2Namespace_isSeparate() public {
        ZrSignV2 v2 = _upgrade();
        bytes32 v2Slot = v2.v2StorageSlot();
        assertEq(
            v2Slot, keccak256(abi.encode(uint256(keccak256("zrsign.storage.ZrSignV2")) - 1)) & ~bytes32(uint256(0xff))
        );
        assertNotEq(v2Slot, _storageSlot());
        v2.v2Hello();
        assertEq(uint256(vm.load(address(zr), bytes32(uint256(v2Slot) + 1))), 1, "hellos counter in the V2 namespace");
    }

    // ───────────────────────────── Helpers ─────────────────────────────

    /// @dev The implementation's declared ERC-7201 slot.
    function _storageSlot() internal view returns (bytes32) {
        return impl.STORAGE_SLOT();
    }

    function _impl() internal view returns (address) {
        return address(uint160(uint256(vm.load(address(zr), ERC1967Utils.IMPLEMENTATION_SLOT))));
    }
}
