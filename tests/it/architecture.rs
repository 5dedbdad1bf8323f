//! The architecture test: data flows one way through the crate's stages.
//!
//! The declared order is the order of the `pub mod` lines in `src/lib.rs` (documented in
//! docs/design.md, "Layout"): a module may use the ones declared before it, never one declared
//! after it. Inside every folder, no two modules may use each other, directly or round a longer
//! circle. Test code (a `#[cfg(test)]` module, from that line to the end of its file, and files
//! only tests declare) is left out: tests may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A source tree: module path (`prove::shrink`, `lib`) to the file's code.
type Tree = BTreeMap<String, String>;

/// Reads `src/` into module paths and their code, test code cut away.
fn read_tree(src: &Path) -> Tree {
    let mut tree = Tree::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).expect("under src/").with_extension("");
                let mut parts: Vec<String> =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                let text = std::fs::read_to_string(&path).expect("a source file is UTF-8");
                tree.insert(parts.join("::"), text);
            }
        }
    }
    let test_only = test_only_modules(&tree);
    tree.retain(|module, _| !test_only.contains(module));
    tree.values_mut().for_each(|text| *text = code_of(text));
    tree
}

/// Modules declared `#[cfg(test)] mod name;`: test code in a file of its own.
fn test_only_modules(tree: &Tree) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (module, text) in tree {
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            if pair[0] == "#[cfg(test)]" {
                if let Some(name) = pair[1].strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
                    let parent = if module == "lib" { String::new() } else { format!("{module}::") };
                    found.insert(format!("{parent}{name}"));
                }
            }
        }
    }
    found
}

/// The code of a file: up to its `#[cfg(test)]` module, without comments.
fn code_of(text: &str) -> String {
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The declared order: the `pub mod` lines of `lib`.
fn declared_order(tree: &Tree) -> Vec<String> {
    tree.get("lib")
        .map(|lib| {
            lib.lines()
                .filter_map(|l| l.trim().strip_prefix("pub mod ").and_then(|r| r.strip_suffix(';')))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The modules `module`'s code names: every `crate::a::b…` path, and `super::x` resolved,
/// each as the full path of the module it names (as far as the tree has it).
fn uses(tree: &Tree, module: &str, code: &str) -> BTreeSet<String> {
    let code = expand_braces(code);
    let code = code.as_str();
    let mut found = BTreeSet::new();
    // `super` is the parent module, for a folder's mod.rs and a plain file alike.
    let parent: Vec<&str> = module.rsplit_once("::").map(|(p, _)| p.split("::").collect()).unwrap_or_default();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent)] {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let segments: Vec<&str> = rest
                .split("::")
                .map(|s| s.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(""))
                .take_while(|s| !s.is_empty())
                .collect();
            // The longest prefix of the path that is a module of the tree.
            let mut path: Vec<&str> = base.clone();
            let mut best = None;
            for segment in segments {
                path.push(segment);
                let name = path.join("::");
                if tree.contains_key(&name) {
                    best = Some(name);
                }
            }
            if let Some(best) = best {
                found.insert(best);
            }
        }
    }
    found.remove(module);
    found
}

/// `code` with every `path::{a, b::c}` also written out as `path::a` and `path::b::c`, one
/// level of braces at a time, so that each name in a grouped import is seen.
fn expand_braces(code: &str) -> String {
    let mut out = code.to_string();
    let mut work = code.to_string();
    while let Some(open) = work.find("::{") {
        let start = work[..open].rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).map_or(0, |i| i + 1);
        let prefix = work[start..open].to_string();
        let mut depth = 0;
        let mut end = work.len();
        for (i, c) in work[open + 2..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + 2 + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = work.get(open + 3..end).unwrap_or_default().to_string();
        let mut items = Vec::new();
        let (mut depth, mut last) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(inner[last..i].trim().to_string());
                    last = i + 1;
                }
                _ => {}
            }
        }
        items.push(inner[last..].trim().to_string());
        let expanded: Vec<String> =
            items.iter().filter(|i| !i.is_empty()).map(|item| format!(" {prefix}::{item};")).collect();
        out.push('\n');
        out.push_str(&expanded.join("\n"));
        // Nested groups are expanded on the next turn, from the written-out items.
        work = format!("{}{}", &work[end.min(work.len())..], expanded.join("\n"));
    }
    out
}

