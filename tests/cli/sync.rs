//! `sync`: one test per rule of docs/sync.md and per server fault.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::{Env, fixture, json, page, pager, pager_by, param, records};
use crate::snap;

const PAGE_SIZE: u64 = 25;

/// Serves fixtures/catalog/page-N.json for page=N, each expected exactly once.
async fn serve_fixture_pages(server: &MockServer) {
    for n in 1..=3 {
        let body = std::fs::read_to_string(fixture(&format!("catalog/page-{n}.json"))).unwrap();
        Mock::given(method("GET"))
            .and(path("/api/models"))
            .and(query_param("page", n.to_string()))
            .and(query_param("page_size", PAGE_SIZE.to_string()))
            .respond_with(json(body))
            .expect(1)
            .mount(server)
            .await;
    }
}

fn sync(env: &Env, server: &MockServer, extra: &[&str]) -> crate::common::Run {
    let uri = server.uri();
    env.run(&[&["sync", "--base-url", uri.as_str()], extra].concat())
}

fn model_count(env: &Env) -> String {
    env.sql("SELECT count(*) FROM models")
}

#[tokio::test]
async fn walks_every_page_once_and_stores_the_catalog() {
    let server = MockServer::start().await;
    serve_fixture_pages(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &["--page-size", "25"]);
    snap!(run);
    assert_eq!(model_count(&env), "64\n");
    // A sequential walk gives the same result.
    let env = Env::new();
    server.reset().await;
    serve_fixture_pages(&server).await;
    sync(&env, &server, &["--page-size", "25", "--concurrency", "1"]).success();
    assert_eq!(model_count(&env), "64\n");
}

#[tokio::test]
async fn the_json_summary_goes_to_stdout() {
    let server = MockServer::start().await;
    serve_fixture_pages(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &["--page-size", "25", "--format", "json", "-q"]);
    snap!(run);
}

#[tokio::test]
async fn uses_the_page_size_the_server_answers_with() {
    let server = MockServer::start().await;
    let recs = records("catalog.json");
    // Asked for 100, the server clamps to 20: pages 1..=4 of 20.
    Mock::given(path("/api/models")).respond_with(pager(recs, 20)).expect(4).mount(&server).await;
    let env = Env::new();
    sync(&env, &server, &[]).success();
    assert_eq!(model_count(&env), "64\n");
    let asked: Vec<(u64, u64)> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| (param(r, "page").unwrap(), param(r, "page_size").unwrap()))
        .collect();
    assert_eq!(asked[0], (1, 100));
    let mut rest = asked[1..].to_vec();
    rest.sort();
    assert_eq!(rest, [(2, 20), (3, 20), (4, 20)], "later pages ask for the size the server uses");
}

#[tokio::test]
async fn pages_the_way_each_server_family_reads_paging() {
    let recs = records("catalog.json");
    let whole = std::fs::read_to_string(fixture("catalog.json")).unwrap();
    type Responder = Box<dyn Fn(&Request) -> ResponseTemplate + Send + Sync>;
    let servers: Vec<(&str, Responder, u64)> = vec![
        // CometAPI's backend family (one-api/new-api): `p`, 1-based, page_size clamped to 100.
        ("reads only p", Box::new(pager_by("p", recs.clone(), 100)), 3),
        ("reads only page", Box::new(pager_by("page", recs.clone(), 100)), 3),
        ("reads neither, answers the whole catalog as page 0", Box::new(move |_: &Request| json(whole.clone())), 1),
        ("ignores page_size, answers 20 a page", Box::new(pager_by("p", recs.clone(), 20)), 4),
    ];
    for (name, server_fn, requests) in servers {
        let server = MockServer::start().await;
        Mock::given(path("/api/models")).respond_with(server_fn).expect(requests).mount(&server).await;
        let env = Env::new();
        let run = sync(&env, &server, &["--page-size", "25"]);
        assert_eq!(run.code, 0, "{name}: {run}");
        assert_eq!(model_count(&env), "64\n", "{name}");
        for req in server.received_requests().await.unwrap() {
            assert_eq!(param(&req, "p"), param(&req, "page"), "{name}: p and page agree");
            assert!(param(&req, "page_size").is_some(), "{name}");
        }
    }
}

