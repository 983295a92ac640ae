// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";

contract KeysTest is ZrSignBase {
    function test_zrKeyReq_emitsRecordAndReservesIndex() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        assertEq(id, 1);
        assertEq(uint8(r.kind), uint8(IZrSign.RequestKind.Key));
        assertEq(r.requester, alice);
        assertEq(r.owner, alice);
        assertEq(r.walletIndex, 0);
        assertEq(r.keyVersion, 1);
        assertEq(r.deadline, block.number + 7200);
        assertEq(r.serviceFee, MPC_FEE);
        assertEq(r.gasFee, 150_000 * BASEFEE * 110 / 100);
        assertEq(zr.keyCount(alice, EVM), 1);
        assertEq(zr.requestCommitment(id), keccak256(abi.encode(r)));
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Open));
        _assertConservation(zr);
    }

    function test_zrKeyRes_storesVerifiedKey() public {
        (uint256 id, IZrSign.Request memory r) = _requestKey(alice);
        bytes memory pub = _answerKey(id, r);
        address expected = vm.addr(_childSecretOf(alice, EVM, 0));
        IZrSign.KeyInfo memory k = zr.keyOf(alice, EVM, 0);
        assertEq(k.evmAddress, expected);
        assertEq(zr.derivedAddress(alice, EVM, 0), expected);
        assertEq(k.keyVersion, 1);
        assertEq(k.publicKey.length, 33);
        assertEq(uint8(k.publicKey[0]), 2 + (uint8(pub[63]) & 1));
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(zr.protocolFees(), MPC_FEE);
        assertEq(zr.claimable(mpc), r.gasFee);
        _assertConservation(zr);
    }
}
