//! A record's identity: the sha256 of its canonical JSON ([`record_hash`]),
//! and the keys an object holds twice ([`duplicate_keys`]), which serde_json
//! would otherwise keep the last of silently. Pure.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The keys that an object in the JSON `text` holds more than once, as paths
/// (`id`, `pricing.input`, `list[].k`), in the order the repeats come. serde_json
/// keeps the last of them silently; the sync says so.
///
/// `text` has been read as JSON already (this runs only on records that
/// parsed), so one pass over its bytes finds the keys: a string that follows
/// `{` or a `,` inside an object is a key. Keys are borrowed, and a path is
/// written only for a repeat.
pub fn duplicate_keys(text: &str) -> Vec<String> {
    use std::borrow::Cow;
    use std::collections::HashSet;

    /// An object or an array being read, and where it sits in its parent.
    struct Level<'t> {
        /// `None` for an array.
        object: Option<Keys<'t>>,
        /// The key it is the value of (`None`: an array's item, or the top).
        key: Option<Cow<'t, str>>,
        /// The next string is a key.
        expect_key: bool,
    }

    /// The keys seen in one object: a list until it is long, then a set.
    #[derive(Default)]
    struct Keys<'t> {
        few: Vec<Cow<'t, str>>,
        many: Option<HashSet<Cow<'t, str>>>,
    }

    impl<'t> Keys<'t> {
        /// Adds `key`; false when the object held it already.
        fn insert(&mut self, key: Cow<'t, str>) -> bool {
            if let Some(set) = &mut self.many {
                return set.insert(key);
            }
            if self.few.contains(&key) {
                return false;
            }
            self.few.push(key);
            if self.few.len() == 32 {
                self.many = Some(self.few.drain(..).collect());
            }
            true
        }
    }

    fn path(levels: &[Level<'_>], key: &str) -> String {
        let mut out = String::new();
        // The top level sits in nothing; every other one in a key or an array.
        for level in levels.iter().skip(1) {
            match &level.key {
                Some(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                None => out.push_str("[]"),
            }
        }
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
        out
    }

    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut levels: Vec<Level<'_>> = Vec::new();
    // The last key read, which the value after it (an object or an array) sits in.
    let mut last_key: Option<Cow<'_, str>> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                let mut escaped = false;
                i = start;
                // Strings are most of a record: jump from quote or backslash to the next.
                loop {
                    match memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or_default()) {
                        Some(at) if bytes[i + at] == b'\\' => {
                            escaped = true;
                            i += at + 2;
                        }
                        Some(at) => {
                            i += at;
                            break;
                        }
                        None => return found, // not JSON after all: nothing more to find
                    }
                }
                if let Some(level) = levels.last_mut().filter(|l| l.expect_key) {
                    level.expect_key = false;
                    let raw = &text[start..i];
                    let key = match escaped {
                        // Compared as read: `"\u0069d"` is the key `id`.
                        true => {
                            Cow::Owned(serde_json::from_str(&text[start - 1..=i]).unwrap_or_else(|_| raw.to_owned()))
                        }
                        false => Cow::Borrowed(raw),
                    };
                    let keys = level.object.as_mut().expect("only an object expects a key");
                    if !keys.insert(key.clone()) {
                        found.push(path(&levels, &key));
                    }
                    last_key = Some(key);
                }
            }
            open @ (b'{' | b'[') => {
                let in_object = levels.last().is_some_and(|l| l.object.is_some());
                let key = if in_object { last_key.take() } else { None };
                let object = (open == b'{').then(Keys::default);
                levels.push(Level { expect_key: object.is_some(), object, key });
            }
            b'}' | b']' => {
                levels.pop();
            }
            b',' => {
                if let Some(level) = levels.last_mut().filter(|l| l.object.is_some()) {
                    level.expect_key = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
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

    #[test]
    fn keys_given_twice_are_found_wherever_they_are() {
        assert_eq!(duplicate_keys(r#"{"id": "a", "id": "b"}"#), ["id"]);
        assert_eq!(
            duplicate_keys(r#"{"id": "a", "pricing": {"input": 1, "input": 2.5}, "list": [{"k": 1, "k": 2}]}"#),
            ["pricing.input", "list[].k"]
        );
        assert!(duplicate_keys(r#"{"id": "a", "n": 1e-7, "o": {"id": "b"}}"#).is_empty());
        // Keys are compared as read: an escape spells the same key.
        assert_eq!(
            duplicate_keys(r#"{"id": "a", "\u0069d": "b", "x": [[{"k": 1, "k": 2, "k": 3}]]}"#),
            ["id", "x[][].k", "x[][].k"]
        );
        // An object with many keys is checked with a set, from the first key on.
        let many: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}, \"k0\": 0, \"k99\": 0, \"k40\": 1}}", many.join(", "));
        assert_eq!(duplicate_keys(&text), ["k0", "k99", "k40"]);
        // Text that is not JSON after all ends the search; it never panics.
        for cut in [r#"{"a": 1, "a"#, r#"{"a": "\"#, r#"{"a": 1, "a": 2, "b": "x"#, "}}]]", ""] {
            assert!(duplicate_keys(cut).len() <= 1, "{cut}");
        }
        assert_eq!(duplicate_keys(r#"{"a": 1, "a": 2, "b": "x"#), ["a"]);
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
