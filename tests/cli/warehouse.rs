//! docs/warehouse.md run as written, on the engines themselves: 20,000 calls
//! over the catalog history of [`crate::price_history`] are priced by
//! `cometcat usage --at record --by model`, then loaded with the price book
//! into DuckDB (from Parquet and from CSV), Spark (local mode, bounded
//! memory) and PostgreSQL (a throwaway server), where the guide's blocks run
//! the query of `usage --sql`; every model's cost, the counts and the total
//! must agree to the last digit. BigQuery's statements are parsed by a
//! BigQuery parser (sqlglot).
//!
//! The engines come from the venv `.ci/run` makes (`.ci/venv`) and Debian's
//! PostgreSQL. A missing engine skips its test with a note, except under
//! `CI=true`, where it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::{Env, missing, venv_python};
use crate::price_history;

const CALLS: usize = 20_000;

/// The catalog, the calls, and what cometcat makes of them: made once.
struct Setup {
    env: Env,
    csv: PathBuf,
    want: Priced,
}

/// Per model (`None`: unknown names), the result row the query must give.
type Priced = BTreeMap<Option<String>, Row>;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Row {
    records: u64,
    input_tokens: u64,
    output_tokens: u64,
    requests: u64,
    seconds: String,
    cost: Option<String>,
    unpriced: u64,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let env = Env::new();
        price_history::import(&env);
        let calls = price_history::calls(CALLS);
        let (jsonl, csv) = price_history::write_calls(env.dir.path(), &calls);
        let want = cometcat_prices(&env, &jsonl);
        Setup { env, csv, want }
    })
}

/// What `cometcat usage --at record` says, per model: counts from each
/// record's line (`--per-record`), costs from the report `--by model`.
fn cometcat_prices(env: &Env, jsonl: &Path) -> Priced {
    let file = jsonl.to_str().unwrap();
    let report = env.run(&["usage", file, "--at", "record", "--by", "model", "--format", "json", "--allow-unpriced"]);
    let report = report.success().json();
    let totals = &report["totals"];
    assert_eq!((totals["records"].as_u64(), totals["unreadable"].as_u64()), (Some(CALLS as u64), Some(0)), "{totals}");
    let lines =
        env.run(&["usage", file, "--at", "record", "--per-record", "--allow-unpriced"]).success().stdout.clone();
    let mut want = Priced::new();
    let mut seconds: BTreeMap<Option<String>, cometcat::Money> = BTreeMap::new();
    for line in lines.lines() {
        let r: Value = serde_json::from_str(line).unwrap();
        let key = r["resolved"].as_str().map(str::to_owned);
        let row = want.entry(key.clone()).or_default();
        row.records += 1;
        row.input_tokens += r["input_tokens"].as_u64().unwrap();
        row.output_tokens += r["output_tokens"].as_u64().unwrap();
        row.requests += r["requests"].as_u64().unwrap();
        row.unpriced += u64::from(r["status"] == "unpriced");
        if let Some(s) = r.get("seconds").filter(|s| !s.is_null()) {
            let s = cometcat::Money::parse(&s.to_string()).unwrap();
            let sum = seconds.entry(key).or_insert(cometcat::Money::ZERO);
            *sum = sum.checked_add(s).unwrap();
        }
    }
    for group in report["groups"].as_array().unwrap() {
        if let Some(row) = want.get_mut(&Some(group["key"].as_str().unwrap().to_owned())) {
            row.cost = group["cost"].as_str().map(canonical);
        }
    }
    for (key, row) in &mut want {
        row.seconds = canonical(&seconds.get(key).copied().unwrap_or(cometcat::Money::ZERO).to_string());
    }
    let unknown = want.get(&None).map_or(0, |r| r.records);
    assert_eq!(Some(unknown), totals["unknown"].as_u64());
    let total = total_cost(&want);
    assert_eq!(total, canonical(totals["cost"].as_str().unwrap()), "the groups add up to the total");
    want
}

/// The sum of every model's cost, exactly.
fn total_cost(rows: &Priced) -> String {
    let costs = rows.values().filter_map(|r| r.cost.as_deref());
    let sum = costs.fold(cometcat::Money::ZERO, |sum, c| sum.checked_add(cometcat::Money::parse(c).unwrap()).unwrap());
    canonical(&sum.to_string())
}

