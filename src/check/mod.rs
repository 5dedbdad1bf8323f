//! Stage 5, checks: the spec's tests and keys on each model's output, and the comparison with
//! the reference result derived from the spec. Not built yet: see the issues "Run it" and
//! "Prove it".
