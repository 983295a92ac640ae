// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrSign} from "../../ZrSign.sol";
import {ZrSignAdminLogic} from "../../libraries/ZrSignAdminLogic.sol";
import {ZrSignSettleLogic} from "../../libraries/ZrSignSettleLogic.sol";
import {ZrSignViewLogic} from "../../libraries/ZrSignViewLogic.sol";

/// @title CodeSizeTest — the implementation and its linked logic libraries are deployable, and every function ZrSign
/// forwards to a library exists there under the same selector
/// @dev forge does not enforce EIP-170 in tests (anvil and real chains do), hence the explicit bound.
contract CodeSizeTest is Test {
    uint256 internal constant EIP170_LIMIT = 24_576;

    function test_implementation_fitsEip170() public {
        uint256 size = address(new ZrSign()).code.length;
        emit log_named_uint("ZrSign runtime bytes", size);
        assertLe(size, EIP170_LIMIT, "ZrSign exceeds EIP-170");
    }

    function test_logicLibraries_fitEip170() public view {
        address[3] memory libs = [address(ZrSignAdminLogic), address(ZrSignSettleLogic), address(ZrSignViewLogic)];
        for (uint256 i; i < libs.length; ++i) {
            assertGt(libs[i].code.length, 0, "library not deployed/linked");
            assertLe(libs[i].code.length, EIP170_LIMIT, "library exceeds EIP-170");
        }
    }

    /// @dev ZrSign forwards its calldata unchanged: each library function must carry the IZrSign selector (enum
    /// parameters are uint8 in the libraries, as a library selector would otherwise name the enum type).
    function test_forwardedSelectors_matchInterface() public pure {
        assertEq(ZrSignAdminLogic.setRootKey.selector, IZrSign.setRootKey.selector);
        assertEq(ZrSignAdminLogic.addWalletType.selector, IZrSign.addWalletType.selector);
        assertEq(ZrSignAdminLogic.removeWalletType.selector, IZrSign.removeWalletType.selector);
        assertEq(ZrSignAdminLogic.addChain.selector, IZrSign.addChain.selector);
        assertEq(ZrSignAdminLogic.removeChain.selector, IZrSign.removeChain.selector);
        assertEq(ZrSignAdminLogic.allowChain.selector, IZrSign.allowChain.selector);
        assertEq(ZrSignAdminLogic.disallowChain.selector, IZrSign.disallowChain.selector);
        assertEq(ZrSignAdminLogic.setMpcFee.selector, IZrSign.setMpcFee.selector);
        assertEq(ZrSignAdminLogic.setResponseGas.selector, IZrSign.setResponseGas.selector);
        assertEq(ZrSignAdminLogic.setGasBuffer.selector, IZrSign.setGasBuffer.selector);
        assertEq(ZrSignAdminLogic.setRequestTtl.selector, IZrSign.setRequestTtl.selector);
        assertEq(ZrSignAdminLogic.setMinGasPrice.selector, IZrSign.setMinGasPrice.selector);
        assertEq(ZrSignAdminLogic.setKeyMpcFee.selector, IZrSign.setKeyMpcFee.selector);
        assertEq(ZrSignAdminLogic.withdrawFees.selector, IZrSign.withdrawFees.selector);
        assertEq(ZrSignAdminLogic.sweepSurplus.selector, IZrSign.sweepSurplus.selector);
        // The settlement library's struct-taking functions have selectors of their own (a library selector names the
        // struct type): ZrSign forwards to them under those selectors, the arguments' encoding being the same.
        assertNotEq(ZrSignSettleLogic.reclaim.selector, IZrSign.reclaim.selector);
        assertNotEq(ZrSignSettleLogic.zrReject.selector, IZrSign.zrReject.selector);

        assertEq(ZrSignViewLogic.keyFee.selector, IZrSign.keyFee.selector);
        assertEq(ZrSignViewLogic.signFee.selector, IZrSign.signFee.selector);
        assertEq(ZrSignViewLogic.derivedAddress.selector, IZrSign.derivedAddress.selector);
        assertEq(ZrSignViewLogic.keyOf.selector, IZrSign.keyOf.selector);
        assertEq(ZrSignViewLogic.keysOf.selector, IZrSign.keysOf.selector);
        assertEq(ZrSignViewLogic.rootKey.selector, IZrSign.rootKey.selector);
        assertEq(ZrSignViewLogic.requestStatus.selector, IZrSign.requestStatus.selector);
        assertEq(ZrSignViewLogic.requestCommitment.selector, IZrSign.requestCommitment.selector);
        assertEq(ZrSignViewLogic.getRequestStates.selector, IZrSign.getRequestStates.selector);
        assertEq(ZrSignViewLogic.protocolFees.selector, IZrSign.protocolFees.selector);
        assertEq(ZrSignViewLogic.totalEscrow.selector, IZrSign.totalEscrow.selector);
        assertEq(ZrSignViewLogic.totalClaimable.selector, IZrSign.totalClaimable.selector);
        assertEq(ZrSignViewLogic.keyCount.selector, IZrSign.keyCount.selector);
        assertEq(ZrSignViewLogic.currentKeyVersion.selector, IZrSign.currentKeyVersion.selector);
        assertEq(ZrSignViewLogic.nextRequestId.selector, IZrSign.nextRequestId.selector);
        assertEq(ZrSignViewLogic.claimable.selector, IZrSign.claimable.selector);
        assertEq(ZrSignViewLogic.isWalletTypeSupported.selector, IZrSign.isWalletTypeSupported.selector);
        assertEq(ZrSignViewLogic.getTraceId.selector, IZrSign.getTraceId.selector);
        assertEq(ZrSignViewLogic.getMPCFee.selector, IZrSign.getMPCFee.selector);
        assertEq(ZrSignViewLogic.getRespGasPriceBuffer.selector, IZrSign.getRespGasPriceBuffer.selector);
        assertEq(ZrSignViewLogic.feeConfig.selector, IZrSign.feeConfig.selector);
        assertEq(ZrSignViewLogic.walletType.selector, IZrSign.walletType.selector);
        assertEq(ZrSignViewLogic.chain.selector, IZrSign.chain.selector);
        assertEq(ZrSignViewLogic.getZrKeys.selector, IZrSign.getZrKeys.selector);
        assertEq(ZrSignViewLogic.getZrKey.selector, IZrSign.getZrKey.selector);
        assertEq(ZrSignViewLogic.isChainIdSupported.selector, IZrSign.isChainIdSupported.selector);
        assertEq(ZrSignViewLogic.getRespGas.selector, IZrSign.getRespGas.selector);
        assertEq(ZrSignViewLogic.getWalletRegistry.selector, IZrSign.getWalletRegistry.selector);
        assertEq(ZrSignViewLogic.getRequestState.selector, IZrSign.getRequestState.selector);
        assertEq(ZrSignViewLogic.getWalletTypeInfo.selector, IZrSign.getWalletTypeInfo.selector);
        // estimateFee is overloaded (no `.selector`); both overloads are exercised through the proxy in Views.t.sol.
    }
}
