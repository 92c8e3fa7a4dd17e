//! A record's identity: the sha256 of its canonical JSON ([`record_hash`]),
//! and the keys an object holds twice ([`duplicate_keys`]), which serde_json
//! would otherwise keep the last of silently. Pure.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The keys that an object in the JSON `text` holds more than once, as paths
/// (`id`, `pricing.input`). serde_json keeps the last of them silently; the
/// sync says so.
pub fn duplicate_keys(text: &str) -> Vec<String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    struct Keys<'a> {
        path: String,
        found: &'a std::cell::RefCell<Vec<String>>,
    }

    impl<'de> DeserializeSeed<'de> for Keys<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Keys<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                let path = if self.path.is_empty() { key.clone() } else { format!("{}.{key}", self.path) };
                if !seen.insert(key) {
                    self.found.borrow_mut().push(path.clone());
                }
                map.next_value_seed(Keys { path, found: self.found })?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Keys { path: format!("{}[]", self.path), found: self.found })?.is_some() {}
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }

    let found = std::cell::RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(text);
    // A text that cannot be read has no keys to speak of: that is reported elsewhere.
    let _ = Keys { path: String::new(), found: &found }.deserialize(&mut de);
    found.into_inner()
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
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by_key(|(k, _)| *k);
            h.update(b"{");
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    h.update(b",");
                }
                write_json(h, key);
                h.update(b":");
                canonical(value, h);
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
        scalar => write_json(h, scalar),
    }
}

/// A key or a scalar serialized straight into the hasher, without a String between.
fn write_json(h: &mut Sha256, value: &impl serde::Serialize) {
    serde_json::to_writer(h, value).expect("writing into a hasher cannot fail");
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

    #[test]
    fn keys_given_twice_are_found_wherever_they_are() {
        assert_eq!(duplicate_keys(r#"{"id": "a", "id": "b"}"#), ["id"]);
        assert_eq!(
            duplicate_keys(r#"{"id": "a", "pricing": {"input": 1, "input": 2.5}, "list": [{"k": 1, "k": 2}]}"#),
            ["pricing.input", "list[].k"]
        );
        assert!(duplicate_keys(r#"{"id": "a", "n": 1e-7, "o": {"id": "b"}}"#).is_empty());
    }

    #[test]
    fn hex_is_lowercase_and_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
