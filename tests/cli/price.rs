//! Pricing a workload: `cost`, `rank`, and the `estimate` CI gate. Expected
//! figures are worked out by hand from docs/money.md and the fixture's prices.

use serde_json::json;

use crate::common::{Env, fixture};
use crate::snap;

fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog.json");
    env
}

fn workload(name: &str) -> String {
    fixture(&format!("workloads/{name}")).to_str().unwrap().to_owned()
}

#[test]
fn cost_agrees_with_the_formula_to_the_last_digit() {
    let env = catalog();
    let run = env.run(&[
        "cost",
        "gpt-5",
        "claude-haiku-4-5",
        "flux-2-pro",
        "--input-tokens",
        "1200",
        "--output-tokens",
        "350",
        "--requests",
        "30000",
        "--format",
        "json",
    ]);
    // gpt-5: 1200 × 1.25 × 0.8 / 1e6 + 350 × 10 × 0.8 / 1e6 = 0.004 per call; list 0.005.
    // claude-haiku-4-5 (a code): 1200 × 0.8 / 1e6 + 350 × 4 / 1e6 = 0.00236; list 0.00295.
    // flux-2-pro: 0.04 per request, ratio 1; tokens are not priced.
    let costs: Vec<(String, String, String)> = run
        .success()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().into(),
                r["cost"].as_str().unwrap().into(),
                r["list_cost"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        costs,
        [
            ("gpt-5".into(), "120".into(), "150".into()),
            ("claude-haiku-4-5-20251001".into(), "70.8".into(), "88.5".into()),
            ("flux-2-pro".into(), "1200".into(), "1200".into()),
        ]
    );
}

#[test]
fn cost_is_exact_for_tiny_and_tenth_prices() {
    let env = catalog();
    let tenth = r#"[{"id": "tenth", "pricing": {"input": 0.1, "output": 0.2}}]"#;
    env.run_stdin(&["sync", "--from", "-"], tenth.as_bytes().to_vec()).success();
    let run = env.run(&["cost", "tenth", "--input-tokens", "1M", "--output-tokens", "1M", "--format", "json"]);
    assert_eq!(run.success().json()[0]["cost"], "0.3", "0.1 + 0.2 is exactly 0.3");
    env.import("catalog.json");
    let run = env.run(&[
        "cost",
        "bge-m3",
        "gpt-4o-mini-transcribe",
        "--input-tokens",
        "1",
        "--seconds",
        "1",
        "--format",
        "json",
    ]);
    let rows = run.success().json();
    assert_eq!(rows[0]["cost"], "0.0000000000001", "1e-7 per 1M tokens, for one token");
    assert_eq!(rows[1]["cost"], "0.0000277778");
    assert_eq!(rows[1]["seconds"], json!(1));
}

#[test]
fn cost_writes_every_format() {
    let env = catalog();
    let args = [
        "cost",
        "gpt-5",
        "veo3-fast",
        "claude-sonnet-4-6",
        "--input-tokens",
        "2000",
        "--output-tokens",
        "500",
        "--seconds",
        "8",
        "--requests",
        "10",
    ];
    for format in ["table", "json", "csv", "markdown"] {
        snap!(format!("cost_{format}"), env.run(&[&args[..], &["--format", format]].concat()));
    }
    snap!("cost_list_price", env.run(&[&args[..], &["--list-price"]].concat()));
}

#[test]
fn a_free_model_costs_zero_and_is_not_unpriced() {
    let env = catalog();
    let row =
        &env.run(&["cost", "omni-moderation-latest", "--input-tokens", "1M", "--format", "json"]).success().json()[0];
    assert_eq!((row["cost"].as_str(), row["unpriced"].as_bool()), (Some("0"), Some(false)));
}

#[test]
fn unknown_and_unpriced_models_are_listed_and_exit_4() {
    let env = catalog();
    let run = env.run(&["cost", "gpt-5", "mystery-model", "gpt5-mini", "gpt-oss-120b", "--input-tokens", "1000"]);
    assert_eq!(run.code, 4);
    snap!(run);
    let json = env.run(&["cost", "gpt5-mini", "--requests", "1", "--format", "json"]);
    assert_eq!(json.code, 4);
    assert_eq!(json.json()[0]["cost"], serde_json::Value::Null);
    assert_eq!(json.json()[0]["unpriced"], true);
}

#[test]
fn a_per_second_model_without_seconds_is_a_usage_error() {
    let env = catalog();
    let run = env.run(&["cost", "gpt-5", "veo3", "--input-tokens", "100"]);
    assert_eq!(run.code, 2);
    snap!(run);
    assert!(run.stdout.is_empty(), "nothing is printed before the error");
}

