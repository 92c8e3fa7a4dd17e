//! docs/ci.md works as written: every `cometcat` command in it is run here,
//! through `sh`, in a checkout laid out as the guide says.

use std::path::Path;

use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

use crate::common::{Env, fixture, pager, records};

/// The `cometcat ...` commands of a document, in order, each once.
fn commands(doc: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for line in doc.lines() {
        let line = line.trim();
        let line = line.strip_prefix("- ").unwrap_or(line);
        let line = line.strip_prefix("run: ").unwrap_or(line);
        if line.starts_with("cometcat ") && !found.iter().any(|c| c == line) {
            found.push(line.to_owned());
        }
    }
    found
}

#[tokio::test]
async fn the_ci_guide_works_as_written() {
    // The API, for the refresh workflow's `cometcat sync`: a month later.
    let server = MockServer::start().await;
    Mock::given(path("/api/models")).respond_with(pager(records("catalog-v2.json"), 100)).mount(&server).await;

    // The repository the guide assumes: a committed catalog export and a workload,
    // and the base branch's workload as `git show` leaves it.
    let env = Env::new();
    let scratch = Env::new();
    scratch.import("catalog.json");
    std::fs::create_dir(env.dir.path().join("ai")).unwrap();
    let export = scratch.run(&["export", "--format", "json"]).success().stdout.clone();
    std::fs::write(env.dir.path().join("ai/catalog.json"), export).unwrap();
    std::fs::copy(fixture("workloads/app-grown.toml"), env.dir.path().join("ai/workload.toml")).unwrap();
    std::fs::copy(fixture("workloads/app.toml"), env.dir.path().join("base-workload.toml")).unwrap();

    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let commands = commands(&doc);
    assert_eq!(
        commands,
        [
            "cometcat sync",
            "cometcat export --format json --output ai/catalog.json",
            "cometcat sync --from ai/catalog.json",
            "cometcat estimate base-workload.toml --allow-unpriced --format json > baseline.json",
            "cometcat estimate ai/workload.toml --baseline baseline.json --allow-missing-baseline --budget 1500 --max-increase 10% --max-catalog-age 30d --format markdown > cost-comment.md",
            "cometcat diff --format markdown > catalog-changes.md",
        ],
        "docs/ci.md changed: update this test to run what it says now"
    );
    // The first catalog, made once on a machine that reaches the API.
    let first = Env::new();
    std::fs::create_dir(first.dir.path().join("ai")).unwrap();
    for command in &commands[..2] {
        let run = shell(&first, command, &server.uri());
        assert_eq!(run.code, 0, "{command}\n{}", run.stderr);
    }
    let made: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(first.dir.path().join("ai/catalog.json")).unwrap()).unwrap();
    assert_eq!(made["total"], 65, "the first ai/catalog.json holds the API's catalog");
    // In the repository: the gate, then the refresh workflow (sync, diff, export), whose
    // `sync` and `export` lines are the ones above.
    let commands = [&commands[2..5], &commands[..1], &commands[5..], &commands[1..2]].concat();
    for command in &commands {
        let run = shell(&env, command, &server.uri());
        // The example pull request grows the total by 23%: the gate fails it with 3.
        let want = if command.contains("--max-increase 10%") { 3 } else { 0 };
        assert_eq!(run.code, want, "{command}\n{}", run.stderr);
        if want == 3 {
            // The job's log says why, with stdout in a file.
            assert!(run.stderr.contains("violation: the total grew from $714.40 to $880.32"), "{}", run.stderr);
        }
    }
    let read = |name: &str| std::fs::read_to_string(env.dir.path().join(name)).unwrap();
    // What fails the build leads the comment; the budget is said after it.
    assert!(
        read("cost-comment.md").starts_with(
            "### ❌ cometcat estimate: the total grew from $714.40 to $880.32 (+23.23%), more than 10% allows · \
             $880.32 ▲ +$165.92 (+23.23%) vs baseline · within budget ($1,500.00)"
        ),
        "{}",
        read("cost-comment.md")
    );
    assert!(read("cost-comment.md").contains("more than 10% allows (`max_increase`)"));
    let gate = &commands[2];

    // Day one: the pull request that adds ai/workload.toml has no base file.
    std::fs::remove_file(env.dir.path().join("baseline.json")).unwrap();
    let first = shell(&env, gate, &server.uri());
    assert_eq!(first.code, 0, "priced without a baseline: {first}");
    assert!(
        read("cost-comment.md").contains("no baseline (`baseline.json` does not exist)"),
        "{}",
        read("cost-comment.md")
    );

    // A malformed workload still gets a comment, and fails the build with 1.
    std::fs::write(
        env.dir.path().join("ai/workload.toml"),
        "[[item]]\nname = \"a\"\nmodel = \"gpt-5\"\ninput_tokens = -3\n",
    )
    .unwrap();
    let broken = shell(&env, gate, &server.uri());
    assert_eq!(broken.code, 1, "{broken}");
    let comment = read("cost-comment.md");
    assert!(comment.starts_with("### ❌ cometcat estimate: no estimate"), "{comment}");
    assert!(
        comment.contains("ai/workload.toml:4") && broken.stderr.contains("ai/workload.toml:4"),
        "{comment}\n{broken}"
    );
    let changes = read("catalog-changes.md");
    assert!(
        changes.contains("**Added (2)**") && changes.contains("`gpt-5`: input_price: 1.25 → 1.1 (-12%)"),
        "{changes}"
    );
    let catalog: serde_json::Value = serde_json::from_str(&read("ai/catalog.json")).unwrap();
    assert_eq!(catalog["total"], 65, "the refreshed export holds the new catalog");
}

