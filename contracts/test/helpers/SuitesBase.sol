// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test, Vm} from "forge-std/Test.sol";
import {ZrSign} from "../../ZrSign.sol";
import {ZrSignProxy} from "../../ZrSignProxy.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrKeys} from "./ZrKeys.sol";

/// @title SuitesBase — a configured zrSign deployment plus MPC-side helpers for the invariant, upgrade and
/// compatibility suites
/// @dev Deploys implementation + proxy, sets a root key whose secret the tests hold, registers the EVM wallet
/// type and two EVM chains (this chain and a second one), and grants the roles to separate accounts.
abstract contract SuitesBase is Test {
    /// @notice No ZrKeyRequested/ZrSignRequested event for the id was recorded.
    error SuitesBaseRequestEventNotFound(uint256 requestId);

    uint256 internal constant ROOT_SECRET = uint256(keccak256("zrsign.suites.root-secret"));
    uint96 internal constant MPC_FEE = 0.001 ether;
    uint256 internal constant BASEFEE = 1 gwei;
    uint64 internal constant OTHER_EVM_CHAIN = 31_338;

    ZrSign internal impl;
    ZrSign internal zrs; // the proxy, typed as the implementation (roles, upgrades)
    IZrSign internal zr; // the proxy, typed as the protocol interface

    address internal admin = makeAddr("admin");
    address internal mpc = makeAddr("mpc");
    address internal feeManager = makeAddr("feeManager");
    address internal pauser = makeAddr("pauser");

    bytes32 internal evmWalletType;
    bytes32 internal localChain; // keccak256("eip155:<block.chainid>")
    bytes32 internal otherChain; // keccak256("eip155:31338")
    string internal localCaip2;

    function setUp() public virtual {
        vm.fee(BASEFEE);
        impl = new ZrSign();
        zrs = ZrSign(address(new ZrSignProxy(address(impl), abi.encodeCall(ZrSign.initialize, (admin, 1 days)))));
        zr = IZrSign(address(zrs));
        localCaip2 = string.concat("eip155:", vm.toString(block.chainid));

        vm.startPrank(admin);
        zrs.grantRole(zrs.MPC_ROLE(), mpc);
        zrs.grantRole(zrs.FEE_ROLE(), feeManager);
        zrs.grantRole(zrs.PAUSER_ROLE(), pauser);
        zr.setRootKey(ZrKeys.publicKey(ROOT_SECRET));
        evmWalletType = zr.addWalletType(44, 60, MPC_FEE);
        localChain = zr.addChain(localCaip2, IZrSign.ChainFamily.Evm, uint64(block.chainid));
        otherChain = zr.addChain("eip155:31338", IZrSign.ChainFamily.Evm, OTHER_EVM_CHAIN);
        zr.allowChain(evmWalletType, localChain);
        zr.allowChain(evmWalletType, otherChain);
        vm.stopPrank();
    }

    // ───────────────────────────── MPC-side math ─────────────────────────────

    /// @notice The child secret the MPC network holds for a key of this deployment.
    function _childSecret(address owner, bytes32 walletTypeId, uint256 index) internal view returns (uint256) {
        return ZrKeys.childSecret(ROOT_SECRET, address(zr), owner, walletTypeId, index);
    }

    /// @notice The 64-byte public key the MPC network answers a key request with.
    function _childPublicKey(IZrSign.Request memory r) internal returns (bytes memory) {
        return ZrKeys.publicKey(_childSecret(r.owner, r.walletTypeId, r.walletIndex));
    }

    /// @notice The low-s signature the MPC network answers a sign request with.
    function _childSignature(IZrSign.Request memory r) internal view returns (bytes memory) {
        return ZrKeys.signLowS(_childSecret(r.owner, r.walletTypeId, r.walletIndex), r.digest);
    }

    // ───────────────────────────── Request helpers ─────────────────────────────

    /// @notice Requests a key for `owner`, paid by `payer` (exact fee), and returns the request from its event.
    function _requestKey(address payer, address owner) internal returns (uint256 id, IZrSign.Request memory r) {
        uint256 fee = zr.keyFee(evmWalletType, 1);
        vm.deal(payer, payer.balance + fee);
        vm.recordLogs();
        vm.prank(payer);
        id = zr.zrKeyReq{value: fee}(IZrSign.ZrKeyReqParams({owner: owner, walletTypeId: evmWalletType, options: 1}));
        r = _lastRequest(id);
    }

    /// @notice Requests and answers a key for `owner`; returns its index.
    function _createKey(address owner) internal returns (uint256 index) {
        (uint256 id, IZrSign.Request memory r) = _requestKey(owner, owner);
        bytes memory pub = _childPublicKey(r);
        vm.prank(mpc);
        zr.zrKeyRes(id, r, pub);
        return r.walletIndex;
    }

    /// @notice Requests a hash signature by `owner` with key `index` (exact fee).
    function _requestHash(address owner, uint256 index, bytes32 hash)
        internal
        returns (uint256 id, IZrSign.Request memory r)
    {
        uint256 fee = zr.signFee(evmWalletType, IZrSign.RequestKind.Hash);
        vm.deal(owner, owner.balance + fee);
        vm.recordLogs();
        vm.prank(owner);
        id = zr.zrSignHash{value: fee}(
            IZrSign.ZrSignParams({
                walletTypeId: evmWalletType,
                walletIndex: index,
                dstChainId: localChain,
                payload: abi.encodePacked(hash),
                broadcast: false
            })
        );
        r = _lastRequest(id);
    }

    /// @notice The request record of `id` from the recorded logs (ZrKeyRequested or ZrSignRequested).
    function _lastRequest(uint256 id) internal returns (IZrSign.Request memory r) {
        (r,) = _lastRequestWithPayload(id);
    }

    /// @notice The request record of `id` and, for sign requests, the payload actually signed.
    function _lastRequestWithPayload(uint256 id) internal returns (IZrSign.Request memory r, bytes memory payload) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            Vm.Log memory l = logs[i - 1];
            if (l.emitter != address(zr) || l.topics.length < 2 || uint256(l.topics[1]) != id) continue;
            if (l.topics[0] == IZrSign.ZrKeyRequested.selector) {
                (r,) = abi.decode(l.data, (IZrSign.Request, uint8));
                return (r, "");
            }
            if (l.topics[0] == IZrSign.ZrSignRequested.selector) {
                (r, payload) = abi.decode(l.data, (IZrSign.Request, bytes));
                return (r, payload);
            }
        }
        revert SuitesBaseRequestEventNotFound(id);
    }
}
