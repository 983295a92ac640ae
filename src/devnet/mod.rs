//! The two-chain local devnet: a source anvil (`eip155:31337`) with ZrSign deployed and configured, a
//! destination anvil (`eip155:31338`), and the MPC responder and the relayer running on one store. Its
//! [`DevnetInfo`] (chains, contracts, funded accounts with their keys, store) is what `zrsign devnet` prints
//! and writes to `devnet.json`; [`demo`] walks the whole request story on it.

pub mod demo;
#[cfg(feature = "threshold")]
pub mod threshold;

use crate::{
    api::{ApiState, Health},
    chain::{AnvilChain, ChainError, RpcChain},
    contracts::Artifacts,
    deploy::{self, DeployError, DeployPlan, Deployment, Roles, WalletTypePlan},
    mpc::{KeyError, keys::RootSecret},
    protocol::{Caip2, PublicKey, WalletType},
    relayer::{Destination, Relayer, RelayerConfig, RelayerError},
    responder::{Responder, ResponderConfig, ResponderError},
    signer::MockSigner,
    store::{Store, StoreError},
    toolchain::Toolchain,
};
use alloy::{
    primitives::{Address, B256},
    signers::local::PrivateKeySigner,
};
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// EVM chain id of the source chain (where ZrSign is).
pub const SOURCE_CHAIN_ID: u64 = 31_337;
/// EVM chain id of the destination chain.
pub const DESTINATION_CHAIN_ID: u64 = 31_338;

