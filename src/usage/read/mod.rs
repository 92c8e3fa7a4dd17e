//! Reading usage: JSON documents, JSON Lines and Server-Sent-Event streams,
//! told apart per file ([`frame`]), read through the providers' wire formats
//! ([`wire`]) and assembled into one [`Record`] per call ([`assemble`]), or an
//! unreadable line with its reason. Pure over `BufRead`: lines and events are
//! read as they come; a JSON document (an array, or one pretty-printed
//! object) is read whole, up to [`MAX_LINE`] bytes.

mod assemble;
mod frame;
mod wire;

use std::io::{self, BufRead};

use assemble::Assembler;
pub use assemble::MAX_LINE;

use crate::usage::record::Read;

/// Reads every record in `input`, handing each to `each` as it is read.
/// `tag` is the tag whose value is kept (for `--by tag:KEY`).
pub fn read(mut input: impl BufRead, tag: Option<&str>, each: &mut dyn FnMut(Read)) -> io::Result<()> {
    let mut streams = Assembler::new(tag, each);
    match frame::first_byte(&mut input)? {
        None => {}
        Some(b'[') => frame::document(&mut input, &mut streams)?,
        Some(b'{') => frame::objects(&mut input, &mut streams)?,
        Some(_) if frame::is_event_stream(input.fill_buf()?) => frame::events(&mut input, &mut streams)?,
        Some(_) => frame::lines(&mut input, &mut streams)?,
    }
    streams.close();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::record::Kind;

    /// (kind, model, input, output, cached, reasoning, requests, seconds) of each call,
    /// and `line: reason` of each unreadable line.
    /// (kind, model, input, output, cached, reasoning, requests, seconds).
    type Counts = (Kind, Option<String>, u64, u64, u64, u64, u64, Option<String>);

    fn read_text(text: &str) -> (Vec<Counts>, Vec<String>) {
        let (mut calls, mut unreadable) = (Vec::new(), Vec::new());
        read(text.as_bytes(), Some("team"), &mut |item| match item {
            Read::Record { record: c, .. } => calls.push((
                c.kind,
                c.model,
                c.input_tokens,
                c.output_tokens,
                c.cached_tokens,
                c.reasoning_tokens,
                c.requests,
                c.seconds.map(|s| s.to_string()),
            )),
            Read::Unreadable { line, reason } => unreadable.push(format!("{line}: {reason}")),
        })
        .unwrap();
        (calls, unreadable)
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/usage").join(name))
            .unwrap()
    }

    fn one(name: &str) -> (Kind, Option<String>, u64, u64, u64, u64, u64, Option<String>) {
        let (calls, unreadable) = read_text(&fixture(name));
        assert!(unreadable.is_empty(), "{name}: {unreadable:?}");
        assert_eq!(calls.len(), 1, "{name}: {calls:?}");
        calls.into_iter().next().unwrap()
    }

    fn m(name: &str) -> Option<String> {
        Some(name.to_owned())
    }

    #[test]
    fn every_kind_of_response_is_read_by_the_billing_rules() {
        use Kind::*;
        let cases = [
            // Cached and reasoning tokens are inside OpenAI's counts: reported, never added.
            ("openai-chat.json", (Chat, m("gpt-5-mini"), 1843, 880, 1536, 832, 1, None)),
            ("openai-chat-stream.sse", (ChatStream, m("gpt-4o-mini"), 1290, 9, 1152, 0, 1, None)),
            ("openai-responses.json", (Responses, m("gpt-5"), 2540, 941, 1792, 896, 1, None)),
            ("openai-responses-stream.sse", (ResponsesStream, m("gpt-4.1-mini"), 1486, 19, 1280, 0, 1, None)),
            ("openai-embeddings.json", (Embeddings, m("text-embedding-3-small"), 27, 0, 0, 0, 1, None)),
            // Anthropic's cache tokens are outside input_tokens: added.
            ("anthropic-message.json", (Anthropic, m("claude-sonnet-4-6"), 11160, 52, 9320, 0, 1, None)),
            ("anthropic-stream.sse", (AnthropicStream, m("claude-haiku-4-5-20251001"), 4010, 16, 1800, 0, 1, None)),
            // The final message_delta's counts replace message_start's.
            ("anthropic-stream-web-search.sse", (AnthropicStream, m("claude-sonnet-4-6"), 10682, 86, 0, 0, 1, None)),
            // Gemini: tool-use prompt counts as input, thoughts as output.
            ("gemini.json", (Gemini, m("gemini-2.5-flash"), 9285, 1379, 2048, 977, 1, None)),
            ("gemini-stream.sse", (GeminiStream, m("gemini-2.5-pro"), 812, 1258, 0, 1231, 1, None)),
            ("openai-image.json", (Image, None, 37, 4160, 0, 0, 1, None)),
            ("openai-image-envelope.json", (Image, m("gpt-image-1"), 37, 4160, 0, 0, 1, None)),
            ("openai-image-gateway.json", (Image, m("gpt-image-1"), 29, 1056, 0, 0, 1, None)),
            ("openai-image-dalle3-envelope.json", (Image, m("dall-e-3"), 0, 0, 0, 0, 1, None)),
            ("openai-video.json", (Video, m("sora-2"), 0, 0, 0, 0, 1, Some("8".into()))),
            ("transcription-tokens.json", (Transcription, m("gpt-4o-mini-transcribe"), 184, 36, 0, 0, 1, None)),
            // Billed seconds are usage.seconds, not the audio's duration.
            ("transcription-duration.json", (Transcription, m("whisper-1"), 0, 0, 0, 0, 1, Some("42".into()))),
        ];
        for (name, want) in cases {
            assert_eq!(one(name), want, "{name}");
        }
    }

    #[test]
    fn a_file_may_hold_several_streams() {
        for name in ["openai-chat-streams-two.sse", "openai-chat-streams-no-done.sse"] {
            let (calls, unreadable) = read_text(&fixture(name));
            assert!(unreadable.is_empty(), "{name}: {unreadable:?}");
            let models: Vec<_> = calls.iter().map(|c| (c.1.clone().unwrap(), c.2, c.3)).collect();
            assert_eq!(models, [("gpt-4o-mini".into(), 742, 12), ("gpt-5-nano".into(), 2310, 530)], "{name}");
        }
    }

    #[test]
    fn log_lines_envelopes_and_arrays() {
        let (calls, unreadable) = read_text(&fixture("generic.jsonl"));
        assert!(unreadable.is_empty());
        assert_eq!(calls.len(), 10);
        assert_eq!(calls[1], (Kind::Generic, m("gpt-5-mini"), 1200, 350, 0, 0, 3, None), "requests as the line says");
        assert_eq!(calls[3].7.as_deref(), Some("8"));
        let (calls, unreadable) = read_text(&fixture("envelopes.jsonl"));
        assert!(unreadable.is_empty(), "{unreadable:?}");
        let kinds: Vec<Kind> = calls.iter().map(|c| c.0).collect();
        use Kind::*;
        assert_eq!(kinds, [Chat, Responses, Anthropic, Gemini, Embeddings, Video, Image, Transcription, Chat]);
        assert_eq!(calls[2].2, 7885, "3021 + 0 + 4864");
        let (calls, _) = read_text(&fixture("array.json"));
        assert_eq!(calls.len(), 3);
    }

    #[test]
    fn what_cannot_be_read_says_where_and_why() {
        let (calls, unreadable) = read_text(&fixture("unreadable.jsonl"));
        assert_eq!(calls.len(), 2);
        let lines: Vec<&str> = unreadable.iter().map(|u| u.split(':').next().unwrap()).collect();
        assert_eq!(lines, ["2", "3", "4", "5", "7", "8", "9"]);
        assert!(unreadable[0].starts_with("2: not JSON"), "{unreadable:?}");
        assert!(unreadable[5].contains("names a model but gives none of"), "{unreadable:?}");
        // A stream that never says what it used.
        let text = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-5\",\"choices\":[],\"usage\":null}\n\ndata: [DONE]\n";
        let (calls, unreadable) = read_text(text);
        assert!(calls.is_empty());
        assert_eq!(
            unreadable,
            ["1: a chat stream without a usage chunk (the request needs stream_options.include_usage)"]
        );
        // Blank lines are nothing; a byte-order mark is tolerated.
        let (calls, unreadable) = read_text("\u{feff}\n{\"model\":\"a\",\"requests\":2}\n\n");
        assert_eq!((calls.len(), unreadable.len()), (1, 0));
    }

    #[test]
    fn record_times_and_tags_are_read() {
        let mut times = Vec::new();
        read(fixture("envelopes.jsonl").as_bytes(), Some("team"), &mut |item| {
            if let Read::Record { record: call, .. } = item {
                times.push((call.time.map(|t| t.to_string()), call.tag));
            }
        })
        .unwrap();
        assert_eq!(times[2], (Some("2026-09-14T13:20:00Z".into()), Some("support".into())), "+02:00 read as UTC");
        assert_eq!(times[1].0.as_deref(), Some("2026-09-14T13:10:00Z"), "unix seconds");
        assert_eq!(times[8].0.as_deref(), Some("2026-09-14T14:30:00Z"), "no envelope time: the chat's created");
    }
}
