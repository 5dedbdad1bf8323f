//! Sharded runs (`validate --partition K/N`): the project's models split into N parts, so N CI
//! runners each validate one and `specproof report merge` combines their reports.
//!
//! A part must find about its models exactly what one run of the whole project finds, so a
//! part holds whole connected components of the model graph: a model and every model it reads
//! (and, through them, every model reading those) are validated together, since a model runs on
//! its upstream models' output; and with the models its spec tests compare it with
//! (`relationships(model.column)`), whose output its checks read. A shipped test file ties
//! together the models it reads, so it runs in one part. Models that only share a source table need not be together: every part
//! loads the same synthetic data (the data never depends on which models run).
//!
//! Components go to parts largest first, each onto the part with the fewest models so far
//! (the lowest part on a tie); components of the same size in the order of their smallest
//! model name. The split depends on the spec and the shipped tests only: not on file order,
//! thread count or machine, so every runner computes the same one.

use super::changed::Selection;
use crate::spec::model::Spec;
use crate::spec::named_tests::{parse_test, SpecTest};

/// More parts than this is a typo.
pub const MAX_PARTS: usize = 10_000;

/// Part `part` of `of` (both from 1), as `--partition K/N` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// K: this runner's part, from 1.
    pub part: usize,
    /// N: how many parts there are.
    pub of: usize,
}

impl Partition {
    /// Reads `K/N` with 1 ≤ K ≤ N ≤ [`MAX_PARTS`]; the message says what is wrong otherwise.
    pub fn parse(text: &str) -> Result<Partition, String> {
        let wrong = |why: &str| format!("--partition `{text}`: {why}; write K/N with 1 ≤ K ≤ N, e.g. --partition 2/4");
        let (k, n) = text.split_once('/').ok_or_else(|| wrong("not of the form K/N"))?;
        let number = |s: &str| s.trim().parse::<usize>().ok();
        let (Some(part), Some(of)) = (number(k), number(n)) else {
            return Err(wrong("K and N must be whole numbers"));
        };
        if of == 0 || of > MAX_PARTS {
            return Err(wrong(&format!("N must be between 1 and {MAX_PARTS}")));
        }
        if part == 0 || part > of {
            return Err(wrong("K must be between 1 and N"));
        }
        Ok(Partition { part, of })
    }

    /// `K/N`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.part, self.of)
    }
}

/// What one part validates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Which part.
    pub partition: Partition,
    /// The models this part validates, sorted.
    pub models: Vec<String>,
    /// The models other parts validate, sorted.
    pub skipped: Vec<String>,
    /// Connected components in this part.
    pub components: usize,
    /// Connected components of the whole project.
    pub total_components: usize,
}

impl Part {
    /// The part as a run's model selection: its models selected, the others skipped.
    pub fn selection(&self) -> Selection {
        Selection {
            changed: self.models.clone(),
            downstream: Vec::new(),
            skipped: self.skipped.clone(),
            changed_tests: Vec::new(),
        }
    }

    /// The end of the `checked:` line: which part this is and what it holds.
    pub fn describe(&self) -> String {
        let label = self.partition.label();
        let total = self.models.len() + self.skipped.len();
        if self.models.is_empty() {
            format!(
                "; part {label} holds no model (the project's {} for {} parts): nothing to validate here",
                crate::finding::plural(self.total_components, "connected component"),
                self.partition.of
            )
        } else {
            format!(
                "; part {label}: {} of {total} ({} of {})",
                crate::finding::plural(self.models.len(), "model"),
                self.components,
                crate::finding::plural(self.total_components, "connected component")
            )
        }
    }
}

