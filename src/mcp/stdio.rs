//! The wire in front of the SDK: stdin read line by line, each line bounded
//! and checked before the session sees it, so that every message a client
//! sends gets an answer. The SDK skips a line it cannot read without a word,
//! and holds a line of any length in memory; here a line that is not JSON
//! gets a parse error (-32700), a line longer than [`MAX_LINE`] or a message
//! that is not a JSON-RPC object an invalid-request error (-32600), and a
//! `tools/call` without a tool's name an invalid-params error (-32602), as
//! JSON-RPC 2.0 asks. What passes goes to the session unchanged; its answers
//! and these errors reach stdout whole, one line each, never interleaved.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;

/// The longest line read: a `price_usage` call may carry a log inline, but
/// an agent's context holds far less; the SDK behind this refuses lines over
/// 16 MiB without a word, and reads each into a JSON tree several times its
/// size, so the bound is well under both.
pub const MAX_LINE: usize = 4 << 20;

/// What to do with one line from the client.
#[derive(Debug, PartialEq)]
pub enum Line {
    /// Hand it to the session.
    Pass,
    /// Nothing to do (a blank line).
    Skip,
    /// Answer it with this JSON-RPC error, and drop it.
    Refuse(Value),
}

/// The fields of a message the wire looks at; everything else is checked
/// to be JSON and skipped, never built into a tree.
#[derive(serde::Deserialize)]
struct Probe<'a> {
    jsonrpc: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
}

/// A field that is there, `null` included (an absent one is `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    serde::Deserialize::deserialize(d).map(Some)
}

/// How deep the SDK reads JSON (`serde_json`'s limit, less a margin for
/// the message's own levels).
const MAX_DEPTH: usize = 120;