#[test]
fn a_cost_too_large_to_hold_is_unpriced_never_wrapped() {
    let env = catalog();
    let max = u64::MAX.to_string();
    // A cost that cannot be held exactly is unpriced, with a warning naming the
    // model and the part: never wrapped or rounded.
    let run = env.run(&["cost", "gpt-5.4-pro", "--input-tokens", &max, "--requests", &max]);
    assert_eq!(run.code, 4);
    snap!(run);
    let run = env.run(&["cost", "gpt-5", "--input-tokens", "18446744073709551616"]);
    assert_eq!(run.code, 2, "a token count beyond u64 is refused: {run}");
}

#[test]
fn rank_orders_by_cost_then_id_and_counts_what_it_left_out() {
    let env = catalog();
    let run = env.run(&["rank", "--input-tokens", "1M", "--output-tokens", "200K", "--top", "6"]);
    snap!(run);
    // The 2 unpriced models are left out; models that price input tokens but not
    // output tokens are never ranked at $0 for them; and the 8 models priced per call
    // and 9 per second bill no tokens: left out of a token workload, unless --any-pricing.
    assert!(run.stderr.contains("left out 2 unpriced models"), "{run}");
    assert!(run.stderr.contains("left out 4 models that price tokens but not output tokens"), "{run}");
    assert!(run.stderr.contains("left out 17 models priced per call or per second, which bill no tokens"), "{run}");
    let any = env.run(&["rank", "--input-tokens", "1M", "--output-tokens", "200K", "--any-pricing"]);
    assert!(any.stdout.contains("dall-e-3"), "{any}");
    assert!(any.stderr.contains("left out 9 models priced per second (give --seconds to rank them)"), "{any}");
    let paid = env.run(&["rank", "--input-tokens", "1M", "--no-free", "--top", "1", "--format", "csv"]);
    assert!(!paid.stdout.contains("omni-moderation-latest"), "{paid}");
    assert!(paid.stderr.contains("left out 1 model free for this workload (--no-free)"), "{paid}");
    let ids = |args: &[&str]| -> Vec<String> {
        let run = env.run(&[&["rank", "--format", "json"], args].concat());
        run.success().json().as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    };
    // The dearest: a three-way tie at 12 (by id), after claude-sonnet-4-6 at 3.
    let all = ids(&["--input-tokens", "1M", "--type", "text", "--type", "audio"]);
    assert_eq!(all[all.len() - 4..], ["claude-sonnet-4-6", "claude-opus-4-1", "gpt-5.4-pro", "tts-1"]);
    assert_eq!(
        ids(&["--pricing", "second", "--seconds", "10", "--top", "3"]),
        ["gpt-4o-mini-transcribe", "whisper-1", "hailuo-02"]
    );
    assert_eq!(
        ids(&["--provider", "replicate", "--requests", "1"]),
        ["black-forest-labs/flux-schnell", "flux-2-pro", "black-forest-labs/flux-kontext-pro"]
    );
}

#[test]
fn rank_writes_every_format() {
    let env = catalog();
    let args = [
        "rank",
        "--type",
        "image",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "4000",
        "--requests",
        "100",
        "--top",
        "4",
        // Models priced per call compared with token-priced ones, on purpose.
        "--any-pricing",
    ];
    for format in ["json", "csv", "markdown"] {
        snap!(format!("rank_{format}"), env.run(&[&args[..], &["--format", format]].concat()));
    }
}

fn estimate(env: &Env, file: &str, args: &[&str]) -> crate::common::Run {
    env.run(&[&["estimate", &workload(file)], args].concat())
}

#[test]
fn estimate_totals_agree_with_the_formula() {
    let env = catalog();
    let run = estimate(&env, "app.toml", &["--format", "json"]);
    let report = run.success().json();
    let costs: Vec<(&str, &str)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["cost"].as_str().unwrap()))
        .collect();
    // summarize: (1200 × 0.2 + 350 × 1.6) / 1e6 × 30000; support (by code): (2500 × 0.8 + 400 × 4) / 1e6 × 120000;
    // code-review: (18000 × 1 + 1500 × 8) / 1e6 × 4000; shots: 0.04 × 2500; videos: 0.1 × 8 × 40; embeddings: 800 × 0.016 / 1e6 × 500000.
    assert_eq!(
        costs,
        [
            ("summarize-tickets", "24"),
            ("support-chat", "432"),
            ("code-review", "120"),
            ("product-shots", "100"),
            ("teaser-videos", "32"),
            ("search-embeddings", "6.4")
        ]
    );
    assert_eq!((report["total"].as_str(), report["list_total"].as_str()), (Some("714.4"), Some("860")));
    assert_eq!(report["items"][1]["model"], "claude-haiku-4-5-20251001");
    assert_eq!(report["violations"], json!([]));
}

