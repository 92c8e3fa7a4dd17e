//! Catalog history: `syncs`, `diff` and `history` over the fixture's three
//! catalog versions (see fixtures/README.md for exactly what changed).

use serde_json::{Value, json};

use crate::common::Env;
use crate::snap;

/// Snapshots 1 (2026-09-01), 2 (2026-10-01) and 3 (2026-11-01).
fn three_versions() -> Env {
    let env = Env::new();
    env.import("catalog-v1-dated.json").import("catalog-v2.json").import("catalog-v3.json");
    env
}

fn diff(env: &Env, args: &[&str]) -> Value {
    env.run(&[&["diff", "--format", "json"], args].concat()).success().json()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect()
}

#[test]
fn diff_reports_exactly_the_changes_made() {
    let env = three_versions();
    let d = diff(&env, &["1", "2"]);
    assert_eq!((d["from"]["id"].as_i64(), d["to"]["id"].as_i64()), (Some(1), Some(2)));
    assert_eq!(ids(&d["added"]), ["claude-opus-4-5", "gemini-3-pro"]);
    assert_eq!(ids(&d["removed"]), ["gpt-4o-audio-preview"]);
    assert_eq!(
        d["changed"],
        json!([
            {"id": "claude-sonnet-4-6", "changes": [
                {"field": "features", "from": ["text-to-text", "image-to-text"], "to": ["text-to-text", "image-to-text", "pdf-to-text"]}
            ]},
            {"id": "gpt-5", "changes": [
                {"field": "input_price", "from": "1.25", "to": "1.1", "change_pct": "-12"},
                {"field": "effective_input_price", "from": "1", "to": "0.88", "change_pct": "-12"}
            ]},
            {"id": "gpt-6-preview", "changes": [
                {"field": "upcoming", "from": true, "to": false}
            ]},
            {"id": "qwen3-coder", "changes": [
                {"field": "ratio", "from": "0.8", "to": "1", "change_pct": "25"},
                {"field": "effective_input_price", "from": "0.24", "to": "0.3", "change_pct": "25"},
                {"field": "effective_output_price", "from": "0.96", "to": "1.2", "change_pct": "25"}
            ]}
        ])
    );
    // The removed model is listed with its last known fields.
    assert_eq!(d["removed"][0]["effective_input_price"], "2");
}

#[test]
fn diff_between_non_adjacent_snapshots_skips_a_model_that_came_back_unchanged() {
    let env = three_versions();
    let d = diff(&env, &["1", "3"]);
    assert_eq!(ids(&d["added"]), ["claude-opus-4-5", "gemini-3-pro"]);
    assert_eq!(ids(&d["removed"]), Vec::<&str>::new(), "gpt-4o-audio-preview left and came back unchanged");
    assert_eq!(ids(&d["changed"]), ["claude-sonnet-4-6", "gpt-5", "gpt-6-preview", "qwen3-coder"]);
    assert_eq!(
        d["changed"][1]["changes"][0],
        json!({"field": "input_price", "from": "1.25", "to": "1", "change_pct": "-20"})
    );
    // Backwards is the mirror image.
    let back = diff(&env, &["3", "1"]);
    assert_eq!(ids(&back["removed"]), ["claude-opus-4-5", "gemini-3-pro"]);
    assert_eq!(
        back["changed"][1]["changes"][0],
        json!({"field": "input_price", "from": "1", "to": "1.25", "change_pct": "25"})
    );
}

#[test]
fn diff_defaults_to_the_previous_and_the_current_snapshot() {
    let env = three_versions();
    let d = diff(&env, &[]);
    assert_eq!((d["from"]["id"].as_i64(), d["to"]["id"].as_i64()), (Some(2), Some(3)));
    assert_eq!(ids(&d["added"]), ["gpt-4o-audio-preview"]);
    assert_eq!(ids(&d["changed"]), ["gpt-5"]);
    // An unchanged re-sync: nothing changed, nothing is listed.
    env.import("catalog-v3.json");
    let d = diff(&env, &[]);
    assert_eq!((d["added"].as_array().unwrap().len(), d["removed"].as_array().unwrap().len()), (0, 0));
    assert_eq!(d["changed"], json!([]));
}