/// Everything wrong with the tree's shape, one line each.
fn violations(tree: &Tree) -> Vec<String> {
    let order = declared_order(tree);
    let rank = |module: &str| order.iter().position(|m| m == module.split("::").next().unwrap_or(module));
    let mut found = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in tree {
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(from) = rank(module) else {
            found.push(format!("{module} is in no `pub mod` line of src/lib.rs"));
            continue;
        };
        for used in uses(tree, module, code) {
            if let Some(to) = rank(&used) {
                if to > from {
                    found.push(format!(
                        "{module} uses {used}, which stands later in the flow ({} before {})",
                        order[from], order[to]
                    ));
                }
            }
            edges.entry(module.clone()).or_default().insert(used);
        }
    }
    for circle in circles(&edges) {
        found.push(format!("circle: {}", circle.join(" -> ")));
    }
    found
}

/// Circles among siblings at every level: two modules of one folder (or two top-level modules)
/// that use each other, directly or through others of the same folder.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // A use of `a::b::c` from `a::x::y` is, among the children of `a`, an edge x -> b.
    let mut sibling_edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in edges {
        for to in tos {
            let f: Vec<&str> = from.split("::").collect();
            let t: Vec<&str> = to.split("::").collect();
            let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
            if common < f.len() && common < t.len() {
                let parent = f[..common].join("::");
                sibling_edges.entry((parent, f[common].to_string())).or_default().insert(t[common].to_string());
            }
        }
    }
    let parents: BTreeSet<String> = sibling_edges.keys().map(|(p, _)| p.clone()).collect();
    let mut all = Vec::new();
    for parent in parents {
        let graph: BTreeMap<&str, Vec<&str>> = sibling_edges
            .iter()
            .filter(|((p, _), _)| *p == parent)
            .map(|((_, from), tos)| (from.as_str(), tos.iter().map(String::as_str).collect()))
            .collect();
        for component in strongly_connected(&graph) {
            if component.len() > 1 {
                let prefix = if parent.is_empty() { String::new() } else { format!("{parent}::") };
                all.push(component.iter().map(|m| format!("{prefix}{m}")).collect());
            }
        }
    }
    all
}

/// Tarjan's strongly connected components, each sorted, in a stable order.
fn strongly_connected<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(v: &'a str, graph: &BTreeMap<&'a str, Vec<&'a str>>, s: &mut State<'a>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in graph.get(v).map(Vec::as_slice).unwrap_or_default() {
            if !s.index.contains_key(w) {
                visit(w, graph, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            component.sort_unstable();
            s.out.push(component);
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for &v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(v, graph, &mut state);
        }
    }
    state.out
}

#[test]
fn data_flows_one_way_through_the_stages() {
    let tree = read_tree(&crate::support::crate_root().join("src"));
    let order = declared_order(&tree);
    assert!(order.len() >= 10, "src/lib.rs declares the stages in order: {order:?}");
    let found = violations(&tree);
    assert!(found.is_empty(), "the crate's layout runs against the flow:\n{}", found.join("\n"));
}

/// A small tree written here, to show the checker sees what it must.
fn planted(files: &[(&str, &str)]) -> Tree {
    files.iter().map(|(m, t)| (m.to_string(), code_of(t))).collect()
}

#[test]
fn a_planted_back_edge_is_caught() {
    let lib = "pub mod error;\npub mod spec;\npub mod report;\n";
    let clean = planted(&[
        ("lib", lib),
        ("error", ""),
        ("spec", "pub mod load;"),
        ("spec::load", "use crate::error::Error;"),
        ("report", "use crate::spec::load::x;"),
    ]);
    assert_eq!(violations(&clean), Vec::<String>::new());
    let mut back = clean.clone();
    back.insert("spec::load".into(), "use crate::error::Error;\nuse crate::report::Report;".into());
    let found = violations(&back);
    assert!(found.iter().any(|v| v.contains("spec::load uses report")), "{found:?}");
    assert!(
        found.iter().any(|v| v.starts_with("circle: report -> spec") || v.starts_with("circle: spec")),
        "{found:?}"
    );
}

#[test]
fn a_planted_circle_inside_a_folder_is_caught() {
    let tree = planted(&[
        ("lib", "pub mod prove;\n"),
        ("prove", "pub mod fixture;\npub mod shrink;"),
        ("prove::shrink", "use super::fixture::fixture_text;"),
        ("prove::fixture", "use super::shrink::ReadTable;"),
    ]);
    let found = violations(&tree);
    assert_eq!(found, ["circle: prove::fixture -> prove::shrink"]);
}

#[test]
fn test_code_and_comments_do_not_count() {
    let text = "use crate::a::b;\n// use crate::report::x;\n#[cfg(test)]\nmod tests {\n    use crate::report::y;\n}\n";
    assert_eq!(code_of(text).matches("crate::report").count(), 0);
}
