//! In-process EVM: deterministic, no I/O. Transactions execute in the current block; blocks advance
//! only through [`Backend::mine`]. Gas is priced at the block's base fee.

use super::{Backend, BackendError, Call, ChainLog, Receipt};
use crate::bindings::Revert;
use alloy::primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use revm::{
    Context, Database, ExecuteCommitEvm, ExecuteEvm, MainBuilder,
    context::{BlockEnv, TxEnv, result::ExecutionResult},
    database::{CacheDB, EmptyDB},
    primitives::hardfork::SpecId,
    state::AccountInfo,
};
use std::sync::{Mutex, MutexGuard};

type Db = CacheDB<EmptyDB>;

/// Ether each funded account starts with.
pub const FUNDING: U256 = U256::from_limbs([0x19e0_c9ba_b240_0000, 0x21e, 0, 0]); // 10,000 ether
/// Seconds between blocks.
const BLOCK_TIME: u64 = 12;
/// Block gas limit.
const BLOCK_GAS_LIMIT: u64 = 36_000_000;
/// Default base fee (1 gwei).
pub const DEFAULT_BASE_FEE: u64 = 1_000_000_000;

/// The chain's state. revm's `Evm` is not `Send`, so one is built around the database per transaction.
struct Inner {
    db: Db,
    block: BlockEnv,
    logs: Vec<ChainLog>,
    tx_count: u64,
    log_count_in_block: u64,
}

/// An in-process revm chain.
pub struct RevmBackend {
    inner: Mutex<Inner>,
    chain_id: u64,
    accounts: Vec<Address>,
}

impl RevmBackend {
    /// A chain with `chain_id`, `accounts` funded accounts (10,000 ether each), block 1, base fee 1 gwei.
    pub fn new(chain_id: u64, accounts: usize) -> Self {
        let mut db = CacheDB::new(EmptyDB::default());
        let accounts: Vec<Address> =
            (0..accounts as u64).map(|i| Address::from_word(keccak256(format!("zrsign.revm.account.{i}")))).collect();
        for account in &accounts {
            db.insert_account_info(*account, AccountInfo { balance: FUNDING, ..Default::default() });
        }
        let block = BlockEnv {
            number: U256::from(1),
            timestamp: U256::from(1_700_000_000u64),
            gas_limit: BLOCK_GAS_LIMIT,
            basefee: DEFAULT_BASE_FEE,
            prevrandao: Some(B256::ZERO),
            ..Default::default()
        };
        Self {
            inner: Mutex::new(Inner { db, block, logs: Vec::new(), tx_count: 0, log_count_in_block: 0 }),
            chain_id,
            accounts,
        }
    }

    /// An independent copy of this chain's current state (to start many runs from one deployment).
    pub fn fork(&self) -> Self {
        let inner = self.lock();
        Self {
            inner: Mutex::new(Inner {
                db: inner.db.clone(),
                block: inner.block.clone(),
                logs: inner.logs.clone(),
                tx_count: inner.tx_count,
                log_count_in_block: inner.log_count_in_block,
            }),
            chain_id: self.chain_id,
            accounts: self.accounts.clone(),
        }
    }

    /// Sets the base fee of the current and later blocks.
    pub fn set_base_fee(&self, base_fee: u64) {
        self.lock().block.basefee = base_fee;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // revm reports failures as values, not panics; a panic elsewhere while the lock is held (e.g. in a test
        // assertion) leaves the state as of the last completed call, so the lock is recovered.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn tx_env(inner: &mut Inner, call: &Call, chain_id: u64) -> Result<TxEnv, BackendError> {
        let nonce =
            inner.db.basic(call.from).map_err(|e| BackendError::Evm(e.to_string()))?.map_or(0, |info| info.nonce);
        let kind = call.to.map_or(TxKind::Create, TxKind::Call);
        TxEnv::builder()
            .caller(call.from)
            .kind(kind)
            .data(call.input.clone())
            .value(call.value)
            .nonce(nonce)
            .chain_id(Some(chain_id))
            .gas_limit(call.gas_limit.unwrap_or(BLOCK_GAS_LIMIT / 2))
            .gas_price(u128::from(inner.block.basefee))
            .build()
            .map_err(|e| BackendError::Evm(format!("{e:?}")))
    }

