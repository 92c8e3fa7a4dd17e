//! What a new user meets in the first hour: words that say what is wrong,
//! silence broken where it hid something, and the habits of the best CLIs.

use crate::common::{Env, fixture};
use crate::snap;

fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog.json");
    env
}

fn ids(run: &crate::common::Run) -> Vec<String> {
    run.json().as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn per_request_and_per_second_prices_sort() {
    let env = catalog();
    let run = env.run(&["models", "--pricing", "second", "--sort", "second-price", "--desc", "--limit", "3", "--json"]);
    // veo3 0.4, sora-2-pro 0.3, then sora-2 and veo3-fast tie at 0.1: by id.
    assert_eq!(ids(&run), ["veo3", "sora-2-pro", "sora-2"]);
    let run = env.run(&["models", "--pricing", "request", "--sort", "request-price", "-n", "3", "--json"]);
    assert_eq!(ids(&run), ["black-forest-labs/flux-schnell", "doubao-seedream-5", "dall-e-3"]);
}

#[test]
fn a_workload_of_nothing_is_a_usage_error() {
    let env = catalog();
    for args in [&["rank"][..], &["cost", "gpt-5"]] {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{run}");
        assert!(run.stdout.is_empty());
        assert!(run.stderr.contains("--input-tokens N and --output-tokens N"), "{run}");
    }
    snap!(env.run(&["rank"]));
}

#[test]
fn a_filter_value_that_matches_nothing_says_what_there_is() {
    let env = catalog();
    let run = env.run(&["models", "--type", "txt"]);
    assert_eq!(run.code, 0);
    snap!(run);
    let run = env.run(&["models", "--feature", "text-to-imag", "--json"]);
    assert_eq!(run.stdout, "[]\n");
    assert!(run.stderr.contains("did you mean text-to-image?"), "{run}");
    // A value that exists, even if nothing else matches with it, is not questioned.
    let run = env.run(&["models", "--type", "video", "--provider", "anthropic"]);
    assert_eq!(run.stderr, "no models match --provider anthropic --type video\n", "{run}");
    // Display names and paths count as values too.
    assert!(env.run(&["models", "--provider", "moonshot ai"]).stderr.is_empty());
    assert!(env.run(&["models", "--endpoint", "/v1/messages"]).stderr.is_empty());
}

#[test]
fn violations_are_in_the_output_even_when_quiet() {
    let env = Env::new();
    env.import("catalog-v1-dated.json");
    let workload = fixture("workloads/app.toml");
    let run = env.run(&["-q", "estimate", workload.to_str().unwrap(), "--max-catalog-age", "1s", "--budget", "10"]);
    assert_eq!(run.code, 4);
    assert!(run.stdout.contains("violation: the total, $714.40, exceeds the budget of $10.00 (budget)"), "{run}");
    assert!(run.stdout.contains("longer ago than --max-catalog-age 1s allows (catalog_age)"), "{run}");
    // stdout is no terminal here (a CI log, a file): each violation is also a line on stderr.
    assert_eq!(run.stderr.lines().filter(|l| l.starts_with("violation: ")).count(), 2, "{run}");
    let csv = env.run(&["-q", "estimate", workload.to_str().unwrap(), "--budget", "10", "--format", "csv"]);
    assert_eq!(csv.code, 3);
    assert!(csv.stderr.starts_with("violation: the total, $714.40, exceeds the budget of $10.00"), "{csv}");
}

#[test]
fn an_older_catalog_over_a_newer_one_is_said() {
    let env = Env::new();
    env.import("catalog-v2.json");
    let older = fixture("catalog-v1-dated.json");
    let run = env.run(&["sync", "--from", older.to_str().unwrap(), "--json"]);
    run.success();
    assert_eq!(run.json()["older_than_previous"], true);
    assert!(
        run.stderr.starts_with(
            "warning: this catalog was fetched at 2026-09-01T08:00:00Z, before the snapshot it replaces (1, fetched 2026-10-01T08:00:00Z)"
        ),
        "{run}"
    );
    assert!(run.stderr.contains("(older than the snapshot it replaces)"), "{run}");
    let empty = Env::new().run_stdin(&["sync", "--from", "-"], b"[]".to_vec());
    assert!(empty.stderr.contains("error: the catalog received holds no models; nothing was stored\n"), "{empty}");
}

#[test]
fn help_lists_exactly_the_formats_a_command_writes() {
    let env = Env::new();
    let help = |command: &str| env.run(&[command, "--help"]).stdout;
    let export = help("export").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(export.contains("[default: csv] [possible values: csv, json, parquet]"), "{export}");
    assert!(help("sync").contains("[default: table] [possible values: table, json]"), "{}", help("sync"));
    assert!(help("show").contains("[possible values: table, json]"));
    let models = help("models").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(models.contains("[default: table] [possible values: table, json, csv, markdown]"), "{models}");
    // The workload format is in estimate's own help: installed binaries have no README.
    assert!(help("estimate").contains("[[item]]\n    name = \"summarize-tickets\""), "{}", help("estimate"));
    let run = env.run(&["features", "--format", "json", "extra"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("Usage: cometcat features [OPTIONS]\n"), "optional flags stay optional: {run}");
}

#[test]
fn lookups_ignore_case_and_ambiguity_is_listed() {
    let env = catalog();
    assert_eq!(env.run(&["show", "GPT-5", "--json"]).json()["id"], "gpt-5");
    assert_eq!(env.run(&["show", "CLAUDE-HAIKU-4-5", "--json"]).json()["id"], "claude-haiku-4-5-20251001");
    assert_eq!(env.run(&["cost", "Gpt-5", "--requests", "1", "--json"]).json()[0]["id"], "gpt-5");
    let twins = Env::new();
    twins.run_stdin(&["sync", "--from", "-"], br#"[{"id": "Model-A"}, {"id": "model-a"}]"#.to_vec()).success();
    let run = twins.run(&["show", "MODEL-A"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: \"MODEL-A\" matches more than one model when case is ignored: Model-A, model-a"),
        "{run}"
    );
    assert_eq!(twins.run(&["show", "model-a", "--json"]).json()["id"], "model-a", "an exact id wins");
}

#[test]
fn a_workload_can_come_from_stdin() {
    let env = catalog();
    let toml = std::fs::read(fixture("workloads/app.toml")).unwrap();
    let run = env.run_stdin(&["estimate", "-", "--json"], toml);
    assert_eq!(run.success().json()["total"], "714.4");
    let run = env.run_stdin(&["estimate", "-"], b"[[item]]\nname = \"a\"\n".to_vec());
    assert_eq!(run.stderr, "error: stdin:1: item 1: missing field `model`\n");
}

#[test]
fn upcoming_models_are_marked_where_they_are_used() {
    let env = catalog();
    let run = env.run(&["models", "--include-upcoming", "--search", "gpt-6"]);
    assert!(run.stdout.lines().next().unwrap().ends_with("UPCOMING"), "{run}");
    assert!(run.stdout.contains("yes"), "{run}");
    let run = env.run(&["cost", "gpt-6-preview", "--input-tokens", "1000"]);
    assert!(run.stdout.contains("gpt-6-preview (upcoming)"), "{run}");
    assert!(run.stderr.contains("gpt-6-preview is upcoming: listed, not yet callable"), "{run}");
    assert_eq!(env.run(&["cost", "gpt-6-preview", "--requests", "1", "--json"]).json()[0]["upcoming"], true);
}

#[test]
fn the_shortcuts_people_bring() {
    let env = catalog();
    // A search term as the argument, -n for --limit, --json for --format json.
    let run = env.run(&["models", "claude", "-n", "2", "--json"]);
    assert_eq!(ids(&run), ["claude-haiku-4-5-20251001", "claude-opus-4-1"]);
    assert_eq!(env.run(&["models", "claude", "--search", "gpt"]).code, 2, "one search at a time");
    assert_eq!(env.run(&["providers", "--json", "--format", "csv"]).code, 2, "--json is --format json");
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let env = catalog();
    let plain = env.run(&["models", "-n", "1"]);
    assert!(!plain.stdout.contains('\x1b'), "off a terminal, NO_COLOR: none");
    let forced = env.run(&["--color", "always", "models", "-n", "1"]);
    assert!(forced.stdout.contains("\x1b[1mID"), "{forced}");
    let run = crate::common::Run::from(
        env.cmd(&["models", "-n", "1"]).env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1").output().unwrap(),
    );
    assert!(run.stdout.contains('\x1b'), "CLICOLOR_FORCE: {run}");
    let run = crate::common::Run::from(
        env.cmd(&["--color", "never", "models", "-n", "1"]).env("CLICOLOR_FORCE", "1").output().unwrap(),
    );
    assert!(!run.stdout.contains('\x1b'), "--color never wins");
}

#[test]
fn csv_headers_are_the_json_keys() {
    let env = catalog();
    let header = |args: &[&str]| env.run(args).stdout.lines().next().unwrap_or_default().to_owned();
    assert_eq!(header(&["providers", "--format", "csv"]), "provider_code,provider,count");
    assert_eq!(header(&["features", "--format", "csv"]), "value,count");
    assert!(header(&["syncs", "--format", "csv"]).ends_with(",added,removed,changed,catalog_changed"));
    let syncs = env.run(&["syncs", "--format", "csv"]).stdout;
    assert!(syncs.lines().nth(1).unwrap().ends_with(",64,0,0,true"), "raw counts, no formula guard: {syncs}");
}

#[test]
fn words_people_type_resolve_and_an_empty_listing_says_why() {
    let env = Env::new();
    env.import("catalog.json");
    let vision = env.run(&["models", "--feature", "vision", "--format", "json"]);
    assert!(vision.stderr.contains("feature \"vision\" read as image-to-text"), "{vision}");
    let by_name = env.run(&["models", "--feature", "image-to-text", "--format", "json"]).success().json();
    assert_eq!(vision.success().json(), by_name);
    let empty = env.run(&["models", "--feature", "nope", "--max-input-price", "0.01"]);
    assert!(
        empty
            .success()
            .stderr
            .starts_with("no models match --feature nope --max-input-price 0.01\nno feature \"nope\""),
        "{empty}"
    );
    let quiet = env.run(&["models", "--feature", "text-to-text"]);
    assert!(quiet.success().stderr.is_empty(), "a listing with rows says nothing: {quiet}");
    let ranked = env.run(&["rank", "--provider", "nobody", "--input-tokens", "10"]);
    assert!(ranked.stderr.contains("no models match --provider nobody"), "{ranked}");
    let show = env.run(&["show", "nope"]);
    assert_eq!(show.code, 1);
    assert!(!show.stderr.contains("did you mean"), "nothing absurd: {show}");
}

/// The command run on a pseudo-terminal `columns` wide (util-linux `script`),
/// its table as text (stderr goes elsewhere).
#[cfg(target_os = "linux")]
fn on_terminal(env: &Env, args: &[&str], columns: usize) -> String {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{}'", a.replace('\'', r"'\''"))).collect();
    let line = format!("exec '{}' {} 2>/dev/null", env!("CARGO_BIN_EXE_cometcat"), quoted.join(" "));
    let out = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("HOME", env.dir.path())
        .env("COMETCAT_DB", env.db())
        .env("NO_COLOR", "1")
        .env("COLUMNS", columns.to_string())
        .env("SHELL", "/bin/sh")
        .env("PATH", "/usr/bin:/bin")
        .current_dir(env.dir.path())
        .output()
        .expect("util-linux script runs");
    String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n")
}