/// A decimal as text without an exponent, trailing zeros or a lone point:
/// `2.5000` → `2.5`, `0E-24` → `0`, `1.2E-7` → `0.00000012`.
fn canonical(text: &str) -> String {
    let text = text.trim();
    let (negative, text) = text.strip_prefix('-').map_or((false, text), |t| (true, t));
    let (mantissa, exponent) = text.split_once(['e', 'E']).map_or((text, 0), |(m, e)| (m, e.parse::<i64>().unwrap()));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + exponent; // digits before the decimal point
    let padded = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    };
    let (int, frac) = padded.split_once('.').unwrap_or((&padded, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let body = match (int.is_empty(), frac.is_empty()) {
        (true, true) => return "0".to_owned(),
        (true, false) => format!("0.{frac}"),
        (false, true) => int.to_owned(),
        (false, false) => format!("{int}.{frac}"),
    };
    if negative { format!("-{body}") } else { body }
}

/// The query's result as an engine wrote it: a CSV with a header.
fn read_result(path: &Path) -> Priced {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["model_id", "records", "input_tokens", "output_tokens", "requests", "seconds", "cost", "unpriced"]
    );
    let mut out = Priced::new();
    for record in reader.records() {
        let r = record.unwrap();
        let count = |i: usize| r[i].parse::<u64>().unwrap_or_else(|_| panic!("{:?}", &r[i]));
        let text = |i: usize| Some(r[i].to_owned()).filter(|s| !s.is_empty() && s != "None" && s != "NULL");
        let row = Row {
            records: count(1),
            input_tokens: count(2),
            output_tokens: count(3),
            requests: count(4),
            seconds: canonical(&text(5).unwrap_or_else(|| "0".into())),
            cost: text(6).map(|c| canonical(&c)),
            unpriced: count(7),
        };
        assert!(out.insert(text(0), row).is_none(), "one row per model");
    }
    out
}

/// The engine's result equals cometcat's, model by model, and in total.
fn agree(engine: &str, got: &Priced, want: &Priced) {
    for (model, row) in want {
        assert_eq!(got.get(model), Some(row), "{engine}: {model:?}");
    }
    assert_eq!(got.len(), want.len(), "{engine}: the same models: {:?}", got.keys().collect::<Vec<_>>());
    assert_eq!(total_cost(got), total_cost(want), "{engine}: the total");
    // The data reach every rule: a price change, unknown names, unpriced calls.
    assert!(want.contains_key(&None) && want.values().any(|r| r.unpriced > 0) && want.len() > 15);
}

/// A folder for one engine, holding the calls, where the guide's export ran.
fn workspace(setup: &Setup) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&setup.csv, dir.path().join("usage.csv")).unwrap();
    for command in guide().blocks("sh").next().expect("the guide starts with its export").lines() {
        let run = shell(&setup.env, dir.path(), command, &[]);
        assert_eq!(run.code, 0, "{command}\n{run}");
    }
    dir
}

/// Runs `command` with `sh` in `dir`, as a user would: cometcat on the PATH,
/// the test's catalog, and `env` besides.
fn shell(catalog: &Env, dir: &Path, command: &str, env: &[(&str, &str)]) -> crate::common::Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_cometcat")).parent().unwrap();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", command])
        .current_dir(dir)
        .env_clear()
        .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()))
        .env("HOME", catalog.dir.path())
        .env("COMETCAT_DB", catalog.db())
        .env("COMETCAT_NO_PROGRESS", "1")
        .env("NO_COLOR", "1")
        .env("TZ", "UTC");
    for (k, v) in env {
        cmd.env(k, v);
    }
    crate::common::Run::from(cmd.output().unwrap())
}

/// Runs a Python script (a block of the guide) with `python` in `dir`.
fn run_python(catalog: &Env, dir: &Path, python: &Path, script: &str, env: &[(&str, &str)]) {
    std::fs::write(dir.join("block.py"), script).unwrap();
    let run = shell(catalog, dir, &format!("{} block.py", python.display()), env);
    assert_eq!(run.code, 0, "{script}\n{run}");
}

/// docs/warehouse.md, as fenced blocks.
struct Guide(Vec<(String, String)>);

fn guide() -> Guide {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/warehouse.md")).unwrap();
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in doc.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.to_owned(), String::new())),
            (Some(_), Some("")) => blocks.push(open.take().unwrap()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    Guide(blocks)
}

