//! The contract's events, decoded. A log whose first topic is a ZrSign event but whose data does not decode
//! is an [`EventDecodeError`] (followers record it and skip it); a log of any other event is `Ok(None)`.

use crate::bindings::IZrSign::{self, Request};
use alloy::{
    primitives::{Address, B256, Bytes, Log, U256},
    sol_types::SolEvent,
};

/// A request as its event carries it: everything the MPC network needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEvent {
    /// Its id.
    pub id: U256,
    /// The record the contract committed to.
    pub request: Request,
    /// The bytes signed over (sign requests; for v1 legacy transactions, with the chain id written in).
    pub payload: Bytes,
}

/// A lifecycle event of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZrEvent {
    /// A key or signature was requested.
    Requested(RequestEvent),
    /// A key was answered and stored.
    KeyResponded {
        /// The request.
        id: U256,
        /// The key's EVM address.
        evm_address: Address,
        /// The uncompressed public key the network answered with.
        public_key: Bytes,
    },
    /// A signature was answered and verified.
    SignResponded {
        /// The request.
        id: U256,
        /// The key's address.
        signer: Address,
        /// The digest signed.
        digest: B256,
        /// 65 bytes `r ‖ s ‖ v`.
        signature: Bytes,
    },
    /// The network refused the request.
    Rejected {
        /// The request.
        id: U256,
        /// The reason code.
        reason_code: u8,
    },
    /// The requester took back the escrow.
    Reclaimed {
        /// The request.
        id: U256,
        /// Amount credited.
        amount: U256,
    },
}

impl ZrEvent {
    /// The request the event is about.
    pub fn request_id(&self) -> U256 {
        match self {
            Self::Requested(r) => r.id,
            Self::KeyResponded { id, .. }
            | Self::SignResponded { id, .. }
            | Self::Rejected { id, .. }
            | Self::Reclaimed { id, .. } => *id,
        }
    }
}

/// Topic 0 of the request events.
pub const REQUEST_EVENTS: [B256; 2] =
    [IZrSign::ZrKeyRequested::SIGNATURE_HASH, IZrSign::ZrSignRequested::SIGNATURE_HASH];

/// Topic 0 of every lifecycle event [`decode`] understands.
pub const LIFECYCLE_EVENTS: [B256; 6] = [
    IZrSign::ZrKeyRequested::SIGNATURE_HASH,
    IZrSign::ZrSignRequested::SIGNATURE_HASH,
    IZrSign::ZrKeyResponded::SIGNATURE_HASH,
    IZrSign::ZrSignResponded::SIGNATURE_HASH,
    IZrSign::ZrRequestRejected::SIGNATURE_HASH,
    IZrSign::ZrRequestReclaimed::SIGNATURE_HASH,
];

/// A ZrSign event whose log does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event} does not decode: {message}")]
pub struct EventDecodeError {
    /// The event's name.
    pub event: &'static str,
    /// The decoder's message.
    pub message: String,
}

/// The topic form of a request id (its indexed `requestId`).
pub fn request_id_topic(id: U256) -> B256 {
    B256::from(id)
}

fn event<E: SolEvent>(log: &Log) -> Result<E, EventDecodeError> {
    E::decode_log(log).map(|l| l.data).map_err(|e| EventDecodeError { event: E::SIGNATURE, message: e.to_string() })
}

/// Decodes a lifecycle event.
pub fn decode(log: &Log) -> Result<Option<ZrEvent>, EventDecodeError> {
    let Some(topic) = log.topics().first() else { return Ok(None) };
    Ok(Some(match *topic {
        IZrSign::ZrKeyRequested::SIGNATURE_HASH => {
            let e = event::<IZrSign::ZrKeyRequested>(log)?;
            ZrEvent::Requested(RequestEvent { id: e.requestId, request: e.request, payload: Bytes::new() })
        }
        IZrSign::ZrSignRequested::SIGNATURE_HASH => {
            let e = event::<IZrSign::ZrSignRequested>(log)?;
            ZrEvent::Requested(RequestEvent { id: e.requestId, request: e.request, payload: e.payload })
        }
        IZrSign::ZrKeyResponded::SIGNATURE_HASH => {
            let e = event::<IZrSign::ZrKeyResponded>(log)?;
            ZrEvent::KeyResponded { id: e.requestId, evm_address: e.evmAddress, public_key: e.publicKey }
        }
        IZrSign::ZrSignResponded::SIGNATURE_HASH => {
            let e = event::<IZrSign::ZrSignResponded>(log)?;
            ZrEvent::SignResponded { id: e.requestId, signer: e.signer, digest: e.digest, signature: e.signature }
        }
        IZrSign::ZrRequestRejected::SIGNATURE_HASH => {
            let e = event::<IZrSign::ZrRequestRejected>(log)?;
            ZrEvent::Rejected { id: e.requestId, reason_code: e.reasonCode }
        }
        IZrSign::ZrRequestReclaimed::SIGNATURE_HASH => {
            let e = event::<IZrSign::ZrRequestReclaimed>(log)?;
            ZrEvent::Reclaimed { id: e.requestId, amount: e.amount }
        }
        _ => return Ok(None),
    }))
}

/// The first `E` event among `logs` (e.g. in a receipt).
pub fn find<E: SolEvent>(logs: &[Log]) -> Option<E> {
    logs.iter().find_map(|log| {
        (log.topics().first() == Some(&E::SIGNATURE_HASH)).then(|| E::decode_log(log).ok().map(|l| l.data)).flatten()
    })
}

/// The batch items the contract skipped in a response transaction's logs, with the error selector it reported.
pub fn skipped_items(logs: &[Log]) -> Vec<(U256, [u8; 4])> {
    logs.iter()
        .filter(|log| log.topics().first() == Some(&IZrSign::ZrResponseSkipped::SIGNATURE_HASH))
        .filter_map(|log| IZrSign::ZrResponseSkipped::decode_log(log).ok())
        .map(|e| (e.data.requestId, e.data.reason.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::LogData;

    #[test]
    fn a_known_event_with_bad_data_is_an_error_and_others_are_ignored() {
        let bad = Log {
            address: Address::ZERO,
            data: LogData::new_unchecked(vec![IZrSign::ZrSignRequested::SIGNATURE_HASH, B256::ZERO], vec![1, 2].into()),
        };
        let err = decode(&bad).expect_err("truncated data");
        assert!(err.event.starts_with("ZrSignRequested"), "{err}");
        let other =
            Log { address: Address::ZERO, data: LogData::new_unchecked(vec![B256::repeat_byte(1)], Bytes::new()) };
        assert_eq!(decode(&other), Ok(None));
    }
}
