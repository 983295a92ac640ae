//! In-process EVM: deterministic, no I/O. Transactions execute in the current block as they are submitted;
//! blocks advance only through [`DevChain::mine`]. Gas is priced at the block's base fee. Hashes of blocks
//! and of transactions it signs itself are synthetic (stable per chain).

use super::{
    BlockInfo, Call, ChainError, ChainLog, ChainRead, ChainResult, ChainSubmit, DevChain, LogFilter, Receipt,
    Submitted, TxLookup, TxRejection,
};
use crate::bindings::Revert;
use alloy::{
    consensus::{Transaction as _, TxEnvelope, transaction::SignerRecoverable},
    eips::{BlockNumberOrTag, Decodable2718},
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
};
use revm::{
    Context, Database, ExecuteCommitEvm, ExecuteEvm, MainBuilder,
    context::{
        BlockEnv, TxEnv,
        result::{EVMError, ExecutionResult, InvalidTransaction},
    },
    database::{CacheDB, EmptyDB},
    primitives::hardfork::SpecId,
    state::AccountInfo,
};
use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Mutex, MutexGuard},
    time::Duration,
};

type Db = CacheDB<EmptyDB>;

/// Ether each funded account starts with.
pub const FUNDING: U256 = U256::from_limbs([0x19e0_c9ba_b240_0000, 0x21e, 0, 0]); // 10,000 ether
/// Seconds between blocks.
const BLOCK_TIME: u64 = 12;
/// Block gas limit.
const BLOCK_GAS_LIMIT: u64 = 36_000_000;
/// Default base fee (1 gwei).
pub const DEFAULT_BASE_FEE: u64 = 1_000_000_000;

/// A transaction's record: its receipt and who sent it at which nonce.
#[derive(Clone)]
struct Mined {
    receipt: Receipt,
    from: Address,
    nonce: u64,
}

/// The chain's state. revm's `Evm` is not `Send`, so one is built around the database per transaction.
#[derive(Clone)]
struct Inner {
    db: Db,
    block: BlockEnv,
    logs: Vec<ChainLog>,
    txs: HashMap<B256, Mined>,
    tx_count: u64,
    log_count_in_block: u64,
}

/// An in-process revm chain.
pub struct RevmChain {
    inner: Mutex<Inner>,
    snapshots: Mutex<Vec<Inner>>,
    evm_chain_id: u64,
    accounts: Vec<Address>,
}

impl RevmChain {
    /// A chain with `evm_chain_id`, `accounts` funded accounts (10,000 ether each), block 1, base fee 1 gwei.
    pub fn new(evm_chain_id: u64, accounts: usize) -> Self {
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
        let inner = Inner { db, block, logs: Vec::new(), txs: HashMap::new(), tx_count: 0, log_count_in_block: 0 };
        Self { inner: Mutex::new(inner), snapshots: Mutex::new(Vec::new()), evm_chain_id, accounts }
    }

