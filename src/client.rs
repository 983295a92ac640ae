//! The dapp-facing Rust client: request keys and signatures, read the request record back from the
//! receipt, and wait for the MPC network's verified answer.

use crate::{
    bindings::IZrSign::{self, Request, RequestKind, RequestStatus, ZrSignParams},
    chain::{ChainError, ChainSubmit, LogFilter, Receipt},
    protocol::events::{self, ZrEvent, find, request_id_topic},
};
use alloy::primitives::{Address, B256, Bytes, U256};
use std::time::Duration;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The chain operation failed (a revert carries the decoded `IZrSign` error).
    #[error(transparent)]
    Backend(#[from] ChainError),
    /// A receipt or the logs lack the event the operation expects.
    #[error("no {event} event for request {id}")]
    MissingEvent {
        /// The event's name.
        event: &'static str,
        /// The request.
        id: U256,
    },
    /// `request_signature` was asked for a kind that is not a signature (Key).
    #[error("{0:?} is not a signature request kind")]
    NotASignatureKind(RequestKind),
    /// The request was not settled in time.
    #[error("request {id} still {status:?} after {waited:?}")]
    Timeout {
        /// The request.
        id: U256,
        /// Its last status.
        status: RequestStatus,
        /// How long the client waited.
        waited: Duration,
    },
}

/// A request as the contract recorded it.
#[derive(Debug, Clone)]
pub struct Requested {
    /// Its id.
    pub id: U256,
    /// The record (re-supplied by whoever settles it).
    pub request: Request,
    /// The bytes signed over (sign requests; for v1 legacy transactions, with the chain id written in).
    pub payload: Bytes,
    /// The request transaction's receipt.
    pub receipt: Receipt,
}

/// How a request ended.
#[derive(Debug, Clone)]
pub enum Settlement {
    /// A key: its address and compressed public key.
    Key {
        /// EVM address.
        address: Address,
        /// Uncompressed public key `x ‖ y` (64 bytes), as the network answered it.
        public_key: Bytes,
    },
    /// A signature over `digest` by `signer`.
    Signature {
        /// The key's address.
        signer: Address,
        /// The digest.
        digest: B256,
        /// 65 bytes r ‖ s ‖ v.
        signature: Bytes,
    },
    /// Rejected by the network.
    Rejected {
        /// The reason code.
        reason: u8,
    },
    /// Reclaimed after its deadline.
    Reclaimed,
}

/// Headroom a quoted payment gets, in basis points: one block's largest base-fee rise under EIP-1559
/// (12.5%). The quote is computed at the latest block but paid in the next one; the contract credits
/// any excess back to the payer (claimable, `withdraw`).
pub const QUOTE_HEADROOM_BPS: u64 = 1_250;

/// The value to send for a `quote`: the quote plus [`QUOTE_HEADROOM_BPS`].
pub fn with_headroom(quote: U256) -> U256 {
    quote + quote * U256::from(QUOTE_HEADROOM_BPS) / U256::from(10_000)
}

/// A client of one ZrSign deployment.
pub struct Client<'a, B> {
    backend: &'a B,
    proxy: Address,
}

impl<'a, B: ChainSubmit> Client<'a, B> {
    /// A client of the proxy at `proxy`.
    pub fn new(backend: &'a B, proxy: Address) -> Self {
        Self { backend, proxy }
    }

    /// Requests a key for `owner`, paying `value` (when `None`: the current quote with [`with_headroom`]).
    pub async fn request_key(
        &self,
        from: Address,
        owner: Address,
        wallet_type_id: B256,
        options: u8,
        value: Option<U256>,
    ) -> Result<Requested, ClientError> {
        let value = match value {
            Some(v) => v,
            None => with_headroom(
                self.backend.view(self.proxy, IZrSign::keyFeeCall { walletTypeId: wallet_type_id, options }).await?,
            ),
        };
        let params = IZrSign::ZrKeyReqParams { owner, walletTypeId: wallet_type_id, options };
        let receipt = self.backend.transact(from, self.proxy, IZrSign::zrKeyReqCall { params }, value).await?;
        let event = find::<IZrSign::ZrKeyRequested>(&receipt.logs)
            .ok_or(ClientError::MissingEvent { event: "ZrKeyRequested", id: U256::ZERO })?;
        Ok(Requested { id: event.requestId, request: event.request, payload: Bytes::new(), receipt })
    }

