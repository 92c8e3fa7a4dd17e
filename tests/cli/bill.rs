//! `usage --fetch`: the gateway's own call log, fetched from a local server
//! that behaves as the one-api / new-api family does — pages capped at 10
//! without a word, no `total`, a wrong token answered 200 with `success:
//! false`, `Retry-After`, bodies cut short — and read against the catalog.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::{Env, fixture};

pub(crate) const TOKEN: &str = "tok-Zq8SECRET4n2";
const KEY: &str = "sk-live-K3YSECRETx9";

/// A month of calls (November 2026), newest first as the gateway lists them,
/// and a few top-ups the server leaves out when asked for `type=2`.
fn month(calls: u64) -> Vec<Value> {
    let models = ["gpt-5", "deepseek-v3.2", "claude-sonnet-4-6", "gpt-4o-mini"];
    let start = 1_793_491_200; // 2026-11-01T00:00:00Z
    let mut items: Vec<Value> = (0..calls)
        .map(|i| {
            let other = json!({"model_ratio": 0.625, "cache_tokens": i % 3 * 100}).to_string();
            json!({
                "id": 1000 + i, "user_id": 7, "created_at": start + i * 40_000, "type": 2, "content": "",
                "username": "alice", "token_name": if i % 2 == 0 { "web" } else { "batch" },
                "model_name": models[i as usize % models.len()], "quota": 700 + i * 123,
                "prompt_tokens": 1000 + i * 37, "completion_tokens": 200 + i * 11, "use_time": 1,
                "is_stream": false, "channel": 3, "token_id": 11, "group": "default", "other": other,
            })
        })
        .collect();
    items.extend((0..3).map(|i| {
        json!({"id": 5000 + i, "created_at": start + i * 86_400, "type": 1, "model_name": "", "quota": 5_000_000,
               "prompt_tokens": 0, "completion_tokens": 0, "token_name": "", "group": "", "other": "",
               "content": "Recharged $10.00"})
    }));
    items.sort_by_key(|i| std::cmp::Reverse(i["id"].as_u64()));
    items
}

/// How the local gateway behaves.
#[derive(Clone)]
pub(crate) struct Gateway {
    items: Vec<Value>,
    /// Items per page at most, whatever was asked.
    cap: u64,
    /// Echo the page size asked for (as some versions do, cap or not).
    echo: bool,
    total: bool,
    /// Answer page 1 whatever `p` says.
    ignores_paging: bool,
    /// one-api: pages numbered from 0, and `data` a bare list.
    one_api: bool,
    requests: Arc<AtomicU64>,
}