#[tokio::test]
async fn accepts_a_page_zero_whole_catalog_answer() {
    let server = MockServer::start().await;
    let body = std::fs::read_to_string(fixture("catalog.json")).unwrap();
    Mock::given(path("/api/models")).respond_with(json(body)).expect(1).mount(&server).await;
    let env = Env::new();
    snap!(sync(&env, &server, &[]));
}

#[tokio::test]
async fn a_server_that_ignores_paging_but_sends_everything_is_read_once() {
    let server = MockServer::start().await;
    let recs = records("catalog.json");
    let body = page(&recs, 1, 20, recs.len());
    Mock::given(path("/api/models")).respond_with(json(body)).expect(1).mount(&server).await;
    let env = Env::new();
    sync(&env, &server, &[]).success();
    assert_eq!(model_count(&env), "64\n");
}

#[tokio::test]
async fn a_server_that_ignores_paging_is_detected() {
    let recs = records("catalog.json");
    for echo in [true, false] {
        let server = MockServer::start().await;
        let first: Vec<String> = recs[..20].to_vec();
        let body = if echo {
            page(&first, 1, 20, recs.len())
        } else {
            format!("{{\"total\": {}, \"data\": [{}]}}", recs.len(), first.join(","))
        };
        Mock::given(path("/api/models")).respond_with(json(body)).mount(&server).await;
        let env = Env::new();
        let run = sync(&env, &server, &["--concurrency", "1"]);
        assert_eq!(run.code, 1, "{run}");
        assert!(run.stderr.contains("the server ignores paging: asked for page 2"), "{run}");
        if echo {
            snap!(run);
        }
    }
}

#[tokio::test]
async fn a_server_that_echoes_the_page_asked_but_sends_an_earlier_one_is_detected() {
    let recs = records("catalog.json");
    let total = recs.len();
    // Page N says it is page N, with the right total, and holds page 1's (or page 2's) records.
    for stuck_at in [1usize, 2] {
        let recs = recs.clone();
        let server = MockServer::start().await;
        let liar = move |req: &Request| {
            let n = param(req, "page").unwrap();
            let served = (n as usize).min(stuck_at);
            json(page(&recs[(served - 1) * 20..served * 20], n, 20, total))
        };
        Mock::given(path("/api/models")).respond_with(liar).mount(&server).await;
        let env = Env::new();
        let run = sync(&env, &server, &["--concurrency", "1", "--page-size", "20"]);
        assert_eq!(run.code, 1, "{run}");
        let want = format!("it answered with page {stuck_at}'s records again (saying it is page {})", stuck_at + 1);
        assert!(run.stderr.contains(&want), "{run}");
        assert_ne!(env.run(&["syncs"]).code, 0, "nothing stored");
    }
}

