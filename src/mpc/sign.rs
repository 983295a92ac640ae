//! Signing digests with a child secret: k256 ECDSA (RFC 6979), low-s, 65 bytes `r ‖ s ‖ v`, v ∈ {27, 28}.

use super::{MpcError, keys::ChildSecret};
use alloy::primitives::{B256, Signature};
use k256::ecdsa::SigningKey;

/// Signs `digest` with `secret`. The signature is normalised to low s (the contract rejects high s).
pub fn sign(secret: &ChildSecret, digest: B256) -> Result<Signature, MpcError> {
    // Zero only if root + tweak ≡ 0 (mod n): probability 2^-256, reported rather than assumed away.
    let key = SigningKey::from(secret.secret_key().ok_or_else(|| MpcError::Signing("child secret is zero".into()))?);
    let (signature, recovery) = key
        .sign_prehash_recoverable(digest.as_slice())
        .map_err(|e| MpcError::Signing(format!("k256 refused to sign: {e}")))?;
    // k256 already returns low-s signatures; normalising here keeps low-s a checked property of this
    // function rather than of the dependency (the recovery parity flips with s).
    let (signature, recovery) = match signature.normalize_s() {
        Some(low) => (low, k256::ecdsa::RecoveryId::new(!recovery.is_y_odd(), recovery.is_x_reduced())),
        None => (signature, recovery),
    };
    Ok(Signature::from_signature_and_parity(signature, recovery.is_y_odd()))
}

/// The 65-byte wire form the contract takes: `r ‖ s ‖ v` with v = 27 + parity.
pub fn to_bytes(signature: &Signature) -> [u8; 65] {
    signature.as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpc::keys::{KeyPath, RootSecret};
    use alloy::primitives::{Address, U256, keccak256};

    #[test]
    fn signatures_are_low_s_and_recover_to_the_child() {
        let root = RootSecret::from_seed("sign").expect("root");
        let half_n = crate::mpc::keys::SECP256K1_N >> 1;
        for i in 0..32u64 {
            let path = KeyPath {
                chain_id: 1,
                proxy: Address::ZERO,
                owner: Address::repeat_byte(1),
                wallet_type_id: B256::ZERO,
                index: U256::from(i),
            };
            let child = root.child(&path);
            let digest = keccak256(i.to_be_bytes());
            let sig = sign(&child, digest).expect("sign");
            assert!(sig.s() <= half_n, "high s");
            assert_eq!(sig.recover_address_from_prehash(&digest).expect("recover"), child.public().address());
            let bytes = to_bytes(&sig);
            assert!(bytes[64] == 27 || bytes[64] == 28);
        }
    }
}
