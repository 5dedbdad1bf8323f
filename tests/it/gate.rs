//! The CI gate through the real binary: every report format for a failing and a passing run
//! (JSON against its checked-in schema, JUnit and SARIF parsed back with the expected counts,
//! Markdown against its golden file), changed-only runs on a real git history, `--fail-on`,
//! baselines, and `specproof init`.
//!
//! Golden files are written by the tool: `SPECPROOF_UPDATE_GOLDEN=1 cargo test --locked --test it
//! gate::`, then review the diff.

use crate::support::{binary, copy_files, crate_root, edit, golden, text, Flavour};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary in `cwd`.
fn specproof_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(binary()).args(args).current_dir(cwd).output().expect("the binary runs")
}

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    crate::support::scratch("gate", name)
}

/// The example with its corrected spec as `spec.json`, SQLX models and shipped tests, in `dir`.
fn example_into(dir: &Path) {
    crate::support::example_into(dir, Flavour::Sqlx);
    copy_files(&crate_root().join("specs/customer360/tests"), &dir.join("tests"));
}

// ---------------------------------------------------------------------------------------------
// A JSON Schema validator for the keywords schema/report.v1.json uses, so the schema is checked
// against real output without a dependency. A keyword it does not know is an error, so the
// schema cannot grow a rule this test silently ignores.

const KEYWORDS: &[&str] = &[
    "$schema",
    "title",
    "description",
    "type",
    "required",
    "properties",
    "additionalProperties",
    "enum",
    "const",
    "items",
    "minimum",
    "$ref",
    "$defs",
];

fn schema_keywords_are_known(schema: &Value, path: &str) {
    let Some(object) = schema.as_object() else { return };
    for (key, value) in object {
        assert!(KEYWORDS.contains(&key.as_str()), "{path}: the test's validator does not know `{key}`");
        match key.as_str() {
            "properties" | "$defs" => {
                for (name, sub) in value.as_object().unwrap() {
                    schema_keywords_are_known(sub, &format!("{path}.{key}.{name}"));
                }
            }
            "items" | "additionalProperties" => schema_keywords_are_known(value, &format!("{path}.{key}")),
            _ => {}
        }
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        other => panic!("unknown type {other}"),
    }
}

fn validate_schema(schema: &Value, value: &Value, root: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/$defs/").expect("local $defs references only");
        return validate_schema(&root["$defs"][name], value, root, path, errors);
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            errors.push(format!("{path}: {value} is not {constant}"));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            errors.push(format!("{path}: {value} is not one of {options:?}"));
        }
    }
    if let Some(kind) = schema.get("type") {
        let names: Vec<&str> = match kind {
            Value::String(s) => vec![s.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => panic!("bad type keyword"),
        };
        if !names.iter().any(|n| type_matches(n, value)) {
            errors.push(format!("{path}: {value} is not of type {names:?}"));
            return;
        }
    }
    if let (Some(minimum), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64()) {
        if n < minimum {
            errors.push(format!("{path}: {n} is below {minimum}"));
        }
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let name = required.as_str().unwrap();
            if !object.contains_key(name) {
                errors.push(format!("{path}: `{name}` is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => validate_schema(sub, item, root, &format!("{path}.{key}"), errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{path}: `{key}` is not allowed")),
                    Some(sub @ Value::Object(_)) => validate_schema(sub, item, root, &format!("{path}.{key}"), errors),
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            validate_schema(items, item, root, &format!("{path}[{i}]"), errors);
        }
    }
}

fn report_schema() -> Value {
    let text =
        std::fs::read_to_string(crate_root().join("schema/report.v1.json")).expect("schema/report.v1.json exists");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    schema_keywords_are_known(&schema, "schema");
    schema
}

pub(crate) fn schema_errors(value: &Value) -> Vec<String> {
    let schema = report_schema();
    let mut errors = Vec::new();
    validate_schema(&schema, value, &schema, "$", &mut errors);
    errors
}

