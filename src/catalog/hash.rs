//! A record's identity: the sha256 of its canonical JSON ([`record_hash`]),
//! and its value read together with the keys an object holds twice
//! ([`read_record`]), which serde_json would otherwise keep the last of
//! silently. Pure.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};

/// The JSON `text` read as serde_json reads a [`Value`] (the same value, the
/// same errors), and the keys that an object in it holds more than once, as
/// paths (`id`, `pricing.input`, `list[].k`), in the order the repeats come.
/// serde_json keeps the last of them silently; the sync says so.
pub fn read_record(text: &str) -> serde_json::Result<(Value, Vec<String>)> {
    let mut repeats = Repeats::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let value = ValueSeed(&mut repeats).deserialize(&mut de)?;
    de.end()?;
    repeats.found.sort_by_key(|(key, _)| *key);
    Ok((value, repeats.found.into_iter().map(|(_, path)| path.render()).collect()))
}

/// The keys given twice so far, each with its place among all the keys read.
#[derive(Default)]
struct Repeats {
    keys: u64,
    found: Vec<(u64, Path)>,
}

/// Where a repeated key sits, innermost first: the key, then for each
/// container around it the key it is the value of, or `None` for an array's item.
struct Path(Vec<Option<String>>);

impl Path {
    fn render(self) -> String {
        let mut out = String::new();
        for step in self.0.into_iter().rev() {
            match step {
                Some(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&key);
                }
                None => out.push_str("[]"),
            }
        }
        out
    }
}

impl Repeats {
    /// Adds `step` around the paths found since the `since`-th.
    fn inside(&mut self, since: usize, step: impl Fn() -> Option<String>) {
        for (_, path) in &mut self.found[since..] {
            path.0.push(step());
        }
    }
}

/// serde_json's own `Value` visitor, which also notes the keys given twice.
/// With `arbitrary_precision`, serde_json hands a number over as a map of one
/// entry under a private key, and reads a map whose first key is its private
/// `RawValue` key as the JSON text of that entry: both are done here as it does.
struct ValueSeed<'r>(&'r mut Repeats);

const NUMBER_TOKEN: &str = "$serde_json::private::Number";
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            let since = self.0.found.len();
            let Some(item) = seq.next_element_seed(ValueSeed(self.0))? else { break };
            self.0.inside(since, || None);
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut values = Map::new();
        let mut first = true;
        while let Some(key) = map.next_key::<String>()? {
            if std::mem::take(&mut first) {
                match key.as_str() {
                    NUMBER_TOKEN => return map.next_value_seed(NumberText),
                    RAW_TOKEN => {
                        let text = map.next_value_seed(RawText)?;
                        return serde_json::from_str(&text).map_err(de::Error::custom);
                    }
                    _ => {}
                }
            }
            self.0.keys += 1;
            let place = self.0.keys;
            let since = self.0.found.len();
            let value = map.next_value_seed(ValueSeed(self.0))?;
            self.0.inside(since, || Some(key.clone()));
            // The last one is kept, as serde_json does.
            match values.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(mut slot) => {
                    self.0.found.push((place, Path(vec![Some(slot.key().clone())])));
                    slot.insert(value);
                }
            }
        }
        Ok(Value::Object(values))
    }
}

/// The text of a number handed over under serde_json's private key, read as
/// serde_json reads it.
struct NumberText;

impl<'de> DeserializeSeed<'de> for NumberText {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for NumberText {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("string containing a number")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        s.parse::<Number>().map(Value::Number).map_err(E::custom)
    }
}

/// The text under serde_json's private `RawValue` key, read as serde_json reads it.
struct RawText;

impl<'de> DeserializeSeed<'de> for RawText {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for RawText {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("raw value")
    }

    fn visit_str<E>(self, s: &str) -> Result<String, E> {
        Ok(s.to_owned())
    }
}

/// The sha256 of a record's canonical JSON: keys sorted, no whitespace, numbers
/// as written. Equal records hash equal whatever their formatting.
pub fn record_hash(value: &Value) -> [u8; 32] {
    let mut hasher = Sha256::new();
    canonical(value, &mut hasher);
    hasher.finalize().into()
}

fn canonical(value: &Value, h: &mut Sha256) {
    match value {
        Value::Object(map) => {
            h.update(b"{");
            // serde_json's map keeps its keys sorted (a `BTreeMap`), unless a
            // crate turns on its `preserve_order`: then they are sorted here.
            if map.keys().is_sorted() {
                members(map.iter(), h);
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by_key(|(k, _)| *k);
                members(entries.into_iter(), h);
            }
            h.update(b"}");
        }
        Value::Array(items) => {
            h.update(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    h.update(b",");
                }
                canonical(item, h);
            }
            h.update(b"]");
        }
        Value::String(s) => string(h, s),
        // As written (serde_json's `arbitrary_precision` keeps the text).
        Value::Number(n) => h.update(n.as_str()),
        Value::Bool(b) => h.update(if *b { "true" } else { "false" }),
        Value::Null => h.update(b"null"),
    }
}

fn members<'v>(entries: impl Iterator<Item = (&'v String, &'v Value)>, h: &mut Sha256) {
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 {
            h.update(b",");
        }
        string(h, key);
        h.update(b":");
        canonical(value, h);
    }
}

