// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test, Vm} from "forge-std/Test.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {ZrSign} from "../../ZrSign.sol";
import {ZrSignProxy} from "../../ZrSignProxy.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {KeyDerivation} from "../../libraries/KeyDerivation.sol";

/// @title ZrSignBase — shared fixture for every ZrSign suite
/// @notice Deploys implementation + proxy, grants the roles to named actors, sets a root key from a fixed root
/// secret, registers the EVM wallet type (44, 60) with sign fee MPC_FEE (and the key MPC fee MPC_FEE) and the chains
/// eip155:1 and eip155:31337 (allowed for it), sets the base fee, and offers helpers that request, answer and sign exactly as the MPC responder does.
/// @dev Helpers that capture a request record call `vm.recordLogs()` / `vm.getRecordedLogs()`: a test that records
/// logs itself must read them before calling such a helper.
abstract contract ZrSignBase is Test {
    uint256 internal constant N = KeyDerivation.N;
    /// @dev The MPC network's root secret (test only). Its public key is version 1 of the fixture's root.
    uint256 internal constant ROOT_SECRET = 0x2f0a6c7f5d1e3b4a99c8e7d6b5a4938271605f4e3d2c1b0a0918273645546372;
    uint256 internal constant BASEFEE = 1 gwei;
    uint96 internal constant MPC_FEE = 0.001 ether;
    uint48 internal constant ADMIN_DELAY = 1 days;
    uint64 internal constant MAINNET_ID = 1;
    uint64 internal constant LOCAL_ID = 31_337;
    /// @dev The default response gas of a key answer and of a sign answer (any sign kind).
    uint32 internal constant KEY_GAS = 125_000;
    uint32 internal constant SIGN_GAS = 75_000;

    bytes32 internal constant EVM = 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a;
    bytes32 internal constant MAINNET = keccak256("eip155:1");
    bytes32 internal constant LOCAL = keccak256("eip155:31337");

    ZrSign internal zr;
    ZrSign internal impl;

    address internal admin = makeAddr("admin");
    address internal mpc = makeAddr("mpc");
    address internal feeCollector = makeAddr("feeCollector");
    address internal pauser = makeAddr("pauser");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public virtual {
        vm.fee(BASEFEE);
        zr = _deployConfigured();
        impl = ZrSign(address(uint160(uint256(vm.load(address(zr), ERC1967Utils.IMPLEMENTATION_SLOT)))));
        vm.deal(alice, 1000 ether);
        vm.deal(bob, 1000 ether);
    }

    // ─────────────────────────────────────────── Deployment ───────────────────────────────────────────

    /// @dev A fresh implementation + proxy, initialised and configured like the fixture's (on the current chain).
    function _deployConfigured() internal returns (ZrSign z) {
        address implementation = _newImplementation();
        z = ZrSign(address(new ZrSignProxy(implementation, abi.encodeCall(ZrSign.initialize, (admin, ADMIN_DELAY)))));
        vm.startPrank(admin);
        z.grantRole(z.MPC_ROLE(), mpc);
        z.grantRole(z.FEE_ROLE(), feeCollector);
        z.grantRole(z.PAUSER_ROLE(), pauser);
        z.setRootKey(_publicKey(ROOT_SECRET));
        z.addWalletType(44, 60, MPC_FEE);
        z.setKeyMpcFee(MPC_FEE);
        z.addChain("eip155:1", IZrSign.ChainFamily.Evm, MAINNET_ID);
        z.addChain("eip155:31337", IZrSign.ChainFamily.Evm, LOCAL_ID);
        z.allowChain(EVM, MAINNET);
        z.allowChain(EVM, LOCAL);
        vm.stopPrank();
    }

    /// @dev The implementation the fixture's proxies start on: the current code (a suite may start from another).
    function _newImplementation() internal virtual returns (address) {
        return address(new ZrSign());
    }

    // ─────────────────────────────────────────── Keys (pure) ──────────────────────────────────────────

    /// @dev The derivation tweak (spec §3) of (owner, walletTypeId, index) for deployment `zrSign` on `chainId`.
    function _tweak(uint256 chainId, address zrSign, address owner, bytes32 walletTypeId, uint256 index)
        internal
        pure
        returns (uint256)
    {
        return uint256(keccak256(abi.encode(chainId, zrSign, owner, walletTypeId, index))) % N;
    }

    /// @dev The child secret root + tweak mod n.
    function _childSecret(uint256 rootSecret, uint256 tweak) internal pure returns (uint256) {
        return addmod(rootSecret, tweak, N);
    }

    /// @dev The child secret of a key of the fixture's deployment `zr` on the current chain.
    function _childSecretOf(address owner, bytes32 walletTypeId, uint256 index) internal view returns (uint256) {
        return _childSecret(ROOT_SECRET, _tweak(block.chainid, address(zr), owner, walletTypeId, index));
    }

    /// @dev The uncompressed public key (x ‖ y, 64 bytes) of a secret.
    function _publicKey(uint256 secret) internal returns (bytes memory) {
        Vm.Wallet memory w = vm.createWallet(secret);
        return abi.encodePacked(w.publicKeyX, w.publicKeyY);
    }

    /// @dev A low-s 65-byte signature r ‖ s ‖ v (v ∈ {27, 28}) of `digest` by `secret`.
    function _sign(uint256 secret, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(secret, digest);
        if (uint256(s) > N / 2) {
            s = bytes32(N - uint256(s));
            v = v == 27 ? 28 : 27;
        }
        return abi.encodePacked(r, s, v);
    }

    // ─────────────────────────────────────────── Requests ─────────────────────────────────────────────

    /// @dev `user` requests a key for itself (EVM wallet type, options 1), paying the exact quote.
    function _requestKey(address user) internal returns (uint256 requestId, IZrSign.Request memory request) {
        return _requestKeyFor(user, user, EVM, 1);
    }

    /// @dev `payer` requests a key for `owner`, paying the exact quote; returns the id and the emitted record.
    function _requestKeyFor(address payer, address owner, bytes32 walletTypeId, uint8 options)
        internal
        returns (uint256 requestId, IZrSign.Request memory request)
    {
        uint256 fee = zr.keyFee(walletTypeId, options);
        vm.recordLogs();
        vm.prank(payer);
        requestId = zr.zrKeyReq{value: fee}(IZrSign.ZrKeyReqParams(owner, walletTypeId, options));
        request = _keyRequestFromLogs(vm.getRecordedLogs());
    }

    /// @dev Answers a key request as the MPC responder does: child public key of root + tweak.
    function _answerKey(uint256 requestId, IZrSign.Request memory request) internal returns (bytes memory publicKey) {
        publicKey = _publicKey(_childSecretOf(request.owner, request.walletTypeId, request.walletIndex));
        vm.prank(mpc);
        zr.zrKeyRes(requestId, request, publicKey);
    }

    /// @dev Requests and answers a key of `user`; returns its index.
    function _newKey(address user) internal returns (uint256 index) {
        (uint256 id, IZrSign.Request memory request) = _requestKey(user);
        _answerKey(id, request);
        return request.walletIndex;
    }

    /// @dev `user` requests a signature of `kind` with its key `index` for `dstChainId`, paying the exact quote.
    /// Returns the id, the emitted record and the emitted payload (the bytes actually signed over).
    function _signRequest(
        address user,
        IZrSign.RequestKind kind,
        uint256 index,
        bytes32 dstChainId,
        bytes memory payload,
        bool broadcast
    ) internal returns (uint256 requestId, IZrSign.Request memory request, bytes memory signedPayload) {
        IZrSign.ZrSignParams memory params = IZrSign.ZrSignParams(EVM, index, dstChainId, payload, broadcast);
        uint256 fee = zr.signFee(EVM, kind);
        vm.recordLogs();
        vm.prank(user);
        if (kind == IZrSign.RequestKind.Hash) requestId = zr.zrSignHash{value: fee}(params);
        else if (kind == IZrSign.RequestKind.Data) requestId = zr.zrSignData{value: fee}(params);
        else requestId = zr.zrSignTx{value: fee}(params);
        (request, signedPayload) = _signRequestFromLogs(vm.getRecordedLogs());
    }

    /// @dev `user` requests a signature over a 32-byte hash with its key `index` (destination eip155:1).
    function _signHashRequest(address user, uint256 index, bytes32 hash)
        internal
        returns (uint256 requestId, IZrSign.Request memory request)
    {
        (requestId, request,) =
            _signRequest(user, IZrSign.RequestKind.Hash, index, MAINNET, abi.encodePacked(hash), false);
    }

    /// @dev The signature the MPC network gives for a sign request (the key's child secret over the digest).
    function _signatureFor(IZrSign.Request memory request) internal view returns (bytes memory) {
        return _sign(_childSecretOf(request.owner, request.walletTypeId, request.walletIndex), request.digest);
    }

    /// @dev Answers a sign request as the MPC responder does.
    function _answerSign(uint256 requestId, IZrSign.Request memory request) internal returns (bytes memory signature) {
        signature = _signatureFor(request);
        vm.prank(mpc);
        zr.zrSignRes(requestId, request, signature);
    }

    // ─────────────────────────────────────────── Logs ─────────────────────────────────────────────────

    function _keyRequestFromLogs(Vm.Log[] memory logs) internal pure returns (IZrSign.Request memory request) {
        for (uint256 i = logs.length; i != 0; --i) {
            if (logs[i - 1].topics[0] == IZrSign.ZrKeyRequested.selector) {
                (request,) = abi.decode(logs[i - 1].data, (IZrSign.Request, uint8));
                return request;
            }
        }
        revert("ZrSignBase: no ZrKeyRequested");
    }

    function _signRequestFromLogs(Vm.Log[] memory logs)
        internal
        pure
        returns (IZrSign.Request memory request, bytes memory payload)
    {
        for (uint256 i = logs.length; i != 0; --i) {
            if (logs[i - 1].topics[0] == IZrSign.ZrSignRequested.selector) {
                return abi.decode(logs[i - 1].data, (IZrSign.Request, bytes));
            }
        }
        revert("ZrSignBase: no ZrSignRequested");
    }

    // ─────────────────────────────────────────── Payloads ─────────────────────────────────────────────

    /// @dev An unsigned EIP-155 legacy transaction rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]).
    function _legacyTx(uint256 nonce, address to, uint256 value, bytes memory data, uint256 chainId)
        internal
        pure
        returns (bytes memory)
    {
        bytes[] memory items = new bytes[](9);
        items[0] = RLP.encode(nonce);
        items[1] = RLP.encode(uint256(20 gwei));
        items[2] = RLP.encode(uint256(21_000));
        items[3] = RLP.encode(to);
        items[4] = RLP.encode(value);
        items[5] = RLP.encode(data);
        items[6] = RLP.encode(chainId);
        items[7] = RLP.encode(uint256(0));
        items[8] = RLP.encode(uint256(0));
        return RLP.encode(items);
    }

    /// @dev An unsigned EIP-1559 transaction 0x02 ‖ rlp([chainId, nonce, maxPrio, maxFee, gas, to, value, data, []]).
    function _eip1559Tx(uint256 chainId, uint256 nonce, address to, uint256 value, bytes memory data)
        internal
        pure
        returns (bytes memory)
    {
        bytes[] memory items = new bytes[](9);
        items[0] = RLP.encode(chainId);
        items[1] = RLP.encode(nonce);
        items[2] = RLP.encode(uint256(1 gwei));
        items[3] = RLP.encode(uint256(30 gwei));
        items[4] = RLP.encode(uint256(21_000));
        items[5] = RLP.encode(to);
        items[6] = RLP.encode(value);
        items[7] = RLP.encode(data);
        items[8] = RLP.encode(new bytes[](0));
        return bytes.concat(hex"02", RLP.encode(items));
    }

    // ─────────────────────────────────────────── Accounting ───────────────────────────────────────────

    /// @dev Spec §6: balance == Σ escrow + Σ claimable + protocol fees (no forced ether in these suites).
    function _assertConservation(ZrSign z) internal view {
        assertEq(address(z).balance, z.totalEscrow() + z.totalClaimable() + z.protocolFees(), "conservation");
    }
}
