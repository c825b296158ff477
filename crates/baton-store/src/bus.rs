//! The live fan-out of committed events: a store publishes each event on its [`Bus`] once the
//! transaction that wrote it has committed, and live streams subscribe to it.
//!
//! The bus is its own trait, beside [`crate::Store`] rather than inside it, so that the
//! deployment picks it: [`LocalBus`] within one process today; a message bus between nodes
//! (NATS) plugs in beside it without a change to stores or streams. The bus is a shortcut, not
//! the record: a subscriber that falls behind is told so ([`Missed::Lagged`]) and catches up
//! from the store's log, which is why delivery on a bus may be best-effort.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::view::CommittedEvent;

/// Where committed events are announced to whoever is listening live.
pub trait Bus: Send + Sync + 'static {
    /// Announces `event`, which has committed. Events are published in `seq` order; with no
    /// subscriber the event is simply not delivered (streams read older events from the store).
    fn publish(&self, event: Arc<CommittedEvent>);

    /// Events published from now on, in order.
    fn subscribe(&self) -> Subscription;
}

/// Why a subscription gave no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Missed {
    /// The subscriber fell this many events behind and they were dropped for it: it must catch
    /// up from the store, from the last `seq` it saw.
    #[error("the subscriber fell {0} events behind")]
    Lagged(u64),
    /// The bus is gone: no event will come again.
    #[error("the bus was closed")]
    Closed,
}

/// One subscriber's view of a bus: the events published since it subscribed.
#[derive(Debug)]
pub struct Subscription {
    events: broadcast::Receiver<Arc<CommittedEvent>>,
}

impl Subscription {
    /// The next event, waiting for one. Cancel-safe: dropping the future loses no event.
    pub async fn recv(&mut self) -> Result<Arc<CommittedEvent>, Missed> {
        self.events.recv().await.map_err(|err| match err {
            broadcast::error::RecvError::Lagged(n) => Missed::Lagged(n),
            broadcast::error::RecvError::Closed => Missed::Closed,
        })
    }
}

/// Events kept for slow subscribers before they are told they lagged and must catch up from
/// the store.
const LOCAL_CAPACITY: usize = 4096;

/// The bus of one process: every subscriber in it gets every event, from a bounded ring that
/// one slow subscriber cannot make grow.
#[derive(Debug, Clone)]
pub struct LocalBus {
    events: broadcast::Sender<Arc<CommittedEvent>>,
}

impl LocalBus {
    pub fn new() -> LocalBus {
        LocalBus { events: broadcast::channel(LOCAL_CAPACITY).0 }
    }
}

impl Default for LocalBus {
    fn default() -> LocalBus {
        LocalBus::new()
    }
}

impl Bus for LocalBus {
    fn publish(&self, event: Arc<CommittedEvent>) {
        // No subscriber is fine: nobody is listening live.
        let _ = self.events.send(event);
    }

    fn subscribe(&self) -> Subscription {
        Subscription { events: self.events.subscribe() }
    }
}

#[cfg(test)]
mod tests {
    use baton_core::Seq;

    use super::*;
    use crate::view::Scope;

    fn event(seq: i64) -> Arc<CommittedEvent> {
        Arc::new(CommittedEvent::new(Seq(seq), "project.created".into(), Scope::Internal, None, bytes::Bytes::new()))
    }

    #[tokio::test]
    async fn subscribers_get_what_is_published_after_they_subscribe_in_order() {
        let bus = LocalBus::new();
        bus.publish(event(1));
        let mut first = bus.subscribe();
        bus.publish(event(2));
        let mut second = bus.subscribe();
        bus.publish(event(3));
        assert_eq!(first.recv().await.unwrap().seq, Seq(2));
        assert_eq!(first.recv().await.unwrap().seq, Seq(3));
        assert_eq!(second.recv().await.unwrap().seq, Seq(3));
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_how_far_it_fell_behind() {
        let bus = LocalBus::new();
        let mut slow = bus.subscribe();
        let published = LOCAL_CAPACITY as i64 + 10;
        for seq in 1..=published {
            bus.publish(event(seq));
        }
        assert_eq!(slow.recv().await.unwrap_err(), Missed::Lagged(10));
        assert_eq!(slow.recv().await.unwrap().seq, Seq(11), "it resumes at the oldest event kept");
    }

    #[tokio::test]
    async fn a_dropped_bus_closes_its_subscriptions() {
        let bus = LocalBus::new();
        let mut subscription = bus.subscribe();
        drop(bus);
        assert_eq!(subscription.recv().await.unwrap_err(), Missed::Closed);
    }
}
