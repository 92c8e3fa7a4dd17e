//! `cometcat serve` under slow readers and heavy answers: the write timeout,
//! the connection bound, the bytes of answers in flight, and the time limit,
//! each with small values given as flags. No timing is asserted tighter than
//! several seconds.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::Env;
use crate::serve::{Server, big_catalog, get};

/// A catalog of 5,000 models: its whole listing (4.4 MB) is more than a
/// socket buffers, and eight of them in a row far more.
fn big() -> Env {
    let env = Env::new();
    let file = env.dir.path().join("big.json");
    std::fs::write(&file, big_catalog(5_000)).unwrap();
    env.run(&["sync", "--from", file.to_str().unwrap()]).success();
    env
}

/// What a slow client got: the bytes, and whether the server ended the
/// connection (closed or reset) before the client gave up waiting.
struct Slow {
    bytes: usize,
    ended: bool,
}

/// A client that asks for the whole listing eight times over on one
/// connection, reads `rate` bytes every tenth of a second for `slow`, then
/// reads all it can until the connection ends (or 20 s pass). Its eight
/// questions differ (limits past the catalog's size, each the whole listing):
/// an answer asked for again is sent from memory, not streamed, and one whole
/// listing may fit in the sockets' buffers of a roomy machine. (Slow clients
/// of one server ask the same eight; only the first of each is streamed.)
fn slow_client(addr: String, rate: usize, slow: Duration) -> std::thread::JoinHandle<Slow> {
    let mut socket = TcpStream::connect(&addr).unwrap();
    let ask: String =
        (0..8).map(|i| format!("GET /api/v1/models?limit={} HTTP/1.1\r\nHost: {addr}\r\n\r\n", 10_000 + i)).collect();
    socket.write_all(ask.as_bytes()).unwrap();
    std::thread::spawn(move || {
        let (started, mut bytes, mut buf) = (Instant::now(), 0, vec![0; 64 << 10]);
        socket.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        while started.elapsed() < slow {
            std::thread::sleep(Duration::from_millis(100));
            if rate == 0 {
                continue;
            }
            match socket.read(&mut buf[..rate]) {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes += n,
            }
        }
        let patience = Instant::now();
        while patience.elapsed() < Duration::from_secs(20) {
            match socket.read(&mut buf) {
                Ok(0) => return Slow { bytes, ended: true },
                Ok(n) => bytes += n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(_) => return Slow { bytes, ended: true },
            }
        }
        Slow { bytes, ended: false }
    })
}

/// A client that does not read its answers, or reads them at a trickle, is
/// cut off at the write timeout, wherever its answers are; another client is
/// served promptly all the while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_too_slowly_is_cut_off_at_the_write_timeout() {
    let env = big();
    let whole = env.run(&["models", "--format", "json"]).stdout.len();
    let server = Server::start_with(&env, &["--write-timeout", "2"]);
    let stalled = slow_client(server.addr(), 0, Duration::from_secs(8));
    let trickle = slow_client(server.addr(), 100, Duration::from_secs(8));
    for path in ["", "api/v1/types", "api/v1/models?limit=10"] {
        let asked = Instant::now();
        assert_eq!(get(&server.at(path)).await.status, 200, "/{path}");
        assert!(asked.elapsed() < Duration::from_secs(10), "/{path} took {:?}", asked.elapsed());
    }
    for (name, client) in [("stalled", stalled), ("trickle", trickle)] {
        let got = tokio::task::spawn_blocking(move || client.join().unwrap()).await.unwrap();
        assert!(got.ended, "{name}: the server still holds the connection");
        assert!(got.bytes < 8 * whole, "{name}: got all {} bytes: nothing was cut", got.bytes);
    }
}

/// Past the bound on connections, slow readers that hold every slot give one
/// up to a new client, though their write timeout is far off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_readers_past_the_connection_bound_do_not_lock_out_a_new_client() {
    let env = big();
    let whole = env.run(&["models", "--format", "json"]).stdout.len();
    let server = Server::start_with(&env, &["--max-connections", "3", "--write-timeout", "60"]);
    let stalled: Vec<_> = (0..4).map(|_| slow_client(server.addr(), 0, Duration::from_secs(10))).collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    for path in ["api/v1/types", ""] {
        let res = client.get(server.at(path)).send().await.unwrap_or_else(|e| panic!("/{path}: locked out: {e}"));
        assert_eq!(res.status().as_u16(), 200, "/{path}");
        assert!(!res.text().await.unwrap().is_empty());
    }
    let got = tokio::task::spawn_blocking(move || stalled.into_iter().map(|c| c.join().unwrap()).collect::<Vec<_>>())
        .await
        .unwrap();
    assert!(got.iter().any(|c| c.bytes < 8 * whole), "a slow reader gave its slot up");
}

