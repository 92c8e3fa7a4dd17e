//! `cargo bench --bench limits`: the front-door figures of issue 18, each
//! printed with the command that produced it. Whole-process wall time,
//! median of several runs; asserts nothing about speed.
//!
//! Targets (issue 18): the 4,619-model query ≤ 7 ms; the 100,000-model
//! filtered query ≤ 25 ms.

mod common;

use std::io::Write;

const RUNS: usize = 21;

/// Record `i` of the synthetic catalog, with `reasoning` among the features
/// of one text model in five (the real catalog's `--feature reasoning`).
fn record(i: usize) -> String {
    let r = common::record(i);
    if i % 10 < 7 && i.is_multiple_of(5) { r.replacen(r#"-to-text"]"#, r#"-to-text", "reasoning"]"#, 1) } else { r }
}

fn write_catalog(path: &std::path::Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "{{\"success\": true, \"page\": 0, \"page_size\": 0, \"total\": {n}, \"data\": [").unwrap();
    for i in 0..n {
        write!(out, "{}{}", if i == 0 { "" } else { ",\n" }, record(i)).unwrap();
    }
    writeln!(out, "\n]}}").unwrap();
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(usize, &[&[&str]]); 2] = [
        (
            4_619,
            &[
                &["models", "--feature", "reasoning", "--format", "csv"],
                &["models", "--feature", "reasoning", "--format", "csv", "-q"],
            ],
        ),
        (
            100_000,
            &[
                &["models", "--feature", "reasoning", "--format", "csv"],
                // A feature no model has: the listing is empty, and its note lists the features there are.
                &["models", "--feature", "reasonin", "--format", "csv"],
                &["models", "--feature", "reasonin", "--format", "csv", "-q"],
                &[
                    "models",
                    "--feature",
                    "image-to-text",
                    "--provider",
                    "openai",
                    "--max-input-price",
                    "5",
                    "--format",
                    "json",
                ],
            ],
        ),
    ];
    for (n, commands) in cases {
        let file = dir.path().join(format!("catalog-{n}.json"));
        write_catalog(&file, n);
        let db = dir.path().join(format!("catalog-{n}.db"));
        common::run(&db, &["sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"]);
        std::fs::remove_file(&file).unwrap();
        println!("{n} models (median of {RUNS} runs):");
        for args in commands {
            let t = common::time(&db, args, RUNS);
            let (bare, bare_best) = common::time_bare(&db, args, RUNS);
            println!(
                "  {:<100} median {:>9}, best {:>9} · as hyperfine runs it: median {:>9}, best {:>9}",
                format!("`cometcat {}`", args.join(" ")),
                common::ms(t.median),
                common::ms(t.best),
                common::ms(bare),
                common::ms(bare_best)
            );
        }
    }
}