/// A string as serde_json writes it: as it is between quotes, unless it holds
/// a quote, a backslash or a control character, which serde_json escapes.
fn string(h: &mut Sha256, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        serde_json::to_writer(h, s).expect("writing into a hasher cannot fail");
    } else {
        h.update(b"\"");
        h.update(s);
        h.update(b"\"");
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The 32 bytes a [`hex`] hash spells, or `None` for any other text.
pub fn unhex(text: &[u8]) -> Option<[u8; 32]> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let mut out = [0; 32];
    if text.len() != 64 {
        return None;
    }
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn record_hash_ignores_formatting_but_not_content() {
        let a: Value = serde_json::from_str(r#"{"id":"x","pricing":{"input":0.10,"ratio":1}}"#).unwrap();
        let b: Value = serde_json::from_str("{ \"pricing\": {\"ratio\": 1, \"input\": 0.10}, \"id\": \"x\" }").unwrap();
        let c: Value = serde_json::from_str(r#"{"id":"x","pricing":{"input":0.1,"ratio":1}}"#).unwrap();
        assert_eq!(record_hash(&a), record_hash(&b));
        // Numbers are kept as written: a changed spelling is a changed record.
        assert_ne!(record_hash(&a), record_hash(&c));
    }

    proptest::proptest! {
        /// Any value's text, compact or pretty, reads as serde_json reads it, with no key given twice.
        #[test]
        fn any_text_reads_as_serde_json_reads_it(value in any_value()) {
            for text in [serde_json::to_string(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap()] {
                let (read, repeated) = read_record(&text).unwrap();
                proptest::prop_assert_eq!(&read, &serde_json::from_str::<Value>(&text).unwrap());
                proptest::prop_assert!(repeated.is_empty());
            }
        }


        /// The hash is that of serde_json's own compact text of the value
        /// (its maps keep their keys sorted), whatever the strings hold.
        #[test]
        fn record_hash_is_the_hash_of_serde_jsons_compact_text(value in any_value()) {
            let text = serde_json::to_string(&value).unwrap();
            proptest::prop_assert_eq!(record_hash(&value), <[u8; 32]>::from(Sha256::digest(text.as_bytes())));
        }
    }

    /// Any JSON value, a few levels deep: escapes and control characters in
    /// keys and strings, numbers as written.
    fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let text = prop_oneof![any::<String>(), "[a-z\"\\\\\u{0}-\u{1f}\u{7f}é]{0,6}"];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            "-?[0-9]{1,20}(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?"
                .prop_map(|t| serde_json::from_str::<Value>(&t).unwrap_or(Value::Null)),
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(text.clone(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// The keys given twice in `text` (which must read).
    fn repeated(text: &str) -> Vec<String> {
        read_record(text).unwrap().1
    }

    #[test]
    fn keys_given_twice_are_found_wherever_they_are() {
        assert_eq!(repeated(r#"{"id": "a", "id": "b"}"#), ["id"]);
        assert_eq!(
            repeated(r#"{"id": "a", "pricing": {"input": 1, "input": 2.5}, "list": [{"k": 1, "k": 2}]}"#),
            ["pricing.input", "list[].k"]
        );
        assert!(repeated(r#"{"id": "a", "n": 1e-7, "o": {"id": "b"}}"#).is_empty());
        // Keys are compared as read: an escape spells the same key.
        assert_eq!(
            repeated(r#"{"id": "a", "\u0069d": "b", "x": [[{"k": 1, "k": 2, "k": 3}]]}"#),
            ["id", "x[][].k", "x[][].k"]
        );
        // In the order the repeats come, whatever the depth: an outer key
        // given twice before the inner ones its second value holds.
        assert_eq!(
            repeated(r#"{"a": {"b": 1, "b": 2}, "a": {"c": [1, {"d": 1, "d": 2}], "c": 0}, "e": 1, "e": 2}"#),
            ["a.b", "a", "a.c[].d", "a.c", "e"]
        );
        assert_eq!(repeated(r#"[{"k": 1, "k": 2}]"#), ["[].k"]);
        let many: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}, \"k0\": 0, \"k99\": 0, \"k40\": 1}}", many.join(", "));
        assert_eq!(repeated(&text), ["k0", "k99", "k40"]);
    }

    #[test]
    fn a_record_reads_as_serde_json_reads_it_the_last_of_a_key_given_twice_kept() {
        for text in [
            r#"{"id": "a", "id": "b", "p": {"x": 1.50, "x": -2e-7, "y": [true, null, "\u00e9\n"]}}"#,
            r#"{"$serde_json::private::Number": "12.5"}"#,
            r#"{"$serde_json::private::RawValue": "[1, {\"a\": 2}]"}"#,
            "[1, 2.0, 3e400, -0, 18446744073709551616]",
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(read_record(text).unwrap().0, value, "{text}");
            assert_eq!(serde_json::to_string(&read_record(text).unwrap().0).unwrap(), value.to_string());
        }
        // The same errors, word for word.
        for text in [
            r#"{"a": 1, "a"#,
            r#"{"a": "\ud800"}"#,
            r#"{"$serde_json::private::Number": "x"}"#,
            r#"{"$serde_json::private::Number": 5}"#,
            r#"{"$serde_json::private::Number": "1", "b": 2}"#,
            r#"{"$serde_json::private::RawValue": 5}"#,
            r#"{"$serde_json::private::RawValue": "[1,"}"#,
            r#"{"a": 1} x"#,
            "",
        ] {
            let expected = serde_json::from_str::<Value>(text).unwrap_err().to_string();
            assert_eq!(read_record(text).unwrap_err().to_string(), expected, "{text}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let expected = serde_json::from_str::<Value>(&deep).unwrap_err().to_string();
        assert_eq!(read_record(&deep).unwrap_err().to_string(), expected);
    }

    #[test]
    fn hex_is_lowercase_and_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        let hash: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(unhex(hex(&hash).as_bytes()), Some(hash));
        assert_eq!(unhex(hex(&hash).to_uppercase().as_bytes()), None, "stored hashes are lowercase");
        assert_eq!(unhex(b"00"), None);
    }
}
