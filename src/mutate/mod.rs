//! `specproof mutate`: how good a pipeline's tests are, measured by breaking its code on
//! purpose. Each mutant is the code with one change made on the parsed tree by a documented
//! operator ([`operators`]), written back into the model file in place ([`mutants`]); each
//! suite (the shipped tests, the spec's named tests, the generated tests, the static check and
//! the differential check) is run on every mutant and scored by the mutants it kills
//! ([`score`]). See docs/mutate.md.

pub mod mutants;
pub mod operators;
pub mod render;
pub mod score;
