//! Hostile input, round 3: text from a catalog or a log never becomes
//! markup in a pull-request comment, and never runs in a shell.

use crate::common::Env;

/// What the markup of a catalog or log could do in a comment: tags, links,
/// pings, references, comments closing our `<details>`.
const EVIL: [&str; 6] = [
    "evil` <img src=https://t.example/p.png> `x",
    "[click](https://x.example)",
    "@octocat",
    "<!-- </details>",
    "fixes #12",
    "www.evil.example",
];

/// Every piece of text in `markdown` outside code spans (a backslash-escaped
/// backtick opens none).
fn outside_code(markdown: &str) -> String {
    let mut out = String::new();
    for line in markdown.lines() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '\\' && i + 1 < chars.len() {
                out.push(chars[i]);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if chars[i] != '`' {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let fence = chars[i..].iter().take_while(|&&c| c == '`').count();
            let rest: String = chars[i + fence..].iter().collect();
            match rest.find(&"`".repeat(fence)) {
                Some(end) => i += fence + rest[..end].chars().count() + fence,
                None => i += fence,
            }
        }
        out.push('\n');
    }
    out
}

fn assert_inert(markdown: &str) {
    let text = outside_code(markdown).replace("\\<", "").replace("\\[", "");
    for bad in ["<img", "<!--", "</details>", "](http", "@octocat", "#12", "www.evil", "https://"] {
        assert!(!text.contains(bad), "{bad:?} outside code in:\n{markdown}");
    }
}

#[test]
fn catalog_and_log_text_is_inert_in_every_markdown_report() {
    let env = Env::new();
    let records: Vec<String> = EVIL
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({"id": id, "name": id, "provider": format!("p{i} @octocat"), "model_type": "text",
                               "pricing": {"input": 1 + i, "output": 2}})
            .to_string()
        })
        .collect();
    env.run_stdin(&["sync", "--from", "-"], format!("[{}]", records[..3].join(",")).into_bytes()).success();
    env.run_stdin(&["sync", "--from", "-"], format!("[{}]", records.join(",")).into_bytes()).success();
    assert_inert(&env.run(&["models", "--format", "markdown"]).success().stdout);
    assert_inert(&env.run(&["diff", "--format", "markdown"]).success().stdout);
    let log: String = EVIL
        .iter()
        .map(|id| {
            serde_json::json!({"model": id, "input_tokens": 1000, "output_tokens": 10, "tags": {"team": id}})
                .to_string()
                + "\n"
        })
        .collect();
    let usage = env.run_stdin(&["usage", "-", "--by", "tag:team", "--format", "markdown"], log.into_bytes());
    assert_inert(&usage.stdout);
    let workload: String =
        EVIL.iter().map(|id| format!("[[item]]\nname = {id:?}\nmodel = {id:?}\ninput_tokens = 1000\n\n")).collect();
    let estimate = env.run_stdin(&["estimate", "-", "--format", "markdown", "--allow-unpriced"], workload.into_bytes());
    assert_inert(&estimate.stdout);
}

/// A catalog whose ids would run, glob or pose as flags in a shell.
const SHELL_IDS: [&str; 9] =
    ["$(touch pwned)", "`touch pwned2`", "*", "a b", "it's", "semi;colon", "--db=elsewhere.db", "a\nb", "-x"];

fn shell_catalog() -> Env {
    let env = Env::new();
    let records: Vec<String> = SHELL_IDS
        .iter()
        .map(|id| serde_json::json!({"id": id, "model_type": "text", "pricing": {"input": 1, "output": 2}}).to_string())
        .collect();
    env.run_stdin(&["sync", "--from", "-"], format!("[{}]", records.join(",")).into_bytes()).success();
    env
}

/// Runs `script` in `shell` (-c) in a folder of its own holding files a glob
/// would find, with cometcat on the PATH and the catalog of `env`.
fn in_shell(env: &Env, shell: &str, script: &str) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for file in ["file-one", "file-two"] {
        std::fs::write(dir.path().join(file), "").unwrap();
    }
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_cometcat")).parent().unwrap();
    let out = std::process::Command::new(shell)
        .args(["-c", script])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("HOME", env.dir.path())
        .env("COMETCAT_DB", env.db())
        .output()
        .unwrap();
    assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), dir)
}

fn has(shell: &str) -> bool {
    let found = std::process::Command::new(shell).args(["-c", "true"]).output().is_ok_and(|o| o.status.success());
    assert!(found || std::env::var_os("CI").is_none(), "{shell} is installed in CI (.ci/run)");
    found
}

#[test]
fn bash_completes_hostile_ids_to_themselves_and_runs_nothing() {
    let env = shell_catalog();
    let script = r#"
        source <(COMPLETE=bash cometcat)
        COMP_WORDS=(cometcat show "") COMP_CWORD=2 COMP_TYPE=9
        _clap_complete_cometcat cometcat "" cometcat
        printf '%s\0' "${COMPREPLY[@]}"
    "#;
    let (out, dir) = in_shell(&env, "bash", script);
    let candidates: Vec<&str> = out.split('\0').filter(|c| !c.is_empty()).collect();
    // What bash would insert, read back as the word it makes.
    let mut words = Vec::new();
    for candidate in &candidates {
        let (word, _) = in_shell(&env, "bash", &format!("set -- {candidate}; printf %s \"$1\""));
        words.push(word);
    }
    // clap offers the real flags beside the ids: never the id that poses as one.
    assert!(!words.iter().any(|w| w.starts_with("--db=") || w == "-x"), "{words:?}");
    words.retain(|w| !w.starts_with('-'));
    words.sort();
    assert_eq!(words, ["$(touch pwned)", "*", "`touch pwned2`", "a b", "it's", "semi;colon"], "{candidates:?}");
    assert!(!dir.path().join("pwned").exists() && !dir.path().join("pwned2").exists(), "nothing ran");
    assert!(!out.contains("file-one"), "no glob was expanded: {out:?}");
}

