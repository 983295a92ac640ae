//! The durable state of the responder and the relayer, in one embedded SQLite file (WAL; migrations in
//! `src/store/migrations/`, applied on open): follower positions and the hashes of the blocks they processed
//! ([`follower`]), the requests the responder saw and the transactions it sent ([`requests`]), and every
//! broadcast the relayer owns ([`broadcasts`]). Several services, and several processes, may share one file.
//!
//! All SQLite work runs on tokio's blocking pool, never on an async worker. A follower's position is written
//! in the same transaction as the effects of the blocks it covers ([`Store::commit_range`]).

pub mod broadcasts;
pub mod follower;
pub mod requests;

pub use broadcasts::{Broadcast, FailureClass, RelayState};
pub use follower::{RangeCommit, SkippedEvent, StreamId};
pub use requests::{RequestRecord, RequestState, SentTx, SentTxState};

use alloy::primitives::{Address, B256};
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

/// The schema, one migration per file, applied in order.
const MIGRATIONS: &[M<'static>] =
    &[M::up(include_str!("migrations/0001_init.sql")), M::up(include_str!("migrations/0002_stage_times.sql"))];

/// How long a writer waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("store {path}: {context}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What was being done.
        context: &'static str,
        /// The error.
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date.
    #[error("store {path}: migration: {message}")]
    Migration {
        /// The database file.
        path: String,
        /// What failed.
        message: String,
    },
    /// A stored value does not parse (a corrupted or foreign file).
    #[error("store {path}: bad stored value {column}={value:?}")]
    Corrupt {
        /// The database file.
        path: String,
        /// The column.
        column: &'static str,
        /// The value.
        value: String,
    },
    /// A value does not fit the store's column type.
    #[error("store: {what} {value} does not fit a 64-bit column")]
    OutOfRange {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// The blocking task running the query panicked or was cancelled.
    #[error("store task: {0}")]
    Task(String),
}

/// `Result` of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Converts a rusqlite error inside a query closure; the path is filled in by [`Store::run`].
pub(crate) struct Query {
    context: &'static str,
    source: QuerySource,
}

pub(crate) enum QuerySource {
    Sqlite(rusqlite::Error),
    Corrupt { column: &'static str, value: String },
}

impl Query {
    pub(crate) fn at(context: &'static str) -> impl Fn(rusqlite::Error) -> Query {
        move |source| Query { context, source: QuerySource::Sqlite(source) }
    }

    pub(crate) fn corrupt(column: &'static str, value: impl Into<String>) -> Query {
        Query { context: "decode", source: QuerySource::Corrupt { column, value: value.into() } }
    }
}

pub(crate) type QueryResult<T> = Result<T, Query>;

/// The store: one SQLite connection, shared by the tasks of this process.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: Arc<str>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating it if needed) the store at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let shown: Arc<str> = path.display().to_string().into();
        let owned = path.to_path_buf();
        let label = shown.clone();
        let conn = blocking(move || Self::connect(Some(&owned), &label)).await??;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), path: shown })
    }

    /// A store in memory (tests, one-shot runs): nothing survives the process.
    pub async fn in_memory() -> StoreResult<Self> {
        let shown: Arc<str> = ":memory:".into();
        let label = shown.clone();
        let conn = blocking(move || Self::connect(None, &label)).await??;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), path: shown })
    }

    /// The database file (`:memory:` for an in-memory store).
    pub fn path(&self) -> PathBuf {
        PathBuf::from(&*self.path)
    }

    fn connect(path: Option<&Path>, label: &str) -> StoreResult<Connection> {
        let sqlite = |context| move |source| StoreError::Sqlite { path: label.to_owned(), context, source };
        if let Some(dir) = path.and_then(Path::parent).filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Migration {
                path: label.to_owned(),
                message: format!("create {}: {e}", dir.display()),
            })?;
        }
        // Two processes opening a new file at once (a responder and a relayer started together) race on switching
        // it to WAL ("database is locked") and on creating the schema (both see version 0): a lock file beside the
        // database serialises the whole opening.
        let _opening = match path {
            Some(p) => Some(open_lock(p, label)?),
            None => None,
        };
        let mut conn = match path {
            Some(p) => Connection::open(p).map_err(sqlite("open"))?,
            None => Connection::open_in_memory().map_err(sqlite("open"))?,
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite("busy_timeout"))?;
        // WAL: readers never block the writer, a crash never corrupts; NORMAL sync is durable in WAL mode
        // except for the last transactions on power loss, so FULL is kept: an effect acknowledged is on disk.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sqlite("journal_mode"))?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(sqlite("synchronous"))?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(sqlite("foreign_keys"))?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Migration { path: label.to_owned(), message: e.to_string() })?;
        Ok(conn)
    }

    /// Runs `f` with the connection on the blocking pool.
    pub(crate) async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> QueryResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        let path = self.path.clone();
        let result = blocking(move || {
            // A panic in another query leaves SQLite consistent (its transaction rolled back on drop).
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await?;
        result.map_err(|q| match q.source {
            QuerySource::Sqlite(source) => StoreError::Sqlite { path: path.to_string(), context: q.context, source },
            QuerySource::Corrupt { column, value } => StoreError::Corrupt { path: path.to_string(), column, value },
        })
    }
}

/// An exclusive lock on `<db>-open.lock`, held while the database is opened and its schema brought up to date.
fn open_lock(db: &Path, label: &str) -> StoreResult<std::fs::File> {
    let path = PathBuf::from(format!("{}-open.lock", db.display()));
    let error = |e: std::io::Error| StoreError::Migration {
        path: label.to_owned(),
        message: format!("lock {}: {e}", path.display()),
    };
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(error)?;
    file.lock().map_err(error)?;
    Ok(file)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> StoreResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::Task(e.to_string()))
}

/// Milliseconds since the unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A u64 as an SQLite integer.
pub(crate) fn int(what: &'static str, value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { what, value: value.to_string() })
}

pub(crate) fn parse_b256(column: &'static str, text: &str) -> QueryResult<B256> {
    text.parse().map_err(|_| Query::corrupt(column, text))
}

pub(crate) fn parse_address(column: &'static str, text: &str) -> QueryResult<Address> {
    text.parse().map_err(|_| Query::corrupt(column, text))
}

pub(crate) fn parse_u64(column: &'static str, value: i64) -> QueryResult<u64> {
    u64::try_from(value).map_err(|_| Query::corrupt(column, value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn several_openers_of_a_new_file_all_succeed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("shared.db");
        let opens = (0..6).map(|_| {
            let path = path.clone();
            tokio::spawn(async move { Store::open(&path).await.map(drop) })
        });
        for result in futures::future::join_all(opens).await {
            result.expect("task").expect("every opener gets the migrated store");
        }
    }

    #[tokio::test]
    async fn opens_migrates_and_reopens_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested").join("zrsign.db");
        let store = Store::open(&path).await.expect("open");
        let mode: String = store
            .run(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(Query::at("q")))
            .await
            .expect("mode");
        assert_eq!(mode, "wal");
        drop(store);
        let again = Store::open(&path).await.expect("reopen runs no migration twice");
        let version: i64 = again
            .run(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(Query::at("q")))
            .await
            .expect("v");
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).expect("small"));
    }
}
