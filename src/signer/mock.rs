//! The mock network's signer: k256 ECDSA (RFC 6979) with child secrets derived from root secrets held in
//! memory; low-s; recovery id kept, so a signature serialises as 65 bytes `r ‖ s ‖ v`, v ∈ {27, 28}.

use super::{SignError, SignItem, SignResult, Signer};
use crate::protocol::KeyPath;
use crate::{
    mpc::keys::{ChildSecret, RootSecret},
    protocol::PublicKey,
};
use alloy::primitives::{B256, Signature};
use k256::ecdsa::SigningKey;
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

/// Most child signing keys kept; past it the cache is emptied and refilled (a bound on memory, not a policy).
pub const KEY_CACHE_LIMIT: usize = 65_536;

/// Child signing keys by (key version, path): building one derives the child secret and, in k256, computes
/// its public key (a scalar multiplication, about the cost of a signature), so a key that signs again is
/// taken from here.
type KeyCache = HashMap<(u32, KeyPath), SigningKey>;

/// Root secrets by key version; signs on a blocking thread (it is CPU work, not I/O, but a batch of many items
/// must not hold an async worker). Clones share one cache of child keys.
#[derive(Clone)]
pub struct MockSigner {
    roots: BTreeMap<u32, RootSecret>,
    keys: Arc<Mutex<KeyCache>>,
}

impl std::fmt::Debug for MockSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockSigner").field("roots", &self.roots).finish_non_exhaustive()
    }
}

impl MockSigner {
    /// A signer holding `roots` by key version.
    pub fn new(roots: BTreeMap<u32, RootSecret>) -> Self {
        Self { roots, keys: Arc::default() }
    }

    /// A signer holding one root as version 1.
    pub fn single(root: RootSecret) -> Self {
        Self::new(BTreeMap::from([(1, root)]))
    }

    fn sign_now(&self, key_version: u32, items: &[SignItem]) -> Vec<SignResult> {
        let Some(root) = self.roots.get(&key_version) else {
            let refused = SignError::Refused(format!("key version {key_version} is not held by this signer"));
            return vec![Err(refused); items.len()];
        };
        // A poisoned lock only means another signing thread panicked mid-insert: the map is still valid.
        let mut keys = self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        items
            .iter()
            .map(|item| {
                let cached = (key_version, item.path);
                if let Some(key) = keys.get(&cached) {
                    return sign_with(key, item.digest);
                }
                let key = signing_key(&root.child(&item.path))?;
                let result = sign_with(&key, item.digest);
                if keys.len() >= KEY_CACHE_LIMIT {
                    keys.clear();
                }
                keys.insert(cached, key);
                result
            })
            .collect()
    }

    /// Child keys currently cached.
    pub fn cached_keys(&self) -> usize {
        self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }
}

/// Batches above this size are signed on a blocking thread.
const INLINE_BATCH: usize = 4;

impl Signer for MockSigner {
    fn root_public_key(&self, key_version: u32) -> Option<PublicKey> {
        self.roots.get(&key_version).map(RootSecret::public)
    }

    async fn sign_batch(&self, key_version: u32, items: Vec<SignItem>) -> Vec<SignResult> {
        if items.len() <= INLINE_BATCH {
            return self.sign_now(key_version, &items);
        }
        let this = self.clone();
        let count = items.len();
        match tokio::task::spawn_blocking(move || this.sign_now(key_version, &items)).await {
            Ok(results) => results,
            Err(e) => vec![Err(SignError::Aborted(format!("signing task failed: {e}"))); count],
        }
    }
}

/// Signs `digest` with `secret`. The signature is normalised to low s (the contract rejects high s).
pub fn sign(secret: &ChildSecret, digest: B256) -> SignResult {
    sign_with(&signing_key(secret)?, digest)
}

/// The k256 signing key of `secret`.
fn signing_key(secret: &ChildSecret) -> Result<SigningKey, SignError> {
    // Zero only if root + tweak ≡ 0 (mod n): probability 2^-256, reported rather than assumed away.
    Ok(SigningKey::from(secret.secret_key().ok_or_else(|| SignError::Refused("child secret is zero".into()))?))
}

/// Signs `digest` with `key`, normalised to low s.
pub fn sign_with(key: &SigningKey, digest: B256) -> SignResult {
    let (signature, recovery) = key
        .sign_prehash_recoverable(digest.as_slice())
        .map_err(|e| SignError::Refused(format!("k256 refused to sign: {e}")))?;
    // k256 already returns low-s signatures; normalising here keeps low-s a checked property of this function
    // rather than of the dependency (the recovery parity flips with s).
    let (signature, recovery) = match signature.normalize_s() {
        Some(low) => (low, k256::ecdsa::RecoveryId::new(!recovery.is_y_odd(), recovery.is_x_reduced())),
        None => (signature, recovery),
    };
    Ok(Signature::from_signature_and_parity(signature, recovery.is_y_odd()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{KeyPath, SECP256K1_N};
    use alloy::primitives::{Address, U256, keccak256};

    fn path(i: u64) -> KeyPath {
        KeyPath {
            evm_chain_id: 1,
            proxy: Address::ZERO,
            owner: Address::repeat_byte(1),
            wallet_type_id: B256::ZERO,
            index: U256::from(i),
        }
    }

    #[test]
    fn signatures_are_low_s_and_recover_to_the_child() {
        let root = RootSecret::from_seed("sign").expect("root");
        let half_n = SECP256K1_N >> 1;
        for i in 0..32u64 {
            let child = root.child(&path(i));
            let digest = keccak256(i.to_be_bytes());
            let sig = sign(&child, digest).expect("sign");
            assert!(sig.s() <= half_n, "high s");
            assert_eq!(
                sig.recover_address_from_prehash(&digest).expect("recover"),
                child.public().expect("key").address()
            );
            let bytes = sig.as_bytes();
            assert!(bytes[64] == 27 || bytes[64] == 28);
        }
    }

    #[tokio::test]
    async fn batches_sign_each_item_and_refuse_unknown_versions() {
        let root = RootSecret::from_seed("batch").expect("root");
        let signer = MockSigner::single(root.clone());
        let items: Vec<SignItem> = (0..10).map(|i| SignItem { path: path(i), digest: keccak256([i as u8]) }).collect();
        let results = signer.sign_batch(1, items.clone()).await;
        assert_eq!(results.len(), 10);
        for (item, result) in items.iter().zip(&results) {
            let sig = result.as_ref().expect("signed");
            let expected = root.public().derive(&item.path).expect("key").address();
            assert_eq!(sig.recover_address_from_prehash(&item.digest).expect("recover"), expected);
        }
        assert_eq!(signer.cached_keys(), 10);
        // Signed again from the cache (a clone shares it): the same, valid signatures.
        let again = signer.clone().sign_batch(1, items.clone()).await;
        assert_eq!(again, results);
        assert_eq!(signer.cached_keys(), 10);
        let refused = signer.sign_batch(2, items[..2].to_vec()).await;
        assert!(refused.iter().all(|r| matches!(r, Err(SignError::Refused(_)))));
        assert_eq!(signer.root_public_key(1), Some(root.public()));
        assert_eq!(signer.root_public_key(2), None);
    }
}
