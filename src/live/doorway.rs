//! How many clients a run's socket holds. A client has [`HELLO_TIMEOUT`] to say hello; past
//! [`MAX_WAITING`] connections that have not yet, each new one pushes the oldest out, so a
//! burst of idle connections can never keep a person from attaching or an approver from
//! approving. Past [`MAX_CLIENTS`] clients that did say hello, a newcomer is refused in words.
//! Either way the engine holds a bounded number of descriptors and buffers for its clients,
//! however many connect.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

/// A client has this long to say hello.
pub(super) const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections that have not said hello yet, at most.
pub(super) const MAX_WAITING: usize = 64;

/// Clients that said hello (watchers, the controller, `ls`, approvers), at most.
pub(super) const MAX_CLIENTS: usize = 256;

#[derive(Default)]
pub(super) struct Doorway {
    /// Connections yet to say hello, oldest first, each with the word that pushes it out.
    waiting: Mutex<VecDeque<(u64, oneshot::Sender<()>)>>,
    next: AtomicUsize,
    clients: Arc<AtomicUsize>,
}

/// A connection that has not said hello yet: told when a newer one pushes it out.
pub(super) struct Arrival {
    pub id: u64,
    pub pushed_out: oneshot::Receiver<()>,
}

/// A client that said hello and holds one of the places; it frees it when dropped.
pub(super) struct Place {
    clients: Arc<AtomicUsize>,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.clients.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Doorway {
    /// A new connection; the oldest waiting one is pushed out when too many wait.
    pub(super) fn arrive(&self) -> Arrival {
        let id = self.next.fetch_add(1, Ordering::Relaxed) as u64;
        let (push, pushed_out) = oneshot::channel();
        let mut waiting = crate::locked::locked(&self.waiting);
        if waiting.len() >= MAX_WAITING
            && let Some((_, oldest)) = waiting.pop_front()
        {
            let _ = oldest.send(());
        }
        waiting.push_back((id, push));
        Arrival { id, pushed_out }
    }

    /// The connection `id` stopped waiting: it said hello, or it is gone.
    pub(super) fn left_waiting(&self, id: u64) {
        crate::locked::locked(&self.waiting).retain(|(waiting, _)| *waiting != id);
    }

    /// A place for a client that said hello; `None` when every place is taken.
    pub(super) fn enter(&self) -> Option<Place> {
        let taken = self
            .clients
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |clients| {
                (clients < MAX_CLIENTS).then_some(clients + 1)
            });
        taken.ok().map(|_| Place {
            clients: self.clients.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_silent_connection_makes_way_and_places_are_bounded() {
        let doorway = Doorway::default();
        let mut arrivals: Vec<Arrival> = (0..MAX_WAITING).map(|_| doorway.arrive()).collect();
        let newest = doorway.arrive();
        assert!(arrivals[0].pushed_out.try_recv().is_ok(), "the oldest goes");
        assert!(arrivals[1].pushed_out.try_recv().is_err());
        // One that said hello no longer counts among the waiting.
        doorway.left_waiting(newest.id);
        let places: Vec<Place> = (0..MAX_CLIENTS).map_while(|_| doorway.enter()).collect();
        assert_eq!(places.len(), MAX_CLIENTS);
        assert!(doorway.enter().is_none(), "every place is taken");
        drop(places);
        assert!(doorway.enter().is_some(), "a place freed is a place");
    }
}
