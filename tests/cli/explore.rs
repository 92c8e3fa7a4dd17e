//! Exploring the catalog: FILTERS, sorting, facets, every format, `export`,
//! read-only `sql` and `completions`.

use crate::common::{Env, fixture};
use crate::snap;

fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog.json");
    env
}

/// The ids `models` lists for `args`, in order.
fn ids(env: &Env, args: &[&str]) -> Vec<String> {
    let run = env.run(&[&["models", "--format", "json"], args].concat());
    run.success().json().as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn filters_answer_what_spec_section_3_says() {
    let env = catalog();
    // Expected ids computed from fixtures/catalog.json by an independent model of
    // the filter rules (effective prices, inclusive ceilings, "200K" contexts, ASCII case).
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--feature", "TEXT-TO-IMAGE"],
            &[
                "dall-e-3",
                "doubao-seedream-5",
                "gemini-2.5-flash-image",
                "gpt-image-1",
                "gpt-image-2",
                "ideogram-v3",
                "midjourney-imagine",
            ],
        ),
        (
            &["--feature", "text-to-image", "--feature", "image-editing"],
            &["gemini-2.5-flash-image", "gpt-image-1", "ideogram-v3"],
        ),
        (
            &["--provider", "anthropic"],
            &["claude-haiku-4-5-20251001", "claude-opus-4-1", "claude-sonnet-4-5", "claude-sonnet-4-6"],
        ),
        (&["--provider", "moonshot ai"], &["kimi-k2"]),
        (
            &["--provider", "XAI", "--provider", "Mistral AI"],
            &["grok-4-fast", "grok-4.5", "grok-code-fast-1", "mistral-large"],
        ),
        (
            &["--type", "video"],
            &["hailuo-02", "kling-v2.1", "runway-gen4-turbo", "sora-2", "sora-2-pro", "veo3", "veo3-fast"],
        ),
        (
            &["--type", "IMAGE", "--type", "audio"],
            &[
                "black-forest-labs/flux-kontext-pro",
                "black-forest-labs/flux-schnell",
                "dall-e-3",
                "doubao-seedream-5",
                "flux-2-pro",
                "gemini-2.5-flash-image",
                "gpt-4o-audio-preview",
                "gpt-4o-mini-transcribe",
                "gpt-4o-mini-tts",
                "gpt-image-1",
                "gpt-image-2",
                "ideogram-v3",
                "midjourney-imagine",
                "suno-v4.5",
                "tts-1",
                "whisper-1",
            ],
        ),
        (
            &["--endpoint", "anthropic"],
            &["claude-haiku-4-5-20251001", "claude-opus-4-1", "claude-sonnet-4-5", "claude-sonnet-4-6"],
        ),
        (
            &["--endpoint", "/v1/images/generations"],
            &["dall-e-3", "doubao-seedream-5", "gpt-image-1", "gpt-image-2", "ideogram-v3"],
        ),
        (&["--endpoint", "OPENAI-EMBEDDINGS"], &["bge-m3", "text-embedding-3-large", "text-embedding-3-small"]),
        (
            &["--search", "flux"],
            &["black-forest-labs/flux-kontext-pro", "black-forest-labs/flux-schnell", "flux-2-pro"],
        ),
        (&["--search", "Open-Weight"], &["gpt-oss-120b"]),
        (&["--search", "gpt-5-4"], &["gpt-5.4-pro"]),
        (
            &["--max-input-price", "0.2"],
            &[
                "bge-m3",
                "gemini-2.5-flash-lite",
                "gpt-4o-mini",
                "gpt-5-mini",
                "gpt-5-nano",
                "grok-4-fast",
                "grok-code-fast-1",
                "omni-moderation-latest",
                "qwen3-235b-a22b",
                "qwen3-vl-plus",
                "text-embedding-3-large",
                "text-embedding-3-small",
            ],
        ),
        (
            &["--max-output-price", "0.5"],
            &[
                "deepseek-v3.2",
                "gemini-2.5-flash-lite",
                "gpt-4o-mini",
                "gpt-5-nano",
                "grok-4-fast",
                "omni-moderation-latest",
                "qwen3-235b-a22b",
            ],
        ),
        (
            &["--min-context", "1M"],
            &[
                "gemini-2.5-flash",
                "gemini-2.5-flash-lite",
                "gemini-2.5-pro",
                "gpt-4.1",
                "gpt-4.1-mini",
                "gpt-5.4-pro",
                "grok-4-fast",
                "llama-4-maverick",
            ],
        ),
        (
            &["--pricing", "request"],
            &[
                "black-forest-labs/flux-kontext-pro",
                "black-forest-labs/flux-schnell",
                "dall-e-3",
                "doubao-seedream-5",
                "flux-2-pro",
                "ideogram-v3",
                "midjourney-imagine",
                "suno-v4.5",
            ],
        ),
        (
            &["--pricing", "second"],
            &[
                "gpt-4o-mini-transcribe",
                "hailuo-02",
                "kling-v2.1",
                "runway-gen4-turbo",
                "sora-2",
                "sora-2-pro",
                "veo3",
                "veo3-fast",
                "whisper-1",
            ],
        ),
        (
            &["--provider", "openai", "--type", "text", "--min-context", "1000000", "--include-upcoming"],
            &["gpt-4.1", "gpt-4.1-mini", "gpt-5.4-pro", "gpt-6-preview"],
        ),
        (
            &["--type", "text", "--provider", "openai", "--max-input-price", "1", "--min-context", "400K"],
            &["gpt-4.1-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano"],
        ),
        (&["--provider", "nobody"], &[]),
    ];
    for (args, want) in cases {
        assert_eq!(ids(&env, args), *want, "models {}", args.join(" "));
    }
    assert_eq!(ids(&env, &[]).len(), 62, "upcoming models are hidden");
}

