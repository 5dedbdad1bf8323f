//! Stage 1, the spec: its data model, loading with precise errors, the tests it names, and
//! the lint that decides whether it has one meaning.

pub mod checks;
pub mod lint;
pub mod load;
pub mod model;
pub mod position;
