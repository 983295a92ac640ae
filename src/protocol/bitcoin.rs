//! Bitcoin native SegWit v0 addresses (BIP-84 wallet types): P2WPKH = bech32(hrp, 0, RIPEMD160(SHA256(key)))
//! of the compressed public key the contract stores (BIP-173).

use ripemd::Ripemd160;
use sha2::{Digest, Sha256};

const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATOR: [u32; 5] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3];

fn polymod(values: &[u8]) -> u32 {
    let mut checksum = 1u32;
    for &v in values {
        let top = checksum >> 25;
        checksum = ((checksum & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GENERATOR.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                checksum ^= g;
            }
        }
    }
    checksum
}

/// Regroups 8-bit bytes into 5-bit groups (padding the last).
fn to_five_bits(data: &[u8]) -> Vec<u8> {
    let (mut acc, mut bits, mut out) = (0u32, 0u32, Vec::with_capacity(data.len() * 8 / 5 + 1));
    for &byte in data {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(((acc >> bits) & 31) as u8);
        }
    }
    if bits > 0 {
        out.push(((acc << (5 - bits)) & 31) as u8);
    }
    out
}

/// The bech32 string of `data` (5-bit groups) under `hrp`.
fn bech32(hrp: &str, data: &[u8]) -> String {
    let mut values: Vec<u8> = hrp.bytes().map(|b| b >> 5).collect();
    values.push(0);
    values.extend(hrp.bytes().map(|b| b & 31));
    values.extend_from_slice(data);
    values.extend_from_slice(&[0; 6]);
    let checksum = polymod(&values) ^ 1;
    let mut out = String::with_capacity(hrp.len() + 1 + data.len() + 6);
    out.push_str(hrp);
    out.push('1');
    let checksum_groups = (0..6).map(|i| ((checksum >> (5 * (5 - i))) & 31) as u8);
    for v in data.iter().copied().chain(checksum_groups) {
        out.push(char::from(CHARSET[usize::from(v)]));
    }
    out
}

/// The P2WPKH address of a 33-byte compressed public key, with `hrp` `bc` (mainnet) or `tb` (testnet);
/// `None` if the key is not 33 bytes.
pub fn p2wpkh(compressed_public_key: &[u8], hrp: &str) -> Option<String> {
    if compressed_public_key.len() != 33 {
        return None;
    }
    let hash = Ripemd160::digest(Sha256::digest(compressed_public_key));
    let mut data = vec![0u8]; // witness version 0
    data.extend(to_five_bits(&hash));
    Some(bech32(hrp, &data))
}

#[cfg(test)]
mod tests {
    #[test]
    fn bip173_p2wpkh_vector() {
        // BIP-173's example key 0279BE66…F81798 (the generator point).
        let key =
            alloy::hex::decode("0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798").expect("hex");
        assert_eq!(super::p2wpkh(&key, "bc").as_deref(), Some("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));
        assert_eq!(super::p2wpkh(&key, "tb").as_deref(), Some("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"));
        assert_eq!(super::p2wpkh(&key[1..], "bc"), None);
    }
}
