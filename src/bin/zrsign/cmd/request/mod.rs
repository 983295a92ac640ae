//! `zrsign request show|watch ID`: one request's whole lifecycle — on-chain status and answer, the responder's
//! record and the relay (from the services' store).

mod show;
mod watch;

use crate::{
    exit::Outcome,
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts},
};
use std::path::PathBuf;

/// `zrsign request …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the request's lifecycle now.
    Show(show::Args),
    /// Follow the request until it is settled (and relayed, if it asked for broadcast), then print it.
    Watch(watch::Args),
}

impl Command {
    /// Runs it.
    pub async fn run(self, config: &ConfigOpts) -> Outcome<()> {
        match self {
            Command::Show(args) => args.run(config).await,
            Command::Watch(args) => args.run(config).await,
        }
    }
}

/// What both take.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The request id.
    pub id: u64,
    #[command(flatten)]
    pub rpc: RpcOpts,
    #[command(flatten)]
    pub deployment: DeploymentOpts,
    /// The services' store, for the responder's record and the relay [default: responder.store or
    /// relayer.store from the config, if it exists].
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputOpts,
}

/// The text form of a lifecycle.
pub fn text(r: &zrsign::output::RequestOutput) -> String {
    use zrsign::output::AnswerOutput;
    let mut lines = vec![
        format!(
            "request   {} ({}) {}{}",
            r.request_id,
            r.kind,
            r.status,
            if r.expired { " (expired: reclaimable)" } else { "" }
        ),
        format!("requested block {} tx {} by {}", r.request_block, r.request_tx, r.requester),
        format!("key       owner {} index {} wallet type {}", r.owner, r.index, r.wallet_type),
        format!("escrow    service {} wei + gas {} wei, deadline block {}", r.service_fee, r.gas_fee, r.deadline),
    ];
    if let Some(digest) = r.digest {
        lines.push(format!("digest    {digest}"));
    }
    match &r.answer {
        Some(AnswerOutput::Key { address, public_key }) => {
            lines.push(format!("answer    key {address} ({public_key})"))
        }
        Some(AnswerOutput::Signature { signer, signature, .. }) => {
            lines.push(format!("answer    signature {signature} by {signer}"))
        }
        Some(AnswerOutput::Rejected { reason_code, reason }) => {
            lines.push(format!("answer    rejected, code {reason_code} {}", reason.as_deref().unwrap_or("")))
        }
        Some(AnswerOutput::Reclaimed { amount }) => lines.push(format!("answer    reclaimed, {amount} wei credited")),
        None => {}
    }
    if let Some(rec) = &r.responder {
        let tx = rec.answer_tx.map(|h| h.to_string()).unwrap_or_default();
        lines.push(
            format!("responder {} {tx} {}", rec.status, rec.detail.as_deref().unwrap_or("")).trim_end().to_owned(),
        );
    }
    if let Some(relay) = &r.relay {
        let block = relay.block.map(|b| format!(" block {b}")).unwrap_or_default();
        lines.push(format!("relay     {} on {}: {}{block}", relay.status, relay.chain, relay.tx_hash));
    } else if r.broadcast {
        lines.push("relay     (no record: pass --store the relayer's store)".into());
    }
    lines.join("\n")
}
