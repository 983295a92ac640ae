//! Transactions for destination chains: prepared from the destination's state (the key's nonce, its base and
//! priority fees, a gas estimate), signed by the MPC network through `zrSignTx` and assembled (checked: from the
//! key, for the chain), relayed (the relayer broadcasts when asked, or [`Client::broadcast`]), waited for on the
//! destination, and replaced at the same nonce with higher fees when stuck.

use super::{Client, ClientConfig, ClientError, error::AtRequest};
use crate::{
    bindings::IZrSign::{self, RequestKind, ZrSignParams},
    chain::{Call, ChainError, ChainRead, ChainSubmit, GAS_ESTIMATE_MARGIN_PCT, Receipt, TxRejection},
    protocol::{
        Caip2,
        digest::UnsignedTx,
        signed_tx::{self, SignedTx},
    },
    relayer::{bumped, replacement_fee_cap},
};
use alloy::{
    consensus::{TxEip1559, TxLegacy},
    primitives::{Address, B256, Bytes, Signature, TxKind, U256},
};
use std::{ops::Deref, sync::Arc, time::Instant};

/// Gas of a plain ether transfer.
const TRANSFER_GAS: u64 = 21_000;

/// The transaction format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TxType {
    /// EIP-1559 (type 2).
    #[default]
    Eip1559,
    /// EIP-155 legacy.
    Legacy,
}

/// A transaction to prepare: from the sender's key `index` of `wallet_type`, on the destination chain
/// `evm_chain_id`. Unset fields are read from that chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRequest {
    /// The signing key's wallet type.
    pub wallet_type: B256,
    /// The signing key's index.
    pub index: U256,
    /// The destination's EVM chain id.
    pub evm_chain_id: u64,
    /// The callee.
    pub to: Address,
    /// Ether sent.
    pub value: U256,
    /// Calldata.
    pub input: Bytes,
    /// Gas limit; `None`: the destination's estimate (exact for a plain transfer, with a margin otherwise).
    pub gas_limit: Option<u64>,
    /// Nonce; `None`: the key's transaction count on the destination.
    pub nonce: Option<u64>,
    /// The format.
    pub tx_type: TxType,
}

impl TxRequest {
    /// An EIP-1559 transfer of `value` to `to`.
    pub fn transfer(wallet_type: B256, index: U256, evm_chain_id: u64, to: Address, value: U256) -> Self {
        Self {
            wallet_type,
            index,
            evm_chain_id,
            to,
            value,
            input: Bytes::new(),
            gas_limit: None,
            nonce: None,
            tx_type: TxType::Eip1559,
        }
    }
}

/// An unsigned transaction ready to be signed, and the key that must sign it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedTx {
    /// The signing key's wallet type.
    pub wallet_type: B256,
    /// The signing key's index.
    pub index: U256,
    /// The key's EVM address (the transaction's sender).
    pub from: Address,
    /// The destination's EVM chain id.
    pub evm_chain_id: u64,
    /// The transaction.
    pub unsigned: UnsignedTx,
}

/// A transaction signed by the MPC network and assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTransaction {
    /// The sign request.
    pub request_id: U256,
    /// What was signed (as the contract bound it).
    pub prepared: PreparedTx,
    /// The signed transaction (raw bytes, hash, sender, nonce, fees).
    pub signed: SignedTx,
    /// The network's signature.
    pub signature: Signature,
    /// Whether the relayer was asked to broadcast it.
    pub broadcast: bool,
}

/// A transaction mined on its destination chain.
#[derive(Debug, Clone)]
pub struct Relayed {
    /// The sign request.
    pub request_id: U256,
    /// Its receipt.
    pub receipt: Receipt,
    /// Confirmations when the wait returned.
    pub confirmations: u64,
}

/// Fees of a new transaction: twice the base fee (room for six full blocks of rises) plus the tip.
fn fee_cap(base_fee: u128, priority_fee: u128) -> u128 {
    base_fee.saturating_mul(2).saturating_add(priority_fee)
}

