//! The chain under test: one anvil with interval mining and many funded users, ZrSign deployed and
//! configured as the devnet does, and the MPC responder run in this process on demand; for the relay run, a
//! second anvil (the destination chain, mined the same way) and the devnet's relayer in this process.

use super::BenchError;
use crate::{
    chain::{AnvilChain, ChainRead, RpcChain},
    client::Client,
    contracts::Artifacts,
    deploy::{self, DeployPlan, WalletTypePlan},
    mpc::keys::RootSecret,
    protocol::{Caip2, KeyPath, WalletType},
    responder::{Responder, ResponderConfig},
    signer::MockSigner,
    store::Store,
    toolchain::Toolchain,
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use std::{num::NonZeroUsize, sync::Arc, time::Duration};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the chain mines.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Mining {
    /// Seconds between blocks (interval mining).
    pub block_time_s: f64,
    /// The block gas limit.
    pub gas_limit: u64,
}

impl Mining {
    /// anvil's arguments for it.
    fn args(&self, accounts: usize) -> Vec<String> {
        vec![
            "--block-time".into(),
            self.block_time_s.to_string(),
            "--gas-limit".into(),
            self.gas_limit.to_string(),
            "--accounts".into(),
            accounts.to_string(),
        ]
    }
}

/// Dev accounts before the users: admin, MPC responder.
const ROLES: usize = 2;

/// Most answers per responder batch (capped further by the block gas limit).
pub const RESPONDER_BATCH: usize = 1_000;

/// How often the responder polls in the benchmark.
pub const RESPONDER_POLL: Duration = Duration::from_millis(5);

/// How long the bench's responder waits for an answer's receipt before leaving it to the next poll's
/// reconciliation (which sends its requests again if the node dropped it). Ten blocks at the default 0.5 s
/// interval: with thousands of request transactions pending, anvil sometimes drops an answer transaction, and
/// the default 60 s wait stalled the whole run for a minute (the load curve's 2,000/s point).
pub const RESPONDER_RECEIPT_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the relayer polls the source and looks at sent broadcasts in the benchmark.
pub const RELAYER_POLL: Duration = Duration::from_millis(20);

/// Ether each user's key holds on the destination chain (for its relayed transfers' gas and value).
const DESTINATION_FUNDS: u128 = 1_000_000_000_000_000_000_000;

/// A deployment on a fresh anvil.
pub struct BenchNet {
    /// The node (dropped last).
    pub node: AnvilChain,
    /// The chain, signing for the admin and the MPC account.
    pub chain: Arc<RpcChain>,
    /// The proxy.
    pub proxy: Address,
    /// The EVM wallet type.
    pub wallet_type: B256,
    /// The users' keys.
    pub users: Vec<PrivateKeySigner>,
    /// The MPC account.
    pub mpc: Address,
    /// The root secret the responder signs with.
    pub root: RootSecret,
    /// The responder's store.
    pub store: Store,
    /// The block the services follow from.
    pub start_block: u64,
    /// The destination chain's node (relay runs only).
    pub destination: Option<AnvilChain>,
    responder: Option<(CancellationToken, JoinHandle<()>)>,
    relayer: Option<(CancellationToken, JoinHandle<()>)>,
}

impl BenchNet {
    /// Spawns anvil mining as `mining` with `users` funded users, deploys and configures ZrSign; with `relay`,
    /// also the destination chain's anvil (mined the same way), allowed as a destination.
    pub async fn start(
        toolchain: &Toolchain,
        artifacts: &Artifacts,
        mining: &Mining,
        users: usize,
        relay: bool,
    ) -> Result<Self, BenchError> {
        let args = mining.args(users + ROLES);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let node = AnvilChain::spawn_with(toolchain, crate::devnet::SOURCE_CHAIN_ID, &args).await?;
        let destination = if relay {
            let args = mining.args(1);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            Some(AnvilChain::spawn_with(toolchain, crate::devnet::DESTINATION_CHAIN_ID, &args).await?)
        } else {
            None
        };
        let keys = node.keys();
        let (admin, mpc) = (keys[0].address(), keys[1].address());
        let chain = Arc::new(RpcChain::connect(&node.endpoint(), keys[..ROLES].to_vec()).await?);
        let root = RootSecret::from_seed("zrsign bench")?;
        let plan = DeployPlan {
            mpc: Some(mpc),
            root_public_key: Some(root.public().xy()),
            chains: std::iter::once(crate::devnet::SOURCE_CHAIN_ID)
                .chain(destination.as_ref().map(|_| crate::devnet::DESTINATION_CHAIN_ID))
                .map(Caip2::eip155)
                .collect(),
            wallet_types: vec![WalletTypePlan { wallet_type: WalletType::EVM, mpc_fee: 1_000_000_000_000 }],
            ..DeployPlan::default()
        };
        let deployed = deploy::execute(chain.as_ref(), artifacts, admin, &plan).await?;
        Ok(Self {
            users: keys[ROLES..].to_vec(),
            chain,
            proxy: deployed.proxy,
            wallet_type: WalletType::EVM.id(),
            mpc,
            root,
            store: Store::in_memory().await?,
            start_block: deployed.start_block,
            node,
            destination,
            responder: None,
            relayer: None,
        })
    }

    /// Starts the responder (batched, polling every [`RESPONDER_POLL`]) on its own task.
    pub async fn start_responder(&mut self) -> Result<(), BenchError> {
        let signer = Arc::new(MockSigner::single(self.root.clone()));
        let mut config = ResponderConfig::default();
        config.batch_size = NonZeroUsize::new(RESPONDER_BATCH).unwrap_or(config.batch_size);
        config.receipt_timeout = RESPONDER_RECEIPT_TIMEOUT;
        let mut responder = Responder::new(
            self.chain.clone(),
            signer,
            self.store.clone(),
            self.proxy,
            self.mpc,
            self.start_block,
            config,
        )
        .await?;
        let stop = CancellationToken::new();
        let token = stop.clone();
        let task = tokio::spawn(async move { responder.run(RESPONDER_POLL, token.cancelled_owned()).await });
        self.responder = Some((stop, task));
        Ok(())
    }

    /// Stops the responder (its in-flight poll finishes first).
    pub async fn stop_responder(&mut self) {
        if let Some((stop, task)) = self.responder.take() {
            stop.cancel();
            if let Err(e) = task.await {
                tracing::error!(error = %e, "bench responder ended abnormally");
            }
        }
    }

    /// Starts the devnet's relayer (polling every [`RELAYER_POLL`]) towards the destination chain, on its own
    /// task, on the responder's store.
    pub async fn start_relayer(&mut self) -> Result<(), BenchError> {
        let node = self.destination.as_ref().ok_or_else(|| BenchError::Incomplete("no destination chain".into()))?;
        let chain = Caip2::eip155(crate::devnet::DESTINATION_CHAIN_ID);
        let mut relayer = crate::devnet::relayer(
            self.chain.clone(),
            &[(&chain, node)],
            self.store.clone(),
            self.proxy,
            self.start_block,
            RELAYER_POLL,
        )
        .await?;
        let stop = CancellationToken::new();
        let token = stop.clone();
        let task = tokio::spawn(async move { relayer.run(token).await });
        self.relayer = Some((stop, task));
        Ok(())
    }

    /// Stops the relayer (its in-flight steps finish first).
    pub async fn stop_relayer(&mut self) {
        if let Some((stop, task)) = self.relayer.take() {
            stop.cancel();
            if let Err(e) = task.await {
                tracing::error!(error = %e, "bench relayer ended abnormally");
            }
        }
    }

    /// Each user's key 0 (as the responder derives it: the same address on every EVM chain).
    pub fn user_keys(&self) -> Result<Vec<Address>, BenchError> {
        self.users
            .iter()
            .map(|user| {
                let path = KeyPath {
                    evm_chain_id: crate::devnet::SOURCE_CHAIN_ID,
                    proxy: self.proxy,
                    owner: user.address(),
                    wallet_type_id: self.wallet_type,
                    index: U256::ZERO,
                };
                self.root
                    .public()
                    .derive(&path)
                    .map(|k| k.address())
                    .map_err(|e| BenchError::Incomplete(format!("derive the key of {}: {e}", user.address())))
            })
            .collect()
    }

    /// Funds every user's key 0 on the destination chain (anvil's `anvil_setBalance`: no transaction, so
    /// the keys' nonces there start at 0); returns the destination chain, connected without signers.
    pub async fn fund_destination_keys(&self) -> Result<RpcChain, BenchError> {
        let node = self.destination.as_ref().ok_or_else(|| BenchError::Incomplete("no destination chain".into()))?;
        let chain = RpcChain::connect(&node.endpoint(), Vec::new()).await?;
        for key in self.user_keys()? {
            let funds = U256::from(DESTINATION_FUNDS);
            let _: serde_json::Value = chain
                .provider()
                .raw_request("anvil_setBalance".into(), (key, funds))
                .await
                .map_err(|e| crate::chain::ChainError::from_rpc("anvil_setBalance", e))?;
        }
        Ok(chain)
    }

    /// Gives every user key 0 (a key request each, answered by the responder, which must be running).
    pub async fn prepare_keys(&self) -> Result<(), BenchError> {
        let config = crate::client::ClientConfig {
            poll_interval: Duration::from_millis(20),
            timeout: Duration::from_secs(60),
            ..Default::default()
        };
        let chain = Arc::new(RpcChain::connect(&self.node.endpoint(), self.users.clone()).await?);
        let requests = self.users.iter().map(|user| {
            let client = Client::new(chain.clone(), self.proxy, user.address()).with_config(config.clone());
            async move {
                let requested = client.send_key_request(user.address(), self.wallet_type, 1, None).await?;
                client.wait_settled(&requested).await?;
                Ok::<_, BenchError>(())
            }
        });
        futures::future::try_join_all(requests).await?;
        Ok(())
    }

    /// The chain's latest block number.
    pub async fn head(&self) -> Result<u64, BenchError> {
        Ok(self.chain.block_number().await?)
    }
}

impl Drop for BenchNet {
    fn drop(&mut self) {
        for (stop, task) in [self.responder.take(), self.relayer.take()].into_iter().flatten() {
            stop.cancel();
            task.abort();
        }
    }
}
