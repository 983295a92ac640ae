//! Chain access, cut by what a caller may do:
//!
//! - [`ChainRead`]: calls, logs filtered by address and topics (read by block range, or followed through a
//!   filter installed on the node), receipts and transactions by hash, blocks with their hashes, balances,
//!   nonces, base fee, gas and priority-fee estimates; and [`send_raw`](ChainRead::send_raw), which broadcasts a
//!   transaction someone else signed (the relayer holds no key);
//! - [`ChainSubmit`]: transactions from accounts this process signs for, in two phases — [`submit`]
//!   returns the hash and nonce as soon as the node has the transaction, so the caller can record it
//!   durably before it [`confirm`]s the receipt;
//! - [`DevChain`]: controls of local development chains (mine, base fee, reorg, rollback, snapshot).
//!
//! Implementations: in-process [`RevmChain`] (deterministic; blocks advance only when asked) and JSON-RPC
//! [`RpcChain`] (e.g. a spawned [`AnvilChain`]). Every failure is a [`ChainError`] that says whether a retry
//! can help; [`retry`] is the one place that retries.
//!
//! [`submit`]: ChainSubmit::submit
//! [`confirm`]: ChainSubmit::confirm

mod anvil;
mod error;
pub mod retry;
mod revm;
mod rpc;

pub use anvil::AnvilChain;
pub use error::{ChainError, TxRejection};
pub use revm::RevmChain;
pub use rpc::{GAS_ESTIMATE_MARGIN_PCT, RpcChain};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Bytes, Log, U256},
    sol_types::{SolCall, SolEvent},
};
use std::{future::Future, time::Duration};

/// `Result` of chain operations.
pub type ChainResult<T> = Result<T, ChainError>;

/// A transaction or call to execute.
#[derive(Debug, Clone, Default)]
pub struct Call {
    /// Sender (for transactions: one of the chain's [`accounts`](ChainSubmit::accounts)).
    pub from: Address,
    /// Callee; `None` deploys `input` as creation code.
    pub to: Option<Address>,
    /// Calldata or creation code.
    pub input: Bytes,
    /// Ether sent.
    pub value: U256,
    /// Gas limit; `None` lets the chain choose (estimate with a margin, or the block limit).
    pub gas_limit: Option<u64>,
}

impl Call {
    /// A call of `call` on `to` from `from`, sending `value`.
    pub fn sol<C: SolCall>(from: Address, to: Address, call: &C, value: U256) -> Self {
        Self { from, to: Some(to), input: call.abi_encode().into(), value, gas_limit: None }
    }

    /// A deployment of `code` from `from`.
    pub fn deploy(from: Address, code: Bytes) -> Self {
        Self { from, to: None, input: code, value: U256::ZERO, gas_limit: None }
    }

    /// A plain ether transfer.
    pub fn transfer(from: Address, to: Address, value: U256) -> Self {
        Self { from, to: Some(to), input: Bytes::new(), value, gas_limit: None }
    }

    /// The same call with an explicit gas limit.
    pub fn with_gas_limit(mut self, gas: u64) -> Self {
        self.gas_limit = Some(gas);
        self
    }
}

/// A mined transaction's receipt.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Transaction hash (synthetic on revm).
    pub tx_hash: B256,
    /// Block it was included in.
    pub block_number: u64,
    /// That block's hash.
    pub block_hash: B256,
    /// Whether it succeeded.
    pub success: bool,
    /// Gas used, intrinsic cost included.
    pub gas_used: u64,
    /// Price paid per gas.
    pub effective_gas_price: u128,
    /// Emitted logs.
    pub logs: Vec<Log>,
    /// Address of the deployed contract, for deployments.
    pub contract_address: Option<Address>,
}

/// A transaction handed to the node, not yet known to be mined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// Its hash.
    pub tx_hash: B256,
    /// Its sender.
    pub from: Address,
    /// Its nonce.
    pub nonce: u64,
}

