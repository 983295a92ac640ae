//! One node of the networked threshold signer (`zrsign mpc-node run`): its key share, its presignature shares
//! (in memory only: a presignature share is never written, so none can be restored and reused), its own
//! connection to the source chain, and the HTTP API its peers and the coordinator call over mutual TLS:
//!
//! | route | caller | what |
//! |---|---|---|
//! | `GET /v1/status` | any member | index, root key, pooled presignatures, refusals |
//! | `POST /v1/presign` | coordinator | join presignature session `id` by `set`; answers when this share is made |
//! | `POST /v1/msg` | a node of the session's set | one protocol message, its sender taken from its certificate |
//! | `POST /v1/partial` | coordinator | check the request on the source chain, then a partial signature |

use super::{https::Tls, pki::Identity};
use crate::{
    chain::ChainRead,
    mpc::threshold::{self, KeyShare, PartialSignature, PresignMsg, Presignature, check::RequestCheck},
    signer::threshold::{NodeError, PartialAsk, presign_share, set_position, sign_share},
};
use axum::{
    Extension, Json, Router,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use futures::{StreamExt, channel::mpsc};
use round_based::{Incoming, MessageDestination, MessageType, Outgoing};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// How long a presignature session may take before this node gives up on it.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one message may take to reach a peer.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);
/// Sessions a node keeps open at once (messages for more are refused: a peer cannot exhaust its memory).
const MAX_SESSIONS: usize = 4_096;

/// `POST /v1/presign`: join session `id`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PresignAsk {
    /// The presignature id (unique per coordinator run).
    pub id: u64,
    /// The signing set (keygen indexes, ascending).
    pub set: Vec<u16>,
    /// Where the set's nodes listen (`host:port` by keygen index).
    pub peers: Vec<(u16, String)>,
}

/// `POST /v1/msg`: one protocol message of a presignature session.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct WireMsg {
    /// The session (presignature id).
    pub session: u64,
    /// The session's signing set.
    pub set: Vec<u16>,
    /// Broadcast (every other party got the same) or peer to peer.
    pub broadcast: bool,
    /// The message.
    pub msg: PresignMsg,
}

/// `GET /v1/status`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NodeStatus {
    /// Keygen index.
    pub index: u16,
    /// Parties of the key.
    pub parties: u16,
    /// Parties needed to sign.
    pub threshold: u16,
    /// The root key's EVM address.
    pub root: alloy::primitives::Address,
    /// Presignature shares held.
    pub presignatures: usize,
    /// Partial signatures refused.
    pub refusals: u64,
}

struct Session {
    set: Vec<u16>,
    incoming: mpsc::UnboundedSender<Incoming<PresignMsg>>,
    receiver: Option<mpsc::UnboundedReceiver<Incoming<PresignMsg>>>,
    opened: Instant,
}

/// The node's state behind its API.
pub struct Node<C> {
    share: Arc<KeyShare>,
    check: RequestCheck<C>,
    tls: Tls,
    presignatures: Mutex<HashMap<u64, Presignature>>,
    refusals: AtomicU64,
    sessions: Mutex<HashMap<u64, Session>>,
    next_message: AtomicU64,
}

/// A refusal or failure as an HTTP answer (the coordinator reads the [`NodeError`] back).
struct Failed(StatusCode, Box<NodeError>);

impl IntoResponse for Failed {
    fn into_response(self) -> Response {
        (self.0, Json(*self.1)).into_response()
    }
}

