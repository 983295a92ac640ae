//! `zrsign responder run`: the MPC responder as a long-running service (the mock network: it holds the root
//! secret), following the deployment from its store's cursor and answering until SIGINT / SIGTERM.

use super::services::{self, ServiceOpts};
use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, WalletOpts},
};
use std::{num::NonZeroUsize, path::PathBuf, sync::Arc};
use zrsign::{
    bindings::{IZrSign, ZrSignAdmin},
    chain::ChainRead,
    mpc::keys::RootSecret,
    output::ServiceOutput,
    protocol::Caip2,
    responder::{Responder, ResponderConfig},
    signer::{MockSigner, Signer},
};

/// `zrsign responder …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run the responder until SIGINT / SIGTERM. The wallet is its account (it must hold MPC_ROLE).
    Run(Args),
}

impl Command {
    /// Runs it.
    pub async fn run(self, config: &ConfigOpts) -> Outcome<()> {
        match self {
            Command::Run(args) => args.run(config).await,
        }
    }
}

/// Which MPC network signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mpc {
    /// The mock: this process holds the root secret.
    Mock,
    /// A threshold network of `zrsign mpc-node` processes.
    Threshold,
}

/// Parses `INDEX=HOST:PORT`.
fn parse_node(text: &str) -> Result<(u16, String), String> {
    let (index, addr) = text.split_once('=').ok_or_else(|| format!("{text:?} is not INDEX=HOST:PORT"))?;
    let index = index.trim().parse().map_err(|_| format!("{index:?} is not a node index"))?;
    Ok((index, addr.trim().to_owned()))
}

/// Arguments of `zrsign responder run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    wallet: WalletOpts,
    #[command(flatten)]
    deployment: DeploymentOpts,
    #[command(flatten)]
    service: ServiceOpts,
    /// The MPC network that signs: `mock` (this process holds the root secret, `--root-key-file`) or
    /// `threshold` (it coordinates `zrsign mpc-node` processes: `--mpc-network`, `--mpc-node`; needs a build with
    /// `--features threshold`).
    #[arg(long, value_enum, default_value_t = Mpc::Mock)]
    mpc: Mpc,
    /// The threshold network's directory (`zrsign mpc keygen --out`: root.json, the CA and the coordinator's
    /// certificate and key; the coordinator needs no share file).
    #[arg(long, value_name = "DIR")]
    #[cfg_attr(not(feature = "threshold"), allow(dead_code))]
    mpc_network: Option<PathBuf>,
    /// One node of the threshold network, `INDEX=HOST:PORT` (repeat for every node).
    #[arg(long = "mpc-node", value_name = "INDEX=HOST:PORT", value_parser = parse_node)]
    #[cfg_attr(not(feature = "threshold"), allow(dead_code))]
    mpc_nodes: Vec<(u16, String)>,
    /// The mock MPC network's root secret, a file holding it as hex [config: responder.root_key_file].
    #[arg(long, env = "ZRSIGN_ROOT_KEY_FILE", value_name = "PATH")]
    root_key_file: Option<PathBuf>,
    /// Most answers per batch transaction [config: responder.batch_size; default 20].
    #[arg(long, value_name = "N")]
    batch_size: Option<NonZeroUsize>,
    #[command(flatten)]
    output: OutputOpts,
}

impl Args {
    /// Runs the responder.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let config = opts.load()?;
        // The mock's root secret is read first: a missing or bad file is named before any chain is reached.
        let mock_root = match self.mpc {
            Mpc::Mock => {
                let root_file =
                    self.root_key_file.clone().or_else(|| config.responder.root_key_file.clone()).ok_or_else(|| {
                        Failure::usage(
                            "no root key",
                            "pass --root-key-file PATH (the mock network's root secret as hex) or set responder.root_key_file",
                        )
                    })?;
                let root = RootSecret::from_key_file(&root_file).map_err(|e| {
                    Failure::usage(format!("{e}"), "the file must hold a secp256k1 secret as 64 hex digits")
                })?;
                Some((root_file, root))
            }
            Mpc::Threshold => None,
        };
        let signer = self.wallet.signer(&config)?;
        let account = signer.address();
        let chain = Arc::new(self.rpc.connect(&config, vec![signer]).await?);
        let proxy = self.deployment.checked(&config, &chain).await?;

