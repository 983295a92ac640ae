//! A chain reached over JSON-RPC. It signs locally with the keys it is given (none for a read-only
//! connection, e.g. a relayer's destination chain): each transaction is filled (nonce, gas, fees, chain id),
//! signed, and its hash known before it is sent.

use super::{
    BlockInfo, Call, ChainError, ChainLog, ChainRead, ChainResult, ChainSubmit, DevChain, LogFilter, Receipt,
    Submitted, TxLookup,
};
use alloy::{
    consensus::Transaction as _,
    eips::{BlockNumberOrTag, Encodable2718},
    network::{Ethereum, EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{
        client::RpcClient,
        types::{Filter, TransactionReceipt, TransactionRequest},
    },
    signers::local::PrivateKeySigner,
    transports::http::{Http, reqwest},
};
use std::{sync::Arc, time::Duration};

/// Gas limit sent, as a percentage of the node's estimate (as `forge script` does): an estimate is exact for
/// the state it ran on, and another transaction landing first can make the call cost more.
pub const GAS_ESTIMATE_MARGIN_PCT: u64 = 130;

/// The longest a single JSON-RPC request may take before it counts as a transport failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How often [`ChainSubmit::confirm`] looks for a receipt: short, so a receipt is seen within ~10 ms of its
/// block (alloy's own watcher sleeps its 250 ms interval whenever the first look comes before the block).
pub const RECEIPT_POLL: Duration = Duration::from_millis(10);

/// A JSON-RPC chain, with the signers it sends from.
#[derive(Clone)]
pub struct RpcChain {
    provider: DynProvider,
    url: String,
    evm_chain_id: u64,
    wallet: Option<EthereumWallet>,
    accounts: Vec<Address>,
    /// Serialises fill-sign-send so two transactions of one sender never take the same pending nonce.
    submit_lock: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for RpcChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcChain").field("url", &self.url).field("evm_chain_id", &self.evm_chain_id).finish()
    }
}