#[test]
#[cfg(target_os = "linux")]
fn every_table_fits_a_narrow_terminal() {
    use unicode_width::UnicodeWidthStr;
    let env = catalog();
    let app = fixture("workloads/app.toml");
    let log = fixture("usage/mixed.jsonl");
    let work = ["--input-tokens", "1M", "--output-tokens", "200K"];
    let commands: [(Vec<&str>, usize); 6] = [
        // Every price column stays (a per-call model has no other price): models fit 80.
        (vec!["models"], 80),
        (vec!["models", "--type", "image"], 60),
        ([&["rank", "--top", "10"][..], &work].concat(), 60),
        ([&["cost", "gpt-5", "claude-sonnet-4-5", "gemini-2.5-pro"][..], &work].concat(), 60),
        (vec!["estimate", app.to_str().unwrap()], 60),
        (vec!["usage", log.to_str().unwrap()], 60),
    ];
    for (args, columns) in commands {
        let screen = on_terminal(&env, &args, columns);
        let table: Vec<&str> = screen.lines().take_while(|l| !l.is_empty()).collect();
        assert!(table.len() > 1, "{args:?} shows a table:\n{screen}");
        for line in &table {
            assert!(line.width() <= columns, "{args:?}: a line {} wide:\n{screen}", line.width());
        }
        // No price is left out: the per-call prices of image models are on screen.
        if args == ["models", "--type", "image"] {
            assert!(screen.contains("0.048") && !screen.contains("$/CALL;"), "{screen}");
        }
        // The first column (ids) is never cut so far that two rows look alike.
        let firsts: Vec<&str> = table.iter().skip(1).filter_map(|l| l.split("  ").next()).collect();
        let distinct: std::collections::HashSet<&&str> = firsts.iter().collect();
        assert_eq!(distinct.len(), firsts.len(), "{args:?}:\n{screen}");
    }
}

