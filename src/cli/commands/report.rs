//! `specproof report merge`: the JSON reports of a sharded run's parts read back, merged by
//! [`crate::report::merge`] and rendered in every format, with the exit code one run gives.

use crate::cli::args::{Format, MergeArgs, ReportCommand};
use crate::cli::commands::check::destinations;
use crate::cli::outcome::{usage_error, Outcome, Terminal};
use crate::project::layout::display;
use crate::report::merge::merge;
use crate::report::model::Report;
use crate::report::render::{json, junit, markdown, sarif, text};
use std::path::Path;

/// A report larger than this is not one specproof wrote.
const MAX_REPORT_BYTES: u64 = 512 * 1024 * 1024;

/// A file larger than this is not shown line by line in the text report.
const MAX_SOURCE_BYTES: u64 = 16 * 1024 * 1024;

/// Runs a `specproof report` command.
pub fn run(command: &ReportCommand, terminal: &Terminal) -> Outcome {
    match command {
        ReportCommand::Merge(args) => run_merge(args, terminal),
    }
}

/// Reads one report, or the message of exit 2 naming the file.
pub(crate) fn read_report(path: &Path) -> Result<Report, String> {
    let name = display(path);
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read {name}: {e}"))?.len();
    if size > MAX_REPORT_BYTES {
        return Err(format!("{name} is {size} bytes, more than a report specproof writes ({MAX_REPORT_BYTES})"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    json::read(&text).map_err(|e| format!("{name} is not a specproof JSON report: {e}"))
}

fn run_merge(args: &MergeArgs, terminal: &Terminal) -> Outcome {
    let destinations = match destinations(args.format, &args.output) {
        Ok(destinations) => destinations,
        Err(message) => return usage_error(message),
    };
    // A merged report written over a part would destroy what it merges.
    let canonical = |path: &Path| std::fs::canonicalize(path).ok();
    for output in args.output.iter().filter(|o| canonical(o).is_some()) {
        if args.reports.iter().any(|r| canonical(r) == canonical(output)) {
            return usage_error(format!(
                "--output {} is one of the reports to merge: specproof never writes over its inputs; choose another path",
                display(output)
            ));
        }
    }
    let mut parts = Vec::new();
    for path in &args.reports {
        match read_report(path) {
            Ok(report) => parts.push((display(path), report)),
            Err(message) => return usage_error(message),
        }
    }
    let merged = match merge(&parts, args.allow_partial) {
        Ok(merged) => merged,
        Err(message) => return usage_error(message),
    };
    let mut report = merged.report;
    report.bound_values();
    // The text report shows each finding's line where the files are where the parts ran.
    let texts = source_files(&report);
    let sources: text::SourceTexts<'_> = texts.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
    let mut stdout = String::new();
    for (format, destination) in &destinations {
        let rendered = match format {
            Format::Text => {
                let on_terminal = destination.is_none() && terminal.stdout_is_tty;
                let style = text::Style { color: on_terminal && !terminal.no_color, duration: None };
                text::render_styled(&report, &sources, style)
            }
            Format::Json => json::render(&report),
            Format::Junit => junit::render(&report),
            Format::Markdown => markdown::render(&report),
            Format::Sarif => sarif::render(&report, Path::new(&merged.root)),
        };
        match destination {
            None => stdout.push_str(&rendered),
            Some(path) => {
                if let Err(source) = std::fs::write(path, rendered) {
                    return usage_error(format!("cannot write {}: {source}", display(path)));
                }
            }
        }
    }
    let stderr = if merged.missing.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = merged.missing.iter().map(|k| format!("{k}/{}", merged.of)).collect();
        format!(
            "specproof: warning: merged without part{} {}: the verdict covers only the parts given\n",
            if list.len() == 1 { "" } else { "s" },
            list.join(", ")
        )
    };
    Outcome { stdout, stderr, code: if report.is_clean() { 0 } else { 1 } }
}

/// The texts of the files the findings point into (and the spec), as far as they can be read
/// here: the paths are as the parts printed them.
fn source_files(report: &Report) -> Vec<(String, String)> {
    let mut files: Vec<&str> = report
        .findings
        .iter()
        .chain(report.accepted.iter().map(|a| &a.finding))
        .filter_map(|f| f.location.as_ref().map(|l| l.file.as_str()))
        .chain([report.spec.as_str()])
        .collect();
    files.sort_unstable();
    files.dedup();
    files
        .into_iter()
        .filter(|file| std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.len() <= MAX_SOURCE_BYTES))
        .filter_map(|file| std::fs::read_to_string(file).ok().map(|text| (file.to_string(), text)))
        .collect()
}
