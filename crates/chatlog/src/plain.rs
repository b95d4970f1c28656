//! The plain inputs: JSONL (one object per line), CSV with a header row, and text with one
//! message per line.

use std::io::BufRead;

use cadence_taxonomy::Message;
use serde_json::{Map, Value};

use crate::json::json_kind;
use crate::{Error, ReadOptions, Result};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Lines of a reader as bytes, numbered from 1, without line ends or a leading BOM.
pub(crate) fn numbered_lines(
    mut reader: impl BufRead,
    location: String,
) -> impl Iterator<Item = Result<(usize, Vec<u8>)>> {
    let mut number = 0;
    std::iter::from_fn(move || {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => {
                number += 1;
                while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    line.pop();
                }
                if number == 1 && line.starts_with(BOM) {
                    line.drain(..BOM.len());
                }
                Some(Ok((number, line)))
            }
            Err(e) => Some(Err(Error::record(
                format!("{location}:{}", number + 1),
                format!("read failed: {e}"),
            ))),
        }
    })
}

pub(crate) fn utf8_line(location: &str, number: usize, line: Vec<u8>) -> Result<String> {
    String::from_utf8(line).map_err(|e| {
        Error::record(
            format!("{location}:{number}"),
            format!(
                "invalid UTF-8 at byte {} of the line",
                e.utf8_error().valid_up_to() + 1
            ),
        )
    })
}

/// The non-blank lines of a reader as text, numbered from 1; a line that is not UTF-8 is a
/// record error naming it.
pub(crate) fn text_lines(
    reader: impl BufRead,
    location: String,
) -> impl Iterator<Item = Result<(usize, String)>> {
    numbered_lines(reader, location.clone()).filter_map(move |line| {
        let (number, bytes) = match line {
            Ok(line) => line,
            Err(e) => return Some(Err(e)),
        };
        match utf8_line(&location, number, bytes) {
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some(Ok((number, text))),
            Err(e) => Some(Err(e)),
        }
    })
}

pub(crate) fn jsonl(
    reader: impl BufRead + 'static,
    location: String,
) -> impl Iterator<Item = Result<(usize, Message)>> {
    text_lines(reader, location.clone()).map(move |line| {
        let (number, line) = line?;
        let here = format!("{location}:{number}");
        match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(fields)) => message_from_fields(fields)
                .map(|m| (number, m))
                .map_err(|m| Error::record(&here, m)),
            Ok(other) => Err(Error::record(
                &here,
                format!("expected a JSON object, found {}", json_kind(&other)),
            )),
            Err(e) => Err(Error::record(&here, format!("invalid JSON: {e}"))),
        }
    })
}

/// Builds a message from a JSON object: `text` is required, `context` and `id` are read, and
/// the other fields cadence writes itself (`author`, `timestamp`, ...) are taken when they have
/// the type cadence writes. Every other field stays in `extra`, in input order.
fn message_from_fields(mut fields: Map<String, Value>) -> Result<Message, String> {
    let text = match fields.shift_remove("text") {
        Some(Value::String(text)) => text,
        Some(other) => {
            return Err(format!(
                "\"text\" is {}, expected a string",
                json_kind(&other)
            ));
        }
        None => return Err("record has no \"text\" field".to_owned()),
    };
    let context = match fields.shift_remove("context") {
        Some(Value::String(context)) => Some(context),
        None | Some(Value::Null) => None,
        Some(other) => {
            return Err(format!(
                "\"context\" is {}, expected a string",
                json_kind(&other)
            ));
        }
    };
    let mut message = Message {
        text,
        context,
        ..Message::default()
    };
    let mut take_string = |key: &str| match fields.get(key) {
        Some(Value::String(_)) => fields
            .shift_remove(key)
            .and_then(|v| v.as_str().map(str::to_owned)),
        Some(Value::Number(n)) if key == "id" => {
            let id = n.to_string();
            fields.shift_remove(key);
            Some(id)
        }
        _ => None,
    };
    message.id = take_string("id");
    message.source = take_string("source");
    message.conversation = take_string("conversation");
    message.author = take_string("author");
    message.thread = take_string("thread");
    message.reply_to = take_string("reply_to");
    if let Some(Value::String(stamp)) = fields.get("timestamp")
        && let Ok(time) = chrono::DateTime::parse_from_rfc3339(stamp)
    {
        message.timestamp = Some(time.to_utc());
        fields.shift_remove("timestamp");
    }
    if let Some(Value::Array(names)) = fields.get("mentions")
        && names.iter().all(Value::is_string)
    {
        message.mentions = names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect();
        fields.shift_remove("mentions");
    }
    if let Some(Value::Bool(is_bot)) = fields.get("is_bot") {
        message.is_bot = *is_bot;
        fields.shift_remove("is_bot");
    }
    message.extra = fields;
    Ok(message)
}

