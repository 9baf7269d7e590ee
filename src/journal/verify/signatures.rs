//! Session signatures, verified in batches on every core while the rest of verify reads the
//! file: a journal of ten thousand entries is ten thousand Ed25519 signatures, by far the
//! largest cost of verify. Batches go to worker threads as soon as they are full, so the
//! curve arithmetic runs alongside the parsing and hashing of the structural pass.
//!
//! Every entry of a session is signed by the same session key, which a general batch
//! verifier (ed25519-dalek's `verify_batch`) does not know: it multiplies the key once per
//! signature. Here the batch equation gathers the key's coefficients first,
//!
//!   [8]( [Σ zᵢ·sᵢ]B − Σ [zᵢ]Rᵢ − [Σ zᵢ·kᵢ]A ) = 0,   kᵢ = SHA-512(Rᵢ ‖ A ‖ Mᵢ) mod ℓ,
//!
//! with a random 128-bit zᵢ per signature, so one multi-scalar multiplication covers n + 2
//! points instead of 2n + 1. A batch that fails is searched signature by signature, which
//! names the first bad entry.
//!
//! The batch and the single check use the same rule, the cofactored equation
//! [8]([s]B − R − [k]A) = 0 (ZIP-215's, as in ed25519-zebra): so the verdict never depends on
//! the batching. A cofactorless single check (ed25519-dalek's `verify`, and `openssl pkeyutl`
//! in the manual audit) is stricter for one kind of signature only: one whose R carries a
//! small-order component, which the holder of the session key can craft and cutover's own
//! signer never makes (its R is [r]B). Such a signature holds here and fails the openssl audit;
//! with a batch that was cofactored and a search that was not, it used to pass or fail
//! depending on the rest of its batch. Rejecting it instead would need a scalar multiplication
//! per signature (its torsion check), about twice verify's cost.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha512};

/// A session signature collected during the structural pass.
pub(crate) struct PendingSignature {
    pub line: usize,
    pub seq: u64,
    pub kind: &'static str,
    pub key: VerifyingKey,
    /// The JSON and a LF.
    pub message: Vec<u8>,
    pub signature: Signature,
}

/// Signatures checked by one equation: large enough that the multiplication's cost per point
/// is low, small enough that a bad entry is found quickly.
const BATCH: usize = 256;

/// An operator's SSHSIG whose signer, principal and namespace were already checked in file
/// order; only the cryptography is left, for the workers.
pub(crate) struct PendingOperatorSignature {
    pub line: usize,
    pub seq: u64,
    pub kind: &'static str,
    pub key: ssh_key::PublicKey,
    pub namespace: String,
    /// The JSON and a LF.
    pub message: Vec<u8>,
    pub signature: ssh_key::SshSig,
}

/// A signature that does not verify, and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BadSignature {
    pub line: usize,
    pub seq: u64,
    pub kind: &'static str,
    /// `E_SIG` (a session signature) or `E_SSHSIG` (an operator's).
    pub code: &'static str,
    /// What verify says about it.
    pub message: &'static str,
}

type Batch = Vec<PendingSignature>;

/// What a worker checks: a batch of one session's signatures, or one operator signature.
enum Job {
    Session(Batch),
    Operator(Box<PendingOperatorSignature>),
}

/// Verifies signatures as they are handed over, on every core.
pub(crate) struct SignatureChecker {
    jobs: mpsc::Sender<Job>,
    workers: Vec<JoinHandle<Option<BadSignature>>>,
    batch: Batch,
}

impl SignatureChecker {
    pub(crate) fn start() -> Self {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..threads)
            .map(|_| {
                let receiver = receiver.clone();
                std::thread::spawn(move || {
                    let mut first: Option<BadSignature> = None;
                    loop {
                        let next = crate::locked::locked(&receiver).recv();
                        let Ok(job) = next else { break };
                        let found = match job {
                            Job::Session(batch) => first_bad_in(&batch),
                            Job::Operator(pending) => bad_operator_signature(&pending),
                        };
                        if let Some(bad) = found
                            && first.is_none_or(|f| bad.line < f.line)
                        {
                            first = Some(bad);
                        }
                    }
                    first
                })
            })
            .collect();
        Self {
            jobs,
            workers,
            batch: Vec::with_capacity(BATCH),
        }
    }

    /// Hands over one signature; a full batch (or one whose session ends) goes to the workers.
    pub(crate) fn push(&mut self, pending: PendingSignature) {
        if self.batch.first().is_some_and(|p| p.key != pending.key) {
            self.send();
        }
        self.batch.push(pending);
        if self.batch.len() == BATCH {
            self.send();
        }
    }

    /// Hands over an operator signature, checked by a worker as it comes.
    pub(crate) fn push_operator(&mut self, pending: PendingOperatorSignature) {
        self.hand_over(Job::Operator(Box::new(pending)));
    }

    fn send(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.hand_over(Job::Session(batch));
    }

    fn hand_over(&self, job: Job) {
        // A send fails only once every worker has panicked; `finish` re-raises that panic when
        // it joins them, so a signature that was not checked never passes for a good one.
        let _ = self.jobs.send(job);
    }

    /// Waits for every batch; the first bad signature in journal order, if any.
    pub(crate) fn finish(self) -> Option<BadSignature> {
        let Self {
            jobs,
            workers,
            batch,
        } = self;
        let mut found = vec![first_bad_in(&batch)];
        // Closing the queue lets each worker end once it is empty.
        drop(jobs);
        for worker in workers {
            found.push(worker.join().expect("verify thread"));
        }
        found.into_iter().flatten().min_by_key(|bad| bad.line)
    }
}

