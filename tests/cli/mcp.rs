//! `cometcat mcp` driven as an MCP client drives it: the real binary, JSON-RPC
//! over its stdin and stdout, one message per line. The handshake (and the
//! 2026-07-28 revision without one), the six tools, each answer against the
//! CLI's `--format json` for the same question, on the real catalog and on the
//! sample, bad arguments, the bounds, a sync while serving, stdin closing, a
//! catalog unchanged after, and the official Python SDK as another client.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Env, fixture, venv_python};

/// The tools, as `tools/list` gives them (by name).
const TOOLS: [&str; 6] = ["catalog_changes", "estimate_cost", "find_models", "get_model", "price_usage", "rank_models"];

/// The `_meta` every request carries in the 2026-07-28 revision.
fn meta_2026() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "cli-test", "version": "0"},
    })
}

/// A running `cometcat mcp`, spoken to over its stdin and stdout.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    /// stdout, a line at a time, from a thread of its own.
    lines: Receiver<String>,
    next_id: u64,
    /// Put on every request (the 2026-07-28 revision), when set.
    meta: Option<Value>,
}

impl Session {
    /// Starts `command` (a `cometcat mcp`) with its pipes, and no session yet.
    pub fn spawn(mut command: Command) -> Session {
        let mut child =
            command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("cometcat runs");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Session { child, stdin, lines, next_id: 1, meta: None }
    }

    /// `cometcat mcp` in `env`, with a session opened by `initialize` at `version`.
    pub fn start(env: &Env, version: &str) -> Session {
        let mut session = Session::spawn(env.std_cmd(&["mcp"]));
        let init = session.initialize(version);
        assert_eq!(init["protocolVersion"], version, "{init}");
        session
    }

