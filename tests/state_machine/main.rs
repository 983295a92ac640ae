//! State-machine property test on revm: random sequences of operations by several users, the MPC
//! responder and the admin, with block and base-fee advances. A Rust reference model ([`model`])
//! predicts every outcome — success, or the exact typed revert decoded from the `sol!` error enums —
//! and every balance; after each step the invariants of INVARIANTS.md are checked against the
//! contract's views and the model. Failing cases shrink to a short sequence.
//!
//! Cases: `PROPTEST_CASES` (default 32); operations per case: 1..=`ZRSIGN_SM_MAX_OPS` (default 40).

#[path = "../common/mod.rs"]
mod common;
mod model;
mod ops;
mod run;

use alloy::primitives::{Address, B256, U256};
use model::Model;
use ops::{Corrupt, Op, Pay, op};
use proptest::prelude::*;
use run::Run;
use std::{
    collections::BTreeMap,
    io::Write,
    sync::{
        LazyLock, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};
use zrsign::{
    bindings::IZrSign,
    chain::{ChainRead, ChainSubmit, RevmChain},
    deploy::{self, Roles, Setup},
    mpc::keys::RootSecret,
};

pub const CHAIN_ID: u64 = 31_337;
pub const DST_CHAIN_ID: u64 = 31_338;
pub const USERS: usize = 3;

/// The deployed, configured chain every case starts from, with its actors.
pub struct Fixture {
    pub chain: RevmChain,
    pub proxy: Address,
    pub wallet_type: B256,
    pub root: RootSecret,
    pub admin: Address,
    pub mpc: Address,
    pub users: [Address; USERS],
    pub stranger: Address,
    /// dst selector → chain id: 0..=4 the local chain, 5 the destination chain, 6 a registered chain not
    /// allowed for the wallet type, 7 an unknown chain.
    pub dst: [B256; 8],
    pub model: Model,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(async {
        let chain = RevmChain::new(CHAIN_ID, 2 + USERS + 1);
        let accounts = chain.accounts();
        let (admin, mpc) = (accounts[0], accounts[1]);
        let users = [accounts[2], accounts[3], accounts[4]];
        let stranger = accounts[5];
        let roles = Roles { admin, mpc, fee: admin, pauser: admin };
        let deployment = deploy::deploy(&chain, common::artifacts(), roles).await.expect("deploy");
        let proxy = deployment.proxy;
        let root = RootSecret::from_seed("state machine").expect("root");
        let setup = Setup {
            root_public_key: root.public().xy(),
            mpc_fee: 1_000_000_000_000,
            evm_chains: vec![
                (format!("eip155:{CHAIN_ID}"), CHAIN_ID),
                (format!("eip155:{DST_CHAIN_ID}"), DST_CHAIN_ID),
            ],
        };
        let wallet_type = deploy::configure(&chain, proxy, admin, &setup).await.expect("configure");
        let not_allowed = zrsign::protocol::chain_key("eip155:5");
        let add = IZrSign::addChainCall { caip2: "eip155:5".into(), family: IZrSign::ChainFamily::Evm, evmChainId: 5 };
        chain.transact(admin, proxy, add, U256::ZERO).await.expect("add chain 5");
        chain.transact(admin, proxy, IZrSign::setRequestTtlCall { blocks: 20 }, U256::ZERO).await.expect("ttl");
        let config = chain.view(proxy, IZrSign::feeConfigCall {}).await.expect("feeConfig");
        let local = zrsign::protocol::chain_key(&format!("eip155:{CHAIN_ID}"));
        let remote = zrsign::protocol::chain_key(&format!("eip155:{DST_CHAIN_ID}"));
        let dst = [local, local, local, local, local, remote, not_allowed, zrsign::protocol::chain_key("eip155:999")];
        let model = Model {
            block: chain.block_number().await.expect("block"),
            base_fee: chain.base_fee().await.expect("base fee"),
            mpc_fee: setup.mpc_fee,
            key_mpc_fee: setup.mpc_fee,
            min_gas_price: 0,
            forced: U256::ZERO,
            response_gas: config.responseGas.map(u128::from),
            gas_buffer: config.gasBufferPct,
            ttl: config.requestTtl,
            paused: false,
            wallet_type,
            keys: BTreeMap::new(),
            key_count: BTreeMap::new(),
            requests: Vec::new(),
            claimable: BTreeMap::new(),
            protocol_fees: U256::ZERO,
            escrow: U256::ZERO,
            chains: BTreeMap::from([
                (local, (CHAIN_ID, true)),
                (remote, (DST_CHAIN_ID, true)),
                (not_allowed, (5, false)),
            ]),
        };
        let mut fixture = Fixture { chain, proxy, wallet_type, root, admin, mpc, users, stranger, dst, model };
        // Every user starts with one answered key, made through the same model-checked steps.
        let mut run = Run { f: &fixture, chain: fixture.chain.fork(), model: fixture.model.clone() };
        for user in 0..USERS {
            run.step(&Op::RequestKey { user, options: 1, pay: Pay::Exact }).await.expect("fixture key request");
            let id = u8::try_from(run.model.requests.len() - 1).expect("few requests");
            run.step(&Op::Answer { request: id, corrupt: Corrupt::No }).await.expect("fixture key answer");
        }
        run.check_invariants().await.expect("fixture invariants");
        let (chain, model) = (run.chain, run.model);
        fixture.chain = chain;
        fixture.model = model;
        fixture
    })
});

