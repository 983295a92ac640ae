//! Option groups shared by the subcommands (flattened into each, as `cast` does): configuration file, RPC,
//! wallet, deployment and output. Each setting resolves as file < environment < flag: clap reads the flag or
//! its `ZRSIGN_*` variable, and what neither sets comes from `zrsign.toml`.

use crate::exit::{Failure, Outcome};
use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use std::{io::IsTerminal, path::PathBuf};
use zrsign::{
    chain::{ChainRead, RpcChain},
    config::{Config, DEFAULT_PATH},
};

/// The configuration file.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Configuration")]
pub struct ConfigOpts {
    /// The configuration file (missing is fine: every setting also has a flag and a variable).
    #[arg(long = "config", env = "ZRSIGN_CONFIG", value_name = "PATH", default_value = DEFAULT_PATH, global = true)]
    pub path: PathBuf,
}

impl ConfigOpts {
    /// The file's settings (defaults if there is no file).
    pub fn load(&self) -> Outcome<Config> {
        Config::read(&self.path)
            .map(Option::unwrap_or_default)
            .map_err(|e| Failure::usage(format!("{e}"), "fix the file or point --config / ZRSIGN_CONFIG at another"))
    }
}

/// The source chain's RPC.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "RPC")]
pub struct RpcOpts {
    /// JSON-RPC endpoint of the chain ZrSign is on [config: chain.rpc_url].
    #[arg(long, env = "ZRSIGN_RPC_URL", value_name = "URL")]
    pub rpc_url: Option<String>,
}

impl RpcOpts {
    /// The endpoint: flag or variable, else the file's.
    pub fn url(&self, config: &Config) -> Outcome<String> {
        self.rpc_url.clone().or_else(|| config.chain.rpc_url.clone()).ok_or_else(|| {
            Failure::usage(
                "no RPC endpoint",
                "pass --rpc-url URL, set ZRSIGN_RPC_URL, or set chain.rpc_url in zrsign.toml",
            )
        })
    }

    /// Connects (reads the chain id) and signs with `signers`.
    pub async fn connect(&self, config: &Config, signers: Vec<PrivateKeySigner>) -> Outcome<RpcChain> {
        let url = self.url(config)?;
        connect(&url, signers).await
    }
}

/// Connects to `url` with `signers`; an unreachable node is a chain failure naming the URL.
pub async fn connect(url: &str, signers: Vec<PrivateKeySigner>) -> Outcome<RpcChain> {
    RpcChain::connect(url, signers).await.map_err(|e| match e {
        zrsign::chain::ChainError::Decode { .. } => {
            Failure::usage(format!("RPC URL {url:?} is not a URL"), "pass an http(s):// endpoint to --rpc-url")
        }
        other => Failure::chain(
            format!("cannot reach the RPC at {url} ({})", crate::exit::root_message(&other)),
            "check that the node is running and --rpc-url / ZRSIGN_RPC_URL is right",
        ),
    })
}

/// The account that signs: a key file, `ZRSIGN_PRIVATE_KEY`, or an encrypted keystore. The secret is never
/// printed, logged or echoed in an error.
#[derive(Clone, clap::Args)]
#[command(next_help_heading = "Wallet")]
pub struct WalletOpts {
    /// File holding the private key as hex (or set ZRSIGN_PRIVATE_KEY to the key) [config: wallet.private_key_file].
    #[arg(long, value_name = "PATH", conflicts_with = "keystore")]
    pub private_key_file: Option<PathBuf>,
    /// Encrypted JSON keystore; its password is read from --password-file, ZRSIGN_KEYSTORE_PASSWORD, or a prompt
    /// [config: wallet.keystore].
    #[arg(long, env = "ZRSIGN_KEYSTORE", value_name = "PATH", hide_env_values = true)]
    pub keystore: Option<PathBuf>,
    /// File holding the keystore's password [config: wallet.password_file].
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
}

impl std::fmt::Debug for WalletOpts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletOpts")
            .field("private_key_file", &self.private_key_file)
            .field("keystore", &self.keystore)
            .finish_non_exhaustive()
    }
}

/// The variable holding a private key.
pub const PRIVATE_KEY_ENV: &str = "ZRSIGN_PRIVATE_KEY";
/// The variable holding a keystore's password.
pub const PASSWORD_ENV: &str = "ZRSIGN_KEYSTORE_PASSWORD";

const WALLET_HINT: &str =
    "pass --private-key-file PATH or --keystore PATH, or set ZRSIGN_PRIVATE_KEY, or set wallet.* in zrsign.toml";

