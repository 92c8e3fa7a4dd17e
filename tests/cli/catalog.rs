//! Looking at a synced catalog: `models`, `show`, `syncs`.

use crate::common::{Env, fixture};
use crate::snap;

fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog.json");
    env
}

#[test]
fn models_lists_the_current_snapshot_as_a_table() {
    snap!(catalog().run(&["models"]));
}

#[test]
fn models_hides_upcoming_unless_asked() {
    let env = catalog();
    let ids = |args: &[&str]| -> Vec<String> {
        let run = env.run(&[&["models", "--format", "json"], args].concat());
        run.success().json().as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
    };
    let visible = ids(&[]);
    let all = ids(&["--include-upcoming"]);
    assert_eq!(visible.len(), 62);
    assert_eq!(all.len(), 64);
    assert!(!visible.contains(&"gpt-6-preview".to_owned()) && all.contains(&"gpt-6-preview".to_owned()));
    assert!(all.contains(&"veo4".to_owned()));
}

#[test]
fn models_json_has_the_spec_keys_and_money_as_strings() {
    let env = catalog();
    let run = env.run(&["models", "--format", "json", "--search", "gpt-5.4"]);
    snap!(run);
}

#[test]
fn models_csv_has_the_spec_columns() {
    let env = catalog();
    let run = env.run(&["models", "--format", "csv", "--provider", "replicate", "--include-upcoming"]);
    snap!(run);
    let header = run.stdout.lines().next().unwrap();
    assert_eq!(
        header,
        "id,code,name,provider,provider_code,model_type,features,endpoints,input_price,output_price,per_request,\
         per_second,ratio,effective_input_price,effective_output_price,effective_per_request,effective_per_second,\
         context_length,max_completion_tokens,upcoming,created"
    );
}

#[test]
fn show_finds_a_model_by_id_then_code() {
    let env = catalog();
    snap!(env.run(&["show", "gpt-5.4-pro"]));
    let by_code = env.run(&["show", "claude-haiku-4-5", "--format", "json"]);
    assert_eq!(by_code.success().json()["id"], "claude-haiku-4-5-20251001");
    let with_slash = env.run(&["show", "black-forest-labs/flux-kontext-pro", "--format", "json"]);
    assert_eq!(with_slash.success().json()["effective_per_request"], "0.048");
}

#[test]
fn show_json_carries_every_field_and_the_record_as_received() {
    let env = catalog();
    snap!(env.run(&["show", "qwen3-coder", "--format", "json"]));
}

#[test]
fn show_finds_upcoming_and_unpriced_models() {
    let env = catalog();
    let run = env.run(&["show", "gpt-6-preview", "--format", "json"]);
    assert_eq!(run.success().json()["upcoming"], true);
    snap!(env.run(&["show", "mystery-model"]));
}

#[test]
fn an_unknown_model_exits_1_with_close_ids() {
    let env = catalog();
    snap!(env.run(&["show", "gpt5"]));
    snap!("nothing_close", env.run(&["show", "zzzz-unheard-of"]));
}

#[test]
fn commands_before_any_sync_say_what_to_do() {
    let env = Env::new();
    snap!(env.run(&["models"]));
}

#[test]
fn syncs_lists_snapshots_newest_first() {
    // Through stdin, so the SOURCE column is as wide in every checkout.
    let env = Env::new();
    for name in ["catalog.json", "catalog.json", "catalog-v2.json"] {
        env.run_stdin(&["sync", "--from", "-"], std::fs::read(fixture(name)).unwrap()).success();
    }
    snap!(env.run(&["syncs"]));
    let json = env.run(&["syncs", "--format", "json"]).json();
    let ids: Vec<i64> = json.as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [3, 2, 1]);
    let changed: Vec<bool> = json.as_array().unwrap().iter().map(|s| s["catalog_changed"].as_bool().unwrap()).collect();
    assert_eq!(changed, [true, false, true]);
    assert_eq!(json[0]["fetched_at"], "2026-10-01T08:00:00Z", "an export's fetched_at is the snapshot's time");
}

#[test]
fn a_format_a_command_cannot_write_is_a_usage_error() {
    let env = catalog();
    let run = env.run(&["show", "gpt-5", "--format", "csv"]);
    assert_eq!(run.code, 2);
    snap!(run);
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let env = catalog();
    // The reading end is closed before cometcat writes: every write fails with EPIPE.
    let mut proc = std::process::Command::new(assert_cmd::cargo::cargo_bin("cometcat"))
        .env_clear()
        .env("COMETCAT_DB", env.db())
        .args(["models", "--format", "json", "--include-upcoming"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(proc.stdout.take());
    let out = proc.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