impl RpcChain {
    /// Connects to `url` (reads `eth_chainId`) and signs with `signers` (may be empty: read-only).
    pub async fn connect(url: &str, signers: Vec<PrivateKeySigner>) -> ChainResult<Self> {
        let parsed: reqwest::Url = url
            .parse()
            .map_err(|e| ChainError::Decode { context: format!("RPC URL {url:?}"), message: format!("{e}") })?;
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| ChainError::Unreachable { context: "build HTTP client".into(), message: e.to_string() })?;
        let is_local = alloy::transports::utils::guess_local_url(url);
        let client = RpcClient::new(Http::with_client(http, parsed), is_local);
        let provider = ProviderBuilder::default().connect_client(client).erased();
        let evm_chain_id =
            provider.get_chain_id().await.map_err(|e| ChainError::from_rpc(format!("eth_chainId at {url}"), e))?;
        let accounts: Vec<Address> = signers.iter().map(|s| s.address()).collect();
        let wallet = signers.into_iter().fold(None::<EthereumWallet>, |wallet, signer| match wallet {
            None => Some(EthereumWallet::new(signer)),
            Some(mut w) => {
                w.register_signer(signer);
                Some(w)
            }
        });
        Ok(Self {
            provider,
            url: url.to_owned(),
            evm_chain_id,
            wallet,
            accounts,
            submit_lock: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
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

    async fn raw<P: alloy::rpc::json_rpc::RpcSend, R: alloy::rpc::json_rpc::RpcRecv>(
        &self,
        method: &'static str,
        params: P,
    ) -> ChainResult<R> {
        self.provider.raw_request::<_, R>(method.into(), params).await.map_err(|e| ChainError::from_rpc(method, e))
    }

    /// Why a mined transaction failed: its replay on the block's state gives the revert, or succeeds (out of gas).
    async fn failure(&self, call: &Call, receipt: &Receipt) -> ChainError {
        match self.provider.call(Self::request(call)).block(receipt.block_number.into()).await {
            Err(e) => ChainError::from_rpc("replay failed transaction", e),
            Ok(_) => ChainError::Halted(format!(
                "transaction {} failed on-chain after using {} gas, and its replay succeeds: out of gas",
                receipt.tx_hash, receipt.gas_used
            )),
        }
    }
}

/// The node's filter of `filter`'s address and topics (no block range).
fn node_filter(filter: &LogFilter) -> Filter {
    let mut f = Filter::new().address(filter.address);
    for (i, accepted) in filter.topics.iter().enumerate() {
        if accepted.is_empty() {
            continue;
        }
        let values = accepted.clone();
        f = match i {
            0 => f.event_signature(values),
            1 => f.topic1(values),
            2 => f.topic2(values),
            _ => f.topic3(values),
        };
    }
    f
}

fn chain_log(l: alloy::rpc::types::Log) -> ChainLog {
    ChainLog {
        block_number: l.block_number.unwrap_or_default(),
        block_hash: l.block_hash.unwrap_or_default(),
        tx_hash: l.transaction_hash.unwrap_or_default(),
        log_index: l.log_index.unwrap_or_default(),
        log: l.inner,
    }
}

fn receipt(r: TransactionReceipt) -> Receipt {
    Receipt {
        tx_hash: r.transaction_hash,
        block_number: r.block_number.unwrap_or_default(),
        block_hash: r.block_hash.unwrap_or_default(),
        success: r.status(),
        gas_used: r.gas_used,
        effective_gas_price: r.effective_gas_price,
        logs: r.inner.logs().iter().map(|l| l.inner.clone()).collect(),
        contract_address: r.contract_address,
    }
}

impl ChainRead for RpcChain {
    fn evm_chain_id(&self) -> u64 {
        self.evm_chain_id
    }

    async fn call(&self, call: &Call) -> ChainResult<Bytes> {
        self.provider.call(Self::request(call)).await.map_err(|e| ChainError::from_rpc("eth_call", e))
    }

    async fn call_many(&self, calls: &[Call]) -> ChainResult<Vec<ChainResult<Bytes>>> {
        let mut out = Vec::with_capacity(calls.len());
        for chunk in calls.chunks(super::CALL_BATCH) {
            let mut batch = alloy::rpc::client::BatchRequest::new(self.provider.client());
            let mut waiters = Vec::with_capacity(chunk.len());
            for call in chunk {
                let params = (Self::request(call), BlockNumberOrTag::Latest);
                let waiter = batch
                    .add_call::<_, Bytes>("eth_call", &params)
                    .map_err(|e| ChainError::from_rpc("eth_call batch", e))?;
                waiters.push(waiter);
            }
            batch.send().await.map_err(|e| ChainError::from_rpc("eth_call batch", e))?;
            for waiter in waiters {
                out.push(waiter.await.map_err(|e| ChainError::from_rpc("eth_call", e)));
            }
        }
        Ok(out)
    }

    async fn block_gas_limit(&self) -> ChainResult<Option<u64>> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| ChainError::from_rpc("eth_getBlockByNumber", e))?;
        Ok(block.map(|b| b.header.gas_limit))
    }

    async fn logs(&self, filter: &LogFilter) -> ChainResult<Vec<ChainLog>> {
        let f = node_filter(filter).from_block(filter.from).to_block(filter.to);
        let logs = self.provider.get_logs(&f).await.map_err(|e| ChainError::from_rpc("eth_getLogs", e))?;
        Ok(logs.into_iter().map(chain_log).collect())
    }

    async fn install_log_filter(&self, filter: &LogFilter) -> ChainResult<U256> {
        self.provider.new_filter(&node_filter(filter)).await.map_err(|e| ChainError::from_rpc("eth_newFilter", e))
    }

    async fn log_filter_changes(&self, id: U256) -> ChainResult<Vec<ChainLog>> {
        let logs = self
            .provider
            .get_filter_changes::<alloy::rpc::types::Log>(id)
            .await
            .map_err(|e| ChainError::from_rpc("eth_getFilterChanges", e))?;
        Ok(logs.into_iter().filter(|l| !l.removed).map(chain_log).collect())
    }

    async fn uninstall_log_filter(&self, id: U256) -> ChainResult<bool> {
        self.provider.uninstall_filter(id).await.map_err(|e| ChainError::from_rpc("eth_uninstallFilter", e))
    }

    async fn estimate_gas(&self, call: &Call) -> ChainResult<u64> {
        self.provider.estimate_gas(Self::request(call)).await.map_err(|e| ChainError::from_rpc("eth_estimateGas", e))
    }

    async fn max_priority_fee(&self) -> ChainResult<u128> {
        self.provider
            .get_max_priority_fee_per_gas()
            .await
            .map_err(|e| ChainError::from_rpc("eth_maxPriorityFeePerGas", e))
    }

