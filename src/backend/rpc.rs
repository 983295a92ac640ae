//! A chain reached over JSON-RPC, signing with local keys.

use super::{Backend, BackendError, Call, ChainLog, Receipt};
use crate::bindings::Revert;
use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
    transports::{RpcError, TransportErrorKind},
};

/// Gas limit sent, as a percentage of the node's estimate (as `forge script` does): an estimate is
/// exact for the state it ran on, and another transaction landing first can make the call cost more.
pub const GAS_ESTIMATE_MARGIN_PCT: u64 = 130;

/// How long a sent transaction may take to be mined before the send is reported as unconfirmed.
pub const RECEIPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A JSON-RPC chain with the signers it sends from.
#[derive(Clone)]
pub struct RpcBackend {
    provider: DynProvider,
    chain_id: u64,
    accounts: Vec<Address>,
}

impl RpcBackend {
    /// Connects to `url` and signs with `signers` (at least one).
    pub async fn connect(url: &str, signers: Vec<PrivateKeySigner>) -> Result<Self, BackendError> {
        let parsed = url.parse().map_err(|e| BackendError::rpc(format!("parse url {url}"), e))?;
        let accounts: Vec<Address> = signers.iter().map(|s| s.address()).collect();
        let mut iter = signers.into_iter();
        let first = iter.next().ok_or_else(|| BackendError::rpc("connect", "no signer given"))?;
        let mut wallet = EthereumWallet::new(first);
        for signer in iter {
            wallet.register_signer(signer);
        }
        let provider = ProviderBuilder::new().wallet(wallet).connect_http(parsed).erased();
        let chain_id =
            provider.get_chain_id().await.map_err(|e| BackendError::rpc(format!("eth_chainId at {url}"), e))?;
        Ok(Self { provider, chain_id, accounts })
    }

    /// The underlying provider.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    fn request(call: &Call) -> TransactionRequest {
        let mut tx =
            TransactionRequest::default().with_from(call.from).with_input(call.input.clone()).with_value(call.value);
        match call.to {
            Some(to) => tx.set_to(to),
            None => tx.set_create(),
        }
        if let Some(gas) = call.gas_limit {
            tx.set_gas_limit(gas);
        }
        tx
    }
}

/// Maps an RPC error to a revert when the node returned revert data.
fn classify(context: &str, err: RpcError<TransportErrorKind>) -> BackendError {
    if let Some(data) = err.as_error_resp().and_then(|payload| payload.as_revert_data()) {
        return BackendError::Reverted { revert: Revert::decode(&data) };
    }
    BackendError::rpc(context, err)
}

impl Backend for RpcBackend {
    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    fn accounts(&self) -> Vec<Address> {
        self.accounts.clone()
    }

    async fn send(&self, call: Call) -> Result<Receipt, BackendError> {
        if !self.accounts.contains(&call.from) {
            return Err(BackendError::UnknownSender(call.from));
        }
        let mut request = Self::request(&call);
        if call.gas_limit.is_none() {
            // Estimating also surfaces a revert, decoded, before anything is sent.
            let estimate =
                self.provider.estimate_gas(request.clone()).await.map_err(|e| classify("eth_estimateGas", e))?;
            request.set_gas_limit(estimate.saturating_mul(GAS_ESTIMATE_MARGIN_PCT) / 100);
        }
        let pending = self.provider.send_transaction(request).await.map_err(|e| classify("eth_sendTransaction", e))?;
        // Once broadcast, a failure to read the receipt must not be retried as a new send.
        let tx_hash = *pending.tx_hash();
        let receipt = pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .map_err(|e| BackendError::ReceiptUnavailable { tx_hash, message: e.to_string() })?;
        if !receipt.status() {
            // Mined but reverted (explicit gas limit skipped estimation): replay it to get the reason.
            let block = receipt.block_number.map(Into::into);
            let mut replay = self.provider.call(Self::request(&call));
            if let Some(block) = block {
                replay = replay.block(block);
            }
            return Err(match replay.await {
                Err(e) => classify("replay reverted transaction", e),
                // The same call succeeds on the block's resulting state: it failed for lack of gas.
                Ok(_) => BackendError::Halted(format!(
                    "transaction {} failed on-chain after using {} gas, and its replay succeeds: out of gas",
                    receipt.transaction_hash, receipt.gas_used
                )),
            });
        }
        Ok(Receipt {
            tx_hash: receipt.transaction_hash,
            block_number: receipt.block_number.unwrap_or_default(),
            gas_used: receipt.gas_used,
            logs: receipt.inner.logs().iter().map(|l| l.inner.clone()).collect(),
            contract_address: receipt.contract_address,
        })
    }

    async fn call(&self, call: Call) -> Result<Bytes, BackendError> {
        self.provider.call(Self::request(&call)).await.map_err(|e| classify("eth_call", e))
    }

    async fn block_number(&self) -> Result<u64, BackendError> {
        self.provider.get_block_number().await.map_err(|e| BackendError::rpc("eth_blockNumber", e))
    }

    async fn inclusion_block(&self) -> Result<u64, BackendError> {
        Ok(self.block_number().await? + 1)
    }

    async fn mine(&self, blocks: u64) -> Result<(), BackendError> {
        self.provider
            .raw_request::<_, serde_json::Value>("anvil_mine".into(), (U256::from(blocks),))
            .await
            .map(drop)
            .map_err(|e| BackendError::rpc("anvil_mine", e))
    }

    async fn balance(&self, account: Address) -> Result<U256, BackendError> {
        self.provider.get_balance(account).await.map_err(|e| BackendError::rpc("eth_getBalance", e))
    }

    async fn base_fee(&self) -> Result<u128, BackendError> {
        let block = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| BackendError::rpc("eth_getBlockByNumber", e))?
            .ok_or_else(|| BackendError::rpc("eth_getBlockByNumber", "no latest block"))?;
        Ok(block.header.base_fee_per_gas.map(u128::from).unwrap_or_default())
    }

    async fn logs(&self, address: Address, from: u64, to: u64) -> Result<Vec<ChainLog>, BackendError> {
        let filter = Filter::new().address(address).from_block(from).to_block(to);
        let logs = self.provider.get_logs(&filter).await.map_err(|e| BackendError::rpc("eth_getLogs", e))?;
        Ok(logs
            .into_iter()
            .map(|l| ChainLog {
                block_number: l.block_number.unwrap_or_default(),
                tx_hash: l.transaction_hash.unwrap_or_default(),
                log_index: l.log_index.unwrap_or_default(),
                log: l.inner,
            })
            .collect())
    }
}