impl Guide {
    /// The bodies of the blocks whose info string is `info`, in order.
    fn blocks<'a>(&'a self, info: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(i, _)| i == info).map(|(_, body)| body.as_str())
    }

    fn block<'a>(&'a self, info: &'a str) -> &'a str {
        self.blocks(info).next().unwrap_or_else(|| panic!("docs/warehouse.md has a ```{info} block"))
    }
}

#[test]
fn the_guide_holds_the_blocks_the_tests_run() {
    let guide = guide();
    let infos: Vec<&str> = guide.0.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        infos,
        [
            "sh",
            "python duckdb",
            "sql duckdb",
            "python spark",
            "sql postgres",
            "sh postgres",
            "sql bigquery",
            "sh bigquery",
            "sh",
            "crontab"
        ],
        "docs/warehouse.md changed: update tests/cli/warehouse.rs to run what it says now"
    );
}

#[test]
fn duckdb_prices_the_calls_as_cometcat_does_from_parquet_and_from_csv() {
    let Some(python) = venv_python("duckdb") else { return };
    let setup = setup();
    let guide = guide();
    // From Parquet: the guide's Python block, whole.
    let dir = workspace(setup);
    run_python(&setup.env, dir.path(), &python, guide.block("python duckdb"), &[]);
    agree("DuckDB (Parquet)", &read_result(&dir.path().join("cost-by-model.csv")), &setup.want);
    // From CSV: the guide's SQL block, then the calls and the query as above.
    let dir = workspace(setup);
    std::fs::write(dir.path().join("load.sql"), guide.block("sql duckdb")).unwrap();
    let script = format!(
        "import subprocess\nimport duckdb\ncon = duckdb.connect('warehouse.duckdb')\ncon.execute(\"SET TimeZone = 'UTC'\")\n\
         con.execute(open('load.sql').read())\n{}",
        guide.block("python duckdb").split_once("# The calls").map(|(_, rest)| format!("# The calls{rest}")).unwrap()
    );
    run_python(&setup.env, dir.path(), &python, &script, &[]);
    agree("DuckDB (CSV)", &read_result(&dir.path().join("cost-by-model.csv")), &setup.want);
}

#[test]
fn spark_prices_the_calls_as_cometcat_does_in_local_mode() {
    let Some(python) = venv_python("pyspark") else { return };
    if Command::new("java").arg("-version").output().is_err() {
        return missing("Java (for Spark)");
    }
    let setup = setup();
    let dir = workspace(setup);
    // One core and 512 MB: what the guide's getOrCreate() picks up from spark-submit's arguments.
    let submit = "--master local[1] --driver-memory 512m --conf spark.ui.enabled=false \
                  --conf spark.sql.shuffle.partitions=1 pyspark-shell";
    let env = [("PYSPARK_SUBMIT_ARGS", submit), ("SPARK_LOCAL_IP", "127.0.0.1")];
    run_python(&setup.env, dir.path(), &python, guide().block("python spark"), &env);
    agree("Spark", &read_result(&dir.path().join("cost-by-model.csv")), &setup.want);
}

#[test]
fn postgres_prices_the_calls_as_cometcat_does() {
    let Some(server) = crate::postgres::Server::start() else {
        return missing("PostgreSQL (initdb, pg_ctl, psql)");
    };
    let setup = setup();
    let dir = workspace(setup);
    let guide = guide();
    std::fs::write(dir.path().join("load.sql"), guide.block("sql postgres")).unwrap();
    let env = server.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for command in ["psql -X -q -v ON_ERROR_STOP=1 -f load.sql", guide.block("sh postgres").trim()] {
        let run = shell(&setup.env, dir.path(), command, &env);
        assert_eq!(run.code, 0, "{command}\n{run}");
    }
    agree("PostgreSQL", &read_result(&dir.path().join("cost-by-model.csv")), &setup.want);
}

