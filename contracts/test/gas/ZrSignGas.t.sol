// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";

/// @title ZrSignGas — steady-state gas of the hot paths as real transactions, written to snapshots/ZrSign.json
/// @dev Runs in forge's isolation mode (inline config below): every top-level call of a test is its own transaction,
/// so the measured call starts with cold accounts (the implementation behind the proxy included) and cold storage,
/// and its slots' original values are those before the transaction, exactly as on a chain. `vm.lastCallGas()` then
/// reports TRANSACTION gas (21,000 intrinsic and calldata included); CALL gas is that minus 21,000 and the calldata's
/// EIP-2028 cost (4 per zero byte, 16 per non-zero byte), which {_check} computes from the exact calldata sent. Both
/// are printed side by side and pinned in the snapshot (`<name>` call gas, `<name>Tx` transaction gas); the bars are
/// on call gas. Steady state: every counter and balance touched by the measured call was already non-zero (previous
/// requests and answers set the id counter, totals, key counter, protocol fees and the responder's balance).
/// Isolation runs each transaction with base fee 0 (forge's choice), so the fixture's minimum gas price (= BASEFEE)
/// makes the quotes, paid exactly, the same inside and outside the measured transaction.
/// forge-config: default.isolate = true
contract ZrSignGasTest is ZrSignBase {
    uint256 internal index;

    function setUp() public override {
        super.setUp();
        vm.prank(admin);
        zr.setMinGasPrice(uint64(BASEFEE));
        index = _newKey(alice); // warms nextRequestId, totals, protocolFees, claimable[mpc], keyCount[alice]
        _newKey(alice);
    }

    /// @dev Records and prints the last call's call and transaction gas; asserts the call-gas bar. `data` is the
    /// calldata that call sent.
    function _check(string memory name, bytes memory data, uint256 bar) internal returns (uint256 txGas) {
        txGas = vm.lastCallGas().gasTotalUsed;
        uint256 callGas = txGas - 21_000 - _calldataGas(data);
        vm.snapshotValue("ZrSign", name, callGas);
        vm.snapshotValue("ZrSign", string.concat(name, "Tx"), txGas);
        console.log(string.concat(name, ": call gas ", vm.toString(callGas), ", transaction gas ", vm.toString(txGas)));
        assertLe(callGas, bar, name);
    }

    /// @dev EIP-2028 calldata gas.
    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    /// @dev A single answer paid at the quoted gas price costs no more than the gas part it earns (spec §4 / issue 9):
    /// transaction gas × the price the quote used ≤ the escrowed gas part.
    function _assertAnswerPaidItsCost(uint256 txGas, IZrSign.Request memory r) internal pure {
        assertLe(txGas * BASEFEE, r.gasFee, "a single answer costs more than its gas part");
    }

    function test_gas_keyRequest() public {
        uint256 fee = zr.keyFee(EVM, 1);
        IZrSign.ZrKeyReqParams memory params = IZrSign.ZrKeyReqParams(alice, EVM, 1);
        vm.prank(alice);
        zr.zrKeyReq{value: fee}(params);
        _check("keyRequest", abi.encodeCall(IZrSign.zrKeyReq, (params)), 70_000);
    }

    function test_gas_keyResponse() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        bytes memory pub = _publicKey(_childSecretOf(alice, EVM, r.walletIndex));
        vm.prank(mpc);
        zr.zrKeyRes(id, r, pub);
        uint256 txGas = _check("keyResponse", abi.encodeCall(IZrSign.zrKeyRes, (id, r, pub)), 100_000);
        _assertAnswerPaidItsCost(txGas, r);
        assertLe(txGas, zr.feeConfig().responseGas[0], "default key response gas below a measured answer");
    }

    function _signParams(bytes memory payload) internal view returns (IZrSign.ZrSignParams memory) {
        return IZrSign.ZrSignParams(EVM, index, LOCAL, payload, false);
    }

    function test_gas_signHashRequest() public {
        _signHashRequest(alice, index, keccak256("warm"));
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Hash);
        IZrSign.ZrSignParams memory params = _signParams(abi.encodePacked(keccak256("hash")));
        vm.prank(alice);
        zr.zrSignHash{value: fee}(params);
        _check("signHashRequest", abi.encodeCall(IZrSign.zrSignHash, (params)), 65_000);
    }

    function test_gas_signDataRequest() public {
        _signHashRequest(alice, index, keccak256("warm"));
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Data);
        bytes memory data = new bytes(100);
        for (uint256 i; i < 100; ++i) {
            data[i] = bytes1(uint8(i + 1));
        }
        IZrSign.ZrSignParams memory params = _signParams(data);
        vm.prank(alice);
        zr.zrSignData{value: fee}(params);
        _check("signDataRequest100", abi.encodeCall(IZrSign.zrSignData, (params)), 70_000);
    }

    function test_gas_signTxRequest() public {
        _signHashRequest(alice, index, keccak256("warm"));
        bytes memory payload = _legacyTx(7, bob, 1 ether, new bytes(61), LOCAL_ID);
        assertEq(payload.length, 110);
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Tx);
        IZrSign.ZrSignParams memory params = _signParams(payload);
        vm.prank(alice);
        zr.zrSignTx{value: fee}(params);
        _check("signTxRequest110", abi.encodeCall(IZrSign.zrSignTx, (params)), 70_000);
    }

    function test_gas_signResponse() public {
        (uint256 warmId, IZrSign.Request memory warm) = _signHashRequest(alice, index, keccak256("warm"));
        _answerSign(warmId, warm);
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256("hash"));
        bytes memory sig = _signatureFor(r);
        vm.prank(mpc);
        zr.zrSignRes(id, r, sig);
        uint256 txGas = _check("signResponse", abi.encodeCall(IZrSign.zrSignRes, (id, r, sig)), 45_000);
        _assertAnswerPaidItsCost(txGas, r);
        assertLe(txGas, zr.feeConfig().responseGas[1], "default sign response gas below a measured answer");
    }

    /// @dev A transaction request's answer is the same transaction shape as a hash request's (the payload is not
    /// re-supplied), and is paid from the same shared sign response gas.
    function test_gas_signTxResponse() public {
        _signHashRequest(alice, index, keccak256("warm"));
        (uint256 id, IZrSign.Request memory r,) = _signRequest(
            alice, IZrSign.RequestKind.Tx, index, LOCAL, _legacyTx(7, bob, 1 ether, new bytes(61), LOCAL_ID), true
        );
        bytes memory sig = _signatureFor(r);
        vm.prank(mpc);
        zr.zrSignRes(id, r, sig);
        uint256 txGas = _check("signTxResponse", abi.encodeCall(IZrSign.zrSignRes, (id, r, sig)), 45_000);
        _assertAnswerPaidItsCost(txGas, r);
    }

    function test_gas_signResponseBatch10() public {
        IZrSign.SignResponse[] memory items = new IZrSign.SignResponse[](10);
        for (uint256 i; i < 10; ++i) {
            (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256(abi.encode(i)));
            items[i] = IZrSign.SignResponse(id, r, _signatureFor(r));
        }
        vm.prank(mpc);
        uint256 answered = zr.zrSignResBatch(items);
        _check("signResponseBatch10", abi.encodeCall(IZrSign.zrSignResBatch, (items)), 250_000);
        assertEq(answered, 10);
    }
}
