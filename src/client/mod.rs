//! The dapp-facing Rust client of one ZrSign deployment: quotes, key and signature requests answered and
//! verified off-chain, transactions for other chains prepared, signed, relayed and replaced, reclaims and
//! withdrawals.
//!
//! ```text
//! let client = Client::new(Arc::new(source), proxy, me).with_destination(Arc::new(destination));
//! let key = client.request_key(wallet_type, 1).await?;                  // the derived child, checked
//! let sig = client.sign_hash(wallet_type, key.index(), hash).await?;     // recovers to the key, checked
//! let tx = client.prepare_tx(TxRequest::transfer(wallet_type, key.index(), 31_338, to, value)).await?;
//! let signed = client.sign_tx(&tx, true).await?;                          // relayer broadcasts it
//! let receipt = client.wait_relayed(&signed).await?;                      // mined on the destination
//! ```
//!
//! The client runs over any [`ChainSubmit`] chain reached through a handle `H` (`Arc<RpcChain>`, or
//! `&RevmChain` in tests): requests are sent from its `sender`. Destination chains are [`ChainRead`] chains
//! (read-only RPCs are enough), keyed by EVM chain id. Waiting for answers ([`wait`]) needs an owned handle
//! (`H: 'static`): one background task per client, shared by its clones ([`Client::with_sender`]), follows the
//! settlement events of exactly the requests being waited on. Every wait ends within
//! [`ClientConfig::timeout`].

pub mod address;
mod error;
mod tx;
pub mod wait;

pub use address::{AddressFormat, DerivedKey, EvmAddress, derive_address};
pub use error::ClientError;
pub use tx::{PreparedTx, Relayed, SignedTransaction, TxRequest, TxType};
pub use wait::{Settled, Settlement, WatchMode, WatchStats};

use crate::{
    bindings::IZrSign::{self, ChainFamily, Request, RequestKind, RequestStatus, ZrSignParams},
    chain::{ChainError, ChainRead, ChainSubmit, LogFilter, Receipt, RpcChain},
    protocol::{
        Caip2, KeyPath, PublicKey, digest,
        events::{self, REQUEST_EVENTS, ZrEvent, find, request_id_topic},
    },
};
use alloy::primitives::{Address, B256, Bytes, Signature, U256};
use error::AtRequest;
use std::{
    collections::{BTreeMap, HashMap},
    num::NonZeroU64,
    ops::Deref,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use wait::{Watch, WatchFailure, Watcher};

/// Headroom a quoted payment gets, in basis points: one block's largest base-fee rise under EIP-1559
/// (12.5%). The quote is computed at the latest block but paid in the next one; the contract credits
/// any excess back to the payer (claimable, `withdraw`).
pub const QUOTE_HEADROOM_BPS: u64 = 1_250;

/// The value to send for a `quote`: the quote plus [`QUOTE_HEADROOM_BPS`].
pub fn with_headroom(quote: U256) -> U256 {
    quote + quote * U256::from(QUOTE_HEADROOM_BPS) / U256::from(10_000)
}

/// Default longest wait for an answer or a relayed transaction.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default poll interval (filter changes, statuses, destination receipts).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Default most blocks per `eth_getLogs` range.
pub const DEFAULT_MAX_LOG_RANGE: NonZeroU64 = NonZeroU64::new(2_000).expect("non-zero literal");
/// Priority fee used when a destination suggests none (1 gwei).
pub const DEFAULT_PRIORITY_FEE: u128 = 1_000_000_000;

/// How the client waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The longest any wait takes (an answer, a relayed transaction) before a timeout error.
    pub timeout: Duration,
    /// How often the node is asked (filter changes, statuses, destination receipts).
    pub poll_interval: Duration,
    /// Blocks on top of a destination transaction's (itself included) before [`Client::wait_relayed`] returns.
    pub confirmations: u64,
    /// Most blocks per `eth_getLogs` range (catch-ups and lookups by id).
    pub max_log_range: NonZeroU64,
    /// Log filter with polling fallback, or polling only.
    pub watch: WatchMode,
    /// The registered chain hash and data requests name (default: the source chain, `eip155:<its id>`).
    pub message_chain: Option<Caip2>,
    /// The priority fee of prepared transactions when the destination suggests none.
    pub fallback_priority_fee: u128,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            poll_interval: DEFAULT_POLL_INTERVAL,
            confirmations: 1,
            max_log_range: DEFAULT_MAX_LOG_RANGE,
            watch: WatchMode::Auto,
            message_chain: None,
            fallback_priority_fee: DEFAULT_PRIORITY_FEE,
        }
    }
}