#[test]
fn filter_values_never_change_the_query() {
    let env = catalog();
    for evil in ["' OR 1=1 --", "%", "_", "x\" OR \"1\"=\"1", "*", "\\"] {
        for flag in ["--provider", "--feature", "--type", "--endpoint"] {
            assert_eq!(ids(&env, &[flag, evil]), Vec::<String>::new(), "{flag} {evil}");
        }
    }
    // LIKE wildcards are literal text, not patterns.
    assert_eq!(ids(&env, &["--search", "%"]), Vec::<String>::new());
    assert_eq!(ids(&env, &["--search", "_"]), Vec::<String>::new());
    assert_eq!(ids(&env, &["--search", "gpt-5_"]), Vec::<String>::new());
}

#[test]
fn bad_filter_values_are_usage_errors() {
    let env = catalog();
    for args in [
        &["--max-input-price", "cheap"][..],
        &["--max-output-price", "-1"],
        &["--min-context", "lots"],
        &["--pricing", "per-token"],
        &["--sort", "price"],
        &["--limit", "-3"],
    ] {
        let run = env.run(&[&["models"], args].concat());
        assert_eq!(run.code, 2, "{args:?}: {run}");
    }
    snap!(env.run(&["models", "--max-input-price", "cheap"]));
}

#[test]
fn sorting_puts_missing_values_last_in_either_direction() {
    let env = catalog();
    let cheapest = ids(&env, &["--sort", "input-price", "--limit", "5"]);
    assert_eq!(
        cheapest,
        ["omni-moderation-latest", "bge-m3", "text-embedding-3-small", "gpt-5-nano", "gemini-2.5-flash-lite"]
    );
    // Five-way ties at 12 and 4 effective: by id, ascending, though the sort is descending.
    let priciest = ids(&env, &["--sort", "input-price", "--desc", "--limit", "5"]);
    assert_eq!(priciest, ["claude-opus-4-1", "gpt-5.4-pro", "tts-1", "gpt-image-1", "gpt-image-2"]);
    // The 19 models without an input price come last either way, by id.
    let ascending = ids(&env, &["--sort", "input-price"]);
    let descending = ids(&env, &["--sort", "input-price", "--desc"]);
    assert_eq!(ascending[43..], descending[43..]);
    assert_eq!(descending[58..], ["suno-v4.5", "veo3", "veo3-fast", "whisper-1"]);
    assert_eq!(ids(&env, &["--sort", "context", "--desc", "--limit", "3"]), ["grok-4-fast", "gpt-4.1", "gpt-4.1-mini"]);
    assert_eq!(ids(&env, &["--sort", "created", "--limit", "2"]), ["gpt-5", "gpt-5-mini"]);
    assert_eq!(ids(&env, &["--sort", "provider", "--limit", "3"]), ["qwen3-235b-a22b", "qwen3-coder", "qwen3-max"]);
}

