//! A two-chain network for the services' tests: ZrSign on a source anvil, a destination anvil, a store in a
//! temporary directory, and a responder the test drives itself (`answer`), so every step is deterministic.

use super::{artifacts, toolchain};
use alloy::{
    consensus::{SignableTransaction, TxEip1559},
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
};
use std::{future::Future, sync::Arc, time::Duration};
use zrsign::{
    bindings::IZrSign::{RequestKind, RequestStatus, ZrSignParams},
    chain::{AnvilChain, Call, ChainRead, ChainSubmit, RpcChain, retry::RetryPolicy},
    client::{Client, Requested},
    deploy::{self, Roles, Setup},
    mpc::keys::{ChildSecret, RootSecret},
    protocol::{Caip2, KeyPath, signed_tx},
    relayer::{Destination, Relayer, RelayerConfig},
    responder::{Responder, ResponderConfig},
    signer::{MockSigner, mock},
    store::{Broadcast, RelayState, Store},
};

pub const SOURCE: u64 = 31_337;
pub const DESTINATION: u64 = 31_338;
/// How long any awaited condition may take.
pub const DEADLINE: Duration = Duration::from_secs(60);

pub struct Net {
    pub source_node: AnvilChain,
    pub destination_node: AnvilChain,
    pub source: Arc<RpcChain>,
    pub destination: Arc<RpcChain>,
    pub proxy: Address,
    pub wallet_type: B256,
    pub root: RootSecret,
    pub admin: Address,
    pub user: Address,
    pub start_block: u64,
    pub store: Store,
    pub responder: Responder<RpcChain, MockSigner>,
    pub dir: tempfile::TempDir,
}

/// A user's answered key.
pub struct Key {
    pub index: U256,
    pub address: Address,
    pub secret: ChildSecret,
}

/// Retries fast: tests wait on conditions, not on backoffs.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy { attempts: None, first_delay: Duration::from_millis(10), max_delay: Duration::from_millis(100) }
}

/// A relayer configuration with short backoffs.
pub fn relayer_config() -> RelayerConfig {
    let mut config = RelayerConfig {
        poll_interval: Duration::from_millis(20),
        refused_backoff: fast_retry(),
        unreachable_backoff: fast_retry(),
        give_up_after: Duration::from_secs(600),
        retry: fast_retry(),
        ..Default::default()
    };
    config.follower.retry = fast_retry();
    config
}

/// Waits until `check` returns `Some`, polling every 10 ms, failing the test after [`DEADLINE`].
pub async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