#[test]
fn snapshots_are_picked_by_id_or_date() {
    let env = three_versions();
    let picked = |args: &[&str]| {
        let d = diff(&env, args);
        (d["from"]["id"].as_i64().unwrap(), d["to"]["id"].as_i64().unwrap())
    };
    assert_eq!(picked(&["2026-09-15"]), (1, 3), "a date picks the newest snapshot fetched by the end of that day");
    assert_eq!(picked(&["2026-10-01"]), (2, 3));
    assert_eq!(picked(&["2026-10-01T07:59:59Z", "2026-10-01T08:00:00Z"]), (1, 2));
    assert_eq!(picked(&["1", "2026-12-31"]), (1, 3));
    let run = env.run(&["diff", "2026-08-01"]);
    assert_eq!(run.code, 1);
    snap!("before_the_first", run);
    let run = env.run(&["diff", "9"]);
    assert_eq!(run.code, 1);
    snap!("no_such_snapshot", run);
    assert_eq!(env.run(&["diff", "last-week"]).code, 2);
}

#[test]
fn filters_narrow_a_diff() {
    let env = three_versions();
    let d = diff(&env, &["1", "2", "--provider", "openai"]);
    assert_eq!(ids(&d["added"]), Vec::<&str>::new());
    assert_eq!(ids(&d["removed"]), ["gpt-4o-audio-preview"]);
    assert_eq!(ids(&d["changed"]), ["gpt-5", "gpt-6-preview"], "gpt-6-preview counts: it is no longer upcoming");
    let d = diff(&env, &["1", "2", "--feature", "pdf-to-text"]);
    assert_eq!(ids(&d["changed"]), ["claude-sonnet-4-6"], "a model counts if either version matches");
}

#[test]
fn diff_writes_every_format() {
    let env = three_versions();
    for format in ["table", "json", "csv", "markdown"] {
        snap!(format!("diff_{format}"), env.run(&["diff", "1", "2", "--format", format]));
    }
    snap!("diff_markdown_no_changes", env.run(&["diff", "3", "3", "--format", "markdown"]));
    let first = Env::new();
    first.import("catalog.json");
    snap!("diff_of_the_first_snapshot", first.run(&["diff"]));
}

#[test]
fn history_lists_each_price_change_once() {
    let env = three_versions();
    // An unchanged re-sync between changes adds no entry.
    env.import("catalog-v3.json");
    let h = env.run(&["history", "gpt-5", "--format", "json"]).success().json();
    let entries: Vec<(i64, &str)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["snapshot"].as_i64().unwrap(), e["input_price"].as_str().unwrap()))
        .collect();
    assert_eq!(entries, [(1, "1.25"), (2, "1.1"), (3, "1")]);
    let ratio = env.run(&["history", "qwen3-coder", "--format", "json"]).success().json();
    assert_eq!(
        ratio.as_array().unwrap().iter().map(|e| e["ratio"].clone()).collect::<Vec<_>>(),
        [json!("0.8"), json!("1")]
    );
    // Features changed, prices did not: one entry.
    let features = env.run(&["history", "claude-sonnet-4-6", "--format", "json"]).success().json();
    assert_eq!(features.as_array().unwrap().len(), 1);
    // --all: every snapshot the model is in.
    let all = env.run(&["history", "gpt-5", "--all", "--format", "json"]).success().json();
    assert_eq!(
        all.as_array().unwrap().iter().map(|e| e["snapshot"].as_i64().unwrap()).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
}

#[test]
fn history_of_a_model_that_disappears_and_comes_back() {
    let env = three_versions();
    let snapshots = |args: &[&str]| -> Vec<i64> {
        let h = env.run(&[&["history", "gpt-4o-audio-preview", "--format", "json"], args].concat()).success().json();
        h.as_array().unwrap().iter().map(|e| e["snapshot"].as_i64().unwrap()).collect()
    };
    assert_eq!(snapshots(&[]), [1], "same prices when it came back");
    assert_eq!(snapshots(&["--all"]), [1, 2, 3], "the gap is an entry");
    let all = env.run(&["history", "gpt-4o-audio-preview", "--all", "--format", "json"]).json();
    let absent: Vec<bool> = all.as_array().unwrap().iter().map(|e| e["absent"].as_bool().unwrap()).collect();
    assert_eq!(absent, [false, true, false], "absent from snapshot 2");
    assert_eq!(all[1]["input_price"], serde_json::Value::Null);
    snap!("history_gap_table", env.run(&["history", "gpt-4o-audio-preview", "--all"]));
    // A model that is gone now is still found, with a note.
    let gone = Env::new();
    gone.import("catalog-v1-dated.json").import("catalog-v2.json");
    let run = gone.run(&["history", "gpt-4o-audio-preview"]);
    snap!("gone", run);
}

