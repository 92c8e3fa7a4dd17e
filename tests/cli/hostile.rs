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
