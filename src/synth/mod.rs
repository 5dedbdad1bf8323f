//! Stage 3, synthetic data: seeded datasets built to take every branch of the spec.

mod generate;
mod harvest;
mod load;
mod plan;
mod regex;
mod rng;
mod types;
mod value;

pub use generate::synthesize;
pub use load::{load, write_csv};
pub use value::{Dataset, SynthColumn, SynthOptions, SynthTable, Value};
