//! JSON documents read one record at a time: an export's array of messages is split into
//! the byte ranges of its elements first, then each element is parsed on its own, so that a
//! bad record is reported by its number and the records around it are still read.

use std::fmt;
use std::ops::Range;
use std::rc::Rc;

use cadence_taxonomy::Message;
use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::{Error, Result};

/// The elements of one JSON array inside a document, as byte ranges of the document.
#[derive(Debug, Default)]
pub(crate) struct Elements {
    spans: Vec<Range<usize>>,
    /// Why the array ends before its closing bracket (a truncated file, say), if it does.
    broken: Option<String>,
}

impl Elements {
    /// Splits the array that is the whole of `bytes`. A document cut short keeps the elements
    /// that were complete.
    pub fn of_document(bytes: &[u8]) -> Self {
        let mut elements = Elements::default();
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let seed = SpanSeed {
            base: bytes.as_ptr() as usize,
            spans: &mut elements.spans,
        };
        if let Err(e) = seed.deserialize(&mut de).and_then(|()| de.end()) {
            elements.broken = Some(e.to_string());
        }
        elements
    }

    /// Splits an array found inside `document`, given as the raw value a parse borrowed from it.
    pub fn of_nested(document: &[u8], array: &RawValue) -> Self {
        let start = array.get().as_ptr() as usize - document.as_ptr() as usize;
        let mut elements = Elements::of_document(array.get().as_bytes());
        for span in &mut elements.spans {
            *span = span.start + start..span.end + start;
        }
        elements
    }

    /// An input that has no records, only the reason why.
    pub fn broken(reason: impl Into<String>) -> Self {
        Elements {
            spans: Vec::new(),
            broken: Some(reason.into()),
        }
    }
}

/// Parses each element with `parse` and yields its message, if it has one. Failures become
/// record errors located as `file record N` (N counted from 1 over the file's records).
pub(crate) fn records<F>(
    document: Rc<[u8]>,
    elements: Elements,
    location: String,
    mut parse: F,
) -> impl Iterator<Item = Result<Message>>
where
    F: FnMut(&[u8]) -> Result<Option<Message>, String> + 'static,
{
    let count = elements.spans.len();
    let tail_location = format!("{location} record {}", count + 1);
    let broken = elements.broken.map(move |reason| {
        Err(Error::record(
            tail_location,
            format!("invalid JSON, the rest of the file is not read: {reason}"),
        ))
    });
    elements
        .spans
        .into_iter()
        .enumerate()
        .filter_map(move |(index, span)| match parse(&document[span]) {
            Ok(message) => message.map(Ok),
            Err(problem) => Some(Err(Error::record(
                format!("{location} record {}", index + 1),
                problem,
            ))),
        })
        .chain(broken)
}

/// A serde error about one record, without serde's position: the record number says where.
pub(crate) fn record_problem(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

/// Parses one record of type `T`, reporting failures as [`record_problem`]s.
pub(crate) fn parse_record<'a, T: serde::Deserialize<'a>>(raw: &'a [u8]) -> Result<T, String> {
    serde_json::from_slice(raw).map_err(|e| record_problem(&e))
}

pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The same value with every object key in lower case, for exports that spell the same
/// fields in camelCase or PascalCase.
pub(crate) fn lowercase_keys(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (key.to_lowercase(), lowercase_keys(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

/// Records the span of each element of a sequence as the parser passes it.
struct SpanSeed<'s> {
    base: usize,
    spans: &'s mut Vec<Range<usize>>,
}

impl<'de> DeserializeSeed<'de> for SpanSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SpanSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let start = raw.get().as_ptr() as usize - self.base;
            self.spans.push(start..start + raw.get().len());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(bytes: &'static [u8]) -> Vec<String> {
        let document: Rc<[u8]> = bytes.into();
        let elements = Elements::of_document(&document);
        records(document, elements, "f.json".into(), |raw| {
            let text: String = parse_record(raw)?;
            Ok(Some(Message::new(text)))
        })
        .map(|r| match r {
            Ok(m) => m.text,
            Err(e) => e.to_string(),
        })
        .collect()
    }

    #[test]
    fn bad_elements_are_numbered_and_the_rest_is_read() {
        assert_eq!(
            texts(br#"["a", 5, "c"]"#),
            [
                "a",
                "f.json record 2: invalid type: integer `5`, expected a string",
                "c"
            ]
        );
    }

    #[test]
    fn a_truncated_array_keeps_its_complete_elements() {
        let out = texts(br#"["a", "b", {"x": "#);
        assert_eq!(out[..2], ["a", "b"]);
        assert!(
            out[2].starts_with("f.json record 3: invalid JSON, the rest of the file is not read"),
            "{}",
            out[2]
        );
    }

    #[test]
    fn an_object_where_an_array_belongs_is_one_error() {
        let out = texts(br#"{"a": 1}"#);
        assert_eq!(out.len(), 1);
        assert!(
            out[0].contains("expected a JSON array of messages"),
            "{}",
            out[0]
        );
    }

    #[test]
    fn keys_are_lowercased_at_every_depth() {
        let value = serde_json::json!({"Body": {"ContentType": "html"}, "List": [{"Id": 1}]});
        assert_eq!(
            lowercase_keys(value),
            serde_json::json!({"body": {"contenttype": "html"}, "list": [{"id": 1}]})
        );
    }
}
