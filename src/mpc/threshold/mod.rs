//! Threshold ECDSA for the MPC network (CGGMP21 through the audited `cggmp21` crate): t-of-n key shares from a
//! distributed key generation with auxiliary info, presignatures generated ahead of time, and one-round signing
//! with the contract's additive derivation applied at signing time.
//!
//! Derivation. The contract's child key is `R + tweak·G` ([`crate::protocol::derivation`]). A presignature of
//! party `i` holds `(R, k_i, χ_i)` with `Σk_i = k`, `Σχ_i = k·x` over the signing set; shifting every
//! `χ_i` by `tweak·k_i` gives `Σχ'_i = k·(x + tweak)`, a presignature of the child secret `x + tweak`, so the
//! partial signatures `σ_i = k_i·m + r·χ'_i` combine to `s = k(m + r(x + tweak))`: an ECDSA signature by the
//! child key, exactly the contract's shift (no HD chain code, no SLIP-10). [`partial_sign`] applies it;
//! [`combine`] checks the result recovers to the child before anyone sees it.

pub mod check;
pub mod local;
pub mod share;

use crate::protocol::{KeyPath, PublicKey};
use alloy::primitives::{B256, Signature, U256};
use cggmp21::{
    DataToSign, ExecutionId,
    generic_ec::{Scalar, SecretScalar},
    round_based::{Delivery, MpcParty},
};
use rand_core::OsRng;

/// The curve.
pub type Curve = cggmp21::supported_curves::Secp256k1;
/// The security level (128-bit; 1536-bit safe primes for the Paillier moduli).
pub type Level = cggmp21::security_level::SecurityLevel128;
type Hash = sha2_10::Sha256;
/// A party's complete key share (secret share, public shares, Paillier auxiliary info).
pub type KeyShare = cggmp21::KeyShare<Curve, Level>;
/// Safe primes for a party's Paillier modulus (slow to generate: pre-generate them).
pub type Primes = cggmp21::PregeneratedPrimes<Level>;
/// A party's share of a presignature (never reuse one).
pub type Presignature = cggmp21::Presignature<Curve>;
/// A party's partial signature (no secret in it).
pub type PartialSignature = cggmp21::PartialSignature<Curve>;
/// Key generation messages.
pub type KeygenMsg = cggmp21::keygen::ThresholdMsg<Curve, Level, Hash>;
/// Auxiliary info generation messages.
pub type AuxMsg = cggmp21::key_refresh::msg::aux_only::Msg<Hash, Level>;
/// Presignature generation messages.
pub type PresignMsg = cggmp21::signing::msg::Msg<Curve, Hash>;

/// Why a threshold operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ThresholdError {
    /// Bad parameters (threshold, party counts, indexes).
    #[error("invalid parameters: {0}")]
    Params(String),
    /// The distributed key generation failed.
    #[error("key generation failed: {0}")]
    Keygen(String),
    /// The auxiliary info generation failed.
    #[error("auxiliary info generation failed: {0}")]
    AuxInfo(String),
    /// A key share does not validate.
    #[error("invalid key share: {0}")]
    InvalidShare(String),
    /// The presignature protocol failed (a party aborted or misbehaved).
    #[error("presignature generation failed: {0}")]
    Presign(String),
    /// The partial signatures do not combine into a signature by the child key.
    #[error("combining partial signatures failed: {0}")]
    Combine(String),
    /// A party's task panicked or was cancelled.
    #[error("party task failed: {0}")]
    Task(String),
}

/// Fresh safe primes for one party (tens of seconds: done once per party at keygen).
pub fn generate_primes() -> Primes {
    Primes::generate(&mut OsRng)
}

/// Party `i` of `n` runs the threshold-`t` key generation, then the auxiliary info generation, and completes its
/// key share. `eid` must be unique per run and the same for every party.
pub async fn keygen_party(
    eid: &[u8],
    i: u16,
    n: u16,
    t: u16,
    primes: Primes,
    keygen: impl Delivery<KeygenMsg>,
    aux: impl Delivery<AuxMsg>,
) -> Result<KeyShare, ThresholdError> {
    if t < 2 || t > n || i >= n {
        return Err(ThresholdError::Params(format!("party {i} of {n} with threshold {t} (need 2 <= t <= n)")));
    }
    let keygen_eid = [eid, b"/keygen"].concat();
    let incomplete = cggmp21::keygen::<Curve>(ExecutionId::new(&keygen_eid), i, n)
        .set_threshold(t)
        .start(&mut OsRng, MpcParty::connected(keygen))
        .await
        .map_err(|e| ThresholdError::Keygen(format!("party {i}: {e}")))?;
    let aux_eid = [eid, b"/aux"].concat();
    let aux_info = cggmp21::aux_info_gen(ExecutionId::new(&aux_eid), i, n, primes)
        .start(&mut OsRng, MpcParty::connected(aux))
        .await
        .map_err(|e| ThresholdError::AuxInfo(format!("party {i}: {e}")))?;
    KeyShare::from_parts((incomplete, aux_info)).map_err(|e| ThresholdError::InvalidShare(e.to_string()))
}