    /// Executes `tx` on the current state; commits it when `commit`, else runs it as a free read-only
    /// call (no base fee charged, no balance needed; `BASEFEE` still reads the block's base fee).
    fn execute(&self, inner: &mut Inner, tx: TxEnv, commit: bool) -> Result<ExecutionResult, BackendError> {
        let db = std::mem::replace(&mut inner.db, CacheDB::new(EmptyDB::default()));
        let mut ctx: revm::handler::MainnetContext<Db> = Context::new(db, SpecId::PRAGUE);
        ctx.block = inner.block.clone();
        ctx.cfg.chain_id = self.chain_id;
        ctx.cfg.disable_base_fee = !commit;
        ctx.cfg.disable_balance_check = !commit;
        let mut evm = ctx.build_mainnet();
        let result =
            if commit { evm.transact_commit(tx) } else { evm.transact(TxEnv { gas_price: 0, ..tx }).map(|r| r.result) };
        inner.db = evm.ctx.journaled_state.database;
        result.map_err(|e| BackendError::Evm(e.to_string()))
    }
}

fn outcome(
    result: ExecutionResult,
) -> Result<(u64, Bytes, Vec<alloy::primitives::Log>, Option<Address>), BackendError> {
    match result {
        ExecutionResult::Success { gas, logs, output, .. } => {
            let created = output.address().copied();
            Ok((gas.tx_gas_used(), output.into_data(), logs, created))
        }
        ExecutionResult::Revert { output, .. } => Err(BackendError::Reverted { revert: Revert::decode(&output) }),
        ExecutionResult::Halt { reason, .. } => Err(BackendError::Halted(format!("{reason:?}"))),
    }
}

impl Backend for RevmBackend {
    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    fn accounts(&self) -> Vec<Address> {
        self.accounts.clone()
    }

    async fn send(&self, call: Call) -> Result<Receipt, BackendError> {
        let mut inner = self.lock();
        let tx = Self::tx_env(&mut inner, &call, self.chain_id)?;
        let result = self.execute(&mut inner, tx, true)?;
        inner.tx_count += 1;
        let tx_hash = keccak256(format!("zrsign.revm.tx.{}", inner.tx_count));
        let block_number: u64 = inner.block.number.saturating_to();
        let (gas_used, _output, logs, contract_address) = outcome(result)?;
        for log in &logs {
            let log_index = inner.log_count_in_block;
            inner.log_count_in_block += 1;
            inner.logs.push(ChainLog { log: log.clone(), block_number, tx_hash, log_index });
        }
        Ok(Receipt { tx_hash, block_number, gas_used, logs, contract_address })
    }

    async fn call(&self, call: Call) -> Result<Bytes, BackendError> {
        let mut inner = self.lock();
        let tx = Self::tx_env(&mut inner, &call, self.chain_id)?;
        let result = self.execute(&mut inner, tx, false)?;
        outcome(result).map(|(_, output, _, _)| output)
    }

    async fn block_number(&self) -> Result<u64, BackendError> {
        Ok(self.lock().block.number.saturating_to())
    }

    async fn inclusion_block(&self) -> Result<u64, BackendError> {
        self.block_number().await
    }

    async fn mine(&self, blocks: u64) -> Result<(), BackendError> {
        let mut inner = self.lock();
        let block = &mut inner.block;
        block.number += U256::from(blocks);
        block.timestamp += U256::from(blocks * BLOCK_TIME);
        inner.log_count_in_block = 0;
        Ok(())
    }

    async fn balance(&self, account: Address) -> Result<U256, BackendError> {
        let mut inner = self.lock();
        let info = inner.db.basic(account).map_err(|e| BackendError::Evm(e.to_string()))?;
        Ok(info.map_or(U256::ZERO, |i| i.balance))
    }

    async fn base_fee(&self) -> Result<u128, BackendError> {
        Ok(u128::from(self.lock().block.basefee))
    }

    async fn logs(&self, address: Address, from: u64, to: u64) -> Result<Vec<ChainLog>, BackendError> {
        let inner = self.lock();
        Ok(inner
            .logs
            .iter()
            .filter(|l| l.log.address == address && (from..=to).contains(&l.block_number))
            .cloned()
            .collect())
    }
}
