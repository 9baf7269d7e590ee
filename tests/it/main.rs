//! The end-to-end tests: one binary, one module per area, the shared helpers in `support`.
//!
//! One binary links once; forty-odd would link forty-odd times, which on a 2-core machine
//! was a third of the suite's wall time.

mod support;

mod allowed_signers_differential;
mod approvals;
mod attach;
mod canary_rollout;
mod check_never_panics;
mod check_rules;
mod decisions;
mod engine_durable;
mod engine_headless;
mod example_kubeadm;
mod example_runbooks;
mod history;
mod hosts;
mod http_bounds;
mod identities;
mod includes;
mod journal_audit;
mod journal_crash;
mod journal_damage;
mod journal_signers;
mod layers;
mod list_variables;
mod live_surface;
mod ls;
mod metric_gates;
mod notifications;
mod orphans;
mod postgres_rollback;
mod private_files;
mod release_local;
mod release_lock;
mod release_rehearsal;
mod resume_race;
mod review_report;
mod shipped_runbooks;
mod targets;
mod terminal_escapes;
mod tui_ends;
mod tui_pty;
mod tui_shipped_runbooks;
mod verify_never_panics;
