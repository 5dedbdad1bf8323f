//! Output-check failures the spec already explains.
//!
//! When the lint proves that the spec itself lets a rule break (SPEC013: the declared sources
//! let the primary key repeat; SPEC014: a `not_null` column reads a nullable source without a
//! guard), synthetic data that honours every declaration breaks that rule whatever the code
//! does. The failure on the output is then the spec's finding seen a second time, not a fault
//! of the code: counting it against the code would be a false alarm. Such failures are set
//! aside and counted, and the spec finding stands for them.

use crate::finding::{Code, Finding};
use crate::spec::load::LoadedSpec;

/// Splits `run` (findings of running and checking the models) into those that stand and the
/// number set aside because a finding of `lint` about the spec already explains them.
pub fn set_aside_explained(loaded: &LoadedSpec, lint: &[Finding], run: Vec<Finding>) -> (Vec<Finding>, usize) {
    let mut null_entries: Vec<&str> = Vec::new();
    let mut key_models: Vec<&str> = Vec::new();
    for finding in lint {
        match finding.code {
            Code::NotNullUnguarded => null_entries.extend(finding.json_path.as_deref().and_then(entry_of)),
            Code::KeyCanRepeat => key_models.extend(finding.model.as_deref()),
            _ => {}
        }
    }
    let key_column_entries = |model: &str| -> Vec<String> {
        let Some((mi, m)) = loaded.spec.models.iter().enumerate().find(|(_, m)| m.name == model) else {
            return Vec::new();
        };
        let Some(key) = m.constraints.primary_key.as_ref() else { return Vec::new() };
        let key: Vec<&str> = key.names().collect();
        let mapping = m
            .column_mapping
            .iter()
            .enumerate()
            .map(|(c, e)| (format!("models[{mi}].column_mapping[{c}]"), &e.target_column));
        let aggregations = m
            .aggregations
            .iter()
            .enumerate()
            .map(|(c, e)| (format!("models[{mi}].aggregations[{c}]"), &e.metric_column));
        mapping
            .chain(aggregations)
            .filter(|(_, name)| key.iter().any(|k| k.eq_ignore_ascii_case(name)))
            .map(|(p, _)| p)
            .collect()
    };
    let mut set_aside = 0;
    let kept = run
        .into_iter()
        .filter(|f| {
            let entry = f.json_path.as_deref().and_then(entry_of);
            let model = f.model.as_deref().unwrap_or_default();
            let explained = match f.code {
                Code::NullInNonNullable | Code::TestNotNullFailed => entry.is_some_and(|e| null_entries.contains(&e)),
                Code::PrimaryKeyFailed => key_models.contains(&model),
                Code::TestUniqueFailed => {
                    key_models.contains(&model)
                        && entry.is_some_and(|e| key_column_entries(model).iter().any(|k| k == e))
                }
                _ => false,
            };
            set_aside += usize::from(explained);
            !explained
        })
        .collect();
    (kept, set_aside)
}

/// The spec entry a JSON path is inside: `models[0].column_mapping[3].tests[1]` →
/// `models[0].column_mapping[3]`.
fn entry_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("models[")?;
    let model_end = rest.find(']')? + "models[".len() + 1;
    let after = &path[model_end..];
    let entry_end = after.find(']')?;
    Some(&path[..model_end + entry_end + 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_of_cuts_after_the_second_index() {
        assert_eq!(entry_of("models[0].column_mapping[3].tests[1]"), Some("models[0].column_mapping[3]"));
        assert_eq!(entry_of("models[12].aggregations[1].formula"), Some("models[12].aggregations[1]"));
        assert_eq!(entry_of("models[1].constraints.primary_key"), None);
        assert_eq!(entry_of("sources[0]"), None);
    }
}
