//! The workload file of `estimate` (SPEC §3): what a team expects to run, as
//! `[[item]]` tables. Pure: TOML text in, validated items out; every error
//! names the line and the field, so a CI log points at the fix.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::pricing::{Money, Workload};

/// One line of the workload: a named use of a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    /// Id or code, as written.
    pub model: String,
    pub workload: Workload,
    /// Where the item starts in the file (1-based).
    pub line: usize,
}

/// A malformed workload file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct WorkloadError {
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    item: Vec<toml::Spanned<ItemSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemSpec {
    name: String,
    model: String,
    #[serde(default = "one")]
    requests: u64,
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default, deserialize_with = "seconds")]
    seconds: Option<Money>,
}

fn one() -> u64 {
    1
}

/// Parses a workload file. Names must be unique and models non-empty.
pub fn parse(text: &str) -> Result<Vec<Item>, WorkloadError> {
    let file: File = toml::from_str(text).map_err(|e| located(text, &e))?;
    if file.item.is_empty() {
        return Err(WorkloadError { line: 1, message: "there is no [[item]] in the file".into() });
    }
    let mut items: Vec<Item> = Vec::with_capacity(file.item.len());
    for (n, spanned) in file.item.into_iter().enumerate() {
        let line = line_of(text, spanned.span().start);
        let spec = spanned.into_inner();
        let error = |message: String| WorkloadError { line, message: format!("item {}: {message}", n + 1) };
        if spec.name.trim().is_empty() {
            return Err(error("name is empty".into()));
        }
        if spec.model.trim().is_empty() {
            return Err(error("model is empty".into()));
        }
        if let Some(first) = items.iter().find(|i| i.name == spec.name) {
            return Err(error(format!("name {:?} is already used by the item on line {}", spec.name, first.line)));
        }
        items.push(Item {
            name: spec.name,
            model: spec.model.trim().to_owned(),
            workload: Workload {
                input_tokens: spec.input_tokens,
                output_tokens: spec.output_tokens,
                seconds: spec.seconds,
                requests: spec.requests,
            },
            line,
        });
    }
    Ok(items)
}

/// Seconds per call: a whole or decimal number, not negative.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    struct Seconds;
    impl Visitor<'_> for Seconds {
        type Value = Option<Money>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number of seconds, 0 or more")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(Money::from_u64(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(|v| Some(Money::from_u64(v)))
                .map_err(|_| E::custom(format!("seconds is negative ({v})")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // TOML floats arrive as f64; their shortest text is what was written.
            let m: Money =
                v.to_string().parse().map_err(|_| E::custom(format!("seconds {v} is not a usable number")))?;
            if m.is_negative() {
                return Err(E::custom(format!("seconds is negative ({v})")));
            }
            Ok(Some(m))
        }
    }
    d.deserialize_any(Seconds)
}

/// A TOML error as `line N: item K: field: message`, in plain words.
fn located(text: &str, e: &toml::de::Error) -> WorkloadError {
    let start = e.span().map_or(0, |s| s.start);
    let line = line_of(text, start);
    // The headers before the error, and the one it points at (a missing field points at its table).
    let item = text[..(start + "[[item]]".len()).min(text.len())].matches("[[item]]").count();
    let key = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().to_owned())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let message = e
        .message()
        .trim()
        .replace("expected u64", "expected a whole number, 0 or more")
        .replace(" as i128", "")
        .replace("expected a string", "expected text in quotes")
        .replace("invalid type: map, expected a sequence", "each item is a [[item]] table (two brackets), not [item]");
    let mut place = String::new();
    if item > 0 {
        place.push_str(&format!("item {item}: "));
    }
    if let Some(key) = key.filter(|k| !message.contains(&format!("`{k}`"))) {
        place.push_str(&format!("{key}: "));
    }
    WorkloadError { line, message: format!("{place}{message}") }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn reads_the_spec_example_with_defaults() {
        let text = r#"
[[item]]
name = "summarize-tickets"   # unique
model = "gpt-5-mini"
requests = 30000
input_tokens = 1200
output_tokens = 350

[[item]]
name = "thumbnails"
model = "flux-2-pro"

[[item]]
name = "teaser"
model = "veo3-fast"
seconds = 8.5
"#;
        let items = parse(text).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].line, 2);
        assert_eq!(
            items[0].workload,
            Workload { input_tokens: 1200, output_tokens: 350, seconds: None, requests: 30_000 }
        );
        assert_eq!(items[1].workload, Workload { requests: 1, ..Workload::default() }, "requests default to 1");
        assert_eq!(items[2].workload.seconds, Some(m("8.5")));
        assert_eq!(items[2].line, 13);
    }

    #[test]
    fn says_which_line_and_field_is_wrong() {
        let cases = [
            ("[[item]]\nname = \"a\"\n", "line 1: item 1: missing field `model`"),
            (
                "[[item]]\nname = \"a\"\nmodel = \"m\"\ninput_tokens = -5\n",
                "line 4: item 1: input_tokens: invalid value: integer `-5`, expected a whole number, 0 or more",
            ),
            (
                "[[item]]\nname = \"a\"\nmodel = \"m\"\nrequests = 1.5\n",
                "line 4: item 1: requests: invalid type: floating point `1.5`, expected a whole number, 0 or more",
            ),
            (
                "[[item]]\nname = \"a\"\nmodel = \"m\"\ninput_token = 5\n",
                "line 4: item 1: unknown field `input_token`, expected one of `name`, `model`, `requests`, `input_tokens`, `output_tokens`, `seconds`",
            ),
            (
                "[[item]]\nname = \"a\"\nmodel = \"m\"\nseconds = -2\n",
                "line 4: item 1: seconds: seconds is negative (-2)",
            ),
            (
                "[[item]]\nname = \"a\"\nmodel = \"m\"\n\n[[item]]\nname = \"a\"\nmodel = \"n\"\n",
                "line 5: item 2: name \"a\" is already used by the item on line 1",
            ),
            ("[[item]]\nname = \"a\"\nmodel = \" \"\n", "line 1: item 1: model is empty"),
            ("budget = 5\n", "line 1: unknown field `budget`, expected `item`"),
            ("", "line 1: there is no [[item]] in the file"),
            ("[item]\nname = 'a'\n", "line 1: each item is a [[item]] table (two brackets), not [item]"),
            ("[[item]\nname = 'a'\n", "line 1: unclosed array table, expected `]`"),
            (
                "[[item]]\nname = \"a\"\nmodel = \"m\"\nrequests = 18446744073709551616\n",
                "line 4: item 1: requests: invalid type: integer `18446744073709551616`, expected a whole number, 0 or more",
            ),
        ];
        for (text, want) in cases {
            let got = parse(text).unwrap_err().to_string();
            assert_eq!(got, want, "for:\n{text}");
        }
    }
}