        let mpc_role = chain
            .view(proxy, ZrSignAdmin::MPC_ROLECall {})
            .await
            .map_err(|e| Failure::from_chain("read MPC_ROLE", &e))?;
        let has_role = chain
            .view(proxy, ZrSignAdmin::hasRoleCall { role: mpc_role, account })
            .await
            .map_err(|e| Failure::from_chain("read roles", &e))?;
        if !has_role {
            return Err(Failure::protocol(
                format!("the wallet {account} does not hold MPC_ROLE on {proxy}"),
                "run the responder with the MPC account's key (deploy --mpc ADDRESS grants it)",
            ));
        }
        let version = chain
            .view(proxy, IZrSign::currentKeyVersionCall {})
            .await
            .map_err(|e| Failure::from_chain("read the key version", &e))?;
        let on_chain = chain
            .view(proxy, IZrSign::rootKeyCall { keyVersion: version })
            .await
            .map_err(|e| Failure::from_chain("read the root key", &e))?;
        let shutdown = services::shutdown_on_signals("responder")?;
        let is_root = |ours: [u8; 64]| version != 0 && on_chain.x.0[..] == ours[..32] && on_chain.y.0[..] == ours[32..];
        match mock_root {
            Some((root_file, root)) => {
                if !is_root(root.public().xy()) {
                    return Err(Failure::protocol(
                        format!(
                            "the root key in {} is not the deployment's root key (version {version})",
                            root_file.display()
                        ),
                        "use the root secret whose public key was set at deploy (--root-public-key / --root-key-file)",
                    ));
                }
                let mock = Arc::new(MockSigner::new([(version, root)].into()));
                self.serve(&config, chain, proxy, account, mock, shutdown).await
            }
            #[cfg(feature = "threshold")]
            None => {
                let (signer, root, parties) = threshold_signer(self.mpc_network.as_ref(), &self.mpc_nodes, version)?;
                if !is_root(root.xy()) {
                    return Err(Failure::protocol(
                        format!("the threshold network's root key is not the deployment's (version {version})"),
                        "pass the --mpc-network whose root.json was set at deploy (--root-public-key)",
                    ));
                }
                tracing::info!(parties, "coordinating the threshold MPC network");
                let pool =
                    tokio::spawn(signer.clone().keep_pool_filled(PRESIGNATURE_POOL, POOL_CHECK, shutdown.clone()));
                let served = self.serve(&config, chain, proxy, account, signer, shutdown).await;
                // The pool stops on the same token.
                let _ = pool.await;
                served
            }
            #[cfg(not(feature = "threshold"))]
            None => Err(Failure::usage(
                "this zrsign was built without the threshold network",
                "build it with `cargo build --release --features threshold` (needs m4 for GMP: tools/install-gmp-build)",
            )),
        }
    }

    /// Serves the responder with `mpc` until `shutdown` (SIGINT / SIGTERM).
    async fn serve<S: Signer + 'static>(
        self,
        config: &zrsign::config::Config,
        chain: Arc<zrsign::chain::RpcChain>,
        proxy: alloy::primitives::Address,
        account: alloy::primitives::Address,
        mpc: Arc<S>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Outcome<()> {
        let section = &config.responder;
        let store = self.service.store(section).await?;
        let start_block = match self.service.start_block.or(config.deployment.start_block) {
            Some(block) => block,
            None => chain.block_number().await.map_err(|e| Failure::from_chain("read the latest block", &e))?,
        };
        let mut responder_config = ResponderConfig::default();
        if let Some(n) = self.batch_size.or(section.batch_size.and_then(NonZeroUsize::new)) {
            responder_config.batch_size = n;
        }
        let api = services::Api::prepare(self.service.http(section))?;
        let mut responder =
            Responder::new(chain.clone(), mpc, store.clone(), proxy, account, start_block, responder_config)
                .await
                .map_err(|e| Failure::internal(format!("starting the responder: {e}")))?
                .with_health(api.health.register("responder"));

        let http = api.serve(&store, chain.evm_chain_id(), proxy, &shutdown).await?;
        let up = ServiceOutput {
            service: "responder".into(),
            chain: Caip2::eip155(chain.evm_chain_id()),
            proxy,
            store: store.path(),
            next_block: responder.next_block(),
            account: Some(account),
            destinations: Vec::new(),
            http: http.map(|a| a.to_string()),
        };
        self.output.print(&up, || {
            format!(
                "responder for {} on {} as {account}: store {}, from block {}",
                up.proxy,
                up.chain,
                up.store.display(),
                up.next_block
            )
        })?;
        let interval = self.service.poll(section);
        responder.run(interval, shutdown.cancelled_owned()).await;
        tracing::info!("responder stopped");
        Ok(())
    }
}

/// Presignatures the coordinator keeps ready per signing set.
#[cfg(feature = "threshold")]
const PRESIGNATURE_POOL: usize = 32;
/// How often the pool is topped up.
#[cfg(feature = "threshold")]
const POOL_CHECK: std::time::Duration = std::time::Duration::from_millis(500);

/// The coordinator of the threshold network in `network` with `nodes`, holding root `version`; its root public
/// key and the number of parties.
#[cfg(feature = "threshold")]
fn threshold_signer(
    network: Option<&PathBuf>,
    nodes: &[(u16, String)],
    version: u32,
) -> Outcome<(
    Arc<zrsign::signer::threshold::ThresholdSigner<zrsign::mpc::network::remote::RemoteNode>>,
    zrsign::protocol::PublicKey,
    u16,
)> {
    use zrsign::mpc::network::{https::Tls, layout, pki::Identity, remote::RemoteNode};
    let dir = network.ok_or_else(|| {
        Failure::usage("no threshold network", "pass --mpc-network DIR (the directory `zrsign mpc keygen --out` wrote)")
    })?;
    let record =
        layout::read_root(dir).map_err(|e| Failure::usage(e.to_string(), "pass `mpc keygen --out`'s directory"))?;
    let root = record.public_key().map_err(|e| Failure::usage(e.to_string(), "root.json is damaged"))?;
    let mut indexes: Vec<u16> = nodes.iter().map(|(i, _)| *i).collect();
    indexes.sort_unstable();
    indexes.dedup();
    if indexes != (0..record.parties).collect::<Vec<_>>() || nodes.len() != usize::from(record.parties) {
        return Err(Failure::usage(
            format!("--mpc-node names nodes {indexes:?}; the network has nodes 0..{}", record.parties),
            "pass --mpc-node INDEX=HOST:PORT once for every node",
        ));
    }
    let tls = Tls::load(dir, Identity::Coordinator, record.parties).map_err(|e| {
        Failure::usage(e.to_string(), "the directory needs ca.crt, coordinator.crt and coordinator.key")
    })?;
    let links = RemoteNode::network(&tls, nodes.to_vec());
    let signer = zrsign::signer::threshold::ThresholdSigner::new(version, root, record.threshold, links);
    Ok((Arc::new(signer), root, record.parties))
}
