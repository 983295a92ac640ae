//! The one place the commands build the dapp-facing [`zrsign::client::Client`] (waiting as `--timeout` and
//! `--poll-ms` say, destinations as the config and flags name them) and classify its errors.

use crate::{
    exit::Failure,
    opts::{Session, WaitOpts},
    progress::Spinner,
};
use alloy::primitives::{Address, U256};
use std::{future::Future, sync::Arc};
use zrsign::{
    chain::RpcChain,
    client::{Client, ClientConfig, ClientError},
};

/// The client the commands use: JSON-RPC source and destinations.
pub type CliClient = Client<Arc<RpcChain>>;

/// A client of the session's deployment sending from its wallet (reads only: from the zero address), waiting as
/// `wait` says, with `destinations` for transactions.
pub fn client(session: &Session, wait: Option<&WaitOpts>, destinations: Vec<RpcChain>) -> CliClient {
    let mut config = ClientConfig::default();
    if let Some(wait) = wait {
        config.timeout = wait.timeout();
        config.poll_interval = wait.poll();
    }
    let sender = session.account.unwrap_or(Address::ZERO);
    let mut client = Client::new(Arc::new(session.chain.clone()), session.proxy, sender).with_config(config);
    for destination in destinations {
        client = client.with_destination(Arc::new(destination));
    }
    client
}

/// Runs `op` under a spinner showing `message` (and the elapsed time) on a terminal.
pub async fn with_spinner<T>(message: impl Into<String>, op: impl Future<Output = T>) -> T {
    let _spinner = Spinner::start(message);
    op.await
}

/// A client error while doing `doing`, classified: what failed, and what to do.
pub fn failure(doing: &str, e: ClientError) -> Failure {
    let at = |id: &U256| format!("request {id}");
    match e {
        ClientError::Chain { request, source } => {
            let doing = request.map(|id| format!("{doing} ({})", at(&id))).unwrap_or_else(|| doing.to_owned());
            Failure::from_chain(doing, &source)
        }
        ClientError::Timeout { id, status, waited } => Failure::protocol(
            format!(
                "{doing}: {} still {} after {waited:.0?}",
                at(&id),
                status.map_or("unknown".into(), |s| format!("{s:?}"))
            ),
            format!(
                "is the responder running? follow it with `zrsign request watch {id}`, or reclaim it after its deadline"
            ),
        ),
        ClientError::Expired { id, deadline } => Failure::protocol(
            format!("{doing}: {} expired unanswered at block {deadline}", at(&id)),
            format!("take its escrow back with `zrsign reclaim {id}`"),
        ),
        ClientError::Rejected { id, reason } => Failure::protocol(
            format!(
                "{doing}: {} was rejected by the MPC network (reason {reason}{})",
                at(&id),
                zrsign::protocol::RejectReason::from_code(reason).map(|r| format!(", {r:?}")).unwrap_or_default()
            ),
            "its service fee was credited back (`zrsign withdraw`); see `zrsign request show ID`",
        ),
        ClientError::Reclaimed { id } => {
            Failure::protocol(format!("{doing}: {} was reclaimed", at(&id)), "nothing more will happen to it")
        }
        ClientError::NoKey { wallet_type, index } => Failure::protocol(
            format!("{doing}: the wallet has no answered key {index} of wallet type {wallet_type}"),
            "request one first: `zrsign key request --wait`",
        ),
        ClientError::NotFound { id, from_block, .. } => Failure::protocol(
            format!("{doing}: {} not found from block {from_block}", at(&id)),
            "check the id, and deployment.start_block in zrsign.toml",
        ),
        ClientError::UnknownDestination { chain } => Failure::usage(
            format!("{doing}: no RPC for the destination {chain}"),
            format!("pass --destination-rpc URL or add \"{chain}\" = \"URL\" under [destinations] in zrsign.toml"),
        ),
        ClientError::GasLimitNeeded(why) => {
            Failure::chain(format!("{doing}: the destination cannot estimate gas ({why})"), "pass --gas-limit")
        }
        ClientError::RelayTimeout { tx_hash, waited, .. } => Failure::protocol(
            format!("{doing}: {tx_hash} not mined on the destination after {waited:.0?}"),
            "is the relayer running, and does the key have funds there? `zrsign request show ID` shows the relay",
        ),
        other @ (ClientError::RelayFailed { .. } | ClientError::NonceUsed { .. }) => {
            Failure::chain(format!("{doing}: {other}"), "see `zrsign request show ID`")
        }
        other @ ClientError::Verification { .. } => {
            Failure::protocol(format!("{doing}: {other}"), "report this: the contract should have refused it")
        }
        other => Failure::protocol(format!("{doing}: {other}"), "see `zrsign request show ID`"),
    }
}
