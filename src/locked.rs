//! The one lock policy: a `std::sync::Mutex` whose holder panicked is taken anyway.
//!
//! Every mutex in cutover guards a value that is whole between statements — a map of
//! services, a cached client, the journal's commit point, a seat's link, the approval desk —
//! and the panic is already reported where it happened. Refusing the lock afterwards would
//! turn one failure into a second in an unrelated thread (the journal writer, the socket),
//! which is worse for a run in progress than going on with the value as the panic left it.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// `mutex`, locked, whether or not a holder panicked.
pub(crate) fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_whose_holder_panicked_is_still_taken() {
        let shared = std::sync::Arc::new(Mutex::new(1));
        let holder = shared.clone();
        let _ = std::thread::spawn(move || {
            let _guard = holder.lock().unwrap();
            panic!("the holder panics");
        })
        .join();
        assert!(shared.is_poisoned());
        *locked(&shared) += 1;
        assert_eq!(*locked(&shared), 2);
    }
}
