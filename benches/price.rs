//! `cargo bench --bench price`: whole-process wall time of `rank` over a
//! 100,000-model catalog and of `estimate` with 1,000 items. Prints figures;
//! asserts nothing about speed.
//!
//! Targets: `rank` under 500 ms; `estimate` with 1,000 items under 200 ms.

mod common;

const RUNS: usize = 11;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog.json");
    common::write_catalog(&file, 100_000);
    let db = dir.path().join("catalog.db");
    common::run(&db, &["sync", "--from", file.to_str().unwrap(), "-q"]);

    // 1,000 items over models spread through the catalog, by id and by code.
    let mut toml = String::new();
    for i in 0..1_000 {
        let n = i * 97;
        let (code, _) = common::PROVIDERS[n % common::PROVIDERS.len()];
        let model = if i % 2 == 0 { format!("{code}/model-{n:06}") } else { format!("{code}-model-{n:06}") };
        let per_second = n % 10 == 9;
        toml.push_str(&format!(
            "[[item]]\nname = \"item-{i}\"\nmodel = \"{model}\"\nrequests = {}\ninput_tokens = {}\noutput_tokens = {}\n{}\n",
            1_000 + i,
            500 + i,
            100 + i,
            if per_second { "seconds = 8\n" } else { "" }
        ));
    }
    let workload = dir.path().join("workload.toml");
    std::fs::write(&workload, toml).unwrap();

    let cases: [(&str, Vec<&str>, &str); 4] = [
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
    ];
    println!("over a 100,000-model catalog, median of {RUNS} runs:");
    for (name, args, target) in &cases {
        let t = common::time(&db, args, RUNS);
        println!("  {name:<42} median {:>9}, best {:>9} (target {target})", common::ms(t.median), common::ms(t.best));
    }
}
