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
    signer::MockSigner,
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
        let section = &config.responder;
        let root_file = self.root_key_file.clone().or_else(|| section.root_key_file.clone()).ok_or_else(|| {
            Failure::usage(
                "no root key",
                "pass --root-key-file PATH (the mock network's root secret as hex) or set responder.root_key_file",
            )
        })?;
        let root = RootSecret::from_key_file(&root_file)
            .map_err(|e| Failure::usage(format!("{e}"), "the file must hold a secp256k1 secret as 64 hex digits"))?;
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
        let ours = root.public().xy();
        if version == 0 || on_chain.x.0[..] != ours[..32] || on_chain.y.0[..] != ours[32..] {
            return Err(Failure::protocol(
                format!("the root key in {} is not the deployment's root key (version {version})", root_file.display()),
                "use the root secret whose public key was set at deploy (--root-public-key / --root-key-file)",
            ));
        }

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
        let mock = Arc::new(MockSigner::new([(version, root)].into()));
        let mut responder =
            Responder::new(chain.clone(), mock, store.clone(), proxy, account, start_block, responder_config)
                .await
                .map_err(|e| Failure::internal(format!("starting the responder: {e}")))?
                .with_health(api.health.register("responder"));

        let shutdown = services::shutdown_on_signals("responder")?;
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
