//! A [`BenchReport`] for people (a table per run) or for trend tracking (JSON).

use super::measure::BenchReport;

/// The report as text: the project, then each run's stages with their time, share and
/// throughput, its wall time and memory, and the planted defects found.
pub fn text(report: &BenchReport) -> String {
    let p = &report.project;
    let what = if report.generated {
        format!("{} code, generator seed {}", p.flavour, p.seed)
    } else {
        format!("the project in {}", p.flavour)
    };
    let scd2 = if p.scd2 > 0 { format!(", {} SCD2", p.scd2) } else { String::new() };
    let mut out = format!(
        "specproof bench: {} models ({} mapping, {} aggregate{scd2}) over {} source tables, {what}\n",
        p.models, p.mapping, p.aggregate, p.sources
    );
    if report.ran {
        out.push_str(&format!(
            "{} per source table, {} per run\n",
            count(report.rows_per_source as f64, "row"),
            count(report.datasets as f64, "dataset")
        ));
    } else {
        out.push_str("static check only (--no-run)\n");
    }
    for run in &report.runs {
        out.push_str(&format!("\n{} worker thread{}:\n", run.jobs, if run.jobs == 1 { "" } else { "s" }));
        let busy: f64 = run.stages.iter().map(|s| s.seconds).sum();
        out.push_str(&format!("  {:<40} {:>10} {:>7}  {}\n", "stage", "time", "share", "throughput"));
        for stage in &run.stages {
            let share = if busy > 0.0 { 100.0 * stage.seconds / busy } else { 0.0 };
            let throughput = if stage.unit.is_empty() {
                String::new()
            } else {
                format!("{} {}/s", thousands(stage.per_second), stage.unit)
            };
            out.push_str(&format!(
                "  {:<40} {:>10} {:>6.1}%  {throughput}\n",
                stage.stage.label(),
                seconds(stage.seconds),
                share
            ));
        }
        out.push_str(&format!(
            "  {:<40} {:>10}          {} models/s\n",
            "wall time",
            seconds(run.wall_seconds),
            thousands(run.models_per_second)
        ));
        if let Some(bytes) = run.peak_memory_bytes {
            out.push_str(&format!("  peak memory {:.0} MB\n", bytes as f64 / 1e6));
        }
        out.push_str(&format!(
            "  findings: {}, {}; {} statements run, {} rows made\n",
            count(run.errors as f64, "error"),
            count(run.warnings as f64, "warning"),
            thousands(run.work.statements as f64),
            thousands(run.work.rows_made as f64)
        ));
        if !run.other_models_flagged.is_empty() {
            out.push_str(&format!("  flagged without a planted defect: {}\n", run.other_models_flagged.join(", ")));
        }
    }
    if !report.defects.is_empty() {
        let found = report.defects.iter().filter(|d| d.found).count();
        out.push_str(&format!("\nplanted defects: {found} of {} found\n", report.defects.len()));
        for d in &report.defects {
            let mark = if d.found { "found " } else { "MISSED" };
            out.push_str(&format!("  {mark} {} ({}): {}\n", d.defect.model, d.defect.file, d.defect.what));
        }
    }
    out.push_str("\nStage times are summed over the datasets run side by side; the wall time is the clock's.\n");
    out
}

/// The report as JSON, for trend tracking.
pub fn json(report: &BenchReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn count(n: f64, what: &str) -> String {
    format!("{} {what}{}", thousands(n), if n == 1.0 { "" } else { "s" })
}

/// A number rounded to a whole, with thousands separated by commas.
fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_with_thousands_separated() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(count(1.0, "row"), "1 row");
        assert_eq!(seconds(0.0123), "12.3 ms");
        assert_eq!(seconds(2.5), "2.50 s");
    }
}
