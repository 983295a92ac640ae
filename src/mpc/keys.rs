//! Root secrets and their child secrets (spec §3): child secret `root + tweak mod n`, whose public key is
//! the public derivation `R + tweak·G` ([`crate::protocol::derivation`]).

use super::KeyError;
use crate::protocol::{InvalidPublicKey, KeyPath, PublicKey};
use alloy::primitives::keccak256;
use k256::{
    ProjectivePoint, Scalar, SecretKey,
    elliptic_curve::{PrimeField, ops::Reduce},
};
use std::fmt;

/// A root secret. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct RootSecret(Scalar);

impl fmt::Debug for RootSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RootSecret(address {})", self.public().address())
    }
}

impl RootSecret {
    /// A root secret derived from a seed phrase: `keccak256("zrsign.mpc.root" ‖ seed) mod n`.
    pub fn from_seed(seed: &str) -> Result<Self, KeyError> {
        let digest = keccak256([b"zrsign.mpc.root".as_slice(), seed.as_bytes()].concat());
        let scalar = <Scalar as Reduce<k256::U256>>::reduce_bytes(&digest.0.into());
        Self::from_scalar(scalar)
    }

    /// A root secret from 32 big-endian bytes (must be in `[1, n)`).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let scalar = Option::<Scalar>::from(Scalar::from_repr((*bytes).into()))
            .ok_or_else(|| KeyError::InvalidRootSecret("not below the curve order".into()))?;
        Self::from_scalar(scalar)
    }

    /// Reads a key file holding the secret as hex (optionally `0x`-prefixed, surrounding whitespace ignored).
    pub fn from_key_file(path: &std::path::Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| KeyError::Io { context: format!("read root key file {}", path.display()), source })?;
        let hex = text.trim().trim_start_matches("0x");
        let mut bytes = [0u8; 32];
        alloy::hex::decode_to_slice(hex, &mut bytes)
            .map_err(|e| KeyError::InvalidRootSecret(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes)
    }

    fn from_scalar(scalar: Scalar) -> Result<Self, KeyError> {
        if bool::from(scalar.is_zero()) {
            return Err(KeyError::InvalidRootSecret("zero".into()));
        }
        Ok(Self(scalar))
    }

    /// The root public key (never the identity: the secret is not zero).
    pub fn public(&self) -> PublicKey {
        PublicKey::of_nonzero_secret(&self.0)
    }

    /// The child secret of a key path: `root + tweak mod n`.
    pub fn child(&self, path: &KeyPath) -> ChildSecret {
        ChildSecret(self.0 + path.tweak())
    }
}

/// A derived child secret (what the network signs with).
#[derive(Clone)]
pub struct ChildSecret(pub(crate) Scalar);

impl fmt::Debug for ChildSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.public() {
            Ok(public) => write!(f, "ChildSecret(address {})", public.address()),
            Err(e) => write!(f, "ChildSecret({e})"),
        }
    }
}

impl ChildSecret {
    /// The child public key; a zero child secret (`root = −tweak`) has none (the identity point).
    pub fn public(&self) -> Result<PublicKey, InvalidPublicKey> {
        PublicKey::from_affine((ProjectivePoint::GENERATOR * self.0).to_affine())
    }

    /// As a k256 secret key (for signing).
    pub(crate) fn secret_key(&self) -> Option<SecretKey> {
        SecretKey::from_bytes(&self.0.to_bytes()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Address, B256, U256};

    fn path(index: u64) -> KeyPath {
        KeyPath {
            evm_chain_id: 31_337,
            proxy: Address::repeat_byte(0x11),
            owner: Address::repeat_byte(0x22),
            wallet_type_id: B256::repeat_byte(0x33),
            index: U256::from(index),
        }
    }

    #[test]
    fn child_secret_matches_public_derivation() {
        let root = RootSecret::from_seed("test").expect("root");
        for index in 0..4 {
            let p = path(index);
            assert_eq!(root.child(&p).public(), root.public().derive(&p));
        }
    }

    #[test]
    fn a_zero_child_has_no_public_key() {
        let p = path(3);
        let root = RootSecret::from_scalar(-p.tweak()).expect("root");
        assert!(root.child(&p).public().is_err());
        assert!(root.public().derive(&p).is_err());
        assert!(format!("{:?}", root.child(&p)).contains("identity"));
    }

    #[test]
    fn rejects_zero_and_out_of_range_secrets() {
        assert!(RootSecret::from_bytes(&[0u8; 32]).is_err());
        assert!(RootSecret::from_bytes(&[0xff; 32]).is_err());
        assert!(RootSecret::from_bytes(&[1u8; 32]).is_ok());
    }

    #[test]
    fn reads_a_key_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("root.key");
        std::fs::write(&path, format!("0x{}\n", "07".repeat(32))).expect("write");
        let from_file = RootSecret::from_key_file(&path).expect("key file");
        assert_eq!(from_file.public(), RootSecret::from_bytes(&[7u8; 32]).expect("root").public());
        std::fs::write(&path, "not hex").expect("write");
        assert!(RootSecret::from_key_file(&path).is_err());
        assert!(RootSecret::from_key_file(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = RootSecret::from_bytes(&[7u8; 32]).expect("root");
        let shown = format!("{secret:?}");
        assert!(!shown.contains("0707"), "{shown}");
    }
}
