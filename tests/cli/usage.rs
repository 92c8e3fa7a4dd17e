//! `cometcat usage`: every record kind and billing rule, priced against
//! `fixtures/catalog.json`; the figures are those worked by hand in
//! `fixtures/usage/README.md` and `docs/usage.md`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::{Env, fixture};
use crate::snap;

fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog.json");
    env
}

fn usage_file(name: &str) -> String {
    fixture(&format!("usage/{name}")).to_str().unwrap().to_owned()
}

fn usage(env: &Env, files: &[&str], args: &[&str]) -> crate::common::Run {
    let files: Vec<String> = files.iter().map(|f| usage_file(f)).collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    env.run(&[&["usage"], &files[..], args].concat())
}

/// The totals a report gives, in a fixed order: records, in, out, cached,
/// reasoning, requests, seconds, cost, list cost.
fn totals(report: &Value) -> (u64, u64, u64, u64, u64, u64, String, String, String) {
    let t = &report["totals"];
    let n = |k: &str| t[k].as_u64().unwrap_or_else(|| panic!("{k} in {t}"));
    (
        n("records"),
        n("input_tokens"),
        n("output_tokens"),
        n("cached_tokens"),
        n("reasoning_tokens"),
        n("requests"),
        t["seconds"].to_string(),
        t["cost"].as_str().unwrap().to_owned(),
        t["list_cost"].as_str().unwrap().to_owned(),
    )
}