/// A log with its position on the chain.
#[derive(Debug, Clone)]
pub struct ChainLog {
    /// The log.
    pub log: Log,
    /// Its block.
    pub block_number: u64,
    /// Its block's hash.
    pub block_hash: B256,
    /// Its transaction.
    pub tx_hash: B256,
    /// Its index in the block.
    pub log_index: u64,
}

/// Which logs to read: one emitter, blocks `from..=to`, and per topic position the accepted values (empty:
/// any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter {
    /// The emitting contract.
    pub address: Address,
    /// First block.
    pub from: u64,
    /// Last block (inclusive).
    pub to: u64,
    /// Accepted values per topic position.
    pub topics: [Vec<B256>; 4],
}

impl LogFilter {
    /// Every log of `address` in `from..=to`.
    pub fn new(address: Address, from: u64, to: u64) -> Self {
        Self { address, from, to, topics: Default::default() }
    }

    /// Only the events `E…` (topic 0 in `signatures`).
    pub fn events(mut self, signatures: impl IntoIterator<Item = B256>) -> Self {
        self.topics[0] = signatures.into_iter().collect();
        self
    }

    /// Only event `E`.
    pub fn event<E: SolEvent>(self) -> Self {
        self.events([E::SIGNATURE_HASH])
    }

    /// Only logs whose first indexed argument (topic 1) is one of `values` (e.g. a request id).
    pub fn topic1(mut self, values: impl IntoIterator<Item = B256>) -> Self {
        self.topics[1] = values.into_iter().collect();
        self
    }

    /// Whether `log` passes the filter (block range aside).
    pub fn matches(&self, log: &Log) -> bool {
        log.address == self.address
            && self
                .topics
                .iter()
                .enumerate()
                .all(|(i, accepted)| accepted.is_empty() || log.topics().get(i).is_some_and(|t| accepted.contains(t)))
    }
}

/// A block header's essentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: B256,
    /// Its parent's hash.
    pub parent_hash: B256,
    /// Its base fee (0 before London).
    pub base_fee: u128,
    /// Its timestamp.
    pub timestamp: u64,
}

/// A transaction the node knows, mined or waiting in its pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxLookup {
    /// Its sender.
    pub from: Address,
    /// Its nonce.
    pub nonce: u64,
    /// The block it is in; `None` while pending.
    pub block_number: Option<u64>,
}

/// Most calls in one JSON-RPC batch of [`ChainRead::call_many`] (well under anvil's 2 MB request limit).
pub const CALL_BATCH: usize = 500;

/// How long [`ChainSubmit::send`] waits for a receipt.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The read side of a chain, and broadcasting of transactions signed elsewhere.
pub trait ChainRead: Send + Sync {
    /// The chain's numeric EVM chain id (`block.chainid`).
    fn evm_chain_id(&self) -> u64;

    /// Executes a call against the latest state without changing it.
    fn call(&self, call: &Call) -> impl Future<Output = ChainResult<Bytes>> + Send;

    /// Logs matching `filter`.
    fn logs(&self, filter: &LogFilter) -> impl Future<Output = ChainResult<Vec<ChainLog>>> + Send;

    /// A block by number or tag, `None` if the chain has no such block (yet).
    fn block(&self, at: BlockNumberOrTag) -> impl Future<Output = ChainResult<Option<BlockInfo>>> + Send;

    /// The latest block number.
    fn block_number(&self) -> impl Future<Output = ChainResult<u64>> + Send;

    /// The block a transaction sent now is included in at the earliest: the current block on revm (which
    /// executes in it), the next one on a JSON-RPC chain.
    fn inclusion_block(&self) -> impl Future<Output = ChainResult<u64>> + Send;

    /// The receipt of a mined transaction, `None` if it is not mined (pending, dropped or unknown).
    fn receipt(&self, tx_hash: B256) -> impl Future<Output = ChainResult<Option<Receipt>>> + Send;

