// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {PackedSign} from "../helpers/PackedSign.sol";

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
/// Each measurement prints a table row beside zrSign v1's figure for the same call (transaction gas, measured side by
/// side on Prague with the EIP-7623 floor) and the ratio (issue 11's target: ≤ 0.75); batches of 1, 10, 50 and 100
/// items print their per-item cost, (tx(n) − tx(1)) / (n − 1) (target ≤ 16,000). Targets are printed, never asserted;
/// the bars below pin today's figures.
/// forge-config: default.isolate = true
contract ZrSignGasTest is ZrSignBase {
    uint256 internal index;

    function setUp() public override {
        super.setUp();
        vm.prank(admin);
        zr.setMinGasPrice(uint64(BASEFEE));
        index = _newKey(alice); // warms the request word, totals, Settled, claimable[mpc], keyCount[alice]
        _newKey(alice);
    }

    /// @dev zrSign v1's transaction gas for the same calls (issue 11, measured side by side).
    uint256 internal constant V1_KEY_REQUEST = 102_617;
    uint256 internal constant V1_KEY_RESPONSE = 158_480;
    uint256 internal constant V1_SIGN_HASH_REQUEST = 117_089;
    uint256 internal constant V1_SIGN_TX_REQUEST = 118_602;
    uint256 internal constant V1_SIGN_RESPONSE = 78_181;
    /// @dev Issue 11's bound on a batch's extra item.
    uint256 internal constant EXTRA_ITEM_TARGET = 16_000;

    /// @dev Call-gas bars of the answers and transaction-gas bars of an extra batch item (today's figures + ~2 %).
    uint256 internal constant KEY_RESPONSE_BAR = 85_000;
    /// @dev The key request's call-gas bar, below issue 11's transaction target (0.75 × v1 = 76,962 = 21,000 +
    /// 1,084 calldata + 54,878 call gas), so the suite fails before the target is lost (today 54,396).
    uint256 internal constant KEY_REQUEST_BAR = 54_800;
    uint256 internal constant SIGN_RESPONSE_BAR = 33_600;
    uint256 internal constant BATCH_ITEM_BAR = 16_000;
    uint256 internal constant PACKED_ITEM_BAR = 14_500;

    /// @dev Records and prints the last call's call and transaction gas with v1's figure (0: none) and the ratio;
    /// asserts the call-gas bar. `data` is the calldata that call sent.
    function _check(string memory name, bytes memory data, uint256 bar, uint256 v1) internal returns (uint256 txGas) {
        txGas = vm.lastCallGas().gasTotalUsed;
        uint256 callGas = txGas - 21_000 - _calldataGas(data);
        vm.snapshotValue("ZrSign", name, callGas);
        vm.snapshotValue("ZrSign", string.concat(name, "Tx"), txGas);
        console.log(
            string.concat(
                "| ",
                name,
                " | call ",
                vm.toString(callGas),
                " | tx ",
                vm.toString(txGas),
                " | v1 ",
                v1 == 0 ? "-" : vm.toString(v1),
                " | ratio ",
                v1 == 0 ? "-" : _ratio(txGas, v1),
                " |"
            )
        );
        assertLe(callGas, bar, name);
    }

    /// @dev `a / b` with three decimals, rounded up (so "0.750" is never a figure above 0.75).
    function _ratio(uint256 a, uint256 b) internal pure returns (string memory) {
        uint256 milli = (a * 1000 + b - 1) / b;
        string memory frac = vm.toString(milli % 1000);
        while (bytes(frac).length < 3) frac = string.concat("0", frac);
        return string.concat(vm.toString(milli / 1000), ".", frac);
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
        _check("keyRequest", abi.encodeCall(IZrSign.zrKeyReq, (params)), KEY_REQUEST_BAR, V1_KEY_REQUEST);
    }

    function test_gas_keyResponse() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        bytes memory pub = _publicKey(_childSecretOf(alice, EVM, r.walletIndex));
        vm.prank(mpc);
        zr.zrKeyRes(id, r, pub);
        uint256 txGas =
            _check("keyResponse", abi.encodeCall(IZrSign.zrKeyRes, (id, r, pub)), KEY_RESPONSE_BAR, V1_KEY_RESPONSE);
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
        _check("signHashRequest", abi.encodeCall(IZrSign.zrSignHash, (params)), 54_300, V1_SIGN_HASH_REQUEST);
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
        _check("signDataRequest100", abi.encodeCall(IZrSign.zrSignData, (params)), 55_800, 0);
    }

    function test_gas_signTxRequest() public {
        _signHashRequest(alice, index, keccak256("warm"));
        bytes memory payload = _legacyTx(7, bob, 1 ether, new bytes(61), LOCAL_ID);
        assertEq(payload.length, 110);
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Tx);
        IZrSign.ZrSignParams memory params = _signParams(payload);
        vm.prank(alice);
        zr.zrSignTx{value: fee}(params);
        _check("signTxRequest110", abi.encodeCall(IZrSign.zrSignTx, (params)), 56_900, V1_SIGN_TX_REQUEST);
    }

    function test_gas_signResponse() public {
        (uint256 warmId, IZrSign.Request memory warm) = _signHashRequest(alice, index, keccak256("warm"));
        _answerSign(warmId, warm);
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256("hash"));
        bytes memory sig = _signatureFor(r);
        vm.prank(mpc);
        zr.zrSignRes(id, r, sig);
        uint256 txGas = _check(
            "signResponse", abi.encodeCall(IZrSign.zrSignRes, (id, r, sig)), SIGN_RESPONSE_BAR, V1_SIGN_RESPONSE
        );
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
        uint256 txGas = _check(
            "signTxResponse", abi.encodeCall(IZrSign.zrSignRes, (id, r, sig)), SIGN_RESPONSE_BAR, V1_SIGN_RESPONSE
        );
        _assertAnswerPaidItsCost(txGas, r);
    }

    /// @dev One sign answer in the packed form ({IZrSign.zrSignResPacked}), the responder's transaction.
    function test_gas_signResponsePacked() public {
        (uint256 warmId, IZrSign.Request memory warm) = _signHashRequest(alice, index, keccak256("warm"));
        _answerSign(warmId, warm);
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256("hash"));
        bytes memory items = PackedSign.item(id, r, _signatureFor(r));
        vm.prank(mpc);
        assertEq(zr.zrSignResPacked(items), 1);
        uint256 txGas = _check(
            "signResponsePacked", abi.encodeCall(IZrSign.zrSignResPacked, (items)), SIGN_RESPONSE_BAR, V1_SIGN_RESPONSE
        );
        _assertAnswerPaidItsCost(txGas, r);
    }

    function test_gas_signResponseBatch10() public {
        _batches(10, false);
    }

    function test_gas_signResponseBatch50() public {
        _batches(50, false);
    }

    function test_gas_signResponseBatch100() public {
        _batches(100, false);
    }

    function test_gas_signResponsePacked10() public {
        _batches(10, true);
    }

    function test_gas_signResponsePacked50() public {
        _batches(50, true);
    }

    function test_gas_signResponsePacked100() public {
        _batches(100, true);
    }

    /// @dev A batch of 1, then a batch of `n` (each its own transaction, fresh requests), in the ABI form
    /// ({IZrSign.zrSignResBatch}) or the packed one; prints both and the extra item's cost.
    function _batches(uint256 n, bool packed) internal {
        string memory form = packed ? "signResponsePacked" : "signResponseBatch";
        uint256 one = _batch(1, packed, string.concat(form, "1"));
        uint256 many = _batch(n, packed, string.concat(form, vm.toString(n)));
        uint256 perItem = (many - one) / (n - 1);
        vm.snapshotValue("ZrSign", string.concat(form, vm.toString(n), "PerItemTx"), perItem);
        console.log(
            string.concat(
                "| ",
                form,
                vm.toString(n),
                " extra item | tx ",
                vm.toString(perItem),
                " | target ",
                vm.toString(EXTRA_ITEM_TARGET),
                " | ratio ",
                _ratio(perItem, EXTRA_ITEM_TARGET),
                " |"
            )
        );
        assertLe(perItem, packed ? PACKED_ITEM_BAR : BATCH_ITEM_BAR, "extra item");
    }

    /// @dev Answers `n` fresh sign requests in one batch; returns its transaction gas.
    function _batch(uint256 n, bool packed, string memory name) internal returns (uint256 txGas) {
        IZrSign.SignResponse[] memory items = new IZrSign.SignResponse[](n);
        bytes memory packedItems;
        for (uint256 i; i < n; ++i) {
            (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256(abi.encode(name, i)));
            items[i] = IZrSign.SignResponse(id, r, _signatureFor(r));
            packedItems = bytes.concat(packedItems, PackedSign.item(id, r, items[i].signature));
        }
        vm.prank(mpc);
        uint256 answered = packed ? zr.zrSignResPacked(packedItems) : zr.zrSignResBatch(items);
        bytes memory data = packed
            ? abi.encodeCall(IZrSign.zrSignResPacked, (packedItems))
            : abi.encodeCall(IZrSign.zrSignResBatch, (items));
        txGas = _check(name, data, type(uint256).max, n == 1 ? V1_SIGN_RESPONSE : 0);
        assertEq(answered, n);
    }
}
