//! `cadence eval`: how a model does on labelled data.

use std::fmt::Write as _;

use anyhow::Result;
use cadence_classifier::Evaluation;
use cadence_taxonomy::Label;

use crate::Outcome;
use crate::labelled::{self, DataArgs};
use crate::models::ModelSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelSource,
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

pub fn run(args: Args) -> Result<Outcome> {
    let model = args.model.load()?;
    let (examples, _) = labelled::read(&args.data)?;
    let scores = model
        .classifier
        .predict_batch(&examples, |e| (e.text.as_str(), e.context.as_deref()));
    let gold: Vec<Label> = examples.iter().map(|e| e.label).collect();
    let evaluation = Evaluation::new(&gold, &scores);
    let text = match args.format {
        ReportFormat::Table => render(&evaluation),
        ReportFormat::Json => serde_json::to_string_pretty(&evaluation)? + "\n",
    };
    crate::print(&text)?;
    Ok(Outcome::Complete)
}

/// Accuracy, macro-F1 and calibration, per-class figures and the confusion matrix.
pub fn render(evaluation: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "examples {}   accuracy {:.3}   macro-F1 {:.3}   expected calibration error {:.3}\n",
        evaluation.examples,
        evaluation.accuracy,
        evaluation.macro_f1,
        evaluation.expected_calibration_error
    );
    let _ = writeln!(
        out,
        "{:<14}{:>10}{:>10}{:>10}{:>10}",
        "label", "precision", "recall", "f1", "support"
    );
    for class in &evaluation.per_class {
        let _ = writeln!(
            out,
            "{:<14}{:>10.3}{:>10.3}{:>10.3}{:>10}",
            class.label, class.precision, class.recall, class.f1, class.support
        );
    }
    let _ = writeln!(
        out,
        "\nconfusion matrix (rows: true label, columns: predicted)"
    );
    let _ = write!(out, "{:<14}", "");
    for label in Label::ALL {
        let _ = write!(out, "{:>14}", label.name());
    }
    out.push('\n');
    for label in Label::ALL {
        let _ = write!(out, "{:<14}", label.name());
        for count in evaluation.confusion[label.index()] {
            let _ = write!(out, "{count:>14}");
        }
        out.push('\n');
    }
    out
}