    /// A transaction the node knows (mined or pending), `None` if it knows none by that hash.
    fn transaction(&self, tx_hash: B256) -> impl Future<Output = ChainResult<Option<TxLookup>>> + Send;

    /// An account's ether balance at the latest block.
    fn balance(&self, account: Address) -> impl Future<Output = ChainResult<U256>> + Send;

    /// How many transactions `account` has had mined (its next nonce at the latest block).
    fn nonce(&self, account: Address) -> impl Future<Output = ChainResult<u64>> + Send;

    /// The base fee of the latest block.
    fn base_fee(&self) -> impl Future<Output = ChainResult<u128>> + Send;

    /// Broadcasts an EIP-2718 encoded signed transaction; returns its hash. A rejection is a
    /// [`ChainError::TxRejected`] with its [`TxRejection`] class.
    fn send_raw(&self, raw: &[u8]) -> impl Future<Output = ChainResult<B256>> + Send;

    /// Installs a log filter on the node (`eth_newFilter`) with `filter`'s address and topics, following the
    /// blocks built from now on (`filter.from` and `filter.to` are not used); returns its id. A chain that keeps
    /// no filters (revm) says [`ChainError::Unsupported`]: its callers poll instead.
    fn install_log_filter(&self, filter: &LogFilter) -> impl Future<Output = ChainResult<U256>> + Send {
        let _ = filter;
        async { Err(ChainError::Unsupported("log filters")) }
    }

    /// The logs an installed filter matched since it was last asked (`eth_getFilterChanges`), without those a
    /// reorg removed. An error may mean the node lost the filter (expired, restarted): install another.
    fn log_filter_changes(&self, id: U256) -> impl Future<Output = ChainResult<Vec<ChainLog>>> + Send {
        let _ = id;
        async { Err(ChainError::Unsupported("log filters")) }
    }

    /// Removes an installed filter (`eth_uninstallFilter`); `false` if the node had none by that id.
    fn uninstall_log_filter(&self, id: U256) -> impl Future<Output = ChainResult<bool>> + Send {
        let _ = id;
        async { Err(ChainError::Unsupported("log filters")) }
    }

    /// The gas `call` needs at the latest state (`eth_estimateGas`); a call that would revert fails, decoded.
    fn estimate_gas(&self, call: &Call) -> impl Future<Output = ChainResult<u64>> + Send {
        let _ = call;
        async { Err(ChainError::Unsupported("gas estimation")) }
    }

    /// The priority fee per gas the node suggests (`eth_maxPriorityFeePerGas`).
    fn max_priority_fee(&self) -> impl Future<Output = ChainResult<u128>> + Send {
        async { Err(ChainError::Unsupported("priority fee suggestion")) }
    }

    /// Executes several calls against the latest state; one result per call, in order. A JSON-RPC chain
    /// sends them in batches (one round trip per [`CALL_BATCH`] calls); the default runs them one by one.
    fn call_many(&self, calls: &[Call]) -> impl Future<Output = ChainResult<Vec<ChainResult<Bytes>>>> + Send {
        async move {
            let mut out = Vec::with_capacity(calls.len());
            for call in calls {
                out.push(self.call(call).await);
            }
            Ok(out)
        }
    }

    /// The latest block's gas limit, `None` where the chain has no such limit to report.
    fn block_gas_limit(&self) -> impl Future<Output = ChainResult<Option<u64>>> + Send {
        async { Ok(None) }
    }

    /// Calls a view function and decodes its return value.
    fn view<C: SolCall + Send + Sync>(
        &self,
        to: Address,
        call: C,
    ) -> impl Future<Output = ChainResult<C::Return>> + Send
    where
        Self: Sized,
    {
        async move {
            let out = self.call(&Call::sol(Address::ZERO, to, &call, U256::ZERO)).await?;
            C::abi_decode_returns(&out)
                .map_err(|e| ChainError::Decode { context: C::SIGNATURE.to_owned(), message: e.to_string() })
        }
    }
}

