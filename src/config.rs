//! `zrsign.toml`: the one configuration file of the CLI and the services. Every value is optional; the CLI
//! resolves each setting as file < environment (`ZRSIGN_*`) < flag. Secrets never live in it: the wallet
//! section names a key file or a keystore, the responder a root key file. Relative paths are relative to the
//! file's directory.
//!
//! `zrsign deploy` writes the `[deployment]` section ([`record_deployment`]) and keeps the rest of the file,
//! comments included.

use crate::{deploy::Deployed, protocol::Caip2};
use alloy::primitives::Address;
use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
};

/// The default file name, looked up in the current directory.
pub const DEFAULT_PATH: &str = "zrsign.toml";

/// Why the configuration could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Reading or writing the file failed.
    #[error("config {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has a bad or unknown field.
    #[error("config {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong (the parser's message, one line).
        message: String,
    },
    /// `config init` would overwrite an existing file.
    #[error("config {0} already exists (pass --force to overwrite it)")]
    Exists(PathBuf),
}

/// The source chain (where ZrSign is).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainSection {
    /// Its JSON-RPC endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc_url: Option<String>,
}

/// Where the wallet's secret is (never the secret itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalletSection {
    /// A file holding the private key as hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_file: Option<PathBuf>,
    /// An encrypted JSON keystore (its password: prompt, `ZRSIGN_KEYSTORE_PASSWORD` or `password_file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keystore: Option<PathBuf>,
    /// A file holding the keystore's password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
}

/// A deployment, as `zrsign deploy` records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeploymentSection {
    /// The chain it is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<Caip2>,
    /// The proxy (the address users call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<Address>,
    /// The implementation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Address>,
    /// The block the deployment finished at: the services start following there on a new store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_block: Option<u64>,
    /// The linked libraries.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub libraries: BTreeMap<String, Address>,
}

/// Response gas per request kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponseGasSection {
    /// Key requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<u32>,
    /// Hash requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<u32>,
    /// Data requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<u32>,
    /// Transaction requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx: Option<u32>,
}

/// What `zrsign deploy` sets up (see [`crate::deploy::DeployPlan`]; unset values take its defaults).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeploySection {
    /// Default admin (default: the deployer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<Address>,
    /// Admin transfer delay, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_delay: Option<u64>,
    /// `MPC_ROLE` holder (the responder's account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mpc: Option<Address>,
    /// `FEE_ROLE` holder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<Address>,
    /// `PAUSER_ROLE` holder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pauser: Option<Address>,
    /// Root public key, 64-byte hex `x ‖ y`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_public_key: Option<String>,
    /// Chains to register (CAIP-2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chains: Vec<Caip2>,
    /// Wallet types to register, `purpose:coin_type` (default `44:60`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wallet_types: Vec<String>,
    /// MPC service fee of each wallet type, wei.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mpc_fee: Option<u64>,
    /// Key request MPC fee per unit of options, wei (default: `mpc_fee`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_mpc_fee: Option<u64>,
    /// Minimum gas price of a quote's responder part, wei.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_gas_price: Option<u64>,
    /// Blocks a request stays answerable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_ttl: Option<u32>,
    /// Gas buffer, percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gas_buffer_pct: Option<u16>,
    /// Response gas per kind.
    #[serde(skip_serializing_if = "is_default")]
    pub response_gas: ResponseGasSection,
}

