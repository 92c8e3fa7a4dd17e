//! `cargo bench --bench serve`: the explorer's server time for `/` and
//! `/api/v1/models` over 5,000 and 100,000 models (p50 and p99 of the
//! `Server-Timing` each answer carries, and of the wall time on loopback), and
//! the catalog page's weight. Prints figures; asserts nothing about speed.
//!
//! Targets at 5,000 models: `/` ≤ 30 ms and the API ≤ 20 ms server time; the
//! page ≤ 500 KB.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REQUESTS: usize = 200;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    for n in [5_000, 100_000] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("catalog.json");
        common::write_catalog(&file, n);
        let db = dir.path().join("catalog.db");
        common::run(&db, &["sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"]);
        let mut server = Command::new(common::bin())
            .args(["serve", "--bind", "127.0.0.1:0", "-q"])
            .env("COMETCAT_DB", &db)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut url = String::new();
        BufReader::new(server.stdout.take().unwrap()).read_line(&mut url).unwrap();
        let url = url.trim().to_owned();
        println!("{n} models ({REQUESTS} requests each, one at a time):");
        for (name, path) in [
            ("/ (first 500 rows, facets)", ""),
            ("/?type=text&sort=input-price", "?type=text&sort=input-price"),
            ("/api/v1/models?limit=100", "api/v1/models?limit=100"),
            (
                "/api/v1/models?provider=openai&feature=image-to-text",
                "api/v1/models?provider=openai&feature=image-to-text",
            ),
            // A listing is kept for its snapshot: the same question again is
            // answered from memory (warm); a new one runs the query (cold).
            ("/api/v1/models (everything), warm", "api/v1/models"),
            ("/api/v1/models (everything), cold", "api/v1/models?limit={n}"),
        ] {
            let whole = path == "api/v1/models" || path.contains("{n}");
            let runs = if whole { REQUESTS / 10 } else { REQUESTS };
            let (server_ms, wall, bytes) = runtime.block_on(measure(&format!("{url}{path}"), runs));
            println!(
                "  {name:<52} server p50 {:>8.2} ms  p99 {:>8.2} ms · wall p50 {:>8.2} ms · {:>9} bytes",
                percentile(&server_ms, 50),
                percentile(&server_ms, 99),
                percentile(&wall.iter().map(|d| d.as_secs_f64() * 1000.0).collect::<Vec<_>>(), 50),
                bytes
            );
        }
        let _ = server.kill();
        let _ = server.wait();
    }
}

/// `runs` GETs of `url` after one warm-up: the Server-Timing of each (ms),
/// the wall time of each, and the answer's size. A `{n}` in `url` is a
/// number never asked before (a limit larger than any catalog), so that no
/// answer is kept from one request to the next.
async fn measure(url: &str, runs: usize) -> (Vec<f64>, Vec<Duration>, usize) {
    let client = reqwest::Client::new();
    let (mut server, mut wall, mut bytes) = (Vec::new(), Vec::new(), 0);
    for i in 0..=runs {
        let url = url.replace("{n}", &(10_000_000 + i).to_string());
        let started = Instant::now();
        let res = client.get(&url).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{url}");
        let timing = res.headers()["server-timing"].to_str().unwrap().to_owned();
        let body = res.bytes().await.unwrap();
        if i == 0 {
            continue;
        }
        wall.push(started.elapsed());
        bytes = body.len();
        let ms: f64 = timing.split("dur=").nth(1).and_then(|d| d.parse().ok()).unwrap();
        server.push(ms);
    }
    (server, wall, bytes)
}

fn percentile(values: &[f64], p: usize) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) * p) / 100]
}
