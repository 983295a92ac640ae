//! Reading one request's lifecycle: its event and its settlement (through the client: found by the indexed id,
//! in bounded block ranges from the deployment's start block), and the services' store records.

use super::client::{CliClient, failure};
use crate::{
    exit::{Failure, Outcome},
    opts::Session,
};
use alloy::primitives::U256;
use std::path::PathBuf;
use zrsign::{
    bindings::IZrSign::{self, RequestKind, RequestStatus},
    chain::ChainRead,
    client::{Requested, Settlement},
    output::{AnswerOutput, RelayOutput, RequestOutput, ResponderRecord},
    protocol::RejectReason,
    store::Store,
};

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

/// The first block to search: the deployment's start block from the config, else 0.
pub fn search_from(session: &Session) -> u64 {
    session.config.deployment.start_block.unwrap_or(0)
}

/// Request `id` as its event recorded it (a protocol failure if the deployment never issued it).
pub async fn requested(session: &Session, client: &CliClient, id: u64) -> Outcome<Requested> {
    status(session, id).await?;
    client.requested(U256::from(id), search_from(session)).await.map_err(|e| failure(&format!("request {id}"), e))
}

/// How a settled request ended, from its events.
async fn settlement(client: &CliClient, requested: &Requested) -> Outcome<AnswerOutput> {
    let settled = client.wait_settled(requested).await.map_err(|e| failure(&format!("request {}", requested.id), e))?;
    Ok(match settled.settlement {
        Settlement::Key { address, public_key } => AnswerOutput::Key { address, public_key },
        Settlement::Signature { signer, digest, signature } => AnswerOutput::Signature { signer, digest, signature },
        Settlement::Rejected { reason } => AnswerOutput::Rejected {
            reason_code: reason,
            reason: RejectReason::from_code(reason).map(|r| format!("{r:?}")),
        },
        // A reclaim credits the whole escrow.
        Settlement::Reclaimed => AnswerOutput::Reclaimed {
            amount: (U256::from(requested.request.serviceFee) + U256::from(requested.request.gasFee)).to_string(),
        },
    })
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
    let client = super::client::client(session, None, Vec::new());
    let found = requested(session, &client, id).await?;
    let r = &found.request;
    let answer = if status == RequestStatus::Open { None } else { Some(settlement(&client, &found).await?) };
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
        request_block: found.receipt.block_number,
        request_tx: found.receipt.tx_hash,
        answer,
        responder,
        relay,
    })
}

/// Without the relayer's store: the answered transaction's hash, looked up on the destination chain when its RPC
/// is configured (`[destinations]`, or the source chain's own).
async fn destination_relay(session: &Session, found: &Requested, signature: &[u8]) -> Outcome<Option<RelayOutput>> {
    let r = &found.request;
    let info = session.view(IZrSign::chainCall { chainId: r.dstChainId }).await?;
    let Ok(chain) = info.caip2.parse::<zrsign::protocol::Caip2>() else { return Ok(None) };
    let Ok(signed) = zrsign::protocol::signed_tx::assemble(&found.payload, signature, r.signer, info.evmChainId) else {
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
