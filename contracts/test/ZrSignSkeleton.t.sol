// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ZrSign} from "../ZrSign.sol";
import {ZrSignProxy} from "../ZrSignProxy.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

contract ZrSignSkeletonTest is Test {
    ZrSign internal zr;
    address internal admin = makeAddr("admin");

    function setUp() public {
        ZrSign impl = new ZrSign();
        zr = ZrSign(address(new ZrSignProxy(address(impl), abi.encodeCall(ZrSign.initialize, (admin, 1 days)))));
    }

    function test_version_isOne() public view {
        assertEq(zr.version(), 1);
    }

    function test_initialize_grantsAdmin() public view {
        assertTrue(zr.hasRole(zr.DEFAULT_ADMIN_ROLE(), admin));
        assertEq(zr.defaultAdmin(), admin);
    }

    function test_RevertWhen_initializeTwice() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        zr.initialize(address(this), 0);
    }

    function test_RevertWhen_upgradeWithoutAdmin() public {
        ZrSign next = new ZrSign();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), zr.DEFAULT_ADMIN_ROLE()
            )
        );
        zr.upgradeToAndCall(address(next), "");
    }
}