/// records, in, out, cached, reasoning, requests, seconds, cost, list cost.
type Want = (u64, u64, u64, u64, u64, u64, &'static str, &'static str, &'static str);

#[test]
fn every_record_kind_is_billed_by_its_rule() {
    let env = catalog();
    #[rustfmt::skip]
    let cases: &[(&str, Want)] = &[
        // Cached and reasoning tokens are inside OpenAI's counts: billed once.
        ("openai-chat.json", (1, 1843, 880, 1536, 832, 1, "0", "0.0017766", "0.00222075")),
        // A stream is one record: the chunk that carries usage.
        ("openai-chat-stream.sse", (1, 1290, 9, 1152, 0, 1, "0", "0.00015912", "0.0001989")),
        ("openai-chat-streams-two.sse", (2, 3052, 542, 2048, 512, 2, "0", "0.0003568", "0.000446")),
        // A stream cut before [DONE] ends where the next id begins.
        ("openai-chat-streams-no-done.sse", (2, 3052, 542, 2048, 512, 2, "0", "0.0003568", "0.000446")),
        ("openai-responses.json", (1, 2540, 941, 1792, 896, 1, "0", "0.010068", "0.012585")),
        ("openai-responses-stream.sse", (1, 1486, 19, 1280, 0, 1, "0", "0.00049984", "0.0006248")),
        ("openai-embeddings.json", (1, 27, 0, 0, 0, 1, "0", "0.000000432", "0.00000054")),
        // Anthropic's cache tokens are outside input_tokens: added.
        ("anthropic-message.json", (1, 11160, 52, 9320, 0, 1, "0", "0.03426", "0.03426")),
        ("anthropic-stream.sse", (1, 4010, 16, 1800, 0, 1, "0", "0.003272", "0.00409")),
        // A later message_delta's usage overrides message_start's.
        ("anthropic-stream-web-search.sse", (1, 10682, 86, 0, 0, 1, "0", "0.033336", "0.033336")),
        // Gemini: tool-use prompt is input, thoughts are output.
        ("gemini.json", (1, 9285, 1379, 2048, 977, 1, "0", "0.0049864", "0.006233")),
        // A stream's last chunk holds the totals; chunks are not added up.
        ("gemini-stream.sse", (1, 812, 1258, 0, 1231, 1, "0", "0.010876", "0.013595")),
        ("openai-image-envelope.json", (1, 37, 4160, 0, 0, 1, "0", "0.133268", "0.166585")),
        ("openai-image-gateway.json", (1, 29, 1056, 0, 0, 1, "0", "0.033908", "0.042385")),
        ("openai-image-dalle3-envelope.json", (1, 0, 0, 0, 0, 1, "0", "0.04", "0.04")),
        // seconds as a string.
        ("openai-video.json", (1, 0, 0, 0, 0, 1, "8", "0.8", "0.8")),
        // usage.seconds is billed, not duration.
        ("transcription-duration.json", (1, 0, 0, 0, 0, 1, "42", "0.0042", "0.0042")),
        // A generic line's tokens and seconds are its totals: `requests` multiplies
        // only the price per call (3 calls of 1,550 tokens in all; veo3-fast 8 s in all).
        ("generic.jsonl", (10, 1003940, 1700, 0, 0, 17, "80", "2.252514768", "2.252914768")),
        ("envelopes.jsonl", (9, 8927, 418, 4864, 320, 9, "7", "1.339074688", "1.36376836")),
        ("array.json", (3, 1500, 150, 0, 0, 3, "0", "0.00072", "0.0009")),
    ];
    for (file, want) in cases {
        let run = usage(&env, &[file], &["--json"]);
        assert_eq!(run.code, 0, "{file}: {run}");
        let report = run.json();
        let got = totals(&report);
        let want =
            (want.0, want.1, want.2, want.3, want.4, want.5, want.6.to_owned(), want.7.to_owned(), want.8.to_owned());
        assert_eq!(got, want, "{file}");
        assert_eq!(report["totals"]["priced"], want.0, "{file}: every record priced");
    }
}

#[test]
fn the_mixed_log_matches_the_hand_worked_example() {
    let env = catalog();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(usage_file("mixed.expected.json")).unwrap()).unwrap();
    let report = usage(&env, &["mixed.jsonl"], &["--json", "--allow-unpriced"]).success().json();
    let t = &report["totals"];
    for (key, want) in expected["totals"].as_object().unwrap() {
        assert_eq!(&t[key], want, "totals.{key}");
    }
    let by_key = |groups: &Value| -> BTreeMap<String, Value> {
        groups
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let fields = ["records", "input_tokens", "output_tokens", "requests", "seconds", "cost"];
                let kept: serde_json::Map<String, Value> =
                    fields.iter().map(|f| (f.to_string(), g[*f].clone())).collect();
                (g["key"].as_str().unwrap().to_owned(), Value::Object(kept))
            })
            .collect()
    };
    assert_eq!(by_key(&report["groups"]), by_key(&expected["groups_by_model"]));
    let teams = usage(&env, &["mixed.jsonl"], &["--json", "--allow-unpriced", "--by", "tag:team"]).success().json();
    let costs: BTreeMap<&str, &str> = teams["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["cost"].as_str().unwrap()))
        .collect();
    assert_eq!(costs, BTreeMap::from([("marketing", "1.093328"), ("search", "0.01819048"), ("support", "0.069819")]));
    let days = usage(&env, &["mixed.jsonl"], &["--json", "--allow-unpriced", "--by", "day"]).success().json();
    assert_eq!(
        days["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["key"].clone(), g["records"].clone(), g["cost"].clone()))
            .collect::<Vec<_>>(),
        [(json!("2026-09-14"), json!(7), json!("0.99400748")), (json!("2026-09-15"), json!(5), json!("0.18733"))]
    );
    let providers = usage(&env, &["mixed.jsonl"], &["--json", "--allow-unpriced", "--by", "provider"]).success().json();
    let records: u64 = providers["groups"].as_array().unwrap().iter().map(|g| g["records"].as_u64().unwrap()).sum();
    assert_eq!(records, 12, "every record is in one provider group");
    assert_eq!(report["notes"][0], "cached tokens are billed at the input price: the catalog lists no cache price");
}

#[test]
fn unknown_and_unpriced_are_listed_and_never_priced_as_zero() {
    let env = catalog();
    let run = usage(&env, &["unknown-unpriced.jsonl"], &["--json"]);
    assert_eq!(run.code, 4, "{run}");
    let report = run.json();
    let t = &report["totals"];
    assert_eq!(
        (t["records"].clone(), t["priced"].clone(), t["unknown"].clone(), t["unpriced"].clone()),
        (json!(6), json!(0), json!(2), json!(4))
    );
    assert_eq!(
        (t["input_tokens"].clone(), t["output_tokens"].clone(), t["cost"].clone()),
        (json!(2998), json!(970), json!("0"))
    );
    assert!(report["groups"].as_array().unwrap().iter().all(|g| g["cost"].is_null()), "no group is $0");
    assert_eq!(
        report["unknown"],
        json!([{"model": "gemini-1.5-flash-002", "records": 1}, {"model": "llama-3.1-8b-instruct", "records": 1}])
    );
    let reasons: Vec<(&str, &str)> = report["unpriced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["model"].as_str().unwrap(), u["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("gpt-4o-mini-transcribe", "priced per second, and the record gives no seconds"),
            ("gpt-oss-120b", "the catalog lists no price"),
            ("mystery-model", "the catalog lists no price"),
            ("sora-2", "priced per second, and the record gives no seconds"),
        ]
    );
    assert!(
        run.stderr.contains("violation: \"llama-3.1-8b-instruct\" is not in the catalog (1 record) (unknown_model)"),
        "{run}"
    );
    let allowed = usage(&env, &["unknown-unpriced.jsonl"], &["--allow-unpriced"]);
    assert_eq!(allowed.code, 0, "{allowed}");
    assert!(
        allowed.stdout.contains("unpriced: sora-2: priced per second, and the record gives no seconds (1 record)"),
        "{allowed}"
    );
}

