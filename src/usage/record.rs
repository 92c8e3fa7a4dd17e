//! What reading usage yields ([`Read`]): a [`Record`] per call (a stream is
//! one call; an aggregate line stands for many), an error the API answered
//! with, a line that holds nothing readable, or stream events that carry no
//! usage — each with the number of values (lines, events, array elements,
//! documents) it was read from, so that the report accounts for its input.

use jiff::Timestamp;

use crate::money::Money;

/// What kind of response a record was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Chat,
    ChatStream,
    /// A legacy completion (`text_completion`).
    Completion,
    CompletionStream,
    Responses,
    ResponsesStream,
    Embeddings,
    Anthropic,
    AnthropicStream,
    Gemini,
    GeminiStream,
    Image,
    Video,
    Transcription,
    /// A log line: a model and counts (totals for the `requests` it stands for).
    Generic,
    /// An OpenAI organization usage result: an aggregate.
    OrganizationUsage,
    /// A gateway's log item (one-api / new-api): a call, as the gateway billed it.
    GatewayLog,
}

/// What one or more calls consumed, as a response (or a log line) says: one
/// record. The counts are totals: for a single call, its counts; for an
/// aggregate (a log line that says `requests`, a usage bucket), the sums over
/// the calls it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    /// The model as written; `None` when the response names none.
    pub model: Option<String>,
    /// Billed at the input price: already includes the cached tokens.
    pub input_tokens: u64,
    /// Billed at the output price: already includes the reasoning tokens.
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
    /// Calls: 1, or what an aggregate says it stands for.
    pub requests: u64,
    pub seconds: Option<Money>,
    pub time: Option<Timestamp>,
    /// The value of the tag asked for (`--by tag:KEY`), if the record has it.
    pub tag: Option<String>,
    /// What the provider says it charged, in USD.
    pub charged: Option<Money>,
    /// What a gateway's log item says of the call, when the record is one.
    pub gateway: Option<Box<GatewayLog>>,
}

/// What a gateway's log item says beyond the counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayLog {
    /// The quota charged (the gateway's unit; 500,000 = $1 by the family's default).
    pub quota: Option<i64>,
    /// Its `other` details were empty or malformed, and were ignored.
    pub other_ignored: bool,
    /// The model the gateway called upstream: shown, never priced (the user called `model`).
    pub upstream_model: Option<String>,
}

/// One thing read, with the number of values it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    Record {
        line: u64,
        record: Record,
        values: u64,
    },
    /// An error body, event or failed stream, by kind (its code or type).
    Error {
        line: u64,
        kind: String,
        values: u64,
    },
    /// A line, document or stream that holds no record, and why.
    Unreadable {
        line: u64,
        reason: String,
        values: u64,
    },
    /// Stream events that carry no usage: content, pings, keep-alives.
    Events(u64),
    /// A gateway log item that is not a call (a top-up, say), by its type.
    Skipped {
        line: u64,
        log_type: i64,
        values: u64,
    },
}

impl Read {
    /// The values this was read from.
    pub fn values(&self) -> u64 {
        match self {
            Read::Record { values, .. }
            | Read::Error { values, .. }
            | Read::Unreadable { values, .. }
            | Read::Skipped { values, .. } => *values,
            Read::Events(n) => *n,
        }
    }
}