/// The connected components of the graph of `names.len()` models whose edges are `deps` (each
/// model's upstream models) and each group of `together` (models a shipped test file reads):
/// each component's model indexes ascending, components by their first index.
pub fn components(names: &[&str], deps: &[Vec<usize>], together: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = names.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut join = |a: usize, b: usize| {
        if a >= n || b >= n {
            return;
        }
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        // The smaller index is the root, so the result does not depend on the edges' order.
        if ra != rb {
            let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[high] = low;
        }
    };
    for (i, upstream) in deps.iter().enumerate() {
        for &d in upstream {
            join(i, d);
        }
    }
    for group in together {
        for pair in group.windows(2) {
            join(pair[0], pair[1]);
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    by_root.into_values().collect()
}

/// The part (from 0) of each of `components` among `parts`: largest first onto the part with
/// the fewest models so far (the lowest on a tie), components of one size by their smallest
/// model name.
pub fn assign(components: &[Vec<usize>], names: &[&str], parts: usize) -> Vec<usize> {
    let parts = parts.max(1);
    let smallest = |c: &Vec<usize>| c.iter().map(|&i| names.get(i).copied().unwrap_or_default()).min();
    let mut order: Vec<usize> = (0..components.len()).collect();
    order.sort_by(|&a, &b| {
        components[b]
            .len()
            .cmp(&components[a].len())
            .then_with(|| smallest(&components[a]).cmp(&smallest(&components[b])))
    });
    let mut load = vec![0usize; parts];
    let mut part_of = vec![0usize; components.len()];
    for c in order {
        let lightest = (0..parts).min_by_key(|&p| (load[p], p)).unwrap_or(0);
        load[lightest] += components[c].len();
        part_of[c] = lightest;
    }
    part_of
}

/// Part `partition` of the models `names` (in spec order), whose upstream models are `deps`,
/// with the models each shipped test file reads in `together`.
pub fn select(partition: Partition, names: &[&str], deps: &[Vec<usize>], together: &[Vec<usize>]) -> Part {
    let components = components(names, deps, together);
    let part_of = assign(&components, names, partition.of);
    let mut models = Vec::new();
    let mut skipped = Vec::new();
    let mut mine = 0;
    for (component, part) in components.iter().zip(&part_of) {
        let list = if *part + 1 == partition.part {
            mine += 1;
            &mut models
        } else {
            &mut skipped
        };
        list.extend(component.iter().map(|&i| names[i].to_string()));
    }
    models.sort();
    skipped.sort();
    Part { partition, models, skipped, components: mine, total_components: components.len() }
}

/// For each model, the models its spec tests compare its output with
/// (`relationships(model.column)`): its output checks read them, so they belong in its part. A
/// target named with a schema (`staging.stg_campaigns`) counts by its last name: joining two
/// components by mistake costs balance, never a finding.
pub fn test_targets(spec: &Spec) -> Vec<Vec<usize>> {
    spec.models
        .iter()
        .map(|model| {
            let tests = model.column_mapping.iter().flat_map(|c| c.tests.iter());
            let tests = tests.chain(model.aggregations.iter().flat_map(|a| a.tests.iter()));
            let mut targets: Vec<usize> = tests
                .filter_map(|text| match parse_test(text, spec.dialect) {
                    Ok(SpecTest::Relationships { target, .. }) => {
                        let last = target.rsplit('.').next().unwrap_or_default().trim_matches('`');
                        spec.model_index(&target).or_else(|| spec.model_index(last))
                    }
                    _ => None,
                })
                .collect();
            targets.sort_unstable();
            targets.dedup();
            targets
        })
        .collect()
}

/// A 64-bit FNV-1a hash of `texts` (each length-prefixed), as 16 hex digits: the same on every
/// machine, so two runners can tell whether their parts belong to one run.
pub fn fingerprint(texts: &[String]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for text in texts {
        eat(&(text.len() as u64).to_le_bytes());
        eat(text.as_bytes());
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_and_bad_ones_say_why() {
        assert_eq!(Partition::parse("2/3"), Ok(Partition { part: 2, of: 3 }));
        assert_eq!(Partition::parse(" 1 / 1 "), Ok(Partition { part: 1, of: 1 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/2/3", "-1/2", "", "1/10001"] {
            let error = Partition::parse(bad).unwrap_err();
            assert!(error.starts_with(&format!("--partition `{bad}`")), "{error}");
        }
        assert!(Partition::parse("4/3").unwrap_err().contains("K must be between 1 and N"));
    }

    #[test]
    fn relationships_tests_tie_a_model_to_the_model_they_read() {
        let text = r#"{
          "schema": {"raw_schema": "raw", "staging_schema": "staging", "final_schema": "mart"},
          "models": [
            {"name": "a", "layer": "staging", "sources": ["raw.t"],
             "column_mapping": [{"target_column": "x", "type": "INT64", "from_table": "t", "from_column": "x"}]},
            {"name": "b", "layer": "staging", "sources": ["raw.t"],
             "column_mapping": [
               {"target_column": "x", "type": "INT64", "from_table": "t", "from_column": "x",
                "tests": ["not_null", "relationships(a.x)", "relationships(raw.t.x)"]},
               {"target_column": "y", "type": "INT64", "from_table": "t", "from_column": "x",
                "tests": ["relationships(staging.c.x)"]}]},
            {"name": "c", "layer": "staging", "sources": ["raw.t"],
             "column_mapping": [{"target_column": "x", "type": "INT64", "from_table": "t", "from_column": "x"}]}
          ]
        }"#;
        let spec = crate::spec::load::parse_spec("spec.json", text.to_string()).unwrap().spec;
        assert_eq!(test_targets(&spec), [vec![], vec![0, 2], vec![]]);
    }

    #[test]
    fn fingerprints_tell_texts_apart_and_stay_put() {
        let of = |t: &[&str]| fingerprint(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(of(&["a", "bc"]), of(&["a", "bc"]));
        assert_ne!(of(&["a", "bc"]), of(&["ab", "c"]), "lengths are part of the hash");
        assert_eq!(of(&[]), "cbf29ce484222325");
    }

    /// a ← b ← c, d alone, e ← f, g and h tied by a shipped test, i alone.
    fn graph() -> (Vec<&'static str>, Vec<Vec<usize>>, Vec<Vec<usize>>) {
        let names = vec!["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        let deps = vec![vec![], vec![0], vec![1], vec![], vec![], vec![4], vec![], vec![], vec![]];
        (names, deps, vec![vec![6, 7]])
    }

    #[test]
    fn components_follow_reads_and_shipped_tests() {
        let (names, deps, together) = graph();
        let found = components(&names, &deps, &together);
        assert_eq!(found, [vec![0, 1, 2], vec![3], vec![4, 5], vec![6, 7], vec![8]]);
        // Without the test file g and h are apart; edges in any order give the same components.
        assert_eq!(components(&names, &deps, &[]).len(), 6);
        let reversed: Vec<Vec<usize>> = deps.iter().map(|d| d.iter().rev().copied().collect()).collect();
        assert_eq!(components(&names, &reversed, &[vec![7, 6]]), found);
    }

    #[test]
    fn parts_are_balanced_deterministic_and_cover_every_model_once() {
        let (names, deps, together) = graph();
        // Two parts: a b c → 1 (3 models); e f → 2 (2); g h → 2, the lighter (4); d → 1 (4);
        // i → 1, the lower of two equal parts (5).
        let parts: Vec<Part> =
            (1..=2).map(|k| select(Partition { part: k, of: 2 }, &names, &deps, &together)).collect();
        assert_eq!(parts[0].models, ["a", "b", "c", "d", "i"]);
        assert_eq!(parts[1].models, ["e", "f", "g", "h"]);
        assert_eq!((parts[0].components, parts[1].components, parts[0].total_components), (3, 2, 5));
        for n in 1..=7 {
            let mut all: Vec<String> =
                (1..=n).flat_map(|k| select(Partition { part: k, of: n }, &names, &deps, &together).models).collect();
            all.sort();
            assert_eq!(all, names, "{n} parts cover every model once");
            let sizes: Vec<usize> =
                (1..=n).map(|k| select(Partition { part: k, of: n }, &names, &deps, &together).models.len()).collect();
            // Greedy onto the lightest part: no part exceeds the lightest by more than the largest component.
            let (max, min) = (sizes.iter().max().copied().unwrap_or(0), sizes.iter().min().copied().unwrap_or(0));
            assert!(max - min <= 3, "{n} parts: {sizes:?}");
        }
        // Seven parts for five components: two parts are empty, and say so.
        let empty = select(Partition { part: 7, of: 7 }, &names, &deps, &together);
        assert!(empty.models.is_empty());
        assert!(empty.describe().contains("holds no model"), "{}", empty.describe());
        // The model order in the spec does not change which models go together or where.
        let mut shuffled: Vec<usize> = (0..names.len()).rev().collect();
        shuffled.rotate_left(4);
        let names2: Vec<&str> = shuffled.iter().map(|&i| names[i]).collect();
        let place = |i: usize| shuffled.iter().position(|&j| j == i).unwrap();
        let deps2: Vec<Vec<usize>> = shuffled.iter().map(|&i| deps[i].iter().map(|&d| place(d)).collect()).collect();
        let together2: Vec<Vec<usize>> = together.iter().map(|g| g.iter().map(|&i| place(i)).collect()).collect();
        for k in 1..=3 {
            let p = Partition { part: k, of: 3 };
            assert_eq!(select(p, &names, &deps, &together).models, select(p, &names2, &deps2, &together2).models);
        }
    }
}