#[test]
fn ties_break_by_id_ascending_in_either_direction() {
    let env = catalog();
    // claude-sonnet-4-5 and grok-4.5 both cost 2.4 effective; grok-4-fast and grok-code-fast-1 0.16.
    let args = ["--sort", "input-price", "--provider", "anthropic", "--provider", "xai"];
    assert_eq!(
        ids(&env, &args),
        [
            "grok-4-fast",
            "grok-code-fast-1",
            "claude-haiku-4-5-20251001",
            "claude-sonnet-4-5",
            "grok-4.5",
            "claude-sonnet-4-6",
            "claude-opus-4-1"
        ]
    );
    assert_eq!(
        ids(&env, &[&args[..], &["--desc"]].concat()),
        [
            "claude-opus-4-1",
            "claude-sonnet-4-6",
            "claude-sonnet-4-5",
            "grok-4.5",
            "claude-haiku-4-5-20251001",
            "grok-4-fast",
            "grok-code-fast-1"
        ]
    );
}

#[test]
fn facets_count_models_and_honour_filters() {
    let env = catalog();
    snap!("providers", env.run(&["providers"]));
    snap!("types", env.run(&["types"]));
    snap!("features_of_images", env.run(&["features", "--type", "image"]));
    snap!("endpoints_json", env.run(&["endpoints", "--format", "json", "--provider", "openai"]));
    let providers = env.run(&["providers", "--format", "json", "--type", "video"]).json();
    assert_eq!(
        providers,
        serde_json::json!([
            {"provider_code": "google", "provider": "Google", "count": 2},
            {"provider_code": "openai", "provider": "OpenAI", "count": 2},
            {"provider_code": "kuaishou", "provider": "Kuaishou", "count": 1},
            {"provider_code": "minimax", "provider": "MiniMax", "count": 1},
            {"provider_code": "runway", "provider": "Runway", "count": 1},
        ])
    );
    let upcoming = env.run(&["types", "--format", "json", "--include-upcoming"]).json();
    assert_eq!(upcoming[0], serde_json::json!({"value": "text", "count": 37}), "36 listed and gpt-6-preview");
}

#[test]
fn every_listing_writes_every_format() {
    let env = catalog();
    for format in ["table", "json", "csv", "markdown"] {
        snap!(format!("models_{format}"), env.run(&["models", "--provider", "anthropic", "--format", format]));
        snap!(format!("types_{format}"), env.run(&["types", "--format", format]));
        snap!(format!("sql_{format}"), env.run(&["sql", "--format", format, "SELECT id, effective_input_price, context_length, upcoming FROM models WHERE provider_code = 'xai' ORDER BY id"]));
    }
    // Nothing found is still a whole document.
    let none = |args: &[&str]| env.run(args).success().stdout.clone();
    assert_eq!(none(&["models", "--search", "zzz-nothing", "--format", "json"]), "[]\n");
    assert_eq!(none(&["sql", "--format", "json", "SELECT id FROM models WHERE 0"]), "[]\n");
    assert_eq!(none(&["sql", "--format", "csv", "SELECT id, name FROM models WHERE 0"]), "id,name\n");
    assert_eq!(none(&["models", "--search", "zzz-nothing", "--format", "csv"]).lines().count(), 1);
}

#[test]
fn csv_defuses_formulas_and_quotes_per_rfc_4180() {
    let env = Env::new();
    env.import("tricky-text.json");
    let run = env.run(&["models", "--format", "csv"]);
    snap!(run);
    // Read back with a CSV parser: six rows, every cell intact, formula starts prefixed.
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    // Rows in id order (byte order): tab, '=', '@', 'p', 'q', 'é'.
    let names: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
    assert_eq!(names, ["'\r carriage", "'+SUM(A1:A9)", "'@home", "a | b", "Line one\nLine two", "Ünïcödé 智谱 🚀"]);
    assert_eq!(&rows[4][0], "quote\"d,model");
    for row in &rows {
        for cell in row.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "unguarded cell {cell:?}");
        }
    }
}

#[test]
fn markdown_and_tables_keep_their_shape_with_odd_text() {
    let env = Env::new();
    env.import("tricky-text.json");
    snap!("markdown", env.run(&["models", "--format", "markdown"]));
    snap!("table", env.run(&["models"]));
}

