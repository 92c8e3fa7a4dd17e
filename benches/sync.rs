//! `cargo bench --bench sync`: sync wall time against a slow local server, and
//! a 100,000-model import. Prints figures; asserts nothing about speed.
//!
//! 1. `sync --from` a 100,000-model file: wall time and peak RSS (targets: 5 s,
//!    200 MB), then the same file again (an unchanged re-sync).
//! 2. A 5,000-model catalog served from 127.0.0.1 with 50 ms latency per answer,
//!    synced at several concurrencies, against the sequential floor
//!    (pages × 50 ms) and the target ceil(pages / 8) × 50 ms + 0.3 s (×1.5).

mod common;

use std::time::Duration;

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const MODELS: usize = 5_000;
const LATENCY: Duration = Duration::from_millis(50);
const RUNS: usize = 5;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // The import first, while this process is small (see common::write_catalog).
    let file = dir.path().join("catalog-100k.json");
    common::write_catalog(&file, 100_000);
    let size = std::fs::metadata(&file).unwrap().len();
    println!(
        "sync --from a 100,000-model file ({:.1} MB), median of {RUNS} runs (targets: 5 s, 200 MB)",
        size as f64 / 1e6
    );
    let (mut first, mut again, mut rss) = (Vec::new(), Vec::new(), 0);
    for run in 0..RUNS {
        let db = dir.path().join(format!("import-{run}.db"));
        let m = common::run(&db, &["sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"]);
        first.push(m.wall);
        rss = rss.max(m.max_rss_kib);
        let m = common::run(&db, &["sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"]);
        again.push(m.wall);
        rss = rss.max(m.max_rss_kib);
    }
    println!("  into an empty catalog:        {:>10}", common::ms(common::median(first)));
    println!("  again (unchanged, no new rows): {:>8}", common::ms(common::median(again)));
    println!("  peak RSS (worst run):          {:>6} MiB", rss / 1024);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start());
    let records = common::records(MODELS);
    let pager = move |req: &Request| {
        let param = |name| req.url.query_pairs().find(|(k, _)| k == name).and_then(|(_, v)| v.parse::<usize>().ok());
        let n = param("page").unwrap_or(1);
        let size = param("page_size").unwrap_or(20).min(100);
        let start = ((n - 1) * size).min(MODELS);
        let body = common::envelope(&records[start..(start + size).min(MODELS)], n as u64, size as u64, MODELS);
        ResponseTemplate::new(200).set_body_raw(body, "application/json").set_delay(LATENCY)
    };
    runtime.block_on(Mock::given(path("/api/models")).respond_with(pager).mount(&server));

    println!(
        "\nsync of {MODELS} models from {} (latency {} per answer), median of {RUNS} runs",
        server.uri(),
        common::ms(LATENCY)
    );
    println!(
        "{:>11} {:>9} {:>6} {:>12} {:>12} {:>12} {:>10}",
        "concurrency", "page_size", "pages", "wall", "sequential", "target", "peak RSS"
    );
    for (concurrency, page_size) in [(1, 100), (4, 100), (8, 100), (16, 100)] {
        let pages = MODELS.div_ceil(page_size);
        let mut walls = Vec::new();
        let mut rss = 0;
        for run in 0..RUNS {
            let db = dir.path().join(format!("sync-{concurrency}-{run}.db"));
            let m = common::run(
                &db,
                &[
                    "sync",
                    "--base-url",
                    &server.uri(),
                    "--page-size",
                    &page_size.to_string(),
                    "--concurrency",
                    &concurrency.to_string(),
                    "-q",
                ],
            );
            walls.push(m.wall);
            rss = rss.max(m.max_rss_kib);
        }
        let sequential = LATENCY * pages as u32;
        let target = (LATENCY * pages.div_ceil(8) as u32 + Duration::from_millis(300)).mul_f64(1.5);
        println!(
            "{concurrency:>11} {page_size:>9} {pages:>6} {:>12} {:>12} {:>12} {:>7} MiB",
            common::ms(common::median(walls)),
            common::ms(sequential),
            if concurrency == 8 { common::ms(target) } else { "-".into() },
            rss / 1024
        );
    }
}
