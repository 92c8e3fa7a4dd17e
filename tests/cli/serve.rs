//! `cometcat serve`: the real binary on port 0, asked over HTTP. Every page
//! and API route, their status codes, the API's JSON against the CLI's, the
//! hostile catalog, the limits, a sync while serving, and a bounded load.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use crate::common::{Env, fixture};

/// A running `cometcat serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(env: &Env) -> Server {
        Server::start_with(env, &[])
    }

    /// A server started with `flags` too.
    pub fn start_with(env: &Env, flags: &[&str]) -> Server {
        let mut child = env
            .std_cmd(&[&["serve", "--bind", "127.0.0.1:0"], flags].concat())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "the server prints its URL first: {line:?}");
        Server { child, url }
    }

    /// The server's `host:port`.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").trim_end_matches('/').to_owned()
    }

    /// `path` on this server (`path` starts without a `/`).
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Interrupts the server as Ctrl-C does; its exit code.
    #[cfg(unix)]
    fn interrupt(mut self) -> (i32, String) {
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut err).unwrap();
        (status.code().unwrap_or(-1), err)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Got {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

pub async fn get(url: &str) -> Got {
    let res = reqwest::get(url).await.unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    Got { status, headers, body: res.text().await.unwrap() }
}

fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog-v1-dated.json").import("catalog-v2.json");
    env
}

/// Each page's HTML on a fixed catalog, pinned: a renamed field, a lost
/// column or a changed link shows here.
#[tokio::test]
async fn every_page_is_pinned_on_a_fixed_catalog() {
    let env = catalog();
    let server = Server::start(&env);
    for (name, path) in [
        ("page_catalog", "?provider=anthropic&sort=input-price"),
        ("page_model", "models/gpt-5"),
        ("page_map", "map?type=text&provider=openai"),
        ("page_cost_on_arrival", "cost?type=text&top=3"),
        ("page_cost", "cost?input-tokens=1200&output-tokens=350&requests=1000&type=text&top=5"),
        (
            "page_cost_workload",
            "cost?workload=%5B%5Bitem%5D%5D%0Aname%3D%22a%22%0Amodel%3D%22gpt-5%22%0Ainput_tokens%3D1000",
        ),
        ("page_changes", "changes"),
        ("page_compare", "compare?id=gpt-5&id=claude-haiku-4-5&id=veo3-fast"),
        ("page_not_found", "nowhere"),
    ] {
        let got = get(&server.at(path)).await;
        let page = format!("status: {}\n{}", got.status, got.body.replace("><", ">\n<"));
        crate::common::settings().bind(|| insta::assert_snapshot!(name, page));
    }
}

