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
            "cometcat sync --from ai/catalog.json",
            "cometcat estimate base-workload.toml --allow-unpriced --format json > baseline.json",
            "cometcat estimate ai/workload.toml --baseline baseline.json --budget 1500 --max-increase 10% --max-catalog-age 30d --format markdown > cost-comment.md",
            "cometcat sync",
            "cometcat diff --format markdown > catalog-changes.md",
            "cometcat export --format json --output ai/catalog.json",
        ],
        "docs/ci.md changed: update this test to run what it says now"
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_cometcat")).parent().unwrap();
    for command in &commands {
        let out = std::process::Command::new("sh")
            .args(["-c", command])
            .current_dir(env.dir.path())
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("HOME", env.dir.path())
            .env("COMETCAT_DB", env.db())
            .env("COMETCAT_NO_PROGRESS", "1")
            .env("NO_COLOR", "1")
            .env("COMETCAT_BASE_URL", server.uri())
            .output()
            .unwrap();
        // The example pull request grows the total by 23%: the gate fails it with 3.
        let want = if command.contains("--max-increase 10%") { 3 } else { 0 };
        assert_eq!(out.status.code(), Some(want), "{command}\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let read = |name: &str| std::fs::read_to_string(env.dir.path().join(name)).unwrap();
    assert!(
        read("cost-comment.md")
            .starts_with("### cometcat estimate: $880.32 ▲ +$165.92 (+23.23%) vs baseline · ✅ within budget ($1500)"),
        "{}",
        read("cost-comment.md")
    );
    assert!(read("cost-comment.md").contains("more than 10% allows (`max_increase`)"));
    let changes = read("catalog-changes.md");
    assert!(
        changes.contains("**Added (2)**") && changes.contains("`gpt-5`: input_price: 1.25 → 1.1 (-12%)"),
        "{changes}"
    );
    let catalog: serde_json::Value = serde_json::from_str(&read("ai/catalog.json")).unwrap();
    assert_eq!(catalog["total"], 65, "the refreshed export holds the new catalog");
}
