//! The controller's seat of a run: at most one client holds the controls. A second one is
//! told who holds them and may take them over; the engine journals every attach, takeover and
//! detach (as controls it records, `engine/controller_change.rs`) and hears through
//! `presence` whether anyone holds them (its presence gate starts no step otherwise).

use tokio::sync::{mpsc, oneshot, watch};

use super::seat_signer::{SharedLink, SignLink, ToHolder};
use crate::keys::person::PersonKey;

use crate::engine::control::Control;
use crate::engine::controller::Controller;
use crate::engine::controller_change::{ControllerChange, Seat, SeatAction};

/// The engine's end the seat reports to.
pub(crate) struct EngineControls {
    pub controller: Controller,
    pub presence: watch::Sender<bool>,
    /// Where the journal asks the holder to sign their acts (`live/seat_signer.rs`).
    pub signing: SharedLink,
}

struct Holder {
    id: u64,
    seat: Seat,
    /// The person, proven by their key; `None` for a seat that signs nothing.
    person: Option<PersonKey>,
    /// When they took the controls (`HH:MM:SS` UTC).
    since: String,
    /// Told who took the controls, when someone does.
    taken: Option<oneshot::Sender<Seat>>,
}

/// Who may act on the run.
pub(crate) struct ControllerSeat {
    engine: EngineControls,
    holder: Option<Holder>,
    next_id: u64,
}

/// A client that now holds the controls.
pub(crate) struct Taken {
    pub id: u64,
    /// Resolves when someone else takes them.
    pub taken_over: oneshot::Receiver<Seat>,
    /// What the journal asks this client to sign, when it proved whose key it signs with.
    pub signing: Option<mpsc::UnboundedReceiver<ToHolder>>,
}

impl ControllerSeat {
    pub(crate) fn new(engine: EngineControls) -> Self {
        Self {
            engine,
            holder: None,
            next_id: 0,
        }
    }

    /// Who holds the controls, for `cutover ls`: their principal first, where they sit, and
    /// since when (`ops-c@corp (alice@db-1 on /dev/pts/3) since 19:26:59`).
    pub(crate) fn holder_described(&self) -> Option<String> {
        let holder = self.holder.as_ref()?;
        let who = match &holder.person {
            Some(person) => format!("{} ({})", person.principal, holder.seat.describe()),
            None => format!("unsigned seat {}", holder.seat.describe()),
        };
        Some(format!("{who} since {}", holder.since))
    }

    /// Takes the controls: when they are free, or from their holder when `takeover`.
    /// `person` has proven their key (`live/seat_proof.rs`). `Err` names who holds them.
    pub(crate) fn take(
        &mut self,
        seat: Seat,
        person: Option<PersonKey>,
        takeover: bool,
    ) -> Result<Taken, Seat> {
        if let Some(holder) = &self.holder
            && !takeover
        {
            return Err(holder.seat.clone());
        }
        let from = self.holder.take().map(|mut holder| {
            if let Some(tell) = holder.taken.take() {
                let _ = tell.send(seat.clone());
            }
            holder.seat
        });
        let (tell, taken_over) = oneshot::channel();
        self.next_id += 1;
        let id = self.next_id;
        let action = if from.is_some() {
            SeatAction::Takeover
        } else {
            SeatAction::Attach
        };
        // The holder's key signs their acts from now on (their attach entry first); a client
        // that named no key signs nothing, and its acts are journaled as an unsigned seat's.
        let (ask, signing) = mpsc::unbounded_channel();
        let key = person.as_ref().and_then(PersonKey::public_key);
        let link = key.map(|key| SignLink::new(key, ask));
        let signing = link.is_some().then_some(signing);
        crate::locked::locked(&self.engine.signing).holder = link;
        self.engine.controller.send(Control::Controller {
            change: Box::new(ControllerChange {
                at: crate::protocol::time::timestamp(),
                action,
                seat: seat.clone(),
                from,
                person: person.clone(),
            }),
        });
        self.holder = Some(Holder {
            id,
            seat,
            person,
            since: jiff::Timestamp::now().strftime("%H:%M:%S").to_string(),
            taken: Some(tell),
        });
        self.engine.presence.send_replace(true);
        Ok(Taken {
            id,
            taken_over,
            signing,
        })
    }