#[test]
fn unreadable_lines_are_named_by_file_and_line() {
    let env = catalog();
    let run = usage(&env, &["unreadable.jsonl"], &["--json"]);
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    assert_eq!(report["totals"]["records"], 2);
    assert_eq!(report["totals"]["unreadable"], 7);
    assert_eq!(report["totals"]["cost"], "0.0001168");
    let lines: Vec<u64> =
        report["unreadable"].as_array().unwrap().iter().map(|u| u["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 4, 5, 7, 8, 9]);
    let file = usage_file("unreadable.jsonl");
    assert!(run.stderr.contains(&format!("unreadable: {file}:2: ")), "{run}");
    assert!(run.stderr.contains(&format!("unreadable: {file}:8: it names a model but gives none of")), "{run}");
    let skipped = usage(&env, &["unreadable.jsonl"], &["--skip-unreadable"]);
    assert_eq!(skipped.code, 0, "{skipped}");
    assert!(skipped.stderr.contains(&format!("skipped: {file}:9: null, not a record")), "{skipped}");
    assert!(skipped.stdout.contains("records: 2 priced, 0 unknown, 0 unpriced; 7 lines unreadable"), "{skipped}");
}

#[test]
fn the_exit_code_is_4_over_3_over_1() {
    let env = catalog();
    // mixed: total 1.18133748, one unknown and one unpriced record.
    assert_eq!(usage(&env, &["mixed.jsonl"], &["--budget", "1.18133748", "--allow-unpriced"]).code, 0);
    let over = usage(&env, &["mixed.jsonl"], &["--budget", "1.18", "--allow-unpriced"]);
    assert_eq!(over.code, 3, "{over}");
    assert!(
        over.stdout.contains("violation: the total, $1.18 (1.18133748), exceeds the budget of $1.18 (budget)"),
        "{over}"
    );
    assert_eq!(usage(&env, &["mixed.jsonl"], &["--budget", "1.18"]).code, 4, "4 wins over 3");
    assert_eq!(
        usage(&env, &["unreadable.jsonl", "mixed.jsonl"], &["--budget", "1.18", "--allow-unpriced"]).code,
        3,
        "3 over 1"
    );
    assert_eq!(usage(&env, &["unreadable.jsonl", "mixed.jsonl"], &["--allow-unpriced"]).code, 1);
    assert_eq!(usage(&env, &["unreadable.jsonl", "unknown-unpriced.jsonl"], &[]).code, 4, "4 over 1");
    let csv = usage(&env, &["mixed.jsonl"], &["--budget", "1", "--allow-unpriced", "--format", "csv"]);
    assert_eq!(csv.code, 3);
    assert!(
        csv.stderr.contains("violation: the total, $1.18 (1.18133748), exceeds the budget of $1.00 (budget)"),
        "{csv}"
    );
}

#[test]
fn models_resolve_in_order_and_never_by_closeness() {
    let env = catalog();
    let run = usage(&env, &["resolution.jsonl"], &["--json", "--allow-unpriced"]);
    let report = run.success().json();
    let t = &report["totals"];
    assert_eq!((t["records"].clone(), t["priced"].clone(), t["unknown"].clone()), (json!(16), json!(13), json!(3)));
    assert_eq!((t["cost"].as_str(), t["list_cost"].as_str()), (Some("0.446508"), Some("0.45701")));
    let resolved: BTreeMap<&str, (&str, &str)> = report["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), (r["model"].as_str().unwrap(), r["how"].as_str().unwrap())))
        .collect();
    assert_eq!(
        resolved,
        BTreeMap::from([
            ("claude-haiku-4-5", ("claude-haiku-4-5-20251001", "code")),
            ("gpt-5-4-pro", ("gpt-5.4-pro", "code")),
            ("GPT-5", ("gpt-5", "case")),
            ("Claude-Haiku-4-5", ("claude-haiku-4-5-20251001", "case")),
            ("models/gemini-2.5-flash", ("gemini-2.5-flash", "prefix")),
            ("gpt-4o-mini-2024-07-18", ("gpt-4o-mini", "date")),
            ("gpt-5-2025-08-07", ("gpt-5", "date")),
            ("claude-sonnet-4-5-20250929", ("claude-sonnet-4-5", "date")),
            ("claude-sonnet-4-6-20250929", ("claude-sonnet-4-6", "date")),
            ("sora-2-2025-10-06", ("sora-2", "date")),
        ])
    );
    let unknown: Vec<&str> =
        report["unknown"].as_array().unwrap().iter().map(|u| u["model"].as_str().unwrap()).collect();
    assert_eq!(
        unknown,
        ["claude-3-5-sonnet-20241022", "gpt-5-min", "my-fine-tune"],
        "gpt-5-min is never taken for gpt-5-mini"
    );

    let aliased =
        usage(&env, &["resolution.jsonl"], &["--json", "--allow-unpriced", "--alias", "my-fine-tune=gpt-4o-mini"]);
    let report = aliased.success().json();
    assert_eq!((report["totals"]["priced"].clone(), report["totals"]["cost"].clone()), (json!(14), json!("0.446676")));
    assert!(
        report["resolved"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "my-fine-tune", "model": "gpt-4o-mini", "how": "alias", "records": 1}))
    );
}

#[test]
fn command_line_mistakes_are_caught_before_reading() {
    let env = catalog();
    let run = usage(&env, &["mixed.jsonl"], &["--what-if", "gpt-5-min"]);
    assert_eq!(run.code, 4, "{run}");
    assert!(run.stderr.contains("--what-if: ") && run.stderr.contains("gpt-5-mini"), "a suggestion: {run}");
    let run = usage(&env, &["mixed.jsonl"], &["--alias", "x=nope-model"]);
    assert_eq!(run.code, 4, "{run}");
    for bad in [
        ["--alias", "no-equals"],
        ["--alias", "=gpt-5"],
        ["--by", "team"],
        ["--by", "tag:"],
        ["--at", "then"],
        ["--budget", "-1"],
    ] {
        let run = usage(&env, &["mixed.jsonl"], &bad);
        assert_eq!(run.code, 2, "{bad:?}: {run}");
    }
    let run = usage(&env, &["no-such-file.jsonl"], &[]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.ends_with("no-such-file.jsonl: no such file\n"), "{run}");
    let run = usage(&env, &["mixed.jsonl"], &["--per-record", "--json"]);
    assert_eq!(run.code, 2, "--per-record has its own output: {run}");
}

#[test]
fn usage_never_prices_against_the_bundled_sample() {
    let env = Env::new();
    let run = usage(&env, &["openai-chat.json"], &[]);
    assert_eq!(run.code, 4, "{run}");
    assert!(run.stderr.contains("no catalog synced: `usage` never prices against the bundled sample catalog"), "{run}");
}

#[test]
fn stdin_is_read_when_no_file_or_dash_is_given() {
    let env = catalog();
    let stream = std::fs::read(usage_file("anthropic-stream.sse")).unwrap();
    for args in [&["usage", "--json"][..], &["usage", "-", "--json"]] {
        let run = env.run_stdin(args, stream.clone());
        let report = run.success().json();
        assert_eq!(report["totals"]["cost"], "0.003272");
    }
    let empty = env.run_stdin(&["usage", "--json"], Vec::new());
    assert_eq!(empty.success().json()["totals"]["records"], 0, "no input, no records");
}

#[test]
fn per_record_streams_one_line_per_record() {
    let env = catalog();
    let run = usage(&env, &["mixed.jsonl"], &["--per-record"]);
    assert_eq!(run.code, 4, "the gate still applies: {run}");
    let lines: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 12);
    assert_eq!(lines[2]["line"], 3);
    assert_eq!(lines[2]["kind"], "anthropic");
    assert_eq!(lines[2]["input_tokens"], 14028);
    assert_eq!(lines[2]["cost"], "0.042489");
    assert_eq!(lines[8]["status"], "unknown");
    assert_eq!(lines[8]["cost"], Value::Null);
    assert_eq!(lines[9]["status"], "unpriced");
    assert!(lines.iter().all(|l| l["file"] == usage_file("mixed.jsonl")));
}

