//! A real, signed drill journal in a temporary folder, for the journal's unit tests.

use std::path::Path;

use super::entry::namespace_for;
use super::file::JournalFile;
use super::header::{RunFacts, build_header};
use crate::keys::operator::OperatorKey;
use crate::keys::session::SessionKey;
use crate::protocol::mode::Mode;
use crate::runbook::load::check_bytes;
use crate::runbook::template::Scope;

const RUNBOOK: &str = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[[phase]]\nid = \"p\"\n\n\
    [[phase.step]]\nid = \"s\"\nkind = \"command\"\nrun = \"true\"\n";

/// Creates `dir/journal.log` (and `dir/output/`), signed with a drill key made in `dir`.
pub(crate) fn drill_journal(dir: &Path) -> JournalFile {
    std::fs::create_dir_all(dir.join("output")).unwrap();
    std::fs::write(dir.join("runbook.toml"), RUNBOOK).unwrap();
    let runbook = check_bytes(Path::new("t.toml"), RUNBOOK.as_bytes().to_vec())
        .runbook
        .expect("the test runbook is valid");
    let operator = OperatorKey::drill_key(&dir.join("config")).unwrap();
    let session = SessionKey::generate().unwrap();
    let sid = "0".repeat(32);
    let header = build_header(
        &RunFacts {
            run_id: "test",
            runbook: &runbook,
            runbook_bytes: RUNBOOK.as_bytes(),
            mode: Mode::Drill,
            principal: "tester",
            scope: &Scope::default(),
            time_scale: None,
            hosts: &Default::default(),
            includes: Vec::new(),
            release_lock: None,
            tools: &[],
            trust_root: None,
        },
        &operator,
        session.public_base64(),
    )
    .unwrap();
    JournalFile::create(
        dir,
        sid,
        namespace_for(Mode::Drill),
        operator,
        session,
        header,
    )
    .unwrap()
}