#[tokio::test]
async fn every_page_and_route_answers() {
    let env = catalog();
    let server = Server::start(&env);
    for (path, kind) in [
        ("", "text/html"),
        ("?feature=image-to-text&provider=openai&sort=input-price&desc=1", "text/html"),
        ("models/gpt-5", "text/html"),
        ("models/black-forest-labs/flux-kontext-pro", "text/html"),
        ("map", "text/html"),
        ("map?provider=anthropic", "text/html"),
        ("cost", "text/html"),
        ("cost?input-tokens=1200&output-tokens=350&requests=1000&type=text", "text/html"),
        ("cost?workload=%5B%5Bitem%5D%5D%0Aname%3D%22a%22%0Amodel%3D%22gpt-5%22%0Ainput_tokens%3D1000", "text/html"),
        ("changes", "text/html"),
        ("changes?from=1&to=2", "text/html"),
        ("compare?id=gpt-5&id=gpt-5-mini", "text/html"),
        ("compare?id=gpt-5&id=GPT-5-MINI&id=gpt-5", "text/html"),
        ("static/app.css", "text/css"),
        ("static/app.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
        ("api/v1/models", "application/json"),
        ("api/v1/models?format=csv", "text/csv"),
        ("api/v1/models/gpt-5", "application/json"),
        ("api/v1/providers", "application/json"),
        ("api/v1/features", "application/json"),
        ("api/v1/types", "application/json"),
        ("api/v1/endpoints", "application/json"),
        ("api/v1/rank?input-tokens=1000&top=3", "application/json"),
        ("api/v1/cost?model=gpt-5&model=gpt-5-mini&input-tokens=1000", "application/json"),
        ("api/v1/compare?id=gpt-5&id=gpt-5-mini", "application/json"),
        ("api/v1/compare?id=gpt-5&id=gpt-5-mini&format=csv", "text/csv"),
        ("api/v1/diff", "application/json"),
        ("api/v1/diff?from=1&to=2", "application/json"),
        ("api/v1/history/gpt-5", "application/json"),
        ("api/v1/syncs", "application/json"),
    ] {
        let got = get(&server.at(path)).await;
        assert_eq!(got.status, 200, "{path}: {}", got.body);
        let content_type = got.headers["content-type"].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert!(got.headers.contains_key("content-security-policy"), "{path}");
    }
    let page =
        get(&server.at("cost?workload=%5B%5Bitem%5D%5D%0Aname%3D%22a%22%0Amodel%3D%22gpt-5%22%0Ainput_tokens%3D1000"))
            .await;
    assert!(page.body.contains("0.00088"), "the pasted workload is priced: 1000 × 0.88 / 1e6");
    // A workload that cannot be read is said on the page, and the text is kept to be mended.
    let bad = get(&server.at("cost?workload=model%3Dgpt-5%0Anonsense")).await;
    assert_eq!(bad.status, 200);
    assert!(
        bad.body.contains("the pasted workload:") && bad.body.contains("model=gpt-5\nnonsense</textarea>"),
        "{}",
        bad.body
    );
    for (path, status) in [
        ("models/no-such-model", 404),
        ("api/v1/models/no-such-model", 404),
        ("api/v1/history/no-such-model", 404),
        ("nowhere", 404),
        ("?max-input-price=cheap", 400),
        ("api/v1/models?max-input-price=cheap", 400),
        ("api/v1/models?db=/etc/passwd", 400),
        ("api/v1/models?format=xml", 400),
        ("api/v1/rank", 400),
        ("api/v1/diff?from=99", 404),
        ("api/v1/diff?to=1", 400),
        ("compare", 400),
        ("compare?id=gpt-5", 400),
        ("compare?id=gpt-5&id=no-such-model", 404),
        ("compare?id=gpt-5&id=gpt-5-mini&format=json", 400),
        ("api/v1/compare?id=gpt-5&id=no-such-model", 404),
        ("api/v1/compare?id=a&id=b&id=c&id=d&id=e&id=f&id=g&id=h&id=i", 400),
    ] {
        let got = get(&server.at(path)).await;
        assert_eq!(got.status, status, "{path}: {}", got.body);
    }
    // Errors under /api/ are JSON, with the exit code the command would give.
    for (path, status, exit) in [
        ("api/v1/nope", 404, "1"),
        ("api/v1/models/", 404, "1"),
        ("api/v1/models/%FF", 400, "2"),
        ("api/v1/models?bogus=1", 400, "2"),
        ("api/v1/models?limit=1&limit=2", 400, "2"),
        ("api/v1/models?desc=1&desc=0", 400, "2"),
        ("api/v1/diff?from=1&from=2", 400, "2"),
        ("api/v1/diff?from=1999-01-01", 404, "1"),
        ("api/v1/models/no-such-model", 404, "1"),
        ("api/v1/compare?id=gpt-5", 400, "2"),
        ("api/v1/compare?id=gpt-5&id=nope", 404, "1"),
        ("api/v1/compare?id=gpt-5&format=markdown", 400, "2"),
    ] {
        let got = get(&server.at(path)).await;
        assert_eq!(got.status, status, "{path}: {}", got.body);
        assert_eq!(got.headers["content-type"], "application/json", "{path}");
        assert_eq!(got.headers["x-cometcat-exit"], exit, "{path}");
        assert!(serde_json::from_str::<serde_json::Value>(&got.body).unwrap()["error"].is_string(), "{path}");
    }
    for path in ["changes?bogus=1", "changes?from=1&from=2", "models/gpt-5?bogus=1", "cost?bogus=1", "map?bogus=1"] {
        assert_eq!(get(&server.at(path)).await.status, 400, "{path}");
    }
    let no_model = get(&server.at("api/v1/cost?input-tokens=5")).await;
    assert!(no_model.body.contains("MODEL"), "the missing argument is named: {}", no_model.body);
    let capped = get(&server.at("?limit=3")).await.body;
    assert!(capped.contains(r#"href="/api/v1/models?format=csv">all "#), "the whole-catalog link drops the limit");
    let missing = get(&server.at("api/v1/models/gpt-5-min")).await;
    assert!(missing.body.contains("gpt-5-mini"), "a suggestion: {}", missing.body);
    let error: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
    assert!(error["error"].as_str().unwrap().contains("gpt-5-min"));
}

#[tokio::test]
async fn only_get_and_head_are_answered() {
    let env = catalog();
    let server = Server::start(&env);
    let client = reqwest::Client::new();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        for path in ["", "api/v1/models", "nowhere"] {
            let res = client.request(method.parse().unwrap(), server.at(path)).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 405, "{method} /{path}");
            assert_eq!(res.headers()["allow"], "GET, HEAD");
        }
    }
    let head = client.head(server.at("api/v1/models")).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    assert!(head.text().await.unwrap().is_empty());
}

/// The API's JSON is the CLI's `--format json`, byte for byte.
#[tokio::test]
async fn the_api_answers_as_the_command_line_does() {
    let env = catalog();
    let server = Server::start(&env);
    for (api, cli) in [
        ("api/v1/models", vec!["models"]),
        (
            "api/v1/models?feature=image-to-text&provider=openai&sort=input-price&desc=1&max-input-price=5",
            vec![
                "models",
                "--feature",
                "image-to-text",
                "--provider",
                "openai",
                "--sort",
                "input-price",
                "--desc",
                "--max-input-price",
                "5",
            ],
        ),
        ("api/v1/models?format=csv&type=text", vec!["models", "--type", "text", "--format", "csv"]),
        ("api/v1/models/gpt-5", vec!["show", "gpt-5"]),
        ("api/v1/providers?type=text", vec!["providers", "--type", "text"]),
        ("api/v1/features", vec!["features"]),
        ("api/v1/types", vec!["types"]),
        ("api/v1/endpoints", vec!["endpoints"]),
        (
            "api/v1/rank?input-tokens=1200&output-tokens=350&top=5",
            vec!["rank", "--input-tokens", "1200", "--output-tokens", "350", "--top", "5"],
        ),
        (
            "api/v1/cost?model=gpt-5&model=claude-haiku-4-5&input-tokens=1M&requests=3",
            vec!["cost", "gpt-5", "claude-haiku-4-5", "--input-tokens", "1M", "--requests", "3"],
        ),
        ("api/v1/diff", vec!["diff"]),
        ("api/v1/diff?from=2&to=1&provider=openai", vec!["diff", "2", "1", "--provider", "openai"]),
        ("api/v1/history/gpt-5", vec!["history", "gpt-5"]),
        ("api/v1/syncs", vec!["syncs"]),
        (
            "api/v1/compare?id=gpt-5&id=claude-haiku-4-5&id=veo3-fast",
            vec!["compare", "gpt-5", "claude-haiku-4-5", "veo3-fast"],
        ),
        ("api/v1/compare?id=GPT-5&id=gpt-5-mini&format=csv", vec!["compare", "GPT-5", "gpt-5-mini", "--format", "csv"]),
    ] {
        let got = get(&server.at(api)).await;
        assert_eq!(got.status, 200, "{api}: {}", got.body);
        let format = if cli.contains(&"csv") { vec![] } else { vec!["--format", "json"] };
        let run = env.run(&[&cli[..], &format[..]].concat());
        assert_eq!(run.code, 0, "{cli:?}: {run}");
        assert_eq!(got.body, run.stdout, "{api} differs from cometcat {cli:?}");
    }
    // An unknown model in `cost` is priced as the CLI prices it, with its exit code said.
    let got = get(&server.at("api/v1/cost?model=nope&input-tokens=1")).await;
    assert_eq!(got.headers["x-cometcat-exit"], "4");
}

#[tokio::test]
async fn hostile_catalog_text_stays_text() {
    let env = Env::new();
    env.import("hostile.json");
    let server = Server::start(&env);
    let models: serde_json::Value = serde_json::from_str(&get(&server.at("api/v1/models")).await.body).unwrap();
    let mut pages = vec![String::new(), "map".into(), "changes".into(), "cost?input-tokens=1000".into(), "cost".into()];
    for m in models.as_array().unwrap() {
        let id = m["id"].as_str().unwrap();
        let href = format!("models/{}", percent_encode(id));
        pages.push(href);
    }
    // Every hostile model side by side.
    let ids: Vec<String> = models
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("id={}", percent_encode(m["id"].as_str().unwrap())))
        .collect();
    assert!((2..=8).contains(&ids.len()), "the hostile catalog fits one comparison");
    pages.push(format!("compare?{}", ids.join("&")));
    for path in &pages {
        let got = get(&server.at(path)).await;
        assert_eq!(got.status, 200, "/{path}: {}", got.body);
        let html = &got.body;
        // The only script is the explorer's own file.
        assert_eq!(html.matches("<script").count(), 1, "/{path}");
        assert!(html.contains(r#"<script src="/static/app.js" defer></script>"#), "/{path}");
        for bad in [
            "<img",
            "<svg onload",
            "<style>",
            "<b>Evil",
            "<i>evil",
            "onerror=\"",
            "href=\"javascript:",
            "<a href=\"javascript",
        ] {
            assert!(!html.contains(bad), "/{path} holds {bad:?}");
        }
        assert!(!html.contains("gpt-5\n"), "/{path}: a newline lets an id pass for another");
        for c in [
            '\u{202e}',
            '\u{2066}',
            '\u{2067}',
            '\u{2069}',
            '\u{200b}',
            '\u{2028}',
            '\u{00ad}',
            '\u{e0041}',
            '\t',
            '\r',
        ] {
            assert!(!html.contains(c), "/{path} holds a raw {c:?}");
        }
    }
    let csp = get(&server.url).await.headers["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"));
}

fn percent_encode(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn requests_are_bounded() {
    let env = catalog();
    let server = Server::start(&env);
    let long = get(&server.at(&format!("?search={}", "a".repeat(17 << 10)))).await;
    assert_eq!(long.status, 414);
    let many = get(&server.at(&format!("?{}", "feature=x&".repeat(65)))).await;
    assert_eq!(many.status, 400);
    // Another name for this address (a page of another site, after DNS rebinding) is refused.
    let client = reqwest::Client::new();
    let res = client.get(server.at("api/v1/models")).header("host", "evil.example:80").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 421);
    assert_eq!(res.headers()["content-type"], "application/json");
    // The Host is checked before anything else, the method included.
    let res = client.post(server.at("")).header("host", "evil.example:80").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 421);
    let res = client
        .get(server.at(""))
        .header(
            "host",
            server.url.trim_start_matches("http://").replace("127.0.0.1", "localhost").trim_end_matches('/'),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "localhost is this server too");
}