#[tokio::test]
async fn a_sync_that_would_remove_most_of_the_catalog_is_refused() {
    let env = Env::new();
    env.import("catalog.json");
    // A server whose paging looks right but whose catalog is a quarter of ours.
    let recs: Vec<String> = records("catalog.json").into_iter().take(16).collect();
    let server = MockServer::start().await;
    Mock::given(path("/api/models")).respond_with(json(page(&recs, 1, 100, recs.len()))).mount(&server).await;
    let run = sync(&env, &server, &[]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("this sync would remove 48 of the catalog's 64 models"), "{run}");
    assert!(run.stderr.contains("--allow-shrink"), "{run}");
    assert_eq!(model_count(&env), "64\n", "the catalog is as it was");
    let run = sync(&env, &server, &["--allow-shrink"]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(model_count(&env), "16\n");
}

#[tokio::test]
async fn duplicates_across_pages_are_collapsed() {
    let server = MockServer::start().await;
    let recs = records("catalog.json");
    let total = recs.len();
    // Each page after the first starts one record early: the page boundary repeats.
    let overlapping = move |req: &Request| {
        let n = param(req, "page").unwrap();
        let start = if n == 1 { 0 } else { (n as usize - 1) * 25 - 1 };
        let end = (n as usize * 25).min(total);
        json(page(&recs[start..end], n, 25, total))
    };
    Mock::given(path("/api/models")).respond_with(overlapping).expect(3).mount(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &["--page-size", "25", "--format", "json"]);
    run.success();
    assert_eq!(run.json()["duplicates"], 2);
    assert_eq!(run.json()["models"], 64);
    assert!(run.stderr.contains("collapsed 2 records listed twice"), "{run}");
}

#[tokio::test]
async fn a_server_that_counts_an_id_twice_is_read_twice_then_believed() {
    let server = MockServer::start().await;
    let mut recs = records("catalog.json");
    recs.insert(30, recs[3].clone());
    let total = recs.len();
    let listing = move |req: &Request| {
        let n = param(req, "page").unwrap() as usize;
        json(page(&recs[(n - 1) * 25..(n * 25).min(total)], n as u64, 25, total))
    };
    // Three pages, each read once per walk.
    Mock::given(path("/api/models")).respond_with(listing).expect(6).mount(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &["--page-size", "25", "--format", "json"]);
    run.success();
    assert_eq!(run.json()["models"], 64);
    assert_eq!(run.json()["duplicates"], 1);
    assert!(
        run.stderr
            .contains("the server listed 1 id more than once; reading the catalog again to make sure it is not moving"),
        "{run}"
    );
    assert!(!run.stderr.contains("changed during the sync"), "{run}");
}

#[tokio::test]
async fn a_catalog_that_shifts_during_the_walk_is_walked_again() {
    let server = MockServer::start().await;
    let recs = records("catalog.json");
    let walks = Arc::new(AtomicUsize::new(0));
    // During the first walk page 2 shows a price that is gone by the second
    // walk, and a model is added before page 3 is read (total 65).
    let shifting = move |req: &Request| {
        let n = param(req, "page").unwrap();
        let walk = if n == 1 { walks.fetch_add(1, Ordering::SeqCst) } else { walks.load(Ordering::SeqCst) - 1 };
        let total = if n == 3 && walk == 0 { 65 } else { 64 };
        let start = ((n - 1) * 25) as usize;
        let mut records = recs[start..(start + 25).min(64)].to_vec();
        if n == 2 && walk == 0 {
            records[0] = records[0].replace("\"input\": ", "\"input\": 9");
        }
        json(page(&records, n, 25, total))
    };
    Mock::given(path("/api/models")).respond_with(shifting).mount(&server).await;
    let env = Env::new();
    // One page at a time, so page 2 is stored before page 3 reports the shift.
    let run = sync(&env, &server, &["--page-size", "25", "--concurrency", "1"]);
    snap!(run);
    assert_eq!(model_count(&env), "64\n");
    assert_eq!(env.sql("SELECT input_price FROM models WHERE id = 'grok-4.5'"), "3\n");
    // The version the abandoned walk wrote is gone: nothing refers to it.
    assert_eq!(env.sql("SELECT count(*) FROM model_versions"), "64\n");
    assert_eq!(
        env.sql("SELECT count(*) FROM model_versions WHERE version_id NOT IN (SELECT version_id FROM spans)"),
        "0\n"
    );
}

#[tokio::test]
async fn a_catalog_that_keeps_shifting_fails_and_keeps_the_old_snapshot() {
    let server = MockServer::start().await;
    let recs = records("catalog.json");
    let walks = Arc::new(AtomicUsize::new(0));
    // Each walk sees a bigger catalog, and it grows again between page 1 and
    // the rest: walk w reports 64 + 2(w - 1) on page 1 and one more after.
    let growing = move |req: &Request| {
        let n = param(req, "page").unwrap();
        let walk = if n == 1 { walks.fetch_add(1, Ordering::SeqCst) } else { walks.load(Ordering::SeqCst) - 1 };
        let total = 64 + 2 * walk + usize::from(n > 1);
        let start = ((n - 1) * 25) as usize;
        json(page(&recs[start..(start + 25).min(64)], n, 25, total))
    };
    Mock::given(path("/api/models")).respond_with(growing).mount(&server).await;
    let env = Env::new();
    env.import("catalog-v2.json");
    let run = sync(&env, &server, &["--page-size", "25"]);
    snap!(run);
    assert_eq!(env.sql("SELECT count(*) FROM snapshots"), "1\n");
    assert_eq!(model_count(&env), "65\n", "the previous snapshot is still current");
}

#[tokio::test]
async fn records_missing_from_the_walk_fail_it() {
    let server = MockServer::start().await;
    let mut recs = records("catalog.json");
    recs.pop();
    // Says 64, sends 63, every time: after two identical walks it is an error.
    let body = page(&recs, 0, 0, 64);
    Mock::given(path("/api/models")).respond_with(json(body)).expect(2).mount(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &[]);
    snap!(run);
}

#[tokio::test]
async fn a_503_then_200_succeeds() {
    let server = MockServer::start().await;
    Mock::given(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/models")).respond_with(pager(records("catalog.json"), 100)).mount(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &["--page-size", "25", "--format", "json", "-v"]);
    run.success();
    assert_eq!(run.json()["retries"], 1);
    assert!(run.stderr.contains("retry 1 of http://127.0.0.1"), "{run}");
    assert!(run.stderr.contains("the server answered 503"), "{run}");
    assert_eq!(model_count(&env), "64\n");
}

#[tokio::test]
async fn every_transient_status_is_retried() {
    for status in [429u16, 500, 502, 503, 504, 524] {
        let server = MockServer::start().await;
        Mock::given(path("/api/models"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(2)
            .expect(2)
            .mount(&server)
            .await;
        let body = std::fs::read_to_string(fixture("catalog.json")).unwrap();
        Mock::given(path("/api/models")).respond_with(json(body)).expect(1).mount(&server).await;
        let env = Env::new();
        let run = sync(&env, &server, &["--format", "json"]);
        assert_eq!(run.code, 0, "status {status}: {run}");
        assert_eq!(run.json()["retries"], 2, "status {status}");
    }
}

#[tokio::test]
async fn final_statuses_are_tried_once() {
    for status in [400u16, 401, 403, 404] {
        let server = MockServer::start().await;
        Mock::given(path("/api/models"))
            .respond_with(ResponseTemplate::new(status).set_body_string("{\"error\": {\"message\": \"no\"}}"))
            .expect(1)
            .mount(&server)
            .await;
        let env = Env::new();
        let run = sync(&env, &server, &[]);
        assert_eq!(run.code, 1, "{run}");
        assert!(run.stderr.contains(&format!("the server answered {status} (no)")), "{run}");
        if status == 400 {
            snap!(run);
        }
    }
}

#[tokio::test]
async fn a_500_invalid_request_is_not_retried_but_other_500s_are() {
    let server = MockServer::start().await;
    let body = std::fs::read_to_string(fixture("errors/invalid-request.json")).unwrap();
    Mock::given(path("/api/models"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let env = Env::new();
    snap!(sync(&env, &server, &[]));

    let server = MockServer::start().await;
    let body = std::fs::read_to_string(fixture("errors/server-error.json")).unwrap();
    Mock::given(path("/api/models"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(body, "application/json"))
        .expect(3)
        .mount(&server)
        .await;
    let run = sync(&env, &server, &["--retries", "2"]);
    assert_eq!(run.code, 1);
    snap!("gives_up_after_retries", run);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path("/api/models"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let body = std::fs::read_to_string(fixture("catalog.json")).unwrap();
    Mock::given(path("/api/models")).respond_with(json(body)).mount(&server).await;
    let env = Env::new();
    let started = Instant::now();
    sync(&env, &server, &[]).success();
    // A lower bound, not a speed target: the backoff alone would be ~1 ms.
    assert!(started.elapsed() >= Duration::from_secs(1), "waited only {:?}", started.elapsed());
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let server = MockServer::start().await;
    let body = std::fs::read_to_string(fixture("catalog.json")).unwrap();
    Mock::given(path("/api/models"))
        .respond_with(json(body.clone()).set_delay(Duration::from_secs(3)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/models")).respond_with(json(body)).expect(1).mount(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &["--timeout", "0.5", "--format", "json", "-v"]);
    run.success();
    assert_eq!(run.json()["retries"], 1);
    assert!(run.stderr.contains("the request timed out"), "{run}");
}

#[tokio::test]
async fn a_cut_off_body_is_retried() {
    let server = MockServer::start().await;
    let truncated = std::fs::read_to_string(fixture("errors/truncated.json")).unwrap();
    Mock::given(path("/api/models")).respond_with(json(truncated)).up_to_n_times(1).expect(1).mount(&server).await;
    let body = std::fs::read_to_string(fixture("catalog.json")).unwrap();
    Mock::given(path("/api/models")).respond_with(json(body)).expect(1).mount(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &["--format", "json"]);
    run.success();
    assert_eq!(run.json()["retries"], 1);
}

#[test]
fn a_reset_connection_is_retried() {
    // A bare TCP server: the first connection is closed without an answer.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let body = std::fs::read_to_string(fixture("catalog.json")).unwrap();
    let server = std::thread::spawn(move || {
        for (i, stream) in listener.incoming().take(2).enumerate() {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            if i == 0 {
                drop(stream);
                continue;
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
        }
    });
    let env = Env::new();
    let url = format!("http://{addr}");
    let run = env.run(&["sync", "--base-url", &url, "--format", "json"]);
    run.success();
    assert_eq!(run.json()["retries"], 1);
    server.join().unwrap();
}

#[tokio::test]
async fn a_redirect_means_a_wrong_base_url() {
    let server = MockServer::start().await;
    Mock::given(path("/api/models"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "https://www.cometapi.com/"))
        .expect(1)
        .mount(&server)
        .await;
    let env = Env::new();
    snap!(sync(&env, &server, &[]));
}

#[tokio::test]
async fn an_html_page_means_a_wrong_base_url() {
    let server = MockServer::start().await;
    let html = std::fs::read_to_string(fixture("errors/html.html")).unwrap();
    Mock::given(path("/api/models"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(html, "text/html; charset=utf-8"))
        .expect(1)
        .mount(&server)
        .await;
    let env = Env::new();
    snap!(sync(&env, &server, &[]));
}

#[tokio::test]
async fn a_non_json_answer_is_an_error() {
    let server = MockServer::start().await;
    let text = std::fs::read_to_string(fixture("errors/not-json.txt")).unwrap();
    Mock::given(path("/api/models"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(text, "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    let env = Env::new();
    snap!(sync(&env, &server, &[]));
}

#[tokio::test]
async fn success_false_carries_the_server_message() {
    let server = MockServer::start().await;
    let body = std::fs::read_to_string(fixture("errors/success-false.json")).unwrap();
    Mock::given(path("/api/models")).respond_with(json(body)).expect(1).mount(&server).await;
    let env = Env::new();
    snap!(sync(&env, &server, &[]));
}

#[test]
fn base_urls_must_be_https_except_loopback() {
    let env = Env::new();
    let run = env.run(&["sync", "--base-url", "http://api.cometapi.com"]);
    snap!(run);
    assert!(!env.db().exists() || env.run(&["syncs"]).code == 1);
}

#[tokio::test]
async fn a_failed_sync_keeps_the_previous_snapshot_intact() {
    let env = Env::new();
    env.import("catalog.json");
    let before =
        env.sql("SELECT count(*), (SELECT count(*) FROM model_versions), (SELECT count(*) FROM spans) FROM snapshots");
    let export_before = env.run(&["export", "--format", "json"]).success().stdout.clone();
    // Pages 1 and 2 arrive and are staged, then page 3 fails for good.
    let server = MockServer::start().await;
    Mock::given(query_param("page", "3")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    Mock::given(path("/api/models")).respond_with(pager(records("catalog-v2.json"), 100)).mount(&server).await;
    let run = sync(&env, &server, &["--page-size", "25"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(
        env.sql("SELECT count(*), (SELECT count(*) FROM model_versions), (SELECT count(*) FROM spans) FROM snapshots"),
        before
    );
    assert_eq!(env.run(&["export", "--format", "json"]).stdout, export_before);
}

#[test]
fn an_unchanged_resync_adds_no_rows() {
    let env = Env::new();
    env.import("catalog.json");
    let rows = "SELECT (SELECT count(*) FROM model_versions), (SELECT count(*) FROM spans), \
                (SELECT count(*) FROM model_features), (SELECT count(*) FROM model_endpoints)";
    let before = env.sql(rows);
    let run = env.run(&["sync", "--from", fixture("catalog.json").to_str().unwrap()]);
    snap!(run);
    assert_eq!(env.sql(rows), before);
    assert_eq!(env.sql("SELECT count(*) FROM snapshots"), "2\n");
}

#[test]
fn prices_round_trip_exactly() {
    let env = Env::new();
    env.import("catalog.json");
    let prices = env.sql(
        "SELECT id, input_price, output_price, per_second, ratio, effective_input_price, effective_per_second FROM models \
         WHERE id IN ('deepseek-v4-pro', 'bge-m3', 'gpt-4o-mini-transcribe', 'gemini-2.5-flash-lite') ORDER BY id",
    );
    assert_eq!(
        prices,
        "bge-m3,0.0000001,,,1,0.0000001,\n\
         deepseek-v4-pro,0.416,0.832,,1,0.416,\n\
         gemini-2.5-flash-lite,0.1,0.4,,0.8,0.08,\n\
         gpt-4o-mini-transcribe,,,0.0000277778,1,,0.0000277778\n"
    );
    // 0.1 and 0.2 stored, read back and added: exactly 0.3.
    let input = r#"[{"id": "tenth", "pricing": {"input": 0.1, "output": 0.2}}]"#;
    env.run_stdin(&["sync", "--from", "-"], input.as_bytes().to_vec()).success();
    let stored = env.sql("SELECT input_price, output_price FROM model_versions WHERE id = 'tenth'");
    let (a, b) = stored.trim().split_once(',').unwrap();
    let sum = cometcat::pricing::Money::parse(a).unwrap().checked_add(cometcat::pricing::Money::parse(b).unwrap());
    assert_eq!(sum.unwrap().to_string(), "0.3");
}

#[tokio::test]
async fn no_api_key_is_sent_printed_or_stored() {
    let server = MockServer::start().await;
    let body = std::fs::read_to_string(fixture("catalog.json")).unwrap();
    Mock::given(path("/api/models")).respond_with(json(body)).mount(&server).await;
    let env = Env::new();
    let secret = "sk-do-not-leak-0123456789";
    let run = crate::common::Run::from(
        env.cmd(&["sync", "--base-url", &server.uri(), "-v", "--format", "json"])
            .env("COMETAPI_KEY", secret)
            .env("COMETAPI_API_KEY", secret)
            .env("OPENAI_API_KEY", secret)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0);
    for req in server.received_requests().await.unwrap() {
        assert!(req.headers.get("authorization").is_none());
        assert!(!format!("{:?}", req.headers).contains(secret));
        assert!(!req.url.as_str().contains(secret));
    }
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    let db = std::fs::read(env.db()).unwrap();
    assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()));
}

#[test]
fn odd_records_are_kept_with_warnings_or_quarantined() {
    let env = Env::new();
    let run = env.run(&["sync", "--from", fixture("odd-records.json").to_str().unwrap()]);
    snap!(run);
    let kept =
        env.sql("SELECT id, input_price, output_price, per_request, endpoints, context_length FROM models ORDER BY id");
    snap!("odd_records_as_stored", kept);
    assert_eq!(env.sql("SELECT count(*) FROM quarantine"), "3\n");
    // The copy of odd-duplicate that lost left no version behind.
    assert_eq!(env.sql("SELECT count(*) FROM model_versions"), "12\n");
    assert_eq!(
        env.sql("SELECT reason FROM quarantine ORDER BY reason"),
        "the record has no id\nthe record has no id\n\"the record is a string, not an object\"\n"
    );
    // The unknown fields are kept in the record as received.
    let record = env.sql("SELECT record FROM models WHERE id = 'odd-extra-fields'");
    assert!(record.contains("3.14159265358979323846"), "{record}");
}

#[tokio::test]
async fn odd_records_over_http_are_handled_the_same_way() {
    let server = MockServer::start().await;
    let body = std::fs::read_to_string(fixture("odd-records.json")).unwrap();
    Mock::given(path("/api/models")).respond_with(json(body)).mount(&server).await;
    let env = Env::new();
    let run = sync(&env, &server, &["--format", "json", "-q"]);
    run.success();
    let summary = run.json();
    assert_eq!(
        (summary["models"].as_u64(), summary["warnings"].as_u64(), summary["quarantined"].as_u64()),
        (Some(12), Some(12), Some(3))
    );
}

#[test]
fn imports_from_stdin_and_bare_arrays() {
    let env = Env::new();
    let sample = std::fs::read(fixture("reference/cli-0.3.10-models.json")).unwrap();
    let run = env.run_stdin(&["sync", "--from", "-"], sample);
    snap!(run);
    snap!("bare_array_as_stored", env.run(&["models", "--format", "csv"]));
    // The official CLI's minimal payload: an envelope with only `success` and `data`, id ≠ code.
    env.import("reference/cli-0.3.10-minimal.json");
    let run = env.run(&["show", "gpt-5-4-pro", "--format", "json"]);
    assert_eq!(run.success().json()["id"], "gpt-5.4-pro");
}

#[test]
fn importing_a_single_page_or_a_broken_file_fails_cleanly() {
    let env = Env::new();
    env.import("catalog.json");
    for name in [
        "errors/page-2-only.json",
        "errors/truncated.json",
        "errors/success-false.json",
        "errors/html.html",
        "does-not-exist.json",
    ] {
        let run = env.run(&["sync", "--from", fixture(name).to_str().unwrap()]);
        assert_eq!(run.code, 1, "{name}: {run}");
        snap!(name.replace(['/', '.'], "_"), run);
    }
    assert_eq!(env.sql("SELECT count(*) FROM snapshots"), "1\n");
}

#[tokio::test]
async fn an_empty_catalog_is_refused_and_the_old_one_stays() {
    let env = Env::new();
    env.import("catalog.json");
    let server = MockServer::start().await;
    Mock::given(path("/api/models"))
        .respond_with(json(r#"{"success": true, "page": 1, "page_size": 100, "total": 0, "data": []}"#.into()))
        .mount(&server)
        .await;
    let run = sync(&env, &server, &[]);
    assert_eq!(run.code, 1);
    snap!(run);
    let run = env.run_stdin(&["sync", "--from", "-"], b"[]".to_vec());
    assert_eq!(run.code, 1, "{run}");
    let run = env.run_stdin(&["sync", "--from", "-"], br#"[{"code": "no-id"}, "junk"]"#.to_vec());
    assert_eq!(run.code, 1, "only quarantined records: {run}");
    assert_eq!(model_count(&env), "64\n");
    assert_eq!(env.sql("SELECT count(*) FROM snapshots"), "1\n");
}

#[test]
fn a_byte_order_mark_is_tolerated() {
    let env = Env::new();
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(std::fs::read(fixture("catalog.json")).unwrap());
    env.run_stdin(&["sync", "--from", "-"], body).success();
    assert_eq!(model_count(&env), "64\n");
}

#[tokio::test]
async fn credentials_in_the_base_url_are_sent_but_never_stored_or_shown() {
    let server = MockServer::start().await;
    Mock::given(path("/api/models")).respond_with(pager(records("catalog.json"), 100)).mount(&server).await;
    let env = Env::new();
    let base = server.uri().replace("http://", "http://alice:s3cret@");
    let run = env.run(&["sync", "--base-url", &base, "--format", "json", "-v"]);
    run.success();
    let sent = server.received_requests().await.unwrap();
    assert!(sent[0].headers.get("authorization").is_some(), "basic auth is sent");
    let workload = fixture("workloads/app.toml");
    let mut shown = vec![run];
    for args in [
        &["syncs"][..],
        &["syncs", "--format", "json"],
        &["estimate", workload.to_str().unwrap(), "--format", "json", "--allow-unpriced"],
        &["estimate", workload.to_str().unwrap(), "--format", "markdown", "--allow-unpriced"],
        &["diff", "--format", "json"],
    ] {
        shown.push(env.run(args));
    }
    // A failing server: the error names the URL without the credentials.
    let broken = MockServer::start().await;
    Mock::given(path("/api/models")).respond_with(ResponseTemplate::new(404)).mount(&broken).await;
    let failed = env.run(&["sync", "--base-url", &broken.uri().replace("http://", "http://alice:s3cret@")]);
    assert_eq!(failed.code, 1);
    assert!(failed.stderr.contains("while fetching http://127.0.0.1:"), "{failed}");
    shown.push(failed);
    for run in &shown {
        assert!(!run.to_string().contains("s3cret") && !run.to_string().contains("alice"), "{run}");
    }
    let db = std::fs::read(env.db()).unwrap();
    assert!(!db.windows(6).any(|w| w == b"s3cret"), "the catalog holds no password");
}

/// A loopback server that answers every request with 200 and a body that never ends.
fn endless_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 65536, "[".repeat(65536));
                while stream.write_all(chunk.as_bytes()).is_ok() {}
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn an_endless_answer_stops_at_the_body_cap_and_is_not_retried() {
    let env = Env::new();
    let url = endless_server();
    let run = env.run(&["sync", "--base-url", &url, "--max-body", "2M"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("the answer is larger than --max-body (2 MiB)"), "{run}");
    assert!(!run.stderr.contains("attempts"), "not retried: {run}");
    // An endless stdin ends the same way, with a clear error, not an abort.
    let mut child = env
        .std_cmd(&["sync", "--from", "-", "--max-body", "1M"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || while stdin.write_all(&[b' '; 65536]).is_ok() {});
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("stdin is larger than --max-body (1 MiB)"), "{stderr}");
}

#[test]
fn a_server_that_does_not_speak_tls_is_not_retried() {
    // Plain text on an https:// address: a permanent TLS failure.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            count.fetch_add(1, Ordering::SeqCst);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let env = Env::new();
    let run = env.run(&["sync", "--base-url", &format!("https://{addr}")]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("the secure connection failed"), "{run}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "tried once: {run}");
}

#[test]
fn readers_wait_for_a_writer_and_a_second_sync_is_told_at_once() {
    let env = Env::new();
    env.import("catalog.json");
    // A writer holding the lock in rollback-journal mode, as a first import does.
    let writer = rusqlite::Connection::open(env.db()).unwrap();
    writer.pragma_update(None, "journal_mode", "DELETE").unwrap();
    writer.execute_batch("BEGIN EXCLUSIVE; INSERT INTO quarantine VALUES ('h', 'r', '{}', 1, 1);").unwrap();
    let reader = {
        let cmd = env.std_cmd(&["models", "--format", "json"]);
        std::thread::spawn(move || crate::common::Run::from({ cmd }.output().unwrap()))
    };
    let started = Instant::now();
    let second = env.run(&["sync", "--from", fixture("catalog.json").to_str().unwrap()]);
    let waited = started.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    writer.execute_batch("ROLLBACK").unwrap();
    drop(writer);
    let read = reader.join().unwrap();
    assert_eq!(read.code, 0, "the reader waited for the lock: {read}");
    assert_eq!(read.json().as_array().unwrap().len(), 62);
    assert_eq!(second.code, 1, "{second}");
    assert!(second.stderr.starts_with("error: another cometcat is writing to the catalog at"), "{second}");
    // Not a timing target: the busy timeout is 10 s, and the answer must not wait for it.
    assert!(waited < Duration::from_secs(5), "the second sync waited {waited:?}");
}

#[test]
fn odd_input_is_refused_or_kept_with_the_true_reason() {
    let env = Env::new();
    env.import("catalog.json");
    for total in ["-1", "1e400", "2.5"] {
        let body = format!(r#"{{"success": true, "page": 0, "total": {total}, "data": [{{"id": "a"}}]}}"#);
        let run = env.run_stdin(&["sync", "--from", "-"], body.into_bytes());
        assert_eq!(run.code, 1, "total {total}: {run}");
        assert!(run.stderr.contains("`total` is ") && run.stderr.contains(", not a count of models"), "{run}");
    }
    let deep = format!(r#"{{"id": "deep", "x": {}1{}}}"#, "[".repeat(200), "]".repeat(200));
    let records = format!(
        r#"[{{"id": "a", "id": "twice", "pricing": {{"input": 1, "input": 2}}}},
            {deep},
            {{"id": "surrogate", "name": "\ud800"}},
            {{"id": "fine"}}]"#
    );
    let run = env.run_stdin(&["sync", "--from", "-", "--format", "json"], records.into_bytes());
    run.success();
    let messages = run.json()["messages"].clone();
    let messages: Vec<&str> = messages.as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(messages[0].starts_with("twice: the record holds the key \"id\" more than once"), "{messages:?}");
    assert!(
        messages[1].starts_with("twice: the record holds the key \"pricing.input\" more than once"),
        "{messages:?}"
    );
    assert!(messages[2].starts_with("record 2: the record cannot be read: recursion limit exceeded"), "{messages:?}");
    // A lone surrogate: serde_json stops at the escape that should have paired it.
    assert!(
        messages[3].starts_with("record 3: the record cannot be read: unexpected end of hex escape"),
        "{messages:?}"
    );
    assert_eq!(env.sql("SELECT id, input_price FROM models ORDER BY id"), "fine,\ntwice,2\n", "the last value is kept");
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_not_waited_for_and_says_why() {
    let server = MockServer::start().await;
    Mock::given(path("/api/models"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "600"))
        .expect(1)
        .mount(&server)
        .await;
    let env = Env::new();
    let run = sync(&env, &server, &[]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.contains(
            "the server answered 503 and asked to wait 600 s, longer than the 120 s cometcat waits: not retried"
        ),
        "{run}"
    );
}

#[test]
fn a_name_that_does_not_resolve_points_to_offline_use() {
    let env = Env::new();
    let run = env.run(&["sync", "--base-url", "https://cometcat-test.invalid", "--retries", "1"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("`cometcat sync --from FILE`"), "{run}");
}