#[test]
fn help_lists_a_commands_own_options_before_the_global_ones() {
    let env = Env::new();
    for command in ["models", "rank", "usage", "estimate", "sync"] {
        let help = env.run(&[command, "--help"]).success().stdout.clone();
        let own = help.find("--format").or_else(|| help.find("--base-url")).expect("an own option");
        let global = help.find("Global options:").expect("a global heading");
        assert!(own < global && global < help.find("--db <PATH>").unwrap(), "{command}:\n{help}");
    }
    let help = env.run(&["completions", "--help"]).success().stdout.clone();
    for line in ["source <(COMPLETE=bash cometcat)", "COMPLETE=fish cometcat | source", "completions zsh >"] {
        assert!(help.contains(line), "{help}");
    }
}

#[test]
fn a_missing_log_is_an_error_not_an_empty_report() {
    let env = catalog();
    let run = env.run(&["usage", "nope.jsonl"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run}");
    assert_eq!(run.stderr, "error: nope.jsonl: no such file\n");
    let folder = env.dir.path().to_str().unwrap().to_owned();
    let run = env.run(&["usage", &folder]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("is a folder, not a log file"), "{run}");
    // One missing file among several: nothing is read, nothing reported.
    let log = fixture("usage/mixed.jsonl");
    let run = env.run(&["usage", log.to_str().unwrap(), "nope.jsonl"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run}");
}

#[test]
fn the_cached_tokens_note_is_only_for_logs_with_cached_tokens() {
    let env = catalog();
    let plain = r#"{"model":"gpt-5","usage":{"prompt_tokens":10,"completion_tokens":5}}"#;
    let run = env.run_stdin(&["usage", "--json"], plain.into());
    assert_eq!(run.json()["notes"], serde_json::json!([]), "{run}");
    let cached = r#"{"model":"gpt-5","usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":4}}}"#;
    let run = env.run_stdin(&["usage", "--json"], cached.into());
    assert!(
        run.json()["notes"][0].as_str().unwrap().starts_with("cached tokens are billed at the input price"),
        "{run}"
    );
}

#[test]
fn a_workload_file_takes_counts_as_the_flags_do() {
    let env = catalog();
    let file = env.dir.path().join("w.toml");
    std::fs::write(&file, "[[item]]\nname = \"chat\"\nmodel = \"gpt-5\"\ninput_tokens = \"1.2M\"\noutput_tokens = \"200K\"\nrequests = \"1,000\"\n").unwrap();
    let run = env.run(&["estimate", file.to_str().unwrap(), "--json"]);
    let item = &run.success().json()["items"][0];
    assert_eq!(
        (item["input_tokens"].as_u64(), item["output_tokens"].as_u64(), item["requests"].as_u64()),
        (Some(1_200_000), Some(200_000), Some(1000)),
        "{run}"
    );
}

#[test]
fn an_empty_log_under_a_budget_checks_nothing_and_says_so() {
    let env = catalog();
    let empty = env.dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let run = env.run(&["usage", empty.to_str().unwrap(), "--budget", "10"]);
    assert_eq!(run.code, 4, "{run}");
    assert!(run.stderr.contains("no record was read, so the gate checks nothing"), "{run}");
    // Without a limit, an empty log is an empty report.
    assert_eq!(env.run(&["usage", empty.to_str().unwrap()]).code, 0);
}

#[test]
fn calls_without_tokens_on_a_token_model_are_said_to_cost_nothing_for_a_reason() {
    let env = catalog();
    let run = env.run(&["cost", "gpt-5", "dall-e-3", "--requests", "10"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stderr.contains("gpt-5 prices tokens only, and the workload has none"), "{run}");
    assert!(!run.stderr.contains("dall-e-3 prices"), "a per-call model is priced by its calls: {run}");
}

#[test]
fn a_search_that_finds_nothing_suggests_the_ids_it_may_have_meant() {
    let env = catalog();
    let run = env.run(&["models", "gpt5"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stderr.contains("no model's id or name holds \"gpt5\"; did you mean gpt-5"), "{run}");
    // A search that finds something says nothing.
    assert!(env.run(&["models", "gpt-5"]).stderr.is_empty());
}
