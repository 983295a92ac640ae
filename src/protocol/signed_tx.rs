//! Assembling the signed transaction of an answered `zrSignTx`: the payload the contract signed over plus the
//! network's signature, as alloy's consensus types encode it (EIP-1559 with the y-parity; legacy EIP-155 with
//! `v = 35 + 2·chainId + parity`), checked before anyone sends it: it recovers to the request's key and
//! carries the destination's chain id.

use super::digest::UnsignedTx;
use alloy::{
    consensus::{Transaction as _, TxEnvelope, transaction::SignerRecoverable},
    eips::Encodable2718,
    primitives::{Address, B256, Bytes, Signature, U256},
};

/// A signed transaction ready to broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// The EIP-2718 encoding (`eth_sendRawTransaction`'s argument).
    pub raw: Bytes,
    /// Its hash.
    pub tx_hash: B256,
    /// The key that signed it.
    pub sender: Address,
    /// Its nonce.
    pub nonce: u64,
    /// Its EVM chain id.
    pub evm_chain_id: u64,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Fee cap per gas (the gas price of a legacy transaction).
    pub max_fee_per_gas: u128,
    /// Priority fee cap per gas (the gas price of a legacy transaction).
    pub max_priority_fee_per_gas: u128,
    /// Ether it sends.
    pub value: U256,
}

impl SignedTx {
    /// The most the sender pays: `value + gas_limit × max_fee_per_gas`.
    pub fn max_cost(&self) -> U256 {
        self.value + U256::from(self.gas_limit) * U256::from(self.max_fee_per_gas)
    }
}

/// Why an answer cannot be assembled into a transaction to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    /// The payload is not a canonical unsigned transaction.
    #[error("payload is not a canonical unsigned EIP-155 legacy or EIP-1559 transaction")]
    Payload,
    /// The signature is not 65 bytes `r ‖ s ‖ v`.
    #[error("signature does not parse: {0}")]
    Signature(String),
    /// The signed transaction recovers to another address than the request's key.
    #[error("signed transaction recovers to {recovered}, the request's key is {expected}")]
    WrongSigner {
        /// The request's key.
        expected: Address,
        /// Who the transaction is from.
        recovered: Address,
    },
    /// The transaction's chain id is not the destination chain's.
    #[error("transaction is for chain {actual:?}, the destination is {expected}")]
    WrongChain {
        /// The destination's EVM chain id.
        expected: u64,
        /// The transaction's.
        actual: Option<u64>,
    },
}

/// The signed transaction of `payload` (the bytes the contract signed over) and `signature`, checked to be
/// from `signer` for `evm_chain_id`.
pub fn assemble(
    payload: &[u8],
    signature: &[u8],
    signer: Address,
    evm_chain_id: u64,
) -> Result<SignedTx, AssembleError> {
    let unsigned = UnsignedTx::decode(payload).map_err(|_| AssembleError::Payload)?;
    let signature = Signature::try_from(signature).map_err(|e| AssembleError::Signature(e.to_string()))?;
    let envelope: TxEnvelope = unsigned.into_signed(signature);
    let chain = envelope.chain_id();
    if chain != Some(evm_chain_id) {
        return Err(AssembleError::WrongChain { expected: evm_chain_id, actual: chain });
    }
    let recovered = envelope.recover_signer().map_err(|e| AssembleError::Signature(e.to_string()))?;
    if recovered != signer {
        return Err(AssembleError::WrongSigner { expected: signer, recovered });
    }
    Ok(SignedTx {
        raw: envelope.encoded_2718().into(),
        tx_hash: *envelope.tx_hash(),
        sender: recovered,
        nonce: envelope.nonce(),
        evm_chain_id,
        gas_limit: envelope.gas_limit(),
        max_fee_per_gas: envelope.max_fee_per_gas(),
        max_priority_fee_per_gas: envelope.max_priority_fee_per_gas().unwrap_or_else(|| envelope.max_fee_per_gas()),
        value: envelope.value(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpc::keys::RootSecret;
    use crate::protocol::KeyPath;
    use alloy::{
        consensus::{SignableTransaction, TxEip1559, TxLegacy},
        primitives::{TxKind, keccak256},
        rlp::Header,
    };

    fn key() -> crate::mpc::keys::ChildSecret {
        let path = KeyPath {
            evm_chain_id: 1,
            proxy: Address::ZERO,
            owner: Address::repeat_byte(1),
            wallet_type_id: B256::ZERO,
            index: U256::ZERO,
        };
        RootSecret::from_seed("signed tx").expect("root").child(&path)
    }

    #[test]
    fn legacy_uses_eip155_v_and_recovers() {
        let child = key();
        let tx = TxLegacy {
            chain_id: Some(31_338),
            nonce: 4,
            gas_price: 2_000_000_000,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(0xaa)),
            value: U256::from(7u64),
            input: Bytes::new(),
        };
        let payload = tx.encoded_for_signing();
        let sig = crate::signer::mock::sign(&child, keccak256(&payload)).expect("sign");
        let signed =
            assemble(&payload, &sig.as_bytes(), child.public().expect("key").address(), 31_338).expect("assembled");
        assert_eq!(signed.sender, child.public().expect("key").address());
        assert_eq!((signed.nonce, signed.evm_chain_id, signed.max_fee_per_gas), (4, 31_338, 2_000_000_000));
        // rlp([nonce, gasPrice, gas, to, value, data, v, r, s]) with v = 35 + 2·chainId + parity.
        let mut body = &signed.raw[..];
        let header = Header::decode(&mut body).expect("list");
        assert!(header.list);
        let mut fields = body;
        for _ in 0..6 {
            let h = Header::decode(&mut fields).expect("field");
            fields = &fields[h.payload_length..];
        }
        let v: u64 = alloy::rlp::Decodable::decode(&mut fields).expect("v");
        assert_eq!(v, 35 + 2 * 31_338 + u64::from(sig.v()));
        assert_eq!(signed.tx_hash, keccak256(&signed.raw));
        let decoded = <TxEnvelope as alloy::eips::Decodable2718>::decode_2718(&mut &signed.raw[..]).expect("decodes");
        assert_eq!(*decoded.tx_hash(), signed.tx_hash);
    }

    #[test]
    fn eip1559_checks_chain_and_signer() {
        let child = key();
        let tx = TxEip1559 { chain_id: 5, nonce: 1, gas_limit: 21_000, max_fee_per_gas: 3, ..Default::default() };
        let payload = tx.encoded_for_signing();
        let sig = crate::signer::mock::sign(&child, keccak256(&payload)).expect("sign").as_bytes();
        let me = child.public().expect("key").address();
        assert!(assemble(&payload, &sig, me, 5).is_ok());
        assert_eq!(assemble(&payload, &sig, me, 6), Err(AssembleError::WrongChain { expected: 6, actual: Some(5) }));
        let other = Address::repeat_byte(9);
        assert!(matches!(assemble(&payload, &sig, other, 5), Err(AssembleError::WrongSigner { .. })));
        assert_eq!(assemble(&payload[1..], &sig, me, 5), Err(AssembleError::Payload));
        assert!(matches!(assemble(&payload, &sig[..64], me, 5), Err(AssembleError::Signature(_))));
    }
}
