//! What `responder run` and `relayer run` share: the store, the start block, the status API address, and
//! graceful shutdown on SIGINT / SIGTERM.

use crate::exit::{Failure, Outcome};
use alloy::primitives::Address;
use std::{
    net::{Ipv4Addr, SocketAddr},
    path::PathBuf,
};
use tokio_util::sync::CancellationToken;
use zrsign::{
    api::{ApiState, Health},
    config::ServiceSection,
    protocol::Caip2,
    store::Store,
};

/// The services' default store.
pub const DEFAULT_STORE: &str = ".zrsign/zrsign.db";
/// The default poll interval, milliseconds.
pub const DEFAULT_POLL_MS: u64 = 500;

/// Options every service has.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Service")]
pub struct ServiceOpts {
    /// The store (SQLite; created if missing, resumed otherwise) [config: <service>.store; default .zrsign/zrsign.db].
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Source block to start following at on a new store [default: deployment.start_block in the config].
    #[arg(long, value_name = "BLOCK")]
    pub start_block: Option<u64>,
    /// Poll interval in milliseconds [config: <service>.poll_ms; default 500].
    #[arg(long, value_name = "MS")]
    pub poll_ms: Option<u64>,
    /// Serve the status API (health, readiness, metrics, requests) on ADDR; a bare port listens on 127.0.0.1
    /// [config: <service>.http].
    #[arg(long, value_name = "ADDR", value_parser = parse_http)]
    pub http: Option<SocketAddr>,
}

impl ServiceOpts {
    /// Opens the store (flag, else the section's, else the default).
    pub async fn store(&self, section: &ServiceSection) -> Outcome<Store> {
        let path = self.store.clone().or_else(|| section.store.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_STORE));
        Store::open(&path).await.map_err(|e| {
            Failure::usage(
                format!("cannot open the store {}: {e}", path.display()),
                "pass --store PATH to a writable file",
            )
        })
    }

    /// The poll interval.
    pub fn poll(&self, section: &ServiceSection) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms.or(section.poll_ms).unwrap_or(DEFAULT_POLL_MS))
    }

    /// The status API address, if any.
    pub fn http(&self, section: &ServiceSection) -> Option<SocketAddr> {
        self.http.or(section.http)
    }
}

/// Parses `--http`: `PORT` (on 127.0.0.1) or `HOST:PORT`.
pub fn parse_http(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    text.parse().map_err(|_| format!("{text:?} is not PORT or HOST:PORT (e.g. 9464 or 127.0.0.1:9464)"))
}

/// Parses `CAIP2=URL`.
pub fn parse_destination(text: &str) -> Result<(Caip2, String), String> {
    let (chain, url) = text.split_once('=').ok_or_else(|| format!("{text:?} is not CAIP2=URL"))?;
    let chain: Caip2 = chain.trim().parse().map_err(|e| format!("{e}"))?;
    Ok((chain, url.trim().to_owned()))
}

/// A token cancelled on the first SIGINT or SIGTERM.
pub fn shutdown_on_signals(service: &'static str) -> Outcome<CancellationToken> {
    let token = CancellationToken::new();
    let cancel = token.clone();
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Failure::internal(format!("cannot listen for SIGTERM: {e}")))?;
    tokio::spawn(async move {
        #[cfg(unix)]
        let terminated = terminate.recv();
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated => {}
        }
        tracing::info!(service, "stopping: in-flight work finishes (or stays resumable in the store)");
        cancel.cancel();
    });
    Ok(token)
}

/// The status API of a service: installed before the service starts (so no metric it emits is lost), served
/// once it is built.
pub struct Api {
    addr: Option<SocketAddr>,
    metrics: Option<&'static metrics_exporter_prometheus::PrometheusHandle>,
    /// The health board the service reports to (`/ready`).
    pub health: Health,
}

impl Api {
    /// Installs the metrics recorder if the API is asked for.
    pub fn prepare(addr: Option<SocketAddr>) -> Outcome<Self> {
        let metrics = match addr {
            Some(_) => {
                Some(zrsign::api::metrics::handle().map_err(|e| Failure::internal(format!("metrics recorder: {e}")))?)
            }
            None => None,
        };
        Ok(Self { addr, metrics, health: Health::default() })
    }

    /// Serves `/healthz`, `/ready`, `/metrics` and `/requests/{id}` until `shutdown`; returns the bound address.
    pub async fn serve(
        &self,
        store: &Store,
        evm_chain_id: u64,
        proxy: Address,
        shutdown: &CancellationToken,
    ) -> Outcome<Option<SocketAddr>> {
        let (Some(addr), Some(metrics)) = (self.addr, self.metrics) else { return Ok(None) };
        let state = ApiState {
            store: store.clone(),
            evm_chain_id,
            proxy,
            health: self.health.clone(),
            metrics,
            explorer: false,
        };
        let bound = zrsign::api::serve(addr, state, shutdown.clone()).await.map_err(|e| {
            Failure::usage(format!("cannot serve the status API: {e}"), "pass --http another address or port")
        })?;
        Ok(Some(bound))
    }
}