impl WalletOpts {
    /// The signer: flag, then variable, then the file's settings.
    pub fn signer(&self, config: &Config) -> Outcome<PrivateKeySigner> {
        if let Some(path) = &self.private_key_file {
            return key_file(path);
        }
        if let Some(keystore) = &self.keystore {
            return self.decrypt(keystore, self.password_file.as_ref().or(config.wallet.password_file.as_ref()));
        }
        if let Ok(key) = std::env::var(PRIVATE_KEY_ENV) {
            return parse_key(&key, PRIVATE_KEY_ENV);
        }
        if let Some(path) = &config.wallet.private_key_file {
            return key_file(path);
        }
        if let Some(keystore) = &config.wallet.keystore {
            return self.decrypt(keystore, self.password_file.as_ref().or(config.wallet.password_file.as_ref()));
        }
        Err(Failure::usage("no wallet", WALLET_HINT))
    }

    fn decrypt(&self, keystore: &PathBuf, password_file: Option<&PathBuf>) -> Outcome<PrivateKeySigner> {
        if !keystore.is_file() {
            return Err(Failure::usage(format!("no keystore file at {}", keystore.display()), WALLET_HINT));
        }
        let password = match (password_file, std::env::var(PASSWORD_ENV)) {
            (Some(file), _) => {
                std::fs::read_to_string(file).map(|p| p.trim_end_matches(['\r', '\n']).to_owned()).map_err(|e| {
                    Failure::usage(format!("cannot read the password file {}: {e}", file.display()), WALLET_HINT)
                })?
            }
            (None, Ok(password)) => password,
            (None, Err(_)) if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
                rpassword::prompt_password(format!("password for {}: ", keystore.display()))
                    .map_err(|e| Failure::usage(format!("cannot read the password: {e}"), WALLET_HINT))?
            }
            (None, Err(_)) => {
                return Err(Failure::usage(
                    format!("keystore {} needs a password and there is no terminal to ask", keystore.display()),
                    "pass --password-file PATH or set ZRSIGN_KEYSTORE_PASSWORD",
                ));
            }
        };
        PrivateKeySigner::decrypt_keystore(keystore, password).map_err(|e| {
            let message = e.to_string();
            // eth-keystore reports a wrong password as a MAC mismatch.
            let why = if message.to_ascii_lowercase().contains("mac") { "wrong password".to_owned() } else { message };
            Failure::usage(
                format!("cannot decrypt keystore {}: {why}", keystore.display()),
                "check the keystore and its password",
            )
        })
    }
}

fn key_file(path: &PathBuf) -> Outcome<PrivateKeySigner> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!("cannot read the private key file {}: {e}", path.display()), WALLET_HINT)
    })?;
    parse_key(&text, &format!("private key file {}", path.display()))
}

/// Parses a hex private key; the error names `source` and never echoes the text.
pub fn parse_key(text: &str, source: &str) -> Outcome<PrivateKeySigner> {
    let hex = text.trim();
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    let mut bytes = [0u8; 32];
    let valid = hex.len() == 64 && alloy::hex::decode_to_slice(hex, &mut bytes).is_ok();
    let signer = valid.then(|| PrivateKeySigner::from_bytes(&bytes.into()).ok()).flatten();
    signer.ok_or_else(|| {
        Failure::usage(
            format!("{source} is not a private key"),
            "it must be 32 bytes as 64 hex digits, with or without 0x (the value is not shown)",
        )
    })
}

/// The deployment to talk to.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Deployment")]
pub struct DeploymentOpts {
    /// The ZrSign proxy [config: deployment.proxy, written by `zrsign deploy`].
    #[arg(long, env = "ZRSIGN_PROXY", value_name = "ADDRESS")]
    pub proxy: Option<Address>,
}

impl DeploymentOpts {
    /// The proxy: flag or variable, else the file's.
    pub fn proxy(&self, config: &Config) -> Outcome<Address> {
        self.proxy.or(config.deployment.proxy).ok_or_else(|| {
            Failure::usage(
                "no ZrSign proxy",
                "pass --proxy ADDRESS, set ZRSIGN_PROXY, or run `zrsign deploy` to record one",
            )
        })
    }

    /// The proxy, checked to hold a ZrSign (code, and `version()` answers).
    pub async fn checked(&self, config: &Config, chain: &RpcChain) -> Outcome<Address> {
        let proxy = self.proxy(config)?;
        check_proxy(chain, proxy).await?;
        Ok(proxy)
    }
}

/// Fails unless `proxy` has code on `chain` and answers `version()`.
pub async fn check_proxy(chain: &RpcChain, proxy: Address) -> Outcome<()> {
    use alloy::providers::Provider;
    let code = chain
        .provider()
        .get_code_at(proxy)
        .await
        .map_err(|e| Failure::chain(format!("cannot read the code at {proxy}: {e}"), "check the RPC endpoint"))?;
    let chain_name = format!("eip155:{}", chain.evm_chain_id());
    if code.is_empty() {
        return Err(Failure::chain(
            format!("no contract at the proxy address {proxy} on {chain_name}"),
            "check --proxy / ZRSIGN_PROXY / deployment.proxy and that --rpc-url is the chain it was deployed on",
        ));
    }
    chain.view(proxy, zrsign::bindings::ZrSignAdmin::versionCall {}).await.map_err(|_| {
        Failure::chain(
            format!("the contract at {proxy} on {chain_name} is not a ZrSign proxy (no version())"),
            "check --proxy / ZRSIGN_PROXY / deployment.proxy",
        )
    })?;
    Ok(())
}