// ---------------------------------------------------------------------------------------------
// A minimal XML reader: well-formedness (matching tags, quoted attributes, escaped `<` and
// `&`), elements, attributes and text. Enough to read JUnit back, and it fails on what a CI
// system's parser would reject.

#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    fn count(&self, name: &str) -> usize {
        self.attribute(name).unwrap_or_else(|| panic!("<{}> has no {name}", self.name)).parse().unwrap()
    }
    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

struct XmlReader<'a> {
    text: &'a str,
    at: usize,
}

impl XmlReader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }
    fn skip_space(&mut self) {
        while self.rest().starts_with(|c: char| c.is_ascii_whitespace()) {
            self.at += 1;
        }
    }
    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.rest().starts_with(token) {
            self.at += token.len();
            Ok(())
        } else {
            Err(format!("expected {token:?} at byte {}: {:?}", self.at, &self.rest()[..self.rest().len().min(30)]))
        }
    }
    fn name(&mut self) -> Result<String, String> {
        let end =
            self.rest().find(|c: char| !(c.is_ascii_alphanumeric() || "_:-.".contains(c))).unwrap_or(self.rest().len());
        if end == 0 {
            return Err(format!("expected a name at byte {}", self.at));
        }
        let name = self.rest()[..end].to_string();
        self.at += end;
        Ok(name)
    }
    fn character_data(&mut self, stop: char) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let Some(c) = self.rest().chars().next() else { return Err("unexpected end".into()) };
            if c == stop {
                return Ok(out);
            }
            if c == '<' {
                return Err(format!("unescaped < at byte {}", self.at));
            }
            if c == '&' {
                let end = self.rest().find(';').ok_or("unterminated entity")?;
                let entity = &self.rest()[1..end];
                out.push(match entity {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => return Err(format!("unknown entity &{other};")),
                });
                self.at += end + 1;
                continue;
            }
            if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') {
                return Err(format!("control character {:?} at byte {}", c, self.at));
            }
            out.push(c);
            self.at += c.len_utf8();
        }
    }
    fn element(&mut self) -> Result<Element, String> {
        self.expect("<")?;
        let mut element = Element { name: self.name()?, ..Element::default() };
        loop {
            self.skip_space();
            if self.rest().starts_with("/>") {
                self.at += 2;
                return Ok(element);
            }
            if self.rest().starts_with('>') {
                self.at += 1;
                break;
            }
            let name = self.name()?;
            self.expect("=\"")?;
            let value = self.character_data('"')?;
            self.at += 1;
            if element.attributes.iter().any(|(n, _)| *n == name) {
                return Err(format!("attribute {name} twice"));
            }
            element.attributes.push((name, value));
        }
        loop {
            if self.rest().starts_with("</") {
                self.at += 2;
                let name = self.name()?;
                if name != element.name {
                    return Err(format!("</{name}> closes <{}>", element.name));
                }
                self.skip_space();
                self.expect(">")?;
                return Ok(element);
            }
            if self.rest().starts_with('<') {
                element.children.push(self.element()?);
            } else {
                let text = self.character_data('<')?;
                element.text.push_str(&text);
            }
        }
    }
}

fn parse_xml(text: &str) -> Result<Element, String> {
    let mut reader = XmlReader { text, at: 0 };
    if reader.rest().starts_with("<?xml") {
        let end = reader.rest().find("?>").ok_or("unterminated declaration")?;
        reader.at += end + 2;
    }
    reader.skip_space();
    let root = reader.element()?;
    reader.skip_space();
    if !reader.rest().is_empty() {
        return Err(format!("text after the root element at byte {}", reader.at));
    }
    Ok(root)
}

// ---------------------------------------------------------------------------------------------

/// The stage of checks a finding code belongs to (the JUnit test case it fails).
fn stage(code: &str) -> &'static str {
    for (prefix, stage) in [
        ("CODE", "static check"),
        ("RUN", "execution"),
        ("CHK", "output checks"),
        ("DIF", "reference comparison"),
        ("TST", "shipped test"),
    ] {
        if code.starts_with(prefix) {
            return stage;
        }
    }
    "spec lint"
}

