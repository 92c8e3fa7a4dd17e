//! A catalog history made for the price book's tests, and calls to price on
//! it: six snapshots with price changes, a change that is not a price, models
//! that leave and come back, a code that moves, a dated id that appears, two
//! ids that differ only in case, unpriced, input-only, per-call and
//! per-second models, and a snapshot imported last whose data is older (it
//! sits in the middle of the timeline, yet is current). The calls name those
//! models by id, code, other case, `models/` prefix and dates, and by names
//! that resolve to nothing, at every boundary, before the first snapshot and
//! without a time. Everything is generated from a fixed seed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::Env;

/// Fetch times of the snapshots, in import order: the sixth is older than the
/// fourth and fifth.
pub const FETCHED: [&str; 6] = [
    "2026-01-01T00:00:00Z",
    "2026-02-01T00:00:00Z",
    "2026-03-01T00:00:00Z",
    "2026-04-01T00:00:00Z",
    "2026-05-01T00:00:00Z",
    "2026-03-15T00:00:00Z",
];

/// A number exactly as written.
fn n(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// RFC 3339 UTC, to the second, as cometcat writes times.
pub fn time_text(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A model of snapshot `s` (0-based, in import order), if it is in it.
fn model(id: &str, s: usize) -> Option<Value> {
    let pick = |values: [&str; 6]| -> Value { serde_json::from_str(values[s]).unwrap() };
    let priced = |input: Value, output: Value, ratio: Value| json!({"currency": "USD / M Tokens", "input": input, "output": output, "ratio": ratio});
    let (code, pricing): (&str, Value) = match id {
        "tok-a" => (
            "tok-a",
            priced(pick(["1.25", "1.1", "1", "1", "0.9", "2"]), pick(["10", "10", "8", "8", "8", "12"]), n("0.8")),
        ),
        "tok-b" => ("tok-b-code", priced(n("0.0000277778"), n("0.5"), pick(["0.8", "0.8", "1", "1", "1", "0.8"]))),
        "fine" => ("fine", json!({"currency": "USD / M Tokens", "input": "0.123456789012345678", "output": 1})),
        "Mixed-Case" => ("MC-1", priced(json!(3), json!(15), json!(1))),
        "dup-a" => ("dup-a", priced(json!(1), json!(2), json!(1))),
        "DUP-A" => ("DUP-A", priced(json!(5), json!(6), json!(1))),
        "gemini-x" => ("gemini-x", priced(n("0.3"), pick(["2.5", "2.5", "3", "3", "3", "3"]), json!(1))),
        "claude-y" => ("claude-y", priced(json!(3), json!(15), json!(1))),
        "claude-y-20250929" if (3..5).contains(&s) => ("claude-y-20250929", priced(json!(4), json!(20), json!(1))),
        "embed-in" => ("embed-in", json!({"currency": "USD / M Tokens", "input": 0.02})),
        "img-call" => ("img-call", json!({"currency": "USD / M Tokens", "per_request": 0.04})),
        "video-sec" => (
            "video-sec",
            json!({"currency": "USD / M Tokens", "per_second": pick(["0.1", "0.1", "0.1", "0.1", "0.12", "0.1"])}),
        ),
        "video-mix" => (
            "video-mix",
            json!({"currency": "USD / M Tokens", "per_request": n("0.05"), "per_second": n("0.3"), "ratio": n("0.5")}),
        ),
        "req-tok" => {
            ("req-tok", json!({"currency": "USD / M Tokens", "input": 2, "output": 8, "per_request": n("0.001")}))
        }
        "ghost" => ("ghost", Value::Null),
        "euro" => ("euro", json!({"currency": "EUR / M Tokens", "input": 1, "output": 2})),
        "free" => ("free", priced(json!(0), json!(0), json!(1))),
        "leaver" if ![2, 5].contains(&s) => ("leaver", priced(json!(7), json!(9), json!(1))),
        "newbie" if s >= 2 => ("newbie", priced(json!(1), json!(1), json!(1))),
        "code-mover" => (if s < 2 { "cm-old" } else { "cm-new" }, priced(json!(2), json!(2), json!(1))),
        "tiny" => (
            "tiny",
            json!({"currency": "USD / M Tokens", "input": n("1e-7"), "output": n("2.77778e-05"), "ratio": n("0.8")}),
        ),
        "Solo-Model" => ("Solo-Model", priced(n("0.5"), n("1.5"), json!(1))),
        _ => return None,
    };
    // A change that is not a price: a new description from the fourth snapshot on.
    let description = if id == "tok-a" && s >= 3 { "tok-a, now with tools" } else { "a model" };
    Some(json!({"id": id, "code": code, "provider": "P", "provider_code": "p", "name": id,
        "description": description, "model_type": "text", "features": [], "endpoints": [],
        "pricing": pricing, "upcoming": false}))
}

#[rustfmt::skip]
pub const MODELS: [&str; 22] = [
    "tok-a", "tok-b", "fine", "Mixed-Case", "dup-a", "DUP-A", "gemini-x", "claude-y", "claude-y-20250929",
    "embed-in", "img-call", "video-sec", "video-mix", "req-tok", "ghost", "euro", "free", "leaver", "newbie",
    "code-mover", "tiny", "Solo-Model",
];

/// Imports the six snapshots into `env`'s catalog, in order.
pub fn import(env: &Env) {
    for (s, fetched) in FETCHED.iter().enumerate() {
        let data: Vec<Value> = MODELS.iter().filter_map(|id| model(id, s)).collect();
        let envelope = json!({"success": true, "page": 0, "page_size": 0, "total": data.len(),
            "fetched_at": fetched, "data": data});
        let path = env.dir.path().join(format!("snapshot-{}.json", s + 1));
        std::fs::write(&path, envelope.to_string()).unwrap();
        env.run(&["sync", "--from", path.to_str().unwrap()]).success();
    }
}

/// The names calls give: ids, codes, other cases, prefixes, dates, and names
/// of nothing. Video names come last (they get seconds).
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "tok-a", "TOK-A", "models/tok-a", "tok-a-2026-01-15", "models/TOK-A-20260115", "Models/tok-a",
    "tok-a-2026-13-01", "tok-b", "tok-b-code", "TOK-B-CODE", "fine", "Fine", "Mixed-Case", "mixed-case",
    "MC-1", "mc-1", "models/mc-1", "dup-a", "DUP-A", "Dup-A", "models/dup-a", "gemini-x", "models/gemini-x",
    "models/GEMINI-X", "MODELS/gemini-x", "gemini-x-001", "claude-y", "claude-y-20250929",
    "CLAUDE-Y-2025-09-29", "models/claude-y-20250929", "claude-y-20251399", "embed-in", "img-call", "req-tok",
    "ghost", "euro", "free", "leaver", "newbie", "cm-old", "cm-new", "code-mover", "tiny", "solo-model",
    "SOLO-MODEL-20260201", "nope", "gpt-5", "video-sec", "VIDEO-SEC", "video-mix",
    "models/video-mix-2026-02-02",
];
const VIDEO: usize = 4;

/// A small, fixed pseudo-random sequence (xorshift64*).
struct Seq(u64);

impl Seq {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One call: model, time, input and output tokens, requests, seconds (as written).
pub struct Call {
    pub model: &'static str,
    pub time: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub requests: u64,
    pub seconds: Option<String>,
}

/// `n` calls, the same every time.
pub fn calls(n: usize) -> Vec<Call> {
    let mut seq = Seq(0x5eed_c0de_2026);
    let start = jiff::Timestamp::from_second(1_764_547_200).unwrap(); // 2025-12-01
    let span = 212 * 86_400; // to the end of June 2026
    (0..n)
        .map(|_| {
            let model = NAMES[seq.below(NAMES.len() as u64) as usize];
            let time = match seq.below(20) {
                0 => None,
                // On a boundary, or the second before it.
                1 | 2 => {
                    let at: jiff::Timestamp = FETCHED[seq.below(6) as usize].parse().unwrap();
                    Some(at - jiff::SignedDuration::from_secs(seq.below(2) as i64))
                }
                _ => Some(start + jiff::SignedDuration::from_secs(seq.below(span) as i64)),
            };
            let video = NAMES[NAMES.len() - VIDEO..].contains(&model);
            let seconds = (video && seq.below(5) > 0 || !video && seq.below(20) == 0).then(|| {
                let micros = seq.below(20_000_000);
                let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
                match seq.below(10) as usize {
                    // Past the microsecond, as a float's noise writes it: cometcat rounds half to even.
                    7 => format!("{text}5"),
                    8 | 9 => format!("{text}{}", seq.below(1000)),
                    places => text[..text.len() - 6 + places].trim_end_matches('.').to_owned(),
                }
            });
            Call {
                model,
                time: time.map(time_text),
                input_tokens: if seq.below(10) == 0 { 0 } else { seq.below(100_000) },
                output_tokens: if seq.below(7) == 0 { 0 } else { seq.below(20_000) },
                requests: [0, 1, 1, 1, 2, 3][seq.below(6) as usize],
                seconds,
            }
        })
        .collect()
}

/// The calls as `cometcat usage` reads them (log lines) and as the engines
/// load them (CSV with the six columns); returns the two paths.
pub fn write_calls(dir: &Path, calls: &[Call]) -> (PathBuf, PathBuf) {
    let (mut lines, mut csv) =
        (String::new(), String::from("model,time,input_tokens,output_tokens,requests,seconds\n"));
    for c in calls {
        let mut line = json!({"model": c.model, "input_tokens": c.input_tokens, "output_tokens": c.output_tokens,
            "requests": c.requests});
        if let Some(t) = &c.time {
            line["time"] = json!(t);
        }
        let mut text = line.to_string();
        if let Some(s) = &c.seconds {
            // As written: a JSON number with every decimal place.
            text = format!("{},\"seconds\":{s}}}", &text[..text.len() - 1]);
        }
        let _ = writeln!(lines, "{text}");
        let (time, seconds) = (c.time.as_deref().unwrap_or(""), c.seconds.as_deref().unwrap_or(""));
        let _ = writeln!(csv, "{},{time},{},{},{},{seconds}", c.model, c.input_tokens, c.output_tokens, c.requests);
    }
    let (jsonl, table) = (dir.join("usage.jsonl"), dir.join("usage.csv"));
    std::fs::write(&jsonl, lines).unwrap();
    std::fs::write(&table, csv).unwrap();
    (jsonl, table)
}
