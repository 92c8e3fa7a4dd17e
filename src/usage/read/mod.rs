//! Reading usage: JSON documents, JSON Lines and Server-Sent-Event streams
//! (told apart per file, and inside a file of lines per line: [`frame`]),
//! read through the providers' wire formats ([`wire`]) and assembled into
//! records, errors and unreadable lines ([`assemble`]), on three threads
//! ([`pipeline`]). Pure over `BufRead`: lines and events are read as they
//! come; a JSON document (an array, or one pretty-printed object) is read
//! whole, up to [`MAX_LINE`] bytes.

mod assemble;
mod fields;
mod frame;
pub mod gateway;
mod pipeline;
mod wire;

use std::io::{self, BufRead};

use assemble::Assembler;
pub use assemble::MAX_LINE;

/// A time as a record gives it: RFC 3339, or unix seconds; years 0000 to 9999.
pub fn time_of_value(raw: &serde_json::value::RawValue) -> Result<crate::time::Time, String> {
    fields::timestamp(raw)
}

use crate::usage::record::Read;

/// Reads every record in `input`, handing each thing read to `each` as it is
/// read, in order; `tag` is the tag whose value is kept (for `--by tag:KEY`).
/// Returns the number of values read (lines, events, array elements,
/// documents): the [`Read`]s handed out account for every one of them. The
/// input is framed and its values read on other threads ([`pipeline`]);
/// `each` runs on this one.
pub fn read(input: impl BufRead + Send, tag: Option<&str>, each: &mut dyn FnMut(Read)) -> io::Result<u64> {
    let mut streams = Assembler::new(each);
    pipeline::run(input, tag, &mut streams, frame::all)?;
    streams.close();
    Ok(streams.values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::record::{Kind, Record};

    /// (kind, model, input, output, cached, reasoning, requests, seconds) of a record.
    type Counts = (Kind, Option<String>, u64, u64, u64, u64, u64, Option<String>);

    /// The records read from `text`, and `line: reason` of each line that
    /// holds none (`line: error KIND` for an error).
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
            Read::Unreadable { line, reason, .. } => unreadable.push(format!("{line}: {reason}")),
            Read::Error { line, kind, .. } => unreadable.push(format!("{line}: error {kind}")),
            Read::Events(_) | Read::Skipped { .. } => {}
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

    /// Everything `text` reads as: the records (with their line), errors and
    /// unreadable lines, and the identity of the input accounting checked.
    fn read_all(text: &str) -> (Vec<(u64, Record)>, Vec<String>, u64) {
        let (mut records, mut other, mut accounted, mut events) = (Vec::new(), Vec::new(), 0, 0);
        let values = read(text.as_bytes(), None, &mut |item| {
            accounted += item.values();
            match item {
                Read::Record { line, record, .. } => records.push((line, record)),
                Read::Unreadable { line, reason, .. } => other.push(format!("{line}: {reason}")),
                Read::Error { line, kind, .. } => other.push(format!("{line}: error {kind}")),
                Read::Events(n) => events += n,
                Read::Skipped { line, log_type, .. } => other.push(format!("{line}: skipped type {log_type}")),
            }
        })
        .unwrap();
        assert_eq!(accounted, values, "every value read is accounted for");
        (records, other, events)
    }

    /// (model, input, output, cached, reasoning) of each record.
    fn tokens(records: &[(u64, Record)]) -> Vec<(Option<String>, u64, u64, u64, u64)> {
        records
            .iter()
            .map(|(_, r)| (r.model.clone(), r.input_tokens, r.output_tokens, r.cached_tokens, r.reasoning_tokens))
            .collect()
    }

    #[test]
    fn complete_gemini_bodies_in_json_lines_are_records_each_unless_they_share_a_response_id() {
        let (records, other, _) = read_all(&fixture("v3-gemini-bodies.jsonl"));
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(
            tokens(&records),
            [
                (m("gemini-2.5-flash"), 1000, 100, 0, 0),
                (m("gemini-2.5-flash"), 2000, 200, 0, 0),
                (m("gemini-2.5-flash-lite"), 3000, 300, 0, 0),
                (m("gemini-2.5-pro"), 4000, 440, 0, 40),
            ],
            "the last two lines share a responseId: one response, its last counts"
        );
        assert_eq!(records[3].0, 4, "a joined record is at its first line");
        assert_eq!(records[3].1.kind, Kind::GeminiStream);
    }

    #[test]
    fn an_events_data_lines_make_one_value_once_its_brackets_and_strings_close() {
        let body = |id: &str, content: &str, input: u64| {
            format!(
                r#"{{"id":"{id}","object":"chat.completion","model":"gpt-5","choices":[{{"message":{{"content":{content}}}}}],"usage":{{"prompt_tokens":{input},"completion_tokens":5}}}}"#
            )
        };
        // Saved `data:` lines one after another, no blank line: each a whole body, its
        // strings holding brackets, quotes and backslashes.
        let tricky = serde_json::to_string(r#"a "[{" b \"}] \\"#).unwrap();
        let text = format!("data: {}\ndata: {}\n\n", body("c1", &tricky, 10), body("c2", "\"x\"", 20));
        let (calls, unreadable) = read_text(&text);
        assert!(unreadable.is_empty(), "{unreadable:?}");
        assert_eq!(calls.iter().map(|c| c.2).collect::<Vec<_>>(), [10, 20]);
        // One body over many `data:` lines (a list of 5,000 parts): one value, read once whole.
        let parts = vec!["\"x\""; 5000].join(",\ndata: ");
        let split =
            body("c3", &format!("[\ndata: {parts}\ndata: ]"), 30).replace("\"content\":[", "\"content\":\ndata: [");
        let (calls, unreadable) = read_text(&format!("data: {split}\n\n"));
        assert!(unreadable.is_empty(), "{unreadable:?}");
        assert_eq!(calls.iter().map(|c| c.2).collect::<Vec<_>>(), [30]);
        // Whitespace before a value, and `[DONE]` with whitespace around it, as
        // before the brackets were counted: each read once, not once a line.
        let blank = "data: \n".repeat(20_000);
        let text = format!(
            "{blank}data: {}\n\ndata:  [DONE] \ndata: {}\n\n",
            body("c5", "\"z\"", 50),
            body("c6", "\"z\"", 60)
        );
        let (calls, unreadable) = read_text(&text);
        assert!(unreadable.is_empty(), "{unreadable:?}");
        assert_eq!(calls.iter().map(|c| c.2).collect::<Vec<_>>(), [50, 60]);
        // Data that is broken early stays one (unreadable) event, however much follows.
        let (calls, unreadable) = read_text(&format!("data: {{\"x\": }}\ndata: {}\n\n", body("c4", "\"y\"", 40)));
        assert!(calls.is_empty(), "{calls:?}");
        assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    }

    #[test]
    fn an_event_past_the_bound_is_unreadable_and_the_events_after_it_are_read() {
        let body = |id: &str, input: u64| {
            format!(
                r#"{{"id":"{id}","object":"chat.completion","model":"gpt-5","choices":[],"usage":{{"prompt_tokens":{input},"completion_tokens":5}}}}"#
            )
        };
        // A list of 70 MiB over 350 `data:` lines, then, with no blank line, a body of its own.
        let part = "1,".repeat(100_000);
        let mut text = String::from("data: [\n");
        for _ in 0..(70 << 20) / part.len() {
            text.push_str(&format!("data: {part}\n"));
        }
        text.push_str(&format!("data: 1]\ndata: {}\n\ndata: {}\n\n", body("c1", 10), body("c2", 20)));
        let (calls, unreadable) = read_text(&text);
        assert_eq!(unreadable, ["1: the event is longer than 64 MiB"]);
        assert_eq!(calls.iter().map(|c| c.2).collect::<Vec<_>>(), [10, 20], "the body after it too");
    }

    #[test]
    fn gemini_chunks_without_ids_in_an_event_stream_run_up_to_the_finish_reason() {
        let (records, other, _) = read_all(&fixture("v3-gemini-stream-no-ids.sse"));
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(tokens(&records), [(m("gemini-2.5-flash"), 500, 50, 0, 0), (m("gemini-2.5-flash"), 700, 77, 0, 7)]);
    }

    #[test]
    fn every_event_with_a_chat_streams_id_belongs_to_it_and_usage_counts_once() {
        let (records, other, events) = read_all(&fixture("v3-perplexity-stream.sse"));
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(tokens(&records), [(m("gpt-4o-mini"), 1000, 300, 0, 0)], "chat.completion.done repeats the usage");
        assert_eq!(events, 1, "the first chunk carries no usage");
        let (records, other, events) = read_all(&fixture("v3-azure-stream.sse"));
        assert!(other.is_empty(), "Azure's opening chunk is not unreadable: {other:?}");
        assert_eq!(tokens(&records), [(m("gpt-4.1-mini"), 800, 20, 0, 0)]);
        assert_eq!(events, 6, "the filter results, four content chunks and [DONE]");
        let (records, other, _) = read_all(&fixture("v3-groq-stream.sse"));
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(tokens(&records), [(m("llama-4-maverick"), 47, 10, 0, 0)], "usage under x_groq");
    }

    #[test]
    fn errors_are_neither_records_nor_unreadable() {
        let (records, other, _) = read_all(&fixture("v3-errors.jsonl"));
        assert_eq!(other, ["1: error rate_limit_exceeded", "2: error 429", "3: error overloaded_error"]);
        assert_eq!(tokens(&records), [(m("gpt-5-mini"), 1000, 100, 0, 0)]);
        let (records, other, _) = read_all(&fixture("v3-responses-failed.sse"));
        assert_eq!(other, ["2: error insufficient_quota"], "one failed stream, one error, at its first data line");
        assert_eq!(tokens(&records), [(m("gpt-5"), 900, 4000, 0, 3900)], "an incomplete response with usage is priced");
    }

    #[test]
    fn reasoning_outside_the_completion_count_is_billed_as_output() {
        let (records, other, _) = read_all(&fixture("v3-charged.jsonl"));
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(
            tokens(&records),
            [
                (m("grok-4-fast"), 1000, 342, 0, 340),
                (m("grok-4-fast"), 1000, 400, 0, 340),
                (m("qwen3-coder"), 2000, 500, 0, 0)
            ],
            "total_tokens = prompt + completion + reasoning: outside; = prompt + completion: inside"
        );
        let charged: Vec<Option<String>> = records.iter().map(|(_, r)| r.charged.map(|c| c.to_string())).collect();
        assert_eq!(charged, [Some("0.0002".into()), None, Some("0.0012".into())], "ticks are 10^-10 USD");
    }

    #[test]
    fn anthropic_iterations_thinking_and_messages_without_a_delta() {
        let (records, other, _) = read_all(&fixture("v3-anthropic.jsonl"));
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(
            tokens(&records),
            [
                (m("claude-sonnet-4-6"), 3000, 2000, 0, 0),
                (m("claude-opus-4-1"), 2500, 800, 0, 0),
                (m("claude-sonnet-4-5"), 60600, 1700, 0, 0),
                (m("claude-haiku-4-5"), 50, 1700, 0, 140),
            ],
            "advisor: its own record; compaction: the sum of the iterations"
        );
        assert_eq!((records[0].0, records[1].0), (1, 1), "the advisor's record is on its body's line");
        let (records, other, _) = read_all(&fixture("v3-anthropic-no-delta.sse"));
        assert_eq!(tokens(&records), [(m("claude-haiku-4-5-20251001"), 1200, 1, 0, 0)], "start and stop: complete");
        assert_eq!(other, ["8: an Anthropic stream cut before its message_stop"], "at its first data line");
    }

    #[test]
    fn legacy_completions_bodies_and_streams() {
        let (records, other, _) = read_all(&fixture("v3-completion.jsonl"));
        assert!(other.is_empty(), "{other:?}");
        assert_eq!((tokens(&records), records[0].1.kind), (vec![(m("gpt-4o-mini"), 14, 16, 0, 0)], Kind::Completion));
        let (records, other, _) = read_all(&fixture("v3-completion-stream.sse"));
        assert!(other.is_empty(), "no chunk is unreadable: {other:?}");
        assert_eq!(
            (tokens(&records), records[0].1.kind),
            (vec![(m("gpt-4o-mini"), 14, 2, 0, 0)], Kind::CompletionStream)
        );
    }

    #[test]
    fn organization_usage_buckets_are_aggregates() {
        let (records, other, _) = read_all(&fixture("v3-organization-usage.json"));
        assert!(other.is_empty(), "{other:?}");
        let got: Vec<(Option<String>, u64, u64, u64, u64, String)> = records
            .iter()
            .map(|(_, r)| {
                (
                    r.model.clone(),
                    r.input_tokens,
                    r.output_tokens,
                    r.cached_tokens,
                    r.requests,
                    r.time.unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (m("gpt-5-mini-2025-08-07"), 12_000_000, 3_000_000, 2_000_000, 4000, "2026-10-01T00:00:00Z".into()),
                (m("gpt-4o-mini"), 1_000_000, 100_000, 0, 500, "2026-10-01T00:00:00Z".into()),
                (m("gpt-5-mini-2025-08-07"), 6_000_000, 1_500_000, 0, 2000, "2026-10-02T00:00:00Z".into()),
            ]
        );
    }

    #[test]
    fn a_log_lines_counts_are_its_totals() {
        let (records, _, _) = read_all(&fixture("v3-aggregates.jsonl"));
        let got: Vec<(u64, u64, u64, Option<String>)> = records
            .iter()
            .map(|(_, r)| (r.input_tokens, r.output_tokens, r.requests, r.seconds.map(|s| s.to_string())))
            .collect();
        assert_eq!(got, [(12_000_000, 3_000_000, 4000, None), (0, 0, 30, Some("240".into())), (0, 0, 250, None)]);
    }

    #[test]
    fn streams_pasted_into_json_lines_and_the_reverse_are_read_by_their_own_framing() {
        let (records, other, _) = read_all(&fixture("v3-mixed-framing.jsonl"));
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(
            tokens(&records),
            [(m("gpt-5-mini"), 1000, 100, 0, 0), (m("gpt-5-nano"), 300, 30, 0, 0), (m("gpt-5-nano"), 2000, 200, 0, 0)]
        );
        let (records, other, _) = read_all(&fixture("v3-mixed-framing.sse"));
        assert_eq!(tokens(&records), [(m("gpt-5-nano"), 300, 30, 0, 0), (m("gpt-5-mini"), 1000, 100, 0, 0)]);
        assert_eq!(other, ["12: not a line of an event stream (data:, event:, id:)"]);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// The fixtures' lines and events, as pieces to shuffle and splice.
        fn pieces() -> Vec<String> {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/usage");
            let mut pieces = Vec::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let Some(ext) = path.extension().and_then(|e| e.to_str()) else { continue };
                let text = std::fs::read_to_string(&path).unwrap();
                match ext {
                    "sse" => pieces.extend(text.split("\n\n").map(|e| format!("{e}\n\n"))),
                    "jsonl" => pieces.extend(text.lines().map(|l| format!("{l}\n"))),
                    "json" => pieces.push(text),
                    _ => {}
                }
            }
            pieces
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

            /// Whatever the mix and order of bodies, events, lines and junk, the
            /// reader never panics and accounts for every value it read.
            #[test]
            fn every_value_is_accounted_for_whatever_the_input(
                picks in prop::collection::vec((0usize..10_000, 0u8..8), 0..40),
                junk in "[ -~\n{}\\[\\]\":,]{0,40}",
            ) {
                let all = pieces();
                let mut text = String::new();
                for (i, cut) in picks {
                    let piece = &all[i % all.len()];
                    // Now and then a piece is cut short, or junk is spliced in.
                    match cut {
                        0 => text.push_str(&piece[..(0..=piece.len() / 2).rev().find(|&i| piece.is_char_boundary(i)).unwrap()]),
                        1 => text.push_str(&junk),
                        _ => text.push_str(piece),
                    }
                }
                let mut accounted = 0;
                let values = read(text.as_bytes(), Some("team"), &mut |item| accounted += item.values()).unwrap();
                prop_assert_eq!(accounted, values, "{}", text);
            }
        }
    }
}
