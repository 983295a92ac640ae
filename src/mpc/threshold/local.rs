//! In-memory delivery for one protocol session among co-located parties (keygen, tests, the in-process
//! network): each party gets an incoming stream and an outgoing sink; broadcasts are copied to every other
//! party. A networked transport feeds the same `round_based` types from its authenticated channel.

use futures::{Sink, channel::mpsc};
use round_based::{Incoming, MessageDestination, MessageType, Outgoing, PartyIndex};
use std::{
    convert::Infallible,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};

/// A party's view of the session: its incoming messages and its outgoing sink.
pub type Delivery<M> =
    (futures::stream::Map<mpsc::UnboundedReceiver<Incoming<M>>, fn(Incoming<M>) -> Ok<M>>, Outbox<M>);
type Ok<M> = Result<Incoming<M>, Infallible>;

/// A message could not be delivered: the recipient's session ended (it failed or finished).
#[derive(Debug, thiserror::Error)]
#[error("party {0} is not in the session any more")]
pub struct Undeliverable(pub PartyIndex);

/// Where a party's messages go.
pub struct Outbox<M> {
    me: PartyIndex,
    inboxes: Arc<Vec<mpsc::UnboundedSender<Incoming<M>>>>,
    next_id: Arc<AtomicU64>,
}

impl<M: Clone> Outbox<M> {
    fn deliver(&self, to: usize, msg_type: MessageType, msg: M) -> Result<(), Undeliverable> {
        let inbox = self.inboxes.get(to).ok_or(Undeliverable(to as PartyIndex))?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        inbox
            .unbounded_send(Incoming { id, sender: self.me, msg_type, msg })
            .map_err(|_| Undeliverable(to as PartyIndex))
    }
}

impl<M: Clone> Sink<Outgoing<M>> for Outbox<M> {
    type Error = Undeliverable;

    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: Outgoing<M>) -> Result<(), Self::Error> {
        match item.recipient {
            MessageDestination::OneParty(to) => self.deliver(usize::from(to), MessageType::P2P, item.msg),
            MessageDestination::AllParties => {
                for to in (0..self.inboxes.len()).filter(|&j| j != usize::from(self.me)) {
                    self.deliver(to, MessageType::Broadcast, item.msg.clone())?;
                }
                Ok(())
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
}

/// One session of `n` parties, connected to each other; item `i` is party `i`'s delivery.
pub fn session<M: Clone>(n: u16) -> Vec<Delivery<M>> {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n).map(|_| mpsc::unbounded()).unzip();
    let inboxes = Arc::new(senders);
    let next_id = Arc::new(AtomicU64::new(0));
    receivers
        .into_iter()
        .enumerate()
        .map(|(i, rx)| {
            let incoming = futures::StreamExt::map(rx, Ok as fn(Incoming<M>) -> Ok<M>);
            let outbox = Outbox { me: i as PartyIndex, inboxes: inboxes.clone(), next_id: next_id.clone() };
            (incoming, outbox)
        })
        .collect()
}

/// In-process sessions by id, for co-located nodes that join a session one by one (as networked nodes do): the
/// first to join session `id` creates it, and each party takes its own position's delivery once.
pub struct Hub<M> {
    sessions: std::sync::Mutex<std::collections::HashMap<u64, Vec<Option<Delivery<M>>>>>,
}

impl<M> Default for Hub<M> {
    fn default() -> Self {
        Self { sessions: std::sync::Mutex::new(std::collections::HashMap::new()) }
    }
}

impl<M: Clone> Hub<M> {
    /// Party `position` of the `n` parties of session `id` joins it: its delivery, or `None` if it already
    /// joined (or `position` is out of range).
    pub fn join(&self, id: u64, n: u16, position: u16) -> Option<Delivery<M>> {
        let mut sessions = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let parties = sessions.entry(id).or_insert_with(|| session(n).into_iter().map(Some).collect());
        let delivery = parties.get_mut(usize::from(position)).and_then(Option::take);
        if parties.iter().all(Option::is_none) {
            sessions.remove(&id);
        }
        delivery
    }
}
