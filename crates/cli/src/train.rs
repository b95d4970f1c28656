//! `cadence train`: a model from labelled data, with cross-validated figures.

use std::path::PathBuf;

use anyhow::{Context, Result};
use cadence_classifier::encoder::{Backend, Input, Precision};
use cadence_classifier::features::FeatureConfig;
use cadence_classifier::finetune::{FineTuneConfig, fine_tune_encoder};
use cadence_classifier::model_dir::{self, CrossValidation, Training};
use cadence_classifier::{
    CROSS_FIT_FOLDS, Encoder, Stage, TrainConfig, cross_validate, cross_validate_with, train,
    train_with,
};
use cadence_taxonomy::Label;

use crate::eval::{ReportFormat, render};
use crate::labelled::{self, DataArgs};
use crate::models::EncoderDirArg;
use crate::{Outcome, input::report};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    /// What the head reads: hashed n-grams, MiniLM sentence embeddings of the message and
    /// its context, or both (the last two need a build with `--features bert`).
    #[arg(long, value_enum, default_value_t = BackendArg::Ngrams)]
    pub backend: BackendArg,
    #[command(flatten)]
    pub encoder: EncoderDirArg,
    /// How the MiniLM's transformer layers compute (`minilm` and `hybrid` backends): int8
    /// takes about half the time and scores as well; fp32 is the reference.
    #[arg(long, value_enum, default_value_t = PrecisionArg::Int8)]
    pub precision: PrecisionArg,
    /// Directory to write the model to (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the calibration and cross-validation folds.
    #[arg(long, default_value_t = TrainConfig::default().seed)]
    pub seed: u64,
    /// Cross-validate with this many stratified folds and report those figures.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(2..=50))]
    pub folds: Option<u32>,
    /// Strength of the L2 penalty.
    #[arg(long, default_value_t = TrainConfig::default().l2)]
    pub l2: f64,
    /// Most L-BFGS iterations.
    #[arg(long, default_value_t = TrainConfig::default().max_iterations)]
    pub max_iterations: u64,
    /// Fine-tune this many of the MiniLM's top transformer layers on the data before
    /// training the head (`minilm` and `hybrid` backends; 0 keeps the encoder frozen).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fine_tune_layers: usize,
    /// Fine-tuning: passes over the data.
    #[arg(long, default_value_t = FineTuneConfig::default().epochs)]
    pub epochs: usize,
    /// Fine-tuning: peak learning rate of the transformer layers.
    #[arg(long, default_value_t = FineTuneConfig::default().learning_rate)]
    pub learning_rate: f64,
    /// Fine-tuning: examples per step.
    #[arg(long, default_value_t = FineTuneConfig::default().batch_size)]
    pub batch_size: usize,
    /// Fine-tuning: read the message and its context as one pair of sequences, or embed
    /// them one by one (a frozen encoder always embeds them one by one).
    #[arg(long, value_enum, default_value_t = InputArg::Separate)]
    pub input: InputArg,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputArg {
    Pair,
    Separate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrecisionArg {
    Fp32,
    Int8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    Ngrams,
    Minilm,
    Hybrid,
}

impl From<BackendArg> for Backend {
    fn from(backend: BackendArg) -> Self {
        match backend {
            BackendArg::Ngrams => Backend::HashedNgrams,
            BackendArg::Minilm => Backend::Minilm,
            BackendArg::Hybrid => Backend::Hybrid,
        }
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    let (examples, data) = labelled::read(&args.data)?;
    let encoder = Encoder::for_backend(
        args.backend.into(),
        FeatureConfig::default(),
        args.encoder.encoder_dir.as_deref(),
        match args.precision {
            PrecisionArg::Fp32 => Precision::Fp32,
            PrecisionArg::Int8 => Precision::Int8,
        },
    )?;
    let config = TrainConfig {
        seed: args.seed,
        l2: args.l2,
        max_iterations: args.max_iterations,
        ..TrainConfig::default()
    };
    let fine_tune = (args.fine_tune_layers > 0).then(|| FineTuneConfig {
        layers: args.fine_tune_layers,
        input: match args.input {
            InputArg::Pair => Input::Pair,
            InputArg::Separate => Input::Separate,
        },
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.learning_rate,
        seed: args.seed,
        ..FineTuneConfig::default()
    });
    if fine_tune.is_some() && args.backend == BackendArg::Ngrams {
        anyhow::bail!("--fine-tune-layers needs --backend minilm or hybrid");
    }
    // `train_with` chooses the examples: half of them for an encoder that only makes the
    // head's cross-fitted vectors, all of them for the encoder kept.
    let tune = |what: &str,
                stage: Stage,
                examples: &[cadence_classifier::Example],
                config: &FineTuneConfig| {
        let what = match stage {
            Stage::CrossFit { fold } => {
                format!("{what}cross-fitting {}/{CROSS_FIT_FOLDS}: ", fold + 1)
            }
            Stage::Kept => what.to_owned(),
        };
        report(&format!(
            "{what}fine-tuning the top {} encoder layers on {} examples, {} epochs",
            config.layers,
            examples.len(),
            config.epochs
        ));
        fine_tune_encoder(&encoder, examples, config, |epoch, loss| {
            report(&format!(
                "{what}epoch {epoch}/{}: loss {loss:.4}",
                config.epochs
            ));
        })
    };
    let cross_validation = match args.folds {
        Some(folds) => {
            report(&format!(
                "cross-validating on {} examples with {folds} folds",
                examples.len()
            ));
            let folds = folds as usize;
            let evaluation = match &fine_tune {
                None => cross_validate(&examples, &encoder, &config, folds)?,
                Some(fine_tune) => {
                    cross_validate_with(&examples, &config, folds, |fold, stage, data| {
                        let what = format!("fold {}/{folds}: ", fold + 1);
                        Ok(tune(&what, stage, data, fine_tune)?.0)
                    })?
                }
            };
            Some(CrossValidation { folds, evaluation })
        }
        None => None,
    };
    let (classifier, training_report, fine_tuning) = match &fine_tune {
        None => {
            report(&format!("training on {} examples", examples.len()));
            let (classifier, training_report) = train(&examples, &encoder, &config)?;
            (classifier, training_report, None)
        }
        Some(fine_tune) => {
            let (classifier, training_report, fine_tuning) =
                train_with(&examples, &config, |stage, data| {
                    let tuned = tune("", stage, data, fine_tune)?;
                    if stage == Stage::Kept {
                        report(&format!("training on {} examples", examples.len()));
                    }
                    Ok(tuned)
                })?;
            (classifier, training_report, Some(fine_tuning))
        }
    };
    let training = Training {
        data,
        config,
        report: training_report,
        cross_validation,
        fine_tuning,
    };
    let manifest = model_dir::save(&args.out, &classifier, training)
        .with_context(|| format!("cannot save the model to {}", args.out.display()))?;

    let text = match args.format {
        ReportFormat::Json => serde_json::to_string_pretty(&manifest.training)? + "\n",
        ReportFormat::Table => {
            let r = &manifest.training.report;
            let per_label: Vec<String> = Label::ALL
                .iter()
                .map(|l| format!("{l} {}", r.per_label[l.index()]))
                .collect();
            let mut text = format!(
                "model written to {}\nexamples {} ({})\nL-BFGS iterations {}, loss {:.4}\n\
                 temperature {:.3}: calibration error on {} held-out examples {:.3} -> {:.3}\n",
                args.out.display(),
                r.examples,
                per_label.join(", "),
                r.iterations,
                r.final_loss,
                r.temperature,
                r.calibration.examples,
                r.calibration.ece_before,
                r.calibration.ece_after,
            );
            match &manifest.training.cross_validation {
                Some(cv) => {
                    text.push_str(&format!("\n{}-fold cross-validation\n", cv.folds));
                    text.push_str(&render(&cv.evaluation));
                }
                None => {
                    text.push_str(
                        "\n(use --folds K for cross-validated precision, recall and F1)\n",
                    );
                }
            }
            text
        }
    };
    crate::print(&text)?;
    Ok(Outcome::Complete)
}
