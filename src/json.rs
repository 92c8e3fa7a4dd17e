//! JSON from outside, read into serde_json's [`Value`] as serde_json reads
//! it (the same values, the same errors, word for word), with one exception:
//! an object whose first key is serde_json's private `RawValue` key
//! (`"$serde_json::private::RawValue"`) is an object like any other.
//! serde_json would read that key's string as JSON text of its own, with a
//! depth limit of its own, so a record could nest its strings until the
//! stack overflows (the process aborts). Here the depth limit (128) holds for
//! the whole text. Every `Value` cometcat reads from a file, a server, a
//! client or the catalog is read here ([`value`], [`optional`], [`any`]); a
//! record, with the keys it gives twice ([`read_record`]); and a line for a
//! reader that keeps serde_json's way is checked ([`holds_raw_value_key`]). Pure.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// The JSON `text` as a [`Value`] (see the module).
pub fn value(text: &str) -> serde_json::Result<Value> {
    read_whole(text, &mut Repeats::default())
}

/// `text` read whole (nothing but whitespace after the value), its keys noted in `repeats`.
fn read_whole(text: &str, repeats: &mut Repeats) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = ValueSeed(repeats).deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// For `#[serde(default, deserialize_with = "crate::json::optional")]` on an
/// `Option<Value>` field: the field's value read as [`value`] reads one
/// (`null` is `None`, as serde_json has it).
pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Option::<Read>::deserialize(deserializer).map(|read| read.map(|Read(v)| v))
}

/// For `#[serde(default, deserialize_with = "crate::json::any")]` on a
/// `Value` field: the field's value read as [`value`] reads one.
pub fn any<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    Read::deserialize(deserializer).map(|Read(v)| v)
}

/// Whether an object in the JSON `text` has serde_json's private `RawValue`
/// key, given once or more (a reader that keeps the first of a repeated key
/// sees it too): text that serde_json, reading it as a `Value`, would read as
/// JSON a second time. Text that is not JSON is an error.
pub fn holds_raw_value_key(text: &str) -> serde_json::Result<bool> {
    let mut repeats = Repeats::default();
    read_whole(text, &mut repeats)?;
    Ok(repeats.raw_value_key)
}

/// A value read by [`ValueSeed`], for serde's derived code.
struct Read(Value);

impl<'de> Deserialize<'de> for Read {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Read, D::Error> {
        ValueSeed(&mut Repeats::default()).deserialize(deserializer).map(Read)
    }
}

/// The JSON `text` as a [`Value`] (see the module), and the keys that an
/// object in it holds more than once, as paths (`id`, `pricing.input`,
/// `list[].k`), in the order the repeats come. serde_json keeps the last of
/// them silently; the sync says so.
pub fn read_record(text: &str) -> serde_json::Result<(Value, Vec<String>)> {
    let mut repeats = Repeats::default();
    let value = read_whole(text, &mut repeats)?;
    repeats.found.sort_by_key(|(key, _)| *key);
    Ok((value, repeats.found.into_iter().map(|(_, path)| path.render()).collect()))
}

/// The keys given twice so far, each with its place among all the keys read.
#[derive(Default)]
struct Repeats {
    keys: u64,
    found: Vec<(u64, Path)>,
    /// A key was serde_json's private `RawValue` key.
    raw_value_key: bool,
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

/// serde_json's own `Value` visitor, which also notes the keys given twice,
/// and reads serde_json's private `RawValue` key as any other key. (With
/// `arbitrary_precision`, serde_json hands a number over as a map of one entry
/// under its private number key: that is read as serde_json reads it.)
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
            if std::mem::take(&mut first) && key == NUMBER_TOKEN {
                return map.next_value_seed(NumberText);
            }
            self.0.keys += 1;
            self.0.raw_value_key |= key == RAW_TOKEN;
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

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::Value;

    use super::*;

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
    fn serde_jsons_private_raw_value_key_is_a_key_like_any_other() {
        let text = r#"{"$serde_json::private::RawValue": "[1, {\"a\": 2}]", "id": "x"}"#;
        let expected = serde_json::json!({"$serde_json::private::RawValue": "[1, {\"a\": 2}]", "id": "x"});
        assert_eq!(value(text).unwrap(), expected);
        assert_eq!(read_record(text).unwrap().0, expected);
        // serde_json reads the string as JSON (with a depth limit of its own):
        // a record could nest through such strings past any limit.
        let lone = r#"{"$serde_json::private::RawValue": "[1, {\"a\": 2}]"}"#;
        assert_eq!(serde_json::from_str::<Value>(lone).unwrap(), serde_json::json!([1, {"a": 2}]));
        // A chain of such strings, each nested 100 deep: one string here, whatever its depth.
        let mut chain = "1".to_owned();
        for _ in 0..12 {
            let inner = format!("{}{}{}", "[".repeat(100), chain, "]".repeat(100));
            chain = format!("{{\"$serde_json::private::RawValue\": {}}}", serde_json::to_string(&inner).unwrap());
        }
        let read = value(&chain).unwrap();
        assert!(read.get("$serde_json::private::RawValue").is_some_and(Value::is_string));
        assert!(holds_raw_value_key(&format!(r#"[{{"a": [{chain}]}}]"#)).unwrap());
        assert!(!holds_raw_value_key(r#"[{"a": ["$serde_json::private::RawValue"]}]"#).unwrap());
        // Given twice, the last one a plain value: a reader keeping the first sees it.
        assert!(holds_raw_value_key(r#"{"q": {"$serde_json::private::RawValue": "[1]"}, "q": 1}"#).unwrap());
        assert!(holds_raw_value_key(r#"{"q": {"\u0024serde_json::private::RawValue": "[1]"}}"#).unwrap());
        assert!(holds_raw_value_key(r#"{"q": "\ud800"}"#).is_err());
        #[derive(serde::Deserialize)]
        struct Field {
            #[serde(default, deserialize_with = "optional")]
            error: Option<Value>,
        }
        let field: Field = serde_json::from_str(&format!("{{\"error\": {chain}}}")).unwrap();
        assert_eq!(field.error, Some(read));
        let absent: Field = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.error, None);
        let null: Field = serde_json::from_str(r#"{"error": null}"#).unwrap();
        assert_eq!(null.error, serde_json::from_str::<Option<Value>>("null").unwrap());
    }

    proptest::proptest! {
        /// Any value's text, compact or pretty, reads as serde_json reads it, with no key given twice.
        #[test]
        fn any_text_reads_as_serde_json_reads_it(value in any_value()) {
            for text in [serde_json::to_string(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap()] {
                let (read, repeated) = read_record(&text).unwrap();
                proptest::prop_assert_eq!(&super::value(&text).unwrap(), &read);
                proptest::prop_assert_eq!(&read, &serde_json::from_str::<Value>(&text).unwrap());
                proptest::prop_assert!(repeated.is_empty());
            }
        }


    }

    /// Any JSON value, a few levels deep: escapes and control characters in
    /// keys and strings, numbers as written.
    pub(crate) fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
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
}