/// One step of a document: a command to run, or a command whose output is shown.
#[derive(Debug)]
enum Step {
    /// A `cometcat ...` (or `mkdir -p ...`) line of a `sh` block, with the exit code its comment gives (`# exit 3`).
    Run { command: String, exit: i32, block: usize },
    /// `<!-- output of: COMMAND -->` and the block that follows it.
    Output { command: String, shown: String },
}

/// The steps of a Markdown document, in order.
fn steps(doc: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let (mut in_sh, mut block, mut pending, mut shown) = (false, 0, None::<String>, None::<String>);
    for line in doc.lines() {
        if let Some(text) = shown.as_mut() {
            if line == "```" && !text.is_empty() {
                let command = pending.take().expect("an output block follows its marker");
                steps.push(Step::Output { command, shown: shown.take().unwrap() });
            } else if !line.starts_with("```") {
                text.push_str(line);
                text.push('\n');
            }
            continue;
        }
        if let Some(command) = line.strip_prefix("<!-- output of: ").and_then(|l| l.strip_suffix(" -->")) {
            pending = Some(command.to_owned());
            shown = Some(String::new());
        } else if line == "```sh" {
            in_sh = true;
            block += 1;
        } else if line == "```" {
            in_sh = false;
        } else if in_sh {
            let line = line.replace("cargo run --release -- ", "cometcat ");
            let (command, comment) = line.split_once(" #").unwrap_or((&line, ""));
            // A comment that starts `exit N` says the command exits N.
            let exit = comment.trim().strip_prefix("exit ").and_then(|n| n.get(..1)?.parse().ok()).unwrap_or(0);
            // `mkdir -p` lines make the folders the commands after them write to.
            if command.starts_with("cometcat ") || command.starts_with("mkdir -p ") {
                steps.push(Step::Run { command: command.trim().to_owned(), exit, block });
            }
        }
    }
    steps
}

