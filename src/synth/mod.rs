//! Stage 3, synthetic data: seeded datasets built to take every branch of the spec.

mod derive;
mod generate;
mod harvest;
mod plan;
mod range;
mod regex;
mod relate;
mod relations;
pub(crate) mod rng;
mod types;
mod value;
mod write;

pub use generate::{synthesize, synthesize_for, synthesize_resolved};
pub use value::{Dataset, SynthColumn, SynthOptions, SynthTable, Value};
pub use write::{load, write_csv};
