//! Session signatures, verified in batches on every core: a journal of ten thousand entries
//! is ten thousand Ed25519 signatures, by far the largest cost of verify.

use ed25519_dalek::{Signature, Verifier, VerifyingKey, verify_batch};

/// A session signature collected during the structural pass.
pub struct PendingSignature {
    pub line: usize,
    pub seq: u64,
    pub kind: &'static str,
    pub key: VerifyingKey,
    /// The JSON and a LF.
    pub message: Vec<u8>,
    pub signature: Signature,
}

const BATCH: usize = 64;

/// The index of the first signature (in journal order) that does not verify.
pub fn first_bad(pending: &[PendingSignature]) -> Option<usize> {
    if pending.is_empty() {
        return None;
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let share = pending.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = pending
            .chunks(share)
            .enumerate()
            .map(|(part, signatures)| {
                scope.spawn(move || first_bad_in(signatures).map(|i| part * share + i))
            })
            .collect();
        workers
            .into_iter()
            .filter_map(|worker| worker.join().expect("verify thread"))
            .min()
    })
}

fn first_bad_in(signatures: &[PendingSignature]) -> Option<usize> {
    for (batch_index, batch) in signatures.chunks(BATCH).enumerate() {
        let messages: Vec<&[u8]> = batch.iter().map(|p| p.message.as_slice()).collect();
        let sigs: Vec<Signature> = batch.iter().map(|p| p.signature).collect();
        let keys: Vec<VerifyingKey> = batch.iter().map(|p| p.key).collect();
        if verify_batch(&messages, &sigs, &keys).is_ok() {
            continue;
        }
        // Something in this batch is bad: find the first one.
        if let Some(offset) = batch
            .iter()
            .position(|p| p.key.verify(&p.message, &p.signature).is_err())
        {
            return Some(batch_index * BATCH + offset);
        }
    }
    None
}