/// The bytes of answers in flight are bounded: an answer that finds no room
/// is refused with 503 and `Retry-After`, not buffered, and so is a long
/// answer past the most streamed at once; a long answer is streamed through
/// a budget smaller than itself, whole.
#[tokio::test]
async fn answers_past_the_memory_bound_are_refused_or_streamed() {
    let env = big();
    let tight = Server::start_with(&env, &["--max-in-flight", "64K"]);
    assert_eq!(get(&tight.at("api/v1/types")).await.status, 200, "a small answer fits");
    for path in ["api/v1/models", ""] {
        let got = get(&tight.at(path)).await;
        assert_eq!(got.status, 503, "/{path}: {}", &got.body[..got.body.len().min(300)]);
        assert_eq!(got.headers["retry-after"], "1", "/{path}");
        assert!(got.body.contains("in flight") || got.body.contains("at once"), "/{path}: {}", got.body);
    }
    // A page that can never fit says what would make it fit, not "try again".
    let got = get(&tight.at("")).await;
    assert!(got.body.contains("start `cometcat serve` with a larger --max-in-flight"), "{}", got.body);
    // One long answer at a time: another is refused while a client does not read the one
    // streaming to it (one of its eight: those that fit in the sockets' buffers end and are kept).
    let one = Server::start_with(&env, &["--max-streams", "1"]);
    let _stalled = slow_client(one.addr(), 0, Duration::from_secs(30));
    // Asked until the stalled client's answer is streaming (on a slow machine it may start late),
    // each time a question not asked before: an answer already given is sent from memory.
    let mut got = get(&one.at("api/v1/models?limit=9000")).await;
    for i in 0..20 {
        if got.status != 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        got = get(&one.at(&format!("api/v1/models?limit={}", 9001 + i))).await;
    }
    assert_eq!(got.status, 503, "{}", got.body);
    assert_eq!(got.headers["retry-after"], "1");
    assert!(got.body.contains("long answers"), "{}", got.body);
    assert_eq!(get(&one.at("api/v1/models?limit=10")).await.status, 200, "a short answer is not streamed");
    let roomy = Server::start_with(&env, &["--max-in-flight", "2M"]);
    let got = get(&roomy.at("api/v1/models")).await;
    assert_eq!(got.status, 200);
    assert!(got.body.len() > 2 << 20, "more than the budget: {}", got.body.len());
    assert!(got.body == env.run(&["models", "--format", "json"]).stdout, "streamed whole, as the CLI writes it");
    assert!(!got.headers.contains_key("x-cometcat-exit"), "streamed before the command ended");
    let csv = get(&roomy.at("api/v1/models?format=csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body == env.run(&["models", "--format", "csv"]).stdout, "streamed whole, as the CLI writes it");
    // With room to keep it, a long answer asked for again (from memory: `app::tests` and
    // `answer::tests` pin the keeping) is the same bytes, with the same headers.
    let kept = Server::start(&env);
    let cli = env.run(&["models", "--format", "json"]).stdout;
    for _ in 0..3 {
        let got = get(&kept.at("api/v1/models")).await;
        assert!(got.status == 200 && got.body == cli, "{}", got.status);
        assert!(!got.headers.contains_key("x-cometcat-exit"), "no exit code, as when it was first streamed");
    }
}

/// A time limit hit is 503 with `Retry-After`, on every page and API route,
/// in the server's words: never a 500, never SQLite's "interrupted".
#[tokio::test]
async fn a_time_limit_hit_is_503_with_retry_after() {
    let env = big();
    let server = Server::start_with(&env, &["--time-limit", "0.000001"]);
    let one: serde_json::Value = serde_json::from_str(&big_catalog(1)).unwrap();
    let id = one["data"][0]["id"].as_str().unwrap().to_owned();
    let always = [
        "",
        "map",
        "cost?input-tokens=1000",
        "api/v1/models",
        "api/v1/models?format=csv",
        "api/v1/rank?input-tokens=1000",
    ];
    let model = format!("models/{id}");
    let api_model = format!("api/v1/models/{id}");
    let maybe = ["changes", "api/v1/types", "api/v1/diff", "api/v1/syncs", &model, &api_model];
    for path in always.iter().chain(&maybe) {
        let got = get(&server.at(path)).await;
        assert!(got.status == 503 || (got.status == 200 && maybe.contains(path)), "/{path}: {}", got.status);
        for said in ["interrupted", "caused by", "Error code"] {
            assert!(!got.body.contains(said), "/{path} says {said:?}: {}", got.body);
        }
        if got.status == 503 {
            assert_eq!(got.headers["retry-after"], "5", "/{path}");
            assert!(got.body.contains("time limit"), "/{path}: {}", got.body);
        }
    }
}

/// `serve --help` states every limit it takes, with its default.
#[test]
fn the_limits_are_in_the_help() {
    let help = Env::new().run(&["serve", "--help"]).success().stdout.clone();
    for (flag, default) in [
        ("--time-limit", "5"),
        ("--write-timeout", "30"),
        ("--max-connections", "256"),
        ("--max-in-flight", "64M"),
        ("--max-streams", "16"),
    ] {
        let at = help.find(flag).unwrap_or_else(|| panic!("{flag} is not in the help: {help}"));
        let said = &help[at..help[at..].find("]").map_or(help.len(), |end| at + end + 1)];
        assert!(said.contains(&format!("[default: {default}]")), "{flag}: {said}");
    }
}
