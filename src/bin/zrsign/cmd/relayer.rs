//! `zrsign relayer run`: the relayer as a long-running service, broadcasting answered `zrSignTx` requests with
//! `broadcast` to their destination chains until SIGINT / SIGTERM.

use super::services::{self, ServiceOpts, parse_destination};
use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, connect},
};
use std::{collections::BTreeMap, sync::Arc};
use zrsign::{
    chain::{ChainRead, RpcChain},
    output::ServiceOutput,
    protocol::Caip2,
    relayer::{Destination, Relayer, RelayerConfig},
};

/// `zrsign relayer …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run the relayer until SIGINT / SIGTERM. It holds no key: it sends what the MPC network signed.
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

/// Arguments of `zrsign relayer run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    deployment: DeploymentOpts,
    #[command(flatten)]
    service: ServiceOpts,
    /// A destination chain's RPC, `CAIP2=URL` (repeatable) [config: [destinations]]; the source chain is always one.
    #[arg(long = "destination", value_name = "CAIP2=URL", value_parser = parse_destination)]
    destinations: Vec<(Caip2, String)>,
    /// Blocks on top of a broadcast's before it counts as confirmed [config: relayer.confirmations; default 1].
    #[arg(long, value_name = "N")]
    confirmations: Option<u64>,
    #[command(flatten)]
    output: OutputOpts,
}

impl Args {
    /// Runs the relayer.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let config = opts.load()?;
        let section = &config.relayer;
        let source_url = self.rpc.url(&config)?;
        let source = Arc::new(connect(&source_url, Vec::new()).await?);
        let proxy = self.deployment.checked(&config, &source).await?;
        let confirmations = self.confirmations.or(section.confirmations).unwrap_or(1);

        let source_chain = Caip2::eip155(source.evm_chain_id());
        let mut urls: BTreeMap<Caip2, String> = config.destinations.clone();
        urls.extend(self.destinations.iter().cloned());
        urls.entry(source_chain.clone()).or_insert_with(|| source_url.clone());
        let mut destinations = Vec::new();
        for (chain, url) in &urls {
            let Some(expected) = chain.evm_chain_id() else {
                return Err(Failure::usage(
                    format!("unknown chain {chain}: the relayer broadcasts to eip155 chains only"),
                    "remove it from --destination / [destinations]",
                ));
            };
            let connected: RpcChain =
                connect(url, Vec::new()).await.map_err(|f| f.context(format!("destination {chain}")))?;
            if connected.evm_chain_id() != expected {
                return Err(Failure::usage(
                    format!("destination {chain}: its RPC {url} serves eip155:{}", connected.evm_chain_id()),
                    "give each destination the RPC of its own chain",
                ));
            }
            destinations
                .push((Destination { chain: chain.clone(), rpc_url: url.clone(), confirmations }, Arc::new(connected)));
        }
        let store = self.service.store(section).await?;
        let start_block = match self.service.start_block.or(config.deployment.start_block) {
            Some(block) => block,
            None => source.block_number().await.map_err(|e| Failure::from_chain("read the latest block", &e))?,
        };
        let api = services::Api::prepare(self.service.http(section))?;
        let relayer_config = RelayerConfig { poll_interval: self.service.poll(section), ..Default::default() };
        let mut relayer = Relayer::new(source.clone(), destinations, store.clone(), proxy, start_block, relayer_config)
            .await
            .map_err(|e| Failure::internal(format!("starting the relayer: {e}")))?
            .with_health(&api.health);

        let shutdown = services::shutdown_on_signals("relayer")?;
        let http = api.serve(&store, source.evm_chain_id(), proxy, &shutdown).await?;
        let up = ServiceOutput {
            service: "relayer".into(),
            chain: source_chain,
            proxy,
            store: store.path(),
            next_block: relayer.next_block(),
            account: None,
            destinations: urls.keys().cloned().collect(),
            http: http.map(|a| a.to_string()),
        };
        self.output.print(&up, || {
            let chains: Vec<String> = up.destinations.iter().map(ToString::to_string).collect();
            format!(
                "relayer for {} on {}: store {}, from block {}, broadcasting to {}",
                up.proxy,
                up.chain,
                up.store.display(),
                up.next_block,
                chains.join(", ")
            )
        })?;
        relayer.run(shutdown).await;
        tracing::info!("relayer stopped");
        Ok(())
    }
}
