//! A record's identity: the sha256 of its canonical JSON ([`record_hash`]).
//! Pure.

use serde_json::Value;
use sha2::{Digest, Sha256};

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
    use crate::json::tests::any_value;

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

    #[test]
    fn hex_is_lowercase_and_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        let hash: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(unhex(hex(&hash).as_bytes()), Some(hash));
        assert_eq!(unhex(hex(&hash).to_uppercase().as_bytes()), None, "stored hashes are lowercase");
        assert_eq!(unhex(b"00"), None);
    }
}