/// A fee quote at the latest block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// The contract's quote (`keyFee` / `signFee`): enough if paid in the block it was read at.
    pub exact: U256,
    /// With one block of base-fee headroom ([`with_headroom`]): what the client pays by default.
    pub with_headroom: U256,
}

impl Quote {
    fn new(exact: U256) -> Self {
        Self { exact, with_headroom: with_headroom(exact) }
    }
}

/// A request as the contract recorded it.
#[derive(Debug, Clone)]
pub struct Requested {
    /// Its id.
    pub id: U256,
    /// The record (re-supplied by whoever settles it).
    pub request: Request,
    /// The bytes signed over (sign requests; for v1 legacy transactions, with the chain id written in).
    pub payload: Bytes,
    /// The request transaction's receipt.
    pub receipt: Receipt,
}

/// An answered key, verified: the derived child of the deployment's root key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The key request.
    pub request_id: U256,
    /// Where the key sits (deployment, owner, wallet type, index).
    pub path: KeyPath,
    /// The root key version it is derived from.
    pub key_version: u32,
    /// Its public key.
    pub public_key: PublicKey,
    /// Its EVM address.
    pub address: Address,
    /// Where the answer was mined.
    pub answered: AnswerAt,
}

impl Key {
    /// Its index.
    pub fn index(&self) -> U256 {
        self.path.index
    }

    /// Its wallet type.
    pub fn wallet_type(&self) -> B256 {
        self.path.wallet_type_id
    }
}

/// An answered signature, verified: over the digest recomputed off-chain, recovering to the key, low-s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The sign request.
    pub request_id: U256,
    /// Hash, Data or Tx.
    pub kind: RequestKind,
    /// The digest signed.
    pub digest: B256,
    /// The signature.
    pub signature: Signature,
    /// The key's address.
    pub signer: Address,
    /// The bytes signed over.
    pub payload: Bytes,
    /// Where the answer was mined.
    pub answered: AnswerAt,
}

/// The transaction that answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerAt {
    /// Its block.
    pub block_number: u64,
    /// Its hash.
    pub tx_hash: B256,
}

/// A reclaimed request.
#[derive(Debug, Clone)]
pub struct Reclaimed {
    /// The request.
    pub request_id: U256,
    /// The escrow credited back.
    pub amount: U256,
    /// Who it was credited to (the requester).
    pub requester: Address,
    /// The reclaim transaction's receipt.
    pub receipt: Receipt,
}

/// A withdrawal.
#[derive(Debug, Clone)]
pub struct Withdrawn {
    /// Who was paid.
    pub account: Address,
    /// How much.
    pub amount: U256,
    /// The transaction's receipt.
    pub receipt: Receipt,
}

#[derive(Debug, Default)]
struct Cache {
    roots: Mutex<HashMap<u32, PublicKey>>,
    evm_chains: Mutex<HashMap<B256, u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A client of one ZrSign deployment, sending from one account (see the [module docs](self)).
pub struct Client<H, D = RpcChain> {
    source: H,
    proxy: Address,
    sender: Address,
    destinations: BTreeMap<u64, Arc<D>>,
    config: ClientConfig,
    watcher: Arc<Watcher>,
    cache: Arc<Cache>,
}

impl<H: Clone, D> Clone for Client<H, D> {
    fn clone(&self) -> Self {
        Self {
            source: self.source.clone(),
            proxy: self.proxy,
            sender: self.sender,
            destinations: self.destinations.clone(),
            config: self.config.clone(),
            watcher: self.watcher.clone(),
            cache: self.cache.clone(),
        }
    }
}

impl<H, D> std::fmt::Debug for Client<H, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("proxy", &self.proxy)
            .field("sender", &self.sender)
            .field("destinations", &self.destinations.keys().collect::<Vec<_>>())
            .field("config", &self.config)
            .finish()
    }
}

impl<H> Client<H> {
    /// A client of the proxy at `proxy` on `source`, sending from `sender` (an account `source` signs for),
    /// with JSON-RPC destination chains ([`with_destination`](Self::with_destination)).
    pub fn new(source: H, proxy: Address, sender: Address) -> Self {
        Self::build(source, proxy, sender)
    }
}