pub(crate) fn text(
    reader: impl BufRead + 'static,
    location: String,
) -> impl Iterator<Item = Result<(usize, Message)>> {
    text_lines(reader, location).map(|line| {
        let (number, line) = line?;
        Ok((
            number,
            Message {
                id: Some(number.to_string()),
                ..Message::new(line.trim())
            },
        ))
    })
}

pub(crate) fn csv<R: BufRead + 'static>(
    reader: R,
    location: String,
    options: &ReadOptions,
) -> Result<impl Iterator<Item = Result<(usize, Message)>> + use<R>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(BomStripped::new(reader));
    let headers = reader
        .headers()
        .map_err(|e| Error::input(&location, format!("cannot read the CSV header: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let text_column = column(&options.text_column).ok_or_else(|| {
        Error::input(
            &location,
            format!(
                "no column named {:?} (--text-column); the columns are: {}",
                options.text_column,
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let context_column = match &options.context_column {
        Some(name) => Some(column(name).ok_or_else(|| {
            Error::input(
                &location,
                format!("no column named {name:?} (--context-column)"),
            )
        })?),
        None => column("context"),
    };
    let id_column = column("id");
    Ok(reader.into_records().map(move |record| {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::record(format!("{location}:{line}"), csv_error_message(&e))
        })?;
        let line = record.position().map_or(0, |p| p.line()) as usize;
        let mut message = Message::new(&record[text_column]);
        message.context = context_column
            .map(|c| record[c].to_owned())
            .filter(|c| !c.is_empty());
        message.id = id_column.map(|c| record[c].to_owned());
        for (i, (header, value)) in headers.iter().zip(record.iter()).enumerate() {
            if Some(i) != context_column && i != text_column && Some(i) != id_column {
                message
                    .extra
                    .insert(header.to_owned(), Value::String(value.to_owned()));
            }
        }
        Ok((line, message))
    }))
}

fn csv_error_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("invalid UTF-8 in field {}", err.field() + 1)
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields, the header has {expected_len}"),
        _ => error.to_string(),
    }
}

/// A reader that drops a UTF-8 byte order mark at its start, which the csv crate would
/// otherwise make part of the first column's name.
struct BomStripped<R> {
    inner: R,
    checked: bool,
}

impl<R: BufRead> BomStripped<R> {
    fn new(inner: R) -> Self {
        BomStripped {
            inner,
            checked: false,
        }
    }
}

impl<R: BufRead> std::io::Read for BomStripped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.checked {
            self.checked = true;
            if self.inner.fill_buf()?.starts_with(BOM) {
                self.inner.consume(BOM.len());
            }
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn read_jsonl(input: &'static [u8]) -> Vec<Result<Message>> {
        jsonl(Cursor::new(input), "in.jsonl".into())
            .map(|r| r.map(|(_, m)| m))
            .collect()
    }