impl Gateway {
    pub(crate) fn new(items: Vec<Value>) -> Gateway {
        let requests = Arc::new(AtomicU64::new(0));
        Gateway { items, cap: 10, echo: false, total: false, ignores_paging: false, one_api: false, requests }
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// `/api/log/self`, as the console serves it.
    fn answer(&self, req: &Request) -> ResponseTemplate {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        if header("authorization") != TOKEN || header("new-api-user") != "7" {
            // The family's way: HTTP 200, and the refusal in the body.
            return json_answer(json!({"success": false, "message": "无权进行此操作，access token 无效"}));
        }
        let param = |name: &str| req.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let number = |name: &str| param(name).and_then(|v| v.parse::<u64>().ok());
        // new-api reads p below 1 as 1; one-api's pages start at 0.
        let p = match (self.ignores_paging, self.one_api) {
            (true, _) => 1,
            (false, true) => number("p").unwrap_or(0) + 1,
            (false, false) => number("p").unwrap_or(1).max(1),
        };
        let asked = number("page_size").unwrap_or(10);
        let size = asked.min(self.cap);
        let (from, to) = (number("start_timestamp").unwrap_or(0), number("end_timestamp").unwrap_or(u64::MAX));
        let kind = number("type");
        let matching: Vec<&Value> = self
            .items
            .iter()
            .filter(|i| kind.is_none_or(|k| i["type"].as_u64() == Some(k)))
            .filter(|i| (from..=to).contains(&i["created_at"].as_u64().unwrap()))
            .collect();
        let start = ((p - 1) * size) as usize;
        let page: Vec<&Value> = matching.iter().skip(start).take(size as usize).copied().collect();
        if self.one_api {
            return json_answer(json!({"success": true, "message": "", "data": page}));
        }
        let mut data = json!({"page": p, "items": page});
        if self.echo {
            data["page_size"] = json!(asked);
        }
        if self.total {
            data["total"] = json!(matching.len());
        }
        json_answer(json!({"success": true, "message": "", "data": data}))
    }
}

fn json_answer(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json")
}

async fn serve(gateway: &Gateway) -> MockServer {
    let server = MockServer::start().await;
    gateway.mount(&server).await;
    server
}

impl Gateway {
    /// Serves `/api/log/self` on `server`.
    pub(crate) async fn mount(&self, server: &MockServer) {
        let g = self.clone();
        Mock::given(path("/api/log/self")).respond_with(move |req: &Request| g.answer(req)).mount(server).await;
    }
}

/// The log items of a fixture of JSON Lines.
pub(crate) fn items(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog.json");
    env
}

/// `usage --fetch` for November 2026 against `server`, with the console token.
fn fetch(env: &Env, server: &MockServer, args: &[&str]) -> crate::common::Run {
    let base = server.uri();
    let mut cmd = env.cmd(
        &[&["usage", "--fetch", "--base-url", &base, "--since", "2026-11-01", "--until", "2026-11-30"], args].concat(),
    );
    cmd.env("COMETCAT_ACCESS_TOKEN", TOKEN).env("COMETCAT_USER_ID", "7");
    crate::common::Run::from(cmd.output().unwrap())
}

/// Every byte the run left behind: its output, the files it wrote, the database.
fn traces(env: &Env, runs: &[&crate::common::Run]) -> Vec<u8> {
    let mut all = Vec::new();
    for run in runs {
        all.extend_from_slice(run.stdout.as_bytes());
        all.extend_from_slice(run.stderr.as_bytes());
    }
    for entry in walk(env.dir.path()) {
        all.extend(std::fs::read(entry).unwrap_or_default());
    }
    all
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_month_through_a_silent_cap_of_ten_gives_the_same_report_as_the_saved_file() {
    let gateway = Gateway::new(month(57));
    let server = serve(&gateway).await;
    let env = catalog();
    let fetched = fetch(&env, &server, &["--save", "month.jsonl", "--format", "json", "-v"]);
    assert_eq!(fetched.code, 0, "{fetched}");
    // We ask for 100 a page from p=0; the server reads p=0 as p=1 (so p=1 repeats it), sends
    // 10 and says nothing: 6 pages, the last short, in 7 requests.
    assert_eq!(gateway.requests(), 7, "{fetched}");
    assert!(fetched.stderr.contains("fetched 57 log items in 6 pages"), "{fetched}");
    let saved = std::fs::read_to_string(env.dir.path().join("month.jsonl")).unwrap();
    assert_eq!(saved.lines().count(), 57, "the calls, as JSON Lines, top-ups left out by the server");
    let offline = env.run(&["usage", "month.jsonl", "--format", "json"]).success().json();
    let fetched: Value = serde_json::from_str(&fetched.stdout).unwrap();
    assert_eq!(fetched, offline, "the same report, fetched or read from the saved file");
    assert_eq!(fetched["totals"]["records"], 57);
    assert_eq!(fetched["gateway"]["quota_per_usd"], "500000");
    // Σ quota = 57×700 + 123×(0+…+56) = 39,900 + 196,308 = 236,208 → $0.472416, exactly.
    assert_eq!(fetched["totals"]["charged"], "0.472416");
    let (charged, cost, difference) = (
        fetched["totals"]["charged"].as_str().unwrap(),
        fetched["totals"]["compared"]["cost"].as_str().unwrap(),
        fetched["totals"]["difference"].as_str().unwrap(),
    );
    let exact = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(exact(charged) - exact(cost), exact(difference), "exact decimals: {charged} − {cost}");
}

#[tokio::test]
async fn the_token_is_found_in_no_output_saved_file_or_database() {
    let gateway = Gateway::new(month(23));
    let server = serve(&gateway).await;
    let env = catalog();
    let runs = [
        fetch(&env, &server, &["--save", "month.jsonl", "-v"]),
        fetch(&env, &server, &["--format", "json"]),
        fetch(&env, &server, &["--format", "markdown", "--save", "again.jsonl"]),
        fetch(&env, &server, &["--per-record"]),
    ];
    for run in &runs {
        assert_eq!(run.code, 0, "{run}");
    }
    let all = traces(&env, &runs.iter().collect::<Vec<_>>());
    assert!(all.len() > 10_000, "there is something to search");
    assert!(!contains(&all, TOKEN) && !contains(&all, "SECRET"), "the token is never written or shown");
}

#[tokio::test]
async fn a_wrong_token_is_an_error_quoting_the_server_never_an_empty_month() {
    let gateway = Gateway::new(month(12));
    let server = serve(&gateway).await;
    let env = catalog();
    let mut cmd = env.cmd(&["usage", "--fetch", "--base-url", &server.uri(), "--save", "month.jsonl"]);
    cmd.env("COMETCAT_ACCESS_TOKEN", "tok-expired").env("COMETCAT_USER_ID", "7");
    let run = crate::common::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.is_empty(), "no report of an empty month: {run}");
    assert!(run.stderr.contains("success: false") && run.stderr.contains("access token 无效"), "{run}");
    assert!(run.stderr.contains("COMETCAT_ACCESS_TOKEN"), "the hint says what to check: {run}");
    assert!(!env.dir.path().join("month.jsonl").exists(), "nothing saved");
    assert_eq!(gateway.requests(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn without_a_token_or_key_fetch_is_a_usage_error() {
    let env = catalog();
    let run = env.run(&["usage", "--fetch", "--base-url", "http://127.0.0.1:9"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("COMETCAT_ACCESS_TOKEN") && run.stderr.contains("COMETCAT_API_KEY"), "{run}");
    let run = env.run(&["usage", "--fetch", "--base-url", "http://gateway.example"]);
    assert_eq!(run.code, 2, "a token never travels in the clear: {run}");
    assert!(run.stderr.contains("https"), "{run}");
    let run = env.run(&["usage", "--save", "x.jsonl", "log.jsonl"]);
    assert_eq!(run.code, 2, "--save is for --fetch: {run}");
}

#[tokio::test]
async fn retry_after_and_a_cut_body_are_retried_and_the_month_is_whole() {
    let gateway = Gateway::new(month(35));
    let server = MockServer::start().await;
    let page = |n: &'static str| {
        move |req: &Request| req.url.query_pairs().any(|(k, v)| k == "p" && v == n) && req.url.path() == "/api/log/self"
    };
    Mock::given(page("2"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(page("3"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"success":true,"data":{"items":[{"id":1"#, "application/json"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let g = gateway.clone();
    Mock::given(path("/api/log/self")).respond_with(move |req: &Request| g.answer(req)).mount(&server).await;
    let env = catalog();
    let run = fetch(&env, &server, &["--format", "json", "-v"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.json()["totals"]["records"], 35);
    assert!(run.stderr.contains("retry 1 of") && run.stderr.contains("429"), "{run}");
    assert!(run.stderr.contains("cut off"), "{run}");
    assert!(!run.stderr.contains(TOKEN));
}

#[tokio::test]
async fn a_body_always_cut_short_fails_saying_so() {
    let server = MockServer::start().await;
    Mock::given(path("/api/log/self"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"success":true,"data":{"items":[{"id":1"#, "application/json"),
        )
        .mount(&server)
        .await;
    let env = catalog();
    let run = fetch(&env, &server, &["--retries", "2"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("cut off") && run.stdout.is_empty(), "{run}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "tried, then retried twice");
}

#[tokio::test]
async fn the_walk_ends_where_the_log_does() {
    // calls, the page size echoed, a total given, the requests the walk takes.
    let cases = [
        // p=0 first (one-api's first page; new-api reads it as p=1, so p=1 repeats it).
        (60, true, false, 8, "six full pages of 10 (100 echoed, 10 sent), then an empty one"),
        (31, true, true, 5, "the total reached on page 4"),
        (7, false, false, 3, "a log of 7 is page 1's length: page 2, empty, ends it"),
        (0, false, false, 1, "an empty log"),
    ];
    for (calls, echo, total, requests, why) in cases {
        let mut gateway = Gateway::new(month(calls));
        (gateway.echo, gateway.total) = (echo, total);
        let server = serve(&gateway).await;
        let run = fetch(&catalog(), &server, &["--format", "json"]);
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(run.json()["totals"]["records"], calls, "{why}");
        assert_eq!(gateway.requests(), requests, "{why}");
    }
}

#[tokio::test]
async fn max_pages_says_the_report_covers_part_of_the_log() {
    let gateway = Gateway::new(month(57));
    let server = serve(&gateway).await;
    let env = catalog();
    let run = fetch(&env, &server, &["--max-pages", "2", "--format", "markdown", "--save", "part.jsonl"]);
    assert_eq!(run.code, 1, "a part of the log is never a whole month: {run}");
    assert_eq!(gateway.requests(), 3, "two pages, and p=1 that repeated p=0");
    assert!(run.stdout.contains("for 20 records"), "{run}");
    assert!(run.stdout.contains("stopped after 2 pages (--max-pages) and the log may hold more"), "said: {run}");
    assert!(run.stderr.contains("not saved to part.jsonl"), "{run}");
    assert!(!env.dir.path().join("part.jsonl").exists(), "a part never saved to be read as the whole");
    // Items are bounded too: the gateway decides how many a page holds.
    let run = fetch(&env, &server, &["--max-items", "15", "--format", "json"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.json()["totals"]["records"], 20, "the walk stops at the page that reaches the bound: {run}");
    assert!(run.stderr.contains("stopped after 20 items (--max-items)"), "{run}");
}

#[tokio::test]
async fn a_total_above_what_was_sent_is_an_incomplete_log() {
    // The gateway says 40 and sends 25: pages end, short of its total.
    let items = month(25);
    let server = MockServer::start().await;
    let all = items.clone();
    Mock::given(path("/api/log/self"))
        .respond_with(move |req: &Request| {
            let p: usize = req.url.query_pairs().find(|(k, _)| k == "p").unwrap().1.parse::<usize>().unwrap().max(1);
            let page: Vec<&Value> = all.iter().filter(|i| i["type"] == 2).skip((p - 1) * 10).take(10).collect();
            json_answer(json!({"success": true, "data": {"items": page, "total": 40}}))
        })
        .mount(&server)
        .await;
    let run = fetch(&catalog(), &server, &["--format", "json"]);
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    assert_eq!(report["totals"]["records"], 25);
    assert_eq!(report["violations"][0]["kind"], "incomplete_log");
    assert!(report["violations"][0]["message"].as_str().unwrap().contains("holds 40 items for the period and sent 25"));
}

#[tokio::test]
async fn a_gateway_that_ignores_paging_is_refused() {
    let mut gateway = Gateway::new(month(57));
    gateway.ignores_paging = true;
    let server = serve(&gateway).await;
    let env = catalog();
    let run = fetch(&env, &server, &[]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("page 2 of the log holds only items it already sent"), "{run}");
    assert!(run.stdout.is_empty());
}

#[tokio::test]
async fn the_period_and_type_are_asked_for_and_items_outside_are_left_out() {
    // A server that pages but ignores the period and the type: top-ups and all.
    let items = month(12);
    let server = MockServer::start().await;
    let all = items.clone();
    Mock::given(path("/api/log/self"))
        .respond_with(move |req: &Request| {
            let p: usize = req.url.query_pairs().find(|(k, _)| k == "p").unwrap().1.parse::<usize>().unwrap().max(1);
            let page: Vec<&Value> = all.iter().skip((p - 1) * 10).take(10).collect();
            json_answer(json!({"success": true, "data": {"items": page}}))
        })
        .mount(&server)
        .await;
    let env = catalog();
    let base = server.uri();
    let mut cmd = env.cmd(&[
        "usage",
        "--fetch",
        "--base-url",
        &base,
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-04T12:00:00Z",
        "--format",
        "json",
    ]);
    cmd.env("COMETCAT_ACCESS_TOKEN", TOKEN);
    let run = crate::common::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, 0, "{run}");
    let asked = &server.received_requests().await.unwrap()[0];
    let query: Vec<(String, String)> = asked.url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    let q = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        (q("p"), q("page_size"), q("type"), q("start_timestamp"), q("end_timestamp")),
        (Some("0"), Some("100"), Some("2"), Some("1793577600"), Some("1793793600"))
    );
    assert_eq!(asked.headers.get("authorization").unwrap(), TOKEN, "the token, raw, as the console sends it");
    assert!(asked.headers.get("new-api-user").is_none(), "no user id given, none sent");
    // 2026-11-02T00:00 to 2026-11-04T12:00: calls every 40,000 s from 11-01 → i = 3..=7.
    let report = run.json();
    assert_eq!(report["totals"]["records"], 5, "{run}");
    assert_eq!(report["input"]["skipped"], 2, "the top-ups of 11-02 and 11-03, counted, not calls");
    assert!(report["notes"].to_string().contains("left out 8 log items the gateway sent from outside"), "{run}");
}

#[tokio::test]
async fn an_api_key_reads_its_own_log_in_one_answer() {
    let items = month(8);
    let server = MockServer::start().await;
    let answer = json!({"success": true, "message": "", "data": items});
    Mock::given(path("/api/log/token"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(r#"{"error":{"message":"busy"}}"#, "application/json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/log/token")).respond_with(json_answer(answer)).mount(&server).await;
    let env = catalog();
    let base = server.uri();
    let mut cmd =
        env.cmd(&["usage", "--fetch", "--base-url", &base, "--since", "2026-11-01", "--until", "2026-11-30", "-v"]);
    cmd.env("COMETCAT_API_KEY", KEY);
    let run = crate::common::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, 0, "{run}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2, "one answer, once retried");
    assert!(requests[1].url.query_pairs().any(|(k, v)| k == "key" && v == KEY));
    assert!(run.stderr.contains("key=(hidden)"), "the retry names the URL, the key hidden: {run}");
    assert!(!contains(&traces(&env, &[&run]), KEY) && !contains(&traces(&env, &[&run]), "SECRET"));
    assert!(run.stdout.contains("gateway log: 11 items (top-up ×3, consume ×8)"), "{run}");
}

#[tokio::test]
async fn pages_that_shift_while_read_keep_each_call_once() {
    // The log grows by two calls between pages: page 2 starts with page 1's last two.
    let items = month(25);
    let calls: Vec<Value> = items.iter().filter(|i| i["type"] == 2).cloned().collect();
    let server = MockServer::start().await;
    let list = calls.clone();
    Mock::given(path("/api/log/self"))
        .respond_with(move |req: &Request| {
            let p: usize = req.url.query_pairs().find(|(k, _)| k == "p").unwrap().1.parse::<usize>().unwrap().max(1);
            let start = ((p - 1) * 10).saturating_sub(if p > 1 { 2 } else { 0 });
            let page: Vec<&Value> = list.iter().skip(start).take(10).collect();
            json_answer(json!({"success": true, "data": {"items": page}}))
        })
        .mount(&server)
        .await;
    let env = catalog();
    let run = fetch(&env, &server, &["--format", "json"]);
    assert_eq!(run.code, 0, "{run}");
    let report = run.json();
    assert_eq!(report["totals"]["records"], 25, "{run}");
    assert!(report["notes"].to_string().contains("kept once 2 log items the gateway sent again"), "{run}");
}

#[test]
fn a_saved_answer_a_list_an_array_and_json_lines_are_one_log() {
    let env = catalog();
    let report = |name: &str| {
        let path = fixture(&format!("usage/{name}"));
        env.run(&["usage", path.to_str().unwrap(), "--format", "json"]).success().json()
    };
    let lines = report("gateway-log.jsonl");
    for other in ["gateway-log-array.json", "gateway-answer-items.json", "gateway-answer-list.json"] {
        let got = report(other);
        assert_eq!(got["totals"], lines["totals"], "{other}");
        assert_eq!(got["groups"], lines["groups"], "{other}");
        assert_eq!(got["gateway"], lines["gateway"], "{other}");
        assert_eq!(got["input"], lines["input"], "{other}");
    }
}

fn log_report(env: &Env, args: &[&str]) -> crate::common::Run {
    let path = fixture("usage/gateway-log.jsonl");
    env.run(&[&["usage", path.to_str().unwrap()], args].concat())
}

#[test]
fn the_bill_is_reconciled_against_the_catalog_in_every_format() {
    let env = catalog();
    // Worked by hand in fixtures/usage/README.md (gateway-log).
    crate::snap!("bill_table", log_report(&env, &[]).success());
    let report = log_report(&env, &["--format", "json"]).success().json();
    let t = &report["totals"];
    assert_eq!(
        (t["cost"].as_str(), t["charged"].as_str(), t["difference"].as_str()),
        (Some("0.09134"), Some("0.0945"), Some("0.00424"))
    );
    assert_eq!(t["compared"], json!({"records": 4, "charged": "0.0945", "cost": "0.09026", "not_compared": 1}));
    assert_eq!(t["difference_pct"], "4.7");
    assert_eq!(report["gateway"]["other_ignored"], 2, "an empty and a malformed `other`");
    let markdown = log_report(&env, &["--format", "markdown"]).success().stdout.clone();
    let rows: Vec<&str> = markdown
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| model") && !l.starts_with("| ---"))
        .collect();
    let firsts: Vec<&str> = rows.iter().map(|r| r.split(" | ").next().unwrap()).collect();
    assert_eq!(
        firsts,
        ["| deepseek-v3.2", "| gpt-5", "| claude-sonnet-4-6", "| gpt-4o-mini", "| **total**"],
        "the models whose charge differs most lead:\n{markdown}"
    );
    assert!(markdown.contains("| $0.02576 | $0.028 | +$0.00224 (+8.7%) |"), "{markdown}");
    assert!(markdown.contains("quota read as 500000 = $1 (--quota-per-usd)"), "{markdown}");
    let csv = log_report(&env, &["--format", "csv", "--by", "tag:group"]);
    csv.success();
    assert_eq!(
        csv.stdout,
        "group,records,input_tokens,output_tokens,cached_tokens,reasoning_tokens,requests,seconds,cost,charged,difference,compared_records,compared_charged,compared_cost\n\
         default,4,135000,14000,5000,0,4,0,0.08084,0.084,0.00424,3,0.084,0.07976\n\
         vip,1,1000,500,0,0,1,0,0.0105,0.0105,0,1,0.0105,0.0105\n"
    );
    assert!(csv.stderr.contains("quota as 500000 = $1"), "a CSV says it on stderr: {csv}");
}

#[test]
fn max_overcharge_gates_the_bill() {
    let env = catalog();
    // Charged $0.0945 against a catalog cost of $0.09026: 4.7% over.
    assert_eq!(log_report(&env, &["--max-overcharge", "5"]).code, 0);
    let over = log_report(&env, &["--max-overcharge", "4%", "--format", "json"]);
    assert_eq!(over.code, 3, "{over}");
    assert_eq!(over.json()["violations"][0]["kind"], "overcharge");
    assert!(over.stderr.contains("more than --max-overcharge 4% allows"), "{over}");
    let path = fixture("usage/openai-chat.json");
    let nothing = env.run(&["usage", path.to_str().unwrap(), "--max-overcharge", "5"]);
    assert_eq!(nothing.code, 4, "nothing charged to compare: the limit cannot be checked: {nothing}");
    assert!(nothing.stdout.contains("cannot be checked"), "{nothing}");
    assert_eq!(log_report(&env, &["--max-overcharge", "-1"]).code, 2);
}

#[test]
fn quota_per_usd_says_what_a_unit_is_worth_exactly() {
    let env = catalog();
    let report = log_report(&env, &["--quota-per-usd", "1000000", "--format", "json"]).success().json();
    assert_eq!(report["totals"]["charged"], "0.04725");
    assert_eq!(report["gateway"]["quota_per_usd"], "1000000");
    for bad in ["0", "-500000", "3", "abc"] {
        let run = log_report(&env, &["--quota-per-usd", bad]);
        assert_eq!(run.code, 2, "{bad}: {run}");
    }
    assert!(log_report(&env, &["--quota-per-usd", "3"]).stderr.contains("not an exact decimal"));
}

#[test]
fn a_saved_refusal_is_unreadable_never_an_empty_log() {
    let env = catalog();
    let path = fixture("usage/gateway-answer-refused.json");
    let run = env.run(&["usage", path.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("success: false (无权进行此操作，access token 无效)"), "{run}");
}

#[tokio::test]
async fn one_apis_pages_from_zero_are_read_whole() {
    let mut gateway = Gateway::new(month(35));
    gateway.one_api = true;
    let server = serve(&gateway).await;
    let run = fetch(&catalog(), &server, &["--format", "json"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.json()["totals"]["records"], 35, "the newest page, p=0, too");
    assert_eq!(gateway.requests(), 4, "p=0..3, the last short");
}

#[tokio::test]
async fn a_redirect_never_shows_the_key_and_plain_http_never_goes_through_a_proxy() {
    let server = MockServer::start().await;
    let to = format!("https://elsewhere.example/api/log/token?key={KEY}");
    Mock::given(path("/api/log/token"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", to.as_str()))
        .mount(&server)
        .await;
    // A proxy that would see a plain-http request, token and all.
    let proxy = MockServer::start().await;
    let env = catalog();
    let mut cmd = env.cmd(&["usage", "--fetch", "--base-url", &server.uri(), "-v"]);
    cmd.env("COMETCAT_API_KEY", KEY).env("HTTP_PROXY", proxy.uri()).env("http_proxy", proxy.uri());
    let run = crate::common::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("redirect (302) to https://elsewhere.example/api/log/token?key=(hidden)"), "{run}");
    assert!(!run.stderr.contains("SECRET"), "{run}");
    assert!(proxy.received_requests().await.unwrap().is_empty(), "the proxy saw nothing");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn what_would_lose_the_fetch_is_refused_before_it() {
    let gateway = Gateway::new(month(5));
    let server = serve(&gateway).await;
    let env = catalog();
    std::fs::create_dir(env.dir.path().join("folder")).unwrap();
    for (args, why) in
        [(vec!["--save", "folder"], "a folder"), (vec!["--save", "missing/month.jsonl"], "does not exist")]
    {
        let run = fetch(&env, &server, &args);
        assert_eq!(run.code, 2, "{run}");
        assert!(run.stderr.contains(why), "{run}");
    }
    let mut cmd = env.cmd(&["usage", "--fetch", "--base-url", &server.uri()]);
    cmd.env("COMETCAT_ACCESS_TOKEN", "tok\nen");
    let run = crate::common::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("COMETCAT_ACCESS_TOKEN holds a character an HTTP header cannot carry"), "{run}");
    assert_eq!(gateway.requests(), 0, "nothing was fetched");
}

#[test]
fn charges_the_catalog_cannot_price_cannot_pass_the_overcharge_gate() {
    let env = catalog();
    let item = json!({"id": 1, "type": 2, "created_at": 1_793_697_300, "model_name": "my-finetune",
                      "prompt_tokens": 10, "completion_tokens": 1, "quota": 100_000_000, "other": ""});
    let run = env.run_stdin(
        &["usage", "--allow-unpriced", "--max-overcharge", "5", "--format", "json"],
        item.to_string().into_bytes(),
    );
    assert_eq!(run.code, 4, "{run}");
    let report = run.json();
    assert_eq!(report["totals"]["charged"], "200");
    assert!(report["totals"]["difference"].is_null(), "nothing compared: no difference, never 0");
    assert!(
        report["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 record stating a charge, none with a catalog cost")
    );
}
