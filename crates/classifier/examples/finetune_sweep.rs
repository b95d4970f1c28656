//! Chooses fine-tuning settings on a validation split cut from the training data alone:
//! fine-tunes on 80% of `datasets/splits/train.jsonl` (stratified) less the head's calibration
//! fold, trains the calibrated head on the 80%, and scores the other 20%. Never reads the test
//! split.
//!
//! `cargo run --release -p cadence-classifier --features bert --example finetune_sweep -- \
//!    LAYERS:INPUT:EPOCHS:LR[:SEED] ...` (e.g. `2:pair:4:1e-4`; LAYERS 0 = the frozen encoder;
//! SEED the fine-tuning's, 42 unless given, to see how much a result owes to it); each
//! fine-tuned encoder is scored with a MiniLM head and with a hybrid (MiniLM + n-grams) head.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use cadence_classifier::encoder::{Backend, Input, Precision};
use cadence_classifier::features::FeatureConfig;
use cadence_classifier::finetune::{FineTuneConfig, fine_tune_encoder};
use cadence_classifier::metrics::argmax;
use cadence_classifier::{
    Classifier, Encoder, Evaluation, Example, TrainConfig, holdout_split, train, train_with,
};
use cadence_taxonomy::Label;

/// The settings were chosen in fp32 (docs/backends.md); int8 scores within a fraction of a
/// point of it.
const PRECISION: Precision = Precision::Fp32;

fn read(path: &str) -> Vec<Example> {
    std::fs::read_to_string(path)
        .expect("run from the repository root")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("labelled JSON lines"))
        .collect()
}

fn main() {
    let data = read("datasets/splits/train.jsonl");
    let (fit, validation) = holdout_split(&data, 7, 0.2);
    println!("fit {} validation {}", fit.len(), validation.len());
    let config = TrainConfig::default();
    for variant in std::env::args().skip(1) {
        if variant == "ngrams" {
            let encoder = Encoder::for_backend(
                Backend::HashedNgrams,
                FeatureConfig::default(),
                None,
                PRECISION,
            )
            .unwrap();
            let (classifier, _) = train(&fit, &encoder, &config).unwrap();
            report(&variant, "ngrams", &classifier, &validation, 0.0);
            continue;
        }
        let parts: Vec<&str> = variant.split(':').collect();
        let layers: usize = parts[0].parse().unwrap();
        let input = if parts[1] == "pair" {
            Input::Pair
        } else {
            Input::Separate
        };
        let epochs: usize = parts[2].parse().unwrap();
        let learning_rate: f64 = parts[3].parse().unwrap();
        let seed: u64 = parts
            .get(4)
            .map_or(FineTuneConfig::default().seed, |s| s.parse().unwrap());
        let start = Instant::now();
        let base = Encoder::for_backend(Backend::Hybrid, FeatureConfig::default(), None, PRECISION)
            .unwrap();
        // As `cadence train` does: fine-tuning sees the examples outside the head's
        // calibration fold only, so the temperature is fitted on logits of unseen examples.
        let (hybrid, _, ()) = train_with(&fit, &config, |tuning| {
            if layers == 0 {
                return Ok((base.clone(), ()));
            }
            let fine_tune = FineTuneConfig {
                layers,
                input,
                epochs,
                learning_rate,
                seed,
                ..FineTuneConfig::default()
            };
            println!("  {variant}: fine-tuning on {} examples", tuning.len());
            let (encoder, _) = fine_tune_encoder(&base, tuning, &fine_tune, |epoch, loss| {
                println!(
                    "  {variant} epoch {epoch}: loss {loss:.4} ({:.0}s)",
                    start.elapsed().as_secs_f64()
                );
            })?;
            Ok((encoder, ()))
        })
        .unwrap();
        let tuned = start.elapsed().as_secs_f64();
        let minilm = Encoder::Minilm(hybrid.encoder().minilm().unwrap().clone());
        let (minilm, _) = train(&fit, &minilm, &config).unwrap();
        report(&variant, "minilm", &minilm, &validation, tuned);
        report(&variant, "hybrid", &hybrid, &validation, tuned);
        println!("{variant}: total {:.0}s", start.elapsed().as_secs_f64());
    }
}

/// Prints the head's validation figures and confusions, and writes its mistakes to
/// `target/finetune_sweep/VARIANT-HEAD.tsv` (gold, predicted, confidence, text, context).
fn report(variant: &str, head: &str, classifier: &Classifier, validation: &[Example], tuned: f64) {
    let scores = classifier.predict_batch(validation, |e| (e.text.as_str(), e.context.as_deref()));
    let gold: Vec<Label> = validation.iter().map(|e| e.label).collect();
    let evaluation = Evaluation::new(&gold, &scores);
    let per_class: Vec<String> = evaluation
        .per_class
        .iter()
        .map(|c| format!("{} {:.3}", c.label, c.f1))
        .collect();
    println!(
        "{variant} {head} head: validation macro-F1 {:.4} ({}) ECE {:.3}, temperature {:.3}; \
         fine-tuning {tuned:.0}s",
        evaluation.macro_f1,
        per_class.join(", "),
        evaluation.expected_calibration_error,
        classifier.model().temperature,
    );
    for (gold, row) in Label::ALL.iter().zip(evaluation.confusion) {
        println!("  gold {gold:<12} predicted {row:?}");
    }
    let mistakes: String = validation
        .iter()
        .zip(&scores)
        .filter_map(|(e, s)| {
            let predicted = argmax(s);
            (predicted != e.label.index()).then(|| {
                format!(
                    "{}\t{}\t{:.3}\t{}\t{}\n",
                    e.label,
                    Label::ALL[predicted],
                    s[predicted],
                    e.text,
                    e.context.as_deref().unwrap_or("")
                )
            })
        })
        .collect();
    let dir = std::path::Path::new("target/finetune_sweep");
    std::fs::create_dir_all(dir).unwrap();
    let name = variant.replace(':', "_");
    std::fs::write(dir.join(format!("{name}-{head}.tsv")), mistakes).unwrap();
}