#[test]
fn export_json_round_trips_byte_for_byte() {
    let env = Env::new();
    env.import("catalog.json");
    env.import("odd-records.json");
    let first = env.run(&["export", "--format", "json"]).success().stdout.clone();
    let again = Env::new();
    again.run_stdin(&["sync", "--from", "-"], first.clone().into_bytes()).success();
    let second = again.run(&["export", "--format", "json"]).success().stdout.clone();
    assert_eq!(first, second);
    // Nothing was lost: upcoming models, unknown fields, quarantined records.
    let envelope: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(envelope["total"], 15);
    assert_eq!(envelope["data"].as_array().unwrap().len(), 15);
    assert!(first.contains("3.14159265358979323846"));
    assert!(first.contains("\"no-id-here\""));
    let importing = again.run(&["syncs", "--format", "json"]).json();
    assert_eq!(importing[0]["quarantined"], 3);
}

#[test]
fn export_json_keeps_records_as_received_and_the_fetch_time() {
    let env = Env::new();
    env.import("catalog-v2.json");
    let out = env.run(&["export", "--format", "json"]).success().stdout.clone();
    let envelope: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(envelope["fetched_at"], "2026-10-01T08:00:00Z");
    assert_eq!((envelope["page"].as_u64(), envelope["page_size"].as_u64()), (Some(0), Some(0)));
    assert_eq!(envelope["total"], 65, "upcoming models are part of an export");
    // Each record is the fixture's line, byte for byte.
    let fixture = std::fs::read_to_string(fixture("catalog-v2.json")).unwrap();
    for line in out.lines().filter(|l| l.starts_with("    {")) {
        let record = line.trim_start().trim_end_matches(',');
        assert!(fixture.contains(record), "not as received: {record}");
    }
}

#[test]
fn export_csv_is_the_whole_catalog_with_filters() {
    let env = catalog();
    let all = env.run(&["export"]).success().stdout.clone();
    assert_eq!(all, env.run(&["models", "--format", "csv", "--include-upcoming"]).stdout);
    assert_eq!(all.lines().count(), 65);
    let video = env.run(&["export", "--type", "video"]).success().stdout.clone();
    assert_eq!(video.lines().count(), 9, "7 video models, veo4 (upcoming) and the header");
}

