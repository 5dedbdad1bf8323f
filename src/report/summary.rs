//! What a run produced, ready for any renderer.

use crate::finding::{Finding, Severity};
use serde::Serialize;

/// The result of one command over one project.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The command that ran (`lint`, `validate`).
    pub command: String,
    /// The spec file the findings are about.
    pub spec: String,
    /// What the command checked, in words ("spec lint").
    pub scope: String,
    /// Findings, sorted.
    pub findings: Vec<Finding>,
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
}

impl Report {
    /// Counts by severity.
    pub fn counts(&self) -> Counts {
        let errors = self.findings.iter().filter(|f| f.severity == Severity::Error).count();
        Counts { errors, warnings: self.findings.len() - errors }
    }

    /// True when nothing fails the run (warnings do not).
    pub fn is_clean(&self) -> bool {
        self.counts().errors == 0
    }
}
