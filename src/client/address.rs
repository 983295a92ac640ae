//! Keys derived offline, exactly as the contract derives them (spec §3): the child `R + tweak·G` of the root
//! key `R`, the tweak binding the deployment (EVM chain id + proxy), owner, wallet type and index. An address
//! format turns the child's public key into a wallet type's native address: EVM, and Bitcoin's P2WPKH for the
//! Bitcoin wallet types (as the contract's `getZrKeys` does); others plug in through [`AddressFormat`] without
//! touching the derivation.

use crate::protocol::{
    InvalidPublicKey, KeyPath, PublicKey, WalletType,
    bitcoin::{Network, p2wpkh_address},
};
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
    /// The key of `path` under `root` (no chain access); an error if the child is the identity point.
    pub fn derive(root: &PublicKey, path: KeyPath) -> Result<Self, InvalidPublicKey> {
        Ok(Self { path, public_key: root.derive(&path)? })
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
) -> Result<DerivedKey, InvalidPublicKey> {
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

/// Bitcoin native SegWit (P2WPKH) addresses, bech32 `bc1q…` / `tb1q…`, of the compressed key (BIP-173).
#[derive(Debug, Clone, Copy)]
pub struct BitcoinP2wpkh {
    /// The wallet type (its coin type says the network).
    pub wallet_type: WalletType,
    /// Mainnet or testnet.
    pub network: Network,
}

impl AddressFormat for BitcoinP2wpkh {
    fn wallet_type(&self) -> WalletType {
        self.wallet_type
    }

    fn encode(&self, key: &PublicKey) -> Result<String, AddressError> {
        p2wpkh_address(&key.compressed(), self.network)
            .map_err(|e| AddressError { format: "bitcoin p2wpkh", message: e.to_string() })
    }
}

/// The Bitcoin wallet types with a built-in format: native SegWit (84) and v1's (44), mainnet and testnet — the
/// contract treats every wallet type of coin type 0 or 1 as Bitcoin.
const BITCOIN_FORMATS: [BitcoinP2wpkh; 4] = [
    BitcoinP2wpkh { wallet_type: WalletType::BITCOIN, network: Network::Mainnet },
    BitcoinP2wpkh { wallet_type: WalletType::BITCOIN_TESTNET, network: Network::Testnet },
    BitcoinP2wpkh { wallet_type: WalletType { purpose: 44, coin_type: 0 }, network: Network::Mainnet },
    BitcoinP2wpkh { wallet_type: WalletType { purpose: 44, coin_type: 1 }, network: Network::Testnet },
];

/// The built-in format of a wallet type, if there is one: EVM (44, 60), and P2WPKH for Bitcoin's (purpose 84 or
/// 44, coin type 0 or 1). Any other format can be passed to [`DerivedKey::address`] directly.
pub fn builtin_format(wallet_type: B256) -> Option<&'static dyn AddressFormat> {
    if wallet_type == WalletType::EVM.id() {
        return Some(&EvmAddress);
    }
    BITCOIN_FORMATS.iter().find(|f| f.wallet_type.id() == wallet_type).map(|f| f as &dyn AddressFormat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpc::keys::RootSecret;

    #[test]
    fn derivation_matches_the_secret_side_and_formats_plug_in() {
        let root = RootSecret::from_seed("client address").expect("root");
        let (owner, proxy) = (Address::repeat_byte(2), Address::repeat_byte(3));
        let key =
            derive_address(&root.public(), 31_337, proxy, owner, WalletType::EVM.id(), U256::from(4)).expect("key");
        assert_eq!(key.evm_address(), root.child(&key.path).public().expect("key").address());
        let format = builtin_format(WalletType::EVM.id()).expect("EVM is built in");
        assert_eq!(key.address(format).expect("evm"), key.evm_address().to_checksum(None));
        let btc = builtin_format(WalletType::BITCOIN.id()).expect("bitcoin is built in");
        let compressed = key.public_key.compressed();
        let expected = p2wpkh_address(&compressed, Network::Mainnet).expect("p2wpkh");
        assert_eq!(key.address(btc).expect("btc"), expected);
        assert!(expected.starts_with("bc1q"), "{expected}");
        let testnet = builtin_format(WalletType::BITCOIN_TESTNET.id()).expect("testnet");
        assert!(key.address(testnet).expect("tb").starts_with("tb1q"));
        assert!(builtin_format(WalletType { purpose: 44, coin_type: 2 }.id()).is_none());
    }
}
