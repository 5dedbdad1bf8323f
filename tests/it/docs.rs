//! The documentation stays in step with the code: the findings reference is what the tool
//! writes, the README's test command is what CI runs, and every relative link resolves.

use crate::support::{binary, crate_root, text};
use std::process::Command;

/// docs/findings.md is `specproof explain --all --format markdown`, written by the tool
/// (`SPECPROOF_UPDATE_GOLDEN=1` rewrites it).
#[test]
fn the_findings_reference_is_what_the_tool_writes() {
    let output =
        Command::new(binary()).args(["explain", "--all", "--format", "markdown"]).output().expect("specproof runs");
    assert_eq!(output.status.code(), Some(0));
    let written = text(&output.stdout);
    let path = crate_root().join("docs/findings.md");
    if std::env::var_os("SPECPROOF_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &written).expect("docs/findings.md is writable");
        return;
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == written,
        "docs/findings.md is not what `specproof explain --all --format markdown` writes; rerun with SPECPROOF_UPDATE_GOLDEN=1"
    );
    // Every code the tool knows has its section.
    let list = text(&Command::new(binary()).args(["explain", "--all"]).output().expect("specproof runs").stdout);
    for line in list.lines() {
        let code = line.split_whitespace().next().unwrap_or_default();
        assert!(shipped.contains(&format!("\n## {code}\n")), "{code} has no section in docs/findings.md");
    }
}

/// The README gives a newcomer the command CI runs, and stays a front door.
#[test]
fn the_readme_names_the_test_command_ci_runs() {
    let readme = std::fs::read_to_string(crate_root().join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(crate_root().join(".ci/run")).expect(".ci/run");
    let command = ci.lines().rev().find(|l| l.starts_with("cargo ")).expect(".ci/run runs cargo");
    assert!(
        readme.lines().take(20).any(|l| l.trim_start().starts_with(command)),
        "README's first lines give `{command}`"
    );
    assert!(readme.lines().count() <= 250, "README.md is a front door of at most 250 lines");
}

/// Every relative link in README.md and docs/ names a file that exists.
#[test]
fn relative_links_resolve() {
    let root = crate_root();
    let mut pages = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut broken = Vec::new();
    for page in pages {
        let text = std::fs::read_to_string(&page).expect("a page");
        for (i, _) in text.match_indices("](") {
            let target: String = text[i + 2..].chars().take_while(|&c| c != ')').collect();
            let file = target.split('#').next().unwrap_or_default();
            if file.is_empty() || file.contains("://") || file.starts_with("mailto:") {
                continue;
            }
            if !page.parent().expect("a folder").join(file).exists() {
                broken.push(format!("{}: {target}", page.display()));
            }
        }
    }
    assert!(broken.is_empty(), "links to nothing:\n{}", broken.join("\n"));
}
