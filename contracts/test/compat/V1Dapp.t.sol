// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {ZrKeys} from "../helpers/ZrKeys.sol";
import {Rlp} from "../helpers/Rlp.sol";

/// @notice zrSign v1's dapp-facing interface, as Zenrock's ZrSignConnect sees it (spec §10): v1 structs,
/// request functions without return values, v1 views.
interface ISign {
    struct ZrKeyReqParams {
        address owner;
        bytes32 walletTypeId;
        uint8 options;
    }

    struct ZrSignParams {
        bytes32 walletTypeId;
        uint256 walletIndex;
        bytes32 dstChainId;
        bytes payload;
        bool broadcast;
    }

    struct WalletRegistry {
        uint8 status;
        uint8 options;
        uint256 value;
    }

    struct ReqRegistry {
        uint8 status;
        uint256 value;
    }

    struct ChainInfo {
        uint256 purpose;
        uint256 coinType;
    }

    function zrKeyReq(ZrKeyReqParams calldata params) external payable;
    function zrSignHash(ZrSignParams calldata params) external payable;
    function zrSignData(ZrSignParams calldata params) external payable;
    function zrSignTx(ZrSignParams calldata params) external payable;

    function estimateFee(bytes32 walletTypeId, address owner, uint256 walletIndex, uint256 value)
        external
        view
        returns (uint256 mpc, uint256 netResp, uint256 total);
    function estimateFee(uint8 options, uint256 value)
        external
        view
        returns (uint256 mpc, uint256 netResp, uint256 total);

    function getZrKeys(bytes32 walletTypeId, address owner) external view returns (string[] memory);
    function getZrKey(bytes32 walletTypeId, address owner, uint256 index) external view returns (string memory);
    function isWalletTypeSupported(bytes32 walletTypeId) external view returns (bool);
    function isChainIdSupported(bytes32 walletTypeId, bytes32 chainId) external view returns (bool);
    function getTraceId() external view returns (uint256);
    function version() external view returns (uint256);
    function getMPCFee() external view returns (uint256);
    function getRespGas() external view returns (uint256);
    function getRespGasPriceBuffer() external view returns (uint256);
    function getWalletRegistry(bytes32 walletTypeId, uint256 walletIndex, address owner)
        external
        view
        returns (WalletRegistry memory);
    function getRequestState(uint256 traceId) external view returns (ReqRegistry memory);
    function getWalletTypeInfo(bytes32 walletTypeId) external view returns (ChainInfo memory);
}

/// @notice A v1 dapp in the style of ZrSignConnect: written only against {ISign}.
contract V1Dapp {
    /// @notice v1's EVM wallet type, keccak256(abi.encode(44, 60)).
    bytes32 public constant EVM_WALLET_TYPE = 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a;
    /// @notice ZrSignConnect's BTC wallet type, keccak256(abi.encode(44, 1)) (Bitcoin testnet's coin type).
    bytes32 public constant BTC_WALLET_TYPE = 0xe03615811ae25b894de73e643038c13c37f602dc1e17ff1a02e5854893f3bd5e;

    ISign public immutable zrSign;

    constructor(ISign zrSign_) {
        zrSign = zrSign_;
    }

    receive() external payable {}

    /// @notice Requests a key for this dapp, paying the quoted total.
    function requestKey() external {
        (,, uint256 total) = zrSign.estimateFee(1, 0);
        zrSign.zrKeyReq{value: total}(ISign.ZrKeyReqParams(address(this), EVM_WALLET_TYPE, 1));
    }

    /// @notice ZrSignConnect's requestNewBTCWallet: the kind-less key quote, for the BTC wallet type.
    function requestBtcKey(uint8 options) external {
        (,, uint256 total) = zrSign.estimateFee(options, 0);
        zrSign.zrKeyReq{value: total}(ISign.ZrKeyReqParams(address(this), BTC_WALLET_TYPE, options));
    }

    /// @notice v1 BTC key listing.
    function myBtcKeys() external view returns (string[] memory) {
        return zrSign.getZrKeys(BTC_WALLET_TYPE, address(this));
    }

    /// @notice Requests a signature over a 32-byte hash with key `index`.
    function signHash(uint256 index, bytes32 chainId, bytes32 hash) external {
        (,, uint256 total) = zrSign.estimateFee(EVM_WALLET_TYPE, address(this), index, 0);
        zrSign.zrSignHash{value: total}(
            ISign.ZrSignParams(EVM_WALLET_TYPE, index, chainId, abi.encodePacked(hash), false)
        );
    }

    /// @notice Requests a signature over an unsigned legacy transaction (v1: chain-id slot left 0).
    function signTx(uint256 index, bytes32 chainId, bytes calldata unsignedTx, bool broadcast) external {
        (,, uint256 total) = zrSign.estimateFee(EVM_WALLET_TYPE, address(this), index, 0);
        zrSign.zrSignTx{value: total}(ISign.ZrSignParams(EVM_WALLET_TYPE, index, chainId, unsignedTx, broadcast));
    }

    /// @notice ZrSignConnect's status constants.
    uint8 public constant WALLET_REQUESTED = 1;
    uint8 public constant WALLET_REGISTERED = 2;
    uint8 public constant SIG_REQ_IN_PROGRESS = 1;
    uint8 public constant SIG_REQ_ALREADY_PROCESSED = 2;

    /// @notice v1 key listing.
    function myKeys() external view returns (string[] memory) {
        return zrSign.getZrKeys(EVM_WALLET_TYPE, address(this));
    }
}