#[test]
fn estimate_writes_every_format() {
    let env = catalog();
    let base = env.dir.path().join("base.json");
    std::fs::write(&base, estimate(&env, "app.toml", &["--format", "json"]).success().stdout.as_bytes()).unwrap();
    let args = ["--baseline", base.to_str().unwrap(), "--budget", "2000", "--max-increase", "25%"];
    for format in ["table", "json", "csv", "markdown"] {
        let run = estimate(&env, "app-grown.toml", &[&args[..], &["--format", format]].concat());
        assert_eq!(run.code, 0, "{run}");
        snap!(format!("estimate_{format}"), run);
    }
}

#[test]
fn a_baseline_round_trips() {
    let env = catalog();
    let base = env.dir.path().join("base.json");
    let first = estimate(&env, "app.toml", &["--format", "json"]).success().stdout.clone();
    std::fs::write(&base, &first).unwrap();
    let again =
        estimate(&env, "app.toml", &["--format", "json", "--baseline", base.to_str().unwrap(), "--max-increase", "0%"]);
    let report = again.success().json();
    assert_eq!(report["baseline"]["total"], "714.4");
    assert_eq!(report["baseline"]["difference"], "0");
    assert_eq!(report["baseline"]["change_pct"], "0");
    assert!(report["baseline"]["items"].as_array().unwrap().iter().all(|i| i["difference"] == "0"));
    // The report with a baseline block is itself a usable baseline.
    std::fs::write(&base, &again.stdout).unwrap();
    estimate(&env, "app.toml", &["--baseline", base.to_str().unwrap(), "--max-increase", "0"]).success();
}

#[test]
fn an_item_whose_model_changed_shows_old_and_new() {
    let env = catalog();
    let base = env.dir.path().join("base.json");
    let first = estimate(&env, "app.toml", &["--format", "json"]).success().json();
    // The base branch ran code-review on gpt-4.1; this branch runs it on gpt-5.
    let mut earlier = first.clone();
    for item in earlier["items"].as_array_mut().unwrap() {
        if item["name"] == "code-review" {
            item["model"] = "gpt-4.1".into();
        }
    }
    std::fs::write(&base, earlier.to_string()).unwrap();
    let base = base.to_str().unwrap();
    let markdown = estimate(&env, "app.toml", &["--baseline", base, "--format", "markdown"]).success().stdout.clone();
    assert!(markdown.contains("| code-review | `gpt-4.1` → `gpt-5` |"), "{markdown}");
    let table = estimate(&env, "app.toml", &["--baseline", base]).success().stdout.clone();
    assert!(table.contains("gpt-4.1 → gpt-5"), "{table}");
    let json = estimate(&env, "app.toml", &["--baseline", base, "--format", "json"]).success().json();
    let change =
        json["baseline"]["items"].as_array().unwrap().iter().find(|i| i["name"] == "code-review").unwrap().clone();
    assert_eq!(change["model_before"], "gpt-4.1");
}

#[test]
fn every_exit_code_of_the_gate() {
    let env = catalog();
    let base = env.dir.path().join("base.json");
    std::fs::write(&base, estimate(&env, "app.toml", &["--format", "json"]).success().stdout.as_bytes()).unwrap();
    let base = base.to_str().unwrap();
    let cases: &[(&str, &[&str], i32)] = &[
        ("app.toml", &["--budget", "714.4"], 0),
        ("app.toml", &["--budget", "714.39"], 3),
        // +165.92 on 714.4 is +23.2250839...%.
        ("app-grown.toml", &["--baseline", base, "--max-increase", "23.23%"], 0),
        ("app-grown.toml", &["--baseline", base, "--max-increase", "23.225%"], 3),
        ("app-grown.toml", &["--baseline", base, "--max-increase", "165.92"], 0),
        ("app-grown.toml", &["--baseline", base, "--max-increase", "165.91"], 3),
        ("unpriced.toml", &[], 4),
        ("unpriced.toml", &["--allow-unpriced"], 0),
        ("unpriced.toml", &["--budget", "0.1"], 4),
        ("unpriced.toml", &["--allow-unpriced", "--budget", "0.1"], 3),
        ("app.toml", &["--max-catalog-age", "100000d"], 0),
        ("app.toml", &["--max-increase", "10%"], 2),
        ("app.toml", &["--budget", "lots"], 2),
        ("no-such-file.toml", &[], 1),
    ];
    for (file, args, code) in cases {
        let run = estimate(&env, file, args);
        assert_eq!(run.code, *code, "estimate {file} {args:?}: {run}");
    }
    snap!("policy_wins_over_threshold", estimate(&env, "unpriced.toml", &["--budget", "0.1"]));
}

