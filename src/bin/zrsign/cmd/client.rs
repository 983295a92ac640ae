//! The one place the commands call the dapp-facing client ([`zrsign::client::Client`]): requests, waiting
//! for answers (with a spinner), and the classification of its errors.

use crate::{
    exit::{Failure, Outcome},
    opts::{Session, WaitOpts},
    progress::Spinner,
};
use alloy::primitives::{Address, B256, U256};
use zrsign::{
    bindings::IZrSign::{RequestKind, ZrSignParams},
    client::{Client, ClientError, Requested, Settlement},
};

/// A client error while doing `doing`, classified.
pub fn failure(doing: &str, e: ClientError) -> Failure {
    match e {
        ClientError::Backend(chain) => Failure::from_chain(doing, &chain),
        ClientError::Timeout { id, status, waited } => Failure::protocol(
            format!("{doing}: request {id} still {status:?} after {waited:.0?}"),
            format!(
                "is the responder running? follow it with `zrsign request watch {id}`, or reclaim after its deadline"
            ),
        ),
        other => Failure::chain(format!("{doing}: {other}"), "check the RPC endpoint and the proxy"),
    }
}

/// Requests a key for `owner` from the wallet, paying `fee` (default: the quote with headroom).
pub async fn request_key(
    session: &Session,
    owner: Address,
    wallet_type: B256,
    options: u8,
    fee: Option<U256>,
) -> Outcome<Requested> {
    let client = Client::new(&session.chain, session.proxy);
    let spinner = Spinner::start("sending the key request");
    let requested = client.request_key(session.account()?, owner, wallet_type, options, fee).await;
    drop(spinner);
    requested.map_err(|e| failure("key request", e))
}

/// Requests a signature of `kind` from the wallet.
pub async fn request_signature(
    session: &Session,
    kind: RequestKind,
    params: ZrSignParams,
    fee: Option<U256>,
) -> Outcome<Requested> {
    let client = Client::new(&session.chain, session.proxy);
    let spinner = Spinner::start("sending the sign request");
    let requested = client.request_signature(session.account()?, kind, params, fee).await;
    drop(spinner);
    requested.map_err(|e| failure("sign request", e))
}

/// Waits until the request is settled (spinner with its id and the elapsed time).
pub async fn wait_settled(session: &Session, requested: &Requested, wait: &WaitOpts) -> Outcome<Settlement> {
    let client = Client::new(&session.chain, session.proxy);
    let _spinner = Spinner::start(format!("request {}: waiting for the MPC network", requested.id));
    client
        .wait_settled(requested, wait.poll(), wait.timeout())
        .await
        .map_err(|e| failure(&format!("waiting for request {}", requested.id), e))
}

/// The fee paid by a request.
pub fn fee(requested: &Requested) -> U256 {
    U256::from(requested.request.serviceFee) + U256::from(requested.request.gasFee)
}
