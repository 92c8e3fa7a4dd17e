//! JSON as every command writes it: one pretty document, or an array
//! streamed an element at a time with the very same layout.

use std::io::{self, Write};

use serde::Serialize;

/// Pretty JSON, one document, ending with a newline.
pub fn json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// A JSON array written an element at a time, laid out byte for byte as
/// [`json`] lays out a whole array, so a listing of any length streams.
pub struct JsonArray<'w> {
    out: &'w mut dyn Write,
    element: Vec<u8>,
    empty: bool,
}

impl<'w> JsonArray<'w> {
    pub fn new(out: &'w mut dyn Write) -> io::Result<JsonArray<'w>> {
        out.write_all(b"[")?;
        Ok(JsonArray { out, element: Vec::new(), empty: true })
    }

    pub fn push(&mut self, value: &impl Serialize) -> io::Result<()> {
        use serde_json::ser::{Formatter, PrettyFormatter};
        self.element.clear();
        self.element.extend_from_slice(if self.empty { b"\n  " } else { b",\n  " });
        // One level deeper than a document of its own: the formatter is
        // inside an array already, as it would be in the whole one.
        let mut nested = PrettyFormatter::new();
        nested.begin_array(&mut io::sink())?;
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut self.element, nested))?;
        self.empty = false;
        // One write per element.
        self.out.write_all(&self.element)
    }

    pub fn finish(self) -> io::Result<()> {
        self.out.write_all(if self.empty { b"]\n" } else { b"\n]\n" })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_streamed_array_is_laid_out_as_a_whole_one() {
        let elements = [
            json!({"id": "a", "features": ["x", "y"], "endpoints": [{"key": "k", "path": "/v1"}], "empty": []}),
            json!("a string with a \n newline"),
            json!({"nested": {"deeper": [1, {"deepest": null}]}}),
        ];
        for n in 0..=elements.len() {
            let mut whole = Vec::new();
            json(&mut whole, &elements[..n].to_vec()).unwrap();
            let mut streamed = Vec::new();
            let mut array = JsonArray::new(&mut streamed).unwrap();
            for element in &elements[..n] {
                array.push(element).unwrap();
            }
            array.finish().unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole).unwrap(), "{n} elements");
        }
    }
}
