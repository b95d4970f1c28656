//! `cadence convert`: the messages of chat exports as normalised records, unclassified.

use std::path::PathBuf;

use anyhow::{Result, bail};
use serde_json::{Map, Value};

use crate::Outcome;
use crate::classify::describe_inputs;
use crate::input::{InputArgs, Reader};
use crate::output::{RecordFormat, write_records};

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
    let written = write_records(
        &mut reader,
        format,
        args.output.as_deref(),
        "converting",
        |messages| messages.into_iter().map(message_record).collect(),
    )?;
    let outcome = reader.finish();
    if written == 0 {
        bail!("no messages in {}", describe_inputs(&args.input));
    }
    Ok(outcome)
}

/// A message as cadence writes it.
pub fn message_record(message: cadence_taxonomy::Message) -> Map<String, Value> {
    match serde_json::to_value(message) {
        Ok(Value::Object(record)) => record,
        _ => unreachable!("a message serialises to an object"),
    }
}
