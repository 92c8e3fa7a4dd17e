//! The workload file of `estimate`: what a team expects to run, as `[[item]]`
//! tables. Pure: TOML text in, validated items out.
//!
//! The file is read into toml's spanned tree and every key and value is checked
//! here, in cometcat's own words, so each error names the line and the field
//! and a CI log points at the fix.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::money::Money;
use crate::pricing::Workload;

/// One line of the workload: a named use of a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    /// Id or code, as written.
    pub model: String,
    pub workload: Workload,
    /// Which of `input_tokens`, `output_tokens` and `seconds` the file gave.
    pub given: Given,
    /// Where the item starts in the file (1-based).
    pub line: usize,
}

/// The workload fields an item sets explicitly (the others take defaults).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Given {
    pub input_tokens: bool,
    pub output_tokens: bool,
    pub seconds: bool,
}

/// A malformed workload file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct WorkloadError {
    pub line: usize,
    pub message: String,
}

impl crate::error::Diagnostic for WorkloadError {}

/// The keys an item may have.
const KEYS: [&str; 6] = ["name", "model", "requests", "input_tokens", "output_tokens", "seconds"];
const WHOLE: &str = "expected a whole number, 0 or more";

/// Parses a workload file. Names must be unique and models non-empty.
pub fn parse(text: &str) -> Result<Vec<Item>, WorkloadError> {
    let lines = Lines::new(text);
    let doc = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        WorkloadError { line: lines.of(offset), message: with_hint(e.message().trim(), text, offset) }
    })?;
    let at = |offset: usize, message: String| WorkloadError { line: lines.of(offset), message };
    let mut tables = Vec::new();
    for (key, value) in sorted(doc.get_ref()) {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("item", DeValue::Array(items)) => tables.extend(items.iter()),
            ("item", _) => {
                return Err(at(value.span().start, "each item is a [[item]] table (two brackets), not [item]".into()));
            }
            (other, _) => return Err(at(key.span().start, format!("unknown field `{other}`, expected `item`"))),
        }
    }
    if tables.is_empty() {
        return Err(WorkloadError { line: 1, message: "there is no [[item]] in the file".into() });
    }
    let mut items: Vec<Item> = Vec::with_capacity(tables.len());
    let mut named = std::collections::HashMap::with_capacity(tables.len());
    for (n, table) in tables.into_iter().enumerate() {
        let line = lines.of(table.span().start);
        // An error in this item: on a line, which `offset` points into.
        let located = |offset: usize, message: String| WorkloadError {
            line: lines.of(offset),
            message: format!("item {}: {message}", n + 1),
        };
        let DeValue::Table(fields) = table.get_ref() else {
            return Err(located(table.span().start, format!("is {}, not a [[item]] table", kind(table.get_ref()))));
        };
        let item = read_item(fields, line, |offset, message| match offset {
            Some(offset) => located(offset, message),
            None => located(table.span().start, message),
        })?;
        if let Some(first) = named.insert(item.name.clone(), item.line) {
            let message = format!("name {:?} is already used by the item on line {first}", item.name);
            return Err(located(table.span().start, message));
        }
        items.push(item);
    }
    Ok(items)
}

/// A TOML error's message, with the fix when the line holds a count with a
/// unit and no quotes (`input_tokens = 1.2M`, which is not TOML).
fn with_hint(message: &str, text: &str, offset: usize) -> String {
    let start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or_default();
    let value = line.split_once('=').map_or("", |(_, v)| v.split('#').next().unwrap_or_default().trim());
    let unit = value.ends_with(['k', 'K', 'm', 'M', 'b', 'B']);
    if unit && crate::count::parse_count(value).is_ok() {
        return format!("{message} (a count with a unit goes in quotes: \"{value}\")");
    }
    message.to_owned()
}

/// One `[[item]]` table, checked key by key.
fn read_item(
    fields: &DeTable<'_>,
    line: usize,
    located: impl Fn(Option<usize>, String) -> WorkloadError,
) -> Result<Item, WorkloadError> {
    let mut item = Item {
        name: String::new(),
        model: String::new(),
        workload: Workload { requests: 1, ..Workload::default() },
        given: Given::default(),
        line,
    };
    let (mut name, mut model) = (None, None);
    for (key, value) in sorted(fields) {
        let key_name = key.get_ref().as_ref();
        let field = |message: String| located(Some(value.span().start), format!("{key_name}: {message}"));
        match key_name {
            "name" => name = Some(text_value(value.get_ref()).map_err(field)?),
            "model" => model = Some(text_value(value.get_ref()).map_err(field)?),
            "requests" => item.workload.requests = count(value.get_ref()).map_err(field)?,
            "input_tokens" => {
                item.workload.input_tokens = count(value.get_ref()).map_err(field)?;
                item.given.input_tokens = true;
            }
            "output_tokens" => {
                item.workload.output_tokens = count(value.get_ref()).map_err(field)?;
                item.given.output_tokens = true;
            }
            "seconds" => {
                item.workload.seconds = Some(seconds(value.get_ref()).map_err(field)?);
                item.given.seconds = true;
            }
            other => {
                let expected = KEYS.map(|k| format!("`{k}`")).join(", ");
                return Err(located(
                    Some(key.span().start),
                    format!("unknown field `{other}`, expected one of {expected}"),
                ));
            }
        }
    }
    // Errors about the whole item point at its header.
    let name = name.ok_or_else(|| located(None, "missing field `name`".into()))?;
    let model = model.ok_or_else(|| located(None, "missing field `model`".into()))?;
    Item::new(name, &model, item.workload, item.given, line).map_err(|message| located(None, message))
}

