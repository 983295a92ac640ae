// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ZrSign} from "../../ZrSign.sol";
import {ZrSignProxy} from "../../ZrSignProxy.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";

/// @title HalmosBase — a configured proxy for the symbolic suites (run by halmos through `tools/analysis`, not by
/// `forge test`: their functions are `check_`)
/// @notice The root key is the generator G (secret 1), the EVM wallet type (44, 60) is registered with a sign fee and
/// the key MPC fee MPC_FEE, eip155:1 is registered and allowed, and `alice` has one open key request (id 1) whose
/// record the fixture rebuilds and checks against the stored commitment.
abstract contract HalmosBase is Test {
    bytes32 internal constant EVM = 0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a;
    bytes32 internal constant MAINNET = keccak256("eip155:1");
    uint256 internal constant GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;
    uint256 internal constant GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8;
    uint96 internal constant MPC_FEE = 0.001 ether;
    uint256 internal constant BASEFEE = 1 gwei;
    uint256 internal constant START_BLOCK = 100;

    ZrSign internal zr;
    address internal admin = address(0xAD);
    address internal mpc = address(0x3C);
    address internal alice = address(0xA1);
    address internal stranger = address(0x5E);

    /// @dev Alice's open key request.
    uint256 internal openId;
    IZrSign.Request internal openReq;

    function setUp() public virtual {
        vm.fee(BASEFEE);
        vm.roll(START_BLOCK);
        ZrSign implementation = new ZrSign();
        zr = ZrSign(address(new ZrSignProxy(address(implementation), abi.encodeCall(ZrSign.initialize, (admin, 0)))));
        vm.startPrank(admin);
        zr.grantRole(zr.MPC_ROLE(), mpc);
        zr.setRootKey(abi.encodePacked(GX, GY));
        zr.addWalletType(44, 60, MPC_FEE);
        zr.setKeyMpcFee(MPC_FEE);
        zr.addChain("eip155:1", IZrSign.ChainFamily.Evm, 1);
        zr.allowChain(EVM, MAINNET);
        vm.stopPrank();

        uint256 fee = zr.keyFee(EVM, 1);
        vm.deal(alice, fee);
        vm.prank(alice);
        openId = zr.zrKeyReq{value: fee}(IZrSign.ZrKeyReqParams(alice, EVM, 1));
        openReq = _keyRecord(alice, alice, 0, fee);
        assertEq(zr.requestCommitment(openId), keccak256(abi.encode(openReq)), "fixture rebuilds the record");
    }

    /// @dev The record of a key request made now by `requester` for `owner`'s key `index`, paying `fee` (options 1).
    function _keyRecord(address requester, address owner, uint256 index, uint256 fee)
        internal
        view
        returns (IZrSign.Request memory r)
    {
        r.kind = IZrSign.RequestKind.Key;
        r.requester = requester;
        r.deadline = uint64(block.number + zr.feeConfig().requestTtl);
        r.keyVersion = 1;
        r.serviceFee = MPC_FEE;
        r.gasFee = uint96(fee - MPC_FEE);
        r.owner = owner;
        r.walletTypeId = EVM;
        r.walletIndex = index;
    }

    /// @dev Spec §6: balance == escrow + claimable + protocol fees (no forced ether here).
    function _assertConservation() internal view {
        assertEq(address(zr).balance, zr.totalEscrow() + zr.totalClaimable() + zr.protocolFees(), "conservation");
    }
}
