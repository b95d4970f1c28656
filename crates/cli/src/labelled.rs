//! Labelled data for `train` and `eval`: JSONL or CSV records with a text, an optional
//! context and a label.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use cadence_chatlog::{Input, ReadOptions, read_inputs};
use cadence_classifier::Example;
use cadence_classifier::model_dir::{DataFile, sha256_hex};
use cadence_taxonomy::Label;
use serde_json::Value;

#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Labelled JSONL or CSV files (`text`, `label`, optional `context`).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Field or column holding the label.
    #[arg(long, default_value = "label", value_name = "NAME")]
    pub label_column: String,
    /// CSV column holding the message text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_column: String,
    /// CSV column holding the message answered [default: `context`, if present].
    #[arg(long, value_name = "NAME")]
    pub context_column: Option<String>,
}

/// Reads every data file whole; any bad record is an error that names its file and line.
pub fn read(args: &DataArgs) -> Result<(Vec<Example>, Vec<DataFile>)> {
    let options = ReadOptions {
        text_column: args.text_column.clone(),
        context_column: args.context_column.clone(),
        include_bots: true,
        ..ReadOptions::default()
    };
    let mut examples = Vec::new();
    let mut files = Vec::new();
    for path in &args.data {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut stream = read_inputs(&[Input::Path(path.clone())], &options);
        let before = examples.len();
        while let Some(message) = stream.next() {
            let mut message = message?;
            let at = || {
                stream
                    .summary()
                    .position
                    .unwrap_or_else(|| path.display().to_string())
            };
            let label = match message.extra.shift_remove(&args.label_column) {
                Some(Value::String(name)) => name
                    .parse::<Label>()
                    .map_err(|e| anyhow!("{}: {e}", at()))?,
                Some(other) => {
                    return Err(anyhow!(
                        "{}: {:?} is {other}, expected a label name",
                        at(),
                        args.label_column
                    ));
                }
                None => {
                    return Err(anyhow!(
                        "{}: the record has no {:?} field",
                        at(),
                        args.label_column
                    ));
                }
            };
            examples.push(Example {
                text: message.text,
                context: message.context,
                label,
            });
        }
        if examples.len() == before {
            return Err(anyhow!("{}: no labelled examples", path.display()));
        }
        files.push(DataFile {
            path: path.display().to_string(),
            sha256: sha256_hex(&bytes),
            examples: examples.len() - before,
        });
    }
    Ok((examples, files))
}