/// Runs `command` through `sh` in `env`'s folder, as a user would type it.
fn shell(env: &Env, command: &str, base_url: &str) -> crate::common::Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_cometcat")).parent().unwrap();
    crate::common::Run::from(
        std::process::Command::new("sh")
            .args(["-c", command])
            .current_dir(env.dir.path())
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("HOME", env.dir.path())
            .env("COMETCAT_DB", env.db())
            .env("COMETCAT_NO_PROGRESS", "1")
            .env("COMETCAT_BACKOFF_MS", "1")
            .env("NO_COLOR", "1")
            .env("COMETCAT_BASE_URL", base_url)
            // The gateway's console token, as docs/bill.md has the reader export it.
            .env("COMETCAT_ACCESS_TOKEN", crate::bill::TOKEN)
            .env("COMETCAT_USER_ID", "7")
            .output()
            .unwrap(),
    )
}

#[tokio::test]
async fn the_readme_works_as_written() {
    // The API serves the latest catalog; the catalog holds three months of it.
    let server = MockServer::start().await;
    Mock::given(path("/api/models")).respond_with(pager(records("catalog-v3.json"), 100)).mount(&server).await;
    crate::bill::Gateway::new(crate::bill::items("usage/gateway-log.jsonl")).mount(&server).await;
    let env = Env::new();
    env.import("catalog-v1-dated.json").import("catalog-v2.json").import("catalog-v3.json");
    std::fs::create_dir(env.dir.path().join("ai")).unwrap();
    std::fs::copy(fixture("catalog-v3.json"), env.dir.path().join("saved.json")).unwrap();
    std::fs::copy(fixture("workloads/app.toml"), env.dir.path().join("ai/workload.toml")).unwrap();
    std::fs::copy(fixture("workloads/app.toml"), env.dir.path().join("base-workload.toml")).unwrap();
    std::fs::create_dir(env.dir.path().join("logs")).unwrap();
    std::fs::copy(fixture("usage/envelopes.jsonl"), env.dir.path().join("logs/app.jsonl")).unwrap();
    std::fs::copy(fixture("usage/anthropic-stream.sse"), env.dir.path().join("logs/stream.sse")).unwrap();
    let fresh = Env::new();

    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let steps = steps(&doc);
    assert!(steps.len() > 50, "the README's commands were found: {steps:?}");
    let outputs = steps.iter().filter(|s| matches!(s, Step::Output { .. })).count();
    assert!(outputs >= 8, "the README's outputs were found: {outputs}");
    let times = regex_lite(r"in \d+\.\d+s");
    for step in &steps {
        match step {
            // The quick start runs on a fresh machine: no catalog, no network.
            Step::Run { command, exit, block: 1 } => {
                let run = shell(&fresh, command, "http://127.0.0.1:9");
                assert_eq!(run.code, *exit, "{command}\n{run}");
                assert!(run.stderr.contains("using the bundled sample catalog"), "{command}\n{run}");
            }
            step => check(step, &env, &server.uri(), "README.md", &|text| times(&mask_times(text))),
        }
    }
    assert!(!fresh.db().exists(), "the quick start made no catalog");
}

/// Runs one step of the document `name` in `env`: a command exits as its
/// comment says; a shown output is what the command prints, both read through
/// `normalize` (which masks what differs from run to run).
fn check(step: &Step, env: &Env, base_url: &str, name: &str, normalize: &dyn Fn(&str) -> String) {
    match step {
        Step::Run { command, exit, .. } => {
            let run = shell(env, command, base_url);
            assert_eq!(run.code, *exit, "{command}\n{run}");
        }
        Step::Output { command, shown } => {
            let run = shell(env, command, base_url);
            let got: String =
                format!("{}{}", run.stdout, run.stderr).lines().map(|l| format!("{}\n", l.trim_end())).collect();
            if normalize(&got) != normalize(shown) && update_docs(name, shown, &got) {
                return;
            }
            assert_eq!(normalize(&got), normalize(shown), "{name} shows another output for {command}");
        }
    }
}

