//! Running a project's models in the engine: how ([`options`]), where each model's output goes
//! ([`plan`]), the models in dependency order with their output checks ([`models`]), and an SCD2
//! model's history over successive runs ([`history`]).

pub mod history;
pub mod models;
pub mod options;
pub mod plan;
