//! Where and how records are written: standard output or a file written atomically, as a
//! table, JSONL, CSV or a JSON array.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use cadence_chatlog::Message;
use cadence_classifier::model_dir::temp_file_beside;
use rayon::prelude::*;
use serde_json::{Map, Value};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::input::Reader;
use crate::progress;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordFormat {
    /// Aligned columns for reading in a terminal.
    Table,
    /// One JSON object per line.
    Jsonl,
    /// A header row, then one row per record.
    Csv,
    /// One JSON array.
    Json,
}

impl RecordFormat {
    /// `--format` if given, else the output file's extension, else a table on a terminal and
    /// JSONL when piped.
    pub fn choose(explicit: Option<RecordFormat>, output: Option<&Path>) -> RecordFormat {
        if let Some(format) = explicit {
            return format;
        }
        let by_extension = output
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .and_then(|e| match e.to_ascii_lowercase().as_str() {
                "csv" => Some(RecordFormat::Csv),
                "json" => Some(RecordFormat::Json),
                "jsonl" | "ndjson" => Some(RecordFormat::Jsonl),
                "txt" => Some(RecordFormat::Table),
                _ => None,
            });
        match (by_extension, output) {
            (Some(format), _) => format,
            (None, None) if std::io::stdout().is_terminal() => RecordFormat::Table,
            _ => RecordFormat::Jsonl,
        }
    }
}

/// Standard output, or a temporary file beside `--output` that is renamed into place once
/// everything is written, so that an interrupted run never leaves a half-written file.
pub struct Destination {
    writer: BufWriter<Box<dyn Write>>,
    file: Option<(tempfile::TempPath, PathBuf)>,
}

impl Destination {
    pub fn open(output: Option<&Path>) -> Result<Self> {
        let Some(path) = output else {
            return Ok(Destination {
                writer: BufWriter::with_capacity(1 << 16, Box::new(std::io::stdout().lock())),
                file: None,
            });
        };
        let temp =
            temp_file_beside(path).with_context(|| format!("cannot write {}", path.display()))?;
        let (file, temp_path) = temp.into_parts();
        Ok(Destination {
            writer: BufWriter::with_capacity(1 << 16, Box::new(file)),
            file: Some((temp_path, path.to_path_buf())),
        })
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.writer
    }