/// A long-running service's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSection {
    /// The store (SQLite file; responder and relayer may share one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<PathBuf>,
    /// Poll interval, milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_ms: Option<u64>,
    /// Where the status API listens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<SocketAddr>,
    /// Responder: the mock MPC network's root secret (hex file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_key_file: Option<PathBuf>,
    /// Responder: most answers per batch transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// Relayer: confirmations before a broadcast counts as confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmations: Option<u64>,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The source chain.
    #[serde(skip_serializing_if = "is_default")]
    pub chain: ChainSection,
    /// The wallet.
    #[serde(skip_serializing_if = "is_default")]
    pub wallet: WalletSection,
    /// The deployment in use (written by `zrsign deploy`).
    #[serde(skip_serializing_if = "is_default")]
    pub deployment: DeploymentSection,
    /// What `zrsign deploy` sets up.
    #[serde(skip_serializing_if = "is_default")]
    pub deploy: DeploySection,
    /// `zrsign responder run`.
    #[serde(skip_serializing_if = "is_default")]
    pub responder: ServiceSection,
    /// `zrsign relayer run`.
    #[serde(skip_serializing_if = "is_default")]
    pub relayer: ServiceSection,
    /// Destination chains' RPC endpoints, by CAIP-2 id (the relayer broadcasts there; `sign tx` reads nonces
    /// and fees there).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub destinations: BTreeMap<Caip2, String>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Config {
    /// Reads the file at `path`; `None` if there is none.
    pub fn read(path: &Path) -> Result<Option<Self>, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ConfigError::Io { path: path.to_owned(), source }),
        };
        let mut config = Self::parse(&text).map_err(|message| ConfigError::Parse { path: path.to_owned(), message })?;
        config.resolve_paths(path.parent().unwrap_or(Path::new("")));
        Ok(Some(config))
    }

    /// Parses the TOML text (paths left as written).
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| one_line(&e.to_string()))
    }

    /// Makes relative paths relative to `dir` (the file's directory).
    fn resolve_paths(&mut self, dir: &Path) {
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p.as_mut().filter(|p| p.is_relative()) {
                *path = dir.join(&*path);
            }
        };
        fix(&mut self.wallet.private_key_file);
        fix(&mut self.wallet.keystore);
        fix(&mut self.wallet.password_file);
        for service in [&mut self.responder, &mut self.relayer] {
            fix(&mut service.store);
            fix(&mut service.root_key_file);
        }
    }

    /// The TOML text of this configuration.
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string_pretty(self).map_err(|e| one_line(&e.to_string()))
    }

    /// Writes a new file at `path` with a header comment; refuses to overwrite one unless `force`.
    pub fn write_new(&self, path: &Path, force: bool) -> Result<(), ConfigError> {
        if !force && path.exists() {
            return Err(ConfigError::Exists(path.to_owned()));
        }
        let body = self.to_toml().map_err(|message| ConfigError::Parse { path: path.to_owned(), message })?;
        let text = format!(
            "# zrsign configuration: file < environment (ZRSIGN_*) < flags. No secrets here: name key files.\n\
             # `zrsign deploy` fills [deployment]; `zrsign config show` prints what is in effect.\n\n{body}"
        );
        write(path, &text)
    }
}

fn write(path: &Path, text: &str) -> Result<(), ConfigError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::Io { path: path.to_owned(), source })?;
    }
    std::fs::write(path, text).map_err(|source| ConfigError::Io { path: path.to_owned(), source })
}

fn one_line(message: &str) -> String {
    message.split('\n').map(str::trim).filter(|l| !l.is_empty() && *l != "|").collect::<Vec<_>>().join(" ")
}