    /// The `initialize` handshake at `version`; the server's result.
    pub fn initialize(&mut self, version: &str) -> Value {
        let params =
            json!({"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "cli-test", "version": "0"}});
        let init = self.request("initialize", params);
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        init["result"].clone()
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// The next message on stdout, which must be JSON-RPC: stdout carries nothing else.
    fn receive(&self) -> Value {
        let line = self.lines.recv_timeout(Duration::from_secs(30)).expect("the server answers within 30 s");
        let message: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON on stdout ({e}): {line}"));
        assert_eq!(message["jsonrpc"], "2.0", "{message}");
        message
    }

    /// Sends a request and waits for the response with its id (the whole response).
    pub fn request(&mut self, method: &str, mut params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        if let Some(meta) = &self.meta {
            params["_meta"] = meta.clone();
        }
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == id {
                return message;
            }
            assert!(message.get("id").is_none(), "a response to no request of ours: {message}");
        }
    }

    /// A `tools/call`'s result.
    pub fn call(&mut self, name: &str, arguments: Value) -> Value {
        let response = self.request("tools/call", json!({"name": name, "arguments": arguments}));
        assert!(response.get("error").is_none(), "{name}: a protocol error: {response}");
        response["result"].clone()
    }

    /// A tool's structured answer, checked to be the same JSON as its text.
    #[track_caller]
    pub fn answer(&mut self, name: &str, arguments: Value) -> Value {
        let result = self.call(name, arguments.clone());
        assert_eq!(result["isError"], false, "{name} {arguments}: {result}");
        let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(text, result["structuredContent"], "{name}: the text block is the same JSON");
        result["structuredContent"].clone()
    }

    /// A tool error's text.
    #[track_caller]
    pub fn error(&mut self, name: &str, arguments: Value) -> String {
        let result = self.call(name, arguments.clone());
        assert_eq!(result["isError"], true, "{name} {arguments} is an error: {result}");
        assert!(result.get("structuredContent").is_none(), "an error is text only: {result}");
        result["content"][0]["text"].as_str().unwrap().to_owned()
    }

    /// Closes stdin; the server must exit by itself, promptly. Its status and stderr.
    pub fn close(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(5) {
                let _ = self.child.kill();
                panic!("the server did not exit within 5 s of stdin closing");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        assert!(self.lines.try_recv().is_err(), "nothing more on stdout");
        (status, err)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Three monthly snapshots, the last one current.
fn catalog() -> Env {
    let env = Env::new();
    env.import("catalog-v1-dated.json").import("catalog-v2.json").import("catalog-v3.json");
    env
}

/// The CLI's JSON for the same question.
#[track_caller]
fn cli(env: &Env, args: &[&str]) -> Value {
    env.run(&[args, &["--format", "json"]].concat()).json()
}

#[test]
fn mcp_lists_the_six_tools_and_answers_as_the_cli_does() {
    let env = catalog();
    let before = std::fs::read(env.db()).unwrap();
    let mut s = Session::start(&env, "2025-06-18");
    let tools = s.request("tools/list", json!({}))["result"]["tools"].clone();
    let names: Vec<&str> = tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, TOOLS);
    for tool in tools.as_array().unwrap() {
        assert!(tool["description"].as_str().unwrap().len() > 200, "a description an agent can act on: {tool}");
        assert_eq!(tool["inputSchema"]["type"], "object");
        assert_eq!(tool["inputSchema"]["additionalProperties"], false, "a misspelt argument is refused");
        assert_eq!(tool["annotations"]["readOnlyHint"], true);
    }

    let found = s.answer("find_models", json!({"types": ["text"], "sort": "input-price", "limit": 5}));
    assert_eq!(found["models"], cli(&env, &["models", "--type", "text", "--sort", "input-price", "-n", "5"]));
    let all = cli(&env, &["models", "--type", "text"]);
    assert_eq!(found["matched"], all.as_array().unwrap().len());
    assert_eq!(
        found["catalog"],
        json!({"sync_id": 3, "synced_at": "2026-11-01T08:00:00Z",
        "source": fixture("catalog-v3.json").to_str().unwrap(), "sample": false})
    );

    // A price as a JSON number keeps its digits: 0.12 is not a float's 0.11999….
    let cheap = s.answer("find_models", json!({"max_input_price": 0.12, "features": ["image-to-text"], "limit": 500}));
    let want = cli(&env, &["models", "--max-input-price", "0.12", "--feature", "image-to-text"]);
    assert_eq!(cheap["models"], want);
    assert!(want.as_array().unwrap().iter().any(|m| m["effective_input_price"] == "0.12"), "the bound is met exactly");

    let model = s.answer("get_model", json!({"id": "GPT-5"}));
    assert_eq!(model["model"], cli(&env, &["show", "gpt-5"]));
    assert_eq!(model["history"], cli(&env, &["history", "gpt-5"]));
    assert_eq!(model["history_entries"], 3);
    let back = s.answer("get_model", json!({"id": "gpt-4o-audio-preview", "all_snapshots": true}));
    assert_eq!(back["history"], cli(&env, &["history", "gpt-4o-audio-preview", "--all"]), "absent from snapshot 2");

    let work = ["--input-tokens", "3000", "--output-tokens", "500"];
    let ranked = s.answer(
        "rank_models",
        json!({"types": ["text"], "features": ["image-to-text"], "input_tokens": 3000, "output_tokens": 500, "limit": 5}),
    );
    let rank =
        cli(&env, &[&["rank", "--type", "text", "--feature", "image-to-text", "--top", "5"][..], &work].concat());
    assert_eq!(ranked["models"], rank);

    let estimate = s.answer("estimate_cost", json!({"budget": 500, "items": [
        {"name": "summarize-tickets", "model": "gpt-5-mini", "requests": 30000, "input_tokens": 1200, "output_tokens": 350},
        {"name": "support-chat", "model": "claude-haiku-4-5", "requests": 120000, "input_tokens": 2500, "output_tokens": 400},
        {"name": "code-review", "model": "gpt-5", "requests": 4000, "input_tokens": 18000, "output_tokens": 1500},
        {"name": "product-shots", "model": "flux-2-pro", "requests": 2500},
        {"name": "teaser-videos", "model": "veo3-fast", "requests": 40, "seconds": 8},
        {"name": "search-embeddings", "model": "text-embedding-3-small", "requests": 500000, "input_tokens": 800},
    ]}));
    let app = fixture("workloads/app.toml");
    let gate = env.run(&["estimate", app.to_str().unwrap(), "--budget", "500", "--format", "json"]);
    assert_eq!(gate.code, 3, "over budget: {gate}");
    assert_eq!(estimate["estimate"], gate.json());
    assert_eq!(estimate["estimate"]["budget"]["exceeded"], true);

    let records: Vec<Value> = std::fs::read_to_string(fixture("usage/envelopes.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let usage = s.answer(
        "price_usage",
        json!({"records": records, "by": "tag:team", "at": "record", "what_if": ["gpt-5-mini"], "limit": 500}),
    );
    let log = fixture("usage/envelopes.jsonl");
    let args = ["usage", log.to_str().unwrap(), "--by", "tag:team", "--at", "record", "--what-if", "gpt-5-mini"];
    assert_eq!(usage["usage"], cli(&env, &args));
    assert!(usage["usage"]["totals"]["records"].as_u64().unwrap() >= 9, "{usage}");
    let stream = std::fs::read_to_string(fixture("usage/anthropic-stream.sse")).unwrap();
    let streamed = s.answer("price_usage", json!({"text": stream}));
    assert_eq!(streamed["usage"], cli(&env, &["usage", fixture("usage/anthropic-stream.sse").to_str().unwrap()]));
    // A gateway's own log, its quota read at the rate given.
    let bill = std::fs::read_to_string(fixture("usage/gateway-log.jsonl")).unwrap();
    let billed = s.answer("price_usage", json!({"text": bill, "quota_per_usd": "1000000"}));
    let log = fixture("usage/gateway-log.jsonl");
    assert_eq!(billed["usage"], cli(&env, &["usage", log.to_str().unwrap(), "--quota-per-usd", "1000000"]));
    assert_eq!(billed["usage"]["gateway"]["quota_per_usd"], "1000000");

    let changes = s.answer("catalog_changes", json!({"since": 1, "until": "2"}));
    assert_eq!(changes["changes"], cli(&env, &["diff", "1", "2"]));
    assert_eq!(changes["counts"], json!({"added": 2, "removed": 1, "changed": 4}));
    let since = s.answer("catalog_changes", json!({"since": "2026-10-01", "providers": ["openai"]}));
    assert_eq!(since["changes"], cli(&env, &["diff", "2026-10-01", "--provider", "openai"]));
    let latest = s.answer("catalog_changes", json!({}));
    assert_eq!(latest["changes"], cli(&env, &["diff"]));

    let (status, stderr) = s.close();
    assert!(status.success(), "{stderr}");
    assert_eq!(std::fs::read(env.db()).unwrap(), before, "the catalog is unchanged");
}

#[test]
fn mcp_answers_from_the_sample_catalog_and_says_so_every_time() {
    let env = Env::new();
    let mut s = Session::start(&env, "2025-11-25");
    let found = s.answer("find_models", json!({}));
    assert_eq!(found["models"], cli(&env, &["models", "-n", "50"]));
    assert_eq!(found["matched"], cli(&env, &["models"]).as_array().unwrap().len());
    assert_eq!(found["catalog"]["sample"], true);
    assert_eq!(found["catalog"]["source"], "the bundled sample catalog");
    let label =
        "using the bundled sample catalog (64 models, from 2026-09-01); run `cometcat sync` for the live catalog";
    assert_eq!(found["notes"][0], label);
    assert!(found["notes"][1].as_str().unwrap().starts_with("showing 50 of "), "{found}");

    let model = s.answer("get_model", json!({"id": "gpt-5"}));
    assert_eq!(model["model"], cli(&env, &["show", "gpt-5"]));
    assert_eq!(model["notes"][0], label);
    let ranked = s.answer("rank_models", json!({"seconds": 8, "pricing": "second"}));
    assert_eq!(ranked["models"], cli(&env, &["rank", "--seconds", "8", "--pricing", "second", "--top", "50"]));
    assert_eq!(ranked["notes"][0], label);

    let unknown = s.error("get_model", json!({"id": "gpt5"}));
    assert!(
        unknown.starts_with("argument `id`: no model \"gpt5\" in the catalog\nhint: did you mean gpt-5"),
        "{unknown}"
    );
    assert!(unknown.ends_with(&format!("note: {label}")), "errors say it too: {unknown}");
    for (tool, args) in
        [("estimate_cost", json!({"items": [{"model": "gpt-5"}]})), ("price_usage", json!({"records": [{}]}))]
    {
        let refused = s.error(tool, args);
        assert!(refused.contains("never prices against the bundled sample catalog"), "{refused}");
        assert!(refused.contains("hint: run `cometcat sync`"), "{refused}");
    }
    let changes = s.error("catalog_changes", json!({}));
    assert!(changes.contains("cometcat sync"), "{changes}");

    let (status, stderr) = s.close();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("serving the bundled sample catalog"), "{stderr}");
    assert!(!env.db().exists(), "no catalog was made");
}

#[test]
fn bad_arguments_get_errors_that_name_them_and_the_fix() {
    let env = catalog();
    let mut s = Session::start(&env, "2025-11-25");
    // (tool, arguments, the start of the error's text)
    #[rustfmt::skip]
    let cases = [
        ("find_models", json!({"feature": ["vision"]}), "argument `feature`: unknown field `feature`, expected one of `sort`, `desc`, `limit`, `features`"),
        ("find_models", json!({"features": ["visionary"]}), "argument `features`: no feature \"visionary\"; features are: text-to-text, "),
        ("find_models", json!({"types": ["txt"]}), "argument `types`: no type \"txt\"; types are: text, image, video, audio, embedding; did you mean text?"),
        ("find_models", json!({"limit": "ten"}), "argument `limit`: not a whole number from 0 to 500 (given: ten)"),
        ("find_models", json!({"limit": true}), "argument `limit`: invalid type: boolean `true`, expected a number or a string"),
        ("find_models", json!({"limit": 501}), "argument `limit`: 501 is more than 500; give at most 500"),
        ("find_models", json!({"sort": "price"}), "argument `sort`: \"price\" is not one of id, provider, input-price"),
        ("find_models", json!({"max_input_price": "-1"}), "argument `max_input_price`: a price cannot be negative (given: -1)"),
        ("find_models", json!({"min_context": "lots"}), "argument `min_context`: not a number of tokens: give a whole number such as 1200, 1.2K or 1M"),
        ("find_models", json!({"pricing": "tokens"}), "argument `pricing`: \"tokens\" is not one of token, request, second"),
        ("get_model", json!({}), "arguments: missing field `id`"),
        ("get_model", json!({"id": "gpt5"}), "argument `id`: no model \"gpt5\" in the catalog\nhint: did you mean gpt-5, gpt-5-mini"),
        ("rank_models", json!({"types": ["text"]}), "no workload was given, so there is nothing to price\nhint: give input_tokens"),
        ("rank_models", json!({"input_tokens": -5}), "argument `input_tokens`: a number of tokens cannot be negative (given: -5)"),
        ("estimate_cost", json!({"items": []}), "argument `items`: no item was given: give 1 to 500 items, as {\"model\""),
        ("estimate_cost", json!({"items": [{"model": "gpt-5", "input_token": 5}]}), "argument `items[0].input_token`: unknown field `input_token`, expected one of `name`, `model`"),
        ("estimate_cost", json!({"items": [{"model": "gpt-5", "requests": 1.5}]}), "argument `items[0].requests`: a number of calls is a whole number (given: 1.5)"),
        ("estimate_cost", json!({"items": [{"model": "gpt-5"}, {"model": "gpt-5"}]}), "argument `items[1]`: name \"gpt-5\" is already used by items[0]: give each item a `name`"),
        ("estimate_cost", json!({"items": [{"model": "gpt-5"}, {"model": "gpt5-mini"}]}), "argument `items[1].model`: item \"gpt5-mini\": no model \"gpt5-mini\" in the catalog; did you mean gpt-5-mini"),
        ("estimate_cost", json!({"items": [{"model": "veo3-fast", "requests": 4}]}), "argument `items[0]`: item \"veo3-fast\": veo3-fast is priced per second: add `seconds"),
        ("estimate_cost", json!({"items": [{"model": " "}]}), "argument `items[0]`: model is empty"),
        ("price_usage", json!({}), "argument `records`: nothing to price: give `records`"),
        ("price_usage", json!({"records": [{}], "by": "team"}), "argument `by`: \"team\" is not model, provider, day or tag:KEY"),
        ("price_usage", json!({"records": [{}], "at": "then"}), "argument `at`: \"then\" is not one of now, record"),
        ("price_usage", json!({"records": [{}], "what_if": ["gpt5"]}), "argument `what_if`: no model \"gpt5\" in the catalog\nhint: did you mean gpt-5"),
        ("price_usage", json!({"records": [{}], "aliases": {"x": "nope"}}), "argument `aliases`: no model \"nope\" in the catalog"),
        ("catalog_changes", json!({"since": 9}), "argument `since`: there is no snapshot 9\nhint: `cometcat syncs` lists the snapshots\nnote: the catalog holds snapshots 1 (fetched 2026-09-01T08:00:00Z) to 3"),
        ("catalog_changes", json!({"until": "yesterday"}), "argument `until`: \"yesterday\" is not a snapshot id, a date (2026-10-01) or a time"),
    ];
    for (tool, args, want) in cases {
        let got = s.error(tool, args.clone());
        assert!(got.starts_with(want), "{tool} {args}:\n got: {got}\nwant: {want}…");
    }
    let nope = s.request("tools/call", json!({"name": "nope", "arguments": {}}));
    assert_eq!(nope["error"]["code"], -32602, "an unknown tool is a protocol error: {nope}");
    assert!(s.close().0.success());
}

#[test]
fn listings_are_bounded_and_say_when_more_matched() {
    let env = catalog();
    let mut s = Session::start(&env, "2025-11-25");
    let all = cli(&env, &["models"]).as_array().unwrap().len();
    assert!(all > 60, "{all}");
    let two = s.answer("find_models", json!({"limit": 2}));
    assert_eq!(two["models"].as_array().unwrap().len(), 2);
    assert_eq!(two["matched"], all);
    let note = format!("showing 2 of {all} models: give a larger `limit` (at most 500), or narrow the filters");
    assert_eq!(two["notes"], json!([note]));
    let default = s.answer("find_models", json!({}));
    assert_eq!(default["models"].as_array().unwrap().len(), 50, "the default limit");
    let most = s.answer("find_models", json!({"limit": 500, "include_upcoming": true}));
    assert_eq!(most["models"], cli(&env, &["models", "--include-upcoming"]));
    assert_eq!(most["notes"], json!([]), "nothing more matched");
    let none = s.answer("find_models", json!({"limit": 0, "providers": ["openai"]}));
    assert_eq!((none["models"].clone(), none["matched"].as_u64().unwrap() > 5), (json!([]), true), "{none}");

    let ranked = s.answer("rank_models", json!({"input_tokens": 1000, "limit": 1}));
    assert_eq!(ranked["models"].as_array().unwrap().len(), 1);
    assert!(ranked["notes"][0].as_str().unwrap().starts_with("showing 1 of "), "{ranked}");
    let history = s.answer("get_model", json!({"id": "gpt-5", "all_snapshots": true, "limit": 1}));
    assert_eq!(history["history"], json!([cli(&env, &["history", "gpt-5", "--all"])[2].clone()]), "the latest");
    assert_eq!(
        history["notes"],
        json!(["showing 1 of 3 history entries (the latest): give a larger `limit` (at most 500)"])
    );
    let changes = s.answer("catalog_changes", json!({"since": 1, "limit": 1}));
    assert_eq!(changes["changes"]["changed"].as_array().unwrap().len(), 1);
    assert!(changes["counts"]["changed"].as_u64().unwrap() > 1, "{changes}");
    assert!(changes["notes"][0].as_str().unwrap().starts_with("at most 1 of each kind shown ("), "{changes}");
    assert!(s.close().0.success());
}

#[test]
fn the_current_revision_needs_no_initialize() {
    let env = catalog();
    let mut s = Session::spawn(env.std_cmd(&["mcp"]));
    s.meta = Some(meta_2026());
    let discover = s.request("server/discover", json!({}))["result"].clone();
    assert_eq!(discover["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "cometcat", "{discover}");
    assert!(discover["supportedVersions"].as_array().unwrap().contains(&json!("2026-07-28")), "{discover}");
    let tools = s.request("tools/list", json!({}))["result"].clone();
    assert_eq!(tools["tools"].as_array().unwrap().len(), 6, "{tools}");
    let model = s.call("get_model", json!({"id": "gpt-5"}));
    assert_eq!((model["resultType"].clone(), model["isError"].clone()), (json!("complete"), json!(false)));
    assert_eq!(model["structuredContent"]["model"], cli(&env, &["show", "gpt-5"]));
    assert!(s.close().0.success());

    // Asked for the current revision in `initialize`, the server answers with the newest that has one.
    let mut s = Session::spawn(env.std_cmd(&["mcp"]));
    let init = s.initialize("2026-07-28");
    assert_eq!(init["protocolVersion"], "2025-11-25");
    assert_eq!(init["serverInfo"], json!({"name": "cometcat", "version": env!("CARGO_PKG_VERSION")}));
    assert!(s.close().0.success());
}

#[test]
fn every_line_a_client_sends_gets_an_answer_and_the_session_goes_on() {
    let env = catalog();
    let mut s = Session::start(&env, "2025-11-25");
    let mut raw = |line: &str| -> Value {
        let stdin = s.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        let answer = s.receive();
        json!([answer["id"], answer["error"]["code"]])
    };
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    // Over 4 MiB, between this server's bound and the SDK's own (16 MiB, past which it says nothing).
    let big = format!(r#"{{"jsonrpc":"2.0","id":7,"method":"ping","params":{{"pad":"{}"}}}}"#, "a".repeat(5 << 20));
    for (line, id, code) in [
        ("not json", Value::Null, -32700),
        (deep.as_str(), Value::Null, -32600),
        (r#"[{"jsonrpc":"2.0","id":9,"method":"tools/list"}]"#, Value::Null, -32600),
        (r#"{"id":4,"method":"tools/list"}"#, json!(4), -32600),
        (r#"{"jsonrpc":"2.0","id":5,"method":"tools/call"}"#, json!(5), -32602),
        (r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"arguments":{}}}"#, json!(6), -32602),
        (r#"{"jsonrpc":"2.0","id":null,"method":"tools/list"}"#, Value::Null, -32600),
        (big.as_str(), Value::Null, -32600),
    ] {
        assert_eq!(raw(line), json!([id, code]), "{line:.60}");
    }
    // The session is whole after all that.
    assert!(s.answer("find_models", json!({"limit": 0}))["catalog"]["sync_id"].is_u64());
    assert!(s.close().0.success());
    // A first line that is not JSON is answered, and the end of stdin still exits 0.
    let mut s = Session::spawn(env.std_cmd(&["mcp", "-q"]));
    s.stdin.as_mut().unwrap().write_all(b"garbage\n").unwrap();
    assert_eq!(s.receive()["error"]["code"], -32700);
    let (status, stderr) = s.close();
    assert!(status.success(), "{stderr}");
}

#[test]
fn a_sync_while_serving_is_seen_at_the_next_call_and_stdin_closing_ends_it() {
    let env = Env::new();
    env.import("catalog-v1-dated.json");
    let mut s = Session::start(&env, "2025-11-25");
    assert_eq!(s.answer("find_models", json!({"limit": 0}))["catalog"]["sync_id"], 1);
    env.import("catalog-v2.json");
    let after = s.answer("find_models", json!({"limit": 0, "search": "claude-opus-4-5"}));
    assert_eq!((after["catalog"]["sync_id"].clone(), after["matched"].clone()), (json!(2), json!(1)), "{after}");
    let gone = s.answer("get_model", json!({"id": "gpt-4o-audio-preview"}));
    assert_eq!(gone["model"], Value::Null, "no longer listed: {gone}");
    assert_eq!(gone["history"], cli(&env, &["history", "gpt-4o-audio-preview"]));
    assert_eq!(
        gone["notes"][0],
        "gpt-4o-audio-preview is not in the current catalog: `model` is null, and `history` says when it was"
    );
    let before = std::fs::read(env.db()).unwrap();
    let (status, stderr) = s.close();
    assert!(status.success(), "{stderr}");
    assert_eq!(std::fs::read(env.db()).unwrap(), before, "nothing was written");

    // stdin closed at once: nothing was asked, and that is no error.
    let started = Instant::now();
    let out = env.std_cmd(&["mcp", "-q"]).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // A notification before any request is no session: said, exit 1.
    let mut s = Session::spawn(env.std_cmd(&["mcp", "-q"]));
    s.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let (status, stderr) = s.close();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: the client's first message was not a request"), "{stderr}");
}

#[test]
fn the_official_python_sdk_lists_the_tools_and_gets_the_cli_answers() {
    let Some(python) = venv_python("mcp") else { return };
    let env = catalog();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/mcp_sdk.py");
    let started = Instant::now();
    let out = Command::new(python)
        .arg(script)
        .arg(env.db())
        .args([env!("CARGO_BIN_EXE_cometcat"), "mcp"])
        .env_clear()
        .env("HOME", env.dir.path())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20), "bounded: {:?}", started.elapsed());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let models = cli(&env, &["models", "--type", "text", "--sort", "input-price", "-n", "3"]);
    for (era, version) in [("legacy", "2025-11-25"), ("modern", "2026-07-28")] {
        let got = &report[era];
        assert_eq!(got["negotiated"], version, "{got}");
        assert_eq!(got["tools"], json!(TOOLS));
        assert_eq!(got["models"], models);
        assert!(got["error"].as_str().unwrap().starts_with("argument `id`: no model \"gpt5\""), "{got}");
    }
}

#[test]
fn the_readme_configuration_and_conversation_work_as_written() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let (_, section) = readme.split_once("### `mcp`: ").expect("the README has an mcp section");
    let section = section.split_once("\n### ").map_or(section, |(s, _)| s);
    let block = |fence: &str| section.split(fence).nth(1).and_then(|b| b.split("```").next()).unwrap().to_owned();

    // The `mcpServers` entry and the `claude mcp add` line start the same command.
    let config: Value = serde_json::from_str(&block("```json\n")).unwrap();
    let entry = &config["mcpServers"]["cometcat"];
    let mut words = vec![entry["command"].as_str().unwrap()];
    words.extend(entry["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()));
    let claude = section.lines().find(|l| l.starts_with("claude mcp add cometcat -- ")).expect("a claude mcp add line");
    assert_eq!(claude.split_once(" -- ").unwrap().1.split_whitespace().collect::<Vec<_>>(), words);

    // Started as a client starts it: the command found on PATH, the catalog from COMETCAT_DB.
    let env = catalog();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_cometcat")).parent().unwrap();
    let mut command = Command::new(words[0]);
    command.args(&words[1..]).env_clear().env("PATH", bin).env("HOME", env.dir.path()).env("COMETCAT_DB", env.db());
    let mut s = Session::spawn(command);
    assert_eq!(s.initialize("2025-11-25")["serverInfo"]["name"], "cometcat");
    assert_eq!(s.request("tools/list", json!({}))["result"]["tools"].as_array().unwrap().len(), 6);

    // Each call of the example conversation gets the answer shown (`…` leaves parts out).
    let conversation = block("```text\n");
    let lines: Vec<&str> = conversation.lines().collect();
    let mut calls = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(call) = line.strip_prefix("agent →") else { continue };
        let (tool, arguments) = call.trim().split_once(' ').unwrap();
        let shown = lines[i + 1].strip_prefix("cometcat ←").expect("the answer follows the call").trim();
        let (shown, is_error) = shown.strip_prefix("error: ").map_or((shown, false), |e| (e, true));
        let result = s.call(tool, serde_json::from_str(arguments).unwrap());
        assert_eq!(result["isError"], is_error, "{line}: {result}");
        let text = result["content"][0]["text"].as_str().unwrap();
        for piece in shown.split('…') {
            assert!(text.contains(piece), "{tool}: the README shows {piece:?}, the answer is:\n{text}");
        }
        calls += 1;
    }
    assert_eq!(calls, 3, "the conversation's calls were found");
    assert!(s.close().0.success());
}

#[test]
fn a_record_holding_serde_jsons_private_key_is_answered_as_it_was_stored() {
    let env = Env::new();
    let record = br#"[{"id": "odd", "x": {"$serde_json::private::RawValue": "not json"}}]"#;
    env.run_stdin(&["sync", "--from", "-"], record.to_vec()).success();
    let mut s = Session::start(&env, "2025-11-25");
    let stdin = s.stdin.as_mut().unwrap();
    let call =
        r#"{"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"get_model","arguments":{"id":"odd"}}}"#;
    writeln!(stdin, "{call}").unwrap();
    stdin.flush().unwrap();
    // Read as text: a serde_json value here would read the key's string as JSON again.
    let line = s.lines.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(line.contains(r#""isError":false"#), "{line}");
    let structured = line.split_once(r#""structuredContent":"#).map(|(_, rest)| rest).unwrap_or_default();
    assert!(structured.contains(r#""x":{"$serde_json::private::RawValue":"not json"}"#), "{line}");
    // And the id, the line check, and a line that cannot be read whole.
    for (line, code) in [
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"find_models","arguments":{"query":{"$serde_json::private::RawValue":"[1]"},"query":"gpt"}}}"#,
            -32600,
        ),
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"find_models","arguments":{"query":"\ud800"}}}"#,
            -32700,
        ),
    ] {
        writeln!(s.stdin.as_mut().unwrap(), "{line}").unwrap();
        let answer = s.receive();
        assert_eq!((answer["id"].clone(), answer["error"]["code"].clone()), (json!(5), json!(code)), "{line}");
    }
    assert!(s.close().0.success());
}