    async fn block(&self, at: BlockNumberOrTag) -> ChainResult<Option<BlockInfo>> {
        let block =
            self.provider.get_block_by_number(at).await.map_err(|e| ChainError::from_rpc("eth_getBlockByNumber", e))?;
        Ok(block.map(|b| BlockInfo {
            number: b.header.number,
            hash: b.header.hash,
            parent_hash: b.header.parent_hash,
            base_fee: b.header.base_fee_per_gas.map(u128::from).unwrap_or_default(),
            timestamp: b.header.timestamp,
        }))
    }

    async fn block_number(&self) -> ChainResult<u64> {
        self.provider.get_block_number().await.map_err(|e| ChainError::from_rpc("eth_blockNumber", e))
    }

    async fn inclusion_block(&self) -> ChainResult<u64> {
        Ok(self.block_number().await? + 1)
    }

    async fn receipt(&self, tx_hash: B256) -> ChainResult<Option<Receipt>> {
        let r = self
            .provider
            .get_transaction_receipt(tx_hash)
            .await
            .map_err(|e| ChainError::from_rpc("eth_getTransactionReceipt", e))?;
        // A receipt without a block is not mined (some nodes answer so for pending transactions).
        Ok(r.filter(|r| r.block_number.is_some()).map(receipt))
    }

    async fn transaction(&self, tx_hash: B256) -> ChainResult<Option<TxLookup>> {
        let tx = self
            .provider
            .get_transaction_by_hash(tx_hash)
            .await
            .map_err(|e| ChainError::from_rpc("eth_getTransactionByHash", e))?;
        Ok(tx.map(|t| TxLookup { from: t.inner.signer(), nonce: t.nonce(), block_number: t.block_number }))
    }

    async fn balance(&self, account: Address) -> ChainResult<U256> {
        self.provider.get_balance(account).await.map_err(|e| ChainError::from_rpc("eth_getBalance", e))
    }

    async fn nonce(&self, account: Address) -> ChainResult<u64> {
        self.provider
            .get_transaction_count(account)
            .latest()
            .await
            .map_err(|e| ChainError::from_rpc("eth_getTransactionCount", e))
    }

    async fn base_fee(&self) -> ChainResult<u128> {
        let latest = self.block(BlockNumberOrTag::Latest).await?;
        latest.map(|b| b.base_fee).ok_or_else(|| ChainError::Decode {
            context: "eth_getBlockByNumber(latest)".into(),
            message: "the node has no latest block".into(),
        })
    }

    async fn send_raw(&self, raw: &[u8]) -> ChainResult<B256> {
        let hex = alloy::hex::encode_prefixed(raw);
        self.raw::<_, B256>("eth_sendRawTransaction", (hex,)).await
    }
}

impl ChainSubmit for RpcChain {
    fn accounts(&self) -> Vec<Address> {
        self.accounts.clone()
    }

    async fn submit(&self, call: Call) -> ChainResult<Submitted> {
        let wallet = self.wallet.as_ref().filter(|_| self.accounts.contains(&call.from));
        let wallet = wallet.ok_or(ChainError::UnknownSender(call.from))?;
        let _serialised = self.submit_lock.lock().await;
        let mut request = Self::request(&call);
        if call.gas_limit.is_none() {
            // Estimating also surfaces a revert, decoded, before anything is sent.
            let estimate = self
                .provider
                .estimate_gas(request.clone())
                .await
                .map_err(|e| ChainError::from_rpc("eth_estimateGas", e))?;
            request.set_gas_limit(estimate.saturating_mul(GAS_ESTIMATE_MARGIN_PCT) / 100);
        }
        let nonce = self
            .provider
            .get_transaction_count(call.from)
            .pending()
            .await
            .map_err(|e| ChainError::from_rpc("eth_getTransactionCount(pending)", e))?;
        let fees =
            self.provider.estimate_eip1559_fees().await.map_err(|e| ChainError::from_rpc("fee estimation", e))?;
        request.set_nonce(nonce);
        request.set_chain_id(self.evm_chain_id);
        request.set_max_fee_per_gas(fees.max_fee_per_gas);
        request.set_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let envelope = <TransactionRequest as NetworkTransactionBuilder<Ethereum>>::build(request, wallet)
            .await
            .map_err(|e| ChainError::Decode { context: "sign transaction".into(), message: e.to_string() })?;
        let tx_hash = *envelope.tx_hash();
        let submitted = Submitted { tx_hash, from: call.from, nonce };
        match self.send_raw(&envelope.encoded_2718()).await {
            Ok(_) => Ok(submitted),
            Err(ChainError::TxRejected { class: super::TxRejection::AlreadyKnown, .. }) => Ok(submitted),
            // The node may have the transaction: the caller must confirm it by hash, not send it again.
            Err(e @ ChainError::Unreachable { .. }) => {
                Err(ChainError::Unconfirmed { tx_hash, from: call.from, nonce, message: e.to_string() })
            }
            Err(e) => Err(e),
        }
    }

