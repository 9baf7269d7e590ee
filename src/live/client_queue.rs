//! What waits to be sent to the clients of a run's socket, bounded in bytes. Each event is
//! encoded once and shared by every client's queue; a client that does not read pins the
//! frames queued for it. So two bounds: a client may have at most [`CLIENT_BYTES`] of live
//! output waiting — past it, output is left out for that client, with one line saying so, and
//! the client stays (the run folder's output file has every byte; a screen that reads slower
//! than `cat` writes must not lose the run) — and [`ESSENTIAL_BYTES`] of everything else; and
//! all frames pinned by all clients together may not pass [`ALL_CLIENTS_BYTES`] — past it, the
//! clients furthest behind are let go at once, until what they held covers the excess. A
//! watcher that stops reading during a gigabyte of output, or two hundred of them, cost the
//! engine a few megabytes; each may attach again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Notify, mpsc};

/// Frames queued for one client, at most.
const CLIENT_FRAMES: usize = 1 << 16;

/// Bytes waiting for one client past which its live output is left out.
const CLIENT_BYTES: usize = 2 << 20;

/// Bytes waiting for one client past which it is let go: what is not output (a step's start,
/// a question, a result) is never left out.
const ESSENTIAL_BYTES: usize = 3 << 20;

/// Bytes of frames waiting for all clients together, at most.
const ALL_CLIENTS_BYTES: usize = 8 << 20;

/// One encoded frame; the bytes of every frame alive are counted while it lives.
pub(super) struct Frame {
    pub bytes: Vec<u8>,
    alive: Arc<AtomicUsize>,
}

impl Drop for Frame {
    fn drop(&mut self) {
        self.alive.fetch_sub(self.bytes.len(), Ordering::AcqRel);
    }
}

/// What the hub and one client's connection share about its queue.
#[derive(Default)]
struct Shared {
    /// Bytes queued and not yet taken by the connection.
    queued: AtomicUsize,
    /// Told when the client is let go for falling behind.
    let_go: Notify,
    /// What it held when let go, counted as about to be freed until its connection drops it.
    freeing: AtomicUsize,
    /// Its live output is being left out (it was told once, with the marker).
    skipping: std::sync::atomic::AtomicBool,
}

/// Every client's queue, and the bytes of the frames they hold.
#[derive(Default)]
pub(super) struct Queues {
    clients: Vec<ClientQueue>,
    alive: Arc<AtomicUsize>,
    /// Bytes held by clients let go whose connections have not dropped them yet.
    freeing: Arc<AtomicUsize>,
}

impl Queues {
    pub(super) fn len(&self) -> usize {
        self.clients.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// A new client's queue; the connection reads from the other end.
    pub(super) fn subscribe(&mut self) -> QueuedFrames {
        let (sender, receiver) = mpsc::channel(CLIENT_FRAMES);
        let shared = Arc::new(Shared::default());
        self.clients.push(ClientQueue {
            sender,
            shared: shared.clone(),
        });
        QueuedFrames {
            receiver,
            shared,
            freeing: self.freeing.clone(),
        }
    }

    /// Queues `encoded` for every client that keeps up; lets go those that fell too far
    /// behind, the furthest first while all together hold too much. `output_marker`: the
    /// frame is live output, left out for a client that is behind, which is told so once by
    /// the marker (encoded only if needed).
    pub(super) fn send(&mut self, encoded: Vec<u8>, output_marker: Option<&dyn Fn() -> Vec<u8>>) {
        let frame = self.frame(encoded);
        let mut marker: Option<Arc<Frame>> = None;
        let freeing = self.freeing.clone();
        let alive = self.alive.clone();
        self.clients.retain(|client| match output_marker {
            None => client.offer(&frame, &freeing),
            Some(encode) => client.offer_output(&frame, &freeing, || {
                marker
                    .get_or_insert_with(|| {
                        let bytes = encode();
                        alive.fetch_add(bytes.len(), Ordering::AcqRel);
                        Arc::new(Frame {
                            bytes,
                            alive: alive.clone(),
                        })
                    })
                    .clone()
            }),
        });
        drop(frame);
        drop(marker);
        let mut excess = self
            .alive
            .load(Ordering::Acquire)
            .saturating_sub(self.freeing.load(Ordering::Acquire))
            .saturating_sub(ALL_CLIENTS_BYTES);
        while excess > 0 {
            let Some(furthest) = self
                .clients
                .iter()
                .enumerate()
                .max_by_key(|(_, client)| client.shared.queued.load(Ordering::Acquire))
                .map(|(index, _)| index)
            else {
                break;
            };
            let client = self.clients.swap_remove(furthest);
            excess = excess.saturating_sub(client.let_go(&self.freeing).max(1));
        }
    }

    fn frame(&self, bytes: Vec<u8>) -> Arc<Frame> {
        self.alive.fetch_add(bytes.len(), Ordering::AcqRel);
        Arc::new(Frame {
            bytes,
            alive: self.alive.clone(),
        })
    }

    /// Every client is told the run is over: nothing more will come.
    pub(super) fn clear(&mut self) {
        self.clients.clear();
    }
}

/// The hub's end of one client's queue.
struct ClientQueue {
    sender: mpsc::Sender<Arc<Frame>>,
    shared: Arc<Shared>,
}

impl ClientQueue {
    /// Queues `frame`; `false` when the client is gone or this far behind (then let go).
    fn offer(&self, frame: &Arc<Frame>, freeing: &AtomicUsize) -> bool {
        let length = frame.bytes.len();
        if self.shared.queued.load(Ordering::Acquire) + length > ESSENTIAL_BYTES
            || self.sender.try_send(frame.clone()).is_err()
        {
            self.let_go(freeing);
            return false;
        }
        self.shared.queued.fetch_add(length, Ordering::AcqRel);
        true
    }

