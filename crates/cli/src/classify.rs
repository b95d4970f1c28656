//! `cadence classify`: every message labelled, with a confidence and a probability per label.

use std::path::PathBuf;

use anyhow::{Result, bail};
use cadence_classifier::Contribution;
use cadence_taxonomy::{Classification, Message};
use serde_json::{Map, Value};

use crate::input::{InputArgs, Reader};
use crate::models::ModelArgs;
use crate::output::{Destination, RecordFormat, RecordWriter};
use crate::{Outcome, progress};

/// Messages classified per parallel batch: large enough to keep every core busy, small
/// enough that memory stays flat however long the input is.
const BATCH: usize = 8192;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format [default: by --output's extension; a table on a terminal, else JSONL].
    #[arg(long, value_enum)]
    pub format: Option<RecordFormat>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add the features that pushed each prediction most.
    #[arg(long)]
    pub explain: bool,
    /// How many features --explain lists per message.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub explain_top: usize,
}

pub fn run(args: Args) -> Result<Outcome> {
    let model = args.model.source.load()?;
    let classifier = &model.classifier;
    let format = RecordFormat::choose(args.format, args.output.as_deref());
    let mut reader = Reader::open(&args.input);
    let mut writer: Option<RecordWriter> = None;
    let bar = progress::spinner("classifying");
    loop {
        let batch = reader.next_batch(BATCH);
        if batch.messages.is_empty() && batch.error.is_none() {
            break;
        }
        let count = batch.messages.len() as u64;
        let scores =
            classifier.predict_batch(&batch.messages, |m| (m.text.as_str(), m.context.as_deref()));
        let out = match &mut writer {
            Some(out) => out,
            None => writer.insert(RecordWriter::new(
                format,
                Destination::open(args.output.as_deref())?,
            )),
        };
        for (message, scores) in batch.messages.into_iter().zip(scores) {
            let classification = Classification::from_scores(scores, args.model.threshold);
            let explanation = args.explain.then(|| {
                classifier.explain(
                    &message.text,
                    message.context.as_deref(),
                    classification.top_label(),
                    args.explain_top,
                )
            });
            out.write(&classified_record(message, &classification, explanation))?;
        }
        bar.inc(count);
        if let Some(error) = batch.error {
            bar.finish_and_clear();
            // What was read before the bad record is kept.
            if let Some(writer) = writer {
                writer.finish()?;
            }
            return Err(error);
        }
    }
    bar.finish_and_clear();
    let Some(writer) = writer else {
        reader.finish();
        bail!(
            "no messages to classify in {}",
            describe_inputs(&args.input)
        );
    };
    writer.finish()?;
    Ok(reader.finish())
}

/// A message as cadence writes it: its fields, then `label`, `confidence`, `scores` and,
/// when asked for, `explanation`.
pub fn classified_record(
    message: Message,
    classification: &Classification,
    explanation: Option<Vec<Contribution>>,
) -> Map<String, Value> {
    let Value::Object(mut record) = serde_json::to_value(message).expect("messages serialise")
    else {
        unreachable!("a message serialises to an object")
    };
    let Value::Object(fields) =
        serde_json::to_value(classification).expect("classifications serialise")
    else {
        unreachable!("a classification serialises to an object")
    };
    record.extend(fields);
    if let Some(explanation) = explanation {
        record.insert(
            "explanation".into(),
            serde_json::to_value(explanation).expect("serialises"),
        );
    }
    record
}

pub fn describe_inputs(input: &InputArgs) -> String {
    if input.inputs.is_empty() {
        "standard input".to_owned()
    } else {
        input.inputs.join(", ")
    }
}