#[test]
fn what_if_compares_the_same_records_on_another_model() {
    let env = catalog();
    let report = usage(
        &env,
        &["mixed.jsonl"],
        &["--json", "--allow-unpriced", "--what-if", "gpt-5-mini", "--what-if", "sora-2"],
    )
    .success()
    .json();
    // gpt-5-mini (0.2/1.6 per M, a text model) prices the 5 priced text records: in
    // 37368 − 52 − 5200 = 32116, out 6838 − 4160 = 2678. The image generation and the
    // embedding (other types: their tokens are not a chat's), the video, the per-request
    // images and the transcription are left out of both sides.
    let mini = &report["what_if"][0];
    assert_eq!(mini["model"], "gpt-5-mini");
    assert_eq!((mini["records"].clone(), mini["unpriced"].clone()), (json!(5), json!(5)));
    // 1.18133748 − 0.8 (video) − 0.16 (dall-e-3) − 0.0042 (whisper) − 0.133328 (gpt-image-1) − 0.0000832
    assert_eq!(mini["actual"], "0.08372628");
    assert_eq!(mini["cost"], "0.010708", "32116 × 0.2 / 1e6 + 2678 × 1.6 / 1e6");
    assert_eq!(mini["change"], "-0.07301828");
    // sora-2 (a video model) prices seconds: the video only; the transcription is audio.
    let sora = &report["what_if"][1];
    assert_eq!((sora["records"].clone(), sora["unpriced"].clone()), (json!(1), json!(9)));
    assert_eq!((sora["actual"].clone(), sora["cost"].clone()), (json!("0.8"), json!("0.8")));
}

