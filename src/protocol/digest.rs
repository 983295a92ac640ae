//! The digest each request kind is signed over — computed off-chain exactly as the contract does.
//!
//! - Hash: the 32-byte payload as is.
//! - Data: EIP-191 `personal_sign` of the payload.
//! - Tx: the signing hash of an unsigned EIP-155 legacy or EIP-1559 transaction, i.e.
//!   `keccak256(payload)`; the payload must be the canonical unsigned encoding (it is decoded with
//!   alloy's consensus types and re-encoded, and both must be equal) and carry the destination chain id.

use super::RejectReason;
use crate::bindings::IZrSign::RequestKind;
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy, transaction::RlpEcdsaDecodableTx},
    primitives::{B256, ChainId, Signature, eip191_hash_message, keccak256},
};

/// EIP-2718 type byte of EIP-1559 transactions.
const EIP1559_TYPE: u8 = 0x02;

/// An unsigned transaction as a `zrSignTx` payload carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsignedTx {
    /// EIP-155 legacy.
    Legacy(TxLegacy),
    /// EIP-1559.
    Eip1559(TxEip1559),
}

impl UnsignedTx {
    /// Decodes a canonical unsigned payload.
    pub fn decode(payload: &[u8]) -> Result<Self, RejectReason> {
        let tx = match payload.first() {
            Some(&EIP1559_TYPE) => {
                let mut body = &payload[1..];
                let tx = TxEip1559::rlp_decode(&mut body).map_err(|_| RejectReason::UndecodablePayload)?;
                if !body.is_empty() {
                    return Err(RejectReason::UndecodablePayload);
                }
                Self::Eip1559(tx)
            }
            Some(first) if *first >= 0xc0 => {
                let mut body = payload;
                let tx = <TxLegacy as alloy::rlp::Decodable>::decode(&mut body)
                    .map_err(|_| RejectReason::UndecodablePayload)?;
                if !body.is_empty() || tx.chain_id.is_none_or(|id| id == 0) {
                    return Err(RejectReason::UndecodablePayload);
                }
                Self::Legacy(tx)
            }
            _ => return Err(RejectReason::UndecodablePayload),
        };
        // Only the canonical encoding is accepted: what is signed is exactly what was shown.
        if tx.encoded_for_signing() != payload {
            return Err(RejectReason::UndecodablePayload);
        }
        Ok(tx)
    }

    /// The chain id the transaction is for.
    pub fn chain_id(&self) -> Option<ChainId> {
        match self {
            Self::Legacy(tx) => tx.chain_id,
            Self::Eip1559(tx) => Some(tx.chain_id),
        }
    }

    /// The bytes signed over.
    pub fn encoded_for_signing(&self) -> Vec<u8> {
        match self {
            Self::Legacy(tx) => tx.encoded_for_signing(),
            Self::Eip1559(tx) => tx.encoded_for_signing(),
        }
    }

    /// The signing hash.
    pub fn signature_hash(&self) -> B256 {
        match self {
            Self::Legacy(tx) => tx.signature_hash(),
            Self::Eip1559(tx) => tx.signature_hash(),
        }
    }

    /// The signed transaction, ready to broadcast.
    pub fn into_signed(self, signature: Signature) -> TxEnvelope {
        match self {
            Self::Legacy(tx) => tx.into_signed(signature).into(),
            Self::Eip1559(tx) => tx.into_signed(signature).into(),
        }
    }
}

/// The digest of a request's payload. `dst_evm_chain_id` is the destination chain's EVM chain id
/// (`None` for a non-EVM chain); only transactions use it.
pub fn digest(kind: RequestKind, payload: &[u8], dst_evm_chain_id: Option<u64>) -> Result<B256, RejectReason> {
    match kind {
        RequestKind::Hash => B256::try_from(payload).map_err(|_| RejectReason::UndecodablePayload),
        RequestKind::Data => Ok(eip191_hash_message(payload)),
        RequestKind::Tx => {
            let expected = dst_evm_chain_id.ok_or(RejectReason::UnsupportedChain)?;
            let tx = UnsignedTx::decode(payload)?;
            if tx.chain_id() != Some(expected) {
                return Err(RejectReason::ChainIdMismatch);
            }
            Ok(keccak256(payload))
        }
        // Key requests carry no payload; `__Invalid` cannot come from a decoded event.
        RequestKind::Key | RequestKind::__Invalid => Err(RejectReason::UndecodablePayload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Address, Bytes, TxKind, U256};

    fn legacy(chain_id: u64) -> TxLegacy {
        TxLegacy {
            chain_id: Some(chain_id),
            nonce: 3,
            gas_price: 2_000_000_000,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(0xaa)),
            value: U256::from(10u64).pow(U256::from(15)),
            input: Bytes::new(),
        }
    }

    #[test]
    fn legacy_digest_is_its_signing_hash() {
        let tx = legacy(31_337);
        let payload = tx.encoded_for_signing();
        assert_eq!(digest(RequestKind::Tx, &payload, Some(31_337)), Ok(tx.signature_hash()));
        assert_eq!(digest(RequestKind::Tx, &payload, Some(1)), Err(RejectReason::ChainIdMismatch));
        assert_eq!(digest(RequestKind::Tx, &payload, None), Err(RejectReason::UnsupportedChain));
    }

    #[test]
    fn eip1559_digest_is_its_signing_hash() {
        let tx = TxEip1559 { chain_id: 31_338, nonce: 1, gas_limit: 21_000, max_fee_per_gas: 3, ..Default::default() };
        let payload = tx.encoded_for_signing();
        assert_eq!(payload[0], EIP1559_TYPE);
        assert_eq!(digest(RequestKind::Tx, &payload, Some(31_338)), Ok(tx.signature_hash()));
    }

    #[test]
    fn malformed_payloads_are_rejected() {
        let payload = legacy(5).encoded_for_signing();
        for bad in [&payload[..payload.len() - 1], &[0x01, 0xc0][..], &[][..], &[0x80][..]] {
            assert_eq!(digest(RequestKind::Tx, bad, Some(5)), Err(RejectReason::UndecodablePayload), "{bad:?}");
        }
        let mut trailing = payload.clone();
        trailing.push(0);
        assert_eq!(digest(RequestKind::Tx, &trailing, Some(5)), Err(RejectReason::UndecodablePayload));
        // chain id 0 (the v1 form) is rewritten on-chain before the MPC ever sees it: off-chain it is malformed.
        let zero = legacy(0).encoded_for_signing();
        assert_eq!(digest(RequestKind::Tx, &zero, Some(5)), Err(RejectReason::UndecodablePayload));
    }

    #[test]
    fn data_and_hash_digests() {
        assert_eq!(digest(RequestKind::Data, b"hello", None), Ok(eip191_hash_message(b"hello")));
        let h = B256::repeat_byte(9);
        assert_eq!(digest(RequestKind::Hash, h.as_slice(), None), Ok(h));
        assert_eq!(digest(RequestKind::Hash, &[1, 2], None), Err(RejectReason::UndecodablePayload));
    }
}