/// Why the devnet or its demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// A chain operation failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A client operation failed.
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The deployment plan failed.
    #[error(transparent)]
    Deploy(#[from] DeployError),
    /// The responder could not start.
    #[error(transparent)]
    Responder(#[from] ResponderError),
    /// The relayer could not start.
    #[error(transparent)]
    Relayer(#[from] RelayerError),
    /// The root secret is unusable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The threshold network could not start.
    #[cfg(feature = "threshold")]
    #[error(transparent)]
    Threshold(#[from] threshold::ThresholdNetError),
    /// The status API could not start.
    #[error(transparent)]
    Api(#[from] crate::api::ApiError),
    /// The metrics recorder could not be installed.
    #[error(transparent)]
    Metrics(#[from] crate::api::metrics::MetricsError),
    /// Preparing the store file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// A step of the demo did not verify.
    #[error("{step}: {message}")]
    Verification {
        /// The step.
        step: String,
        /// What did not match.
        message: String,
    },
}

/// Options of a devnet. `Debug` never shows the root seed.
#[derive(Clone)]
pub struct DevnetOptions {
    /// Seed of the mock network's root secret.
    pub root_seed: String,
    /// MPC service fee per request, in wei.
    pub mpc_fee: u128,
    /// How often the responder and the relayer poll.
    pub poll_interval: Duration,
    /// The store file (recreated at start: the chains are new); `None`: in memory.
    pub store_path: Option<PathBuf>,
    /// Extra anvil arguments for both chains (e.g. `["--block-time", "1"]`).
    pub anvil_args: Vec<String>,
    /// Where to serve the status API and the request explorer (`None`: no server).
    pub http: Option<SocketAddr>,
    /// The threshold network: the responder signs through t-of-n `zrsign mpc-node` processes of a network
    /// directory, each checking requests on its own connection to the source chain, instead of the mock
    /// (`None`: the mock holds the root secret from `root_seed`).
    #[cfg(feature = "threshold")]
    pub threshold: Option<threshold::ThresholdOptions>,
}

impl std::fmt::Debug for DevnetOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevnetOptions")
            .field("root_seed", &"<redacted>")
            .field("mpc_fee", &self.mpc_fee)
            .field("poll_interval", &self.poll_interval)
            .field("store_path", &self.store_path)
            .field("anvil_args", &self.anvil_args)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl Default for DevnetOptions {
    fn default() -> Self {
        Self {
            root_seed: "zrsign devnet root".into(),
            mpc_fee: 1_000_000_000_000_000,
            poll_interval: Duration::from_millis(100),
            store_path: None,
            anvil_args: Vec::new(),
            http: None,
            #[cfg(feature = "threshold")]
            threshold: None,
        }
    }
}

/// One chain of the devnet, as `devnet.json` describes it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ChainInfo {
    /// `source` or `destination`.
    pub role: String,
    /// Its CAIP-2 id.
    pub caip2: Caip2,
    /// Its EVM chain id.
    pub evm_chain_id: u64,
    /// Its JSON-RPC endpoint.
    pub rpc_url: String,
}

/// A funded account of the devnet.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AccountInfo {
    /// What it is for.
    pub role: String,
    /// Its address (funded on both chains).
    pub address: Address,
    /// Its anvil dev private key.
    pub private_key: B256,
}

/// Everything another process needs to reach the devnet (`devnet.json`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DevnetInfo {
    /// Source and destination chains.
    pub chains: Vec<ChainInfo>,
    /// The ZrSign proxy (users call it).
    pub proxy: Address,
    /// The implementation behind it.
    pub implementation: Address,
    /// The EVM wallet type id.
    pub wallet_type: B256,
    /// The root key's EVM address (the responder holds version 1).
    pub root_key_address: Address,
    /// The source block the deployment finished at (services follow from it).
    pub start_block: u64,
    /// Funded accounts.
    pub accounts: Vec<AccountInfo>,
    /// The store the services share.
    pub store: PathBuf,
    /// The status API and request explorer, if served.
    pub http: Option<String>,
}

/// A running devnet. Dropping it stops the services and both anvils.
pub struct Devnet {
    /// The source chain's node.
    pub source_node: AnvilChain,
    /// The destination chain's node.
    pub destination_node: AnvilChain,
    /// The source chain (dev accounts: admin, MPC responder, users).
    pub source: Arc<RpcChain>,
    /// The destination chain (dev accounts fund keys there).
    pub destination: Arc<RpcChain>,
    /// The deployment on the source chain.
    pub deployment: Deployment,
    /// Who holds which role.
    pub roles: Roles,
    /// The EVM wallet type id.
    pub wallet_type: B256,
    /// The root secret the mock network holds (version 1; unused with a threshold network).
    pub root: RootSecret,
    /// The deployment's root public key (version 1): the mock's, or the threshold network's.
    pub root_public: PublicKey,
    /// CAIP-2 ids: source, destination.
    pub chains: [Caip2; 2],
    /// The services' store.
    pub store: Store,
    /// The source block services started following at.
    pub start_block: u64,
    /// Where the status API and the request explorer are served.
    pub http: Option<SocketAddr>,
    /// The services' health board.
    pub health: Health,
    shutdown: CancellationToken,
    services: Vec<JoinHandle<()>>,
    /// The threshold network's node processes (killed when the devnet is dropped, after its services).
    #[cfg(feature = "threshold")]
    pub mpc_nodes: Vec<crate::mpc::network::process::NodeProcess>,
}

/// Progress lines while starting (to stderr in the CLI).
pub type Progress<'a> = &'a (dyn Fn(&str) + Sync);

impl Devnet {
    /// Starts both chains, deploys and configures ZrSign (EVM wallet type, both chains allowed, root key,
    /// fees; admin = source account 0, MPC = account 1), and starts the responder and the relayer.
    pub async fn start(
        toolchain: &Toolchain,
        artifacts: &Artifacts,
        options: &DevnetOptions,
        progress: Progress<'_>,
    ) -> Result<Self, DevnetError> {
        let args: Vec<&str> = options.anvil_args.iter().map(String::as_str).collect();
        progress("starting anvil eip155:31337 (source) and eip155:31338 (destination)");
        let (source_node, destination_node) = tokio::try_join!(
            AnvilChain::spawn_with(toolchain, SOURCE_CHAIN_ID, &args),
            AnvilChain::spawn_with(toolchain, DESTINATION_CHAIN_ID, &args),
        )?;
        let source = Arc::new(source_node.rpc.clone());
        let destination = Arc::new(destination_node.rpc.clone());
        let chains = [Caip2::eip155(SOURCE_CHAIN_ID), Caip2::eip155(DESTINATION_CHAIN_ID)];

        progress("deploying ZrSign behind its proxy and configuring it");
        let [admin, mpc] = crate::chain::ChainSubmit::first_accounts(source.as_ref())?;
        let roles = Roles { admin, mpc, fee: admin, pauser: admin };
        let root = RootSecret::from_seed(&options.root_seed)?;
        #[cfg(feature = "threshold")]
        let root_public = match &options.threshold {
            Some(network) => network.root()?,
            None => root.public(),
        };
        #[cfg(not(feature = "threshold"))]
        let root_public = root.public();
        // The one deployment plan (`zrsign deploy`'s and the script's), with the devnet's root key, fee and chains.
        let plan = DeployPlan {
            mpc: Some(mpc),
            root_public_key: Some(root_public.xy()),
            chains: chains.to_vec(),
            wallet_types: vec![WalletTypePlan { wallet_type: WalletType::EVM, mpc_fee: options.mpc_fee }],
            ..DeployPlan::default()
        };
        let deployed = deploy::execute(source.as_ref(), artifacts, admin, &plan).await?;
        let deployment = Deployment {
            proxy: deployed.proxy,
            implementation: deployed.implementation,
            deploy_gas: deployed.deploy_gas,
        };
        let wallet_type = WalletType::EVM.id();
        let start_block = deployed.start_block;

        let store = match &options.store_path {
            Some(path) => {
                fresh_store_file(path)?;
                Store::open(path).await?
            }
            None => Store::in_memory().await?,
        };
        progress("starting the MPC responder and the relayer");
        // The recorder goes in before the services, so nothing they emit is lost.
        let metrics = options.http.map(|_| crate::api::metrics::handle()).transpose()?;
        let health = Health::default();
        let shutdown = CancellationToken::new();
        let mut services = Vec::new();
        let responder_config = ResponderConfig::default();
        let (interval, stop) = (options.poll_interval, shutdown.clone());
        #[cfg(feature = "threshold")]
        let mut mpc_nodes = Vec::new();
        #[cfg(feature = "threshold")]
        if let Some(network) = &options.threshold {
            let started = network.start(&source_node.endpoint(), deployment.proxy).await?;
            mpc_nodes = started.nodes;
            // The pool is topped up ahead of requests, so answering one costs a single round.
            let (pool, pool_stop) = (started.signer.clone(), shutdown.clone());
            services
                .push(tokio::spawn(async move { pool.keep_pool_filled(threshold::POOL, interval, pool_stop).await }));
            let mut responder = Responder::new(
                source.clone(),
                started.signer,
                store.clone(),
                deployment.proxy,
                mpc,
                start_block,
                responder_config.clone(),
            )
            .await?
            .with_health(health.register("responder"));
            let stop = stop.clone();
            services.push(tokio::spawn(async move { responder.run(interval, stop.cancelled_owned()).await }));
        }
        #[cfg(feature = "threshold")]
        let mock = options.threshold.is_none();
        #[cfg(not(feature = "threshold"))]
        let mock = true;
        if mock {
            let signer = Arc::new(MockSigner::single(root.clone()));
            let mut responder = Responder::new(
                source.clone(),
                signer,
                store.clone(),
                deployment.proxy,
                mpc,
                start_block,
                responder_config,
            )
            .await?
            .with_health(health.register("responder"));
            let stop = stop.clone();
            services.push(tokio::spawn(async move { responder.run(interval, stop.cancelled_owned()).await }));
        }

        let destinations = [(&chains[0], &source_node), (&chains[1], &destination_node)];
        let mut relayer =
            relayer(source.clone(), &destinations, store.clone(), deployment.proxy, start_block, options.poll_interval)
                .await?
                .with_health(&health);
        let stop = shutdown.clone();
        services.push(tokio::spawn(async move { relayer.run(stop).await }));

        let http = match (options.http, metrics) {
            (Some(addr), Some(metrics)) => {
                let state = ApiState {
                    store: store.clone(),
                    evm_chain_id: SOURCE_CHAIN_ID,
                    proxy: deployment.proxy,
                    health: health.clone(),
                    metrics,
                    explorer: true,
                };
                Some(crate::api::serve(addr, state, shutdown.clone()).await?)
            }
            _ => None,
        };

        Ok(Self {
            source_node,
            destination_node,
            source,
            destination,
            deployment,
            roles,
            wallet_type,
            root,
            root_public,
            chains,
            store,
            start_block,
            http,
            health,
            shutdown,
            services,
            #[cfg(feature = "threshold")]
            mpc_nodes,
        })
    }

    /// What `devnet.json` holds.
    pub fn info(&self) -> DevnetInfo {
        let key = |s: &PrivateKeySigner| s.to_bytes();
        let keys = self.source_node.keys();
        let roles = ["admin (default admin, fees, pauser)", "mpc responder", "user", "user", "user"];
        let accounts = keys
            .iter()
            .zip(roles)
            .map(|(signer, role)| AccountInfo {
                role: role.into(),
                address: signer.address(),
                private_key: key(signer),
            })
            .collect();
        let chain = |role: &str, caip2: &Caip2, node: &AnvilChain| ChainInfo {
            role: role.into(),
            caip2: caip2.clone(),
            evm_chain_id: caip2.evm_chain_id().unwrap_or_default(),
            rpc_url: node.endpoint(),
        };
        DevnetInfo {
            chains: vec![
                chain("source", &self.chains[0], &self.source_node),
                chain("destination", &self.chains[1], &self.destination_node),
            ],
            proxy: self.deployment.proxy,
            implementation: self.deployment.implementation,
            wallet_type: self.wallet_type,
            root_key_address: self.root_public.address(),
            start_block: self.start_block,
            accounts,
            store: self.store.path(),
            http: self.http.map(|a| format!("http://{a}/")),
        }
    }

    /// Stops the services, letting in-flight work finish (or stay resumable in the store), then the chains.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        for task in self.services.drain(..) {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a devnet service ended abnormally");
            }
        }
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        self.shutdown.cancel();
        for task in &self.services {
            task.abort();
        }
    }
}