#[test]
fn at_record_prices_each_record_on_the_snapshot_of_its_time() {
    let env = Env::new();
    env.import("catalog-v1-dated.json").import("catalog-v2.json");
    // gpt-5 input: 1.25 × 0.8 = 1 per M until 2026-10-01, then 1.1 × 0.8 = 0.88.
    let log = [
        r#"{"model":"gpt-5","input_tokens":1000000,"time":"2026-08-01T00:00:00Z"}"#,
        r#"{"model":"gpt-5","input_tokens":1000000,"time":"2026-09-15T00:00:00Z"}"#,
        r#"{"model":"gpt-5","input_tokens":1000000,"time":1791590400}"#,
        r#"{"model":"gpt-5","input_tokens":1000000}"#,
    ]
    .join("\n");
    let now = env.run_stdin(&["usage", "--json"], log.clone().into_bytes()).success().json();
    assert_eq!(now["totals"]["cost"], "3.52");
    assert!(now.get("timing").is_none());
    let then = env.run_stdin(&["usage", "--json", "--at", "record"], log.into_bytes()).success().json();
    assert_eq!(then["at"], "record");
    assert_eq!(then["totals"]["cost"], "3.76", "1 + 1 + 0.88 + 0.88");
    assert_eq!(
        then["timing"],
        json!({"untimed": 1, "before_first": 1, "snapshots": [{"sync_id": 1, "records": 2}, {"sync_id": 2, "records": 2}]})
    );
}

#[test]
fn a_model_without_a_name_is_unknown_with_its_counts_kept() {
    let env = catalog();
    let run = usage(&env, &["openai-image.json"], &["--json"]);
    assert_eq!(run.code, 4, "{run}");
    let report = run.json();
    assert_eq!(report["unknown"], json!([{"model": "(no model)", "records": 1}]));
    assert_eq!(report["totals"]["output_tokens"], 4160);
}

#[test]
fn usage_writes_every_format() {
    let env = catalog();
    for format in ["table", "csv", "markdown"] {
        let run =
            usage(&env, &["mixed.jsonl"], &["--allow-unpriced", "--what-if", "gemini-2.5-flash", "--format", format]);
        assert_eq!(run.code, 0, "{run}");
        snap!(format!("usage_{format}"), run);
    }
    let run = usage(
        &env,
        &["resolution.jsonl", "unreadable.jsonl"],
        &["--allow-unpriced", "--skip-unreadable", "--by", "provider"],
    );
    snap!("usage_resolution_table", run);
}

/// Writes `text` to a file of the test's folder; its path.
fn scratch(env: &Env, name: &str, text: &str) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn one_line_cannot_sink_the_report() {
    let env = catalog();
    // A float's noise in seconds is read to the microsecond; a count too large to add is
    // that line's problem alone.
    let mut log = String::new();
    for _ in 0..100 {
        log.push_str("{\"model\":\"gpt-5\",\"input_tokens\":200000000}\n");
    }
    log.push_str("{\"model\":\"gpt-4o-mini-transcribe\",\"seconds\":12.345000000000001}\n");
    log.push_str("{\"model\":\"gpt-5\",\"input_tokens\":18446744073709551615}\n");
    log.push_str("{\"model\":\"gpt-5\",\"input_tokens\":18446744073709551615}\n");
    let file = scratch(&env, "big.jsonl", &log);
    let run = env.run(&["usage", &file, "--json"]);
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    // The first 2^64 − 1 no longer fits beside the other 20 billion tokens; nor the second.
    assert_eq!(report["totals"]["records"], 101);
    assert_eq!(report["totals"]["unreadable"], 2);
    assert_eq!(report["unreadable"][0]["line"], 102);
    assert!(report["unreadable"][0]["reason"].as_str().unwrap().contains("cannot be added"), "{report}");
    assert_eq!(report["totals"]["seconds"], serde_json::json!(12.345));
    // 100 × 200M × 1 / 1e6 + 12.345 × 0.0000277778
    assert_eq!(report["totals"]["cost"], "20000.000342916941");
    let skipped = env.run(&["usage", &file, "--skip-unreadable", "--per-record"]);
    assert_eq!(skipped.code, 0, "{skipped}");
    assert_eq!(skipped.stdout.lines().count(), 101, "a record that is not counted has no line");
}

