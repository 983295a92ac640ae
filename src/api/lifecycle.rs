//! A request's lifecycle as the services recorded it: the responder's record and the relayer's broadcast,
//! with the stage times the explorer shows.

use crate::store::{Broadcast, RequestRecord, Store, StoreError};
use alloy::primitives::Address;

/// One request's lifecycle (`/requests/{id}`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Lifecycle {
    /// The request id.
    pub request_id: u64,
    /// The source chain.
    pub evm_chain_id: u64,
    /// The deployment.
    pub proxy: Address,
    /// What the responder saw and did (`None`: not seen by this process's responder).
    pub responder: Option<RequestRecord>,
    /// The relay (`None`: no broadcast, or not answered yet).
    pub relay: Option<Broadcast>,
    /// Milliseconds from the event being seen to each later stage.
    pub stages: Stages,
}

/// Stage times, in milliseconds after the responder saw the request's event.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stages {
    /// Event seen → answer ready (key derived, signature made).
    pub signed_ms: Option<i64>,
    /// Event seen → answer mined on the source chain.
    pub answered_ms: Option<i64>,
    /// Event seen → broadcast mined on the destination chain.
    pub relay_mined_ms: Option<i64>,
}

impl Lifecycle {
    /// The lifecycle of `request_id`, or `None` if neither service recorded it.
    pub async fn read(
        store: &Store,
        evm_chain_id: u64,
        proxy: Address,
        request_id: u64,
    ) -> Result<Option<Self>, StoreError> {
        let responder = store.request(evm_chain_id, proxy, request_id).await?;
        let relay = store.broadcast(evm_chain_id, proxy, request_id).await?;
        if responder.is_none() && relay.is_none() {
            return Ok(None);
        }
        Ok(Some(Self::of(evm_chain_id, proxy, request_id, responder, relay)))
    }

    /// The most recent requests' lifecycles, newest first.
    pub async fn recent(store: &Store, evm_chain_id: u64, proxy: Address, limit: u64) -> Result<Vec<Self>, StoreError> {
        let requests = store.recent_requests(evm_chain_id, proxy, limit).await?;
        let mut relays = store.recent_broadcasts(evm_chain_id, proxy, limit).await?;
        let mut out = Vec::with_capacity(requests.len());
        for record in requests {
            let id = record.request_id;
            let relay = relays.iter().position(|b| b.request_id == id).map(|i| relays.swap_remove(i));
            out.push(Self::of(evm_chain_id, proxy, id, Some(record), relay));
        }
        Ok(out)
    }

    fn of(
        evm_chain_id: u64,
        proxy: Address,
        request_id: u64,
        responder: Option<RequestRecord>,
        relay: Option<Broadcast>,
    ) -> Self {
        let seen = responder.as_ref().map(|r| r.seen_at);
        let after = |t: Option<i64>| seen.zip(t).map(|(s, t)| (t - s).max(0));
        let stages = Stages {
            signed_ms: after(responder.as_ref().and_then(|r| r.signed_at)),
            answered_ms: after(responder.as_ref().and_then(|r| r.answered_at)),
            relay_mined_ms: after(relay.as_ref().and_then(|b| b.mined_at)),
        };
        Self { request_id, evm_chain_id, proxy, responder, relay, stages }
    }
}
