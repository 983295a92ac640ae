//! One small interface over the chains the harness drives: in-process [`revm`](RevmBackend) (fast,
//! deterministic; blocks advance only when asked) and JSON-RPC ([`RpcBackend`], e.g. a spawned
//! [`anvil`](AnvilChain)).
//!
//! A transaction that reverts is an error ([`BackendError::Reverted`]) carrying the decoded revert,
//! on both backends, so callers match on the `sol!` error enums the same way everywhere.

mod anvil;
mod revm;
mod rpc;

pub use anvil::AnvilChain;
pub use revm::RevmBackend;
pub use rpc::RpcBackend;

use crate::bindings::Revert;
use alloy::{
    primitives::{Address, B256, Bytes, Log, U256},
    sol_types::SolCall,
};
use std::future::Future;

/// A transaction or call to execute.
#[derive(Debug, Clone, Default)]
pub struct Call {
    /// Sender (must be one of the backend's [`accounts`](Backend::accounts) for transactions).
    pub from: Address,
    /// Callee; `None` deploys `input` as creation code.
    pub to: Option<Address>,
    /// Calldata or creation code.
    pub input: Bytes,
    /// Ether sent.
    pub value: U256,
    /// Gas limit; `None` lets the backend choose (estimate or block limit).
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

    /// The same call with an explicit gas limit.
    pub fn with_gas_limit(mut self, gas: u64) -> Self {
        self.gas_limit = Some(gas);
        self
    }
}

/// The result of a successful transaction.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Transaction hash (synthetic on revm).
    pub tx_hash: B256,
    /// Block it was included in.
    pub block_number: u64,
    /// Gas used, intrinsic cost included.
    pub gas_used: u64,
    /// Emitted logs.
    pub logs: Vec<Log>,
    /// Address of the deployed contract, for deployments.
    pub contract_address: Option<Address>,
}

/// A log with its position on the chain.
#[derive(Debug, Clone)]
pub struct ChainLog {
    /// The log.
    pub log: Log,
    /// Its block.
    pub block_number: u64,
    /// Its transaction.
    pub tx_hash: B256,
    /// Its index in the block.
    pub log_index: u64,
}

/// Why a backend operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The transaction or call reverted.
    #[error("reverted: {revert}")]
    Reverted {
        /// The decoded revert reason.
        revert: Revert,
    },
    /// The EVM halted (out of gas, invalid opcode, …).
    #[error("halted: {0}")]
    Halted(String),
    /// A JSON-RPC request failed.
    #[error("rpc {context}: {message}")]
    Rpc {
        /// What was being done.
        context: String,
        /// The error.
        message: String,
    },
    /// The in-process EVM rejected the transaction (not a revert: e.g. insufficient balance).
    #[error("evm: {0}")]
    Evm(String),
    /// Return data did not decode as the call's return type.
    #[error("decode {context}: {message}")]
    Decode {
        /// The call.
        context: String,
        /// The error.
        message: String,
    },
    /// A transaction was broadcast but its receipt could not be read (timeout or RPC failure). It may
    /// still be mined: callers must not send it again blindly.
    #[error("transaction {tx_hash} sent but unconfirmed: {message}")]
    ReceiptUnavailable {
        /// The broadcast transaction.
        tx_hash: B256,
        /// Why the receipt is unavailable.
        message: String,
    },
    /// Spawning a local node failed.
    #[error("spawn anvil: {0}")]
    Spawn(String),
    /// The backend has fewer funded accounts than the operation needs.
    #[error("the chain offers {available} funded accounts, {needed} are needed")]
    NotEnoughAccounts {
        /// Accounts needed.
        needed: usize,
        /// Accounts available.
        available: usize,
    },
    /// A value does not fit the contract's type (e.g. a fee above `uint96`).
    #[error("{what} {value} does not fit {bits} bits")]
    OutOfRange {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: String,
        /// The width of the contract's type.
        bits: u32,
    },
    /// The sender is not an account this backend can sign for.
    #[error("no signer for {0}")]
    UnknownSender(Address),
}

impl BackendError {
    /// The decoded revert, if this is one.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            Self::Reverted { revert } => Some(revert),
            _ => None,
        }
    }

    pub(crate) fn rpc(context: impl Into<String>, err: impl std::fmt::Display) -> Self {
        Self::Rpc { context: context.into(), message: err.to_string() }
    }
}

/// A chain the harness can deploy to, transact on and read from.
pub trait Backend: Send + Sync {
    /// The chain id.
    fn chain_id(&self) -> u64;

    /// Funded accounts this backend can send transactions from.
    fn accounts(&self) -> Vec<Address>;

    /// Sends a transaction and waits until it is included.
    fn send(&self, call: Call) -> impl Future<Output = Result<Receipt, BackendError>> + Send;

    /// Executes a call against the latest state without changing it.
    fn call(&self, call: Call) -> impl Future<Output = Result<Bytes, BackendError>> + Send;

    /// The latest block number.
    fn block_number(&self) -> impl Future<Output = Result<u64, BackendError>> + Send;

    /// The block a transaction sent now is included in at the earliest: the current block on revm (which
    /// executes in it), the next one on a JSON-RPC chain.
    fn inclusion_block(&self) -> impl Future<Output = Result<u64, BackendError>> + Send;

    /// Mines `blocks` empty blocks.
    fn mine(&self, blocks: u64) -> impl Future<Output = Result<(), BackendError>> + Send;

    /// An account's ether balance.
    fn balance(&self, account: Address) -> impl Future<Output = Result<U256, BackendError>> + Send;

    /// The base fee the next transaction pays.
    fn base_fee(&self) -> impl Future<Output = Result<u128, BackendError>> + Send;

    /// Logs emitted by `address` in blocks `from..=to`.
    fn logs(
        &self,
        address: Address,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<ChainLog>, BackendError>> + Send;

    /// The first `N` funded accounts (e.g. admin, MPC, user), or [`BackendError::NotEnoughAccounts`].
    fn first_accounts<const N: usize>(&self) -> Result<[Address; N], BackendError>
    where
        Self: Sized,
    {
        let accounts = self.accounts();
        let available = accounts.len();
        accounts
            .get(..N)
            .and_then(|a| <[Address; N]>::try_from(a).ok())
            .ok_or(BackendError::NotEnoughAccounts { needed: N, available })
    }

    /// Calls a view function and decodes its return value.
    fn view<C: SolCall + Send + Sync>(
        &self,
        to: Address,
        call: C,
    ) -> impl Future<Output = Result<C::Return, BackendError>> + Send
    where
        Self: Sized,
    {
        async move {
            let from = Address::ZERO;
            let out = self.call(Call::sol(from, to, &call, U256::ZERO)).await?;
            C::abi_decode_returns(&out)
                .map_err(|e| BackendError::Decode { context: C::SIGNATURE.to_owned(), message: e.to_string() })
        }
    }

    /// Sends `call` to `to` from `from` with `value`.
    fn transact<C: SolCall + Send + Sync>(
        &self,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> impl Future<Output = Result<Receipt, BackendError>> + Send
    where
        Self: Sized,
    {
        async move { self.send(Call::sol(from, to, &call, value)).await }
    }
}