struct Formats {
    code: Option<i32>,
    stdout: String,
    json: Value,
    junit: Element,
    sarif: Value,
    markdown: String,
}

/// Runs `validate` in `cwd` writing every format, checks what holds for any run, and returns
/// them.
fn every_format(cwd: &Path, args: &[&str], name: &str) -> Formats {
    let out_dir = scratch(&format!("formats-{name}"));
    let file = |ext: &str| out_dir.join(format!("report.{ext}")).to_string_lossy().to_string();
    let (json, xml, sarif, md) = (file("json"), file("xml"), file("sarif"), file("md"));
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--output", &json, "--output", &xml, "--output", &sarif, "--output", &md]);
    let out = specproof_in(cwd, &all);
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let formats = Formats {
        code: out.status.code(),
        stdout: text(&out.stdout),
        json: serde_json::from_str(&read(&json)).expect("the JSON report parses"),
        junit: parse_xml(&read(&xml)).unwrap_or_else(|e| panic!("JUnit is not well-formed XML: {e}\n{}", read(&xml))),
        sarif: serde_json::from_str(&read(&sarif)).expect("the SARIF log parses"),
        markdown: read(&md),
    };
    // The file and standard output hold the same JSON report.
    let mut alone: Vec<&str> = args.to_vec();
    alone.extend(["--format", "json"]);
    assert_eq!(text(&specproof_in(cwd, &alone).stdout), read(&json), "{name}: --output and stdout differ");
    std::fs::remove_dir_all(&out_dir).unwrap();

    // JSON: valid against the schema, verdict and exit code agree.
    let errors = schema_errors(&formats.json);
    assert!(errors.is_empty(), "{name}: the JSON report breaks schema/report.v1.json: {errors:#?}");
    let findings = formats.json["findings"].as_array().unwrap();
    assert_eq!(formats.json["verdict"], if formats.code == Some(0) { "pass" } else { "fail" }, "{name}");

    // JUnit: counts are the elements', and each failing check is one failed test case.
    let suites = &formats.junit;
    assert_eq!(suites.name, "testsuites");
    let cases: Vec<&Element> = suites.children_named("testsuite").flat_map(|s| s.children_named("testcase")).collect();
    assert_eq!(suites.count("tests"), cases.len(), "{name}");
    let failed: Vec<String> = cases
        .iter()
        .filter(|c| c.children_named("failure").next().is_some())
        .map(|c| format!("{} {}", c.attribute("classname").unwrap(), c.attribute("name").unwrap()))
        .collect();
    assert_eq!(suites.count("failures"), failed.len(), "{name}");
    let mut expected: Vec<String> = findings
        .iter()
        .map(|f| {
            let code = f["code"].as_str().unwrap();
            let model = f["model"].as_str().unwrap_or("project");
            if code.starts_with("TST") {
                format!("specproof.project shipped test {}", f["location"]["file"].as_str().unwrap())
            } else {
                format!("specproof.{model} {}", stage(code))
            }
        })
        .collect();
    expected.sort();
    expected.dedup();
    let mut failed_sorted = failed.clone();
    failed_sorted.sort();
    assert_eq!(failed_sorted, expected, "{name}: one failed test case per check with findings");
    for suite in suites.children_named("testsuite") {
        assert_eq!(suite.count("tests"), suite.children_named("testcase").count());
    }

    // SARIF: one result per finding, at its place, each with a rule the driver lists.
    assert_eq!(formats.sarif["version"], "2.1.0");
    let run = &formats.sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "specproof");
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len(), "{name}");
    let mut codes: Vec<&str> = findings.iter().map(|f| f["code"].as_str().unwrap()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(rules, codes, "{name}: one rule per code used");
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(result["ruleId"], finding["code"]);
        assert_eq!(rules[result["ruleIndex"].as_u64().unwrap() as usize], finding["code"].as_str().unwrap());
        let place = &result["locations"][0]["physicalLocation"];
        assert_eq!(place["artifactLocation"]["uri"], finding["location"]["file"]);
        assert_eq!(place["region"]["startLine"], finding["location"]["line"]);
        assert_eq!(place["region"]["startColumn"], finding["location"]["column"]);
        assert!(result["level"] == "error" || result["level"] == "warning");
    }
    formats
}