    /// An independent copy of this chain's current state (to start many runs from one deployment).
    pub fn fork(&self) -> Self {
        Self {
            inner: Mutex::new(self.lock().clone()),
            snapshots: Mutex::new(Vec::new()),
            evm_chain_id: self.evm_chain_id,
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

    fn block_hash(&self, number: u64) -> B256 {
        keccak256(format!("zrsign.revm.{}.block.{number}", self.evm_chain_id))
    }

    fn account_nonce(inner: &mut Inner, account: Address) -> ChainResult<u64> {
        Ok(inner.db.basic(account).map_err(|e| ChainError::Evm(e.to_string()))?.map_or(0, |info| info.nonce))
    }

    fn tx_env(&self, inner: &mut Inner, call: &Call) -> ChainResult<TxEnv> {
        let nonce = Self::account_nonce(inner, call.from)?;
        let kind = call.to.map_or(TxKind::Create, TxKind::Call);
        TxEnv::builder()
            .caller(call.from)
            .kind(kind)
            .data(call.input.clone())
            .value(call.value)
            .nonce(nonce)
            .chain_id(Some(self.evm_chain_id))
            .gas_limit(call.gas_limit.unwrap_or(BLOCK_GAS_LIMIT / 2))
            .gas_price(u128::from(inner.block.basefee))
            .build()
            .map_err(|e| ChainError::Evm(format!("{e:?}")))
    }

    /// Executes `tx` on the current state; commits it when `commit`, else runs it as a free read-only call (no
    /// base fee charged, no balance needed; `BASEFEE` still reads the block's base fee).
    fn execute(
        &self,
        inner: &mut Inner,
        tx: TxEnv,
        commit: bool,
    ) -> Result<ExecutionResult, EVMError<Infallible, InvalidTransaction>> {
        let db = std::mem::replace(&mut inner.db, CacheDB::new(EmptyDB::default()));
        let mut ctx: revm::handler::MainnetContext<Db> = Context::new(db, SpecId::PRAGUE);
        ctx.block = inner.block.clone();
        ctx.cfg.chain_id = self.evm_chain_id;
        ctx.cfg.disable_base_fee = !commit;
        ctx.cfg.disable_balance_check = !commit;
        let mut evm = ctx.build_mainnet();
        let result =
            if commit { evm.transact_commit(tx) } else { evm.transact(TxEnv { gas_price: 0, ..tx }).map(|r| r.result) };
        inner.db = evm.ctx.journaled_state.database;
        result
    }

    /// Executes and records a transaction from `from` at `nonce`; returns its receipt (or the revert).
    fn commit(&self, inner: &mut Inner, tx: TxEnv, tx_hash: B256) -> ChainResult<Receipt> {
        let (from, nonce, gas_price) = (tx.caller, tx.nonce, tx.gas_price);
        let result = self.execute(inner, tx, true).map_err(rejection)?;
        let block_number: u64 = inner.block.number.saturating_to();
        let (success, gas_used, logs, contract_address) = match &result {
            ExecutionResult::Success { gas, logs, output, .. } => {
                (true, gas.tx_gas_used(), logs.clone(), output.address().copied())
            }
            ExecutionResult::Revert { gas, .. } | ExecutionResult::Halt { gas, .. } => {
                (false, gas.tx_gas_used(), Vec::new(), None)
            }
        };
        for log in &logs {
            let log_index = inner.log_count_in_block;
            inner.log_count_in_block += 1;
            let block_hash = self.block_hash(block_number);
            inner.logs.push(ChainLog { log: log.clone(), block_number, block_hash, tx_hash, log_index });
        }
        let effective_gas_price = u128::from(inner.block.basefee).min(gas_price);
        let receipt = Receipt {
            tx_hash,
            block_number,
            block_hash: self.block_hash(block_number),
            success,
            gas_used,
            effective_gas_price,
            logs,
            contract_address,
        };
        inner.txs.insert(tx_hash, Mined { receipt: receipt.clone(), from, nonce });
        match result {
            ExecutionResult::Success { .. } => Ok(receipt),
            ExecutionResult::Revert { output, .. } => Err(ChainError::Reverted { revert: Revert::decode(&output) }),
            ExecutionResult::Halt { reason, .. } => Err(ChainError::Halted(format!("{reason:?}"))),
        }
    }
}

/// A transaction revm refused to execute, as a node would have refused it.
fn rejection(e: EVMError<Infallible, InvalidTransaction>) -> ChainError {
    let class = match &e {
        EVMError::Transaction(InvalidTransaction::LackOfFundForMaxFee { .. }) => TxRejection::InsufficientFunds,
        EVMError::Transaction(InvalidTransaction::NonceTooLow { .. }) => TxRejection::NonceTooLow,
        EVMError::Transaction(
            InvalidTransaction::GasPriceLessThanBasefee | InvalidTransaction::PriorityFeeGreaterThanMaxFee,
        ) => TxRejection::Underpriced,
        EVMError::Transaction(_) => TxRejection::Invalid,
        other => return ChainError::Evm(other.to_string()),
    };
    ChainError::TxRejected { class, message: e.to_string() }
}

impl ChainRead for RevmChain {
    fn evm_chain_id(&self) -> u64 {
        self.evm_chain_id
    }

    async fn call(&self, call: &Call) -> ChainResult<Bytes> {
        let mut inner = self.lock();
        let tx = self.tx_env(&mut inner, call)?;
        match self.execute(&mut inner, tx, false).map_err(rejection)? {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(ChainError::Reverted { revert: Revert::decode(&output) }),
            ExecutionResult::Halt { reason, .. } => Err(ChainError::Halted(format!("{reason:?}"))),
        }
    }

    async fn logs(&self, filter: &LogFilter) -> ChainResult<Vec<ChainLog>> {
        let inner = self.lock();
        Ok(inner
            .logs
            .iter()
            .filter(|l| (filter.from..=filter.to).contains(&l.block_number) && filter.matches(&l.log))
            .cloned()
            .collect())
    }

    async fn block(&self, at: BlockNumberOrTag) -> ChainResult<Option<BlockInfo>> {
        let inner = self.lock();
        let current: u64 = inner.block.number.saturating_to();
        let number = match at {
            BlockNumberOrTag::Number(n) if n > current => return Ok(None),
            BlockNumberOrTag::Number(n) => n,
            BlockNumberOrTag::Earliest => 0,
            _ => current,
        };
        let timestamp = inner.block.timestamp.saturating_to::<u64>().saturating_sub((current - number) * BLOCK_TIME);
        Ok(Some(BlockInfo {
            number,
            hash: self.block_hash(number),
            parent_hash: self.block_hash(number.saturating_sub(1)),
            base_fee: u128::from(inner.block.basefee),
            timestamp,
        }))
    }

    async fn block_number(&self) -> ChainResult<u64> {
        Ok(self.lock().block.number.saturating_to())
    }

    async fn inclusion_block(&self) -> ChainResult<u64> {
        self.block_number().await
    }

    async fn receipt(&self, tx_hash: B256) -> ChainResult<Option<Receipt>> {
        Ok(self.lock().txs.get(&tx_hash).map(|m| m.receipt.clone()))
    }

    async fn transaction(&self, tx_hash: B256) -> ChainResult<Option<TxLookup>> {
        Ok(self.lock().txs.get(&tx_hash).map(|m| TxLookup {
            from: m.from,
            nonce: m.nonce,
            block_number: Some(m.receipt.block_number),
        }))
    }

    async fn balance(&self, account: Address) -> ChainResult<U256> {
        let mut inner = self.lock();
        let info = inner.db.basic(account).map_err(|e| ChainError::Evm(e.to_string()))?;
        Ok(info.map_or(U256::ZERO, |i| i.balance))
    }

    async fn nonce(&self, account: Address) -> ChainResult<u64> {
        Self::account_nonce(&mut self.lock(), account)
    }

    async fn base_fee(&self) -> ChainResult<u128> {
        Ok(u128::from(self.lock().block.basefee))
    }

    async fn send_raw(&self, raw: &[u8]) -> ChainResult<B256> {
        let invalid = |message: String| ChainError::TxRejected { class: TxRejection::Invalid, message };
        let envelope = TxEnvelope::decode_2718(&mut &raw[..]).map_err(|e| invalid(format!("rlp: {e}")))?;
        let from = envelope.recover_signer().map_err(|e| invalid(format!("invalid signature: {e}")))?;
        if envelope.chain_id().is_some_and(|id| id != self.evm_chain_id) {
            return Err(invalid(format!("invalid chain id {:?}", envelope.chain_id())));
        }
        let tx_hash = *envelope.tx_hash();
        let mut inner = self.lock();
        if inner.txs.contains_key(&tx_hash) {
            return Err(ChainError::TxRejected { class: TxRejection::AlreadyKnown, message: "already known".into() });
        }
        let tx = TxEnv::builder()
            .caller(from)
            .kind(envelope.kind())
            .data(envelope.input().clone())
            .value(envelope.value())
            .nonce(envelope.nonce())
            .chain_id(envelope.chain_id())
            .gas_limit(envelope.gas_limit())
            .gas_price(envelope.max_fee_per_gas())
            .gas_priority_fee(envelope.max_priority_fee_per_gas())
            .tx_type(Some(envelope.tx_type() as u8))
            .build()
            .map_err(|e| invalid(format!("{e:?}")))?;
        match self.commit(&mut inner, tx, tx_hash) {
            Ok(_) | Err(ChainError::Reverted { .. } | ChainError::Halted(_)) => Ok(tx_hash),
            Err(e) => Err(e),
        }
    }
}

impl ChainSubmit for RevmChain {
    fn accounts(&self) -> Vec<Address> {
        self.accounts.clone()
    }

    async fn submit(&self, call: Call) -> ChainResult<Submitted> {
        if !self.accounts.contains(&call.from) {
            return Err(ChainError::UnknownSender(call.from));
        }
        let mut inner = self.lock();
        let tx = self.tx_env(&mut inner, &call)?;
        let nonce = tx.nonce;
        inner.tx_count += 1;
        let tx_hash = keccak256(format!("zrsign.revm.{}.tx.{}", self.evm_chain_id, inner.tx_count));
        self.commit(&mut inner, tx, tx_hash)?;
        Ok(Submitted { tx_hash, from: call.from, nonce })
    }

    async fn confirm(&self, submitted: &Submitted, _timeout: Duration) -> ChainResult<Receipt> {
        // Executed at submission; only successful submissions reach here.
        self.receipt(submitted.tx_hash).await?.ok_or(ChainError::Unconfirmed {
            tx_hash: submitted.tx_hash,
            from: submitted.from,
            nonce: submitted.nonce,
            message: "unknown to this chain".into(),
        })
    }
}

impl DevChain for RevmChain {
    async fn mine(&self, blocks: u64) -> ChainResult<()> {
        let mut inner = self.lock();
        let block = &mut inner.block;
        block.number += U256::from(blocks);
        block.timestamp += U256::from(blocks * BLOCK_TIME);
        inner.log_count_in_block = 0;
        Ok(())
    }

    async fn set_next_base_fee(&self, wei: u128) -> ChainResult<()> {
        let fee = u64::try_from(wei).map_err(|_| ChainError::OutOfRange {
            what: "base fee",
            value: wei.to_string(),
            bits: 64,
        })?;
        self.set_base_fee(fee);
        Ok(())
    }

    async fn set_balance(&self, account: Address, wei: U256) -> ChainResult<()> {
        let mut inner = self.lock();
        let mut info = inner.db.basic(account).map_err(|e| ChainError::Evm(e.to_string()))?.unwrap_or_default();
        info.balance = wei;
        inner.db.insert_account_info(account, info);
        Ok(())
    }

    async fn set_code(&self, account: Address, code: Bytes) -> ChainResult<()> {
        let mut inner = self.lock();
        let mut info = inner.db.basic(account).map_err(|e| ChainError::Evm(e.to_string()))?.unwrap_or_default();
        let bytecode = revm::bytecode::Bytecode::new_raw(code);
        info.code_hash = bytecode.hash_slow();
        info.code = Some(bytecode);
        inner.db.insert_account_info(account, info);
        Ok(())
    }

    async fn set_automine(&self, on: bool) -> ChainResult<()> {
        // Every transaction executes as it is submitted.
        if on { Ok(()) } else { Err(ChainError::Unsupported("automine off")) }
    }

    async fn reorg(&self, _depth: u64) -> ChainResult<()> {
        Err(ChainError::Unsupported("reorg"))
    }

    async fn rollback(&self, _depth: u64) -> ChainResult<()> {
        Err(ChainError::Unsupported("rollback"))
    }

    async fn snapshot(&self) -> ChainResult<U256> {
        let state = self.lock().clone();
        let mut snapshots = self.snapshots.lock().unwrap_or_else(|p| p.into_inner());
        snapshots.push(state);
        Ok(U256::from(snapshots.len() - 1))
    }

    async fn revert_to(&self, snapshot: U256) -> ChainResult<()> {
        let mut snapshots = self.snapshots.lock().unwrap_or_else(|p| p.into_inner());
        let index = usize::try_from(snapshot).ok().filter(|i| *i < snapshots.len());
        let index = index.ok_or(ChainError::Evm(format!("no snapshot {snapshot}")))?;
        let state = snapshots.swap_remove(index);
        snapshots.truncate(index);
        *self.lock() = state;
        Ok(())
    }
}