#[test]
fn history_finds_models_by_code_and_names_unknown_ones() {
    let env = three_versions();
    let h = env.run(&["history", "gpt-5-4-pro", "--format", "json"]).success().json();
    assert_eq!(h.as_array().unwrap().len(), 1);
    let run = env.run(&["history", "gpt-5.5"]);
    assert_eq!(run.code, 1);
    snap!(run);
}

#[test]
fn history_writes_every_format() {
    let env = three_versions();
    for format in ["table", "json", "csv", "markdown"] {
        snap!(format!("history_{format}"), env.run(&["history", "gpt-5", "--format", format]));
    }
}

#[test]
fn the_sync_summary_counts_changes_against_the_previous_snapshot() {
    let env = Env::new();
    env.import("catalog-v1-dated.json");
    let path = crate::common::fixture("catalog-v2.json");
    let run = env.run(&["sync", "--from", path.to_str().unwrap(), "--format", "json"]);
    let s = run.success().json();
    assert_eq!((s["added"].as_i64(), s["removed"].as_i64(), s["changed"].as_i64()), (Some(2), Some(1), Some(4)));
    assert!(run.stderr.contains("snapshot 2: +2 −1 ~4"), "{run}");
}

#[test]
fn storage_grows_with_change_not_with_syncs() {
    let env = Env::new();
    let rows = "SELECT (SELECT count(*) FROM model_versions), (SELECT count(*) FROM model_records), \
                (SELECT count(*) FROM spans), (SELECT count(*) FROM model_features), (SELECT count(*) FROM model_endpoints)";
    env.import("catalog.json");
    let once = env.sql(rows);
    for _ in 0..20 {
        env.import("catalog.json");
    }
    assert_eq!(env.sql(rows), once, "20 unchanged syncs add no model rows");
    assert_eq!(env.sql("SELECT count(*) FROM snapshots"), "21\n");
    // A changed catalog adds rows for the changed models only.
    env.import("catalog-v2.json");
    assert_eq!(env.sql("SELECT count(*) FROM model_versions"), "70\n", "64 + 2 added + 4 changed");
}

/// Versions are compared a chunk at a time; a catalog where everything moved
/// crosses many chunks and must still be reported whole, once per model.
#[test]
fn a_change_to_every_model_of_a_large_catalog_is_reported_once_each() {
    let catalog = |ratio: &str, skip: usize| {
        let records: Vec<String> = (0..2500)
            .filter(|i| i % 1000 != skip)
            .map(|i| format!(r#"{{"id": "m-{i:04}", "pricing": {{"input": 1, "ratio": {ratio}}}, "new_field": {i}}}"#))
            .collect();
        format!("[{}]", records.join(","))
    };
    let env = Env::new();
    env.run_stdin(&["sync", "--from", "-"], catalog("0.8", 1).into_bytes()).success();
    let run = env.run_stdin(&["sync", "--from", "-", "--format", "json"], catalog("0.5", 2).into_bytes());
    let summary = run.success().json();
    // m-0001, m-1001, m-2001 come back; m-0002, m-1002, m-2002 leave; the rest are repriced.
    assert_eq!(
        (summary["added"].as_u64(), summary["removed"].as_u64(), summary["changed"].as_u64()),
        (Some(3), Some(3), Some(2494))
    );
    let d = diff(&env, &[]);
    assert_eq!(ids(&d["added"]), ["m-0001", "m-1001", "m-2001"]);
    assert_eq!(ids(&d["removed"]), ["m-0002", "m-1002", "m-2002"]);
    let changed = ids(&d["changed"]);
    assert_eq!(changed.len(), 2494);
    assert!(changed.windows(2).all(|w| w[0] < w[1]), "sorted by id, each once");
}