    /// Queues live output, or leaves it out while the client is behind (saying so once, with
    /// `marker`); `false` only when the client is gone.
    fn offer_output(
        &self,
        frame: &Arc<Frame>,
        freeing: &AtomicUsize,
        marker: impl FnOnce() -> Arc<Frame>,
    ) -> bool {
        let queued = self.shared.queued.load(Ordering::Acquire);
        let behind =
            queued + frame.bytes.len() > CLIENT_BYTES || self.sender.capacity() < CLIENT_FRAMES / 4;
        if behind {
            if !self.shared.skipping.swap(true, Ordering::AcqRel) {
                return self.offer(&marker(), freeing);
            }
            return !self.sender.is_closed();
        }
        self.shared.skipping.store(false, Ordering::Release);
        self.offer(frame, freeing)
    }

    /// Tells the connection it is let go; what it holds counts as freed from now on. Returns
    /// how much that is.
    fn let_go(&self, freeing: &AtomicUsize) -> usize {
        let held = self.shared.queued.load(Ordering::Acquire);
        self.shared.freeing.store(held, Ordering::Release);
        freeing.fetch_add(held, Ordering::AcqRel);
        self.shared.let_go.notify_one();
        held
    }
}

/// What a client's queue gave.
pub(super) enum Received {
    Frame(Arc<Frame>),
    /// The hub let the client go for falling behind.
    LetGo,
    /// The run is over and everything queued went out.
    Over,
}

/// The connection's end of its client's queue.
pub(super) struct QueuedFrames {
    receiver: mpsc::Receiver<Arc<Frame>>,
    shared: Arc<Shared>,
    freeing: Arc<AtomicUsize>,
}

impl QueuedFrames {
    /// The next frame, or why there is none. Cancel-safe: a frame not returned stays
    /// queued, and a let-go not heard is heard next time.
    pub(super) async fn recv(&mut self) -> Received {
        let shared = self.shared.clone();
        let frame = tokio::select! {
            biased;
            () = shared.let_go.notified() => return Received::LetGo,
            frame = self.receiver.recv() => frame,
        };
        let Some(frame) = frame else {
            return Received::Over;
        };
        self.shared
            .queued
            .fetch_sub(frame.bytes.len(), Ordering::AcqRel);
        Received::Frame(frame)
    }

    pub(super) fn try_recv(&mut self) -> Option<Arc<Frame>> {
        let frame = self.receiver.try_recv().ok()?;
        self.shared
            .queued
            .fetch_sub(frame.bytes.len(), Ordering::AcqRel);
        Some(frame)
    }

    /// Resolves when the hub let this client go for falling behind (cancel-safe: a
    /// notification waits for the next call).
    pub(super) async fn let_go(&self) {
        self.shared.let_go.notified().await;
    }
}

impl Drop for QueuedFrames {
    fn drop(&mut self) {
        let counted = self.shared.freeing.swap(0, Ordering::AcqRel);
        self.freeing.fetch_sub(counted, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[test]
    fn clients_that_do_not_read_are_let_go_and_hold_a_bounded_amount() {
        let mut queues = Queues::default();
        let mut stalled: Vec<Option<QueuedFrames>> =
            (0..50).map(|_| Some(queues.subscribe())).collect();
        let mut reader = queues.subscribe();
        let mut most = 0;
        for _ in 0..2_000 {
            queues.send(vec![b'x'; 32 << 10], None);
            // One client keeps up; the others' connections go when they are let go.
            while reader.try_recv().is_some() {}
            for client in &mut stalled {
                if client
                    .as_ref()
                    .is_some_and(|queued| queued.let_go().now_or_never().is_some())
                {
                    *client = None;
                }
            }
            most = most.max(queues.alive.load(Ordering::Acquire));
        }
        assert!(
            most <= ALL_CLIENTS_BYTES + CLIENT_BYTES,
            "{most} bytes alive at most"
        );
        assert_eq!(queues.len(), 1, "only the reader is still served");
        assert!(stalled.iter().all(Option::is_none));
        assert_eq!(queues.alive.load(Ordering::Acquire), 0);
        assert_eq!(queues.freeing.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_screen_behind_on_output_keeps_its_place_and_is_told_once() {
        let mut queues = Queues::default();
        let mut slow = queues.subscribe();
        let marker = || b"marker".to_vec();
        // Four megabytes of output while the screen reads nothing: half of it is left out.
        for _ in 0..128 {
            queues.send(vec![b'o'; 32 << 10], Some(&marker));
        }
        assert_eq!(queues.len(), 1, "output alone never lets a screen go");
        // A step's result is never left out.
        queues.send(b"result".to_vec(), None);
        let mut frames = Vec::new();
        while let Some(frame) = slow.try_recv() {
            frames.push(frame.bytes.clone());
        }
        let markers = frames.iter().filter(|f| f.as_slice() == b"marker").count();
        assert_eq!(markers, 1, "told once that output was left out");
        assert_eq!(frames.last().map(Vec::as_slice), Some(&b"result"[..]));
        let output: usize = frames.iter().filter(|f| f[0] == b'o').map(Vec::len).sum();
        assert!(output <= CLIENT_BYTES, "{output} bytes of output queued");
        // Caught up, it gets output again.
        queues.send(vec![b'o'; 10], Some(&marker));
        assert_eq!(slow.try_recv().map(|f| f.bytes.len()), Some(10));
    }
}