    async fn confirm(&self, submitted: &Submitted, timeout: Duration) -> ChainResult<Receipt> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut poll = tokio::time::interval(RECEIPT_POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_error = None;
        loop {
            poll.tick().await;
            match self.receipt(submitted.tx_hash).await {
                Ok(Some(r)) if r.success => return Ok(r),
                Ok(Some(r)) => {
                    // Mined but failed (an explicit gas limit skipped estimation): replay it for the reason.
                    let Some(tx) = self.provider.get_transaction_by_hash(r.tx_hash).await.ok().flatten() else {
                        return Err(ChainError::Halted(format!("transaction {} failed on-chain", r.tx_hash)));
                    };
                    let call = Call {
                        from: submitted.from,
                        to: tx.to(),
                        input: tx.input().clone(),
                        value: tx.value(),
                        gas_limit: Some(tx.gas_limit()),
                    };
                    return Err(match self.failure(&call, &r).await {
                        e @ ChainError::Reverted { .. } | e @ ChainError::Halted(_) => e,
                        other => ChainError::Halted(format!("transaction {} failed on-chain ({other})", r.tx_hash)),
                    });
                }
                Ok(None) => {}
                Err(e) if e.is_retryable() => last_error = Some(e),
                Err(e) => return Err(e),
            }
            if tokio::time::Instant::now() >= deadline {
                let message = match last_error {
                    Some(e) => format!("no receipt after {timeout:?} (last error: {e})"),
                    None => format!("no receipt after {timeout:?}"),
                };
                return Err(ChainError::Unconfirmed {
                    tx_hash: submitted.tx_hash,
                    from: submitted.from,
                    nonce: submitted.nonce,
                    message,
                });
            }
        }
    }
}

impl DevChain for RpcChain {
    async fn mine(&self, blocks: u64) -> ChainResult<()> {
        self.raw::<_, serde_json::Value>("anvil_mine", (U256::from(blocks),)).await.map(drop)
    }

    async fn set_next_base_fee(&self, wei: u128) -> ChainResult<()> {
        self.raw::<_, serde_json::Value>("anvil_setNextBlockBaseFeePerGas", (U256::from(wei),)).await.map(drop)
    }

    async fn set_balance(&self, account: Address, wei: U256) -> ChainResult<()> {
        self.raw::<_, serde_json::Value>("anvil_setBalance", (account, wei)).await.map(drop)
    }

    async fn reorg(&self, depth: u64) -> ChainResult<()> {
        // anvil_reorg(depth, transactions to put in the new blocks): none, so the replaced blocks' are dropped.
        let none: Vec<serde_json::Value> = Vec::new();
        self.raw::<_, serde_json::Value>("anvil_reorg", (depth, none)).await.map(drop)
    }

    async fn rollback(&self, depth: u64) -> ChainResult<()> {
        self.raw::<_, serde_json::Value>("anvil_rollback", (depth,)).await.map(drop)
    }

    async fn snapshot(&self) -> ChainResult<U256> {
        self.raw::<_, U256>("evm_snapshot", ()).await
    }

    async fn set_code(&self, account: Address, code: Bytes) -> ChainResult<()> {
        self.raw::<_, serde_json::Value>("anvil_setCode", (account, code)).await.map(drop)
    }

    async fn set_automine(&self, on: bool) -> ChainResult<()> {
        self.raw::<_, serde_json::Value>("evm_setAutomine", (on,)).await.map(drop)
    }

    async fn revert_to(&self, snapshot: U256) -> ChainResult<()> {
        let reverted: bool = self.raw("evm_revert", (snapshot,)).await?;
        if reverted {
            Ok(())
        } else {
            Err(ChainError::Rpc { context: "evm_revert".into(), code: 0, message: format!("no snapshot {snapshot}") })
        }
    }
}