#[test]
fn every_format_of_a_failing_and_a_passing_run() {
    let root = crate_root();
    // Failing: the example spec contradicts itself in seven places.
    let failing = every_format(&root, &["validate", "specs/customer360"], "failing");
    assert_eq!(failing.code, Some(1));
    assert_eq!(failing.json["summary"]["errors"], 7);
    assert_eq!(
        failing.junit.count("failures"),
        3,
        "stg_customers, stg_orders and fact_customer_orders fail their spec lint"
    );
    assert_eq!(
        failing.junit.count("tests"),
        29,
        "the project's lint, 4 shipped test files, 5 models × 5 stages less the SCD2 model's reference (its history is undefined here)"
    );
    assert!(failing.stdout.contains("FAILED: validate"), "standard output has the text report: {}", failing.stdout);
    golden("gate/failing.md", &failing.markdown);

    // Passing: the corrected spec.
    let passing = every_format(
        &root,
        &["validate", "specs/customer360", "--spec", "specs/customer360/spec.corrected.json"],
        "passing",
    );
    assert_eq!(passing.code, Some(0));
    assert_eq!(passing.junit.count("failures"), 0);
    // The corrected spec's SCD2 history is defined, so it is compared with its reference too.
    assert_eq!(passing.junit.count("tests"), 30);
    assert!(passing.sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    golden("gate/passing.md", &passing.markdown);

    // Failing code: a copy with two planted defects, run from inside it so paths are stable.
    let dir = scratch("planted-formats");
    example_into(&dir);
    edit(&dir.join("models/stg_support_pivot.sqlx"), "tickets.status = 'OPEN'", "tickets.status = 'open'");
    edit(&dir.join("models/fact_customer_orders.sqlx"), "LEFT JOIN ticket_metrics", "INNER JOIN ticket_metrics");
    let planted = every_format(&dir, &["validate", "."], "planted");
    assert_eq!(planted.code, Some(1));
    let codes: Vec<String> = planted.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["code"].as_str().unwrap(), f["model"].as_str().unwrap()))
        .collect();
    assert!(codes.contains(&"CODE008 fact_customer_orders".to_string()), "{codes:?}");
    assert!(codes.contains(&"DIF001 stg_support_pivot".to_string()), "{codes:?}");
    let sarif_uris: Vec<&str> = planted.sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert!(sarif_uris.contains(&"models/fact_customer_orders.sqlx"), "{sarif_uris:?}");
    assert!(planted.stdout.contains("fact_customer_orders: "), "grouped by model: {}", planted.stdout);
    golden("gate/planted.md", &planted.markdown);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_schema_check_fails_on_output_that_breaks_it() {
    let out = specproof_in(&crate_root(), &["lint", "specs/customer360", "--format", "json"]);
    let good: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema_errors(&good).is_empty(), "{:?}", schema_errors(&good));
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut value = good.clone();
        change(&mut value);
        schema_errors(&value)
    };
    type Change<'a> = &'a dyn Fn(&mut Value);
    let cases: [(&str, Change); 6] = [
        ("a required field missing", &|v| {
            v.as_object_mut().unwrap().remove("verdict");
        }),
        ("an unknown field", &|v| v["findings"][0]["extra"] = 1.into()),
        ("a value outside its enum", &|v| v["findings"][0]["severity"] = "fatal".into()),
        ("a wrong type", &|v| v["findings"][0]["location"]["line"] = "3".into()),
        ("another version", &|v| v["version"] = 2.into()),
        ("a negative count", &|v| v["summary"]["errors"] = (-1).into()),
    ];
    for (what, change) in cases {
        assert!(!broken(change).is_empty(), "the schema check accepts {what}");
    }
    assert!(parse_xml("<a><b></a>").is_err(), "mismatched tags");
    assert!(parse_xml("<a x=\"1 < 2\"/>").is_err(), "unescaped <");
    assert!(parse_xml("<a>&nbsp;</a>").is_err(), "unknown entity");
    assert!(parse_xml("<a/><b/>").is_err(), "two roots");
}