/// With `COMETCAT_UPDATE_DOCS=1` (never under CI), replaces an output block
/// `shown` in the document `name` with what the command printed, and says so:
/// how the documents' outputs are refreshed after a change that is meant.
fn update_docs(name: &str, shown: &str, got: &str) -> bool {
    if std::env::var_os("COMETCAT_UPDATE_DOCS").is_none() || std::env::var_os("CI").is_some() {
        return false;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let doc = std::fs::read_to_string(&path).unwrap();
    let block = format!("```\n{shown}```");
    assert!(doc.contains(&block), "{name}: the output block to replace was not found");
    std::fs::write(&path, doc.replacen(&block, &format!("```\n{got}```"), 1)).unwrap();
    eprintln!("updated an output in {name}");
    true
}

/// Replaces each RFC 3339 UTC time (`2026-11-01T08:00:00Z`) with `[TIME]`:
/// a sync's fetch time is the time it ran.
fn mask_times(text: &str) -> String {
    let shape = "dddd-dd-ddTdd:dd:ddZ";
    let bytes = text.as_bytes();
    let fits = |at: usize| {
        bytes.len() >= at + shape.len()
            && shape.bytes().zip(&bytes[at..]).all(|(s, &b)| if s == b'd' { b.is_ascii_digit() } else { s == b })
    };
    let (mut out, mut i) = (String::new(), 0);
    while i < text.len() {
        if fits(i) {
            out.push_str("[TIME]");
            i += shape.len();
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Replaces what `pattern` (a literal prefix, digits, a dot, digits and a literal
/// suffix, as in `in \d+\.\d+s`) matches with `[...]`: a tiny stand-in for a regex.
fn regex_lite(pattern: &'static str) -> impl Fn(&str) -> String {
    let (prefix, rest) = pattern.split_once(r"\d+\.\d+").unwrap();
    move |text: &str| {
        let mut out = String::new();
        let mut rest_text = text;
        while let Some(i) = rest_text.find(prefix) {
            out.push_str(&rest_text[..i + prefix.len()]);
            let after = &rest_text[i + prefix.len()..];
            let digits = after.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(after.len());
            if digits > 0 && after[digits..].starts_with(rest) {
                out.push_str("[...]");
                rest_text = &after[digits..];
            } else {
                rest_text = after;
            }
        }
        out.push_str(rest_text);
        out
    }
}

#[test]
fn the_usage_guide_works_as_written() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/usage.md")).unwrap();
    let (_, ci) = doc.split_once("\n## In CI").expect("docs/usage.md has its CI section");
    let (ci, example) = ci.split_once("\n## A worked example").expect("and its worked example");

    // The repository the CI recipe assumes: a committed catalog export, and the
    // responses the test run recorded (the main branch's first, then a pull
    // request's, which adds calls).
    let env = Env::new();
    let scratch = Env::new();
    scratch.import("catalog.json");
    for dir in ["ai", "recorded"] {
        std::fs::create_dir(env.dir.path().join(dir)).unwrap();
    }
    let export = scratch.run(&["export", "--format", "json"]).success().stdout.clone();
    std::fs::write(env.dir.path().join("ai/catalog.json"), export).unwrap();
    std::fs::copy(fixture("usage/envelopes.jsonl"), env.dir.path().join("recorded/responses.jsonl")).unwrap();
    // The workflow keeps the exit code for its last step (a pasted output once replaced it).
    assert!(ci.contains("          echo \"code=$?\" >> \"$GITHUB_OUTPUT\"\n"), "the gate's exit code is kept");
    assert!(!ci.contains("RECORDS"), "no command output inside the workflow");
    let commands = commands(ci);
    assert_eq!(
        commands,
        [
            "cometcat sync --from ai/catalog.json",
            "cometcat usage recorded/*.jsonl --baseline ai/usage-baseline.json --max-increase 10% --by tag:test --format markdown > usage-comment.md",
            "cometcat usage recorded/*.jsonl --format json > ai/usage-baseline.json",
        ],
        "docs/usage.md changed: update this test to run what it says now"
    );
    let [sync, gate, refresh] = [&commands[0], &commands[1], &commands[2]];
    let run = |command: &str| shell(&env, command, "http://127.0.0.1:9");
    assert_eq!(run(sync).code, 0);
    // On main: the baseline. Then a pull request adds the calls of generic.jsonl.
    let refreshed = run(refresh);
    assert_eq!(refreshed.code, 0, "{refreshed}");
    std::fs::copy(fixture("usage/generic.jsonl"), env.dir.path().join("recorded/more.jsonl")).unwrap();
    let gated = run(gate);
    assert_eq!(gated.code, 3, "the spend grew from 1.339 to 3.592 USD: {gated}");
    let comment = std::fs::read_to_string(env.dir.path().join("usage-comment.md")).unwrap();
    assert!(
        comment.starts_with(
            "### ❌ cometcat usage: the total grew from $1.34 (1.339074688) to $3.59 (3.591589456) (+168.21%), more than 10% allows · \
             $3.59 for 19 records ▲ +$2.25 (+168.21%) vs baseline"
        ),
        "{comment}"
    );
    assert!(comment.contains("more than 10% allows (`max_increase`)"), "{comment}");

    // The worked example, run in a folder holding the two files it names.
    let env = Env::new();
    std::fs::create_dir_all(env.dir.path().join("fixtures/usage")).unwrap();
    std::fs::copy(fixture("catalog.json"), env.dir.path().join("fixtures/catalog.json")).unwrap();
    std::fs::copy(fixture("usage/mixed.jsonl"), env.dir.path().join("fixtures/usage/mixed.jsonl")).unwrap();
    let steps = steps(example);
    assert_eq!(steps.len(), 3, "{steps:?}");
    // The fetch time is the time of the sync: it differs from run to run.
    let timeless = |text: &str| -> String { text.lines().map(|l| format!("{}\n", mask_times(l.trim_end()))).collect() };
    for step in &steps {
        match step {
            Step::Run { command, exit, .. } => {
                let run = shell(&env, command, "http://127.0.0.1:9");
                assert_eq!(run.code, *exit, "{command}\n{run}");
            }
            Step::Output { command, shown } => {
                let run = shell(&env, command, "http://127.0.0.1:9");
                let got = format!("{}{}", run.stdout, run.stderr);
                if timeless(&got) != timeless(shown) && update_docs("docs/usage.md", shown, &got) {
                    continue;
                }
                assert_eq!(
                    timeless(&format!("{}{}", run.stdout, run.stderr)),
                    timeless(shown),
                    "docs/usage.md shows another output for {command}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_bill_guide_works_as_written() {
    // The gateway: the catalog, and the month's log behind a page cap of 10.
    let server = MockServer::start().await;
    Mock::given(path("/api/models")).respond_with(pager(records("catalog.json"), 100)).mount(&server).await;
    crate::bill::Gateway::new(crate::bill::items("usage/gateway-log.jsonl")).mount(&server).await;
    let env = Env::new();
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bill.md")).unwrap();
    let steps = steps(&doc);
    assert_eq!(steps.len(), 5, "{steps:?}");
    for step in &steps {
        check(step, &env, &server.uri(), "docs/bill.md", &mask_times);
    }
    let report = std::fs::read_to_string(env.dir.path().join("bill-2026-11.md")).unwrap();
    assert!(report.contains("more than --max-overcharge 2% allows"), "{report}");
    let csv = std::fs::read_to_string(env.dir.path().join("bill-2026-11.csv")).unwrap();
    assert!(csv.starts_with("group,records,"), "{csv}");
    let yaml = doc.split_once("```yaml").unwrap().1.split_once("```").unwrap().0;
    assert!(
        yaml.contains("--save \"bill-$month.jsonl\" --format markdown --max-overcharge 2"),
        "the job runs the recipe"
    );
}