/// The fees of a replacement of `unsigned` at base fee `base` and suggested tip `tip`: every fee field at
/// least the pool's bump above the original's, the fee cap above the base fee (the relayer's
/// `replacement_fee_cap`) and with room for the new tip.
pub fn replacement(unsigned: &UnsignedTx, base: u128, tip: u128) -> UnsignedTx {
    match unsigned {
        UnsignedTx::Eip1559(tx) => {
            let priority = bumped(tx.max_priority_fee_per_gas).max(tip);
            let cap = replacement_fee_cap(tx.max_fee_per_gas, base).max(fee_cap(base, priority));
            UnsignedTx::Eip1559(TxEip1559 { max_fee_per_gas: cap, max_priority_fee_per_gas: priority, ..tx.clone() })
        }
        UnsignedTx::Legacy(tx) => {
            let price = replacement_fee_cap(tx.gas_price, base).max(base.saturating_add(tip));
            UnsignedTx::Legacy(TxLegacy { gas_price: price, ..tx.clone() })
        }
    }
}

impl<H, S, D> Client<H, D>
where
    H: Deref<Target = S> + Clone + Send + Sync,
    S: ChainSubmit,
    D: ChainRead,
{
    /// The destination chain `evm_chain_id`'s RPC.
    pub fn destination(&self, evm_chain_id: u64) -> Result<&Arc<D>, ClientError> {
        self.destinations
            .get(&evm_chain_id)
            .ok_or_else(|| ClientError::UnknownDestination { chain: Caip2::eip155(evm_chain_id).to_string() })
    }

    /// The EVM address of the sender's answered key `index` of `wallet_type`.
    pub async fn key_address(&self, wallet_type: B256, index: U256) -> Result<Address, ClientError> {
        let call = IZrSign::keyOfCall { owner: self.sender, walletTypeId: wallet_type, index };
        let key = self.source.view(self.proxy, call).await?;
        if key.evmAddress == Address::ZERO {
            return Err(ClientError::NoKey { wallet_type, index });
        }
        Ok(key.evmAddress)
    }

    async fn priority_fee(&self, chain: &D) -> u128 {
        match chain.max_priority_fee().await {
            Ok(fee) => fee,
            Err(e) => {
                tracing::debug!(error = %e, "no priority fee suggestion; using the configured one");
                self.config.fallback_priority_fee
            }
        }
    }

    /// An unsigned transaction for the destination chain, its nonce, fees and gas read from that chain.
    pub async fn prepare_tx(&self, request: TxRequest) -> Result<PreparedTx, ClientError> {
        let chain = self.destination(request.evm_chain_id)?;
        let from = self.key_address(request.wallet_type, request.index).await?;
        let nonce = match request.nonce {
            Some(n) => n,
            None => chain.nonce(from).await?,
        };
        let gas_limit = match request.gas_limit {
            Some(gas) => gas,
            None => {
                let call = Call {
                    from,
                    to: Some(request.to),
                    input: request.input.clone(),
                    value: request.value,
                    gas_limit: None,
                };
                match chain.estimate_gas(&call).await {
                    Ok(gas) if gas <= TRANSFER_GAS => gas,
                    Ok(gas) => gas.saturating_mul(GAS_ESTIMATE_MARGIN_PCT) / 100,
                    Err(ChainError::Unsupported(_)) if request.input.is_empty() => TRANSFER_GAS,
                    Err(ChainError::Unsupported(what)) => return Err(ClientError::GasLimitNeeded(what.into())),
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let base = chain.base_fee().await?;
        let tip = self.priority_fee(chain).await;
        let (to, value, input, chain_id) =
            (TxKind::Call(request.to), request.value, request.input, request.evm_chain_id);
        let unsigned = match request.tx_type {
            TxType::Eip1559 => UnsignedTx::Eip1559(TxEip1559 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: fee_cap(base, tip),
                max_priority_fee_per_gas: tip,
                to,
                value,
                input,
                ..Default::default()
            }),
            TxType::Legacy => UnsignedTx::Legacy(TxLegacy {
                chain_id: Some(chain_id),
                nonce,
                gas_price: fee_cap(base, tip),
                gas_limit,
                to,
                value,
                input,
            }),
        };
        Ok(PreparedTx {
            wallet_type: request.wallet_type,
            index: request.index,
            from,
            evm_chain_id: chain_id,
            unsigned,
        })
    }

    /// Broadcasts a signed transaction to its destination itself (for one signed without `broadcast`).
    pub async fn broadcast(&self, tx: &SignedTransaction) -> Result<B256, ClientError> {
        let chain = self.destination(tx.signed.evm_chain_id)?;
        match chain.send_raw(&tx.signed.raw).await {
            Ok(_) | Err(ChainError::TxRejected { class: TxRejection::AlreadyKnown, .. }) => Ok(tx.signed.tx_hash),
            Err(e) => Err(ClientError::chain(tx.request_id, e)),
        }
    }

    /// Waits (at most [`ClientConfig::timeout`]) until the signed transaction is mined on its destination with
    /// [`ClientConfig::confirmations`], and returns its receipt. A transaction that failed on-chain, or whose
    /// nonce another transaction used, is an error at once.
    pub async fn wait_relayed(&self, tx: &SignedTransaction) -> Result<Relayed, ClientError> {
        let chain = self.destination(tx.signed.evm_chain_id)?;
        let ClientConfig { timeout, poll_interval, confirmations, .. } = self.config;
        let (id, hash, nonce) = (tx.request_id, tx.signed.tx_hash, tx.signed.nonce);
        let started = Instant::now();
        let mut poll = tokio::time::interval(poll_interval);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            poll.tick().await;
            match self.relay_state(chain, tx).await {
                Ok(Some((receipt, head))) => {
                    if !receipt.success {
                        return Err(ClientError::RelayFailed {
                            request: Some(id),
                            tx_hash: hash,
                            block: receipt.block_number,
                        });
                    }
                    let seen = head.saturating_sub(receipt.block_number) + 1;
                    if seen >= confirmations {
                        return Ok(Relayed { request_id: id, receipt, confirmations: seen });
                    }
                }
                Ok(None) => {}
                Err(ClientError::Chain { source, .. }) if source.is_retryable() => {
                    tracing::warn!(request = %id, error = %source, "destination RPC failed; retrying");
                }
                Err(e) => return Err(e),
            }
            if started.elapsed() >= timeout {
                return Err(ClientError::RelayTimeout {
                    request: Some(id),
                    tx_hash: hash,
                    confirmations,
                    waited: started.elapsed(),
                });
            }
            tracing::trace!(request = %id, tx = %hash, nonce, "not mined yet");
        }
    }

    /// The receipt and the destination's head, `None` while not mined; [`ClientError::NonceUsed`] if another
    /// transaction took its nonce.
    async fn relay_state(&self, chain: &D, tx: &SignedTransaction) -> Result<Option<(Receipt, u64)>, ClientError> {
        let (id, hash) = (tx.request_id, tx.signed.tx_hash);
        if let Some(receipt) = chain.receipt(hash).await.at(id)? {
            let head = chain.block_number().await.at(id)?;
            return Ok(Some((receipt, head)));
        }
        if chain.nonce(tx.signed.sender).await.at(id)? > tx.signed.nonce {
            // Mined between the two reads, or another transaction used the nonce.
            if let Some(receipt) = chain.receipt(hash).await.at(id)? {
                let head = chain.block_number().await.at(id)?;
                return Ok(Some((receipt, head)));
            }
            return Err(ClientError::NonceUsed { request: Some(id), tx_hash: hash, nonce: tx.signed.nonce });
        }
        Ok(None)
    }
}

/// Signing: waits for the answer.
impl<H, S, D> Client<H, D>
where
    H: Deref<Target = S> + Clone + Send + Sync + 'static,
    S: ChainSubmit + 'static,
    D: ChainRead,
{
    /// Has the MPC network sign `tx` (`broadcast`: the relayer sends it to the destination) and returns the
    /// signed transaction, verified: the signature is the key's over the bound payload, and the assembled
    /// transaction is from the key, for the destination.
    pub async fn sign_tx(&self, tx: &PreparedTx, broadcast: bool) -> Result<SignedTransaction, ClientError> {
        let params = ZrSignParams {
            walletTypeId: tx.wallet_type,
            walletIndex: tx.index,
            dstChainId: Caip2::eip155(tx.evm_chain_id).key(),
            payload: tx.unsigned.encoded_for_signing().into(),
            broadcast,
        };
        let requested = self.send_sign_request(RequestKind::Tx, params, None).await?;
        let id = requested.id;
        let signed = self.wait_signature(&requested).await?;
        let assembled =
            signed_tx::assemble(&requested.payload, &signed.signature.as_bytes(), signed.signer, tx.evm_chain_id)
                .map_err(|source| ClientError::Assemble { id, source })?;
        if assembled.sender != tx.from {
            return Err(ClientError::Verification {
                id,
                message: format!("signed by {}, the prepared transaction is from {}", assembled.sender, tx.from),
            });
        }
        let unsigned = UnsignedTx::decode(&requested.payload).map_err(|reason| ClientError::Verification {
            id,
            message: format!("signed payload does not decode: {reason:?}"),
        })?;
        Ok(SignedTransaction {
            request_id: id,
            prepared: PreparedTx { unsigned, ..tx.clone() },
            signed: assembled,
            signature: signed.signature,
            broadcast,
        })
    }

    /// Re-signs a stuck transaction at the same nonce with higher fees (every fee field at least 10% above the
    /// original's — the pool's replacement rule the relayer applies — the fee cap above the destination's
    /// base fee), relayed the same way as the original. The original ends `replaced` in the relayer's store
    /// once the replacement is mined.
    pub async fn replace(&self, stuck: &SignedTransaction) -> Result<SignedTransaction, ClientError> {
        let chain = self.destination(stuck.signed.evm_chain_id)?;
        let (id, hash) = (stuck.request_id, stuck.signed.tx_hash);
        if chain.receipt(hash).await.at(id)?.is_some() {
            return Err(ClientError::NotReplaceable { request: Some(id), tx_hash: hash, reason: "it is mined".into() });
        }
        let base = chain.base_fee().await.at(id)?;
        let tip = self.priority_fee(chain).await;
        let prepared =
            PreparedTx { unsigned: replacement(&stuck.prepared.unsigned, base, tip), ..stuck.prepared.clone() };
        tracing::info!(request = %id, tx = %hash, nonce = stuck.signed.nonce, base_fee = base, "replacing a stuck transaction");
        self.sign_tx(&prepared, stuck.broadcast).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replacement_bumps_every_fee_and_clears_the_base_fee() {
        let tx = TxEip1559 {
            chain_id: 5,
            nonce: 3,
            gas_limit: 21_000,
            max_fee_per_gas: 1_000,
            max_priority_fee_per_gas: 100,
            ..Default::default()
        };
        // Base fee far above the cap: the cap clears it with room for the tip.
        let UnsignedTx::Eip1559(r) = replacement(&UnsignedTx::Eip1559(tx.clone()), 50_000, 10) else {
            panic!("same type")
        };
        assert_eq!((r.nonce, r.gas_limit, r.chain_id), (3, 21_000, 5), "same nonce, gas and chain");
        assert_eq!(r.max_priority_fee_per_gas, 110, "tip bumped 10%");
        assert_eq!(r.max_fee_per_gas, 2 * 50_000 + 110);
        assert!(r.max_fee_per_gas >= replacement_fee_cap(tx.max_fee_per_gas, 50_000), "the relayer's needed fee");
        // Base fee low: the 10% bump rules, rounded up.
        let UnsignedTx::Eip1559(r) = replacement(&UnsignedTx::Eip1559(tx.clone()), 1, 0) else { panic!("same type") };
        assert_eq!((r.max_fee_per_gas, r.max_priority_fee_per_gas), (1_100, 110));
        let legacy = TxLegacy { chain_id: Some(5), gas_price: 999, gas_limit: 21_000, ..Default::default() };
        let UnsignedTx::Legacy(r) = replacement(&UnsignedTx::Legacy(legacy), 10, 1) else { panic!("same type") };
        assert_eq!(r.gas_price, 1_099, "ceil(999 × 1.1)");
    }
}