#[tokio::test]
async fn a_sync_shows_on_the_next_request() {
    let env = Env::new();
    env.import("catalog-v1-dated.json");
    let server = Server::start(&env);
    let before: serde_json::Value = serde_json::from_str(&get(&server.at("api/v1/syncs")).await.body).unwrap();
    assert_eq!(before.as_array().unwrap().len(), 1);
    let count =
        |page: &str| page.split(r#"<span id="count">"#).nth(1).and_then(|r| r.split('<').next()).map(str::to_owned);
    let before_count = count(&get(&server.url).await.body);
    assert_eq!(before_count, count(&get(&server.url).await.body), "the same count when asked again");
    // A listing is kept for its catalog: asked again, the same bytes and exit code.
    let listing = |env: &Env| env.run(&["models", "--sort", "input-price", "--format", "json"]).stdout;
    let old = listing(&env);
    for _ in 0..2 {
        let got = get(&server.at("api/v1/models?sort=input-price")).await;
        assert_eq!((got.body.as_str(), got.headers["x-cometcat-exit"].to_str().unwrap()), (old.as_str(), "0"));
    }
    env.import("catalog-v2.json");
    let after: serde_json::Value = serde_json::from_str(&get(&server.at("api/v1/syncs")).await.body).unwrap();
    assert_eq!(after.as_array().unwrap().len(), 2);
    // ... and not past a sync.
    let new = listing(&env);
    assert_ne!(new, old, "catalog-v2 changes prices");
    assert_eq!(get(&server.at("api/v1/models?sort=input-price")).await.body, new);
    let listed = |env: &Env| env.run(&["models", "--format", "json"]).stdout.matches(r#""id":"#).count().to_string();
    assert_eq!(count(&get(&server.url).await.body), Some(listed(&env)), "the count is the new catalog's");
    assert_ne!(before_count, Some(listed(&env)));
    let page = get(&server.at("models/gpt-5")).await.body;
    assert_eq!(page.matches(r#"data-series="input""#).count(), 2, "two input prices: 1 then 0.88");
}

#[tokio::test]
async fn before_any_sync_the_sample_is_shown_and_said() {
    let env = Env::new();
    let server = Server::start(&env);
    let page = get(&server.url).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No catalog synced yet"), "{}", page.body);
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_stops_the_server_cleanly() {
    let env = catalog();
    let server = Server::start(&env);
    assert_eq!(get(&server.url).await.status, 200);
    let (code, stderr) = server.interrupt();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
}

/// A client that never finishes its request neither holds the server open
/// past Ctrl-C nor keeps its connection for ever.
#[cfg(unix)]
#[tokio::test]
async fn a_half_sent_request_does_not_keep_the_server_running() {
    use std::io::Write;
    let env = catalog();
    let server = Server::start(&env);
    let addr = server.url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\n").as_bytes()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let (code, stderr) = server.interrupt();
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(9), "stopped within the grace period");
}

#[test]
fn a_bind_address_may_be_a_name() {
    let env = catalog();
    let mut child =
        env.std_cmd(&["serve", "--bind", "localhost:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("http://127.0.0.1:") || line.starts_with("http://[::1]:"), "{line}");
    let run = env.run(&["serve", "--bind", "nowhere"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("as in 127.0.0.1:8787"), "{run}");
}

#[test]
fn a_network_address_is_served_with_a_warning() {
    let env = catalog();
    let mut child =
        env.std_cmd(&["serve", "--bind", "0.0.0.0:0"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("anyone who can reach this address can read the catalog"), "{line}");
}

/// A catalog of `n` models: the fixture's records under new ids.
pub fn big_catalog(n: usize) -> String {
    let text = std::fs::read_to_string(fixture("catalog.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let records = doc["data"].as_array().unwrap();
    let data: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut r = records[i % records.len()].clone();
            let id = format!("{}-{i:05}", r["id"].as_str().unwrap());
            r["id"] = id.clone().into();
            r["code"] = id.into();
            r
        })
        .collect();
    serde_json::json!({"success": true, "page": 0, "page_size": 0, "total": n, "data": data}).to_string()
}

/// 64 clients × 50 requests, of the catalog page and the API, with a sync
/// in the middle: every answer is complete and right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_and_a_sync() {
    let env = Env::new();
    let big = env.dir.path().join("big.json");
    std::fs::write(&big, big_catalog(5_000)).unwrap();
    env.run(&["sync", "--from", big.to_str().unwrap()]).success();
    let server = Server::start(&env);
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for c in 0..64 {
        let (client, base) = (client.clone(), server.url.clone());
        tasks.push(tokio::spawn(async move {
            for r in 0..50 {
                // The whole catalog page (its first 500 rows), and the API's first 100.
                let url = if (c + r) % 2 == 0 { base.clone() } else { format!("{base}api/v1/models?limit=100") };
                let res = client.get(&url).send().await.map_err(|e| format!("{url}: {e}"))?;
                let status = res.status().as_u16();
                let body = res.text().await.map_err(|e| format!("{url}: {e}"))?;
                if status != 200 || !(body.ends_with("</html>") || body.ends_with("]\n")) {
                    return Err(format!("{url}: {status}: {}", &body[..body.len().min(300)]));
                }
            }
            Ok::<_, String>(())
        }));
    }
    // Mid-way, a new snapshot.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sync = tokio::task::spawn_blocking({
        let path = fixture("catalog-v2.json");
        let db = env.db();
        move || {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_cometcat"))
                .args(["sync", "--from", path.to_str().unwrap(), "-q"])
                .env("COMETCAT_DB", db)
                .env("COMETCAT_NO_PROGRESS", "1")
                .output()
                .unwrap();
            out.status.code()
        }
    });
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(sync.await.unwrap(), Some(0));
    let syncs: serde_json::Value = serde_json::from_str(&get(&server.at("api/v1/syncs")).await.body).unwrap();
    assert_eq!(syncs.as_array().unwrap().len(), 2);
}

/// Whether process `pid` may be given transparent huge pages (`THP_enabled`
/// of its `/proc` status: 0 once it has asked for none, or on a kernel
/// without them); `None` on a kernel too old to say (before 5.0).
#[cfg(target_os = "linux")]
fn huge_pages_allowed(pid: u32) -> Option<bool> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("THP_enabled:"))?;
    Some(line.split_whitespace().nth(1) == Some("1"))
}

/// Whether process `pid` holds a mimalloc arena: it reserves them 1 GiB at a
/// time, one mapping, or adjacent pieces where it cannot commit at once
/// (strict overcommit). Nothing else here maps that much anonymous memory.
#[cfg(target_os = "linux")]
fn holds_a_mimalloc_arena(pid: u32) -> bool {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut run: Option<(u64, u64)> = None;
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some((start, end)) = fields[0].split_once('-') else { continue };
        let (start, end) = (u64::from_str_radix(start, 16).unwrap(), u64::from_str_radix(end, 16).unwrap());
        if fields.len() > 5 {
            run = None; // a file or a named region ([heap], [stack]) ends a run
            continue;
        }
        run = match run {
            Some((first, last)) if last == start => Some((first, end)),
            _ => Some((start, end)),
        };
        if run.is_some_and(|(first, last)| last - first >= 1 << 30) {
            return true;
        }
    }
    false
}

/// Memory is chosen per command: the explorer allocates with the system's
/// allocator and holds no huge pages (asked for none before its first
/// allocation: it would otherwise hold a whole 2 MiB page for each corner of
/// memory it touched), while `sync --from`, waiting here on a pipe, takes
/// mimalloc and may have huge pages.
#[cfg(target_os = "linux")]
#[test]
fn only_the_import_keeps_huge_pages() {
    use std::os::unix::fs::OpenOptionsExt;
    if huge_pages_allowed(std::process::id()) != Some(true) {
        return; // a kernel without them, or too old to tell: nothing to tell apart
    }
    let env = catalog();
    let server = Server::start(&env);
    let pid = server.child.id();
    assert_eq!(huge_pages_allowed(pid), Some(false), "the explorer asked for no huge pages");
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let held =
        rollup.lines().find(|l| l.starts_with("AnonHugePages:")).map(|l| l.split_whitespace().nth(1) == Some("0"));
    assert_ne!(held, Some(false), "the explorer holds none, not even from its start:\n{rollup}");
    if cfg!(target_env = "gnu") {
        assert!(!holds_a_mimalloc_arena(pid), "the explorer allocates with the system's allocator");
    }

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("catalog.json");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let mut import = env.std_cmd(&["sync", "--from", fifo.to_str().unwrap(), "-q"]).spawn().unwrap();
    // Opened without blocking, so that an import that ends before reading fails the test, not hangs it.
    let started = std::time::Instant::now();
    let mut pipe = loop {
        match std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&fifo) {
            Ok(pipe) => break pipe,
            Err(_) if started.elapsed() < std::time::Duration::from_secs(30) => {
                assert!(import.try_wait().unwrap().is_none(), "the import ended before reading its input");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("the import never opened its input: {e}"),
        }
    };
    // Past the open, the import is past the point where it takes its pages back.
    let allowed = huge_pages_allowed(import.id());
    let mimalloc = holds_a_mimalloc_arena(import.id());
    // Smaller than a pipe holds: written at once.
    std::io::Write::write_all(&mut pipe, &std::fs::read(fixture("catalog-v3.json")).unwrap()).unwrap();
    drop(pipe);
    assert!(import.wait().unwrap().success());
    assert_eq!(allowed, Some(true), "the import may have huge pages");
    assert!(mimalloc, "the import allocates with mimalloc");
}

/// What `serve --open` starts (the user's browser, for hours) is not held to
/// the explorer's own choice of no huge pages.
#[cfg(target_os = "linux")]
#[test]
fn the_browser_the_explorer_opens_may_have_huge_pages() {
    use std::os::unix::fs::PermissionsExt;
    if huge_pages_allowed(std::process::id()) != Some(true) {
        return;
    }
    let env = catalog();
    let bin = env.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let seen = env.dir.path().join("seen");
    let opener = bin.join("xdg-open");
    let script = format!(
        "#!/bin/sh\nwhile read -r line; do case $line in THP_enabled*) echo \"$line\" > '{}';; esac; done < /proc/self/status\n",
        seen.display()
    );
    std::fs::write(&opener, script).unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut server = env
        .std_cmd(&["serve", "--bind", "127.0.0.1:0", "--open"])
        .env("PATH", &bin)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&seen).is_ok_and(|s| s.ends_with('\n')) {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the browser was never opened");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = server.kill();
    let _ = server.wait();
    let line = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(line.split_whitespace().collect::<Vec<_>>(), ["THP_enabled:", "1"], "{line:?}");
}