#[test]
fn export_output_is_written_atomically() {
    let env = catalog();
    let path = env.dir.path().join("catalog.csv");
    env.run(&["export", "--output", path.to_str().unwrap()]).success();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), env.run(&["export"]).stdout);
    let missing = env.dir.path().join("no-such-dir").join("catalog.csv");
    let run = env.run(&["export", "--output", missing.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    snap!(run);
    assert!(!missing.exists());
    let run = env.run(&["export", "--format", "table"]);
    assert_eq!(run.code, 2, "{run}");
}

#[test]
fn sql_reads_the_documented_schema() {
    let env = catalog();
    env.import("catalog-v2.json");
    let tables = env.sql(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%' ORDER BY name",
    );
    assert_eq!(
        tables,
        "facet_groups\nfilter_values\nmodel_endpoints\nmodel_features\nmodel_records\nmodel_versions\nmodels\nquarantine\nsnapshots\nspans\n"
    );
    assert_eq!(env.sql("SELECT count(*) FROM models"), "65\n");
    assert_eq!(
        env.sql("SELECT features, endpoints FROM models WHERE id = 'claude-sonnet-4-6'"),
        "text-to-text;image-to-text;pdf-to-text,anthropic\n"
    );
    assert_eq!(env.sql("PRAGMA user_version"), "4\n");
    snap!(env.run(&["sql", "SELECT id, models, added, removed, changed FROM snapshots ORDER BY id"]));
}

#[test]
fn sql_refuses_every_write_and_changes_nothing() {
    let env = catalog();
    let state = || {
        (
            std::fs::read(env.db()).unwrap(),
            env.sql("SELECT (SELECT count(*) FROM snapshots), (SELECT count(*) FROM model_versions), (SELECT group_concat(name) FROM sqlite_schema)"),
        )
    };
    let before = state();
    let outside = env.dir.path().join("copy.db");
    let writes = [
        "INSERT INTO snapshots (id) VALUES (99)".to_owned(),
        "UPDATE model_versions SET input_price = '0'".into(),
        "DELETE FROM spans".into(),
        "DROP TABLE spans".into(),
        "DROP VIEW models".into(),
        "CREATE TABLE x (a)".into(),
        "CREATE TEMP TABLE x (a)".into(),
        "CREATE INDEX x ON spans (version_id)".into(),
        "ALTER TABLE spans ADD COLUMN x".into(),
        format!("ATTACH DATABASE '{}' AS other", outside.display()),
        "PRAGMA user_version = 7".into(),
        "PRAGMA journal_mode = DELETE".into(),
        "PRAGMA query_only = OFF".into(),
        "VACUUM".into(),
        format!("VACUUM INTO '{}'", outside.display()),
        "REINDEX".into(),
        "ANALYZE".into(),
        "BEGIN".into(),
        "SELECT 1; DELETE FROM spans".into(),
        "SELECT load_extension('/tmp/evil.so')".into(),
        "WITH x AS (SELECT 1) INSERT INTO snapshots (id) SELECT * FROM x".into(),
    ];
    for query in &writes {
        let run = env.run(&["sql", query]);
        assert_eq!(run.code, 1, "{query}: {run}");
        assert!(run.stderr.starts_with("error: "), "{query}: {run}");
    }
    snap!("insert", env.run(&["sql", &writes[0]]));
    snap!("two_statements", env.run(&["sql", &writes[18]]));
    assert_eq!(state(), before, "the catalog is unchanged");
    assert!(!outside.exists(), "nothing was written outside it");
}

#[test]
fn sql_reports_bad_queries() {
    let env = catalog();
    snap!(env.run(&["sql", "SELEC id FROM models"]));
    for blank in ["", "  ", "/* nothing */"] {
        let run = env.run(&["sql", blank]);
        assert_eq!(run.code, 1, "{run}");
        assert!(run.stderr.starts_with("error: the query holds no SQL statement\n"), "{run}");
    }
    let run = env.run(&["sql", "SELECT 1; SELECT 2"]);
    assert_eq!((run.code, run.stderr.as_str()), (1, "error: give one SQL statement at a time\n"));
}

#[test]
fn completions_know_the_commands_and_the_catalog() {
    let env = catalog();
    for shell in ["bash", "zsh", "fish"] {
        let run = env.run(&["completions", shell]);
        assert!(
            run.success().stdout.contains(&format!("COMPLETE=\"{shell}\""))
                || run.stdout.contains(&format!("COMPLETE={shell}")),
            "{run}"
        );
    }
    assert_eq!(env.run(&["completions", "tcsh"]).code, 2);
    // What the shell runs at each Tab (fish's protocol: one candidate a line, help after a tab).
    let complete = |env: &Env, words: &[&str]| -> Vec<String> {
        let out = env.cmd(&[&["--", "cometcat"], words].concat()).env("COMPLETE", "fish").output().unwrap();
        String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split('\t').next().unwrap().to_owned()).collect()
    };
    assert!(complete(&env, &["mo"]).contains(&"models".to_owned()));
    assert!(complete(&env, &["models", "--max-in"]).contains(&"--max-input-price".to_owned()));
    assert_eq!(complete(&env, &["show", "gpt-5"]), ["gpt-5", "gpt-5-4-pro", "gpt-5-mini", "gpt-5-nano", "gpt-5.4-pro"]);
    assert_eq!(complete(&env, &["cost", "CLAUDE-HAIKU"]), ["claude-haiku-4-5", "claude-haiku-4-5-20251001"]);
    assert_eq!(complete(&env, &["models", "--provider", "anth"]), ["anthropic"]);
    assert_eq!(complete(&env, &["rank", "--type", "vid"]), ["video"]);
    assert!(complete(&env, &["models", "--feature", "text-to-"]).contains(&"text-to-image".to_owned()));
    // Before any sync, the bundled sample answers.
    assert!(complete(&Env::new(), &["history", "veo"]).contains(&"veo3-fast".to_owned()));
}

#[test]
fn sql_is_bounded_in_time_and_in_what_a_table_holds() {
    let env = catalog();
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    let run = env.run(&["sql", "--timeout", "0.5", endless]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.starts_with("error: the query ran longer than --timeout (0.5 s) and was stopped"), "{run}");
    let rows = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";
    let run = env.run(&["sql", rows]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.starts_with("error: the result is too large for a table"), "{run}");
    assert!(run.stdout.is_empty(), "{run}");
    // Streamed, the same rows go out until the time limit.
    let run = env.run(&["sql", "--format", "csv", "--timeout", "0.3", rows]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.lines().count() > 1000, "rows streamed before the stop");
}

#[test]
fn snapshot_dates_reach_the_end_of_the_calendar() {
    let env = catalog();
    let run = env.run(&["diff", "1", "9999-12-31", "--format", "json"]);
    assert_eq!(run.success().json()["to"]["id"], 1);
}
