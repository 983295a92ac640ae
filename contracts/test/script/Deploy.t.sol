// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {Deploy} from "../../../script/Deploy.s.sol";
import {DeployConfig} from "../../../script/DeployConfig.sol";
import {Upgrade} from "../../../script/Upgrade.s.sol";
import {ZrSign} from "../../ZrSign.sol";
import {IZrSign} from "../../interfaces/IZrSign.sol";
import {ZrKeys} from "../helpers/ZrKeys.sol";

/// @dev Exposes the script's config parsing.
contract DeployHarness is Deploy {
    function defaultAdminDelay() external pure returns (uint48) {
        return DEFAULT_ADMIN_DELAY;
    }

    function load() external view returns (Config memory) {
        return loadConfig();
    }

    function rootKey(string memory name) external view returns (bytes memory) {
        return readRootKey(name);
    }

    function parse(string[] memory raw) external pure returns (EvmChain[] memory) {
        return parseChains(raw);
    }
}

/// @title DeployScriptTest — the deploy and upgrade scripts produce the configured deployment
/// @dev Environment variables are process-wide and tests run in parallel, so only {test_run_readsEnvironment},
/// {test_upgradeScript_movesProxy} and {test_RevertWhen_rootKeyMalformed} set any (disjoint names); the other tests
/// pass an explicit configuration to {Deploy.deploy}.
contract DeployScriptTest is Test {
    uint256 internal constant ROOT_SECRET = uint256(keccak256("zrsign.deploy-test.root"));
    uint256 internal constant ANVIL_KEY_0 = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;

    address internal mpc = makeAddr("mpc");
    address internal feeRole = makeAddr("fee");
    address internal pauser = makeAddr("pauser");

    function _config() internal returns (DeployConfig.Config memory cfg) {
        cfg.deployerKey = ANVIL_KEY_0;
        cfg.deployer = vm.addr(ANVIL_KEY_0);
        cfg.admin = cfg.deployer;
        cfg.adminDelay = new DeployHarness().defaultAdminDelay();
        cfg.mpc = mpc;
        cfg.fee = feeRole;
        cfg.pauser = pauser;
        cfg.rootPublicKey = ZrKeys.publicKey(ROOT_SECRET);
        cfg.chains = new DeployConfig.EvmChain[](2);
        cfg.chains[0] = DeployConfig.EvmChain("eip155:31337", 31_337);
        cfg.chains[1] = DeployConfig.EvmChain("eip155:31338", 31_338);
        cfg.mpcFee = 0.002 ether;
        cfg.keyMpcFee = 0.002 ether;
    }

    function test_run_readsEnvironment() public {
        vm.setEnv("ZRSIGN_MPC", vm.toString(mpc));
        vm.setEnv("ZRSIGN_FEE", vm.toString(feeRole));
        vm.setEnv("ZRSIGN_PAUSER", vm.toString(pauser));
        vm.setEnv("ZRSIGN_ROOT_PUBKEY", vm.toString(ZrKeys.publicKey(ROOT_SECRET)));
        vm.setEnv("ZRSIGN_CHAINS", "eip155:31337, eip155:31338");
        vm.setEnv("ZRSIGN_MPC_FEE", "2000000000000000");
        vm.setEnv("ZRSIGN_MIN_GAS_PRICE", "0");

        DeployHarness script = new DeployHarness();
        DeployConfig.Config memory cfg = script.load();
        assertEq(cfg.deployer, vm.addr(ANVIL_KEY_0), "PRIVATE_KEY defaults to anvil key 0");
        assertEq(cfg.admin, cfg.deployer, "ZRSIGN_ADMIN defaults to the deployer");
        assertEq(cfg.mpc, mpc);
        assertEq(cfg.mpcFee, 0.002 ether);
        assertEq(cfg.keyMpcFee, 0.002 ether, "ZRSIGN_KEY_MPC_FEE defaults to ZRSIGN_MPC_FEE");
        assertEq(cfg.minGasPrice, 0);
        assertEq(cfg.chains.length, 2);

        (address proxy, address implementation) = script.run();
        _assertDeployment(proxy, implementation, _config());
    }

    function test_deploy_configuresEverything() public {
        DeployConfig.Config memory cfg = _config();
        (address proxy, address implementation) = new Deploy().deploy(cfg);
        _assertDeployment(proxy, implementation, cfg);
    }

    function test_deploy_otherAdmin_pendingTwoStepTransfer() public {
        DeployConfig.Config memory cfg = _config();
        address newAdmin = makeAddr("newAdmin");
        cfg.admin = newAdmin;
        (address proxy,) = new Deploy().deploy(cfg);
        ZrSign zr = ZrSign(proxy);
        (address pending, uint48 schedule) = zr.pendingDefaultAdmin();
        assertEq(pending, newAdmin);
        assertEq(schedule, block.timestamp + cfg.adminDelay);
        vm.warp(schedule + 1);
        vm.prank(newAdmin);
        zr.acceptDefaultAdminTransfer();
        assertEq(zr.defaultAdmin(), newAdmin);
        assertFalse(zr.hasRole(zr.DEFAULT_ADMIN_ROLE(), cfg.deployer));
    }

    function test_deploy_withoutRootKey_requestsRevert() public {
        DeployConfig.Config memory cfg = _config();
        cfg.rootPublicKey = "";
        (address proxy,) = new Deploy().deploy(cfg);
        IZrSign zr = IZrSign(proxy);
        assertEq(zr.currentKeyVersion(), 0);
        vm.expectRevert(IZrSign.ZrSignRootKeyNotSet.selector);
        zr.zrKeyReq{value: 1 ether}(IZrSign.ZrKeyReqParams(address(this), ZrKeys.EVM_WALLET_TYPE, 1));
    }

    function test_deploy_endToEnd_keyAnswered() public {
        (address proxy,) = new Deploy().deploy(_config());
        IZrSign zr = IZrSign(proxy);
        uint256 fee = zr.keyFee(ZrKeys.EVM_WALLET_TYPE, 1);
        vm.recordLogs();
        uint256 id = zr.zrKeyReq{value: fee}(IZrSign.ZrKeyReqParams(address(this), ZrKeys.EVM_WALLET_TYPE, 1));
        (IZrSign.Request memory r,) = abi.decode(vm.getRecordedLogs()[0].data, (IZrSign.Request, uint8));
        uint256 secret = ZrKeys.childSecret(ROOT_SECRET, proxy, address(this), ZrKeys.EVM_WALLET_TYPE, 0);
        vm.prank(mpc);
        zr.zrKeyRes(id, r, ZrKeys.publicKey(secret));
        assertEq(zr.keyOf(address(this), ZrKeys.EVM_WALLET_TYPE, 0).evmAddress, vm.addr(secret));
    }

    function test_parseChains_trimsAndSkipsEmpty() public {
        DeployHarness script = new DeployHarness();
        string[] memory raw = new string[](3);
        raw[0] = " eip155:1";
        raw[1] = "";
        raw[2] = "eip155:10 ";
        DeployConfig.EvmChain[] memory chains = script.parse(raw);
        assertEq(chains.length, 2);
        assertEq(chains[0].caip2, "eip155:1");
        assertEq(chains[0].evmChainId, 1);
        assertEq(chains[1].caip2, "eip155:10");
        assertEq(chains[1].evmChainId, 10);
    }

    function test_RevertWhen_parseChains_notEip155() public {
        DeployHarness script = new DeployHarness();
        string[] memory raw = new string[](1);
        raw[0] = "bip122:000000000019d6689c085ae165831e93";
        vm.expectRevert(abi.encodeWithSelector(DeployConfig.DeployConfigInvalidChain.selector, raw[0]));
        script.parse(raw);
    }

    function test_RevertWhen_rootKeyMalformed() public {
        // Parsing is strict: a set but malformed variable reverts instead of falling back to a default. Uses a
        // variable no other test sets, through a harness that reads only it.
        vm.setEnv("ZRSIGN_TEST_ROOT_33", "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
        DeployHarness h = new DeployHarness();
        vm.expectRevert(abi.encodeWithSelector(DeployConfig.DeployConfigInvalidRootKey.selector, 33));
        h.rootKey("ZRSIGN_TEST_ROOT_33");
    }

    function test_upgradeScript_movesProxy() public {
        (address proxy, address implementation) = new Deploy().deploy(_config());
        IZrSign zr = IZrSign(proxy);
        uint256 fee = zr.keyFee(ZrKeys.EVM_WALLET_TYPE, 1);
        zr.zrKeyReq{value: fee}(IZrSign.ZrKeyReqParams(address(this), ZrKeys.EVM_WALLET_TYPE, 1));

        vm.setEnv("ZRSIGN_PROXY", vm.toString(proxy));
        address next = new Upgrade().run();
        assertNotEq(next, implementation);
        assertEq(address(uint160(uint256(vm.load(proxy, ERC1967Utils.IMPLEMENTATION_SLOT)))), next);
        assertEq(zr.nextRequestId(), 2);
        assertEq(zr.totalEscrow(), fee);
        assertEq(zr.currentKeyVersion(), 1);
    }

    function _assertDeployment(address proxy, address implementation, DeployConfig.Config memory cfg) internal view {
        ZrSign zrs = ZrSign(proxy);
        IZrSign zr = IZrSign(proxy);
        assertEq(address(uint160(uint256(vm.load(proxy, ERC1967Utils.IMPLEMENTATION_SLOT)))), implementation);
        assertEq(zrs.version(), 1);
        assertEq(zrs.defaultAdmin(), cfg.deployer);
        assertEq(zrs.defaultAdminDelay(), cfg.adminDelay);
        assertTrue(zrs.hasRole(zrs.MPC_ROLE(), cfg.mpc));
        assertTrue(zrs.hasRole(zrs.FEE_ROLE(), cfg.fee));
        assertTrue(zrs.hasRole(zrs.PAUSER_ROLE(), cfg.pauser));
        assertFalse(zrs.hasRole(zrs.MPC_ROLE(), cfg.deployer));

        assertEq(zr.currentKeyVersion(), 1);
        (bytes32 x, bytes32 y) = zr.rootKey(1);
        assertEq(abi.encodePacked(x, y), cfg.rootPublicKey);

        IZrSign.WalletTypeInfo memory wt = zr.walletType(ZrKeys.EVM_WALLET_TYPE);
        assertTrue(wt.supported);
        assertEq(wt.purpose, 44);
        assertEq(wt.coinType, 60);
        assertEq(wt.mpcFee, cfg.mpcFee);
        assertEq(IZrSign(proxy).feeConfig().keyMpcFee, cfg.keyMpcFee);
        assertEq(IZrSign(proxy).feeConfig().minGasPrice, cfg.minGasPrice);

        for (uint256 i; i < cfg.chains.length; ++i) {
            bytes32 chainId = keccak256(bytes(cfg.chains[i].caip2));
            IZrSign.ChainInfo memory c = zr.chain(chainId);
            assertEq(c.caip2, cfg.chains[i].caip2);
            assertEq(uint8(c.family), uint8(IZrSign.ChainFamily.Evm));
            assertEq(c.evmChainId, cfg.chains[i].evmChainId);
            assertTrue(zr.isChainIdSupported(ZrKeys.EVM_WALLET_TYPE, chainId));
        }
    }
}