    /// The client `id` left; nothing happens if it no longer held the controls (taken over).
    pub(crate) fn leave(&mut self, id: u64) {
        if self.holder.as_ref().is_none_or(|holder| holder.id != id) {
            return;
        }
        let holder = self.holder.take().expect("checked");
        crate::locked::locked(&self.engine.signing).holder = None;
        self.engine.presence.send_replace(false);
        self.engine.controller.send(Control::Controller {
            change: Box::new(ControllerChange {
                at: crate::protocol::time::timestamp(),
                action: SeatAction::Detach,
                seat: holder.seat,
                from: None,
                person: None,
            }),
        });
    }

    /// A control from the client `id`, passed on while it holds the controls. A client can
    /// never speak for the seat itself.
    pub(crate) fn act(&self, id: u64, control: Control) -> bool {
        if self.holder.as_ref().is_none_or(|holder| holder.id != id) {
            return false;
        }
        // The run's own bookkeeping, bare or bound to a question, never comes from a client.
        if matches!(
            control.unbound(),
            Control::Controller { .. } | Control::Notified { .. }
        ) {
            return false;
        }
        // Kept before the engine hears it: the journal asks the person to sign exactly this.
        if let Some(link) = crate::locked::locked(&self.engine.signing).holder.as_mut() {
            link.sent.push(&control);
        }
        self.engine.controller.send(control)
    }
}

/// Resolves with what a one-time word brings (who took the controls over, why the engine
/// ended): never when there is no such word to wait for (`None`), nor once its sender is gone.
pub(crate) async fn arrival<T>(taken: &mut Option<oneshot::Receiver<T>>) -> T {
    let Some(receiver) = taken else {
        return std::future::pending().await;
    };
    let result = receiver.await;
    // A finished receiver is never polled again.
    *taken = None;
    match result {
        Ok(by) => by,
        Err(_) => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::controller::attachable_control_channel;

    fn seat(user: &str) -> Seat {
        Seat {
            user: user.into(),
            host: "h".into(),
            ..Seat::default()
        }
    }

    fn changes(intake: &mut crate::engine::controller::ControlIntake) -> Vec<(SeatAction, String)> {
        let mut seen = Vec::new();
        while let Ok(control) = intake.answers.try_recv() {
            if let Control::Controller { change } = control {
                seen.push((change.action, change.seat.user));
            }
        }
        seen
    }

    #[test]
    fn one_holder_a_takeover_and_presence() {
        let (controller, mut intake, present) = attachable_control_channel();
        let presence = intake.presence.clone().unwrap();
        let mut chair = ControllerSeat::new(EngineControls {
            controller,
            presence: present,
            signing: SharedLink::default(),
        });
        assert!(!*presence.borrow());
        let mut alice = chair.take(seat("alice"), None, false).unwrap();
        assert!(*presence.borrow());
        assert_eq!(
            chair.take(seat("bob"), None, false).err(),
            Some(seat("alice"))
        );
        let bob = chair.take(seat("bob"), None, true).unwrap();
        assert_eq!(alice.taken_over.try_recv().unwrap(), seat("bob"));
        // The one taken over can act no more, and its leaving changes nothing.
        assert!(!chair.act(alice.id, Control::Proceed));
        chair.leave(alice.id);
        assert!(*presence.borrow());
        assert!(chair.act(bob.id, Control::Proceed));
        assert!(!chair.act(
            bob.id,
            Control::Controller {
                change: Box::new(ControllerChange {
                    at: String::new(),
                    action: SeatAction::Detach,
                    seat: seat("bob"),
                    from: None,
                    person: None,
                })
            }
        ));
        chair.leave(bob.id);
        assert!(!*presence.borrow());
        assert_eq!(
            changes(&mut intake),
            vec![
                (SeatAction::Attach, "alice".to_string()),
                (SeatAction::Takeover, "bob".to_string()),
                (SeatAction::Detach, "bob".to_string()),
            ]
        );
    }
}
