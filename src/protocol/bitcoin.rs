//! Native Bitcoin addresses of the keys the network derives: P2WPKH, the witness version 0 program
//! HASH160(compressed key) = RIPEMD-160(SHA-256(key)), bech32-encoded (BIP-173, not bech32m) with the
//! human-readable part `bc` (mainnet) or `tb` (testnet), lowercase — what `contracts/libraries/BitcoinAddress.sol`
//! computes on-chain.

use bech32::{Hrp, hrp, segwit};
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};

/// The Bitcoin network an address is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// Mainnet: `bc1…`.
    Mainnet,
    /// Testnet (and signet): `tb1…`.
    Testnet,
}

impl Network {
    /// The network of a BIP-44 coin type: 0 is Bitcoin, 1 is every testnet; any other is not Bitcoin.
    pub fn from_coin_type(coin_type: u32) -> Option<Self> {
        match coin_type {
            0 => Some(Self::Mainnet),
            1 => Some(Self::Testnet),
            _ => None,
        }
    }

    /// The BIP-173 human-readable part.
    pub fn hrp(self) -> Hrp {
        match self {
            Self::Mainnet => hrp::BC,
            Self::Testnet => hrp::TB,
        }
    }
}

/// Why no address could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The key's first byte is not 0x02 or 0x03: it is not a compressed secp256k1 public key (the contract
    /// reverts with `ZrSignInvalidCompressedKey`).
    #[error("not a compressed public key: prefix {0:#04x}, expected 0x02 or 0x03")]
    NotCompressed(u8),
    /// The bech32 encoder refused the program (it cannot for a 20-byte version 0 program).
    #[error("bech32 encoding: {0}")]
    Encode(#[from] segwit::EncodeError),
}

/// RIPEMD-160(SHA-256(`data`)).
pub fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(data)).into()
}

/// The P2WPKH address of a compressed secp256k1 public key (`0x02`/`0x03` ‖ x).
pub fn p2wpkh_address(compressed: &[u8; 33], network: Network) -> Result<String, AddressError> {
    match compressed[0] {
        0x02 | 0x03 => Ok(segwit::encode_v0(network.hrp(), &hash160(compressed))?),
        prefix => Err(AddressError::NotCompressed(prefix)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hex: &str) -> [u8; 33] {
        let bytes = alloy::hex::decode(hex).expect("hex");
        bytes.try_into().expect("33 bytes")
    }

    #[test]
    fn bip173_examples() {
        let g = key("0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798");
        assert_eq!(p2wpkh_address(&g, Network::Mainnet).as_deref(), Ok("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));
        assert_eq!(p2wpkh_address(&g, Network::Testnet).as_deref(), Ok("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"));
    }

    #[test]
    fn bip84_vectors() {
        for (pubkey, address) in [
            (
                "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c",
                "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
            ),
            (
                "03e775fd51f0dfb8cd865d9ff1cca2a158cf651fe997fdc9fee9c1d3b5e995ea77",
                "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g",
            ),
            (
                "03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6",
                "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el",
            ),
        ] {
            assert_eq!(p2wpkh_address(&key(pubkey), Network::Mainnet).as_deref(), Ok(address));
        }
    }

    #[test]
    fn uncompressed_prefixes_are_refused() {
        let mut k = key("0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798");
        for prefix in [0x00, 0x01, 0x04, 0x06, 0xff] {
            k[0] = prefix;
            assert_eq!(p2wpkh_address(&k, Network::Mainnet), Err(AddressError::NotCompressed(prefix)));
        }
    }

    #[test]
    fn coin_types() {
        assert_eq!(Network::from_coin_type(0), Some(Network::Mainnet));
        assert_eq!(Network::from_coin_type(1), Some(Network::Testnet));
        assert_eq!(Network::from_coin_type(60), None);
    }
}
