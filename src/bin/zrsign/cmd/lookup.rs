//! Reading one request's lifecycle: its event (found by its indexed id, in bounded block ranges from the
//! deployment's start block), its settlement events, and the services' store records.

use crate::{
    exit::{Failure, Outcome},
    opts::Session,
};
use alloy::primitives::{B256, U256};
use std::path::PathBuf;
use zrsign::{
    bindings::IZrSign::{self, RequestKind, RequestStatus},
    chain::{ChainRead, LogFilter},
    output::{AnswerOutput, RelayOutput, RequestOutput, ResponderRecord},
    protocol::{
        RejectReason,
        events::{self, RequestEvent, ZrEvent, request_id_topic},
    },
    store::Store,
};

/// Blocks per `eth_getLogs` query (the follower's default range).
const RANGE: u64 = 2_000;

/// A request event and where it is.
pub struct Found {
    /// The event.
    pub event: RequestEvent,
    /// Its block.
    pub block: u64,
    /// Its transaction.
    pub tx_hash: B256,
}

/// The name of a kind.
pub fn kind_name(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Key => "key",
        RequestKind::Hash => "hash",
        RequestKind::Data => "data",
        RequestKind::Tx => "tx",
        RequestKind::__Invalid => "invalid",
    }
}

/// The name of a status.
pub fn status_name(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::None => "none",
        RequestStatus::Open => "open",
        RequestStatus::Answered => "answered",
        RequestStatus::Rejected => "rejected",
        RequestStatus::Reclaimed => "reclaimed",
        RequestStatus::__Invalid => "invalid",
    }
}

/// The on-chain status; a request the deployment never issued is a protocol failure naming it.
pub async fn status(session: &Session, id: u64) -> Outcome<RequestStatus> {
    let status = session.view(IZrSign::requestStatusCall { requestId: U256::from(id) }).await?;
    if status == RequestStatus::None {
        let next = session.view(IZrSign::nextRequestIdCall {}).await?;
        return Err(Failure::protocol(
            format!(
                "request {id} not found on {} (the last request is {})",
                session.proxy,
                next.saturating_sub(U256::from(1))
            ),
            "check the id and --proxy / --rpc-url",
        ));
    }
    Ok(status)
}

/// Logs with topic 1 = `id` among `topics`, from `from` to the latest block, in bounded ranges; stops at the first
/// range that has any.
async fn logs_of(session: &Session, id: u64, topics: Vec<B256>, from: u64) -> Outcome<Vec<zrsign::chain::ChainLog>> {
    let latest = session.chain.block_number().await.map_err(|e| Failure::from_chain("read the latest block", &e))?;
    let mut start = from;
    let mut found = Vec::new();
    while start <= latest {
        let end = latest.min(start.saturating_add(RANGE - 1));
        let filter =
            LogFilter::new(session.proxy, start, end).events(topics.clone()).topic1([request_id_topic(U256::from(id))]);
        let logs =
            session.chain.logs(&filter).await.map_err(|e| Failure::from_chain("read the request's events", &e))?;
        found.extend(logs);
        if !found.is_empty() {
            break;
        }
        start = end + 1;
    }
    Ok(found)
}

/// The first block to search: the deployment's start block from the config, else 0.
pub fn search_from(session: &Session) -> u64 {
    session.config.deployment.start_block.unwrap_or(0)
}

/// The request's event.
pub async fn request_event(session: &Session, id: u64) -> Outcome<Found> {
    status(session, id).await?;
    let logs = logs_of(session, id, events::REQUEST_EVENTS.to_vec(), search_from(session)).await?;
    for log in logs {
        if let Ok(Some(ZrEvent::Requested(event))) = events::decode(&log.log)
            && event.id == U256::from(id)
        {
            return Ok(Found { event, block: log.block_number, tx_hash: log.tx_hash });
        }
    }
    Err(Failure::chain(
        format!("request {id} exists but its event was not found from block {}", search_from(session)),
        "set deployment.start_block in zrsign.toml to the deployment's block (or a block before the request)",
    ))
}

/// How the request was settled, from its events after `from`.
pub async fn settlement(session: &Session, id: u64, from: u64) -> Outcome<Option<AnswerOutput>> {
    let logs = logs_of(session, id, events::LIFECYCLE_EVENTS.to_vec(), from).await?;
    for log in logs {
        let answer = match events::decode(&log.log) {
            Ok(Some(ZrEvent::KeyResponded { evm_address, public_key, .. })) => {
                AnswerOutput::Key { address: evm_address, public_key }
            }
            Ok(Some(ZrEvent::SignResponded { signer, digest, signature, .. })) => {
                AnswerOutput::Signature { signer, digest, signature }
            }
            Ok(Some(ZrEvent::Rejected { reason_code, .. })) => AnswerOutput::Rejected {
                reason_code,
                reason: RejectReason::from_code(reason_code).map(|r| format!("{r:?}")),
            },
            Ok(Some(ZrEvent::Reclaimed { amount, .. })) => AnswerOutput::Reclaimed { amount: amount.to_string() },
            _ => continue,
        };
        return Ok(Some(answer));
    }
    Ok(None)
}

