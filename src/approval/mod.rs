//! A second person for the dangerous steps: what they approve (`statement.rs`), how an offered
//! approval is judged (`offer.rs`) and against what (`facts.rs`), and where the engine and the
//! run's socket meet over it (`desk.rs`).

pub mod desk;
#[cfg(test)]
mod desk_test;
pub mod facts;
pub mod offer;
pub mod refusal;
pub mod statement;