#[test]
fn a_file_that_cannot_be_read_fails_the_run_but_not_the_report() {
    let env = catalog();
    // A file that cannot be opened is refused before any is read (tests/cli/first_hour.rs);
    // lines that cannot be read are counted, reported and fail the run.
    let markdown = env.run(&["usage", &usage_file("unreadable.jsonl"), "--format", "markdown"]);
    assert_eq!(markdown.code, 1);
    assert!(markdown.stdout.contains("**Unreadable (7)**") && markdown.stdout.contains(":5`"), "{markdown}");
    assert!(
        markdown.stdout.contains("7 lines could not be read") && markdown.stdout.contains("(`unreadable`)"),
        "{markdown}"
    );
}

#[test]
fn streams_and_documents_as_people_save_them() {
    let env = catalog();
    // `data:` lines one after another, without the blank lines between events, and CR line ends.
    let stream = std::fs::read_to_string(usage_file("openai-chat-streams-two.sse")).unwrap();
    let packed: String = stream.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("{l}\n")).collect();
    let cr = stream.replace("\r\n", "\n").replace('\n', "\r");
    for (name, text) in [("packed.sse", packed), ("cr.sse", cr)] {
        let report = env.run(&["usage", &scratch(&env, name, &text), "--json"]).success().json();
        assert_eq!(report["totals"]["records"], 2, "{name}");
        assert_eq!(report["totals"]["cost"], "0.0003568", "{name}");
    }
    // JSON Lines whose first line is a list of records.
    let lines = "[{\"model\":\"gpt-5\",\"input_tokens\":1000000},{\"model\":\"gpt-5\",\"input_tokens\":1000000}]\n\
                 {\"model\":\"gpt-5\",\"input_tokens\":1000000}\n";
    let report = env.run(&["usage", &scratch(&env, "lists.jsonl", lines), "--json"]).success().json();
    assert_eq!((report["totals"]["records"].clone(), report["totals"]["cost"].clone()), (json!(3), json!("3")));
    // A long JSON array is read in one pass.
    let array = format!("[{}]", vec!["{\"model\":\"gpt-5\",\"input_tokens\":1}"; 50_000].join(",\n"));
    let report = env.run(&["usage", &scratch(&env, "array.json", &array), "--json"]).success().json();
    assert_eq!(report["totals"]["records"], 50_000);
}

