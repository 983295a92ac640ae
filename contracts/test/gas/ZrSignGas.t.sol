// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";

/// @title ZrSignGas — steady-state gas of the hot paths, written to snapshots/ZrSign.json
/// @dev `vm.snapshotGasLastCall` records the gas used by the last external call frame from the test contract to
/// the proxy (proxy + delegatecall + implementation), EXCLUDING the 21,000 intrinsic transaction gas and the
/// calldata cost a real transaction also pays. Figures are deterministic (not wall-clock), so the bars are
/// asserted. Steady state: every counter and balance touched by the measured call was already non-zero (previous
/// requests/answers set the id counter, totals, key counter, protocol fees and responder balance), and the call
/// starts COLD as a fresh transaction would: a forge test is one transaction, so `_coolDown()` runs `vm.cool` on
/// the proxy and the implementation right before the measured call (their accounts and every storage slot cold).
contract ZrSignGasTest is ZrSignBase {
    uint256 internal index;

    function setUp() public override {
        super.setUp();
        index = _newKey(alice); // warms nextRequestId, totals, protocolFees, claimable[mpc], keyCount[alice]
        _newKey(alice);
    }

    /// @dev Makes the proxy's and the implementation's accounts and storage cold, as at the start of a transaction.
    function _coolDown() internal {
        vm.cool(address(zr));
        vm.cool(address(impl));
    }

    function _check(string memory name, uint256 bar) internal {
        uint256 used = vm.snapshotGasLastCall("ZrSign", name);
        console.log(name, used);
        assertLe(used, bar, name);
    }

    function test_gas_keyRequest() public {
        uint256 fee = zr.keyFee(EVM, 1);
        _coolDown();
        vm.prank(alice);
        zr.zrKeyReq{value: fee}(IZrSign.ZrKeyReqParams(alice, EVM, 1));
        _check("keyRequest", 70_000);
    }

    function test_gas_keyResponse() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        bytes memory pub = _publicKey(_childSecretOf(alice, EVM, r.walletIndex));
        _coolDown();
        vm.prank(mpc);
        zr.zrKeyRes(id, r, pub);
        _check("keyResponse", 100_000);
    }

    function _signParams(bytes memory payload) internal view returns (IZrSign.ZrSignParams memory) {
        return IZrSign.ZrSignParams(EVM, index, LOCAL, payload, false);
    }

    function test_gas_signHashRequest() public {
        _signHashRequest(alice, index, keccak256("warm"));
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Hash);
        _coolDown();
        vm.prank(alice);
        zr.zrSignHash{value: fee}(_signParams(abi.encodePacked(keccak256("hash"))));
        _check("signHashRequest", 65_000);
    }

    function test_gas_signDataRequest() public {
        _signHashRequest(alice, index, keccak256("warm"));
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Data);
        bytes memory data = new bytes(100);
        for (uint256 i; i < 100; ++i) {
            data[i] = bytes1(uint8(i + 1));
        }
        _coolDown();
        vm.prank(alice);
        zr.zrSignData{value: fee}(_signParams(data));
        _check("signDataRequest100", 70_000);
    }

    function test_gas_signTxRequest() public {
        _signHashRequest(alice, index, keccak256("warm"));
        bytes memory payload = _legacyTx(7, bob, 1 ether, new bytes(61), LOCAL_ID);
        assertEq(payload.length, 110);
        uint256 fee = zr.signFee(EVM, IZrSign.RequestKind.Tx);
        _coolDown();
        vm.prank(alice);
        zr.zrSignTx{value: fee}(_signParams(payload));
        _check("signTxRequest110", 70_000);
    }

    function test_gas_signResponse() public {
        (uint256 warmId, IZrSign.Request memory warm) = _signHashRequest(alice, index, keccak256("warm"));
        _answerSign(warmId, warm);
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256("hash"));
        bytes memory sig = _signatureFor(r);
        _coolDown();
        vm.prank(mpc);
        zr.zrSignRes(id, r, sig);
        _check("signResponse", 45_000);
    }

    function test_gas_signResponseBatch10() public {
        IZrSign.SignResponse[] memory items = new IZrSign.SignResponse[](10);
        for (uint256 i; i < 10; ++i) {
            (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256(abi.encode(i)));
            items[i] = IZrSign.SignResponse(id, r, _signatureFor(r));
        }
        _coolDown();
        vm.prank(mpc);
        uint256 answered = zr.zrSignResBatch(items);
        _check("signResponseBatch10", 250_000);
        assertEq(answered, 10);
    }
}
