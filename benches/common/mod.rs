//! Shared by the benchmarks: synthetic catalogs shaped like the real one, and
//! a runner that reports a cometcat process's wall time and peak memory.
#![allow(dead_code)] // each benchmark uses a different part

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const PROVIDERS: [(&str, &str); 12] = [
    ("openai", "OpenAI"),
    ("anthropic", "Anthropic"),
    ("google", "Google"),
    ("deepseek", "DeepSeek"),
    ("alibaba", "Alibaba"),
    ("xai", "xAI"),
    ("moonshot", "Moonshot AI"),
    ("zhipu", "Zhipu AI"),
    ("meta", "Meta"),
    ("mistral", "Mistral AI"),
    ("replicate", "Replicate"),
    ("bytedance", "ByteDance"),
];

/// Record `i` of a synthetic catalog: every shape the real API sends (endpoints
/// as a string, "200K" contexts, token / per-call / per-second prices, ratio 0.8
/// and 1), about 900 bytes each, deterministic.
pub fn record(i: usize) -> String {
    let (code, name) = PROVIDERS[i % PROVIDERS.len()];
    let kind = match i % 10 {
        0..=6 => "text",
        7 => "image",
        8 => "audio",
        _ => "video",
    };
    let features = match kind {
        "text" if i.is_multiple_of(3) => r#"["text-to-text", "image-to-text"]"#,
        "text" => r#"["text-to-text"]"#,
        "image" => r#"["text-to-image", "image-editing"]"#,
        "audio" => r#"["text-to-speech"]"#,
        _ => r#"["text-to-video", "image-to-video"]"#,
    };
    let price = |n: usize| format!("{}.{:03}", n / 1000, n % 1000);
    let pricing = match kind {
        "image" if i.is_multiple_of(2) => format!(
            r#"{{"currency": "USD / M Tokens", "input": null, "output": null, "per_request": {}, "per_second": null, "ratio": 1}}"#,
            price(10 + i % 90)
        ),
        "video" => format!(
            r#"{{"currency": "USD / M Tokens", "input": null, "output": null, "per_request": null, "per_second": {}, "ratio": 1}}"#,
            price(50 + i % 400)
        ),
        _ => format!(
            r#"{{"currency": "USD / M Tokens", "input": {}, "output": {}, "per_request": null, "per_second": null, "ratio": 0.8}}"#,
            price(50 + (i * 37) % 15_000),
            price(200 + (i * 91) % 60_000)
        ),
    };
    let context = ["\"128K\"", "\"200K\"", "\"1M\"", "400000", "null", "\"32K\""][i % 6];
    format!(
        concat!(
            r#"{{"created": {created}, "id": "{code}/model-{i:06}", "code": "{code}-model-{i:06}", "provider": "{name}", "#,
            r#""provider_code": "{code}", "name": "{name} Model {i}", "description": "A synthetic {kind} model from {name}, number {i}, for benchmarks.", "#,
            r#""model_type": "{kind}", "features": {features}, "#,
            r#""endpoints": "{{\n \"openai-chat\": {{\"path\": \"/v1/chat/completions\", \"method\": \"POST\"}},\n \"openai-responses\": {{\"path\": \"/v1/responses\", \"method\": \"POST\"}}}}", "#,
            r#""pricing": {pricing}, "context_length": {context}, "max_completion_tokens": "64K", "#,
            r#""api_doc_url": "https://apidoc.cometapi.com/api/text/chat", "upcoming": {upcoming}, "#,
            r#""latest_model_name": "model-{i}", "published_at": "2025-10-01", "provider_sort": {ps}, "model_sort": {i}}}"#
        ),
        created = 1_700_000_000 + i * 60,
        code = code,
        name = name,
        i = i,
        kind = kind,
        features = features,
        pricing = pricing,
        context = context,
        upcoming = i.is_multiple_of(97),
        ps = i % PROVIDERS.len(),
    )
}

pub fn records(n: usize) -> Vec<String> {
    (0..n).map(record).collect()
}

/// An `/api/models` answer holding `records`.
pub fn envelope(records: &[String], page: u64, page_size: u64, total: usize) -> String {
    format!(
        "{{\"success\": true, \"page\": {page}, \"page_size\": {page_size}, \"total\": {total}, \"data\": [\n{}\n]}}\n",
        records.join(",\n")
    )
}