// ---------------------------------------------------------------------------------------------
// Changed-only runs on a real git history.

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=specproof test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

fn changed_scope(dir: &Path, reference: &str) -> (Option<i32>, Value) {
    let out = specproof_in(dir, &["validate", ".", "--changed-since", reference, "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    assert!(schema_errors(&json).is_empty(), "{:?}", schema_errors(&json));
    (out.status.code(), json)
}

fn names(value: &Value) -> Vec<&str> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect()
}

#[test]
fn a_changed_model_is_checked_against_the_unchanged_model_its_relationships_test_reads() {
    // attribution's stg_touchpoints tests `relationships(stg_campaigns.campaign_id)` and reads no
    // model: stg_campaigns must still run, or the test reads a table that was never made (a
    // CHK006 on correct code).
    let dir = scratch("changed-relationships");
    crate::support::pipeline_into(&dir, "attribution", Flavour::Duckdb);
    std::fs::write(dir.join("specproof.toml"), "dialect = \"duckdb\"\n").unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "attribution"]);
    let model = dir.join("models/stg_touchpoints.sql");
    std::fs::write(&model, format!("{}\n-- touched\n", std::fs::read_to_string(&model).unwrap())).unwrap();
    let (_, json) = changed_scope(&dir, "HEAD");
    assert_eq!(names(&json["changed_since"]["changed"]), ["stg_touchpoints"]);
    let found: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(!found.contains(&"CHK006"), "{found:?}: {}", json["findings"]);
    assert!(
        json["scope"].as_str().unwrap().contains("unchanged upstream models run for their output only"),
        "{}",
        json["scope"]
    );
}

