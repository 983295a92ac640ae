//! `zrsign mpc-node run`: one node of the threshold network as a service — its encrypted key share, its own
//! connection to the source chain (it checks every request itself), HTTP over mutual TLS with the network's
//! certificates — until SIGINT / SIGTERM. Its first stdout line says where it listens.

use super::{mpc::share_password, services};
use crate::{
    exit::{Failure, Outcome},
    opts,
};
use clap::{Args as ClapArgs, Subcommand};
use std::path::PathBuf;
use zrsign::mpc::{
    network::{https::Tls, layout, node::Node, pki::Identity, process::Listening},
    threshold::{check::RequestCheck, share},
};

/// `zrsign mpc-node …`.
#[derive(Subcommand)]
pub enum Command {
    /// Run node `--index` of the network in `--network` until SIGINT / SIGTERM.
    Run(RunArgs),
}

/// `mpc-node run`.
#[derive(ClapArgs)]
pub struct RunArgs {
    /// The network directory (`zrsign mpc keygen --out`): this node's share file, certificates, root.json.
    #[arg(long, value_name = "DIR")]
    network: PathBuf,
    /// This node's keygen index (its share is `share-<index>.json`).
    #[arg(long)]
    index: u16,
    /// Where to listen (port 0: any free port; the first stdout line names it).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
    /// The source chain's JSON-RPC endpoint, which the node reads to check every request itself.
    #[arg(long, env = "ZRSIGN_RPC_URL", value_name = "URL")]
    rpc_url: String,
    /// The ZrSign proxy whose requests the node serves.
    #[arg(long, value_name = "ADDRESS")]
    proxy: alloy::primitives::Address,
    /// How many blocks back a request may be (at least the contract's request lifetime).
    #[arg(long, default_value_t = 100_000)]
    lookback: u64,
    /// The share file's password, from this file (else ZRSIGN_SHARE_PASSWORD).
    #[arg(long)]
    password_file: Option<PathBuf>,
}

impl Command {
    /// Runs the subcommand.
    pub async fn run(self) -> Outcome<()> {
        match self {
            Command::Run(args) => args.run().await,
        }
    }
}

impl RunArgs {
    async fn run(self) -> Outcome<()> {
        let password = share_password(self.password_file.as_ref())?;
        let root = layout::read_root(&self.network)
            .map_err(|e| Failure::usage(e.to_string(), "pass the directory `zrsign mpc keygen --out` wrote"))?;
        let path = layout::share_path(&self.network, self.index);
        // Share files are read with blocking I/O and a deliberately slow KDF: off the async workers.
        let (header, key_share) = tokio::task::spawn_blocking(move || share::read(&path, &password))
            .await
            .map_err(|e| Failure::internal(e.to_string()))?
            .map_err(|e| Failure::usage(e.to_string(), "check the password and the share file"))?;
        if header.party != self.index || format!("0x{}", header.root_public_key) != root.root_public_key {
            return Err(Failure::usage(
                format!("share-{} holds party {} of root 0x{}", self.index, header.party, header.root_public_key),
                "the share file does not belong to this network directory or index",
            ));
        }
        let tls = Tls::load(&self.network, Identity::Node(self.index), root.parties)
            .map_err(|e| Failure::usage(e.to_string(), "the network directory's certificates are missing or bad"))?;
        let chain = std::sync::Arc::new(opts::connect(&self.rpc_url, Vec::new()).await?);
        let node = Node::new(key_share, RequestCheck::new(chain, self.proxy, self.lookback), tls.clone());
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|e| Failure::usage(format!("listen on {}: {e}", self.listen), "pass a free --listen address"))?;
        let addr = listener.local_addr().map_err(|e| Failure::internal(e.to_string()))?;
        let listening = Listening { node: self.index, listening: addr.to_string() };
        println!("{}", serde_json::to_string(&listening).map_err(|e| Failure::internal(e.to_string()))?);
        tracing::info!(node = self.index, %addr, proxy = %self.proxy, "MPC node listening (mutual TLS)");
        let shutdown = services::shutdown_on_signals("mpc-node")?;
        tls.serve(listener, node.router(), shutdown).await.map_err(|e| Failure::internal(e.to_string()))?;
        tracing::info!(node = self.index, "MPC node stopped");
        Ok(())
    }
}