impl<H, D> Client<H, D> {
    /// [`new`](Client::new) with destination chains of any type `D` (e.g. `Client::<_, RevmChain>::build`).
    pub fn build(source: H, proxy: Address, sender: Address) -> Self {
        Self {
            source,
            proxy,
            sender,
            destinations: BTreeMap::new(),
            config: ClientConfig::default(),
            watcher: Arc::default(),
            cache: Arc::default(),
        }
    }

    /// The same client with `config` (set it before the first wait).
    pub fn with_config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self.watcher = Arc::default();
        self
    }

    /// A client sending from `sender`, sharing this one's waiting task and caches.
    pub fn with_sender(&self, sender: Address) -> Self
    where
        H: Clone,
    {
        Self { sender, ..self.clone() }
    }

    /// The proxy.
    pub fn proxy(&self) -> Address {
        self.proxy
    }

    /// The account requests are sent from.
    pub fn sender(&self) -> Address {
        self.sender
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// What the waiting task has done so far.
    pub fn watch_stats(&self) -> WatchStats {
        self.watcher.stats()
    }
}

impl<H, S, D> Client<H, D>
where
    H: Deref<Target = S> + Clone + Send + Sync,
    S: ChainSubmit,
    D: ChainRead,
{
    /// The same client with an RPC for a destination chain (keyed by its EVM chain id).
    pub fn with_destination(mut self, chain: Arc<D>) -> Self {
        self.destinations.insert(chain.evm_chain_id(), chain);
        self
    }

    /// The source chain.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// The deployment's root public key of `version` (`None`: the current one), with its version.
    pub async fn root_key(&self, version: Option<u32>) -> Result<(u32, PublicKey), ClientError> {
        let version = match version {
            Some(v) => v,
            None => self.source.view(self.proxy, IZrSign::currentKeyVersionCall {}).await?,
        };
        if let Some(root) = lock(&self.cache.roots).get(&version) {
            return Ok((version, *root));
        }
        let key = self.source.view(self.proxy, IZrSign::rootKeyCall { keyVersion: version }).await?;
        let mut xy = [0u8; 64];
        xy[..32].copy_from_slice(key.x.as_slice());
        xy[32..].copy_from_slice(key.y.as_slice());
        let root = PublicKey::from_xy(&xy)
            .map_err(|e| ChainError::Decode { context: format!("rootKey({version})"), message: e.to_string() })?;
        lock(&self.cache.roots).insert(version, root);
        Ok((version, root))
    }

    /// The key `owner` gets at `index` of `wallet_type` under `root`, derived offline exactly as the contract
    /// derives it (this deployment's chain id and proxy are bound in). No chain access.
    pub fn derive_address(
        &self,
        root: &PublicKey,
        owner: Address,
        wallet_type: B256,
        index: U256,
    ) -> Result<DerivedKey, ClientError> {
        Ok(derive_address(root, self.source.evm_chain_id(), self.proxy, owner, wallet_type, index)?)
    }

    /// The key fee of `wallet_type` at service level `options`.
    pub async fn quote_key(&self, wallet_type: B256, options: u8) -> Result<Quote, ClientError> {
        let call = IZrSign::keyFeeCall { walletTypeId: wallet_type, options };
        Ok(Quote::new(self.source.view(self.proxy, call).await?))
    }

    /// The sign fee of `wallet_type` for `kind`.
    pub async fn quote_sign(&self, wallet_type: B256, kind: RequestKind) -> Result<Quote, ClientError> {
        let call = IZrSign::signFeeCall { walletTypeId: wallet_type, kind };
        Ok(Quote::new(self.source.view(self.proxy, call).await?))
    }

    /// A request's status.
    pub async fn status(&self, id: U256) -> Result<RequestStatus, ClientError> {
        self.source.view(self.proxy, IZrSign::requestStatusCall { requestId: id }).await.at(id)
    }

    /// An account's claimable balance (excess payments, refunds, reclaims).
    pub async fn claimable(&self, account: Address) -> Result<U256, ClientError> {
        Ok(self.source.view(self.proxy, IZrSign::claimableCall { account }).await?)
    }

    /// Sends a key request for `owner` (the sender pays `value`; `None`: the quote with headroom). Returns as
    /// soon as it is mined; [`wait_key`](Self::wait_key) waits for the answer.
    pub async fn send_key_request(
        &self,
        owner: Address,
        wallet_type: B256,
        options: u8,
        value: Option<U256>,
    ) -> Result<Requested, ClientError> {
        let value = match value {
            Some(v) => v,
            None => self.quote_key(wallet_type, options).await?.with_headroom,
        };
        let params = IZrSign::ZrKeyReqParams { owner, walletTypeId: wallet_type, options };
        let receipt = self.source.transact(self.sender, self.proxy, IZrSign::zrKeyReqCall { params }, value).await?;
        let event = find::<IZrSign::ZrKeyRequested>(&receipt.logs)
            .ok_or(ClientError::MissingEvent { event: "ZrKeyRequested", tx_hash: receipt.tx_hash })?;
        Ok(Requested { id: event.requestId, request: event.request, payload: Bytes::new(), receipt })
    }

    /// Sends a sign request of `kind` (Hash, Data or Tx) with v1's parameters (the sender pays `value`;
    /// `None`: the quote with headroom). Returns as soon as it is mined.
    pub async fn send_sign_request(
        &self,
        kind: RequestKind,
        params: ZrSignParams,
        value: Option<U256>,
    ) -> Result<Requested, ClientError> {
        let value = match value {
            Some(v) => v,
            None => self.quote_sign(params.walletTypeId, kind).await?.with_headroom,
        };
        let (from, to) = (self.sender, self.proxy);
        let receipt = match kind {
            RequestKind::Hash => self.source.transact(from, to, IZrSign::zrSignHashCall { params }, value).await,
            RequestKind::Data => self.source.transact(from, to, IZrSign::zrSignDataCall { params }, value).await,
            RequestKind::Tx => self.source.transact(from, to, IZrSign::zrSignTxCall { params }, value).await,
            other => return Err(ClientError::NotASignatureKind(other)),
        }?;
        let event = find::<IZrSign::ZrSignRequested>(&receipt.logs)
            .ok_or(ClientError::MissingEvent { event: "ZrSignRequested", tx_hash: receipt.tx_hash })?;
        Ok(Requested { id: event.requestId, request: event.request, payload: event.payload, receipt })
    }

    /// Request `id` as its event recorded it, looked up by its id topic from block `from_block` (e.g. the
    /// deployment's) to the head, in bounded ranges.
    pub async fn requested(&self, id: U256, from_block: u64) -> Result<Requested, ClientError> {
        let head = self.source.block_number().await.at(id)?;
        let filter = LogFilter::new(self.proxy, 0, 0).events(REQUEST_EVENTS).topic1([request_id_topic(id)]);
        for (from, to) in wait::ranges(from_block, head, self.config.max_log_range) {
            let logs = self.source.logs(&LogFilter { from, to, ..filter.clone() }).await.at(id)?;
            for log in logs {
                if let Ok(Some(ZrEvent::Requested(r))) = events::decode(&log.log)
                    && r.id == id
                {
                    let receipt = self.source.receipt(log.tx_hash).await.at(id)?;
                    let receipt = receipt.ok_or(ClientError::NotFound { id, event: "request receipt", from_block })?;
                    return Ok(Requested { id, request: r.request, payload: r.payload, receipt });
                }
            }
        }
        Err(ClientError::NotFound { id, event: "request", from_block })
    }

    /// Reclaims an expired request's escrow (credited to its requester: [`withdraw`](Self::withdraw) it).
    pub async fn reclaim(&self, requested: &Requested) -> Result<Reclaimed, ClientError> {
        let id = requested.id;
        let call = IZrSign::reclaimCall { requestId: id, request: requested.request.clone() };
        let receipt = self.source.transact(self.sender, self.proxy, call, U256::ZERO).await.at(id)?;
        let event = find::<IZrSign::ZrRequestReclaimed>(&receipt.logs)
            .ok_or(ClientError::MissingEvent { event: "ZrRequestReclaimed", tx_hash: receipt.tx_hash })?;
        Ok(Reclaimed { request_id: id, amount: event.amount, requester: event.requester, receipt })
    }

    /// Withdraws the sender's whole claimable balance.
    pub async fn withdraw(&self) -> Result<Withdrawn, ClientError> {
        let receipt = self.source.transact(self.sender, self.proxy, IZrSign::withdrawCall {}, U256::ZERO).await?;
        let event = find::<IZrSign::ZrWithdrawn>(&receipt.logs)
            .ok_or(ClientError::MissingEvent { event: "ZrWithdrawn", tx_hash: receipt.tx_hash })?;
        Ok(Withdrawn { account: event.account, amount: event.amount, receipt })
    }

    /// Pays `account`'s whole claimable balance to `account` (anyone may call it; the sender pays the gas): for a
    /// contract that never calls `withdraw` itself, e.g. a v1 dapp.
    pub async fn withdraw_for(&self, account: Address) -> Result<Withdrawn, ClientError> {
        let call = IZrSign::withdrawForCall { account };
        let receipt = self.source.transact(self.sender, self.proxy, call, U256::ZERO).await?;
        let event = find::<IZrSign::ZrWithdrawn>(&receipt.logs)
            .ok_or(ClientError::MissingEvent { event: "ZrWithdrawn", tx_hash: receipt.tx_hash })?;
        Ok(Withdrawn { account: event.account, amount: event.amount, receipt })
    }

    /// The EVM chain id of a registered chain (cached).
    async fn evm_chain_of(&self, chain_key: B256, id: U256) -> Result<u64, ClientError> {
        if let Some(evm) = lock(&self.cache.evm_chains).get(&chain_key) {
            return Ok(*evm);
        }
        let info = self.source.view(self.proxy, IZrSign::chainCall { chainId: chain_key }).await.at(id)?;
        if info.family != ChainFamily::Evm {
            return Err(ClientError::NotEvmChain { chain_key });
        }
        lock(&self.cache.evm_chains).insert(chain_key, info.evmChainId);
        Ok(info.evmChainId)
    }

    /// The registry key hash and data requests name.
    fn message_chain(&self) -> B256 {
        self.config.message_chain.clone().unwrap_or_else(|| Caip2::eip155(self.source.evm_chain_id())).key()
    }

    /// Checks a key answer: the public key is the derived child of the on-chain root key of its version.
    async fn verify_key(&self, r: &Requested, settled: Settled) -> Result<Key, ClientError> {
        let id = r.id;
        let (address, public_key) = match settled.settlement {
            Settlement::Key { address, public_key } => (address, public_key),
            other => return Err(unexpected(id, "a key", other)),
        };
        let (version, root) = self.root_key(Some(r.request.keyVersion)).await.map_err(|e| with_id(e, id))?;
        let path = KeyPath {
            evm_chain_id: self.source.evm_chain_id(),
            proxy: self.proxy,
            owner: r.request.owner,
            wallet_type_id: r.request.walletTypeId,
            index: r.request.walletIndex,
        };
        let verification = |message: String| ClientError::Verification { id, message };
        let derived = DerivedKey::derive(&root, path).map_err(|e| verification(e.to_string()))?;
        let answered = <[u8; 64]>::try_from(public_key.as_ref())
            .map_err(|_| verification(format!("public key of {} bytes", public_key.len())))?;
        if answered != derived.public_key.xy() || address != derived.evm_address() {
            return Err(verification(format!(
                "answered key {address} is not the derived child {} of root key version {version}",
                derived.evm_address()
            )));
        }
        let answered = AnswerAt { block_number: settled.block_number, tx_hash: settled.tx_hash };
        Ok(Key { request_id: id, path, key_version: version, public_key: derived.public_key, address, answered })
    }

    /// Checks a signature answer: digest recomputed from the payload, signature low-s and recovering to the
    /// request's key.
    async fn verify_signature(&self, r: &Requested, settled: Settled) -> Result<Signed, ClientError> {
        let id = r.id;
        let (signer, digest, signature) = match settled.settlement {
            Settlement::Signature { signer, digest, signature } => (signer, digest, signature),
            other => return Err(unexpected(id, "a signature", other)),
        };
        let kind = r.request.kind;
        let dst = match kind {
            RequestKind::Tx => Some(self.evm_chain_of(r.request.dstChainId, id).await?),
            _ => None,
        };
        let verification = |message: String| ClientError::Verification { id, message };
        let ours = digest::digest(kind, &r.payload, dst)
            .map_err(|reason| verification(format!("the payload does not verify off-chain: {reason:?}")))?;
        if ours != r.request.digest || ours != digest {
            return Err(verification(format!(
                "digest {ours} off-chain, {} recorded, {digest} answered",
                r.request.digest
            )));
        }
        let parsed = Signature::try_from(signature.as_ref()).map_err(|e| verification(e.to_string()))?;
        if parsed.normalize_s().is_some() {
            return Err(verification("high-s signature".into()));
        }
        let recovered = parsed.recover_address_from_prehash(&ours).map_err(|e| verification(e.to_string()))?;
        if recovered != r.request.signer || signer != r.request.signer {
            return Err(verification(format!("signature recovers to {recovered}, the key is {}", r.request.signer)));
        }
        let answered = AnswerAt { block_number: settled.block_number, tx_hash: settled.tx_hash };
        Ok(Signed {
            request_id: id,
            kind,
            digest: ours,
            signature: parsed,
            signer,
            payload: r.payload.clone(),
            answered,
        })
    }
}