    /// Requests a signature of `kind` (Hash, Data or Tx), paying `value` (when `None`: the current quote with
    /// [`with_headroom`]).
    pub async fn request_signature(
        &self,
        from: Address,
        kind: RequestKind,
        params: ZrSignParams,
        value: Option<U256>,
    ) -> Result<Requested, ClientError> {
        let value = match value {
            Some(v) => v,
            None => with_headroom(
                self.backend.view(self.proxy, IZrSign::signFeeCall { walletTypeId: params.walletTypeId, kind }).await?,
            ),
        };
        let receipt = match kind {
            RequestKind::Hash => {
                self.backend.transact(from, self.proxy, IZrSign::zrSignHashCall { params }, value).await
            }
            RequestKind::Data => {
                self.backend.transact(from, self.proxy, IZrSign::zrSignDataCall { params }, value).await
            }
            RequestKind::Tx => self.backend.transact(from, self.proxy, IZrSign::zrSignTxCall { params }, value).await,
            other => return Err(ClientError::NotASignatureKind(other)),
        }?;
        let event = find::<IZrSign::ZrSignRequested>(&receipt.logs)
            .ok_or(ClientError::MissingEvent { event: "ZrSignRequested", id: U256::ZERO })?;
        Ok(Requested { id: event.requestId, request: event.request, payload: event.payload, receipt })
    }

    /// Pays `account`'s whole claimable balance to `account` (never to `from`), sent by `from`: anyone may trigger
    /// the payout of a contract that has no call to `withdraw()` itself (a v1 dapp). Reverts with
    /// `ZrSignNothingToWithdraw` when the balance is 0 and `ZrSignTransferFailed` when `account` refuses the ether.
    pub async fn withdraw_for(&self, from: Address, account: Address) -> Result<Receipt, ClientError> {
        Ok(self.backend.transact(from, self.proxy, IZrSign::withdrawForCall { account }, U256::ZERO).await?)
    }

    /// A request's status.
    pub async fn status(&self, id: U256) -> Result<RequestStatus, ClientError> {
        Ok(self.backend.view(self.proxy, IZrSign::requestStatusCall { requestId: id }).await?)
    }

    /// Waits (polling every `interval`, at most `timeout`) until the request is settled, and returns how.
    pub async fn wait_settled(
        &self,
        requested: &Requested,
        interval: Duration,
        timeout: Duration,
    ) -> Result<Settlement, ClientError> {
        let started = std::time::Instant::now();
        loop {
            let status = self.status(requested.id).await?;
            if status != RequestStatus::Open {
                return self.settlement(requested).await;
            }
            if started.elapsed() >= timeout {
                return Err(ClientError::Timeout { id: requested.id, status, waited: started.elapsed() });
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// Reads how a settled request ended from the contract's events (those carrying its id).
    pub async fn settlement(&self, requested: &Requested) -> Result<Settlement, ClientError> {
        let latest = self.backend.block_number().await?;
        let filter = LogFilter::new(self.proxy, requested.receipt.block_number, latest)
            .events(events::LIFECYCLE_EVENTS)
            .topic1([request_id_topic(requested.id)]);
        let id = requested.id;
        for entry in self.backend.logs(&filter).await? {
            match events::decode(&entry.log) {
                Ok(Some(ZrEvent::KeyResponded { id: i, evm_address, public_key })) if i == id => {
                    return Ok(Settlement::Key { address: evm_address, public_key });
                }
                Ok(Some(ZrEvent::SignResponded { id: i, signer, digest, signature })) if i == id => {
                    return Ok(Settlement::Signature { signer, digest, signature });
                }
                Ok(Some(ZrEvent::Rejected { id: i, reason_code })) if i == id => {
                    return Ok(Settlement::Rejected { reason: reason_code });
                }
                Ok(Some(ZrEvent::Reclaimed { id: i, .. })) if i == id => return Ok(Settlement::Reclaimed),
                _ => {}
            }
        }
        Err(ClientError::MissingEvent { event: "settlement", id })
    }
}
