//! `cargo bench --bench usage`: whole-process throughput and peak memory of
//! `usage` over a generated 1,000,000-record mixed log, at the prices of now,
//! at each record's time, and with 5 `--what-if` models. Prints figures;
//! asserts nothing about speed.
//!
//! Targets: at least 500,000 records/s, with peak RSS at most 64 MB.

mod common;

use std::io::Write;

const RECORDS: usize = 1_000_000;
const RUNS: usize = 5;

/// Every kind of record a log holds: the one-line fixtures (responses,
/// envelopes, log lines, resolved and unknown names).
const SOURCES: [&str; 4] = ["mixed.jsonl", "envelopes.jsonl", "generic.jsonl", "resolution.jsonl"];

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    // Three months of catalog: prices change between the snapshots.
    for name in ["catalog-v1-dated.json", "catalog-v2.json", "catalog-v3.json"] {
        let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        common::run(&db, &["sync", "--from", &path, "--max-body", "1G", "-q"]);
    }
    let log = dir.path().join("usage.jsonl");
    let bytes = write_log(&log);
    let log = log.to_str().unwrap();
    println!("a {RECORDS}-record mixed log ({:.0} MB); median of {RUNS} runs:", bytes as f64 / 1e6);
    let what_if = ["gpt-5-mini", "gemini-2.5-flash", "claude-haiku-4-5", "gpt-4.1-mini", "deepseek-v4-pro"];
    let what_ifs: Vec<&str> = what_if.iter().flat_map(|m| ["--what-if", m]).collect();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("--at now (default)", vec![]),
        ("--at record", vec!["--at", "record"]),
        ("5 --what-if models", what_ifs),
        ("--by tag:team --at record", vec!["--by", "tag:team", "--at", "record"]),
        ("--per-record (1M JSON lines out)", vec!["--per-record"]),
    ];
    for (name, extra) in &cases {
        let args: Vec<&str> = [&["usage", log, "--allow-unpriced", "--format", "json"][..], extra].concat();
        let args: Vec<&str> = if extra.contains(&"--per-record") {
            args.into_iter().filter(|a| !["--format", "json"].contains(a)).collect()
        } else {
            args
        };
        let t = common::time(&db, &args, RUNS);
        if !extra.contains(&"--per-record") {
            let report: serde_json::Value = serde_json::from_str(&t.stdout).unwrap();
            assert_eq!(report["totals"]["records"], RECORDS as u64, "every record was read");
        }
        let rate = RECORDS as f64 / t.median.as_secs_f64();
        println!(
            "  {name:<34} median {:>10} ({:>7.0}k records/s), best {:>10}, peak RSS {:>5.1} MiB",
            common::ms(t.median),
            rate / 1e3,
            common::ms(t.best),
            t.max_rss_kib as f64 / 1024.0
        );
    }
}

/// Writes the log: the fixtures' lines over and over, each given a time
/// spread over August to November 2026 (so `--at record` uses every
/// snapshot, and some records come before the first); returns its size.
fn write_log(path: &std::path::Path) -> u64 {
    let mut lines: Vec<serde_json::Value> = Vec::new();
    for name in SOURCES {
        let text = std::fs::read_to_string(format!("{}/fixtures/usage/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        lines.extend(text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()));
    }
    let start: i64 = 1_785_542_400; // 2026-08-01T00:00:00Z
    let span: i64 = 122 * 86_400;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..RECORDS {
        let mut line = lines[i % lines.len()].clone();
        // Every 50th record has no time: it is priced on the current snapshot.
        if i % 50 != 0 {
            line["time"] = serde_json::json!(start + (i as i64 * 7919) % span);
        }
        serde_json::to_writer(&mut out, &line).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}
