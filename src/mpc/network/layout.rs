//! A network directory, as `zrsign mpc keygen --out` writes it: one encrypted share file per node
//! (`share-<i>.json`), the network's certificates ([`super::pki`]) and `root.json` (the root public key that
//! `deploy` / `setRootKey` take, with the key's parties and threshold). Nothing in it is ever overwritten.

use super::{NetError, pki};
use crate::{
    mpc::threshold::{self, KeyShare, ThresholdError, share},
    protocol::PublicKey,
};
use std::path::{Path, PathBuf};

/// Why a network directory cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// A share file.
    #[error(transparent)]
    Share(#[from] share::ShareFileError),
    /// The certificates.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The shares.
    #[error(transparent)]
    Threshold(#[from] ThresholdError),
    /// `root.json` cannot be read or written.
    #[error("{path}: {message}")]
    Root {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// `root.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RootRecord {
    /// The root public key, `0x` + `x ‖ y` hex (`deploy --root-public-key`).
    pub root_public_key: String,
    /// Its EVM address.
    pub address: alloy::primitives::Address,
    /// Parties of the key.
    pub parties: u16,
    /// Parties needed to sign.
    pub threshold: u16,
}

impl RootRecord {
    /// The root public key.
    pub fn public_key(&self) -> Result<PublicKey, ThresholdError> {
        let bytes = alloy::hex::decode(&self.root_public_key)
            .map_err(|e| ThresholdError::InvalidShare(format!("root_public_key: {e}")))?;
        let xy: [u8; 64] =
            bytes.try_into().map_err(|_| ThresholdError::InvalidShare("root_public_key is not 64 bytes".into()))?;
        PublicKey::from_xy(&xy).map_err(|e| ThresholdError::InvalidShare(e.to_string()))
    }
}

/// Node `i`'s share file.
pub fn share_path(dir: &Path, i: u16) -> PathBuf {
    dir.join(format!("share-{i}.json"))
}

/// The directory's `root.json`.
pub fn root_path(dir: &Path) -> PathBuf {
    dir.join("root.json")
}

/// Writes every party's share (encrypted with `password`, scrypt cost `log_n`), the certificates and
/// `root.json` into `dir` (created; nothing in it may exist yet).
pub fn write(dir: &Path, shares: &[KeyShare], password: &[u8], log_n: u8) -> Result<RootRecord, LayoutError> {
    use cggmp21::key_share::AnyKeyShare;
    let first = shares.first().ok_or_else(|| ThresholdError::Params("no key shares".into()))?;
    let root_file = root_path(dir);
    let root_error = |message: String| LayoutError::Root { path: root_file.clone(), message };
    std::fs::create_dir_all(dir).map_err(|e| root_error(format!("create the directory: {e}")))?;
    if root_file.exists() {
        return Err(root_error("exists; key generation never overwrites a network".into()));
    }
    let root = threshold::root_public_key(first)?;
    let record = RootRecord {
        root_public_key: format!("0x{}", alloy::hex::encode(root.xy())),
        address: root.address(),
        parties: first.n(),
        threshold: first.min_signers(),
    };
    for share in shares {
        share::write(&share_path(dir, share.i), share, password, log_n)?;
    }
    pki::issue(dir, record.parties)?;
    let text = serde_json::to_string_pretty(&record).map_err(|e| root_error(e.to_string()))?;
    std::fs::write(&root_file, text).map_err(|e| root_error(e.to_string()))?;
    Ok(record)
}

/// Reads `root.json` of `dir`.
pub fn read_root(dir: &Path) -> Result<RootRecord, LayoutError> {
    let path = root_path(dir);
    let text =
        std::fs::read_to_string(&path).map_err(|e| LayoutError::Root { path: path.clone(), message: e.to_string() })?;
    serde_json::from_str(&text)
        .map_err(|e| LayoutError::Root { path, message: format!("not `mpc keygen` output: {e}") })
}
