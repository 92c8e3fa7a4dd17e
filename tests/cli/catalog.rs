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
    // The main job works on a fresh machine, offline: from the bundled sample, said so.
    for args in [
        &["models", "--limit", "3"][..],
        &["show", "gpt-5"],
        &["providers"],
        &["cost", "gpt-5", "--input-tokens", "1000"],
        &["rank", "--input-tokens", "1000", "--top", "3"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 0, "{args:?}: {run}");
        assert_eq!(
            run.stderr.lines().next(),
            Some(
                "using the bundled sample catalog (64 models, from 2026-09-01); run `cometcat sync` for the live catalog"
            ),
            "{args:?}: {run}"
        );
    }
    snap!(env.run(&["models", "--limit", "3"]));
    // A gate never prices against the sample; what reads history needs a real catalog.
    let workload = fixture("workloads/app.toml");
    let run = env.run(&["estimate", workload.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{run}");
    assert!(run.stderr.starts_with("error: no catalog synced"), "{run}");
    snap!("before_any_sync_syncs", env.run(&["syncs"]));
    assert!(!env.db().exists(), "reading creates no catalog");
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
    let catalog = fixture("catalog.json");
    let commands: &[&[&str]] = &[
        &["models", "--format", "json", "--include-upcoming"],
        &["models", "--format", "csv"],
        &["models", "--format", "markdown"],
        &["models"],
        &["export"],
        &["export", "--format", "json"],
        &["sql", "--format", "csv", "SELECT * FROM models"],
        &["sql", "--format", "json", "SELECT * FROM models"],
        &["sync", "--from", catalog.to_str().unwrap(), "--format", "json"],
    ];
    for args in commands {
        // The reading end is closed before cometcat writes: every write fails with EPIPE.
        let mut proc = env
            .std_cmd(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(proc.stdout.take());
        let out = proc.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe") && !stderr.contains("error"), "{args:?}: {stderr}");
    }
}

/// Runs cometcat as a user who cannot write `env`'s folder: as `nobody` when
/// the tests run as root (root may write anything), else as ourselves. That
/// user may not see the checkout (a clone in a private folder): the binary and
/// every file it reads are copies in `env`'s folder (see [`place`]).
#[cfg(unix)]
fn run_without_write_access(env: &Env, args: &[&str]) -> crate::common::Run {
    use std::os::unix::process::CommandExt;
    let template = env.std_cmd(args);
    let mut cmd = std::process::Command::new(env.dir.path().join("cometcat"));
    cmd.env_clear().args(template.get_args()).current_dir(env.dir.path());
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    if unsafe { libc::geteuid() } == 0 {
        cmd.uid(65534).gid(65534);
    }
    crate::common::Run::from(cmd.output().unwrap())
}

/// Copies the binary and the fixtures `names` into `env`'s folder, for a run
/// as another user, and gives the copies' paths.
#[cfg(unix)]
fn place(env: &Env, names: &[&str]) -> Vec<String> {
    std::fs::copy(env!("CARGO_BIN_EXE_cometcat"), env.dir.path().join("cometcat")).unwrap();
    let copy = |name: &str| {
        let to = env.dir.path().join(std::path::Path::new(name).file_name().unwrap());
        std::fs::copy(fixture(name), &to).unwrap();
        to.to_str().unwrap().to_owned()
    };
    names.iter().map(|n| copy(n)).collect()
}

#[cfg(unix)]
#[test]
fn a_read_only_catalog_can_be_read() {
    use std::os::unix::fs::PermissionsExt;
    let env = catalog();
    env.import("catalog-v2.json");
    let [workload, catalog] = <[String; 2]>::try_from(place(&env, &["workloads/app.toml", "catalog.json"])).unwrap();
    let mode = |path: &std::path::Path, mode| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    mode(&env.db(), 0o444).unwrap();
    mode(env.dir.path(), 0o555).unwrap();
    let reads: &[&[&str]] = &[
        &["models", "--limit", "3"],
        &["show", "gpt-5"],
        &["providers"],
        &["cost", "gpt-5", "--input-tokens", "1000"],
        &["rank", "--input-tokens", "1000", "--top", "3"],
        &["estimate", &workload, "--allow-unpriced"],
        &["syncs"],
        &["diff"],
        &["history", "gpt-5"],
        &["sql", "SELECT count(*) FROM models"],
        &["export", "--format", "json"],
    ];
    for args in reads {
        let run = run_without_write_access(&env, args);
        assert_eq!(run.code, 0, "{args:?}: {run}");
    }
    // Only sync needs to write, and says why it cannot.
    let run = run_without_write_access(&env, &["sync", "--from", &catalog]);
    assert_eq!(run.code, 1, "{run}");
    mode(env.dir.path(), 0o755).unwrap();
    assert!(run.stderr.contains("cannot be written: the file or its folder is read-only"), "{run}");
}

/// A catalog an older cometcat left at schema 3 (no `facet_groups`) or 2
/// (nor `filter_values`), in a read-only file and folder such as a CI cache:
/// it cannot be migrated, and is read as it is, with the same answers.
#[cfg(unix)]
#[test]
fn a_read_only_catalog_of_the_previous_schemas_is_read_as_it_is() {
    read_only_catalog_of_schema(3, "DROP TABLE facet_groups;");
    read_only_catalog_of_schema(2, "DROP TABLE facet_groups; DROP TABLE filter_values;");
}

#[cfg(unix)]
fn read_only_catalog_of_schema(version: i64, undo: &str) {
    use std::os::unix::fs::PermissionsExt;
    let env = catalog();
    env.import("catalog-v2.json");
    let reads: &[&[&str]] = &[
        &["models", "--feature", "vision", "--format", "csv"],
        &["models", "--provider", "nosuch", "--provider", "OPENAI", "--format", "csv"],
        &["models", "--feature", "no-such-feature", "--format", "csv"],
        &["rank", "--input-tokens", "1000", "--feature", "vision"],
    ];
    let current: Vec<_> = reads.iter().map(|args| env.run(args)).collect();
    place(&env, &[]);
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.execute_batch(&format!("{undo} PRAGMA user_version = {version}; PRAGMA journal_mode = DELETE;")).unwrap();
    }
    let mode = |path: &std::path::Path, mode| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    mode(&env.db(), 0o444).unwrap();
    mode(env.dir.path(), 0o555).unwrap();
    let old: Vec<_> = reads.iter().map(|args| run_without_write_access(&env, args)).collect();
    mode(env.dir.path(), 0o755).unwrap();
    for ((args, now), then) in reads.iter().zip(&current).zip(&old) {
        assert_eq!(then.code, now.code, "schema {version}, {args:?}: {then}");
        assert_eq!(then.stdout, now.stdout, "{args:?}");
        assert_eq!(then.stderr, now.stderr, "{args:?}");
    }
    assert!(old[0].stdout.lines().count() > 1, "some models have the feature: {}", old[0]);
    assert!(old[1].stdout.lines().count() > 1, "one of the providers is there: {}", old[1]);
    let version_was = version;
    let version =
        rusqlite::Connection::open(env.db()).unwrap().query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0));
    assert_eq!(version.unwrap(), version_was, "nothing was written");
}

