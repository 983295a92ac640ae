//! The chain under test: one anvil with interval mining and many funded users, ZrSign deployed and
//! configured as the devnet does, and the MPC responder run in this process on demand.

use super::BenchError;
use crate::{
    chain::{AnvilChain, ChainRead, RpcChain},
    client::Client,
    contracts::Artifacts,
    deploy::{self, DeployPlan, WalletTypePlan},
    mpc::keys::RootSecret,
    protocol::{Caip2, WalletType},
    responder::{Responder, ResponderConfig},
    signer::MockSigner,
    store::Store,
    toolchain::Toolchain,
};
use alloy::{
    primitives::{Address, B256},
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
    responder: Option<(CancellationToken, JoinHandle<()>)>,
}

impl BenchNet {
    /// Spawns anvil mining as `mining` with `users` funded users, deploys and configures ZrSign.
    pub async fn start(
        toolchain: &Toolchain,
        artifacts: &Artifacts,
        mining: &Mining,
        users: usize,
    ) -> Result<Self, BenchError> {
        let args = mining.args(users + ROLES);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let node = AnvilChain::spawn_with(toolchain, crate::devnet::SOURCE_CHAIN_ID, &args).await?;
        let keys = node.keys();
        let (admin, mpc) = (keys[0].address(), keys[1].address());
        let chain = Arc::new(RpcChain::connect(&node.endpoint(), keys[..ROLES].to_vec()).await?);
        let root = RootSecret::from_seed("zrsign bench")?;
        let plan = DeployPlan {
            mpc: Some(mpc),
            root_public_key: Some(root.public().xy()),
            chains: vec![Caip2::eip155(crate::devnet::SOURCE_CHAIN_ID)],
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
            responder: None,
        })
    }

    /// Starts the responder (batched, polling every [`RESPONDER_POLL`]) on its own task.
    pub async fn start_responder(&mut self) -> Result<(), BenchError> {
        let signer = Arc::new(MockSigner::single(self.root.clone()));
        let mut config = ResponderConfig::default();
        config.batch_size = NonZeroUsize::new(RESPONDER_BATCH).unwrap_or(config.batch_size);
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
        if let Some((stop, task)) = self.responder.take() {
            stop.cancel();
            task.abort();
        }
    }
}
