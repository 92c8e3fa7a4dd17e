//! `compare ID ID...`: models side by side, found as `show` finds them.

use serde_json::Value;

use crate::common::Env;
use crate::snap;

fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog.json");
    env
}

#[test]
fn compare_shows_one_column_per_model_and_one_row_per_field() {
    let env = catalog();
    // A token model, a per-second video model, a per-call image model: the
    // rows no model has a value in are left out of the table.
    snap!("compare_table", env.run(&["compare", "gpt-5", "claude-haiku-4-5", "veo3-fast"]));
    snap!(
        "compare_markdown",
        env.run(&["compare", "gpt-5", "black-forest-labs/flux-kontext-pro", "--format", "markdown"])
    );
}

#[test]
fn compare_csv_carries_every_field_in_a_fixed_order() {
    let env = catalog();
    let run = env.run(&["compare", "gpt-5", "veo3-fast", "--format", "csv"]);
    snap!("compare_csv", run);
    let fields: Vec<&str> = run.stdout.lines().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(
        fields.join(","),
        "field,code,name,provider,provider_code,model_type,context_length,max_completion_tokens,input_price,\
         output_price,per_request,per_second,ratio,effective_input_price,effective_output_price,effective_per_request,\
         effective_per_second,features,endpoints,upcoming,created",
        "every row, even those empty for every model"
    );
}

/// `{version, catalog, models, rows}`: each model exactly as `show --format
/// json` writes it, and each row's values exactly as the models hold them.
#[test]
fn compare_json_holds_each_model_as_show_has_it() {
    let env = catalog();
    let run = env.run(&["compare", "gpt-5", "claude-haiku-4-5", "--format", "json"]);
    let json = run.success().json();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["catalog", "models", "rows", "version"], "serde_json's map sorts keys");
    assert!(run.stdout.starts_with("{\n  \"version\": 1,\n  \"catalog\": {\n    \"sync_id\": 1,"), "{run}");
    assert!(
        json["catalog"]["synced_at"].is_string()
            && json["catalog"]["source"].as_str().unwrap().ends_with("catalog.json")
    );
    for (i, name) in ["gpt-5", "claude-haiku-4-5"].into_iter().enumerate() {
        let show = env.run(&["show", name, "--format", "json"]).success().json();
        assert_eq!(json["models"][i], show, "{name}");
    }
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    for row in rows {
        let field = row["field"].as_str().unwrap();
        let values: Vec<&Value> = json["models"].as_array().unwrap().iter().map(|m| &m[field]).collect();
        assert_eq!(row["values"].as_array().unwrap().iter().collect::<Vec<_>>(), values, "{field}");
    }
    assert_eq!(rows[0], serde_json::json!({"field": "code", "values": ["gpt-5", "claude-haiku-4-5"]}));
}

#[test]
fn compare_finds_models_as_show_does() {
    let env = catalog();
    // By code, and ignoring case: the columns are the ids.
    let run = env.run(&["compare", "CLAUDE-HAIKU-4-5", "Gpt-5", "--format", "csv"]);
    assert_eq!(run.success().stdout.lines().next(), Some("field,claude-haiku-4-5-20251001,gpt-5"));
    // An unknown model: the error `show` gives, exit 1.
    let unknown = env.run(&["compare", "gpt-5", "gpt5"]);
    let show = env.run(&["show", "gpt5"]);
    assert_eq!((unknown.code, &unknown.stderr), (1, &show.stderr));
    snap!("compare_unknown", unknown);
}

#[test]
fn a_model_named_twice_is_compared_once_and_said() {
    let env = catalog();
    snap!("compare_twice", env.run(&["compare", "gpt-5", "GPT-5", "gpt-5-mini", "gpt-5-mini"]));
    let quiet = env.run(&["compare", "gpt-5", "GPT-5", "gpt-5-mini", "-q"]);
    assert_eq!(quiet.success().stderr, "", "-q silences the note");
    snap!("compare_all_the_same", env.run(&["compare", "gpt-5", "GPT-5"]));
}

#[test]
fn compare_takes_2_to_8_models() {
    let env = catalog();
    snap!("compare_one", env.run(&["compare", "gpt-5"]));
    let nine =
        ["gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4o", "gpt-4o-mini", "o3", "o4-mini", "gpt-4.1", "gpt-4.1-mini"];
    snap!("compare_nine", env.run(&[&["compare"][..], &nine].concat()));
    assert_eq!(env.run(&["compare"]).code, 2);
    let eight = env.run(&[&["compare", "--format", "csv"][..], &nine[..8]].concat());
    assert_eq!(eight.success().stdout.lines().next().unwrap().split(',').count(), 9);
}

#[test]
fn compare_answers_from_the_sample_before_any_sync() {
    let fresh = Env::new();
    let run = fresh.run(&["compare", "gpt-5", "claude-haiku-4-5"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stderr.starts_with("using the bundled sample catalog"), "{run}");
    assert!(!fresh.db().exists(), "no catalog was made");
}