/// Waiting: needs an owned handle, for the client's background task.
impl<H, S, D> Client<H, D>
where
    H: Deref<Target = S> + Clone + Send + Sync + 'static,
    S: ChainSubmit + 'static,
    D: ChainRead,
{
    /// Waits until the request is settled (at most [`ClientConfig::timeout`]) and returns how; an open
    /// request past its deadline is [`ClientError::Expired`].
    pub async fn wait_settled(&self, requested: &Requested) -> Result<Settled, ClientError> {
        let id = requested.id;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let watch =
            Watch { id, from_block: requested.receipt.block_number, deadline: requested.request.deadline, reply };
        self.watcher.watch(&self.source, self.proxy, &self.config, watch);
        let started = Instant::now();
        match tokio::time::timeout(self.config.timeout, answer).await {
            Ok(Ok(Ok(settled))) => Ok(settled),
            Ok(Ok(Err(WatchFailure::Expired { deadline }))) => Err(ClientError::Expired { id, deadline }),
            // The task ended (its runtime is shutting down) or the time is up.
            Ok(Err(_)) | Err(_) => {
                Err(ClientError::Timeout { id, status: self.status(id).await.ok(), waited: started.elapsed() })
            }
        }
    }

    /// Waits for a key request's answer and verifies it (the derived child of the root key).
    pub async fn wait_key(&self, requested: &Requested) -> Result<Key, ClientError> {
        let settled = self.wait_settled(requested).await?;
        self.verify_key(requested, settled).await
    }

    /// Waits for a sign request's answer and verifies it (digest recomputed, recovers to the key).
    pub async fn wait_signature(&self, requested: &Requested) -> Result<Signed, ClientError> {
        let settled = self.wait_settled(requested).await?;
        self.verify_signature(requested, settled).await
    }

    /// Requests a new key of `wallet_type` for the sender (service level `options`, paying the quote with
    /// headroom) and returns it answered and verified.
    pub async fn request_key(&self, wallet_type: B256, options: u8) -> Result<Key, ClientError> {
        let requested = self.send_key_request(self.sender, wallet_type, options, None).await?;
        self.wait_key(&requested).await
    }

    /// Has the sender's key `index` of `wallet_type` sign `hash` as is; returns the verified signature.
    pub async fn sign_hash(&self, wallet_type: B256, index: U256, hash: B256) -> Result<Signed, ClientError> {
        self.sign(RequestKind::Hash, wallet_type, index, Bytes::copy_from_slice(hash.as_slice())).await
    }

    /// Has the sender's key `index` of `wallet_type` sign `data` (EIP-191 `personal_sign` digest); returns the
    /// verified signature.
    pub async fn sign_data(&self, wallet_type: B256, index: U256, data: &[u8]) -> Result<Signed, ClientError> {
        self.sign(RequestKind::Data, wallet_type, index, Bytes::copy_from_slice(data)).await
    }

    async fn sign(
        &self,
        kind: RequestKind,
        wallet_type: B256,
        index: U256,
        payload: Bytes,
    ) -> Result<Signed, ClientError> {
        let params = ZrSignParams {
            walletTypeId: wallet_type,
            walletIndex: index,
            dstChainId: self.message_chain(),
            payload,
            broadcast: false,
        };
        let requested = self.send_sign_request(kind, params, None).await?;
        self.wait_signature(&requested).await
    }
}

fn unexpected(id: U256, expected: &'static str, got: Settlement) -> ClientError {
    match got {
        Settlement::Rejected { reason } => ClientError::Rejected { id, reason },
        Settlement::Reclaimed => ClientError::Reclaimed { id },
        other => ClientError::UnexpectedAnswer { id, expected, got: format!("{other:?}") },
    }
}

/// `e` about request `id` (a chain error that had none gets it).
fn with_id(e: ClientError, id: U256) -> ClientError {
    match e {
        ClientError::Chain { request: None, source } => ClientError::Chain { request: Some(id), source },
        other => other,
    }
}