#[test]
fn an_old_catalog_fails_the_age_check() {
    let env = Env::new();
    env.import("catalog-v2.json");
    let run = estimate(&env, "app.toml", &["--max-catalog-age", "7d", "--format", "json"]);
    assert_eq!(run.code, 4, "{run}");
    let violations = run.json()["violations"].clone();
    assert_eq!(violations[0]["kind"], "catalog_age");
    assert!(
        violations[0]["message"].as_str().unwrap().starts_with("the catalog was fetched at 2026-10-01T08:00:00Z (")
    );
    assert_eq!(run.json()["catalog"]["synced_at"], "2026-10-01T08:00:00Z");
}

#[test]
fn a_file_cannot_make_a_catalog_look_fresher_than_its_import() {
    let env = Env::new();
    let text = std::fs::read_to_string(fixture("catalog-v2.json")).unwrap();
    let future =
        text.replacen("\"fetched_at\": \"2026-10-01T08:00:00Z\"", "\"fetched_at\": \"2999-01-01T00:00:00Z\"", 1);
    assert_ne!(future, text, "the fixture carries a fetched_at");
    let run = env.run_stdin(&["sync", "--from", "-", "--format", "json"], future.into_bytes());
    let summary = run.success().json();
    assert!(
        run.stderr
            .contains("warning: stdin: fetched_at 2999-01-01T00:00:00Z is in the future; the import time is used"),
        "{run}"
    );
    let fetched = summary["fetched_at"].as_str().unwrap();
    assert!(fetched < "2999", "{fetched}");
    // Imported just now, so fresh: the gate passes on age.
    assert_eq!(estimate(&env, "app.toml", &["--max-catalog-age", "1h"]).code, 0);
}

#[test]
fn malformed_workload_files_name_the_file_line_and_field() {
    let env = catalog();
    for name in [
        "bad-missing-model.toml",
        "bad-negative.toml",
        "bad-fraction.toml",
        "bad-duplicate.toml",
        "bad-unknown-key.toml",
        "bad-no-seconds.toml",
    ] {
        let run = estimate(&env, name, &[]);
        assert_eq!(run.code, 1, "{name}: {run}");
        assert!(run.stderr.contains(&format!("{name}:")), "{name}: {run}");
        snap!(name.trim_end_matches(".toml").replace('-', "_"), run);
    }
    let bad = env.dir.path().join("broken.json");
    std::fs::write(&bad, "{\"total\": 12").unwrap();
    snap!("bad_baseline", estimate(&env, "app.toml", &["--baseline", bad.to_str().unwrap()]));
    std::fs::write(&bad, "{\"total\": \"a lot\"}").unwrap();
    snap!("bad_baseline_total", estimate(&env, "app.toml", &["--baseline", bad.to_str().unwrap()]));
    // A hand-written baseline with plain numbers is fine.
    std::fs::write(&bad, r#"{"total": 700, "items": [{"name": "code-review", "cost": 100.5}]}"#).unwrap();
    let run = estimate(&env, "app.toml", &["--baseline", bad.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.success().json()["baseline"]["difference"], "14.4");
    assert_eq!(run.json()["baseline"]["items"][2]["difference"], "19.5");
}

#[test]
fn the_pull_request_comment_stays_under_65000_characters() {
    let env = catalog();
    let mut toml = String::new();
    for i in 0..1500 {
        toml.push_str(&format!(
            "[[item]]\nname = \"a-rather-long-item-name-to-fill-the-comment-{i:05}\"\nmodel = \"gpt-5-mini\"\nrequests = {}\ninput_tokens = 1000\n\n",
            i + 1
        ));
    }
    let file = env.dir.path().join("big.toml");
    std::fs::write(&file, toml).unwrap();
    let run = env.run(&["estimate", file.to_str().unwrap(), "--format", "markdown"]);
    let comment = &run.success().stdout;
    assert!(comment.chars().count() < 65_000, "{} characters", comment.chars().count());
    assert!(comment.contains("more items (see `--format json`)"));
    assert!(comment.contains("| **total** |"), "the total row is never cut");
    assert!(comment.contains("catalog snapshot 1"), "the footer is never cut");
}

#[test]
fn an_item_with_tokens_its_model_does_not_price_fails_the_gate() {
    let env = catalog();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.toml");
    let item =
        "[[item]]\nname = \"embed\"\nmodel = \"text-embedding-3-small\"\ninput_tokens = 1000\noutput_tokens = 10\n";
    std::fs::write(&file, item).unwrap();
    let run = env.run(&["estimate", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 4, "{run}");
    let report = run.json();
    assert_eq!(report["items"][0]["unpriced"], true);
    assert_eq!(report["violations"][0]["kind"], "unpriced_model");
    assert!(
        report["violations"][0]["message"].as_str().unwrap().contains("prices input tokens but not output tokens"),
        "{report}"
    );
}