/// Transactions from the accounts this process signs for.
pub trait ChainSubmit: ChainRead {
    /// The accounts it can send from.
    fn accounts(&self) -> Vec<Address>;

    /// Signs and hands `call` to the node; returns as soon as the node accepted it. A call that would revert
    /// fails here, decoded, when no gas limit is given (the estimate runs it). If the node may have accepted
    /// the transaction but did not say so, the error is [`ChainError::Unconfirmed`] with its hash: never send
    /// it again blindly, [`confirm`](Self::confirm) it.
    fn submit(&self, call: Call) -> impl Future<Output = ChainResult<Submitted>> + Send;

    /// Waits until the submitted transaction is mined (at most `timeout`). A mined transaction that reverted
    /// is [`ChainError::Reverted`] (or [`ChainError::Halted`] for out of gas).
    fn confirm(&self, submitted: &Submitted, timeout: Duration) -> impl Future<Output = ChainResult<Receipt>> + Send;

    /// Submits and confirms in one go (for callers with nothing to record in between).
    fn send(&self, call: Call) -> impl Future<Output = ChainResult<Receipt>> + Send
    where
        Self: Sized,
    {
        async move {
            let submitted = self.submit(call).await?;
            self.confirm(&submitted, RECEIPT_TIMEOUT).await
        }
    }

    /// Sends `call` to `to` from `from` with `value` and waits for its receipt.
    fn transact<C: SolCall + Send + Sync>(
        &self,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> impl Future<Output = ChainResult<Receipt>> + Send
    where
        Self: Sized,
    {
        async move { self.send(Call::sol(from, to, &call, value)).await }
    }

    /// The first `N` accounts (e.g. admin, MPC, user), or [`ChainError::NotEnoughAccounts`].
    fn first_accounts<const N: usize>(&self) -> ChainResult<[Address; N]>
    where
        Self: Sized,
    {
        let accounts = self.accounts();
        let available = accounts.len();
        accounts
            .get(..N)
            .and_then(|a| <[Address; N]>::try_from(a).ok())
            .ok_or(ChainError::NotEnoughAccounts { needed: N, available })
    }
}

/// Controls of a local development chain.
pub trait DevChain: ChainRead {
    /// Mines `blocks` empty blocks.
    fn mine(&self, blocks: u64) -> impl Future<Output = ChainResult<()>> + Send;

    /// Sets the base fee of the next block.
    fn set_next_base_fee(&self, wei: u128) -> impl Future<Output = ChainResult<()>> + Send;

    /// Sets an account's balance.
    fn set_balance(&self, account: Address, wei: U256) -> impl Future<Output = ChainResult<()>> + Send;

    /// Replaces the latest `depth` blocks with as many empty ones (their transactions are dropped).
    fn reorg(&self, depth: u64) -> impl Future<Output = ChainResult<()>> + Send;

    /// Removes the latest `depth` blocks (their transactions are dropped, as on anvil).
    fn rollback(&self, depth: u64) -> impl Future<Output = ChainResult<()>> + Send;

    /// Takes a snapshot of the state; returns its id.
    fn snapshot(&self) -> impl Future<Output = ChainResult<U256>> + Send;

    /// Returns to a snapshot (and discards it).
    fn revert_to(&self, snapshot: U256) -> impl Future<Output = ChainResult<()>> + Send;

    /// Replaces an account's code (tests: make a contract emit what it never would).
    fn set_code(&self, account: Address, code: Bytes) -> impl Future<Output = ChainResult<()>> + Send;

    /// Turns mining on every transaction on or off (off: transactions wait in the pool until [`mine`]).
    ///
    /// [`mine`]: DevChain::mine
    fn set_automine(&self, on: bool) -> impl Future<Output = ChainResult<()>> + Send;
}