/// Signer `i` (its position in `parties`, the signing set's keygen indexes) generates its share of one
/// presignature with the others of `parties`.
pub async fn presign_party(
    eid: &[u8],
    i: u16,
    parties: &[u16],
    share: &KeyShare,
    delivery: impl Delivery<PresignMsg>,
) -> Result<Presignature, ThresholdError> {
    cggmp21::signing(ExecutionId::new(eid), i, parties, share)
        .generate_presignature(&mut OsRng, MpcParty::connected(delivery))
        .await
        .map_err(|e| ThresholdError::Presign(format!("signer {i} of {parties:?}: {e}")))
}

/// The root public key the shares hold (what `setRootKey` takes).
pub fn root_public_key(share: &KeyShare) -> Result<PublicKey, ThresholdError> {
    let encoded = share.shared_public_key.to_bytes(false);
    let xy: &[u8; 64] = encoded
        .as_bytes()
        .get(1..65)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ThresholdError::InvalidShare("shared public key is not a 65-byte point".into()))?;
    PublicKey::from_xy(xy).map_err(|e| ThresholdError::InvalidShare(e.to_string()))
}

/// The tweak of `path` as cggmp21's scalar (the same value mod n as the contract's).
fn tweak(path: &KeyPath) -> Scalar<Curve> {
    Scalar::from_be_bytes_mod_order(path.tweak().to_bytes())
}

/// Issues this party's partial signature of `digest` by the child key at `path`, consuming the presignature.
pub fn partial_sign(presignature: Presignature, path: &KeyPath, digest: B256) -> PartialSignature {
    let Presignature { R, k, chi } = presignature;
    let mut shifted = *chi.as_ref() + tweak(path) * k.as_ref();
    let shifted = Presignature { R, k, chi: SecretScalar::new(&mut shifted) };
    shifted.issue_partial_signature(DataToSign::from_scalar(Scalar::from_be_bytes_mod_order(digest)))
}

/// Combines the signing set's partial signatures into the signature the contract takes (low s, with the
/// recovery parity) and checks it recovers to `child` for `digest`.
pub fn combine(partials: &[PartialSignature], digest: B256, child: &PublicKey) -> Result<Signature, ThresholdError> {
    let signature = cggmp21::PartialSignature::combine(partials)
        .ok_or_else(|| ThresholdError::Combine("no partial signatures, or r or s is zero".into()))?;
    let mut rs = [0u8; 64];
    signature.write_to_slice(&mut rs);
    let (r, s) = (U256::from_be_slice(&rs[..32]), U256::from_be_slice(&rs[32..]));
    let expected = child.address();
    [false, true]
        .into_iter()
        .map(|parity| Signature::new(r, s, parity))
        .find(|sig| sig.recover_address_from_prehash(&digest).is_ok_and(|a| a == expected))
        .ok_or_else(|| ThresholdError::Combine(format!("the signature does not recover to the child {expected}")))
}

/// Runs a key generation among `n` co-located parties (one task each): the shares, by party index.
pub async fn local_keygen(eid: &[u8], n: u16, t: u16, primes: Vec<Primes>) -> Result<Vec<KeyShare>, ThresholdError> {
    if primes.len() != usize::from(n) {
        return Err(ThresholdError::Params(format!("{} prime pairs for {n} parties", primes.len())));
    }
    let keygen = local::session::<KeygenMsg>(n);
    let aux = local::session::<AuxMsg>(n);
    let tasks: Vec<_> = keygen
        .into_iter()
        .zip(aux)
        .zip(primes)
        .enumerate()
        .map(|(i, ((kg, ax), primes))| {
            let eid = eid.to_vec();
            off_runtime(async move { keygen_party(&eid, i as u16, n, t, primes, kg, ax).await })
        })
        .collect();
    let mut shares = Vec::with_capacity(tasks.len());
    for task in tasks {
        shares.push(task.await.map_err(|e| ThresholdError::Task(e.to_string()))??);
    }
    Ok(shares)
}

/// Runs one presignature generation among co-located signers: `shares[j]` is the share of keygen party
/// `parties[j]`. The presignature shares, in the order of `parties`.
pub async fn local_presign(
    eid: &[u8],
    parties: &[u16],
    shares: &[std::sync::Arc<KeyShare>],
) -> Result<Vec<Presignature>, ThresholdError> {
    if parties.len() != shares.len() {
        return Err(ThresholdError::Params(format!("{} shares for signers {parties:?}", shares.len())));
    }
    let sessions = local::session::<PresignMsg>(parties.len() as u16);
    let tasks: Vec<_> = sessions
        .into_iter()
        .zip(shares.iter().cloned())
        .enumerate()
        .map(|(i, (delivery, share))| {
            let (eid, parties) = (eid.to_vec(), parties.to_vec());
            off_runtime(async move { presign_party(&eid, i as u16, &parties, &share, delivery).await })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.map_err(|e| ThresholdError::Task(e.to_string()))??);
    }
    Ok(out)
}

/// Runs a party's protocol on a blocking thread of its own: the protocols are long CPU work between awaits
/// (Paillier arithmetic, ZK proofs), which must not hold the async workers that serve RPC and I/O.
pub fn off_runtime<F>(protocol: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::task::spawn_blocking(move || futures::executor::block_on(protocol))
}