/// Writes `deployed` into the `[deployment]` section of the file at `path` (creating it if needed) and sets
/// `[chain] rpc_url` when the file has none; everything else in the file, comments included, is kept.
pub fn record_deployment(path: &Path, deployed: &Deployed, rpc_url: &str) -> Result<(), ConfigError> {
    let parse_error = |message: String| ConfigError::Parse { path: path.to_owned(), message };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(ConfigError::Io { path: path.to_owned(), source }),
    };
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| parse_error(one_line(&e.to_string())))?;
    let section = DeploymentSection {
        chain: Some(deployed.chain.clone()),
        proxy: Some(deployed.proxy),
        implementation: Some(deployed.implementation),
        start_block: Some(deployed.start_block),
        libraries: deployed.libraries.clone(),
    };
    let rendered = toml::to_string(&section).map_err(|e| parse_error(one_line(&e.to_string())))?;
    let table: toml_edit::DocumentMut =
        rendered.parse().map_err(|e: toml_edit::TomlError| parse_error(one_line(&e.to_string())))?;
    doc["deployment"] = toml_edit::Item::Table(table.as_table().clone());
    let has_rpc = doc.get("chain").and_then(|c| c.get("rpc_url")).is_some();
    if !has_rpc {
        if doc.get("chain").is_none() {
            doc["chain"] = toml_edit::table();
        }
        doc["chain"]["rpc_url"] = toml_edit::value(rpc_url);
    }
    write(path, &doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_section_and_rejects_unknown_fields() {
        let text = r#"
            [chain]
            rpc_url = "http://127.0.0.1:8545"
            [wallet]
            private_key_file = "deployer.key"
            [deploy]
            chains = ["eip155:31337", "eip155:31338"]
            mpc_fee = 1000
            response_gas = { tx = 90000 }
            [responder]
            store = "zrsign.db"
            http = "127.0.0.1:9464"
            [destinations]
            "eip155:31338" = "http://127.0.0.1:8546"
        "#;
        let config = Config::parse(text).expect("parses");
        assert_eq!(config.deploy.chains.len(), 2);
        assert_eq!(config.deploy.response_gas.tx, Some(90_000));
        assert_eq!(config.destinations.len(), 1);
        let again = Config::parse(&config.to_toml().expect("renders")).expect("round trip");
        assert_eq!(again, config);
        let err = Config::parse("[chain]\nrpc = \"x\"\n").expect_err("unknown field");
        assert!(err.contains("rpc"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("zrsign.toml");
        std::fs::write(&path, "[wallet]\nkeystore = \"keys/a.json\"\n[relayer]\nstore = \"/abs/z.db\"\n")
            .expect("write");
        let config = Config::read(&path).expect("read").expect("exists");
        assert_eq!(config.wallet.keystore, Some(dir.path().join("keys/a.json")));
        assert_eq!(config.relayer.store, Some(PathBuf::from("/abs/z.db")));
        assert!(Config::read(&dir.path().join("missing.toml")).expect("no error").is_none());
    }

    #[test]
    fn recording_a_deployment_keeps_the_rest_of_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("zrsign.toml");
        std::fs::write(&path, "# mine\n[chain]\nrpc_url = \"http://node:8545\"\n\n[deploy]\nmpc_fee = 7 # wei\n")
            .expect("write");
        let deployed = Deployed {
            chain: Caip2::eip155(31_337),
            proxy: Address::repeat_byte(1),
            implementation: Address::repeat_byte(2),
            libraries: [("Lib".to_owned(), Address::repeat_byte(3))].into(),
            start_block: 9,
            deployer: Address::repeat_byte(4),
            admin: Address::repeat_byte(4),
            admin_transfer_pending: false,
            wallet_types: BTreeMap::new(),
            chains: vec![Caip2::eip155(31_337)],
            deploy_gas: [1, 2],
        };
        record_deployment(&path, &deployed, "http://other:8545").expect("record");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("# mine") && text.contains("# wei"), "{text}");
        let config = Config::parse(&text).expect("parses");
        assert_eq!(config.chain.rpc_url.as_deref(), Some("http://node:8545"), "an existing RPC URL is kept");
        assert_eq!(config.deployment.proxy, Some(Address::repeat_byte(1)));
        assert_eq!(config.deployment.start_block, Some(9));
        assert_eq!(config.deploy.mpc_fee, Some(7));
        let fresh = dir.path().join("new.toml");
        record_deployment(&fresh, &deployed, "http://other:8545").expect("record into a new file");
        let config = Config::read(&fresh).expect("read").expect("exists");
        assert_eq!(config.chain.rpc_url.as_deref(), Some("http://other:8545"));
    }
}
