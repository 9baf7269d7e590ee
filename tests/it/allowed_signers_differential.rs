//! `allowed_signers` is parsed by hand (no crate reads it); this holds it to OpenSSH's own
//! reading. For files that exercise each option — principal patterns and negations, quoted
//! principals, namespaces with wildcards, validity periods, `cert-authority`, another key — and
//! for each principal, namespace and time, `AllowedSigners::check` must agree with
//! `ssh-keygen -Y verify` on a signature made by the same key.

use std::path::Path;
use std::process::{Command, Stdio};

use cutover::AllowedSigners;

fn keygen(dir: &Path, name: &str) -> String {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(dir.join(name))
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    let public = std::fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap();
    let mut words = public.split_whitespace();
    format!("{} {}", words.next().unwrap(), words.next().unwrap())
}

fn sign(dir: &Path, key: &str, namespace: &str) {
    let message = dir.join(format!("message-{namespace}"));
    std::fs::write(&message, b"a journal line\n").unwrap();
    let status = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(dir.join(key))
        .arg(&message)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn openssh_allows(dir: &Path, file: &Path, principal: &str, namespace: &str, time: &str) -> bool {
    let message = dir.join(format!("message-{namespace}"));
    Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(file)
        .args(["-I", principal, "-n", namespace, "-s"])
        .arg(message.with_extension("sig"))
        .arg(format!("-Overify-time={time}"))
        .stdin(std::fs::File::open(&message).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

#[test]
fn cutover_reads_allowed_signers_as_openssh_does() {
    let dir = tempfile::tempdir().unwrap();
    let alice = keygen(dir.path(), "alice");
    let bob = keygen(dir.path(), "bob");
    let namespaces = ["cutover-journal", "cutover-drill", "cutover-approval"];
    for namespace in namespaces {
        // ssh-keygen writes the signature beside the message, as `message-NAMESPACE.sig`.
        sign(dir.path(), "alice", namespace);
    }
    let files = [
        format!("alice@corp {alice}"),
        format!("alice@corp namespaces=\"cutover-drill\" {alice}"),
        format!("alice@corp namespaces=\"cutover-*\" {alice}"),
        format!("alice@corp namespaces=\"cutover-journal,cutover-approval\" {alice}"),
        format!("*@corp {alice}"),
        format!("a?ice@corp {alice}"),
        format!("*@corp,!bob@corp {alice}"),
        format!("\"alice@corp\" {alice}"),
        format!("alice@corp,bob@corp {alice}"),
        format!("alice@corp valid-after=\"20250101\",valid-before=\"20270101\" {alice}"),
        format!("alice@corp valid-after=\"20260601Z\" {alice}"),
        format!("alice@corp valid-before=\"20251231Z\" {alice}"),
        format!("alice@corp valid-after=\"202601011200Z\",valid-before=\"202601011300Z\" {alice}"),
        format!("alice@corp cert-authority {alice}"),
        format!("alice@corp {bob}"),
        format!("bob@corp {alice}\nalice@corp namespaces=\"cutover-drill\" {alice}"),
        format!("# a comment\n\nalice@corp {alice} alice's laptop"),
    ];
    let principals = ["alice@corp", "bob@corp", "mallory@elsewhere"];
    let times = [
        ("20260101Z", "2026-01-01T00:00:00Z"),
        ("202601011230Z", "2026-01-01T12:30:00Z"),
        ("20261201Z", "2026-12-01T00:00:00Z"),
        ("20280101Z", "2028-01-01T00:00:00Z"),
    ];
    let key = ssh_key::PublicKey::from_openssh(&alice).unwrap();
    let mut compared = 0;
    for (index, text) in files.iter().enumerate() {
        let file = dir.path().join(format!("allowed_signers.{index}"));
        std::fs::write(&file, format!("{text}\n")).unwrap();
        let parsed = AllowedSigners::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        for principal in principals {
            for namespace in namespaces {
                for (openssh_time, rfc3339) in times {
                    let ours = parsed
                        .check(principal, namespace, &key, rfc3339.parse().unwrap())
                        .is_ok();
                    let theirs =
                        openssh_allows(dir.path(), &file, principal, namespace, openssh_time);
                    assert_eq!(
                        ours, theirs,
                        "allowed_signers `{text}`, principal {principal}, namespace {namespace}, time {rfc3339}: cutover {ours}, ssh-keygen {theirs}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, files.len() * 3 * 3 * 4);
}