    #[test]
    fn jsonl_reads_text_context_id_and_keeps_other_fields() {
        let out = read_jsonl(
            b"\xEF\xBB\xBF{\"id\": 4, \"text\": \"merged\", \"context\": \"status?\", \"team\": \"web\"}\r\n\n{\"text\": \"ok\", \"context\": null}\n",
        );
        let first = out[0].as_ref().unwrap();
        assert_eq!(first.id.as_deref(), Some("4"));
        assert_eq!(first.text, "merged");
        assert_eq!(first.context.as_deref(), Some("status?"));
        assert_eq!(first.extra["team"], "web");
        let second = out[1].as_ref().unwrap();
        assert_eq!(
            (second.text.as_str(), second.context.as_ref()),
            ("ok", None)
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn jsonl_round_trips_what_cadence_writes() {
        let line = r#"{"source":"slack","conversation":"general","author":"Ana","timestamp":"2024-03-01T09:30:00Z","id":"1.2","thread":"1.0","reply_to":"1.0","text":"done","context":"eta?","mentions":["Bo"],"is_bot":false,"label":"proactive"}"#;
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        let (line, message) = jsonl(Cursor::new(bytes), "x".into())
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(line, 1);
        assert_eq!(message.author.as_deref(), Some("Ana"));
        assert_eq!(
            message.timestamp.unwrap().to_rfc3339(),
            "2024-03-01T09:30:00+00:00"
        );
        assert_eq!(message.mentions, ["Bo"]);
        assert_eq!(message.extra.len(), 1);
        assert_eq!(message.extra["label"], "proactive");
    }

    #[test]
    fn jsonl_errors_name_the_line_and_the_problem_and_reading_goes_on() {
        let out = read_jsonl(
            b"{\"text\": \"a\"}\n{\"text\": \nnot json\n[1]\n{\"txt\": \"b\"}\n{\"text\": 5}\n{\"text\": \"\xff\"}\n{\"text\": \"last\"}\n",
        );
        let errors: Vec<String> = out
            .iter()
            .filter_map(|r| r.as_ref().err().map(ToString::to_string))
            .collect();
        assert_eq!(errors.len(), 6, "{errors:?}");
        assert!(
            errors[0].starts_with("in.jsonl:2: invalid JSON"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("in.jsonl:3: invalid JSON"),
            "{}",
            errors[1]
        );
        assert_eq!(
            errors[2],
            "in.jsonl:4: expected a JSON object, found an array"
        );
        assert_eq!(errors[3], "in.jsonl:5: record has no \"text\" field");
        assert_eq!(
            errors[4],
            "in.jsonl:6: \"text\" is a number, expected a string"
        );
        assert_eq!(
            errors[5],
            "in.jsonl:7: invalid UTF-8 at byte 11 of the line"
        );
        assert_eq!(out.last().unwrap().as_ref().unwrap().text, "last");
        assert!(
            out.iter()
                .filter_map(|r| r.as_ref().err())
                .all(Error::is_record_error)
        );
    }

    #[test]
    fn text_reads_one_message_per_nonblank_line() {
        let out: Vec<_> = text(
            Cursor::new(&b"on it\r\n\n  eta friday  \n\xfe\n"[..]),
            "t.txt".into(),
        )
        .collect();
        assert_eq!(out[0].as_ref().unwrap().1.text, "on it");
        let (line, message) = out[1].as_ref().unwrap();
        assert_eq!((*line, message.text.as_str()), (3, "eta friday"));
        assert_eq!(message.id.as_deref(), Some("3"));
        assert_eq!(
            out[2].as_ref().unwrap_err().to_string(),
            "t.txt:4: invalid UTF-8 at byte 1 of the line"
        );
    }

    #[test]
    fn csv_reads_named_columns_and_keeps_the_rest() {
        let input =
            "\u{feff}id,who,message,question\n1,Ana,\"shipped, see PR\",status?\n2,Bo,ok,\n";
        let options = ReadOptions {
            text_column: "message".into(),
            context_column: Some("question".into()),
            ..ReadOptions::default()
        };
        let (lines, out): (Vec<_>, Vec<_>) = csv(Cursor::new(input), "m.csv".into(), &options)
            .unwrap()
            .map(Result::unwrap)
            .unzip();
        assert_eq!(lines, [2, 3]);
        assert_eq!(out[0].text, "shipped, see PR");
        assert_eq!(out[0].context.as_deref(), Some("status?"));
        assert_eq!(out[0].id.as_deref(), Some("1"));
        assert_eq!(out[0].extra["who"], "Ana");
        assert_eq!(out[1].context, None);
    }

    #[test]
    fn csv_without_the_text_column_names_the_columns() {
        let err = csv(
            Cursor::new("id,body\n1,x\n"),
            "m.csv".into(),
            &ReadOptions::default(),
        )
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "m.csv: no column named \"text\" (--text-column); the columns are: id, body"
        );
    }

    #[test]
    fn csv_bad_rows_are_record_errors_with_line_numbers() {
        let out: Vec<_> = csv(
            Cursor::new(&b"text,context\na,b\nonly,two,three\n\xff,x\nfine,\n"[..]),
            "m.csv".into(),
            &ReadOptions::default(),
        )
        .unwrap()
        .collect();
        assert_eq!(
            out[1].as_ref().unwrap_err().to_string(),
            "m.csv:3: the row has 3 fields, the header has 2"
        );
        assert_eq!(
            out[2].as_ref().unwrap_err().to_string(),
            "m.csv:4: invalid UTF-8 in field 1"
        );
        assert_eq!(out[3].as_ref().unwrap().1.text, "fine");
    }
}
