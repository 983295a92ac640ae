//! Identifiers, computed as v1 computes them (spec §2). "Chain id" has two meanings and two names here:
//! - an **EVM chain id** is the numeric `block.chainid` (`u64`, fields named `evm_chain_id`);
//! - a **chain key** is the registry's `bytes32 chainId = keccak256(bytes(caip2))` of a CAIP-2 id
//!   ([`Caip2::key`], fields named `chain_key`).

use alloy::{
    primitives::{B256, U256, keccak256},
    sol_types::SolValue,
};
use std::{fmt, str::FromStr};

/// A CAIP-2 chain id such as `eip155:1` or `bip122:000000000019d6689c085ae165831e93`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Caip2(String);

/// Why a string is not a CAIP-2 chain id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a CAIP-2 chain id (namespace:reference, e.g. eip155:1)")]
pub struct InvalidCaip2(pub String);

impl Caip2 {
    /// `eip155:<evm chain id>`.
    pub fn eip155(evm_chain_id: u64) -> Self {
        Self(format!("eip155:{evm_chain_id}"))
    }

    /// The registry key: `keccak256(bytes(caip2))`.
    pub fn key(&self) -> B256 {
        chain_key(&self.0)
    }

    /// The EVM chain id of an `eip155:` chain.
    pub fn evm_chain_id(&self) -> Option<u64> {
        self.0.strip_prefix("eip155:")?.parse().ok()
    }

    /// The string form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Caip2 {
    type Err = InvalidCaip2;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // CAIP-2: namespace [-a-z0-9]{3,8}, reference [-_a-zA-Z0-9]{1,32}.
        let valid = s.split_once(':').is_some_and(|(namespace, reference)| {
            (3..=8).contains(&namespace.len())
                && namespace.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && (1..=32).contains(&reference.len())
                && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        if valid { Ok(Self(s.to_owned())) } else { Err(InvalidCaip2(s.to_owned())) }
    }
}

impl TryFrom<String> for Caip2 {
    type Error = InvalidCaip2;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Caip2> for String {
    fn from(c: Caip2) -> Self {
        c.0
    }
}

impl fmt::Display for Caip2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The registry key of a CAIP-2 string: `keccak256(bytes(caip2))`.
pub fn chain_key(caip2: &str) -> B256 {
    keccak256(caip2.as_bytes())
}

/// A BIP-44 wallet type: (purpose, coin type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WalletType {
    /// BIP-44 purpose (44, 84, …).
    pub purpose: u32,
    /// SLIP-44 coin type (60 = Ether, 0 = Bitcoin, 1 = testnets).
    pub coin_type: u32,
}

impl WalletType {
    /// The EVM wallet type (44, 60).
    pub const EVM: Self = Self { purpose: 44, coin_type: 60 };
    /// Bitcoin native SegWit (84, 0).
    pub const BITCOIN: Self = Self { purpose: 84, coin_type: 0 };
    /// Bitcoin testnet native SegWit (84, 1).
    pub const BITCOIN_TESTNET: Self = Self { purpose: 84, coin_type: 1 };

    /// Its id, as v1 computes it: `keccak256(abi.encode(uint256 purpose, uint256 coinType))`.
    pub fn id(&self) -> B256 {
        wallet_type_id(self.purpose, self.coin_type)
    }
}

/// A wallet type's id: `keccak256(abi.encode(uint256 purpose, uint256 coinType))`.
pub fn wallet_type_id(purpose: u32, coin_type: u32) -> B256 {
    keccak256((U256::from(purpose), U256::from(coin_type)).abi_encode_params())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_identifiers() {
        // spec §10: EVM (44, 60).
        assert_eq!(
            WalletType::EVM.id().to_string(),
            "0xe146c2986893c43af5ff396310220be92058fb9f4ce76b929b80ef0d5307100a"
        );
        let c: Caip2 = "eip155:31337".parse().expect("caip2");
        assert_eq!(c.key(), keccak256(b"eip155:31337"));
        assert_eq!(c.evm_chain_id(), Some(31_337));
        assert_eq!(Caip2::eip155(1).as_str(), "eip155:1");
    }

    #[test]
    fn parses_caip2() {
        assert!("bip122:000000000019d6689c085ae165831e93".parse::<Caip2>().is_ok());
        for bad in ["", "eip155", "eip155:", "EIP155:1", "ab:1", "eip155:1:2", "eip155:a b"] {
            assert!(bad.parse::<Caip2>().is_err(), "{bad}");
        }
    }
}