/// Whether `text` (JSON) nests arrays and objects deeper than [`MAX_DEPTH`]:
/// read byte by byte, strings skipped, without recursion.
fn too_deep(text: &[u8]) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in text {
        match (in_string, b) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') | (false, b'"') => in_string = !in_string,
            (false, b'[' | b'{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// A tool call's params, as far as the wire looks: the tool's name.
#[derive(serde::Deserialize)]
struct Params<'a> {
    #[serde(borrow)]
    name: Option<&'a RawValue>,
}

/// Judges one line (without its line end).
pub fn judge(line: &[u8]) -> Line {
    let text = line.trim_ascii();
    if text.is_empty() {
        return Line::Skip;
    }
    if text.first() != Some(&b'{') {
        // Not an object: JSON or not, it is no message.
        return Line::Refuse(match serde_json::from_slice::<IgnoredAny>(text) {
            Err(e) => error(Value::Null, -32700, &format!("parse error: {e}")),
            Ok(_) if text.starts_with(b"[") => {
                error(Value::Null, -32600, "invalid request: a batch (MCP takes one message per line)")
            }
            Ok(_) => error(Value::Null, -32600, "invalid request: not an object"),
        });
    }
    if too_deep(text) {
        return Line::Refuse(error(Value::Null, -32600, &format!("invalid request: nested deeper than {MAX_DEPTH}")));
    }
    let probe = match serde_json::from_slice::<Probe<'_>>(text) {
        Ok(probe) => probe,
        Err(e) if e.is_syntax() || e.is_eof() => {
            return Line::Refuse(error(Value::Null, -32700, &format!("parse error: {e}")));
        }
        Err(e) => return Line::Refuse(error(Value::Null, -32600, &format!("invalid request: {e}"))),
    };
    let id = match probe.id.map(|id| crate::json::value(id.get())) {
        None => Value::Null,
        Some(Ok(id @ Value::String(_))) => id,
        Some(Ok(Value::Number(n))) if n.is_i64() || n.is_u64() => Value::Number(n),
        Some(_) => return Line::Refuse(error(Value::Null, -32600, "invalid request: an id is a string or an integer")),
    };
    // The SDK reads a message's params as serde_json values, which read that
    // key's string as JSON again, past any depth limit: such a line is refused.
    // So is a line that cannot be read whole: the SDK would read it again as
    // serde_json values, from the start.
    let holds = std::str::from_utf8(text)
        .map_err(|e| e.to_string())
        .and_then(|t| crate::json::holds_raw_value_key(t).map_err(|e| e.to_string()));
    match holds {
        Err(e) => return Line::Refuse(error(id, -32700, &format!("parse error: {e}"))),
        Ok(true) => {
            let message = "invalid request: the key \"$serde_json::private::RawValue\" is not taken";
            return Line::Refuse(error(id, -32600, message));
        }
        Ok(false) => {}
    }
    if probe.jsonrpc.as_deref() != Some("2.0") {
        return Line::Refuse(error(id, -32600, "invalid request: \"jsonrpc\" must be \"2.0\""));
    }
    if probe.method.as_deref() == Some("tools/call") {
        let name = probe.params.and_then(|p| serde_json::from_str::<Params<'_>>(p.get()).ok()).and_then(|p| p.name);
        if !name.is_some_and(|n| n.get().starts_with('"')) {
            let message = "invalid params: tools/call takes {\"name\": TOOL, \"arguments\": {...}}";
            return Line::Refuse(error(id, -32602, message));
        }
    }
    Line::Pass
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Reads `input` line by line into `session`, refusing what [`judge`] refuses
/// through `refused`, until `input` ends (then `session` ends too).
pub async fn read(input: impl AsyncRead + Unpin, mut session: DuplexStream, refused: mpsc::Sender<Value>) {
    let mut input = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        line.clear();
        let (ended, whole) = match read_line(&mut input, &mut line).await {
            Ok(read) => read,
            Err(_) => break,
        };
        let verdict = if whole {
            judge(line.strip_suffix(b"\n").map_or(&line[..], |l| l.strip_suffix(b"\r").unwrap_or(l)))
        } else {
            let too_long = format!("invalid request: a message longer than {}", crate::numbers::bytes(MAX_LINE as u64));
            Line::Refuse(error(Value::Null, -32600, &too_long))
        };
        match verdict {
            Line::Pass => {
                if !line.ends_with(b"\n") {
                    line.push(b'\n');
                }
                if session.write_all(&line).await.is_err() {
                    break;
                }
            }
            Line::Skip => {}
            Line::Refuse(answer) => {
                if refused.send(answer).await.is_err() {
                    break;
                }
            }
        }
        if ended {
            break;
        }
    }
    let _ = session.shutdown().await;
}

/// One line into `line`, at most [`MAX_LINE`] bytes of it kept (the rest is
/// read and dropped): whether the input ended, and whether the line is whole.
async fn read_line(input: &mut (impl AsyncBufReadExt + Unpin), line: &mut Vec<u8>) -> std::io::Result<(bool, bool)> {
    let mut whole = true;
    loop {
        let buf = input.fill_buf().await?;
        if buf.is_empty() {
            return Ok((true, whole));
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if line.len() + take > MAX_LINE + 1 {
            whole = false;
            line.clear();
        } else if whole {
            line.extend_from_slice(&buf[..take]);
        }
        input.consume(take);
        if done {
            return Ok((false, whole));
        }
    }
}

/// Writes the session's lines and the refusals to `out`, each line whole and
/// flushed, until the session's output ends (with the refusals already made).
pub async fn write(session: DuplexStream, mut refused: mpsc::Receiver<Value>, mut out: impl AsyncWrite + Unpin) {
    let mut session = BufReader::new(session);
    let mut line = Vec::new();
    loop {
        let next = tokio::select! {
            read = session.read_until(b'\n', &mut line) => match read {
                Ok(n) if n > 0 => Some(std::mem::take(&mut line)),
                _ => None,
            },
            Some(answer) = refused.recv() => Some(format!("{answer}\n").into_bytes()),
        };
        let Some(bytes) = next else { break };
        if out.write_all(&bytes).await.is_err() || out.flush().await.is_err() {
            return;
        }
    }
    while let Ok(answer) = refused.try_recv() {
        let _ = out.write_all(format!("{answer}\n").as_bytes()).await;
    }
    let _ = out.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(line: &str) -> (Value, i64) {
        match judge(line.as_bytes()) {
            Line::Refuse(answer) => (answer["id"].clone(), answer["error"]["code"].as_i64().unwrap()),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn every_line_a_client_sends_is_passed_or_answered() {
        let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
        assert_eq!(judge(init.as_bytes()), Line::Pass);
        assert_eq!(judge(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#), Line::Pass);
        let call = r#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"find_models"}}"#;
        assert_eq!(judge(call.as_bytes()), Line::Pass);
        assert_eq!(judge(b"  "), Line::Skip);
        assert_eq!(refused("not json"), (Value::Null, -32700));
        // Deep nesting is read without recursion (and is no message).
        assert_eq!(refused(&format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000))), (Value::Null, -32600));
        let deep =
            format!(r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{}1{}}}"#, "[".repeat(200), "]".repeat(200));
        assert_eq!(refused(&deep), (Value::Null, -32600), "the SDK could not read it: refused here");
        let brackets = r#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"s":"[[[[\"[[[[[[["}}"#;
        assert_eq!(
            judge(brackets.replace("[[[[", &"[".repeat(500)).as_bytes()),
            Line::Pass,
            "in a string, brackets are text"
        );
        assert_eq!(refused("[1, 2]"), (Value::Null, -32600));
        assert_eq!(refused("42"), (Value::Null, -32600));
        assert_eq!(refused(r#"{"id":7,"method":"tools/list"}"#), (json!(7), -32600));
        assert_eq!(refused(r#"{"jsonrpc":"2.0","id":2,"method":"tools/call"}"#), (json!(2), -32602));
        assert_eq!(
            refused(r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":5}}"#),
            (json!(3), -32602)
        );
        assert_eq!(refused(r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":[1]}"#), (json!(4), -32602));
        for id in [r#"{"a":1}"#, "null", "1.5", "true"] {
            let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}"#);
            assert_eq!(refused(&line), (Value::Null, -32600), "{line}");
        }
        assert_eq!(refused(r#"{"jsonrpc":2,"id":8}"#), (Value::Null, -32600), "a field of the wrong type");
        // serde_json's private key, whose string the SDK would read as JSON again, past any depth.
        let private = r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"find_models","arguments":{"$serde_json::private::RawValue":"[[1]]"}}}"#;
        assert_eq!(refused(private), (json!(9), -32600));
        let id = r#"{"jsonrpc":"2.0","id":{"$serde_json::private::RawValue":"\"abc\""},"method":"tools/list"}"#;
        assert_eq!(refused(id), (Value::Null, -32600), "an object, not the id \"abc\"");
        assert_eq!(refused(r#"{"jsonrpc":"2.0","id":8,"#), (Value::Null, -32700));
    }

    #[tokio::test]
    async fn a_line_too_long_is_answered_and_the_next_one_read() {
        let (mut client, input) = tokio::io::duplex(1 << 16);
        let (session, mut from_reader) = tokio::io::duplex(1 << 16);
        let (tx, mut rx) = mpsc::channel(4);
        let reader = tokio::spawn(read(input, session, tx));
        let writer = tokio::spawn(async move {
            client.write_all(&vec![b'x'; MAX_LINE + 10]).await.unwrap();
            client.write_all(b"\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n").await.unwrap();
        });
        let answer = rx.recv().await.unwrap();
        assert_eq!(answer["error"]["code"], -32600);
        assert!(answer["error"]["message"].as_str().unwrap().contains("4 MiB"), "{answer}");
        writer.await.unwrap();
        let mut passed = String::new();
        let mut lines = BufReader::new(&mut from_reader);
        lines.read_line(&mut passed).await.unwrap();
        assert_eq!(passed, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
        drop(lines);
        reader.abort();
    }
}
