//! Key share files, encrypted at rest: ChaCha20-Poly1305 under a key from scrypt over the node's password, the
//! file's public header (party, parties, threshold, root key) bound as associated data. A key-check value tells a
//! wrong password from a damaged file. Files are written once: an existing file is never overwritten.

use super::KeyShare;
use crate::protocol::PublicKey;
use alloy::{hex, primitives::keccak256};
use cggmp21::key_share::AnyKeyShare;
use chacha20poly1305::{
    ChaCha20Poly1305, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const FORMAT: &str = "zrsign-mpc-share/1";
/// scrypt cost for share files (log2 N): 2^15 × 8 × 128 B = 32 MiB.
pub const DEFAULT_LOG_N: u8 = 15;

/// Why a share file cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ShareFileError {
    /// The file system failed.
    #[error("{context} {path}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file exists: share files are never overwritten.
    #[error("share file {0} already exists; not overwriting it")]
    Exists(PathBuf),
    /// The password does not open this file.
    #[error("wrong password for share file {0}")]
    WrongPassword(PathBuf),
    /// The file is not a share file, or was altered or damaged.
    #[error("share file {path} is corrupted: {reason}")]
    Corrupted {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The password is empty.
    #[error("empty password for share file {0}")]
    EmptyPassword(PathBuf),
}

/// The public header of a share file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareHeader {
    /// The file format.
    pub format: String,
    /// The party's keygen index.
    pub party: u16,
    /// The number of parties.
    pub parties: u16,
    /// The threshold.
    pub threshold: u16,
    /// The root public key, `x ‖ y` hex.
    pub root_public_key: String,
}

#[derive(Serialize, Deserialize)]
struct ShareFile {
    header: ShareHeader,
    log_n: u8,
    salt: String,
    check: String,
    nonce: String,
    ciphertext: String,
}

fn derive_key(password: &[u8], salt: &[u8], log_n: u8) -> Result<[u8; 32], String> {
    let params = scrypt::Params::new(log_n, 8, 1).map_err(|e| format!("scrypt parameters: {e}"))?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password, salt, &params, &mut key).map_err(|e| format!("scrypt: {e}"))?;
    Ok(key)
}

fn key_check(key: &[u8; 32]) -> [u8; 32] {
    keccak256([b"zrsign.mpc.share.check".as_slice(), key].concat()).0
}

/// Encrypts `share` to a new file `path` (fails if it exists; written whole or not at all).
pub fn write(path: &Path, share: &KeyShare, password: &[u8], log_n: u8) -> Result<ShareHeader, ShareFileError> {
    if password.is_empty() {
        return Err(ShareFileError::EmptyPassword(path.into()));
    }
    if path.exists() {
        return Err(ShareFileError::Exists(path.into()));
    }
    let corrupted = |reason: String| ShareFileError::Corrupted { path: path.into(), reason };
    let root = super::root_public_key(share).map_err(|e| corrupted(e.to_string()))?;
    let header = ShareHeader {
        format: FORMAT.into(),
        party: share.i,
        parties: share.n(),
        threshold: share.min_signers(),
        root_public_key: hex::encode(root.xy()),
    };
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut nonce);
    let key = derive_key(password, &salt, log_n).map_err(corrupted)?;
    let plaintext = serde_json::to_vec(share).map_err(|e| corrupted(format!("serialise the share: {e}")))?;
    let aad = serde_json::to_vec(&header).map_err(|e| corrupted(e.to_string()))?;
    let ciphertext = ChaCha20Poly1305::new(&key.into())
        .encrypt(&Nonce::from(nonce), Payload { msg: &plaintext, aad: &aad })
        .map_err(|_| corrupted("encryption failed".into()))?;
    let file = ShareFile {
        header: header.clone(),
        log_n,
        salt: hex::encode(salt),
        check: hex::encode(key_check(&key)),
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ciphertext),
    };
    let text = serde_json::to_vec_pretty(&file).map_err(|e| corrupted(e.to_string()))?;
    let io = |context, source| ShareFileError::Io { context, path: path.into(), source };
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    write_private(&tmp, &text).map_err(|e| io("write", e))?;
    // A hard link to the final name fails if it exists: no race overwrites a share written meanwhile.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(header),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(ShareFileError::Exists(path.into())),
        Err(e) => Err(io("create", e)),
    }
}

/// Reads and decrypts the share file `path`: its header and the validated key share.
pub fn read(path: &Path, password: &[u8]) -> Result<(ShareHeader, KeyShare), ShareFileError> {
    let text =
        std::fs::read(path).map_err(|source| ShareFileError::Io { context: "read", path: path.into(), source })?;
    let corrupted = |reason: String| ShareFileError::Corrupted { path: path.into(), reason };
    let file: ShareFile = serde_json::from_slice(&text).map_err(|e| corrupted(format!("not a share file: {e}")))?;
    if file.header.format != FORMAT {
        return Err(corrupted(format!("format {:?}, expected {FORMAT:?}", file.header.format)));
    }
    let bytes = |field: &str, value: &str| hex::decode(value).map_err(|e| corrupted(format!("{field}: {e}")));
    let (salt, check, nonce, ciphertext) = (
        bytes("salt", &file.salt)?,
        bytes("check", &file.check)?,
        bytes("nonce", &file.nonce)?,
        bytes("ciphertext", &file.ciphertext)?,
    );
    let nonce: [u8; 12] = nonce.try_into().map_err(|n: Vec<u8>| corrupted(format!("nonce of {} bytes", n.len())))?;
    let key = derive_key(password, &salt, file.log_n).map_err(corrupted)?;
    if check != key_check(&key) {
        return Err(ShareFileError::WrongPassword(path.into()));
    }
    let aad = serde_json::to_vec(&file.header).map_err(|e| corrupted(e.to_string()))?;
    let plaintext = ChaCha20Poly1305::new(&key.into())
        .decrypt(&Nonce::from(nonce), Payload { msg: &ciphertext, aad: &aad })
        .map_err(|_| corrupted("authentication failed (the file was altered)".into()))?;
    let share: KeyShare =
        serde_json::from_slice(&plaintext).map_err(|e| corrupted(format!("the key share does not validate: {e}")))?;
    let root = super::root_public_key(&share).map_err(|e| corrupted(e.to_string()))?;
    if share.i != file.header.party || hex::encode(root.xy()) != file.header.root_public_key {
        return Err(corrupted("the header does not match the share".into()));
    }
    Ok((file.header, share))
}

impl ShareHeader {
    /// The root public key of the header.
    pub fn root(&self) -> Option<PublicKey> {
        let bytes: [u8; 64] = hex::decode(&self.root_public_key).ok()?.try_into().ok()?;
        PublicKey::from_xy(&bytes).ok()
    }
}

/// Writes a new file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
