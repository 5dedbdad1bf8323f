//! `specproof review`: goldens of every export of every example pipeline; the HTML page is
//! self-contained and well-formed; a report's findings are shown per model.

use crate::diagram::{check_mermaid, check_xml};
use crate::support::{binary, copy_tree, crate_root, golden, scratch, text};
use std::path::Path;
use std::process::Command;

const PIPELINES: [&str; 4] = ["customer360", "inventory", "payroll", "attribution"];
const FILES: [&str; 9] = [
    "overview.csv",
    "columns.csv",
    "transforms.csv",
    "joins.csv",
    "filters.csv",
    "tests.csv",
    "lineage.csv",
    "review.md",
    "review.html",
];

fn review(cwd: &Path, args: &[&str]) {
    let out = Command::new(binary()).current_dir(cwd).arg("review").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "review {args:?} failed: {}", text(&out.stderr));
}

/// Checks an HTML page: well-formed XML after the doctype, nothing fetched from the network.
fn check_page(html: &str) {
    let body = html.strip_prefix("<!DOCTYPE html>\n").expect("a doctype first");
    check_xml(body).unwrap_or_else(|e| panic!("the page is not well-formed: {e}"));
    for fetch in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "@import", "url(http"] {
        assert!(!html.contains(fetch), "the page loads something: {fetch}");
    }
}

#[test]
fn goldens_of_every_export_of_every_pipeline() {
    for pipeline in PIPELINES {
        let out = scratch("review", pipeline);
        review(&crate_root(), &[&format!("specs/{pipeline}"), "--out", out.to_str().unwrap()]);
        for name in FILES {
            let body = std::fs::read_to_string(out.join(name)).unwrap();
            match name {
                "review.html" => {
                    check_page(&body);
                    let models = body.matches("<section class=\"model\"").count();
                    assert_eq!(body.matches("<svg ").count(), models + 1, "a picture per model and the pipeline's");
                }
                "review.md" => {
                    for block in body.split("```mermaid\n").skip(1) {
                        check_mermaid(block.split("```").next().unwrap()).unwrap();
                    }
                }
                csv => {
                    let header = body.lines().next().unwrap();
                    assert!(header.starts_with("model,"), "{csv}: {header}");
                    assert!(body.ends_with("\r\n"), "{csv}: CRLF line ends");
                }
            }
            golden(&format!("{pipeline}/review/{name}"), &body);
        }
        let book = std::fs::read(out.join("review.xlsx")).unwrap();
        check_workbook(&book, &out);
        golden_bytes(&format!("{pipeline}/review/review.xlsx"), &book);
    }
}

/// The workbook is a ZIP holding the overview's sheet and one per model, and the same bytes on
/// every run (its creation time is fixed).
fn check_workbook(book: &[u8], out: &Path) {
    assert!(book.starts_with(b"PK\x03\x04"), "a ZIP file");
    let models = std::fs::read_to_string(out.join("overview.csv")).unwrap().lines().count() - 1;
    // Each member's name is stored twice, uncompressed: in its local header and the directory.
    let names = |k: usize| {
        let name = format!("xl/worksheets/sheet{k}.xml");
        book.windows(name.len()).filter(|w| *w == name.as_bytes()).count()
    };
    assert_eq!(names(models + 1), 2, "a sheet per model after the overview");
    assert_eq!(names(models + 2), 0, "no more sheets than that");
}