    /// Flushes, and moves a file into place.
    pub fn commit(mut self) -> Result<()> {
        self.writer.flush().context("cannot write the output")?;
        if let Some((temp, path)) = self.file.take() {
            drop(self.writer);
            temp.persist(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}

/// Writes records (JSON objects) in one of the [`RecordFormat`]s.
pub struct RecordWriter {
    format: RecordFormat,
    destination: Destination,
    /// The header, fixed by the first record: later records fill the same columns.
    csv_header: Option<Vec<String>>,
    written: usize,
}

impl RecordWriter {
    pub fn new(format: RecordFormat, destination: Destination) -> Self {
        RecordWriter {
            format,
            destination,
            csv_header: None,
            written: 0,
        }
    }

    /// Writes records in order; JSON is serialised in parallel, since a batch of records
    /// takes longer to write than to classify.
    pub fn write_batch(&mut self, records: &[Map<String, Value>]) -> Result<()> {
        if !matches!(self.format, RecordFormat::Jsonl | RecordFormat::Json) {
            return records.iter().try_for_each(|record| self.write(record));
        }
        let serialised: Vec<Vec<u8>> = records
            .par_iter()
            .map(serde_json::to_vec)
            .collect::<Result<_, _>>()?;
        let out = self.destination.writer();
        for json in serialised {
            if self.format == RecordFormat::Json {
                out.write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
            }
            out.write_all(&json)?;
            if self.format == RecordFormat::Jsonl {
                out.write_all(b"\n")?;
            }
            self.written += 1;
        }
        Ok(())
    }

    fn write(&mut self, record: &Map<String, Value>) -> Result<()> {
        let out = self.destination.writer();
        match self.format {
            RecordFormat::Jsonl => {
                serde_json::to_writer(&mut *out, record)?;
                out.write_all(b"\n")?;
            }
            RecordFormat::Json => {
                out.write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                serde_json::to_writer(&mut *out, record)?;
            }
            RecordFormat::Csv => {
                let flat = flatten(record);
                let mut writer = csv::Writer::from_writer(out);
                let header = self
                    .csv_header
                    .get_or_insert_with(|| flat.iter().map(|(k, _)| k.clone()).collect());
                if self.written == 0 {
                    writer.write_record(header.iter())?;
                }
                let row = header.iter().map(|column| {
                    flat.iter()
                        .find(|(k, _)| k == column)
                        .map_or("", |(_, v)| v.as_str())
                });
                writer.write_record(row)?;
                writer.flush()?;
            }
            RecordFormat::Table => write_table_row(out, record, self.written)?,
        }
        self.written += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        let out = self.destination.writer();
        match self.format {
            RecordFormat::Json if self.written == 0 => out.write_all(b"[]\n")?,
            RecordFormat::Json => out.write_all(b"\n]\n")?,
            _ => {}
        }
        self.destination.commit()
    }
}

/// A record as CSV cells: nested objects become `parent.child` columns, arrays of scalars are
/// joined with `; `, anything else is written as JSON.
fn flatten(record: &Map<String, Value>) -> Vec<(String, String)> {
    let mut cells = Vec::with_capacity(record.len() + 4);
    for (key, value) in record {
        match value {
            Value::Object(inner) => {
                cells.extend(inner.iter().map(|(k, v)| (format!("{key}.{k}"), cell(v))));
            }
            other => cells.push((key.clone(), cell(other))),
        }
    }
    cells
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

const TABLE_WIDTH: usize = 120;

/// The columns a table shows, when the records have them.
const TABLE_COLUMNS: [(&str, usize); 5] = [
    ("label", 12),
    ("confidence", 5),
    ("timestamp", 16),
    ("conversation", 14),
    ("author", 14),
];

fn write_table_row(out: &mut dyn Write, record: &Map<String, Value>, index: usize) -> Result<()> {
    let columns: Vec<(&str, usize)> = TABLE_COLUMNS
        .iter()
        .copied()
        .filter(|(key, _)| record.contains_key(*key))
        .collect();
    if index == 0 {
        let mut header = String::new();
        for (key, width) in &columns {
            let title = if *key == "confidence" { "conf" } else { key };
            header.push_str(&pad(title, *width));
            header.push_str("  ");
        }
        header.push_str("text");
        writeln!(out, "{header}")?;
        writeln!(out, "{}", "─".repeat(TABLE_WIDTH))?;
    }
    let mut line = String::new();
    for (key, width) in &columns {
        let value = match (key, &record[*key]) {
            (&"confidence", Value::Number(n)) => format!("{:.2}", n.as_f64().unwrap_or_default()),
            (&"timestamp", Value::String(s)) => s.replace('T', " ").chars().take(16).collect(),
            (_, value) => cell(value),
        };
        line.push_str(&pad(&value, *width));
        line.push_str("  ");
    }
    let text = record.get("text").map(cell).unwrap_or_default();
    let room = TABLE_WIDTH.saturating_sub(line.width()).max(20);
    line.push_str(&truncate(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        room,
    ));
    writeln!(out, "{}", line.trim_end())?;
    if let Some(Value::Array(features)) = record.get("explanation") {
        let shown: Vec<String> = features
            .iter()
            .filter_map(|f| {
                Some(format!(
                    "{} {:+.2}",
                    f.get("feature")?.as_str()?,
                    f.get("weight")?.as_f64()?
                ))
            })
            .collect();
        writeln!(out, "    because: {}", shown.join(", "))?;
    }
    Ok(())
}

/// Pads or cuts `text` to exactly `width` terminal columns.
pub fn pad(text: &str, width: usize) -> String {
    let cut = truncate(text, width);
    let fill = width.saturating_sub(cut.width());
    format!("{cut}{}", " ".repeat(fill))
}

/// Cuts `text` to at most `width` terminal columns, marking the cut with `…`.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Reads every message in batches, turns each batch into records with `records_of` and
/// writes them. The output is created with the first record, so a run that fails before one
/// leaves no file; a run that fails later keeps what it wrote before the bad record. Returns
/// how many records were written, or the error that stopped reading.
pub fn write_records(
    reader: &mut Reader,
    format: RecordFormat,
    output: Option<&Path>,
    spinner: &str,
    mut records_of: impl FnMut(Vec<Message>) -> Vec<Map<String, Value>>,
) -> Result<u64> {
    /// Messages per batch: enough to keep every core busy, few enough that memory stays
    /// flat however long the input is.
    const BATCH: usize = 8192;
    let mut writer: Option<RecordWriter> = None;
    let mut written = 0u64;
    let bar = progress::spinner(spinner);
    loop {
        let batch = reader.next_batch(BATCH);
        if !batch.messages.is_empty() {
            let count = batch.messages.len() as u64;
            let out = match &mut writer {
                Some(out) => out,
                None => writer.insert(RecordWriter::new(format, Destination::open(output)?)),
            };
            out.write_batch(&records_of(batch.messages))?;
            written += count;
            bar.inc(count);
        } else if batch.error.is_none() {
            break;
        }
        if let Some(error) = batch.error {
            bar.finish_and_clear();
            if let Some(writer) = writer {
                writer.finish()?;
            }
            return Err(error);
        }
    }
    bar.finish_and_clear();
    if let Some(writer) = writer {
        writer.finish()?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_and_pad_respect_terminal_width() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("a longer text", 6), "a lon…");
        assert_eq!(pad("👍", 4), "👍  ");
        assert_eq!(pad("abcdef", 4), "abc…");
    }

    #[test]
    fn flatten_makes_csv_cells() {
        let record: Map<String, Value> = serde_json::from_str(
            r#"{"text":"ok","mentions":["Ana","Bo"],"scores":{"silent":0.5},"context":null}"#,
        )
        .unwrap();
        assert_eq!(
            flatten(&record),
            [
                ("text".into(), "ok".into()),
                ("mentions".into(), "Ana; Bo".into()),
                ("scores.silent".into(), "0.5".into()),
                ("context".into(), String::new()),
            ]
        );
    }
}