/// The devnet's relayer: following `source` from `start_block` for the deployment at `proxy`, broadcasting to
/// each of `destinations` (its CAIP-2 id and node, one confirmation enough), polling every `poll_interval`,
/// recording into `store`. Not started: the caller runs it.
pub async fn relayer(
    source: Arc<RpcChain>,
    destinations: &[(&Caip2, &AnvilChain)],
    store: Store,
    proxy: Address,
    start_block: u64,
    poll_interval: Duration,
) -> Result<Relayer<RpcChain>, DevnetError> {
    let mut connected = Vec::with_capacity(destinations.len());
    for (chain, node) in destinations {
        let destination = Destination { chain: (*chain).clone(), rpc_url: node.endpoint(), confirmations: 1 };
        connected.push((destination, Arc::new(RpcChain::connect(&node.endpoint(), Vec::new()).await?)));
    }
    let config = RelayerConfig { poll_interval, ..Default::default() };
    Ok(Relayer::new(source, connected, store, proxy, start_block, config).await?)
}

/// Removes a previous devnet's store (and its WAL files): its positions belong to chains that are gone.
fn fresh_store_file(path: &std::path::Path) -> Result<(), DevnetError> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(DevnetError::Io { context: format!("remove {}", file.display()), source }),
        }
    }
    Ok(())
}
