// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ZrSignBase} from "../utils/ZrSignBase.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";

contract ResponsesTest is ZrSignBase {
    uint256 internal index;

    function setUp() public override {
        super.setUp();
        index = _newKey(alice);
    }

    function test_zrSignRes_hashAccepted() public {
        (uint256 id, IZrSign.Request memory r) = _signHashRequest(alice, index, keccak256("msg"));
        uint256 protocolBefore = zr.protocolFees();
        uint256 mpcBefore = zr.claimable(mpc);
        bytes memory sig = _signatureFor(r);
        vm.expectEmit(address(zr));
        emit IZrSign.ZrSignResponded(id, r.signer, r.digest, sig);
        vm.prank(mpc);
        zr.zrSignRes(id, r, sig);
        assertEq(uint8(zr.requestStatus(id)), uint8(IZrSign.RequestStatus.Answered));
        assertEq(zr.protocolFees(), protocolBefore + r.serviceFee);
        assertEq(zr.claimable(mpc), mpcBefore + r.gasFee);
        _assertConservation(zr);
    }
}
