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
}

/// @notice A v1 dapp in the style of ZrSignConnect: written only against {ISign}.
contract V1Dapp {
    /// @notice v1's EVM wallet type, keccak256(abi.encode(44, 60)).
    bytes32 public constant EVM_WALLET_TYPE = 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a;

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
        assertGe(total, zr.keyFee(EVM, 1));
        (mpcPart, net, total) = s.estimateFee(EVM, address(dapp), 0, 0);
        assertEq(mpcPart + net, total);
        assertGe(total, zr.signFee(EVM, IZrSign.RequestKind.Hash));
        assertGe(total, zr.signFee(EVM, IZrSign.RequestKind.Tx));
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
