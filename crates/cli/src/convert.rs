//! `cadence convert`: the messages of chat exports as normalised records, unclassified.

use std::path::PathBuf;

use anyhow::{Result, bail};
use serde_json::{Map, Value};

use crate::classify::describe_inputs;
use crate::input::{InputArgs, Reader};
use crate::output::{Destination, RecordFormat, RecordWriter};
use crate::{Outcome, progress};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format [default: by --output's extension, else JSONL].
    #[arg(long, value_enum)]
    pub format: Option<RecordFormat>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<Outcome> {
    let format =
        args.format.unwrap_or_else(
            || match RecordFormat::choose(None, args.output.as_deref()) {
                RecordFormat::Table if args.output.is_none() => RecordFormat::Jsonl,
                chosen => chosen,
            },
        );
    let mut reader = Reader::open(&args.input);
    let mut writer = RecordWriter::new(format, Destination::open(args.output.as_deref())?);
    let bar = progress::spinner("converting");
    let mut written = 0u64;
    loop {
        let batch = reader.next_batch(4096);
        if batch.messages.is_empty() && batch.error.is_none() {
            break;
        }
        written += batch.messages.len() as u64;
        bar.inc(batch.messages.len() as u64);
        let records: Vec<_> = batch.messages.into_iter().map(message_record).collect();
        writer.write_batch(&records)?;
        if let Some(error) = batch.error {
            bar.finish_and_clear();
            writer.finish()?;
            return Err(error);
        }
    }
    bar.finish_and_clear();
    if written == 0 {
        reader.finish();
        bail!("no messages in {}", describe_inputs(&args.input));
    }
    writer.finish()?;
    Ok(reader.finish())
}

/// A message as cadence writes it.
pub fn message_record(message: cadence_taxonomy::Message) -> Map<String, Value> {
    match serde_json::to_value(message) {
        Ok(Value::Object(record)) => record,
        _ => unreachable!("a message serialises to an object"),
    }
}
