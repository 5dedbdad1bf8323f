//! SCD type 2 models: one source, the four keys present, names that do not collide, and a
//! natural key its source declares unique.

use crate::finding::Code;
use crate::spec::resolve::context::{alias_of, Lint, Resolved};
use crate::suggest::did_you_mean;

/// Checks the SCD2 model at `mi`.
pub fn check_scd2(lint: &mut Lint<'_>, mi: usize) {
    let spec = lint.spec;
    let model = &spec.models[mi];
    let name = model.name.as_str();
    let c = &model.constraints;
    let path = format!("models[{mi}]");
    let cpath = format!("{path}.constraints");
    if model.sources.len() != 1 {
        lint.report(
            Code::InvalidScd2,
            name,
            &format!("{path}.sources"),
            format!("an SCD2 model keeps the history of one source; it has {}", model.sources.len()),
        );
    }
    let natural: Vec<&str> = c.natural_key.iter().flat_map(|k| k.names()).collect();
    let required = [
        ("natural_key", !natural.is_empty()),
        ("effective_at", c.effective_at.as_deref().is_some_and(|s| !s.trim().is_empty())),
        ("expiry_at", c.expiry_at.as_deref().is_some_and(|s| !s.trim().is_empty())),
        ("current_flag", c.current_flag.as_deref().is_some_and(|s| !s.trim().is_empty())),
    ];
    for (key, present) in required {
        if !present {
            lint.report(Code::InvalidScd2, name, &cpath, format!("an SCD2 model needs `constraints.{key}`"));
        }
    }
    let Some(entry) = model.sources.first() else { return };
    let source = match lint.resolve_entry(entry) {
        Resolved::Relation(r) => r,
        Resolved::Unavailable => return,
        Resolved::Unknown => {
            let known = lint.known_entries();
            let hint = did_you_mean(entry, known.iter().map(String::as_str));
            lint.report(
                Code::UnknownSource,
                name,
                &format!("{path}.sources[0]"),
                format!("source `{entry}` is neither a declared source table nor a model"),
            )
            .help = hint.map(|h| format!("did you mean `{h}`?"));
            return;
        }
    };
    let alias = alias_of(entry).to_string();
    let mut all_known = true;
    for (field, list) in [("natural_key", &c.natural_key), ("tracked_columns", &c.tracked_columns)] {
        for column in list.iter().flat_map(|k| k.names()) {
            if source.column(column).is_none() {
                all_known = false;
                let hint = did_you_mean(column, source.columns.iter().map(|c| c.name.as_str()));
                lint.report(
                    Code::UnknownColumn,
                    name,
                    &format!("{cpath}.{field}"),
                    format!("`{alias}` has no column `{column}`"),
                )
                .help = hint.map(|h| format!("did you mean `{h}`?"));
            }
        }
    }
    // The history columns are added after the source's; they may not share a name with it
    // or with each other.
    let mut added: Vec<&str> = Vec::new();
    for (field, value) in
        [("effective_at", &c.effective_at), ("expiry_at", &c.expiry_at), ("current_flag", &c.current_flag)]
    {
        let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else { continue };
        if source.column(value).is_some() || added.iter().any(|a| a.eq_ignore_ascii_case(value)) {
            lint.report(
                Code::InvalidScd2,
                name,
                &format!("{cpath}.{field}"),
                format!(
                    "`{value}` is already a column of the model's table; the history columns need names of their own"
                ),
            );
        }
        added.push(value);
    }
    if all_known && !natural.is_empty() {
        let key: Vec<String> = natural.iter().map(|k| k.to_ascii_lowercase()).collect();
        if !source.keyed_by(&key) {
            let what = if source.model.is_some() || lint.model_index(&alias).is_some() { "model" } else { "source" };
            lint.report(
                Code::Scd2KeyNotUnique,
                name,
                &format!("{cpath}.natural_key"),
                format!("natural key ({}) is not declared unique by its {what} `{alias}`, so a snapshot may hold two rows for one key", natural.join(", ")),
            )
            .help = Some(format!("declare ({}) as a key of `{alias}` (a primary key, or a `unique` test on a model column)", natural.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::lint::test_support::{codes, lint_models};

    fn scd(source: &str, constraints: &str) -> String {
        format!(
            r#"[{{"name": "dim", "layer": "final", "sources": ["{source}"], "constraints": {{"scd_type": 2, {constraints}}}}}]"#
        )
    }

    const KEYS: &str = r#""natural_key": "customer_id", "effective_at": "valid_from", "expiry_at": "valid_to", "current_flag": "is_current""#;

    #[test]
    fn a_complete_scd2_over_a_keyed_source_is_clean() {
        assert!(lint_models(&scd("raw.customers", KEYS), "").is_empty());
    }

    #[test]
    fn the_natural_key_must_be_declared_unique() {
        assert_eq!(codes(&lint_models(&scd("raw.tickets", KEYS), "")), ["SPEC015"]);
    }

    #[test]
    fn missing_and_colliding_keys() {
        let findings =
            lint_models(&scd("raw.customers", r#""natural_key": "customer_id", "effective_at": "email""#), "");
        assert_eq!(codes(&findings), ["SPEC019", "SPEC019", "SPEC019"]);
        let unknown = lint_models(&scd("raw.customers", &KEYS.replace("\"customer_id\"", "\"customer\"")), "");
        assert_eq!(codes(&unknown), ["SPEC003"]);
    }
}