#[test]
fn changed_since_validates_exactly_the_changed_models_and_their_downstream() {
    let dir = scratch("changed");
    example_into(&dir);
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "the example"]);

    // Nothing changed: nothing validated, and the run passes.
    let (code, json) = changed_scope(&dir, "HEAD");
    assert_eq!(code, Some(0));
    assert!(names(&json["changed_since"]["changed"]).is_empty());
    assert_eq!(names(&json["changed_since"]["skipped"]).len(), 5);
    assert!(json["scope"].as_str().unwrap().contains("no model changed since HEAD"), "{}", json["scope"]);

    // A planted defect in one model's code: it and its downstream are validated, it is caught.
    edit(&dir.join("models/stg_support_pivot.sqlx"), "tickets.status = 'OPEN'", "tickets.status = 'open'");
    let (code, json) = changed_scope(&dir, "HEAD");
    assert_eq!(code, Some(1));
    let scope = &json["changed_since"];
    assert_eq!(names(&scope["changed"]), ["stg_support_pivot"]);
    assert_eq!(names(&scope["downstream"]), ["fact_customer_orders"]);
    assert_eq!(names(&scope["skipped"]), ["dim_customers_scd2", "stg_customers", "stg_orders"]);
    let found: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(found, ["DIF001"]);
    // The text report says what it skipped.
    let out = specproof_in(&dir, &["validate", ".", "--changed-since", "HEAD"]);
    assert!(
        text(&out.stdout).contains("changed since HEAD: stg_support_pivot; downstream: fact_customer_orders; skipped (unchanged): dim_customers_scd2, stg_customers, stg_orders"),
        "{}",
        text(&out.stdout)
    );
    // JUnit shows the left-out models' checks as skipped.
    let xml = text(&specproof_in(&dir, &["validate", ".", "--changed-since", "HEAD", "--format", "junit"]).stdout);
    let junit = parse_xml(&xml).unwrap();
    assert_eq!(
        junit.count("skipped"),
        3 * 5 + 2,
        "five stages of three models, and the two shipped test files of stg_customers: {xml}"
    );
    git(&dir, &["commit", "-qam", "count lower-case open tickets"]);

    // A spec entry changed (committed, compared with the commit before): that model and its
    // downstream SCD2 model.
    let spec = dir.join("spec.json");
    edit(&spec, "\"name\": \"stg_customers\",", "\"name\": \"stg_customers\", \"description\": \"changed\",");
    git(&dir, &["commit", "-qam", "describe stg_customers"]);
    let (_, json) = changed_scope(&dir, "HEAD~1");
    assert_eq!(names(&json["changed_since"]["changed"]), ["stg_customers"]);
    assert_eq!(names(&json["changed_since"]["downstream"]), ["dim_customers_scd2"]);
    // Over both commits, the union.
    let (_, json) = changed_scope(&dir, "HEAD~2");
    assert_eq!(names(&json["changed_since"]["changed"]), ["stg_customers", "stg_support_pivot"]);

    // A source table's DDL changed: the models reading it.
    let ddl = dir.join("sources/commerce_order_items.sql");
    std::fs::write(&ddl, format!("{}\n-- a comment\n", std::fs::read_to_string(&ddl).unwrap())).unwrap();
    let (_, json) = changed_scope(&dir, "HEAD");
    assert_eq!(names(&json["changed_since"]["changed"]), ["stg_orders"]);
    assert_eq!(names(&json["changed_since"]["downstream"]), ["fact_customer_orders"]);
    git(&dir, &["checkout", "-q", "--", "."]);

    // The spec's shared part changed: every model.
    edit(&spec, "\"final_schema\": \"analytics\"", "\"final_schema\": \"mart\"");
    let (_, json) = changed_scope(&dir, "HEAD");
    assert_eq!(names(&json["changed_since"]["changed"]).len(), 5);
    git(&dir, &["checkout", "-q", "--", "."]);

    // A ref git does not know, and a folder outside any repository: could not run.
    let out = specproof_in(&dir, &["validate", ".", "--changed-since", "no-such-ref"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--changed-since no-such-ref: git knows no commit of that name"),
        "{}",
        text(&out.stderr)
    );
    let outside = scratch("not-a-repo");
    example_into(&outside);
    // git looks no higher than the folder's parent, so no repository around the temporary
    // folder can take it in.
    let ceiling = outside.parent().expect("a scratch folder has a parent");
    let out = Command::new(binary())
        .args(["validate", ".", "--changed-since", "HEAD"])
        .current_dir(&outside)
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("needs the project to be in a git repository"), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&outside).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------------