#[test]
fn db_is_a_file_name_never_a_sqlite_uri() {
    let env = Env::new();
    let catalog = fixture("catalog.json");
    for name in ["file:u.db?mode=memory", "file:plain.db"] {
        let run = env.run(&["--db", name, "sync", "--from", catalog.to_str().unwrap()]);
        run.success();
        assert!(env.dir.path().join(name).exists(), "{name} is a file of that name");
        let run = env.run(&["--db", name, "models", "--format", "json"]);
        assert_eq!(run.success().json().as_array().unwrap().len(), 62, "{name} is found by readers");
    }
    assert!(!env.dir.path().join("plain.db").exists() && !env.dir.path().join("u.db").exists());
}

#[test]
fn catalog_text_cannot_forge_rows_or_reorder_a_table() {
    let env = Env::new();
    let records = r#"[{"id": "evil\nforged-row  openai  text", "pricing": {"input": 1}},
                      {"id": "report\u202egpj.exe", "name": "a\u2066b", "pricing": {"input": 2}}]"#;
    env.run_stdin(&["sync", "--from", "-"], records.as_bytes().to_vec()).success();
    for args in [
        &["models"][..],
        &["models", "--format", "markdown"],
        &["sql", "SELECT id, name FROM models"],
        &["sql", "--format", "markdown", "SELECT id, name FROM models"],
    ] {
        let run = env.run(args);
        let lines: Vec<&str> = run.success().stdout.lines().collect();
        let header = usize::from(args.contains(&"markdown")) + 1;
        assert_eq!(lines.len(), header + 2, "{args:?}: one line per model:\n{run}");
        assert!(run.stdout.contains(r"evil\nforged-row"), "{run}");
        assert!(run.stdout.contains(r"report\u{202e}gpj.exe"), "{run}");
        assert!(!run.stdout.contains('\u{202e}') && !run.stdout.contains('\u{2066}'), "{run}");
    }
    // JSON and CSV carry the text as it is.
    let json = env.run(&["models", "--format", "json"]).json();
    assert_eq!(json[0]["id"], "evil\nforged-row  openai  text");
    assert!(env.run(&["models", "--format", "csv"]).stdout.contains("report\u{202e}gpj.exe"));
}
