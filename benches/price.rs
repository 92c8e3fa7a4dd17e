//! `cargo bench --bench price`: whole-process wall time of `rank` over a
//! 100,000-model catalog and of `estimate` with 1,000 and 100,000 items (and
//! against a baseline of as many). Prints figures; asserts nothing about speed.
//!
//! Targets: `rank` under 500 ms; `estimate` with 1,000 items under 200 ms;
//! 100,000 items in a few seconds (it was quadratic: 32,000 took 24 s).

mod common;

const RUNS: usize = 11;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog.json");
    common::write_catalog(&file, 100_000);
    let db = dir.path().join("catalog.db");
    common::run(&db, &["sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"]);

    let workload = dir.path().join("workload.toml");
    std::fs::write(&workload, items(1_000)).unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, items(100_000)).unwrap();
    let baseline = dir.path().join("baseline.json");
    let status = std::process::Command::new(common::bin())
        .args(["estimate", big.to_str().unwrap(), "--allow-unpriced", "--format", "json"])
        .env("COMETCAT_DB", &db)
        .stdout(std::fs::File::create(&baseline).unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the baseline report");

    let cases: [(&str, Vec<&str>, &str); 6] = [
        (
            "rank (all 100,000 models)",
            vec!["rank", "--input-tokens", "1000", "--output-tokens", "200", "--top", "10", "--format", "json"],
            "500 ms",
        ),
        (
            "rank --type text --feature image-to-text",
            vec!["rank", "--type", "text", "--feature", "image-to-text", "--input-tokens", "1000", "--top", "10"],
            "500 ms",
        ),
        (
            "estimate, 1,000 items (json)",
            vec!["estimate", workload.to_str().unwrap(), "--allow-unpriced", "--format", "json"],
            "200 ms",
        ),
        (
            "estimate, 1,000 items (markdown)",
            vec!["estimate", workload.to_str().unwrap(), "--allow-unpriced", "--format", "markdown"],
            "200 ms",
        ),
        (
            "estimate, 100,000 items (json)",
            vec!["estimate", big.to_str().unwrap(), "--allow-unpriced", "--format", "json"],
            "a few s",
        ),
        (
            "estimate, 100,000 items vs a baseline of them",
            vec!["estimate", big.to_str().unwrap(), "--allow-unpriced", "--baseline", baseline.to_str().unwrap()],
            "a few s",
        ),
    ];
    println!("over a 100,000-model catalog, median of {RUNS} runs:");
    for (name, args, target) in &cases {
        let runs = if name.contains("100,000 items") { 3 } else { RUNS };
        let t = common::time(&db, args, runs);
        println!("  {name:<46} median {:>9}, best {:>9} (target {target})", common::ms(t.median), common::ms(t.best));
    }
}

/// `n` items over models spread through the catalog, by id and by code.
fn items(n: usize) -> String {
    let mut toml = String::new();
    for i in 0..n {
        let m = i * 97 % 100_000;
        let (code, _) = common::PROVIDERS[m % common::PROVIDERS.len()];
        let model = if i % 2 == 0 { format!("{code}/model-{m:06}") } else { format!("{code}-model-{m:06}") };
        let per_second = m % 10 == 9;
        toml.push_str(&format!(
            "[[item]]\nname = \"item-{i}\"\nmodel = \"{model}\"\nrequests = {}\ninput_tokens = {}\noutput_tokens = {}\n{}\n",
            1_000 + i,
            500 + i,
            100 + i,
            if per_second { "seconds = 8\n" } else { "" }
        ));
    }
    toml
}