/// How results are printed.
#[derive(Debug, Clone, Copy, clap::Args)]
#[command(next_help_heading = "Output")]
pub struct OutputOpts {
    /// Print the result as one JSON document on stdout (shapes: `zrsign::output`).
    #[arg(long)]
    pub json: bool,
}

impl OutputOpts {
    /// Prints `value` as JSON, or `text` for people.
    pub fn print<T: serde::Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Outcome<()> {
        if self.json {
            let json = serde_json::to_string_pretty(value)
                .map_err(|e| Failure::internal(format!("cannot render the result as JSON: {e}")))?;
            println!("{json}");
        } else {
            let text = text();
            if !text.is_empty() {
                println!("{text}");
            }
        }
        Ok(())
    }
}

/// A connected deployment: the config, the chain (signing for the wallet when one is asked for) and the
/// checked proxy.
pub struct Session {
    /// The file's settings.
    pub config: Config,
    /// The source chain.
    pub chain: RpcChain,
    /// The checked proxy.
    pub proxy: Address,
    /// The wallet's account, when the command signs.
    pub account: Option<Address>,
}

impl Session {
    /// A read-only session.
    pub async fn read(config: &ConfigOpts, rpc: &RpcOpts, deployment: &DeploymentOpts) -> Outcome<Self> {
        let config = config.load()?;
        let chain = rpc.connect(&config, Vec::new()).await?;
        let proxy = deployment.checked(&config, &chain).await?;
        Ok(Self { config, chain, proxy, account: None })
    }

    /// A session that signs with the wallet.
    pub async fn signing(
        config: &ConfigOpts,
        rpc: &RpcOpts,
        wallet: &WalletOpts,
        deployment: &DeploymentOpts,
    ) -> Outcome<Self> {
        let config = config.load()?;
        let signer = wallet.signer(&config)?;
        let account = signer.address();
        let chain = rpc.connect(&config, vec![signer]).await?;
        let proxy = deployment.checked(&config, &chain).await?;
        Ok(Self { config, chain, proxy, account: Some(account) })
    }

    /// The wallet's account (only on a signing session).
    pub fn account(&self) -> Outcome<Address> {
        self.account.ok_or_else(|| Failure::internal("this command needs a wallet"))
    }

    /// The source chain's CAIP-2 id.
    pub fn caip2(&self) -> zrsign::protocol::Caip2 {
        zrsign::protocol::Caip2::eip155(self.chain.evm_chain_id())
    }

    /// A view call on the proxy, classified on failure.
    pub async fn view<C: alloy::sol_types::SolCall + Send + Sync>(&self, call: C) -> Outcome<C::Return> {
        self.chain.view(self.proxy, call).await.map_err(|e| Failure::from_chain(format!("read {}", C::SIGNATURE), &e))
    }
}

/// Parses `PURPOSE:COIN_TYPE`.
pub fn parse_wallet_type(text: &str) -> Result<zrsign::protocol::WalletType, String> {
    let parse = || {
        let (purpose, coin) = text.split_once(':')?;
        Some(zrsign::protocol::WalletType {
            purpose: purpose.trim().parse().ok()?,
            coin_type: coin.trim().parse().ok()?,
        })
    };
    parse().ok_or_else(|| format!("{text:?} is not PURPOSE:COIN_TYPE (e.g. 44:60 for EVM, 84:0 for Bitcoin)"))
}

/// Parses a CAIP-2 chain id (surrounding spaces ignored).
pub fn parse_caip2(text: &str) -> Result<zrsign::protocol::Caip2, String> {
    text.trim().parse().map_err(|e| format!("{e}"))
}

/// The wallet type of a key (EVM by default).
#[derive(Debug, Clone, Copy, clap::Args)]
#[command(next_help_heading = "Key")]
pub struct WalletTypeOpts {
    /// The wallet type, PURPOSE:COIN_TYPE.
    #[arg(long = "wallet-type", value_name = "PURPOSE:COIN", default_value = "44:60", value_parser = parse_wallet_type)]
    pub wallet_type: zrsign::protocol::WalletType,
}

/// How long and how often a command waits.
#[derive(Debug, Clone, Copy, clap::Args)]
#[command(next_help_heading = "Waiting")]
pub struct WaitOpts {
    /// Wait until the request is settled (and, with --broadcast, mined on the destination).
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub timeout: u64,
    /// Poll interval while waiting, milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub poll_ms: u64,
}

impl WaitOpts {
    /// The timeout.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout)
    }

    /// The poll interval.
    pub fn poll(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms.max(10))
    }
}