#[test]
fn a_cut_stream_is_not_priced_on_partial_counts() {
    let env = catalog();
    let anthropic = std::fs::read_to_string(usage_file("anthropic-stream.sse")).unwrap();
    let cut = &anthropic[..anthropic.find("event: message_delta").unwrap()];
    let run = env.run(&["usage", &scratch(&env, "cut.sse", cut), "--json"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.json()["unreadable"][0]["reason"].as_str().unwrap().contains("message_stop"));
    let gemini = std::fs::read_to_string(usage_file("gemini-stream.sse")).unwrap();
    let last = gemini.rfind("data:").unwrap();
    let run = env.run(&["usage", &scratch(&env, "gcut.sse", &gemini[..last]), "--json"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.json()["unreadable"][0]["reason"].as_str().unwrap().contains("last chunk"));
}

#[test]
fn times_failed_jobs_and_tags_read_as_documented() {
    let env = catalog();
    let log = "{\"model\":\"gpt-5\",\"input_tokens\":1000000,\"time\":\"2026-09-15T10:00:00\"}\n\
               {\"model\":\"gpt-5\",\"input_tokens\":1000000,\"time\":\"yesterday\"}\n\
               {\"object\":\"video\",\"model\":\"sora-2\",\"seconds\":null,\"status\":\"failed\"}\n\
               {\"model\":\"gpt-5\",\"input_tokens\":1,\"tags\":{\"team\":null}}\n";
    let run = env.run(&["usage", &scratch(&env, "odd.jsonl", log), "--per-record", "--by", "tag:team"]);
    assert_eq!(run.code, 1, "{run}");
    let lines: Vec<serde_json::Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["time"], "2026-09-15T10:00:00Z", "no offset: UTC");
    assert_eq!(
        (lines[1]["status"].clone(), lines[1]["cost"].clone()),
        (json!("priced"), json!("0")),
        "a failed job made nothing"
    );
    assert!(run.stderr.contains("odd.jsonl:2: the time \"yesterday\""), "{run}");
    let report = env
        .run(&["usage", &scratch(&env, "odd2.jsonl", log), "--json", "--by", "tag:team", "--skip-unreadable"])
        .json();
    let keys: Vec<&str> = report["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert!(keys.iter().all(|k| *k == "(none)"), "a null tag is no tag: {keys:?}");
}

#[test]
fn what_if_says_when_a_model_can_price_nothing() {
    let env = catalog();
    let report = usage(
        &env,
        &["mixed.jsonl"],
        &[
            "--json",
            "--allow-unpriced",
            "--what-if",
            "gpt-oss-120b",
            "--what-if",
            "gpt-5-mini",
            "--what-if",
            "gpt-5-mini",
        ],
    )
    .success()
    .json();
    assert_eq!(report["what_if"].as_array().unwrap().len(), 2, "a model named twice is compared once");
    assert_eq!(
        (report["what_if"][0]["cost"].clone(), report["what_if"][0]["records"].clone()),
        (json!(null), json!(0))
    );
    let run = usage(&env, &["mixed.jsonl"], &["--alias", "x=gpt-5", "--alias", "x=gpt-5-mini"]);
    assert_eq!(run.code, 2, "{run}");
}

#[test]
fn errors_the_apis_answered_with_are_counted_and_fail_nothing() {
    let env = catalog();
    let run = usage(&env, &["v3-errors.jsonl", "v3-responses-failed.sse"], &["--json"]);
    assert_eq!(run.code, 0, "a log with rate-limited calls is a normal log: {run}");
    let report = run.json();
    assert_eq!(report["totals"]["errors"], 4);
    assert_eq!(report["totals"]["unreadable"], 0);
    assert_eq!(
        report["errors"],
        json!([
            {"kind": "429", "records": 1},
            {"kind": "insufficient_quota", "records": 1},
            {"kind": "overloaded_error", "records": 1},
            {"kind": "rate_limit_exceeded", "records": 1}
        ])
    );
    // gpt-5-mini: 1,000 × 0.2 + 100 × 1.6 per 1M; gpt-5's incomplete response: 900 × 1 + 4,000 × 8.
    assert_eq!(report["totals"]["cost"], "0.03326");
    let i = &report["input"];
    let parts = ["in_records", "in_errors", "unreadable", "stream_events"].map(|k| i[k].as_u64().unwrap());
    assert_eq!(i["values"].as_u64().unwrap(), parts.iter().sum::<u64>(), "every value accounted for: {i}");
    assert_eq!(parts, [2, 5, 0, 3], "{i}");
}

#[test]
fn an_aggregate_line_is_priced_on_its_totals() {
    let env = catalog();
    let report = usage(&env, &["v3-aggregates.jsonl"], &["--json"]).success().json();
    let costs: BTreeMap<&str, &str> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["cost"].as_str().unwrap()))
        .collect();
    // 12M × 0.2 + 3M × 1.6 per 1M (not 4,000 calls of 12M tokens); 240 s × 0.1; 250 × 0.04.
    assert_eq!(costs, BTreeMap::from([("gpt-5-mini", "7.2"), ("sora-2", "24"), ("dall-e-3", "10")]));
    assert_eq!((report["totals"]["requests"].clone(), report["totals"]["seconds"].clone()), (json!(4280), json!(240)));
}

#[test]
fn a_stated_charge_is_reported_beside_the_catalog_cost() {
    let env = catalog();
    let report = usage(&env, &["v3-charged.jsonl"], &["--json"]).success().json();
    let t = &report["totals"];
    // grok-4-fast: 1,000 × 0.16 + 342 × 0.4 = 0.0002968, charged 0.0002; the second states
    // no charge; qwen3-coder: 2,000 × 0.24 + 500 × 0.96 = 0.00096, charged 0.0012.
    assert_eq!(t["charged"], "0.0014");
    assert_eq!(t["compared"], json!({"records": 2, "charged": "0.0014", "cost": "0.0012568", "not_compared": 1}));
    assert_eq!((t["difference"].clone(), t["difference_pct"].clone()), (json!("0.0001432"), json!("11.39")));
    let qwen = report["groups"].as_array().unwrap().iter().find(|g| g["key"] == "qwen3-coder").unwrap().clone();
    assert_eq!((qwen["charged"].clone(), qwen["difference"].clone()), (json!("0.0012"), json!("0.00024")));
    let table = usage(&env, &["v3-charged.jsonl"], &[]).success().stdout.clone();
    assert!(table.contains("CHARGED $") && table.contains("DIFF $"), "{table}");
    assert!(table.contains("charged: $0.0014 as stated (2 records); on the 2 records with a catalog cost"), "{table}");
    let csv = usage(&env, &["v3-charged.jsonl"], &["--format", "csv"]).success().stdout.clone();
    assert!(
        csv.starts_with("model,records,")
            && csv
                .lines()
                .next()
                .unwrap()
                .ends_with(",cost,charged,difference,compared_records,compared_charged,compared_cost")
    );
    let lines = usage(&env, &["v3-charged.jsonl"], &["--per-record"]).success().stdout.clone();
    assert!(lines.lines().next().unwrap().contains("\"charged\":\"0.0002\""), "{lines}");
    let none = usage(&env, &["generic.jsonl"], &["--json"]).success().json();
    assert!(none["totals"].get("charged").is_none(), "no charge stated: no charged keys");
}

