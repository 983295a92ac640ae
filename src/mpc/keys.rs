//! Root secrets and the additive child derivation (spec §3):
//! `tweak = keccak256(abi.encode(chainid, proxy, owner, walletTypeId, index)) mod n`,
//! child secret `root + tweak mod n`, child public key `R + tweak·G`.

use super::MpcError;
use alloy::{
    primitives::{Address, B256, U256, keccak256},
    sol_types::SolValue,
};
use k256::{
    ProjectivePoint, Scalar, SecretKey,
    elliptic_curve::{PrimeField, ops::Reduce, sec1::ToEncodedPoint},
};
use std::fmt;

/// The secp256k1 group order n.
pub const SECP256K1_N: U256 =
    alloy::primitives::uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

/// Where a key sits: the deployment (chain id + proxy) and the key's coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPath {
    /// `block.chainid` of the deployment.
    pub chain_id: u64,
    /// The ZrSign proxy.
    pub proxy: Address,
    /// The key's owner.
    pub owner: Address,
    /// The wallet type.
    pub wallet_type_id: B256,
    /// The key's index.
    pub index: U256,
}

impl KeyPath {
    /// The derivation tweak, reduced mod n, exactly as the contract computes it.
    pub fn tweak(&self) -> Scalar {
        let encoded =
            (U256::from(self.chain_id), self.proxy, self.owner, self.wallet_type_id, self.index).abi_encode_params();
        <Scalar as Reduce<k256::U256>>::reduce_bytes(&keccak256(encoded).0.into())
    }
}

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
    pub fn from_seed(seed: &str) -> Result<Self, MpcError> {
        let digest = keccak256([b"zrsign.mpc.root".as_slice(), seed.as_bytes()].concat());
        let scalar = <Scalar as Reduce<k256::U256>>::reduce_bytes(&digest.0.into());
        Self::from_scalar(scalar)
    }

    /// A root secret from 32 big-endian bytes (must be in `[1, n)`).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, MpcError> {
        let scalar = Option::<Scalar>::from(Scalar::from_repr((*bytes).into()))
            .ok_or_else(|| MpcError::InvalidRootSecret("not below the curve order".into()))?;
        Self::from_scalar(scalar)
    }

    /// Reads a key file holding the secret as hex (optionally `0x`-prefixed, surrounding whitespace ignored).
    pub fn from_key_file(path: &std::path::Path) -> Result<Self, MpcError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| MpcError::Io { context: format!("read root key file {}", path.display()), source })?;
        let hex = text.trim().trim_start_matches("0x");
        let mut bytes = [0u8; 32];
        alloy::hex::decode_to_slice(hex, &mut bytes)
            .map_err(|e| MpcError::InvalidRootSecret(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes)
    }

    fn from_scalar(scalar: Scalar) -> Result<Self, MpcError> {
        if bool::from(scalar.is_zero()) {
            return Err(MpcError::InvalidRootSecret("zero".into()));
        }
        Ok(Self(scalar))
    }

    /// The root public key.
    pub fn public(&self) -> PublicKey {
        PublicKey((ProjectivePoint::GENERATOR * self.0).to_affine())
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
        write!(f, "ChildSecret(address {})", self.public().address())
    }
}

impl ChildSecret {
    /// The child public key.
    pub fn public(&self) -> PublicKey {
        PublicKey((ProjectivePoint::GENERATOR * self.0).to_affine())
    }

    /// As a k256 secret key (for signing).
    pub(crate) fn secret_key(&self) -> Option<SecretKey> {
        SecretKey::from_bytes(&self.0.to_bytes()).ok()
    }
}

/// A secp256k1 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub k256::AffinePoint);

impl PublicKey {
    /// The child public key `self + tweak·G` (what the contract checks, without any secret).
    pub fn derive(&self, path: &KeyPath) -> PublicKey {
        PublicKey((ProjectivePoint::from(self.0) + ProjectivePoint::GENERATOR * path.tweak()).to_affine())
    }

    /// Uncompressed, without the 0x04 prefix: `x ‖ y` (64 bytes), as `zrKeyRes` and `setRootKey` take it.
    pub fn xy(&self) -> [u8; 64] {
        let point = self.0.to_encoded_point(false);
        let mut out = [0u8; 64];
        out.copy_from_slice(&point.as_bytes()[1..]);
        out
    }

    /// Compressed SEC1 (33 bytes), as the contract stores it.
    pub fn compressed(&self) -> [u8; 33] {
        let point = self.0.to_encoded_point(true);
        let mut out = [0u8; 33];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// The EVM address: `keccak256(x ‖ y)[12..]`.
    pub fn address(&self) -> Address {
        Address::from_raw_public_key(&self.xy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(index: u64) -> KeyPath {
        KeyPath {
            chain_id: 31_337,
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
    fn tweak_binds_every_coordinate() {
        let base = path(0);
        let variants = [
            KeyPath { chain_id: 1, ..base },
            KeyPath { proxy: Address::repeat_byte(0x12), ..base },
            KeyPath { owner: Address::repeat_byte(0x23), ..base },
            KeyPath { wallet_type_id: B256::repeat_byte(0x34), ..base },
            path(1),
        ];
        for v in variants {
            assert_ne!(v.tweak(), base.tweak(), "{v:?}");
        }
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
