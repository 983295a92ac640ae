//! HTTP/1 over mutual TLS between the network's members: an axum router served on TLS connections whose peer
//! presented one of the network's pinned certificates (the handler learns who it is through an
//! [`Identity`] extension), and a client that checks the server is the node it meant to reach.

use super::{
    NetError, Result,
    pki::{self, Identity},
};
use axum::{Extension, Router, body::Bytes};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::{
    ClientConfig, RootCertStore, ServerConfig,
    pki_types::{CertificateDer, ServerName},
    server::WebPkiClientVerifier,
};
use std::{path::Path, sync::Arc, time::Duration};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tokio_util::sync::CancellationToken;

/// How long a TLS handshake may take.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// One member's TLS material: its own certificate and key, the CA, and every member's pinned certificate.
#[derive(Clone)]
pub struct Tls {
    me: Identity,
    server: Option<Arc<ServerConfig>>,
    client: Arc<ClientConfig>,
    members: Arc<Vec<(Identity, CertificateDer<'static>)>>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls(e: impl std::fmt::Display) -> NetError {
    NetError::Tls(e.to_string())
}

impl Tls {
    /// `me`'s material from the network directory `dir` (`zrsign mpc keygen --out`) of `parties` nodes.
    pub fn load(dir: &Path, me: Identity, parties: u16) -> Result<Self> {
        let mut roots = RootCertStore::empty();
        roots.add(pki::read_cert(&pki::ca_path(dir))?).map_err(tls)?;
        let roots = Arc::new(roots);
        let chain = vec![pki::read_cert(&pki::cert_path(dir, me))?];
        let key = pki::read_key(&pki::key_path(dir, me))?;
        let client = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(tls)?
            .with_root_certificates(roots.clone())
            .with_client_auth_cert(chain.clone(), key.clone_key())
            .map_err(tls)?;
        let server = match me {
            Identity::Node(_) => {
                let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider()).build().map_err(tls)?;
                let config = ServerConfig::builder_with_provider(provider())
                    .with_safe_default_protocol_versions()
                    .map_err(tls)?
                    .with_client_cert_verifier(verifier)
                    .with_single_cert(chain, key)
                    .map_err(tls)?;
                Some(Arc::new(config))
            }
            Identity::Coordinator => None,
        };
        let mut members = Vec::new();
        for who in (0..parties).map(Identity::Node).chain([Identity::Coordinator]) {
            members.push((who, pki::read_cert(&pki::cert_path(dir, who))?));
        }
        Ok(Self { me, server, client: Arc::new(client), members: Arc::new(members) })
    }

    /// Whose material this is.
    pub fn me(&self) -> Identity {
        self.me
    }

    /// The member who presented exactly `cert`.
    fn identify(&self, cert: &CertificateDer<'_>) -> Option<Identity> {
        self.members.iter().find(|(_, pinned)| pinned.as_ref() == cert.as_ref()).map(|(who, _)| *who)
    }

    /// Serves `router` on `listener` until `shutdown`: each connection's peer must present a member's
    /// certificate, which handlers read as `Extension<Identity>`.
    pub async fn serve(&self, listener: TcpListener, router: Router, shutdown: CancellationToken) -> Result<()> {
        let config = self.server.clone().ok_or_else(|| NetError::Tls("the coordinator serves nothing".into()))?;
        let acceptor = TlsAcceptor::from(config);
        loop {
            let (stream, peer) = tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                },
            };
            let (acceptor, tls, router, shutdown) = (acceptor.clone(), self.clone(), router.clone(), shutdown.clone());
            tokio::spawn(async move {
                let stream = match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => return tracing::warn!(%peer, error = %e, "TLS handshake refused"),
                    Err(_) => return tracing::warn!(%peer, "TLS handshake timed out"),
                };
                let who = stream.get_ref().1.peer_certificates().and_then(|c| c.first()).and_then(|c| tls.identify(c));
                let Some(who) = who else {
                    return tracing::warn!(%peer, "peer certificate is not a member's; connection closed");
                };
                let service = hyper_util::service::TowerToHyperService::new(router.layer(Extension(who)));
                let connection =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    served = connection => if let Err(e) = served {
                        tracing::debug!(%peer, error = %e, "connection ended");
                    },
                }
            });
        }
    }

    /// POSTs `body` as JSON to `path` on node `to` at `addr` and reads its JSON answer; a non-2xx status is
    /// [`NetError::Status`].
    pub async fn post<Q: serde::Serialize, A: serde::de::DeserializeOwned>(
        &self,
        to: u16,
        addr: &str,
        path: &str,
        body: &Q,
        timeout: Duration,
    ) -> Result<A> {
        let body =
            serde_json::to_vec(body).map_err(|e| NetError::Body { peer: addr.into(), message: e.to_string() })?;
        self.request(to, addr, hyper::Method::POST, path, body, timeout).await
    }

    /// GETs `path` from node `to` at `addr`.
    pub async fn get<A: serde::de::DeserializeOwned>(
        &self,
        to: u16,
        addr: &str,
        path: &str,
        timeout: Duration,
    ) -> Result<A> {
        self.request(to, addr, hyper::Method::GET, path, Vec::new(), timeout).await
    }

    async fn request<A: serde::de::DeserializeOwned>(
        &self,
        to: u16,
        addr: &str,
        method: hyper::Method,
        path: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<A> {
        let unreachable = |message: String| NetError::Unreachable { peer: addr.into(), message };
        let exchange = async {
            let tcp = TcpStream::connect(addr).await.map_err(|e| unreachable(format!("connect: {e}")))?;
            let name = ServerName::try_from(Identity::Node(to).dns_name()).map_err(tls)?;
            let stream = TlsConnector::from(self.client.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| unreachable(format!("TLS: {e}")))?;
            let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| unreachable(format!("HTTP: {e}")))?;
            tokio::spawn(connection);
            let request = hyper::Request::builder()
                .method(method)
                .uri(path)
                .header(hyper::header::HOST, Identity::Node(to).dns_name())
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| unreachable(e.to_string()))?;
            let response = sender.send_request(request).await.map_err(|e| unreachable(format!("HTTP: {e}")))?;
            let status = response.status();
            let bytes = response.into_body().collect().await.map_err(|e| unreachable(format!("body: {e}")))?.to_bytes();
            Ok::<_, NetError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| unreachable(format!("no answer in {timeout:?}")))??;
        if !status.is_success() {
            let body = String::from_utf8_lossy(&bytes).into_owned();
            return Err(NetError::Status { peer: addr.into(), status: status.as_u16(), body });
        }
        serde_json::from_slice(&bytes).map_err(|e| NetError::Body { peer: addr.into(), message: e.to_string() })
    }
}
