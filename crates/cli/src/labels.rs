//! `cadence labels`: the taxonomy.

use std::fmt::Write as _;

use anyhow::Result;
use cadence_taxonomy::Label;
use serde_json::json;

use crate::Outcome;
use crate::eval::ReportFormat;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

pub fn run(args: Args) -> Result<Outcome> {
    let text = match args.format {
        ReportFormat::Json => {
            let labels: Vec<_> = Label::ALL
                .iter()
                .map(|l| {
                    json!({
                        "label": l.name(),
                        "definition": l.definition(),
                        "cues": l.cues(),
                        "examples": l.examples().iter().map(|e| json!({"text": e.text, "context": e.context})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&labels)? + "\n"
        }
        ReportFormat::Table => {
            let mut out = String::new();
            for label in Label::ALL {
                let _ = writeln!(
                    out,
                    "{}\n  {}",
                    label.name().to_uppercase(),
                    label.definition()
                );
                let _ = writeln!(out, "  cues:");
                for cue in label.cues() {
                    let _ = writeln!(out, "    - {cue}");
                }
                let _ = writeln!(out, "  examples:");
                for example in label.examples() {
                    match example.context {
                        Some(context) => {
                            let _ = writeln!(
                                out,
                                "    \"{}\"  (answering \"{context}\")",
                                example.text
                            );
                        }
                        None => {
                            let _ = writeln!(out, "    \"{}\"", example.text);
                        }
                    }
                }
                out.push('\n');
            }
            out.push_str("A label is a prompt for a conversation, not a verdict on a person.\n");
            out
        }
    };
    crate::print(&text)?;
    Ok(Outcome::Complete)
}
