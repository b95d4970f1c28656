//! Chooses fine-tuning settings on a validation split cut from the training data alone:
//! fine-tunes on 80% of `datasets/splits/train.jsonl` (stratified), trains the calibrated head
//! on the same 80%, and scores the other 20%. Never reads the test split.
//!
//! `cargo run --release -p cadence-classifier --features bert --example finetune_sweep -- \
//!    LAYERS:INPUT:EPOCHS:LR ...` (e.g. `2:pair:4:1e-4`; LAYERS 0 = the frozen encoder); each
//! fine-tuned encoder is scored with a MiniLM head and with a hybrid (MiniLM + n-grams) head.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use cadence_classifier::encoder::{Backend, Input, Precision};
use cadence_classifier::features::FeatureConfig;
use cadence_classifier::finetune::{FineTuneConfig, fine_tune_encoder};
use cadence_classifier::{Encoder, Evaluation, Example, TrainConfig, holdout_split, train};
use cadence_taxonomy::Label;

fn read(path: &str) -> Vec<Example> {
    std::fs::read_to_string(path)
        .expect("run from the repository root")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
            Example {
                text: value["text"].as_str().expect("text").to_owned(),
                context: value["context"].as_str().map(str::to_owned),
                label: value["label"]
                    .as_str()
                    .expect("label")
                    .parse()
                    .expect("label"),
            }
        })
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
                Precision::Int8,
            )
            .unwrap();
            report(
                &variant,
                "ngrams",
                &encoder,
                &fit,
                &validation,
                &config,
                0.0,
            );
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
        let start = Instant::now();
        let base = Encoder::for_backend(
            Backend::Hybrid,
            FeatureConfig::default(),
            None,
            Precision::Int8,
        )
        .unwrap();
        let hybrid = if layers == 0 {
            base
        } else {
            let fine_tune = FineTuneConfig {
                layers,
                input,
                epochs,
                learning_rate,
                ..FineTuneConfig::default()
            };
            fine_tune_encoder(&base, &fit, &fine_tune, |epoch, loss| {
                println!(
                    "  {variant} epoch {epoch}: loss {loss:.4} ({:.0}s)",
                    start.elapsed().as_secs_f64()
                );
            })
            .unwrap()
            .0
        };
        let tuned = start.elapsed().as_secs_f64();
        let minilm = Encoder::Minilm(hybrid.minilm().unwrap().clone());
        for (head, encoder) in [("minilm", minilm), ("hybrid", hybrid)] {
            report(&variant, head, &encoder, &fit, &validation, &config, tuned);
        }
        println!("{variant}: total {:.0}s", start.elapsed().as_secs_f64());
    }
}

fn report(
    variant: &str,
    head: &str,
    encoder: &Encoder,
    fit: &[Example],
    validation: &[Example],
    config: &TrainConfig,
    tuned: f64,
) {
    let (classifier, _) = train(fit, encoder, config).unwrap();
    let scores = classifier.predict_batch(validation, |e| (e.text.as_str(), e.context.as_deref()));
    let gold: Vec<Label> = validation.iter().map(|e| e.label).collect();
    let evaluation = Evaluation::new(&gold, &scores);
    let per_class: Vec<String> = evaluation
        .per_class
        .iter()
        .map(|c| format!("{} {:.3}", c.label, c.f1))
        .collect();
    println!(
        "{variant} {head} head: validation macro-F1 {:.4} ({}) ECE {:.3}; fine-tuning {tuned:.0}s",
        evaluation.macro_f1,
        per_class.join(", "),
        evaluation.expected_calibration_error,
    );
}
