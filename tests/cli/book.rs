//! `export --price-book` and `usage --sql`: the two tables made from the
//! catalog history of [`crate::price_history`] (periods laid out by fetch
//! time, contiguous and disjoint; names that move, appear and collide), the
//! query each dialect gets, and the flags' errors. The engines that run the
//! query are in `warehouse.rs`.

use std::collections::BTreeMap;

use crate::common::Env;
use crate::price_history::{self, FETCHED};
use crate::snap;

/// Pins `text` as the snapshot `name`, exactly (times included).
fn pin(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// A table as CSV rows of column → cell.
fn table(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, c)| (h.to_owned(), c.to_owned())).collect())
        .collect()
}

fn history() -> (Env, tempfile::TempDir) {
    let env = Env::new();
    price_history::import(&env);
    let out = tempfile::tempdir().unwrap();
    let run = env.run(&["export", "--price-book", "--output", out.path().join("book").to_str().unwrap()]);
    run.success();
    assert_eq!(
        run.stderr,
        "wrote 33 price periods of 22 models and 104 aliases to [OUT] (csv)\n"
            .replace("[OUT]", out.path().join("book").to_str().unwrap())
    );
    (env, out)
}

#[test]
fn the_price_book_lays_the_history_out_by_fetch_time() {
    let (_env, out) = history();
    let text = std::fs::read_to_string(out.path().join("book/price_book.csv")).unwrap();
    // tok-a: the sixth snapshot, imported last, is priced from 2026-03-15 to the
    // fourth's 2026-04-01, and is the current one; a new description is no new period.
    pin("price_book_csv", &text);
}

#[test]
fn periods_are_disjoint_contiguous_and_current_once() {
    let (_env, out) = history();
    let rows = table(&out.path().join("book/price_book.csv"));
    let mut by_model: BTreeMap<String, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for row in &rows {
        by_model.entry(row["model_id"].clone()).or_default().push(row);
        for bound in ["valid_from", "valid_to"] {
            assert!(row[bound].is_empty() || FETCHED.contains(&row[bound].as_str()), "a fetch time: {row:?}");
        }
    }
    // Absences in the timeline 01-01, 02-01, 03-01, 03-15, 04-01, 05-01.
    let gaps: BTreeMap<&str, &[&str]> = [("leaver", &["2026-03-01T00:00:00Z"][..]), ("newbie", &[][..])].into();
    for (model, periods) in &by_model {
        for pair in periods.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(!a["valid_to"].is_empty() && a["valid_to"] <= b["valid_from"], "{model}: disjoint, in order");
            let gap = a["valid_to"] != b["valid_from"];
            assert_eq!(gap, gaps.get(model.as_str()).is_some_and(|g| g.contains(&a["valid_to"].as_str())), "{model}");
        }
        assert!(periods[1..].iter().all(|p| !p["valid_from"].is_empty()), "{model}: only a first period starts open");
        let current = periods.iter().filter(|p| p["is_current"] == "true").count();
        let in_current = !["leaver", "claude-y-20250929"].contains(&model.as_str());
        assert_eq!(current, usize::from(in_current), "{model}: one current period, when in the current snapshot");
    }
    assert_eq!(by_model["newbie"][0]["valid_from"], "2026-03-01T00:00:00Z", "a model that arrived later");
    assert_eq!(by_model.len(), price_history::MODELS.len());
}

#[test]
fn aliases_follow_names_through_time() {
    let (_env, out) = history();
    let rows = table(&out.path().join("book/price_aliases.csv"));
    let find = |alias: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["alias"] == alias)
            .map(|r| {
                format!("{} {} {}..{} {}", r["model_id"], r["how"], r["valid_from"], r["valid_to"], r["is_current"])
            })
            .collect()
    };
    let moved = ["code-mover code ..2026-03-01T00:00:00Z false", "code-mover case ..2026-03-01T00:00:00Z false"];
    assert_eq!(find("cm-old"), moved, "a code that moved");
    let dated =
        ["claude-y-20250929 id 2026-04-01T00:00:00Z.. false", "claude-y-20250929 case 2026-04-01T00:00:00Z.. false"];
    assert_eq!(find("claude-y-20250929"), dated, "a dated id that appeared");
    assert_eq!(find("dup-a"), ["dup-a id .. true"], "a lower-cased name two models share names neither");
    assert_eq!(find("mc-1"), ["Mixed-Case case .. true"]);
    assert_eq!(find("models/mc-1"), ["Mixed-Case prefix_case .. true"]);
    assert_eq!(find("models/MC-1"), ["Mixed-Case prefix .. true"]);
    assert_eq!(
        find("leaver"),
        [
            "leaver id ..2026-03-01T00:00:00Z false",
            "leaver id 2026-04-01T00:00:00Z.. false",
            "leaver case ..2026-03-01T00:00:00Z false",
            "leaver case 2026-04-01T00:00:00Z.. false"
        ]
    );
}

#[test]
fn every_format_holds_the_same_rows() {
    let (env, out) = history();
    let dir = out.path().join("book");
    env.run(&["export", "--price-book", "--output", dir.to_str().unwrap(), "--json", "-q"]).success();
    env.run(&["export", "--price-book", "--output", dir.to_str().unwrap(), "--format", "parquet", "-q"]).success();
    for table_name in ["price_book", "price_aliases"] {
        let csv = table(&dir.join(format!("{table_name}.csv")));
        let lines = std::fs::read_to_string(dir.join(format!("{table_name}.jsonl"))).unwrap();
        let json: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(csv.len(), json.len());
        for (c, j) in csv.iter().zip(&json) {
            for (column, cell) in c {
                let value = match &j[column] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                assert_eq!(&value, cell, "{table_name}.{column}");
            }
        }
        let parquet = std::fs::read(dir.join(format!("{table_name}.parquet"))).unwrap();
        assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"));
    }
    let first = lines_of(&dir.join("price_book.jsonl"))[0].clone();
    assert!(
        first.starts_with("{\"model_id\":\"DUP-A\",\"code\":\"DUP-A\",\"provider_code\":\"p\",\"valid_from\":null"),
        "{first}"
    );
}

