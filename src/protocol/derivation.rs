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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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

/// A secp256k1 public key: a point of the curve other than the identity (every constructor checks it, so its
/// encodings never fail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(AffinePoint);

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

    /// A point as a public key; the identity (which has no encoding and no address) is rejected.
    pub fn from_affine(point: AffinePoint) -> Result<Self, InvalidPublicKey> {
        if point == AffinePoint::IDENTITY {
            return Err(InvalidPublicKey("the identity point".into()));
        }
        Ok(Self(point))
    }

    /// `secret·G` for a secret the caller has checked is not zero (a non-zero scalar never gives the identity in a
    /// group of prime order).
    pub(crate) fn of_nonzero_secret(secret: &Scalar) -> Self {
        Self((ProjectivePoint::GENERATOR * secret).to_affine())
    }

    /// The curve point.
    pub fn point(&self) -> AffinePoint {
        self.0
    }

    /// The child public key `self + tweak·G` (what the contract checks, without any secret). A root chosen as
    /// `−tweak·G` derives the identity for that path: an error, not a key.
    pub fn derive(&self, path: &KeyPath) -> Result<PublicKey, InvalidPublicKey> {
        Self::from_affine((ProjectivePoint::from(self.0) + ProjectivePoint::GENERATOR * path.tweak()).to_affine())
            .map_err(|_| InvalidPublicKey("the derived child is the identity point".into()))
    }

    /// Uncompressed, without the 0x04 prefix: `x ‖ y` (64 bytes), as `zrKeyRes` and `setRootKey` take it.
    pub fn xy(&self) -> [u8; 64] {
        let point = self.0.to_encoded_point(false);
        let mut out = [0u8; 64];
        // Not the identity (checked on construction): the encoding is 0x04 ‖ x ‖ y.
        out.iter_mut().zip(point.as_bytes().iter().skip(1)).for_each(|(o, b)| *o = *b);
        out
    }

    /// Compressed SEC1 (33 bytes), as the contract stores it.
    pub fn compressed(&self) -> [u8; 33] {
        let point = self.0.to_encoded_point(true);
        let mut out = [0u8; 33];
        out.iter_mut().zip(point.as_bytes()).for_each(|(o, b)| *o = *b);
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
    fn the_identity_is_a_typed_error_not_a_key() {
        assert!(PublicKey::from_affine(AffinePoint::IDENTITY).is_err());
        // A root of −tweak·G derives the identity for that path.
        let p = path(7);
        let root = PublicKey::from_affine((-(ProjectivePoint::GENERATOR * p.tweak())).to_affine()).expect("root");
        assert_eq!(root.derive(&p), Err(InvalidPublicKey("the derived child is the identity point".into())));
        assert!(root.derive(&path(8)).is_ok());
    }

    #[test]
    fn xy_round_trips_and_rejects_points_off_the_curve() {
        let g = PublicKey::from_affine(AffinePoint::GENERATOR).expect("generator");
        assert_eq!(PublicKey::from_xy(&g.xy()), Ok(g));
        let mut off = g.xy();
        off[63] ^= 1;
        assert!(PublicKey::from_xy(&off).is_err());
    }
}