/// Writes an `n`-model page-0 answer to `path`, one record at a time: the
/// benchmark process stays small, so a child's peak RSS is the child's own
/// (Linux counts a forked child's pages before `exec` in its `ru_maxrss`).
pub fn write_catalog(path: &Path, n: usize) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "{{\"success\": true, \"page\": 0, \"page_size\": 0, \"total\": {n}, \"data\": [").unwrap();
    for i in 0..n {
        write!(out, "{}{}", if i == 0 { "" } else { ",\n" }, record(i)).unwrap();
    }
    writeln!(out, "\n]}}").unwrap();
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cometcat")
}

/// How much of a run's output is kept for the caller to read.
const KEPT_STDOUT: usize = 8 << 20;

/// One run of cometcat, measured.
pub struct Measured {
    pub wall: Duration,
    /// Peak resident set size of the process, in KiB.
    pub max_rss_kib: i64,
    /// The first KEPT_STDOUT bytes of what it printed.
    pub stdout: String,
}

/// Runs cometcat with `args` against `db` and measures it; panics if it fails.
pub fn run(db: &Path, args: &[&str]) -> Measured {
    let started = Instant::now();
    let mut command = Command::new(bin());
    command.args(args).env("COMETCAT_DB", db).env("COMETCAT_NO_PROGRESS", "1");
    // A child started by vfork (std's posix_spawn) shares this process's memory
    // until it execs, and Linux then counts this process's *peak* RSS as the
    // child's. A pre_exec hook makes std fork instead: the copy counts only what
    // this process holds at the time, which `KEPT_STDOUT` keeps small.
    // SAFETY: the hook does nothing, so it is async-signal-safe; malloc_trim
    // only hands this process's free heap back to the system.
    unsafe {
        command.pre_exec(|| Ok(()));
        libc::malloc_trim(0);
    }
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its peak RSS
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    // Read the pipes on threads so a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.unwrap();
    let mut stderr = child.stderr.unwrap();
    let out = std::thread::spawn(move || {
        // Output past KEPT_STDOUT is read and dropped: this process must stay
        // small for a child's peak RSS to be the child's own (see above).
        let mut kept = Vec::with_capacity(KEPT_STDOUT);
        let mut chunk = vec![0; 64 * 1024];
        loop {
            let n = std::io::Read::read(&mut stdout, &mut chunk).unwrap();
            if n == 0 {
                break;
            }
            let room = KEPT_STDOUT - kept.len();
            kept.extend_from_slice(&chunk[..n.min(room)]);
        }
        String::from_utf8(kept).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // wait4 gives this child's own peak RSS (ru_maxrss, KiB on Linux).
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(reaped, pid);
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "cometcat {args:?} failed:\n{stderr}");
    Measured { wall, max_rss_kib: usage.ru_maxrss, stdout }
}

/// Wall times of `runs` runs of cometcat (after one warm-up run).
pub struct Timing {
    pub median: Duration,
    pub best: Duration,
    /// The highest peak RSS of the runs, in KiB.
    pub max_rss_kib: i64,
    /// What the last run printed.
    pub stdout: String,
}

pub fn time(db: &Path, args: &[&str], runs: usize) -> Timing {
    run(db, args);
    let (mut walls, mut max_rss_kib, mut stdout) = (Vec::new(), 0, String::new());
    for _ in 0..runs {
        let m = run(db, args);
        walls.push(m.wall);
        max_rss_kib = max_rss_kib.max(m.max_rss_kib);
        stdout = m.stdout;
    }
    let best = *walls.iter().min().expect("at least one run");
    Timing { median: median(walls), best, max_rss_kib, stdout }
}

/// Wall times of `runs` runs as hyperfine takes them (after one warm-up run):
/// started with `posix_spawn`, output to /dev/null, nothing else done per run.
/// [`time`] forks, starts two threads and keeps the output, to measure memory
/// too: on this machine that adds 1 to 2 ms to every run, which matters only
/// for the figures of a few milliseconds.
pub fn time_bare(db: &Path, args: &[&str], runs: usize) -> (Duration, Duration) {
    let once = || {
        let started = Instant::now();
        let status = Command::new(bin())
            .args(args)
            .env("COMETCAT_DB", db)
            .env("COMETCAT_NO_PROGRESS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "cometcat {args:?} failed");
        started.elapsed()
    };
    once();
    let walls: Vec<Duration> = (0..runs).map(|_| once()).collect();
    let best = *walls.iter().min().expect("at least one run");
    (median(walls), best)
}

/// The median of some durations.
pub fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