fn lines_of(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn a_price_the_book_cannot_hold_is_left_out_and_said() {
    let env = Env::new();
    let catalog = r#"{"success": true, "page": 0, "page_size": 0, "total": 2, "fetched_at": "2026-01-01T00:00:00Z", "data": [
        {"id": "tiny", "pricing": {"currency": "USD / M Tokens", "input": "0.000000000000000001", "output": 2, "ratio": 0.1}},
        {"id": "ok", "pricing": {"currency": "USD / M Tokens", "input": "0.000000000000000001", "output": 2}}]}"#;
    env.run_stdin(&["sync", "--from", "-"], catalog.as_bytes().to_vec()).success();
    let out = tempfile::tempdir().unwrap();
    let run = env.run(&["export", "--price-book", "--output", out.path().to_str().unwrap()]);
    let run = crate::common::Run { stderr: run.stderr.replace(out.path().to_str().unwrap(), "[OUT]"), ..run };
    snap!("price_book_unheld", run);
    let rows = table(&out.path().join("price_book.csv"));
    let cells = |r: &BTreeMap<String, String>| {
        format!("{} {} {}", r["input_price"], r["effective_input_price"], r["effective_output_price"])
    };
    assert_eq!(
        rows.iter().map(cells).collect::<Vec<_>>(),
        ["0.000000000000000001 0.000000000000000001 2", "0.000000000000000001  "]
    );
}

#[test]
fn usage_sql_prints_one_query_per_dialect_and_reads_nothing() {
    let env = Env::new();
    for dialect in ["duckdb", "spark", "bigquery", "postgres"] {
        let run = env.run(&["usage", "--sql", dialect]);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run}");
        pin(&format!("usage_sql_{dialect}"), &run.stdout);
    }
    assert!(!env.db().exists(), "no catalog is opened, none is made");
    let renamed = env.run(&[
        "usage",
        "--sql",
        "bigquery",
        "--table",
        "usage=my-project.billing.calls",
        "--table",
        "price_book=billing.book",
    ]);
    let query = &renamed.success().stdout;
    assert!(
        query.contains("FROM `my-project`.billing.calls AS u") && query.contains("LEFT JOIN billing.book AS p"),
        "{query}"
    );
    assert!(query.contains("LEFT JOIN price_aliases AS a1"), "the tables not renamed keep their names");
    let quoted = env.run(&["usage", "--sql", "postgres", "--table", "usage=my-schema.calls"]);
    assert!(quoted.success().stdout.contains("FROM \"my-schema\".calls AS u"));
}

#[test]
fn the_flags_of_the_price_book_say_what_is_wrong() {
    let env = Env::new();
    let cases: &[&[&str]] = &[
        &["usage", "--sql", "oracle"],
        &["usage", "--sql", "duckdb", "--table", "calls=x"],
        &["usage", "--sql", "duckdb", "--table", "usage=x; DROP TABLE y"],
        &["usage", "--table", "usage=x"],
        &["usage", "--sql", "duckdb", "logs.jsonl"],
        &["usage", "--sql", "duckdb", "--by", "provider"],
        &["usage", "--sql", "duckdb", "--fetch"],
        &["export", "--format", "parquet"],
        &["export", "--price-book"],
        &["export", "--price-book", "--output", "book", "--type", "text"],
    ];
    let mut out = String::new();
    for args in cases {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run}");
        let said: Vec<&str> = run.stderr.lines().take_while(|l| !l.is_empty()).collect();
        out.push_str(&format!("$ cometcat {}\n{}\n", args.join(" "), said.join("\n")));
    }
    pin("price_book_flags", &out);
}

#[test]
fn the_two_tables_are_replaced_together_or_not_at_all() {
    let (env, out) = history();
    let book = out.path().join("book");
    let before = std::fs::read(book.join("price_book.csv")).unwrap();
    // price_aliases.csv cannot be written (a folder stands there): price_book.csv stays as it was.
    std::fs::remove_file(book.join("price_aliases.csv")).unwrap();
    std::fs::create_dir(book.join("price_aliases.csv")).unwrap();
    env.import("catalog-v2.json");
    let run = env.run(&["export", "--price-book", "--output", book.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("price_aliases.csv: it is a folder"), "{run}");
    assert_eq!(std::fs::read(book.join("price_book.csv")).unwrap(), before, "neither table was replaced");
    let leftovers: Vec<_> = std::fs::read_dir(&book).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary file left: {leftovers:?}");
    // --output naming a file, and --table given twice.
    let file = out.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    let run = env.run(&["export", "--price-book", "--output", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("is a file: the price book is written to a folder"), "{run}");
    let run = env.run(&["usage", "--sql", "duckdb", "--table", "usage=a", "--table", "usage=b"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("--table usage is given twice"), "{run}");
    let run = env.run(&["usage", "--sql", "duckdb", "--table", "usage=order"]);
    assert!(run.success().stdout.contains("FROM \"order\""), "{run}");
}
