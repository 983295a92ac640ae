//! The additive child derivation the contract checks (spec §3), public side:
//! `tweak = keccak256(abi.encode(chainid, proxy, owner, walletTypeId, index)) mod n`, child `R + tweak·G`.
//! The secrets that match it are the MPC network's ([`crate::mpc::keys`]).

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    sol_types::SolValue,
};
use k256::{
    AffinePoint, EncodedPoint, ProjectivePoint, Scalar,
    elliptic_curve::{ops::Reduce, sec1::FromEncodedPoint, sec1::ToEncodedPoint},
};

/// The secp256k1 group order n.
pub const SECP256K1_N: U256 =
    alloy::primitives::uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

/// Where a key sits: the deployment (its chain's EVM chain id + proxy) and the key's coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPath {
    /// `block.chainid` of the deployment's chain.
    pub evm_chain_id: u64,
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
        let encoded = (U256::from(self.evm_chain_id), self.proxy, self.owner, self.wallet_type_id, self.index)
            .abi_encode_params();
        <Scalar as Reduce<k256::U256>>::reduce_bytes(&keccak256(encoded).0.into())
    }
}

/// A secp256k1 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub AffinePoint);

/// Why bytes are not a public key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a secp256k1 public key: {0}")]
pub struct InvalidPublicKey(pub String);

impl PublicKey {
    /// A point from its uncompressed `x ‖ y` (64 bytes, as `rootKey` and `zrKeyRes` carry it).
    pub fn from_xy(xy: &[u8; 64]) -> Result<Self, InvalidPublicKey> {
        let encoded = EncodedPoint::from_untagged_bytes(xy.into());
        Option::<AffinePoint>::from(AffinePoint::from_encoded_point(&encoded))
            .map(Self)
            .ok_or_else(|| InvalidPublicKey("not on the curve".into()))
    }

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
            evm_chain_id: 31_337,
            proxy: Address::repeat_byte(0x11),
            owner: Address::repeat_byte(0x22),
            wallet_type_id: B256::repeat_byte(0x33),
            index: U256::from(index),
        }
    }

    #[test]
    fn tweak_binds_every_coordinate() {
        let base = path(0);
        let variants = [
            KeyPath { evm_chain_id: 1, ..base },
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
    fn xy_round_trips_and_rejects_points_off_the_curve() {
        let g = PublicKey(AffinePoint::GENERATOR);
        assert_eq!(PublicKey::from_xy(&g.xy()), Ok(g));
        let mut off = g.xy();
        off[63] ^= 1;
        assert!(PublicKey::from_xy(&off).is_err());
    }
}
