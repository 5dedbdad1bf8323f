//! "Did you mean …?": the closest known name to a misspelt one, for findings and errors.

/// The closest of `candidates` to `name`, when one is close enough to be a likely typo.
pub fn did_you_mean<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(did_you_mean("crm_customer", ["raw.crm_customers", "crm_customers"]), Some("crm_customers"));
        assert_eq!(did_you_mean("orders", ["customers"]), None);
    }
}