/// Counters printed at the end: how much the cases exercised.
pub static CASES: AtomicUsize = AtomicUsize::new(0);
pub static STEPS: AtomicUsize = AtomicUsize::new(0);
pub static SUCCESSES: AtomicUsize = AtomicUsize::new(0);
pub static REVERTS: AtomicUsize = AtomicUsize::new(0);
/// Per operation: (succeeded, reverted as predicted), or per revert reason.
pub static SUMMARY: Mutex<BTreeMap<String, (usize, usize)>> = Mutex::new(BTreeMap::new());

pub fn tally(label: &str, ok: bool) {
    let mut summary = SUMMARY.lock().unwrap_or_else(|p| p.into_inner());
    let entry = summary.entry(label.to_owned()).or_default();
    if ok { entry.0 += 1 } else { entry.1 += 1 }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32)
}

fn max_ops() -> usize {
    std::env::var("ZRSIGN_SM_MAX_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(40)
}

#[test]
fn zrsign_matches_the_reference_model() {
    let fixture = &*FIXTURE;
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let config = ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(ops in prop::collection::vec(op(), 1..=max_ops()))| {
        CASES.fetch_add(1, Ordering::Relaxed);
        let mut run = Run { f: fixture, chain: fixture.chain.fork(), model: fixture.model.clone() };
        runtime.block_on(async {
            for (i, op) in ops.iter().enumerate() {
                run.step(op).await.map_err(|e| TestCaseError::fail(format!("step {i} {op:?}: {e}")))?;
                run.check_invariants().await.map_err(|e| TestCaseError::fail(format!("after step {i} {op:?}: {e}")))?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    });
    let _ = writeln!(
        std::io::stderr(),
        "state machine: {} cases, {} operations ({} succeeded, {} reverted exactly as predicted)",
        CASES.load(Ordering::Relaxed),
        STEPS.load(Ordering::Relaxed),
        SUCCESSES.load(Ordering::Relaxed),
        REVERTS.load(Ordering::Relaxed)
    );
    let summary = SUMMARY.lock().unwrap_or_else(|p| p.into_inner());
    for (label, (ok, reverted)) in summary.iter() {
        let _ = writeln!(std::io::stderr(), "  {label:<40} {ok:>6} ok {reverted:>6} reverted");
    }
}
