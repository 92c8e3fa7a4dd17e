//! What reading usage yields: one [`Record`] per call (a stream is one call),
//! of a [`Kind`] of response, or a line that holds none ([`Read::Unreadable`]).

use jiff::Timestamp;

use crate::money::Money;

/// What kind of response a record was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Chat,
    ChatStream,
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
    Generic,
}

/// What one call consumed, as its response (or log line) says: one record.
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
    /// Calls; more than 1 only for a generic line that says so (its tokens
    /// and seconds are per call).
    pub requests: u64,
    pub seconds: Option<Money>,
    pub time: Option<Timestamp>,
    /// The value of the tag asked for (`--by tag:KEY`), if the record has it.
    pub tag: Option<String>,
}

/// One thing read: a record, or a line that holds none, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    Record { line: u64, record: Record },
    Unreadable { line: u64, reason: String },
}