/// The first bad signature of a batch of one session's signatures.
fn first_bad_in(batch: &[PendingSignature]) -> Option<BadSignature> {
    let key = batch.first()?.key;
    if same_key_batch_holds(&key, batch) {
        return None;
    }
    // Something in this batch is bad: the single verification finds the first one.
    batch
        .iter()
        .find(|p| !single_holds(&p.key, &p.message, &p.signature))
        .map(|p| BadSignature {
            line: p.line,
            seq: p.seq,
            kind: p.kind,
            code: "E_SIG",
            message: "the session signature does not verify: the entry was edited or signed by another key",
        })
}

fn bad_operator_signature(pending: &PendingOperatorSignature) -> Option<BadSignature> {
    pending
        .key
        .verify(&pending.namespace, &pending.message, &pending.signature)
        .is_err()
        .then_some(BadSignature {
            line: pending.line,
            seq: pending.seq,
            kind: pending.kind,
            code: "E_SSHSIG",
            message: "the operator's signature does not verify: the entry was edited",
        })
}

/// The batch equation above, for signatures that all claim the key `key`.
fn same_key_batch_holds(key: &VerifyingKey, batch: &[PendingSignature]) -> bool {
    let key_bytes = key.to_bytes();
    let Some(key_point) = CompressedEdwardsY(key_bytes).decompress() else {
        return false;
    };
    let Ok(randomness) = random_coefficients(batch.len()) else {
        return false;
    };
    let mut scalars = Vec::with_capacity(batch.len() + 2);
    let mut points = Vec::with_capacity(batch.len() + 2);
    let mut basepoint_coefficient = Scalar::ZERO;
    let mut key_coefficient = Scalar::ZERO;
    for (pending, z) in batch.iter().zip(randomness) {
        let bytes = pending.signature.to_bytes();
        let r_bytes: [u8; 32] = bytes[..32].try_into().expect("64-byte signature");
        let s_bytes: [u8; 32] = bytes[32..].try_into().expect("64-byte signature");
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            return false;
        };
        let Some(r) = CompressedEdwardsY(r_bytes).decompress() else {
            return false;
        };
        let k = challenge(&r_bytes, &key_bytes, &pending.message);
        basepoint_coefficient += z * s;
        key_coefficient += z * k;
        scalars.push(-z);
        points.push(r);
    }
    scalars.push(basepoint_coefficient);
    points.push(ED25519_BASEPOINT_POINT);
    scalars.push(-key_coefficient);
    points.push(key_point);
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

/// The single check, by the batch's rule: [8]([s]B − R − [k]A) = 0, s canonical.
fn single_holds(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    let key_bytes = key.to_bytes();
    let bytes = signature.to_bytes();
    let r_bytes: [u8; 32] = bytes[..32].try_into().expect("64-byte signature");
    let s_bytes: [u8; 32] = bytes[32..].try_into().expect("64-byte signature");
    let (Some(key_point), Some(r), Some(s)) = (
        CompressedEdwardsY(key_bytes).decompress(),
        CompressedEdwardsY(r_bytes).decompress(),
        Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)),
    ) else {
        return false;
    };
    let k = challenge(&r_bytes, &key_bytes, message);
    let sb_minus_ka = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-key_point, &s);
    (sb_minus_ka - r).mul_by_cofactor().is_identity()
}