impl Item {
    /// An item from its values, checked as every item is: a name and a model
    /// that are not blank (the model is trimmed). `line` places it: a line of
    /// a file, or a position in a list.
    pub fn new(name: String, model: &str, workload: Workload, given: Given, line: usize) -> Result<Item, String> {
        if name.trim().is_empty() {
            return Err("name is empty".into());
        }
        let model = model.trim().to_owned();
        if model.is_empty() {
            return Err("model is empty".into());
        }
        Ok(Item { name, model, workload, given, line })
    }
}

/// A table's entries in the order they stand in the file.
fn sorted<'t, 'i>(table: &'t DeTable<'i>) -> Vec<(&'t Spanned<Cow<'i, str>>, &'t Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

fn text_value(v: &DeValue<'_>) -> Result<String, String> {
    match v {
        DeValue::String(s) => Ok(s.to_string()),
        other => Err(format!("invalid type: {}, expected text in quotes", described(other))),
    }
}

/// A count of tokens or calls: a whole number, 0 or more, or the flags'
/// forms in quotes (`"1.2M"`, `"200K"`, `"1,048,576"`).
fn count(v: &DeValue<'_>) -> Result<u64, String> {
    let i = match v {
        DeValue::Integer(i) => i,
        DeValue::String(s) => {
            return crate::count::parse_count(s).map_err(|e| format!("invalid value: string {s:?}: {e}"));
        }
        other => return Err(format!("invalid type: {}, {WHOLE}", described(other))),
    };
    let digits = i.as_str();
    match u64::from_str_radix(digits, i.radix()) {
        Ok(n) => Ok(n),
        Err(_) if digits.starts_with('-') => Err(format!("invalid value: integer `{i}`, {WHOLE}")),
        Err(_) => Err(format!("invalid type: integer `{i}`, {WHOLE}")),
    }
}

/// Seconds per call: a whole or decimal number, not negative.
fn seconds(v: &DeValue<'_>) -> Result<Money, String> {
    let text = match v {
        DeValue::Integer(i) if i.radix() == 10 => i.as_str().to_owned(),
        DeValue::Float(f) => f.as_str().replace('_', ""),
        other => return Err(format!("invalid type: {}, expected a number of seconds, 0 or more", described(other))),
    };
    let m: Money = text.parse().map_err(|_| format!("seconds {text} is not a usable number"))?;
    if m.is_negative() {
        return Err(format!("seconds is negative ({text})"));
    }
    Ok(m)
}

/// A value as a type error names it: ``floating point `1.5` ``.
fn described(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("string {s:?}"),
        DeValue::Integer(i) => format!("integer `{i}`"),
        DeValue::Float(f) => format!("floating point `{f}`"),
        DeValue::Boolean(b) => format!("boolean `{b}`"),
        other => kind(other).to_owned(),
    }
}

fn kind(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// The line each byte offset of a text is on, found by binary search over
/// where the lines start (counting from the start each time would make a
/// long workload quadratic).
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(memchr::memchr_iter(b'\n', text.as_bytes()).collect())
    }

    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&newline| newline < offset) + 1
    }
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

    #[test]
    fn comments_and_odd_values_are_read_as_toml_not_as_text() {
        let cases = [
            // A commented-out header is not an item.
            (
                "# [[item]] an old one\n[[item]]\nname = \"a\"\nmodel = \"m\"\nrequests = \"ten\"\n",
                "line 5: item 1: requests: invalid value: string \"ten\": not a number; give a whole number like 1200, 1.2K or 1M",
            ),
            (
                "[[item]]\nname = true\nmodel = \"m\"\n",
                "line 2: item 1: name: invalid type: boolean `true`, expected text in quotes",
            ),
            (
                "[[item]]\nname = \"a\"\nmodel = \"m\"\nseconds = \"8\"\n",
                "line 4: item 1: seconds: invalid type: string \"8\", expected a number of seconds, 0 or more",
            ),
            ("item = [1]\n", "line 1: item 1: is an integer, not a [[item]] table"),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap_err().to_string(), want, "for:\n{text}");
        }
        // Without the quotes, the error says to add them.
        let err = parse("[[item]]\nname = \"a\"\nmodel = \"m\"\ninput_tokens = 1.2M  # per call\n").unwrap_err();
        assert!(
            err.to_string().starts_with("line 4: ")
                && err.to_string().ends_with("(a count with a unit goes in quotes: \"1.2M\")"),
            "{err}"
        );
        // Counts in quotes are read as the flags read them.
        let items = parse("[[item]]\nname = \"a\"\nmodel = \"m\"\ninput_tokens = \"1.2M\"\noutput_tokens = \"200K\"\nrequests = \"30,000\"\n").unwrap();
        assert_eq!(
            items[0].workload,
            Workload { input_tokens: 1_200_000, output_tokens: 200_000, seconds: None, requests: 30_000 }
        );
        assert_eq!(
            parse("[[item]]\nname = \"a\"\nmodel = \"m\"\ninput_tokens = \"1.5\"\n").unwrap_err().to_string(),
            "line 4: item 1: input_tokens: invalid value: string \"1.5\": must be a whole number"
        );
        // Inline tables are items too; underscores in numbers are TOML.
        let items = parse("item = [{name = \"a\", model = \"m\", input_tokens = 1_200, seconds = 2.5}]\n").unwrap();
        assert_eq!(items[0].workload.input_tokens, 1200);
        assert_eq!(items[0].workload.seconds, Some(m("2.5")));
        assert_eq!(items[0].given, Given { input_tokens: true, output_tokens: false, seconds: true });
    }
}
