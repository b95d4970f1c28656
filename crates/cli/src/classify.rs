//! `cadence classify`: every message labelled, with a confidence and a probability per label.

use std::path::PathBuf;

use anyhow::{Result, bail};
use cadence_classifier::Contribution;
use cadence_taxonomy::{Classification, Message};
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::Outcome;
use crate::convert::message_record;
use crate::input::{InputArgs, Reader};
use crate::models::ModelArgs;
use crate::output::{RecordFormat, write_records};

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
    let written = write_records(
        &mut reader,
        format,
        args.output.as_deref(),
        "classifying",
        |messages| {
            let scores =
                classifier.predict_batch(&messages, |m| (m.text.as_str(), m.context.as_deref()));
            messages
                .into_par_iter()
                .zip(scores)
                .map(|(message, scores)| {
                    let classification = Classification::from_scores(scores, args.model.threshold);
                    let explanation = args.explain.then(|| {
                        classifier.explain(
                            &message.text,
                            message.context.as_deref(),
                            classification.top_label(),
                            args.explain_top,
                        )
                    });
                    classified_record(message, &classification, explanation)
                })
                .collect()
        },
    )?;
    let outcome = reader.finish();
    if written == 0 {
        bail!(
            "no messages to classify in {}",
            describe_inputs(&args.input)
        );
    }
    Ok(outcome)
}

/// A message as cadence writes it: its fields, then `label`, `confidence`, `scores` and,
/// when asked for, `explanation`.
pub fn classified_record(
    message: Message,
    classification: &Classification,
    explanation: Option<Vec<Contribution>>,
) -> Map<String, Value> {
    let mut record = message_record(message);
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