/// k = SHA-512(R ‖ A ‖ M) mod ℓ, as RFC 8032 defines it.
fn challenge(r: &[u8; 32], key: &[u8; 32], message: &[u8]) -> Scalar {
    let mut hash = Sha512::new();
    hash.update(r);
    hash.update(key);
    hash.update(message);
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

/// One random 128-bit coefficient per signature: a forged signature makes the equation hold
/// with probability 2⁻¹²⁸.
fn random_coefficients(count: usize) -> std::io::Result<Vec<Scalar>> {
    let mut bytes = vec![0u8; count * 16];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(bytes
        .chunks(16)
        .map(|chunk| {
            let mut wide = [0u8; 32];
            wide[..16].copy_from_slice(chunk);
            Scalar::from_bytes_mod_order(wide)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    /// Every signature at once.
    fn first_bad(pending: Vec<PendingSignature>) -> Option<BadSignature> {
        let mut checker = SignatureChecker::start();
        for signature in pending {
            checker.push(signature);
        }
        checker.finish()
    }

    /// `count` signed entries, the first on line `first_line`.
    fn signed(key: &SigningKey, first_line: usize, count: usize) -> Vec<PendingSignature> {
        (first_line - 2..first_line - 2 + count)
            .map(|n| {
                let message = format!("{{\"seq\":{n}}}\n").into_bytes();
                PendingSignature {
                    line: n + 2,
                    seq: n as u64 + 1,
                    kind: "note",
                    key: key.verifying_key(),
                    signature: key.sign(&message),
                    message,
                }
            })
            .collect()
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn good_signatures_of_several_sessions_all_hold() {
        let mut pending = signed(&key(1), 2, 300);
        pending.extend(signed(&key(2), 302, 300));
        assert_eq!(first_bad(pending), None);
    }

    #[test]
    fn the_first_bad_signature_is_found_wherever_it_is() {
        for bad in [0, 5, 255, 256, 299, 420] {
            let mut pending = signed(&key(1), 2, 300);
            pending.extend(signed(&key(2), 302, 200));
            // A message changed after signing.
            pending[bad].message.insert(0, b' ');
            // And a later one signed by a foreign key.
            let foreign = key(9).sign(&pending[bad + 10].message);
            pending[bad + 10].signature = foreign;
            assert_eq!(
                first_bad(pending).map(|b| b.line),
                Some(bad + 2),
                "bad at {bad}"
            );
        }
    }

    #[test]
    fn a_signature_with_a_non_canonical_scalar_is_refused() {
        let mut pending = signed(&key(1), 2, 10);
        let mut bytes = pending[3].signature.to_bytes();
        bytes[63] |= 0xf0; // s ≥ ℓ
        pending[3].signature = Signature::from_bytes(&bytes);
        assert_eq!(first_bad(pending).map(|b| b.seq), Some(4));
    }

    /// A signature made with the session key whose R carries the order-2 point: what only the
    /// key's holder can craft.
    fn crafted(secret: &Scalar, message: &[u8]) -> (VerifyingKey, Signature) {
        let order_two = CompressedEdwardsY({
            let mut y = [0xffu8; 32];
            y[0] = 0xec;
            y[31] = 0x7f;
            y
        })
        .decompress()
        .expect("(0, -1) is on the curve");
        let public = (ED25519_BASEPOINT_POINT * secret).compress();
        let nonce = Scalar::from(1234567u64);
        let r = (ED25519_BASEPOINT_POINT * nonce + order_two).compress();
        let k = challenge(r.as_bytes(), public.as_bytes(), message);
        let s = nonce + k * secret;
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(r.as_bytes());
        bytes[32..].copy_from_slice(s.as_bytes());
        (
            VerifyingKey::from_bytes(public.as_bytes()).unwrap(),
            Signature::from_bytes(&bytes),
        )
    }

    #[test]
    fn a_crafted_small_order_signature_gets_the_same_verdict_batched_or_alone() {
        use ed25519_dalek::Verifier;
        let secret = Scalar::from(987654321u64);
        for position in [0, 7, 254] {
            let mut pending = Vec::new();
            for n in 0..256 {
                let message = format!("{{\"seq\":{n}}}\n").into_bytes();
                let (key, signature) = if n == position {
                    crafted(&secret, &message)
                } else {
                    // Honest signatures by the same key: R = [r]B.
                    let public = (ED25519_BASEPOINT_POINT * secret).compress();
                    let nonce = Scalar::from(1000 + n as u64);
                    let r = (ED25519_BASEPOINT_POINT * nonce).compress();
                    let k = challenge(r.as_bytes(), public.as_bytes(), &message);
                    let mut bytes = [0u8; 64];
                    bytes[..32].copy_from_slice(r.as_bytes());
                    bytes[32..].copy_from_slice((nonce + k * secret).as_bytes());
                    (
                        VerifyingKey::from_bytes(public.as_bytes()).unwrap(),
                        Signature::from_bytes(&bytes),
                    )
                };
                pending.push(PendingSignature {
                    line: n + 2,
                    seq: n as u64 + 1,
                    kind: "note",
                    key,
                    message,
                    signature,
                });
            }
            let crafted = &pending[position];
            // The cofactorless check (and so openssl's audit) refuses it; the rule here holds.
            assert!(
                crafted
                    .key
                    .verify(&crafted.message, &crafted.signature)
                    .is_err()
            );
            assert!(single_holds(
                &crafted.key,
                &crafted.message,
                &crafted.signature
            ));
            assert!(same_key_batch_holds(&crafted.key.clone(), &pending));
            // A batch holding it and a real forgery still names the forgery, never the crafted one.
            pending[position + 1].message.insert(0, b' ');
            assert_eq!(first_bad(pending).map(|b| b.seq), Some(position as u64 + 2));
        }
    }
}