#[test]
fn fish_and_zsh_are_never_offered_flags_or_control_characters() {
    let env = shell_catalog();
    if has("fish") {
        let (out, dir) = in_shell(&env, "fish", "COMPLETE=fish cometcat | source; complete -C 'cometcat show '");
        let mut offered: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
        assert!(!offered.iter().any(|w| w.starts_with("--db=") || *w == "-x"), "{offered:?}");
        offered.retain(|w| !w.starts_with('-'));
        offered.sort();
        assert_eq!(offered, ["$(touch pwned)", "*", "`touch pwned2`", "a b", "it's", "semi;colon"], "{out}");
        assert!(!dir.path().join("pwned").exists());
    }
    if has("zsh") {
        // zsh inserts with its own quoting (`_describe` → `compadd`); what it is given:
        let (out, _) =
            in_shell(&env, "zsh", "_CLAP_IFS=$'\\n' _CLAP_COMPLETE_INDEX=2 COMPLETE=zsh cometcat -- cometcat show ''");
        assert!(!out.contains("--db=") && !out.lines().any(|l| l.starts_with("-x")), "{out}");
        assert!(out.lines().any(|l| l.starts_with("$(touch pwned)")), "{out}");
    }
}

#[tokio::test]
async fn dotted_ids_get_links_that_reach_them_and_the_sample_has_no_syncs() {
    use crate::serve::{Server, get};
    let env = Env::new();
    let records: Vec<String> = [".", "..", "a/../b", "plain"]
        .iter()
        .map(|id| serde_json::json!({"id": id, "model_type": "text", "pricing": {"input": 1, "output": 2}}).to_string())
        .collect();
    env.run_stdin(&["sync", "--from", "-"], format!("[{}]", records.join(",")).into_bytes()).success();
    let server = Server::start(&env);
    let listing = get(&server.at("")).await.body;
    for id in [".", "..", "a/../b"] {
        let href = format!("/model?id={}", form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>());
        assert!(listing.contains(&format!("href=\"{href}\"")), "{id}: {listing}");
        // A browser resolves `.` and `..` away in a path, never in a query.
        let url = reqwest::Url::parse(&server.at(href.trim_start_matches('/'))).unwrap();
        assert_eq!(url.query(), Some(href.split_once('?').unwrap().1), "the link survives as written");
        let page = get(url.as_str()).await;
        assert_eq!(page.status, 200, "{id}: {}", page.body);
        assert!(page.body.contains("/api/v1/model?id="), "its JSON link too");
        let json = get(&server.at(&format!("api/v1/model?id={}", href.split_once("id=").unwrap().1))).await;
        assert_eq!(serde_json::from_str::<serde_json::Value>(&json.body).unwrap()["id"], *id);
    }
    assert!(listing.contains("href=\"/models/plain\""), "{listing}");
    drop(server);
    // No catalog: the explorer shows the sample, and has no syncs to list.
    let fresh = Env::new();
    let server = Server::start(&fresh);
    let syncs = get(&server.at("api/v1/syncs")).await;
    assert_eq!(syncs.status, 404, "{}", syncs.body);
    assert!(syncs.body.contains("cometcat sync"), "{}", syncs.body);
}

/// `{"$serde_json::private::RawValue": "<JSON>"}`, `layers` times over, each
/// inside `depth` brackets. serde_json, reading a `Value`, reads that key's
/// string as JSON again with a depth limit of its own; every string is
/// written with `\u` escapes, so the text grows slowly with the layers.
fn raw_value_chain(layers: usize, depth: usize) -> String {
    let mut text = "1".to_owned();
    for _ in 0..layers {
        let escaped = text.replace('\\', "\\u005c").replace('"', "\\u0022");
        text =
            format!("{}{{\"$serde_json::private::RawValue\": \"{escaped}\"}}{}", "[".repeat(depth), "]".repeat(depth));
    }
    text
}

#[tokio::test]
async fn a_record_nested_through_serde_jsons_private_key_is_a_record_like_any_other() {
    use crate::serve::{Server, get};
    // Read as serde_json reads a `Value`, this record nests 200 × 120 deep: the
    // stack overflowed and the import aborted, as did the explorer on its page.
    let chain = raw_value_chain(200, 120);
    let records = format!(r#"[{{"id": "deep", "model_type": "text", "x": {chain}}}, {{"id": "plain"}}]"#);
    let env = Env::new();
    let run = env.run_stdin(&["sync", "--from", "-"], records.into_bytes());
    run.success();
    assert!(run.stderr.contains("imported 2 models"), "{}", run.stderr);
    env.run(&["show", "deep"]).success();
    let server = Server::start(&env);
    let page = get(&server.at("models/deep")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("$serde_json::private::RawValue"), "the record as it was sent");
    assert_eq!(get(&server.at("models/plain")).await.status, 200, "the explorer still answers");
}
