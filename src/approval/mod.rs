//! A second person for the dangerous steps: what they approve (`statement.rs`), how an offered
//! approval is judged (`offer.rs`), where the engine and the run's socket meet over it
//! (`desk.rs`), what the journal keeps of one (`record.rs`), and what the journal says about the run that approvals are judged against
//! (`run_facts.rs`).

pub mod desk;
#[cfg(test)]
mod desk_test;
pub mod error;
pub mod offer;
pub mod run_facts;
pub mod statement;