#[test]
fn tokens_of_a_kind_a_model_does_not_price_are_unpriced_never_zero() {
    let env = catalog();
    let line = "{\"model\":\"text-embedding-3-small\",\"input_tokens\":1000,\"output_tokens\":10}\n";
    let run = env.run(&["usage", &scratch(&env, "embed.jsonl", line), "--json"]);
    assert_eq!(run.code, 4, "{run}");
    assert_eq!(
        run.json()["unpriced"],
        json!([{"model": "text-embedding-3-small", "records": 1, "reason": "it prices input tokens but not output tokens"}])
    );
    let run = env.run(&["cost", "text-embedding-3-small", "--input-tokens", "1000", "--output-tokens", "10"]);
    assert_eq!(run.code, 4, "{run}");
    assert!(run.stdout.contains("unpriced"), "{run}");
    assert!(
        run.stderr.contains("text-embedding-3-small prices input tokens but not output tokens, which this use has"),
        "{run}"
    );
    let ok = env.run(&["cost", "text-embedding-3-small", "--input-tokens", "1000"]);
    assert_eq!(ok.code, 0, "input only is priced: {ok}");
}

#[test]
fn mixed_framing_reads_each_part_by_its_own() {
    let env = catalog();
    let report = usage(&env, &["v3-mixed-framing.jsonl"], &["--json"]).success().json();
    assert_eq!((report["totals"]["records"].clone(), report["totals"]["unreadable"].clone()), (json!(3), json!(0)));
    let run = usage(&env, &["v3-mixed-framing.sse"], &["--json"]);
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    assert_eq!(report["totals"]["records"], 2);
    assert_eq!(report["unreadable"][0]["reason"], "not a line of an event stream (data:, event:, id:)");
}

#[test]
fn times_are_every_rfc_3339_time_and_nothing_else() {
    let env = catalog();
    let line = |time: &str| format!(r#"{{"model":"gpt-5","input_tokens":10,"output_tokens":1,"time":{time}}}"#);
    let input = [
        line(r#""9999-12-31T23:59:59Z""#),
        line(r#""0000-01-01T00:00:00Z""#),
        line(r#""-0001-01-01T00:00:00Z""#),
        line("-100000000000"),
        r#"{"id":"c","object":"chat.completion","model":"gpt-5","created":100000000000000000,"usage":{"prompt_tokens":1,"completion_tokens":1}}"#.to_owned(),
    ]
    .join("\n");
    let run = env.run_stdin(&["usage", "-", "--per-record", "--skip-unreadable"], input.into_bytes());
    assert_eq!(run.code, 0, "{run}");
    let times: Vec<String> =
        run.stdout.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["time"].to_string()).collect();
    assert_eq!(times, [r#""9999-12-31T23:59:59Z""#, r#""0000-01-01T00:00:00Z""#], "written back as read");
    for (line, why) in [
        (3, "-0001-01-01"),
        (4, "-100000000000 is outside the years 0000 to 9999"),
        (5, "100000000000000000 is outside"),
    ] {
        assert!(run.stderr.contains(&format!("stdin:{line}: the time")) && run.stderr.contains(why), "{line}: {run}");
    }
    let day = env
        .run_stdin(&["usage", "-", "--by", "day", "--format", "csv"], line(r#""9999-12-31T23:59:59Z""#).into_bytes());
    assert!(day.success().stdout.contains("\n9999-12-31,1,"), "{day}");
}

#[test]
fn counts_too_large_to_add_up_are_unreadable_never_priced() {
    let env = catalog();
    let max = u64::MAX;
    for body in [
        format!(
            r#"{{"candidates":[],"usageMetadata":{{"promptTokenCount":10,"candidatesTokenCount":{max},"thoughtsTokenCount":5}},"modelVersion":"gemini-2.5-flash"}}"#
        ),
        format!(
            r#"{{"candidates":[],"usageMetadata":{{"promptTokenCount":{max},"candidatesTokenCount":1,"toolUsePromptTokenCount":5}},"modelVersion":"gemini-2.5-flash"}}"#
        ),
        format!(
            r#"{{"type":"message","model":"claude-sonnet-4-6","usage":{{"input_tokens":{max},"cache_read_input_tokens":1,"output_tokens":1}}}}"#
        ),
    ] {
        let run = env.run_stdin(&["usage", "-", "--format", "json"], body.into_bytes());
        assert_eq!(run.code, 1, "{run}");
        assert_eq!(run.json()["totals"]["records"], 0, "{run}");
        assert!(run.stderr.contains("stdin:1: token counts too large to add up"), "{run}");
    }
}
