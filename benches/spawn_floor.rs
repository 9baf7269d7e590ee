//! The floor for the per-step overhead benchmark (bench/engine.sh): a plain loop that spawns
//! `/bin/sh -c 'echo step N'` N times (the shell cutover runs) with piped output, read to the
//! end, and nothing else.
//!
//! With `--sync`, each command's output is also written to a new file and fsynced.
//! With `--journal`, one line per step is appended to a journal file and fdatasynced: the floor
//! of the journal benchmark (bench/journal.sh).
//! With `--durable`, what LOG-FORMAT.md requires of a step, in that order: the journal line
//! appended and fdatasynced, a new output file written and fsynced, its folder fsynced — the
//! honest floor of a journaled step.
//!
//!   cargo bench --bench spawn_floor -- 200 [--sync] [--journal] [--durable]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let steps: u32 = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(200);
    let sync = std::env::args().any(|arg| arg == "--sync");
    let durable = std::env::args().any(|arg| arg == "--durable");
    let journal = durable || std::env::args().any(|arg| arg == "--journal");
    let sync = sync || durable;
    let dir = std::env::temp_dir().join(format!("spawn-floor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(dir.join("journal.log"))
        .expect("journal");
    let started = Instant::now();
    for n in 0..steps {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("echo step {n}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh starts");
        let mut output = Vec::new();
        child
            .stdout
            .take()
            .expect("piped")
            .read_to_end(&mut output)
            .expect("read");
        child.wait().expect("wait");
        if journal {
            let line = format!(
                "{{\"seq\":{n},\"kind\":\"step_result\",\"step\":\"step-{n}\",\"bytes\":{}}}\t{}\n",
                output.len(),
                "A".repeat(88)
            );
            std::io::Write::write_all(&mut log, line.as_bytes()).expect("append");
            log.sync_data().expect("fdatasync");
        }
        if sync {
            let mut file = std::fs::File::create(dir.join(format!("{n}.log"))).expect("create");
            std::io::Write::write_all(&mut file, &output).expect("write");
            file.sync_all().expect("sync");
        }
        if durable {
            std::fs::File::open(&dir)
                .and_then(|folder| folder.sync_all())
                .expect("folder sync");
        }
    }
    let elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    println!("{:.3}", elapsed.as_secs_f64() * 1000.0);
}
