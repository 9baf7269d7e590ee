//! A second person for the dangerous steps: what they approve (`statement.rs`), how an offered
//! approval is judged (`offer.rs`) and against what (`facts.rs`), and where the engine and the
//! run's socket meet over it (`desk.rs`).

pub(crate) mod desk;
#[cfg(test)]
mod desk_test;
pub(crate) mod facts;
pub(crate) mod offer;
pub(crate) mod refusal;
pub(crate) mod statement;