/// @title V1DappTest — an unmodified v1 dapp works against this deployment (spec §10)
contract V1DappTest is ZrSignBase {
    V1Dapp internal dapp;
    address internal recipient = makeAddr("recipient");

    function setUp() public override {
        super.setUp();
        dapp = new V1Dapp(ISign(address(zr)));
        vm.deal(address(dapp), 10 ether);
    }

    function test_selectors_matchV1() public pure {
        assertEq(ISign.zrKeyReq.selector, bytes4(keccak256("zrKeyReq((address,bytes32,uint8))")));
        assertEq(ISign.zrSignHash.selector, bytes4(keccak256("zrSignHash((bytes32,uint256,bytes32,bytes,bool))")));
        assertEq(ISign.zrSignData.selector, bytes4(keccak256("zrSignData((bytes32,uint256,bytes32,bytes,bool))")));
        assertEq(ISign.zrSignTx.selector, bytes4(keccak256("zrSignTx((bytes32,uint256,bytes32,bytes,bool))")));
        assertEq(IZrSign.zrKeyReq.selector, ISign.zrKeyReq.selector);
        assertEq(IZrSign.zrSignHash.selector, ISign.zrSignHash.selector);
        assertEq(IZrSign.zrSignData.selector, ISign.zrSignData.selector);
        assertEq(IZrSign.zrSignTx.selector, ISign.zrSignTx.selector);
        assertEq(IZrSign.getZrKeys.selector, ISign.getZrKeys.selector);
        assertEq(IZrSign.getZrKey.selector, ISign.getZrKey.selector);
        assertEq(IZrSign.isWalletTypeSupported.selector, ISign.isWalletTypeSupported.selector);
        assertEq(IZrSign.isChainIdSupported.selector, ISign.isChainIdSupported.selector);
        assertEq(IZrSign.getTraceId.selector, ISign.getTraceId.selector);
        assertEq(IZrSign.version.selector, ISign.version.selector);
        assertEq(IZrSign.getMPCFee.selector, ISign.getMPCFee.selector);
        assertEq(IZrSign.getRespGas.selector, ISign.getRespGas.selector);
        assertEq(IZrSign.getRespGasPriceBuffer.selector, ISign.getRespGasPriceBuffer.selector);
        assertEq(IZrSign.getWalletRegistry.selector, ISign.getWalletRegistry.selector);
        assertEq(IZrSign.getRequestState.selector, ISign.getRequestState.selector);
        assertEq(IZrSign.getWalletTypeInfo.selector, ISign.getWalletTypeInfo.selector);
        assertEq(ISign.getWalletRegistry.selector, bytes4(keccak256("getWalletRegistry(bytes32,uint256,address)")));
        assertEq(ISign.getRequestState.selector, bytes4(keccak256("getRequestState(uint256)")));
    }

    function test_identifiers_matchV1() public view {
        assertEq(EVM, keccak256(abi.encode(uint256(44), uint256(60))));
        assertEq(EVM, dapp.EVM_WALLET_TYPE());
        assertEq(LOCAL, keccak256(bytes("eip155:31337")));
        ISign s = ISign(address(zr));
        assertTrue(s.isWalletTypeSupported(EVM));
        assertFalse(s.isWalletTypeSupported(keccak256(abi.encode(uint256(84), uint256(0)))));
        assertTrue(s.isChainIdSupported(EVM, MAINNET));
        assertFalse(s.isChainIdSupported(EVM, keccak256("eip155:999")));
        assertEq(s.version(), zr.version());
    }

    function test_estimateFee_totalIsMpcPlusNetResp() public view {
        ISign s = ISign(address(zr));
        (uint256 mpcPart, uint256 net, uint256 total) = s.estimateFee(1, 0);
        assertEq(mpcPart + net, total);
        assertEq(total, zr.keyFee(EVM, 1));
        (mpcPart, net, total) = s.estimateFee(EVM, address(dapp), 0, 0);
        assertEq(mpcPart + net, total);
        assertEq(total, zr.signFee(EVM, IZrSign.RequestKind.Hash));
        assertEq(total, zr.signFee(EVM, IZrSign.RequestKind.Tx));
    }

    /// @dev Issue 10.2: the kind-less key quote pays a Bitcoin key exactly, whatever the wallet type's (sign) fee —
    /// it succeeds and nothing is credited to a dapp that cannot withdraw. Any non-zero options work (10.1).
    function test_v1Dapp_btcKeyAtQuote_exactWhateverTheWalletTypeFee() public {
        vm.prank(admin);
        zr.addWalletType(44, 1, 7 * MPC_FEE); // a sign fee far above the EVM wallet type's
        for (uint8 options = 1; options <= 3; ++options) {
            (,, uint256 quote) = ISign(address(zr)).estimateFee(options, 0);
            uint256 escrowBefore = zr.totalEscrow();
            dapp.requestBtcKey(options);
            assertEq(zr.totalEscrow() - escrowBefore, quote, "the quote is what is escrowed");
            assertEq(zr.claimable(address(dapp)), 0, "nothing credited back");
        }
        assertEq(dapp.myBtcKeys().length, 0, "pending keys are not listed");
    }

    /// @dev Issue 10.3: v1's sign quote is exact for every sign kind the dapp then calls, even after the admin sets
    /// the response gas through one kind.
    function test_v1Dapp_signQuotes_exactForEveryKind() public {
        vm.prank(admin);
        zr.setResponseGas(IZrSign.RequestKind.Tx, 90_000);
        dapp.requestKey();
        _answerKey(1, _keyRequestFromLogsOf(1));
        dapp.signHash(0, LOCAL, keccak256("h"));
        dapp.signTx(0, MAINNET, Rlp.legacyTx(0, 2 gwei, 21_000, recipient, 1, "", 0), false);
        assertEq(zr.claimable(address(dapp)), 0, "nothing credited back");
        _assertConservation(zr);
    }

    /// @dev Issue 10.3: a refund credited to a dapp that has no call to withdraw() reaches it through anyone's
    /// withdrawFor.
    function test_v1Dapp_refundReachesDappThroughWithdrawFor() public {
        vm.recordLogs();
        dapp.requestKey();
        IZrSign.Request memory r = _keyRequestFromLogs(vm.getRecordedLogs());
        vm.prank(mpc);
        zr.zrReject(1, r, 1);
        assertEq(zr.claimable(address(dapp)), r.serviceFee);
        uint256 before = address(dapp).balance;
        vm.prank(makeAddr("anyone"));
        zr.withdrawFor(address(dapp));
        assertEq(address(dapp).balance, before + r.serviceFee);
        assertEq(zr.claimable(address(dapp)), 0);
    }

    /// @dev Issue 10.4: a v1 dapp that waits for getZrKeys().length to grow sees its key only once it is answered.
    function test_v1Dapp_keysLengthGrowsOnAnswer() public {
        vm.recordLogs();
        dapp.requestKey();
        IZrSign.Request memory r = _keyRequestFromLogs(vm.getRecordedLogs());
        assertEq(dapp.myKeys().length, 0);
        _answerKey(1, r);
        assertEq(dapp.myKeys().length, 1);
        assertEq(dapp.myKeys()[0], vm.toString(vm.addr(_childSecretOf(address(dapp), EVM, 0))));
    }

    /// @dev Issue 10.5: v1's read views decode with v1's own struct shapes.
    function test_v1Views_decodeWithV1Shapes() public {
        ISign s = ISign(address(zr));
        vm.recordLogs();
        dapp.requestKey();
        IZrSign.Request memory r = _keyRequestFromLogs(vm.getRecordedLogs());
        ISign.WalletRegistry memory reg = s.getWalletRegistry(EVM, 0, address(dapp));
        assertEq(reg.status, dapp.WALLET_REQUESTED());
        assertEq(s.getRequestState(1).status, dapp.SIG_REQ_IN_PROGRESS());
        _answerKey(1, r);
        assertEq(s.getWalletRegistry(EVM, 0, address(dapp)).status, dapp.WALLET_REGISTERED());
        assertEq(s.getRequestState(1).status, dapp.SIG_REQ_ALREADY_PROCESSED());
        ISign.ChainInfo memory info = s.getWalletTypeInfo(EVM);
        assertEq(info.purpose, 44);
        assertEq(info.coinType, 60);
        assertEq(s.getMPCFee(), MPC_FEE);
        assertEq(s.getRespGasPriceBuffer(), 110);
        assertEq(s.getRespGas(), KEY_GAS);
    }

    /// @dev v1's zrSignSimpleTx is out of scope (spec §10): the selector is not served.
    function test_zrSignSimpleTx_absent() public {
        bytes memory call = abi.encodeWithSignature(
            "zrSignSimpleTx((bytes32,uint256,bytes32,bytes,bool))", ISign.ZrSignParams(EVM, 0, LOCAL, "", false)
        );
        (bool ok,) = address(zr).call{value: 1 ether}(call);
        assertFalse(ok);
    }

    /// @dev The record of the key request with id `id` (the fixture's helpers record it; here the dapp requested).
    function _keyRequestFromLogsOf(uint256 id) internal view returns (IZrSign.Request memory r) {
        r.kind = IZrSign.RequestKind.Key;
        r.requester = address(dapp);
        r.deadline = uint64(block.number) + zr.feeConfig().requestTtl;
        r.keyVersion = 1;
        (,, uint256 total) = ISign(address(zr)).estimateFee(1, 0);
        r.serviceFee = MPC_FEE;
        r.gasFee = uint96(total - MPC_FEE);
        r.owner = address(dapp);
        r.walletTypeId = EVM;
        assertEq(zr.requestCommitment(id), keccak256(abi.encode(r)), "record rebuilt");
    }

    function test_v1Dapp_keyHashAndTransfer_answeredAndVerified() public {
        // Key: requested through v1, answered by the MPC, listed as an EIP-55 string.
        vm.recordLogs();
        dapp.requestKey();
        uint256 keyId = ISign(address(zr)).getTraceId();
        IZrSign.Request memory keyReq = _keyRequestFromLogs(vm.getRecordedLogs());
        assertEq(keyReq.owner, address(dapp));
        assertEq(keyReq.requester, address(dapp));
        _answerKey(keyId, keyReq);

        address keyAddr = vm.addr(_childSecretOf(address(dapp), EVM, 0));
        string[] memory keys = dapp.myKeys();
        assertEq(keys.length, 1);
        assertEq(keys[0], vm.toString(keyAddr), "EIP-55 checksummed");
        assertEq(ISign(address(zr)).getZrKey(EVM, address(dapp), 0), vm.toString(keyAddr));

        // Hash signature.
        bytes32 hash = keccak256("v1 dapp hash");
        vm.recordLogs();
        dapp.signHash(0, LOCAL, hash);
        uint256 hashId = ISign(address(zr)).getTraceId();
        (IZrSign.Request memory hashReq,) = _signRequestFromLogs(vm.getRecordedLogs());
        assertEq(hashReq.digest, hash);
        bytes memory hashSig = _signatureFor(hashReq);
        vm.prank(mpc);
        zr.zrSignRes(hashId, hashReq, hashSig);
        assertEq(uint8(zr.requestStatus(hashId)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(ZrKeys.recover(hash, hashSig), keyAddr);

        // Transfer: v1 legacy payload with chain id 0, bound by the contract to the destination chain.
        bytes memory unsignedTx = Rlp.legacyTx(0, 2 gwei, 21_000, recipient, 0.5 ether, "", 0);
        vm.recordLogs();
        dapp.signTx(0, MAINNET, unsignedTx, true);
        uint256 txId = ISign(address(zr)).getTraceId();
        (IZrSign.Request memory txReq, bytes memory signedPayload) = _signRequestFromLogs(vm.getRecordedLogs());

        bytes memory expected = Rlp.legacyTx(0, 2 gwei, 21_000, recipient, 0.5 ether, "", MAINNET_ID);
        assertEq(signedPayload, expected, "payload rewritten to carry the destination chain id");
        bytes[] memory items = Rlp.decodeList(signedPayload);
        assertEq(items.length, 9);
        assertEq(Rlp.toUint(items[6]), MAINNET_ID, "chain-id item");
        assertEq(Rlp.toUint(items[7]), 0);
        assertEq(Rlp.toUint(items[8]), 0);
        assertEq(address(bytes20(items[3])), recipient);
        assertEq(txReq.digest, keccak256(expected));
        assertTrue(txReq.broadcast);

        bytes memory txSig = _signatureFor(txReq);
        vm.prank(mpc);
        zr.zrSignRes(txId, txReq, txSig);
        assertEq(uint8(zr.requestStatus(txId)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(ZrKeys.recover(keccak256(expected), txSig), keyAddr);
        assertEq(ISign(address(zr)).getTraceId(), 3);
    }

    function test_v1Dapp_legacyTxForLocalChain_boundToLocalChainId() public {
        vm.recordLogs();
        dapp.requestKey();
        _answerKey(1, _keyRequestFromLogs(vm.getRecordedLogs()));

        bytes memory unsignedTx = Rlp.legacyTx(7, 1 gwei, 50_000, recipient, 1, hex"abcdef", 0);
        vm.recordLogs();
        dapp.signTx(0, LOCAL, unsignedTx, false);
        (, bytes memory signedPayload) = _signRequestFromLogs(vm.getRecordedLogs());
        assertEq(Rlp.toUint(Rlp.decodeList(signedPayload)[6]), block.chainid);
    }
}
