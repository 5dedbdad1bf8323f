//! "Did you mean …?": the closest known name to a misspelt one, for findings and errors.

/// The closest of `candidates` to `name`, when one is close enough to be a likely typo.
pub fn did_you_mean<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    // The edit distance takes time and memory in the product of the two lengths: a 50 MB name
    // would take minutes, and no typo of a name is that long.
    if name.len() > MAX_NAME_BYTES {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        // The score is at most the ratio of the shorter length to the longer: skip the pairs
        // that cannot reach it without computing their distance.
        .filter(|c| c.len() <= MAX_NAME_BYTES && lengths_close(lower.len(), c.len()))
        .map(|c| (strsim::normalized_damerau_levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// Longer names get no suggestion.
const MAX_NAME_BYTES: usize = 256;

/// Whether names of these lengths (in bytes, a bound on characters) could score 0.7.
fn lengths_close(a: usize, b: usize) -> bool {
    let (short, long) = if a < b { (a, b) } else { (b, a) };
    // score <= chars(short) / chars(long), and chars(long) >= long / 4 bytes.
    10 * short.saturating_mul(4) >= 7 * long
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(did_you_mean("crm_customer", ["raw.crm_customers", "crm_customers"]), Some("crm_customers"));
        assert_eq!(did_you_mean("orders", ["customers"]), None);
    }

    #[test]
    fn a_huge_name_gets_no_suggestion_and_no_wait() {
        assert_eq!(did_you_mean(&"e".repeat(50_000_000), ["email", "emails"]), None);
        assert_eq!(did_you_mean("emial", ["e".repeat(10_000).as_str(), "email"]), Some("email"));
    }
}