impl Net {
    pub async fn new() -> Self {
        let (source_node, destination_node) =
            tokio::try_join!(AnvilChain::spawn(toolchain(), SOURCE), AnvilChain::spawn(toolchain(), DESTINATION))
                .expect("spawn anvils");
        let source = Arc::new(source_node.rpc.clone());
        let destination = Arc::new(destination_node.rpc.clone());
        let [admin, mpc, user] = source.first_accounts().expect("accounts");
        let roles = Roles { admin, mpc, fee: admin, pauser: admin };
        let proxy = deploy::deploy(source.as_ref(), artifacts(), roles).await.expect("deploy").proxy;
        let root = RootSecret::from_seed("relayer tests").expect("root");
        let setup = Setup {
            root_public_key: root.public().xy(),
            mpc_fee: 1_000,
            evm_chains: vec![
                (Caip2::eip155(SOURCE).to_string(), SOURCE),
                (Caip2::eip155(DESTINATION).to_string(), DESTINATION),
            ],
        };
        let wallet_type = deploy::configure(source.as_ref(), proxy, admin, &setup).await.expect("configure");
        let start_block = source.block_number().await.expect("block");
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("zrsign.db")).await.expect("store");
        let mut config = ResponderConfig { retry: fast_retry(), ..Default::default() };
        config.follower.retry = fast_retry();
        let signer = Arc::new(MockSigner::single(root.clone()));
        let responder = Responder::new(source.clone(), signer, store.clone(), proxy, mpc, start_block, config)
            .await
            .expect("responder");
        Self {
            source_node,
            destination_node,
            source,
            destination,
            proxy,
            wallet_type,
            root,
            admin,
            user,
            start_block,
            store,
            responder,
            dir,
        }
    }

    /// A client of the deployment sending from the user.
    pub fn client(&self) -> Client<&RpcChain> {
        Client::new(self.source.as_ref(), self.proxy, self.user)
    }

    /// Runs the responder until `id` is settled on-chain.
    pub async fn answer(&mut self, id: U256) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            self.responder.poll_once().await.expect("responder poll");
            if self.client().status(id).await.expect("status") != RequestStatus::Open {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "request {id} not answered");
        }
    }

    /// A new answered key of the user.
    pub async fn key(&mut self) -> Key {
        let requested = self.client().send_key_request(self.user, self.wallet_type, 1, None).await.expect("key");
        self.answer(requested.id).await;
        let index = requested.request.walletIndex;
        let path = KeyPath {
            evm_chain_id: SOURCE,
            proxy: self.proxy,
            owner: self.user,
            wallet_type_id: self.wallet_type,
            index,
        };
        let secret = self.root.child(&path);
        Key { index, address: secret.public().expect("key").address(), secret }
    }

    /// Funds `account` on the destination chain.
    pub async fn fund(&self, account: Address, wei: U256) {
        let [funder] = self.destination.first_accounts().expect("accounts");
        self.destination.send(Call::transfer(funder, account, wei)).await.expect("fund");
    }

    /// Requests (and has answered) a signature over `payload` for `dst`, with broadcast.
    pub async fn sign_tx(&mut self, key: &Key, dst: u64, payload: Vec<u8>) -> Requested {
        let params = ZrSignParams {
            walletTypeId: self.wallet_type,
            walletIndex: key.index,
            dstChainId: Caip2::eip155(dst).key(),
            payload: payload.into(),
            broadcast: true,
        };
        let requested = self.client().send_sign_request(RequestKind::Tx, params, None).await.expect("sign tx");
        self.answer(requested.id).await;
        requested
    }

    /// A relayer on this network's store broadcasting to the destination through `destination`.
    pub async fn relayer<D: ChainRead>(&self, destination: Arc<D>, confirmations: u64) -> Relayer<RpcChain, D> {
        self.relayer_with(destination, confirmations, relayer_config()).await
    }

    /// [`Net::relayer`] with its own configuration.
    pub async fn relayer_with<D: ChainRead>(
        &self,
        destination: Arc<D>,
        confirmations: u64,
        config: RelayerConfig,
    ) -> Relayer<RpcChain, D> {
        let route =
            Destination { chain: Caip2::eip155(DESTINATION), rpc_url: self.destination_node.endpoint(), confirmations };
        Relayer::new(
            self.source.clone(),
            vec![(route, destination)],
            self.store.clone(),
            self.proxy,
            self.start_block,
            config,
        )
        .await
        .expect("relayer")
    }

    /// The relay record of request `id`.
    pub async fn relay(&self, id: U256) -> Option<Broadcast> {
        self.store.broadcast(SOURCE, self.proxy, id.to()).await.expect("store")
    }

    /// Polls `relayer` until request `id`'s relay status satisfies `done`.
    pub async fn relay_until<D: ChainRead>(
        &self,
        relayer: &mut Relayer<RpcChain, D>,
        id: U256,
        what: &str,
        done: impl Fn(&Broadcast) -> bool,
    ) -> Broadcast {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            relayer.poll_once().await.expect("relayer poll");
            if let Some(b) = self.relay(id).await.filter(|b| done(b)) {
                return b;
            }
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}: {:?}", self.relay(id).await);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// An EIP-1559 transfer of `value` to `to` for the destination.
pub fn transfer(nonce: u64, to: Address, value: U256, max_fee_per_gas: u128) -> TxEip1559 {
    TxEip1559 {
        chain_id: DESTINATION,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas,
        max_priority_fee_per_gas: 1_000_000_000.min(max_fee_per_gas),
        to: TxKind::Call(to),
        value,
        ..Default::default()
    }
}

/// The transaction signed by `key` directly (as another wallet holding the key would).
pub fn signed_by(key: &Key, tx: &TxEip1559) -> Bytes {
    let payload = tx.encoded_for_signing();
    let signature = mock::sign(&key.secret, keccak256(&payload)).expect("sign");
    signed_tx::assemble(&payload, &signature.as_bytes(), key.address, tx.chain_id).expect("assemble").raw
}

/// Whether a relay status is one of `states`.
pub fn is(b: &Broadcast, states: &[RelayState]) -> bool {
    states.contains(&b.status)
}
