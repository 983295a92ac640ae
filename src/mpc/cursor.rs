//! The responder's persisted position: the next block whose events it has not processed.
//!
//! Written atomically (temporary file + rename) after each processed range, so a restart resumes
//! where the last run stopped; a request seen again after a restart is not answered twice because the
//! responder checks its status on-chain before answering.

use super::MpcError;
use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The cursor file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorState {
    /// The deployment's chain id.
    pub chain_id: u64,
    /// The deployment's proxy.
    pub proxy: Address,
    /// The next block to read events from.
    pub next_block: u64,
}

/// A cursor backed by a file (or kept in memory only, when no path is given).
#[derive(Debug, Clone)]
pub struct Cursor {
    path: Option<PathBuf>,
    state: CursorState,
}

impl Cursor {
    /// Opens the cursor at `path`, or starts at `start_block` if the file does not exist. A file that
    /// belongs to another deployment is an error (never silently reused).
    pub fn open(path: Option<&Path>, chain_id: u64, proxy: Address, start_block: u64) -> Result<Self, MpcError> {
        let fresh = CursorState { chain_id, proxy, next_block: start_block };
        let Some(path) = path else { return Ok(Self { path: None, state: fresh }) };
        let state = match std::fs::read_to_string(path) {
            Ok(text) => {
                let state: CursorState = serde_json::from_str(&text)
                    .map_err(|e| MpcError::Cursor { path: path.display().to_string(), message: e.to_string() })?;
                if state.chain_id != chain_id || state.proxy != proxy {
                    return Err(MpcError::Cursor {
                        path: path.display().to_string(),
                        message: format!(
                            "belongs to chain {} proxy {}, not chain {chain_id} proxy {proxy}",
                            state.chain_id, state.proxy
                        ),
                    });
                }
                state
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => fresh,
            Err(source) => return Err(MpcError::Io { context: format!("read cursor {}", path.display()), source }),
        };
        Ok(Self { path: Some(path.to_path_buf()), state })
    }

    /// The next block to process.
    pub fn next_block(&self) -> u64 {
        self.state.next_block
    }

    /// Records that every block before `next_block` was processed, and persists it.
    pub fn advance(&mut self, next_block: u64) -> Result<(), MpcError> {
        self.state.next_block = next_block;
        let Some(path) = &self.path else { return Ok(()) };
        let tmp = path.with_extension("tmp");
        let io = |context: String| move |source| MpcError::Io { context, source };
        let text = serde_json::to_string_pretty(&self.state)
            .map_err(|e| MpcError::Cursor { path: path.display().to_string(), message: e.to_string() })?;
        let mut file = std::fs::File::create(&tmp).map_err(io(format!("create {}", tmp.display())))?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io(format!("write {}", tmp.display())))?;
        // Durable before the rename: a crash never leaves an empty cursor behind.
        file.sync_all().map_err(io(format!("sync {}", tmp.display())))?;
        std::fs::rename(&tmp, path).map_err(io(format!("rename {} to {}", tmp.display(), path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persists_and_resumes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cursor.json");
        let proxy = Address::repeat_byte(7);
        let mut cursor = Cursor::open(Some(&path), 1, proxy, 10).expect("open");
        assert_eq!(cursor.next_block(), 10);
        cursor.advance(42).expect("advance");
        let reopened = Cursor::open(Some(&path), 1, proxy, 0).expect("reopen");
        assert_eq!(reopened.next_block(), 42);
        assert!(Cursor::open(Some(&path), 2, proxy, 0).is_err(), "another chain's cursor must not be reused");
    }
}