#[test]
fn bigquery_statements_parse_as_bigquery() {
    let Some(python) = venv_python("sqlglot") else { return };
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let guide = guide();
    let command = guide.block("sh bigquery").lines().find(|l| l.starts_with("cometcat ")).unwrap();
    let run = shell(&env, dir.path(), command, &[]);
    assert_eq!(run.code, 0, "{run}");
    std::fs::write(dir.path().join("ddl.sql"), guide.block("sql bigquery")).unwrap();
    let check = "import sqlglot, sys\nfrom sqlglot.errors import ErrorLevel\n\
        for name in sys.argv[1:]:\n    statements = sqlglot.parse(open(name).read(), read='bigquery', error_level=ErrorLevel.RAISE)\n    \
        print(name, len([s for s in statements if s is not None]))\n";
    std::fs::write(dir.path().join("check.py"), check).unwrap();
    let out = Command::new(&python)
        .args(["check.py", "price_usage.sql", "ddl.sql"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert_eq!(text, "price_usage.sql 1\nddl.sql 2\n");
    let query = std::fs::read_to_string(dir.path().join("price_usage.sql")).unwrap();
    assert!(query.contains("FROM billing.calls AS u") && query.contains("BIGNUMERIC '0.000001'"), "{query}");
}

/// A catalog of one snapshot from `records` (JSON objects, as the API sends them).
fn catalog_of(env: &Env, records: &str) {
    let envelope = format!(
        "{{\"success\": true, \"page\": 0, \"page_size\": 0, \"fetched_at\": \"2026-01-01T00:00:00Z\", \"data\": [{records}]}}"
    );
    let run = env.run_stdin(&["sync", "--from", "-"], envelope.into_bytes());
    run.success();
}

#[test]
fn parquet_money_reads_back_exactly_in_duckdb() {
    let Some(python) = venv_python("duckdb") else { return };
    let env = Env::new();
    catalog_of(
        &env,
        r#"{"id": "edge", "pricing": {"currency": "USD / M Tokens", "input": "0.000000000000000001", "output": "12345678901234567890.12345678", "per_request": 0}},
           {"id": "none"}, {"id": "rated", "pricing": {"currency": "USD / M Tokens", "per_second": "0.333333333333333333", "ratio": 3}}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    for format in ["parquet", "csv"] {
        let run = env.run(&["export", "--price-book", "--format", format, "--output", dir.path().to_str().unwrap()]);
        run.success();
    }
    // Every cell of the Parquet file, as DuckDB reads it, against the CSV's text.
    let script = r#"
import csv, duckdb
from decimal import Decimal
con = duckdb.connect()
for table in ["price_book", "price_aliases"]:
    got = con.execute(f"SELECT * FROM read_parquet('{table}.parquet')").fetchall()
    want = list(csv.reader(open(f"{table}.csv")))[1:]
    assert len(got) == len(want), (table, got, want)
    for g, w in zip(got, want):
        for cell, text in zip(g, w):
            if cell is None:
                assert text == "", (table, g, w)
            elif isinstance(cell, Decimal):
                assert cell == Decimal(text), (table, cell, text)
            elif isinstance(cell, bool):
                assert str(cell).lower() == text, (table, cell, text)
            elif hasattr(cell, "isoformat"):
                assert cell.strftime("%Y-%m-%dT%H:%M:%SZ") == text, (table, cell, text)
            else:
                assert str(cell) == text, (table, cell, text)
types = con.execute("SELECT name, type, type_length, converted_type, precision, scale FROM parquet_schema('price_book.parquet') WHERE name IN ('valid_from', 'effective_input_price', 'is_current', 'model_id')").fetchall()
print(sorted(types))
"#;
    std::fs::write(dir.path().join("check.py"), script).unwrap();
    let out = Command::new(&python).arg("check.py").current_dir(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert_eq!(
        text.trim(),
        "[('effective_input_price', 'FIXED_LEN_BYTE_ARRAY', '16', 'DECIMAL', 38, 18), \
         ('is_current', 'BOOLEAN', None, None, None, None), ('model_id', 'BYTE_ARRAY', None, 'UTF8', None, None), \
         ('valid_from', 'INT64', None, 'TIMESTAMP_MICROS', None, None)]"
    );
    let book = std::fs::read_to_string(dir.path().join("price_book.csv")).unwrap();
    assert!(book.contains(",0.000000000000000001,12345678901234567890.12345678,0,"), "{book}");
    assert!(book.contains(",0.999999999999999999,true"), "{book}");
}

#[test]
fn a_price_beyond_decimal_38_18_is_unpriced_there_and_seconds_round_as_cometcat_reads_them() {
    let Some(python) = venv_python("duckdb") else { return };
    let env = Env::new();
    catalog_of(
        &env,
        r#"{"id": "nineteen", "pricing": {"currency": "USD / M Tokens", "input": "0.0000000000000000001", "output": 1}},
           {"id": "video", "pricing": {"currency": "USD / M Tokens", "per_second": 0.1}}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let calls = "model,time,input_tokens,output_tokens,requests,seconds\n\
                 nineteen,2026-02-01T00:00:00Z,1000000,1000000,1,\n\
                 video,2026-02-01T00:00:00Z,0,0,1,1.1234565\n\
                 video,2026-02-01T00:00:00Z,0,0,1,2.5000015000000000001\n";
    std::fs::write(dir.path().join("usage.csv"), calls).unwrap();
    let lines = "{\"model\":\"nineteen\",\"time\":\"2026-02-01T00:00:00Z\",\"input_tokens\":1000000,\"output_tokens\":1000000}\n\
                 {\"model\":\"video\",\"time\":\"2026-02-01T00:00:00Z\",\"requests\":1,\"seconds\":1.1234565}\n\
                 {\"model\":\"video\",\"time\":\"2026-02-01T00:00:00Z\",\"requests\":1,\"seconds\":2.5000015000000000001}\n";
    std::fs::write(dir.path().join("usage.jsonl"), lines).unwrap();
    let export = shell(&env, dir.path(), "cometcat export --price-book --format parquet --output price-book", &[]);
    assert!(export.stderr.contains("warning: nineteen in every snapshot: effective_input_price"), "{export}");
    run_python(&env, dir.path(), &python, guide().block("python duckdb"), &[]);
    // DuckDB leaves the first unpriced (the price has 19 decimal places) and rounds seconds as cometcat does.
    let got = read_result(&dir.path().join("cost-by-model.csv"));
    let row = |records, unpriced, cost: Option<&str>, seconds: &str| Row {
        records,
        unpriced,
        cost: cost.map(str::to_owned),
        seconds: seconds.into(),
        ..Row::default()
    };
    // cometcat prices all three calls, with its 28 decimal places.
    let file = dir.path().join("usage.jsonl");
    let report = env.run(&["usage", file.to_str().unwrap(), "--at", "record", "--format", "json"]).success().json();
    let costs: Vec<(&str, &str)> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["cost"].as_str().unwrap()))
        .collect();
    // Seconds to the microsecond, half to even: 1.123456 (a tie), 2.500002 (past one).
    assert_eq!(costs, [("nineteen", "1.0000000000000000001"), ("video", "0.3623458")]);
    let nineteen = Row { input_tokens: 1_000_000, output_tokens: 1_000_000, requests: 1, ..row(1, 1, None, "0") };
    assert_eq!(got[&Some("nineteen".into())], nineteen, "a price DECIMAL(38,18) cannot hold");
    let video = Row { requests: 2, ..row(2, 0, Some("0.3623458"), "3.623458") };
    assert_eq!(got[&Some("video".into())], video, "seconds past the microsecond");
}

#[tokio::test]
async fn the_guides_refresh_runs_as_written() {
    // The API serves a month later than the catalog holds.
    let server = wiremock::MockServer::start().await;
    let pages = crate::common::pager(crate::common::records("catalog-v3.json"), 100);
    wiremock::Mock::given(wiremock::matchers::path("/api/models")).respond_with(pages).mount(&server).await;
    let env = Env::new();
    env.import("catalog-v1-dated.json").import("catalog-v2.json");
    let dir = tempfile::tempdir().unwrap();
    let guide = guide();
    let refresh = guide.blocks("sh").nth(1).expect("the refresh block");
    for command in refresh.lines() {
        let run = shell(&env, dir.path(), command, &[("COMETCAT_BASE_URL", &server.uri())]);
        assert_eq!(run.code, 0, "{command}\n{run}");
    }
    let parquet = std::fs::read(dir.path().join("price-book/price_book.parquet")).unwrap();
    assert!(parquet.starts_with(b"PAR1"));
    // The book holds the new snapshot: gpt-5's third price, current.
    let run = shell(&env, dir.path(), "cometcat export --price-book --output csv-book -q", &[]);
    assert_eq!(run.code, 0, "{run}");
    let book = std::fs::read_to_string(dir.path().join("csv-book/price_book.csv")).unwrap();
    let gpt5: Vec<&str> = book.lines().filter(|l| l.starts_with("gpt-5,")).collect();
    assert_eq!(gpt5.len(), 3, "{book}");
    assert!(gpt5[2].ends_with(",1,10,,,0.8,0.8,8,,,true"), "{}", gpt5[2]);
    let cron = guide.block("crontab");
    let steps = "cometcat sync -q && cometcat export --price-book --format parquet --output ";
    assert!(refresh.starts_with("cometcat sync\ncometcat export --price-book --format parquet --output "));
    assert!(cron.contains(steps), "the crontab runs the same steps: {cron}");
}
