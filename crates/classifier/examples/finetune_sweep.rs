//! Chooses fine-tuning settings on a validation split cut from the training data alone:
//! trains on 80% of `datasets/splits/train.jsonl` (stratified) as `cadence train` does and
//! scores the other 20%, then also scores the sets no split trains on: the team fixture
//! (`tests/fixtures/team`, a hand-written export in the style of real chat),
//! `datasets/eval/authority_context.jsonl` and `datasets/eval/team_chat.jsonl`. Never reads
//! the test split.
//!
//! The validation split is cut from the split's drawn shares only, so that it stays the same
//! 551 examples whatever train-only shares (`datasets/split.py`'s `TRAIN_ONLY`) are added;
//! those always train.
//!
//! `cargo run --release -p cadence-classifier --features bert --example finetune_sweep -- \
//!    [without-train-only] [+PATH] ngrams LAYERS:INPUT:EPOCHS:LR[:SEED] ...` (e.g.
//! `2:pair:4:1e-4`; LAYERS 0 = the frozen encoder; SEED the fine-tuning's, 42 unless given,
//! to see how much a result owes to it; `without-train-only` leaves the train-only shares out
//! of training; `+PATH` adds a labelled file's examples to training for the variants after
//! it); each encoder is scored with a hybrid (MiniLM + n-grams) head.
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

/// The team fixture's messages with their gold labels (`expected_label`).
fn read_team() -> Vec<Example> {
    std::fs::read_to_string("tests/fixtures/team/messages.jsonl")
        .expect("run from the repository root")
        .lines()
        .map(|line| {
            let mut record: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
            record["label"] = record["expected_label"].take();
            serde_json::from_value(record).expect("a labelled message")
        })
        .collect()
}

/// The shares `datasets/split.py` puts in train whole (its `TRAIN_ONLY`).
const TRAIN_ONLY: [&str; 1] = ["datasets/corpus/chat_threads.jsonl"];

fn main() {
    let train_only: Vec<Example> = TRAIN_ONLY.iter().flat_map(|path| read(path)).collect();
    let drawn: Vec<Example> = read("datasets/splits/train.jsonl")
        .into_iter()
        .filter(|e| !train_only.contains(e))
        .collect();
    let (mut fit, validation) = holdout_split(&drawn, 7, 0.2);
    let team = read_team();
    let authority = read("datasets/eval/authority_context.jsonl");
    let team_chat = read("datasets/eval/team_chat.jsonl");
    let sets = [
        ("validation", validation.as_slice()),
        ("team", team.as_slice()),
        ("authority", authority.as_slice()),
        ("team_chat", team_chat.as_slice()),
    ];
    let config = TrainConfig::default();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "without-train-only") {
        args.remove(0);
    } else {
        fit.extend(train_only);
    }
    println!("fit {} validation {}", fit.len(), validation.len());
    for variant in args {
        if let Some(path) = variant.strip_prefix('+') {
            fit.extend(read(path));
            println!("fit {} with {path}", fit.len());
            continue;
        }
        if variant == "ngrams" {
            let encoder = Encoder::for_backend(
                Backend::HashedNgrams,
                FeatureConfig::default(),
                None,
                PRECISION,
            )
            .unwrap();
            let (classifier, _) = train(&fit, &encoder, &config).unwrap();
            report(&variant, &classifier, &sets, 0.0);
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
        // As `cadence train` does: the head learns from cross-fitted vectors.
        let (hybrid, _, ()) = train_with(&fit, &config, |stage, examples| {
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
            println!(
                "  {variant}: {stage:?}: fine-tuning on {} examples",
                examples.len()
            );
            let (encoder, _) = fine_tune_encoder(&base, examples, &fine_tune, |epoch, loss| {
                println!(
                    "  {variant} epoch {epoch}: loss {loss:.4} ({:.0}s)",
                    start.elapsed().as_secs_f64()
                );
            })?;
            Ok((encoder, ()))
        })
        .unwrap();
        report(&variant, &hybrid, &sets, start.elapsed().as_secs_f64());
    }
}

/// Prints the model's macro-F1 on each set, and its validation confusions, and writes its
/// validation mistakes to `target/finetune_sweep/VARIANT.tsv` (gold, predicted, confidence,
/// text, context).
fn report(variant: &str, classifier: &Classifier, sets: &[(&str, &[Example])], seconds: f64) {
    let mut figures = Vec::new();
    for &(name, examples) in sets {
        let scores =
            classifier.predict_batch(examples, |e| (e.text.as_str(), e.context.as_deref()));
        let gold: Vec<Label> = examples.iter().map(|e| e.label).collect();
        let evaluation = Evaluation::new(&gold, &scores);
        figures.push(format!(
            "{name} macro-F1 {:.4} ECE {:.3}",
            evaluation.macro_f1, evaluation.expected_calibration_error
        ));
        if name != "validation" {
            continue;
        }
        let per_class: Vec<String> = evaluation
            .per_class
            .iter()
            .map(|c| format!("{} {:.3}", c.label, c.f1))
            .collect();
        println!("{variant} validation per class: {}", per_class.join(", "));
        for (gold, row) in Label::ALL.iter().zip(evaluation.confusion) {
            println!("  gold {gold:<12} predicted {row:?}");
        }
        let mistakes: String = examples
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
        std::fs::write(dir.join(format!("{name}.tsv")), mistakes).unwrap();
    }
    println!(
        "{variant}: {}; temperature {:.3}; {seconds:.0}s",
        figures.join(", "),
        classifier.model().temperature
    );
}