#[test]
fn warnings_fail_only_with_fail_on_warning() {
    let root = crate_root();
    let case = "specs/invalid/SPEC017-unknown-field";
    let out = specproof_in(&root, &["lint", case]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = specproof_in(&root, &["lint", case, "--fail-on", "warning", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["fail_on"], "warning");
}

#[test]
fn a_baseline_accepts_known_findings_and_only_new_ones_fail() {
    let dir = scratch("baseline");
    example_into(&dir);
    // The original spec, with its seven findings, is the imperfect pipeline adopting the gate.
    std::fs::copy(crate_root().join("specs/customer360/spec.json"), dir.join("spec.json")).unwrap();
    let out = specproof_in(&dir, &["validate", ".", "--write-baseline", "baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("7 findings accepted; 7 without a reason"), "{}", text(&out.stderr));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(written["accepted"].as_array().unwrap().len(), 7);
    assert_eq!(written["accepted"][0]["file"], "spec.json", "files relative to the project");

    // Unfilled reasons: refused.
    let out = specproof_in(&dir, &["validate", ".", "--baseline", "baseline.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("has no reason"), "{}", text(&out.stderr));

    // Reasons written: the known findings are accepted and shown, the run passes.
    let filled = std::fs::read_to_string(dir.join("baseline.json"))
        .unwrap()
        .replace("\"reason\": \"\"", "\"reason\": \"the CRM export keys are fixed upstream (TICKET-1)\"");
    std::fs::write(dir.join("baseline.json"), filled).unwrap();
    // Lines move: a field added at the top of the spec shifts every finding down a line.
    edit(&dir.join("spec.json"), "{\n", "{\n  \"description\": \"customer 360\",\n");
    let out = specproof_in(&dir, &["validate", ".", "--baseline", "baseline.json", "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    assert!(schema_errors(&json).is_empty(), "{:?}", schema_errors(&json));
    assert_eq!(json["summary"]["accepted"], 7);
    assert_eq!(json["summary"]["errors"], 0);
    assert!(json["accepted"][0]["reason"].as_str().unwrap().contains("TICKET-1"));
    let text_report = text(&specproof_in(&dir, &["validate", ".", "--baseline", "baseline.json"]).stdout);
    assert!(text_report.contains("accepted by the baseline (7):"), "{text_report}");
    // Nothing counts: the report opens with the accepted findings, not a model's errors.
    assert!(text_report.starts_with("accepted by the baseline (7):"), "{text_report}");

    // A new defect fails the gate, alone; SARIF shows the accepted ones as suppressed.
    edit(&dir.join("models/stg_support_pivot.sqlx"), "tickets.status = 'OPEN'", "tickets.status = 'open'");
    let out = specproof_in(&dir, &["validate", ".", "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["DIF001"]);
    let out = specproof_in(&dir, &["validate", ".", "--baseline", "baseline.json", "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    assert_eq!(results.iter().filter(|r| r["suppressions"][0]["kind"] == "external").count(), 7);

    // A fixed defect leaves its entry stale: a warning, not a failure.
    std::fs::copy(
        crate_root().join("specs/customer360/models/stg_support_pivot.sqlx"),
        dir.join("models/stg_support_pivot.sqlx"),
    )
    .unwrap();
    edit(
        &dir.join("sources/fx_rates.sql"),
        "rate_to_usd NUMERIC",
        "rate_to_usd NUMERIC,\n  PRIMARY KEY (currency) NOT ENFORCED",
    );
    let out = specproof_in(&dir, &["validate", ".", "--baseline", "baseline.json", "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    assert_eq!(json["summary"]["accepted"], 6);
    let stale = json["baseline"]["stale"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(stale[0]["message"].as_str().unwrap().contains("fx_rates"), "{stale:?}");
    let text_report = text(&specproof_in(&dir, &["validate", ".", "--baseline", "baseline.json"]).stdout);
    assert!(text_report.contains("which no longer happens: remove the entry"), "{text_report}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn init_scaffolds_a_project_that_validates_and_refuses_to_overwrite() {
    let dir = scratch("init");
    let project = dir.join("pipeline");
    let project_arg = project.to_string_lossy().to_string();
    let out = specproof_in(&dir, &["init", &project_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for file in ["spec.json", "specproof.toml", "models/stg_orders.sql", "tests/customer_orders.sql"] {
        assert!(project.join(file).is_file(), "{file}");
    }
    // Outside a git repository, the workflow and the hook go into the project folder.
    let workflow = std::fs::read_to_string(project.join(".github/workflows/specproof.yml")).unwrap();
    assert!(workflow.contains("github/codeql-action/upload-sarif"), "{workflow}");
    assert!(workflow.contains("--output specproof.sarif --output specproof.xml --output specproof.md"), "{workflow}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(project.join("hooks/pre-commit")).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "the hook is executable");
    }
    let out = specproof_in(&dir, &["validate", &project_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("3 models run"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("1 shipped test file"), "{}", text(&out.stdout));

    // A second init writes nothing.
    let before = std::fs::read_to_string(project.join("spec.json")).unwrap();
    let out = specproof_in(&dir, &["init", &project_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("init writes nothing over existing files"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(project.join("spec.json")).unwrap(), before);

    // Inside a repository, the workflow goes to its root and names the project's folder.
    let repo = scratch("init-repo");
    git(&repo, &["init", "-q"]);
    let out = specproof_in(&repo, &["init", "sub/pipeline"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let workflow = std::fs::read_to_string(repo.join(".github/workflows/specproof.yml")).unwrap();
    assert!(workflow.contains("specproof validate sub/pipeline $CHANGED"), "{workflow}");
    assert!(repo.join("hooks/pre-commit").is_file());
    std::fs::remove_dir_all(&repo).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
