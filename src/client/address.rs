//! Keys derived offline, exactly as the contract derives them (spec §3): the child `R + tweak·G` of the root
//! key `R`, the tweak binding the deployment (EVM chain id + proxy), owner, wallet type and index. An address
//! format turns the child's public key into a wallet type's native address: EVM here; a Bitcoin format plugs in
//! through [`AddressFormat`] without touching the derivation.

use crate::protocol::{KeyPath, PublicKey, WalletType};
use alloy::primitives::{Address, B256, U256};

/// A key derived from a root key, with its coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DerivedKey {
    /// Where it sits: deployment, owner, wallet type, index.
    pub path: KeyPath,
    /// The child public key.
    pub public_key: PublicKey,
}

impl DerivedKey {
    /// The key of `path` under `root` (no chain access).
    pub fn derive(root: &PublicKey, path: KeyPath) -> Self {
        Self { path, public_key: root.derive(&path) }
    }

    /// Its EVM address (the same on every EVM chain).
    pub fn evm_address(&self) -> Address {
        self.public_key.address()
    }

    /// Its address in `format` (e.g. a Bitcoin wallet type's native address).
    pub fn address(&self, format: &dyn AddressFormat) -> Result<String, AddressError> {
        format.encode(&self.public_key)
    }
}

/// The key of `owner`'s `index`-th key of `wallet_type` in the deployment at `proxy` on EVM chain
/// `evm_chain_id`, derived from `root` offline — what the contract's `derivedAddress` computes.
pub fn derive_address(
    root: &PublicKey,
    evm_chain_id: u64,
    proxy: Address,
    owner: Address,
    wallet_type: B256,
    index: U256,
) -> DerivedKey {
    DerivedKey::derive(root, KeyPath { evm_chain_id, proxy, owner, wallet_type_id: wallet_type, index })
}

/// Why a public key has no address in a format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{format}: {message}")]
pub struct AddressError {
    /// The format.
    pub format: &'static str,
    /// Why.
    pub message: String,
}

/// A wallet type's native address encoding of a secp256k1 public key.
pub trait AddressFormat: Send + Sync {
    /// The wallet type it encodes addresses for.
    fn wallet_type(&self) -> WalletType;

    /// The address of `key`, as the wallet type's users write it.
    fn encode(&self, key: &PublicKey) -> Result<String, AddressError>;
}

/// EVM addresses: `keccak256(x ‖ y)[12..]`, EIP-55 checksummed (what v1's `getZrKey` returns).
#[derive(Debug, Clone, Copy, Default)]
pub struct EvmAddress;

impl AddressFormat for EvmAddress {
    fn wallet_type(&self) -> WalletType {
        WalletType::EVM
    }

    fn encode(&self, key: &PublicKey) -> Result<String, AddressError> {
        Ok(key.address().to_checksum(None))
    }
}

/// The built-in format of a wallet type, if there is one. Seam for issue 10: when `src/bitcoin.rs` lands with
/// a bech32 P2WPKH format, return it here for [`WalletType::BITCOIN`] and [`WalletType::BITCOIN_TESTNET`]; any
/// other format can be passed to [`DerivedKey::address`] directly.
pub fn builtin_format(wallet_type: B256) -> Option<&'static dyn AddressFormat> {
    (wallet_type == WalletType::EVM.id()).then_some(&EvmAddress as &dyn AddressFormat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpc::keys::RootSecret;

    #[test]
    fn derivation_matches_the_secret_side_and_formats_plug_in() {
        let root = RootSecret::from_seed("client address").expect("root");
        let (owner, proxy) = (Address::repeat_byte(2), Address::repeat_byte(3));
        let key = derive_address(&root.public(), 31_337, proxy, owner, WalletType::EVM.id(), U256::from(4));
        assert_eq!(key.evm_address(), root.child(&key.path).public().address());
        let format = builtin_format(WalletType::EVM.id()).expect("EVM is built in");
        assert_eq!(key.address(format).expect("evm"), key.evm_address().to_checksum(None));
        assert!(builtin_format(WalletType::BITCOIN.id()).is_none(), "bitcoin plugs in with src/bitcoin.rs");
    }
}
