//! The services' HTTP status API (axum), loopback by default:
//!
//! | route              | what                                                                           |
//! |--------------------|--------------------------------------------------------------------------------|
//! | `/healthz`         | 200 while the process serves                                                   |
//! | `/ready`           | 200 when every service polled successfully and its follower is caught up, 503 |
//! |                    | otherwise; the body lists each service                                         |
//! | `/metrics`         | Prometheus text format ([`metrics`])                                           |
//! | `/requests/{id}`   | the request's lifecycle as JSON ([`Lifecycle`]); 404 if no service saw it      |
//! | `/api/requests`    | the most recent lifecycles (`?limit=`, default 50) — the explorer's data       |
//! | `/`                | the request explorer (devnet only): static HTML + JS shipped in the binary     |

pub mod health;
pub mod lifecycle;
pub mod metrics;

pub use health::{Health, ServiceHealth};
pub use lifecycle::Lifecycle;

use crate::store::Store;
use alloy::primitives::Address;
use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use metrics_exporter_prometheus::PrometheusHandle;
use std::{net::SocketAddr, sync::Arc};
use tokio_util::sync::CancellationToken;

/// The explorer page.
const EXPLORER_HTML: &str = include_str!("explorer/index.html");
/// Its script.
const EXPLORER_JS: &str = include_str!("explorer/explorer.js");
/// The most lifecycles `/api/requests` returns.
pub const MAX_LIST: u64 = 500;

/// What the server serves from.
#[derive(Clone)]
pub struct ApiState {
    /// The services' store.
    pub store: Store,
    /// The source chain's EVM chain id.
    pub evm_chain_id: u64,
    /// The deployment.
    pub proxy: Address,
    /// The services' health board.
    pub health: Health,
    /// The process's Prometheus handle ([`metrics::handle`]).
    pub metrics: &'static PrometheusHandle,
    /// Whether to serve the request explorer at `/`.
    pub explorer: bool,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The address could not be bound.
    #[error("bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// The metrics recorder could not be installed.
    #[error(transparent)]
    Metrics(#[from] metrics::MetricsError),
}

/// Binds `addr` and serves until `shutdown` is cancelled (in a spawned task); returns the bound address (the
/// port is chosen when `addr`'s is 0).
pub async fn serve(addr: SocketAddr, state: ApiState, shutdown: CancellationToken) -> Result<SocketAddr, ApiError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| ApiError::Bind { addr, source })?;
    let bound = listener.local_addr().map_err(|source| ApiError::Bind { addr, source })?;
    let app = router(state);
    tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned());
        if let Err(e) = server.await {
            tracing::error!(error = %e, "status API stopped");
        }
    });
    tracing::info!(%bound, "status API listening");
    Ok(bound)
}

/// The routes.
pub fn router(state: ApiState) -> Router {
    let mut app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .route("/metrics", get(render_metrics))
        .route("/requests/{id}", get(request))
        .route("/api/requests", get(recent));
    if state.explorer {
        app = app
            .route("/", get(|| async { Html(EXPLORER_HTML) }))
            .route("/explorer.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], EXPLORER_JS) }));
    }
    app.with_state(Arc::new(state))
}

async fn ready(State(state): State<Arc<ApiState>>) -> Response {
    let status = if state.health.is_ready() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(serde_json::json!({ "ready": status == StatusCode::OK, "services": state.health.report() })))
        .into_response()
}

async fn render_metrics(State(state): State<Arc<ApiState>>) -> Response {
    let body = metrics::render(state.metrics, &state.store).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

fn store_error(e: crate::store::StoreError) -> Response {
    tracing::error!(error = %e, "status API: store read failed");
    (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({ "error": e.to_string() }))).into_response()
}

async fn request(State(state): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        let error = format!("request id {id:?} is not a decimal number");
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": error }))).into_response();
    };
    match Lifecycle::read(&state.store, state.evm_chain_id, state.proxy, id).await {
        Ok(Some(lifecycle)) => Json(lifecycle).into_response(),
        Ok(None) => {
            let error = format!("request {id} was not seen by this process's services");
            (StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": error }))).into_response()
        }
        Err(e) => store_error(e),
    }
}

/// `?limit=` of `/api/requests`.
#[derive(serde::Deserialize)]
struct ListQuery {
    limit: Option<u64>,
}

async fn recent(State(state): State<Arc<ApiState>>, Query(q): Query<ListQuery>) -> Response {
    let limit = q.limit.unwrap_or(50).clamp(1, MAX_LIST);
    match Lifecycle::recent(&state.store, state.evm_chain_id, state.proxy, limit).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => store_error(e),
    }
}