impl<C: ChainRead + Send + Sync + 'static> Node<C> {
    /// A node holding `share`, checking requests with `check`, talking with `tls` (its own identity).
    pub fn new(share: KeyShare, check: RequestCheck<C>, tls: Tls) -> Arc<Self> {
        Arc::new(Self {
            share: Arc::new(share),
            check,
            tls,
            presignatures: Mutex::new(HashMap::new()),
            refusals: AtomicU64::new(0),
            sessions: Mutex::new(HashMap::new()),
            next_message: AtomicU64::new(0),
        })
    }

    /// The API.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/v1/status", get(status::<C>))
            .route("/v1/presign", post(presign::<C>))
            .route("/v1/msg", post(message::<C>))
            .route("/v1/partial", post(partial::<C>))
            .with_state(self.clone())
    }

    fn index(&self) -> u16 {
        self.share.i
    }

    fn refuse(&self, message: impl Into<String>) -> Failed {
        Failed(StatusCode::FORBIDDEN, Box::new(NodeError::Protocol { node: self.index(), message: message.into() }))
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Session>> {
        self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Session `id` by `set`, opened by whichever comes first: the coordinator's ask or a peer's message.
    fn with_session<T>(&self, id: u64, set: &[u16], f: impl FnOnce(&mut Session) -> T) -> Result<T, Failed> {
        let mut sessions = self.sessions();
        if !sessions.contains_key(&id) {
            // Only opening a session prunes the expired ones: a message to an open session costs one lookup.
            sessions.retain(|_, s| s.opened.elapsed() < SESSION_TIMEOUT);
            if sessions.len() >= MAX_SESSIONS {
                return Err(self.refuse(format!("{MAX_SESSIONS} sessions open")));
            }
        }
        let session = sessions.entry(id).or_insert_with(|| {
            let (incoming, receiver) = mpsc::unbounded();
            Session { set: set.to_vec(), incoming, receiver: Some(receiver), opened: Instant::now() }
        });
        if session.set != set {
            return Err(self.refuse(format!("session {id} is by {:?}, not {set:?}", session.set)));
        }
        Ok(f(session))
    }

    /// Runs this node's part of session `ask.id`: messages in from the session's inbox, out to the peers.
    async fn run_presign(self: &Arc<Self>, ask: PresignAsk) -> Result<(), Failed> {
        let node = self.index();
        set_position(node, &ask.set).map_err(|e| Failed(StatusCode::BAD_REQUEST, Box::new(e)))?;
        let receiver = self
            .with_session(ask.id, &ask.set, |s| s.receiver.take())?
            .ok_or_else(|| self.refuse(format!("already joined session {}", ask.id)))?;
        let (outgoing, mut outbox) = mpsc::unbounded::<Outgoing<PresignMsg>>();
        let peers: HashMap<u16, String> = ask.peers.iter().cloned().collect();
        let (me, forwarder_set, id) = (self.clone(), ask.set.clone(), ask.id);
        // In order, one message at a time: the protocol's rounds need nothing more. A peer that cannot be
        // reached ends the session (its inbox closes, so the protocol returns instead of waiting).
        let forwarder = tokio::spawn(async move {
            while let Some(out) = outbox.next().await {
                let (broadcast, to): (bool, Vec<u16>) = match out.recipient {
                    MessageDestination::AllParties => {
                        (true, forwarder_set.iter().copied().filter(|&i| i != me.index()).collect())
                    }
                    MessageDestination::OneParty(p) => {
                        (false, forwarder_set.get(usize::from(p)).copied().into_iter().collect())
                    }
                };
                let wire = WireMsg { session: id, set: forwarder_set.clone(), broadcast, msg: out.msg };
                for peer in to {
                    let Some(addr) = peers.get(&peer) else {
                        tracing::warn!(session = id, peer, "no address for a peer of the session");
                        me.sessions().remove(&id);
                        return;
                    };
                    if let Err(e) = me.tls.post::<_, ()>(peer, addr, "/v1/msg", &wire, MESSAGE_TIMEOUT).await {
                        tracing::warn!(session = id, peer, error = %e, "message not delivered; session abandoned");
                        me.sessions().remove(&id);
                        return;
                    }
                }
            }
        });
        let incoming = receiver.map(Ok::<_, std::convert::Infallible>);
        let run = presign_share(self.share.clone(), ask.id, ask.set.clone(), (incoming, outgoing));
        let made = match tokio::time::timeout(SESSION_TIMEOUT, run).await {
            Ok(made) => made,
            Err(_) => Err(NodeError::Protocol { node, message: format!("session {} timed out", ask.id) }),
        };
        self.sessions().remove(&ask.id);
        forwarder.abort();
        let presignature = made.map_err(|e| Failed(StatusCode::INTERNAL_SERVER_ERROR, Box::new(e)))?;
        self.presignatures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(ask.id, presignature);
        Ok(())
    }
}

async fn status<C: ChainRead + Send + Sync + 'static>(
    axum::extract::State(node): axum::extract::State<Arc<Node<C>>>,
) -> Result<Json<NodeStatus>, Failed> {
    let root = threshold::root_public_key(&node.share).map_err(|e| node.refuse(e.to_string()))?;
    use cggmp21::key_share::AnyKeyShare;
    Ok(Json(NodeStatus {
        index: node.index(),
        parties: node.share.n(),
        threshold: node.share.min_signers(),
        root: root.address(),
        presignatures: node.presignatures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len(),
        refusals: node.refusals.load(Ordering::SeqCst),
    }))
}

async fn presign<C: ChainRead + Send + Sync + 'static>(
    axum::extract::State(node): axum::extract::State<Arc<Node<C>>>,
    Extension(who): Extension<Identity>,
    Json(ask): Json<PresignAsk>,
) -> Result<Json<()>, Failed> {
    if who != Identity::Coordinator {
        return Err(node.refuse(format!("{who:?} is not the coordinator")));
    }
    node.run_presign(ask).await.map(Json)
}

async fn message<C: ChainRead + Send + Sync + 'static>(
    axum::extract::State(node): axum::extract::State<Arc<Node<C>>>,
    Extension(who): Extension<Identity>,
    Json(wire): Json<WireMsg>,
) -> Result<Json<()>, Failed> {
    let Identity::Node(sender) = who else { return Err(node.refuse("the coordinator sends no protocol messages")) };
    let from =
        set_position(sender, &wire.set).map_err(|_| node.refuse(format!("node {sender} is not in {:?}", wire.set)))?;
    set_position(node.index(), &wire.set).map_err(|e| Failed(StatusCode::BAD_REQUEST, Box::new(e)))?;
    let msg_type = if wire.broadcast { MessageType::Broadcast } else { MessageType::P2P };
    let id = node.next_message.fetch_add(1, Ordering::Relaxed);
    let incoming = Incoming { id, sender: from, msg_type, msg: wire.msg };
    if !node.with_session(wire.session, &wire.set, |s| s.incoming.unbounded_send(incoming).is_ok())? {
        return Err(node.refuse(format!("session {} has ended", wire.session)));
    }
    Ok(Json(()))
}

async fn partial<C: ChainRead + Send + Sync + 'static>(
    axum::extract::State(node): axum::extract::State<Arc<Node<C>>>,
    Extension(who): Extension<Identity>,
    Json(ask): Json<PartialAsk>,
) -> Result<Json<PartialSignature>, Failed> {
    if who != Identity::Coordinator {
        return Err(node.refuse(format!("{who:?} is not the coordinator")));
    }
    sign_share(node.index(), &node.check, &node.presignatures, &node.refusals, &ask)
        .await
        .map(Json)
        .map_err(|e| Failed(StatusCode::UNPROCESSABLE_ENTITY, Box::new(e)))
}