/// The store to read records from: `--store`, else the responder's or the relayer's from the config, if it exists.
pub async fn store(session: &Session, flag: Option<&PathBuf>) -> Outcome<Option<Store>> {
    let path = flag.cloned().or_else(|| {
        [&session.config.responder.store, &session.config.relayer.store]
            .into_iter()
            .flatten()
            .find(|p| p.exists())
            .cloned()
    });
    let Some(path) = path else { return Ok(None) };
    if !path.exists() {
        return Err(Failure::usage(format!("no store at {}", path.display()), "pass --store the services' store file"));
    }
    Store::open(&path)
        .await
        .map(Some)
        .map_err(|e| Failure::usage(format!("cannot open the store: {e}"), "check --store"))
}

/// The whole lifecycle of request `id`.
pub async fn request(session: &Session, id: u64, store: Option<&Store>) -> Outcome<RequestOutput> {
    let status = status(session, id).await?;
    let found = request_event(session, id).await?;
    let r = &found.event.request;
    let answer = if status == RequestStatus::Open { None } else { settlement(session, id, found.block).await? };
    let latest = session.chain.block_number().await.map_err(|e| Failure::from_chain("read the latest block", &e))?;
    let evm_chain_id = session.chain.evm_chain_id();
    let (responder, relay) = match store {
        Some(store) => {
            let record = store
                .request(evm_chain_id, session.proxy, id)
                .await
                .map_err(|e| Failure::internal(format!("read the store: {e}")))?;
            let broadcast = zrsign::relayer::relay_status(store, evm_chain_id, session.proxy, id)
                .await
                .map_err(|e| Failure::internal(format!("read the store: {e}")))?;
            (
                record.map(|r| ResponderRecord {
                    status: r.status.as_str().to_owned(),
                    answer_tx: r.answer_tx,
                    detail: r.detail,
                }),
                broadcast.map(|b| RelayOutput {
                    chain: b.dst_chain.clone(),
                    status: b.status.as_str().to_owned(),
                    tx_hash: b.tx_hash,
                    block: b.mined_block,
                    error: b.last_error.clone(),
                }),
            )
        }
        None => (None, None),
    };
    let relay = match (relay, &answer) {
        (None, Some(AnswerOutput::Signature { signature, .. })) if r.broadcast => {
            destination_relay(session, &found, signature).await?
        }
        (relay, _) => relay,
    };
    let sign = r.kind != RequestKind::Key;
    Ok(RequestOutput {
        request_id: id,
        kind: kind_name(r.kind).to_owned(),
        status: status_name(status).to_owned(),
        expired: status == RequestStatus::Open && latest >= r.deadline,
        requester: r.requester,
        owner: r.owner,
        wallet_type: r.walletTypeId,
        index: r.walletIndex.saturating_to(),
        deadline: r.deadline,
        service_fee: r.serviceFee.to_string(),
        gas_fee: r.gasFee.to_string(),
        dst_chain: sign.then_some(r.dstChainId),
        digest: sign.then_some(r.digest),
        broadcast: r.broadcast,
        request_block: found.block,
        request_tx: found.tx_hash,
        answer,
        responder,
        relay,
    })
}

/// Without the relayer's store: the answered transaction's hash, looked up on the destination chain when its RPC
/// is configured (`[destinations]`, or the source chain's own).
async fn destination_relay(session: &Session, found: &Found, signature: &[u8]) -> Outcome<Option<RelayOutput>> {
    let r = &found.event.request;
    let info = session.view(IZrSign::chainCall { chainId: r.dstChainId }).await?;
    let Ok(chain) = info.caip2.parse::<zrsign::protocol::Caip2>() else { return Ok(None) };
    let Ok(signed) = zrsign::protocol::signed_tx::assemble(&found.event.payload, signature, r.signer, info.evmChainId)
    else {
        return Ok(None);
    };
    let url = session
        .config
        .destinations
        .get(&chain)
        .cloned()
        .or_else(|| (chain == session.caip2()).then(|| session.config.chain.rpc_url.clone()).flatten());
    let receipt = match url {
        Some(url) => {
            let destination =
                crate::opts::connect(&url, Vec::new()).await.map_err(|f| f.context(format!("destination {chain}")))?;
            destination
                .receipt(signed.tx_hash)
                .await
                .map_err(|e| Failure::from_chain("read the destination receipt", &e))?
        }
        None => None,
    };
    Ok(Some(RelayOutput {
        chain: chain.to_string(),
        status: match &receipt {
            Some(r) if r.success => "mined",
            Some(_) => "failed",
            None => "unknown",
        }
        .to_owned(),
        tx_hash: signed.tx_hash,
        block: receipt.as_ref().map(|r| r.block_number),
        error: None,
    }))
}