/// [`golden`] for bytes.
fn golden_bytes(relative: &str, actual: &[u8]) {
    let path = crate_root().join("golden").join(relative);
    if std::env::var_os("SPECPROOF_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
    assert!(
        actual == expected.as_slice(),
        "output differs from golden/{relative}; rerun with SPECPROOF_UPDATE_GOLDEN=1"
    );
}

#[test]
fn a_reports_findings_are_shown_per_model() {
    let dir = scratch("review", "with-report");
    copy_tree(&crate_root().join("specs/customer360"), &dir);
    let file = dir.join("models/fact_customer_orders.sqlx");
    let code = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, code.replace("LEFT JOIN ticket_metrics", "INNER JOIN ticket_metrics")).unwrap();
    // The static check alone is enough for a report: no models run.
    let out = Command::new(binary())
        .current_dir(&dir)
        .args(["validate", ".", "--no-run", "--format", "json", "--output", "report.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    review(&dir, &[".", "--out", "review", "--report", "report.json"]);
    let html = std::fs::read_to_string(dir.join("review/review.html")).unwrap();
    check_page(&html);
    let section = html.split("<section class=\"model\"").find(|s| s.contains(">fact_customer_orders</h2>")).unwrap();
    assert!(section.contains("CODE008"), "the join finding is shown with its model");
    assert!(section.contains("class=\"node joindiffers\""), "and the picture beside it marks the join");
    let overview = std::fs::read_to_string(dir.join("review/overview.csv")).unwrap();
    let row = overview.lines().find(|l| l.starts_with("fact_customer_orders,")).unwrap();
    assert!(row.contains(",differs,"), "{row}");
    // A file that is no report is refused with exit 2.
    let out = Command::new(binary())
        .current_dir(&dir)
        .args(["review", ".", "--out", "review", "--report", "spec.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_page_renders_in_headless_chromium_with_an_empty_console() {
    // scripts/check-review-page.sh opens the page in Debian's chromium, networking off, and
    // fails on any console message; without Chromium there is nothing to open it with.
    let has_chromium = ["chromium", "chromium-browser"].iter().any(|b| {
        Command::new("sh").args(["-c", &format!("command -v {b}")]).output().is_ok_and(|o| o.status.success())
    });
    if !has_chromium {
        println!("SKIPPED: no chromium on PATH (apt-get install chromium) to open the review page in");
        return;
    }
    let out = scratch("review", "chromium");
    review(&crate_root(), &["specs/customer360", "--out", out.to_str().unwrap()]);
    let shot = out.join("review.png");
    let run = Command::new(crate_root().join("scripts/check-review-page.sh"))
        .arg(out.join("review.html"))
        .arg(&shot)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}{}", text(&run.stdout), text(&run.stderr));
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "a screenshot of a drawn page");
}

/// `specproof spec …` in the crate's folder.
fn spec_command(args: &[&str]) -> std::process::Output {
    Command::new(binary()).current_dir(crate_root()).arg("spec").args(args).output().unwrap()
}

#[test]
fn requirements_documents_round_trip_to_the_example_specs() {
    for pipeline in PIPELINES {
        let out = spec_command(&["to-markdown", &format!("specs/{pipeline}")]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let document = text(&out.stdout);
        for heading in ["### Model: ", "Sources: ", "#### Column mapping", "| target_column | type |"] {
            assert!(document.contains(heading), "{pipeline}: no `{heading}`");
        }
        golden(&format!("{pipeline}/requirements.md"), &document);
        // The golden document is the pipeline's requirements: reading it gives its spec.
        let read = spec_command(&["from-markdown", &format!("golden/{pipeline}/requirements.md")]);
        assert_eq!(read.status.code(), Some(0), "{}", text(&read.stderr));
        let from_document = specproof::spec::load::parse_spec("from-markdown", text(&read.stdout)).unwrap();
        let path = crate_root().join(format!("specs/{pipeline}/spec.json"));
        let original = specproof::spec::load::load_spec(&path, "spec.json").unwrap();
        assert!(from_document.spec == original.spec, "{pipeline}: the document does not give the spec back");
    }
}

#[test]
fn every_row_the_reader_cannot_read_is_reported_with_its_place() {
    let dir = scratch("review", "bad-requirements");
    let document = std::fs::read_to_string(crate_root().join("golden/customer360/requirements.md")).unwrap();
    let broken = document
        .replacen("| no | not_null; unique |", "| perhaps | not_null; unique |", 1)
        .replacen("| crm_customers | crm_addresses | LEFT |", "| crm_customers | LEFT |", 1)
        .replacen("#### Filters", "#### Filterz", 1);
    assert_ne!(document, broken);
    let file = dir.join("requirements.md");
    std::fs::write(&file, &broken).unwrap();
    let out = spec_command(&["from-markdown", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let line_of = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let column = broken.lines().nth(line_of("| perhaps |") - 1).unwrap().find("perhaps").unwrap() + 1;
    for expected in [
        format!("requirements.md:{}:{column}: `perhaps` is not yes, no or empty", line_of("| perhaps |")),
        format!(
            "requirements.md:{}:1: the row has 3 cells; the table has 4 columns",
            line_of("| crm_customers | LEFT |")
        ),
        format!("requirements.md:{}:1: `Filterz` is not a table", line_of("#### Filterz")),
    ] {
        assert!(stderr.contains(&expected), "no `{expected}` in:\n{stderr}");
    }
    assert_eq!(stderr.lines().count(), 3, "each unreadable line once, nothing under the unknown heading:\n{stderr}");
}
