//! Chooses fine-tuning settings on a validation split cut from the training data alone:
//! trains on 80% of `datasets/splits/train.jsonl` (stratified) as `cadence train` does and
//! scores the other 20%, then also scores two sets no split trains on: the team fixture
//! (`tests/fixtures/team`, a hand-written export in the style of real chat) and
//! `datasets/eval/authority_context.jsonl`. Never reads the test split, nor
//! `datasets/eval/team_chat.jsonl`, which is kept for scoring the models once chosen.
//!
//! The validation split is cut from the split's drawn shares only, so that it stays the same
//! 551 examples whatever train-only shares (`datasets/split.py`'s `TRAIN_ONLY`, written at
//! the end of `train.jsonl`) are added; those always train, unless `without-train-only`.
//!
//! `cargo run --release -p cadence-classifier --features bert --example finetune_sweep -- \
//!    [without-train-only] [+PATH ...] ngrams LAYERS:INPUT:EPOCHS:LR[:SEED] ...` (e.g.
//! `2:pair:4:1e-4`; LAYERS 0 = the frozen encoder; SEED the fine-tuning's, 42 unless given,
//! to see how much a result owes to it; `+PATH` adds a labelled file's examples to the
//! training of every variant); each encoder is scored with a hybrid (MiniLM + n-grams) head.
//! `ensemble` also scores the mean of the fine-tuned variants' probabilities: what several
//! encoders (several times the embedding cost) would buy over the best of them. A SEED of
//! `42+7+11` fine-tunes once per seed and averages the tuned layers' weights into one encoder
//! (a "model soup": one encoder's embedding cost).
#![allow(clippy::print_stdout)]

use std::time::Instant;

use cadence_classifier::encoder::{Backend, Input, Precision};
use cadence_classifier::features::FeatureConfig;
use cadence_classifier::finetune::{FineTuneConfig, average_tunings, fine_tune_encoder};
use cadence_classifier::metrics::argmax;
use cadence_classifier::minilm::Tuning;
use cadence_classifier::{
    Classifier, Encoder, Evaluation, Example, Scores, TrainConfig, holdout_split, train, train_with,
};
use cadence_taxonomy::Label;

/// The settings were chosen in fp32 (docs/backends.md); int8 scores within a fraction of a
/// point of it.
const PRECISION: Precision = Precision::Fp32;

/// The shares `datasets/split.py` puts at the end of train whole (its `TRAIN_ONLY`).
const TRAIN_ONLY: [&str; 1] = ["datasets/corpus/chat_threads.jsonl"];

fn read(path: &str) -> Vec<Example> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run from the repository root)"))
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

/// What one variant trains: the n-grams alone, or a hybrid head over an encoder whose top
/// `layers` are fine-tuned (0: the frozen encoder).
enum Variant {
    Ngrams,
    Hybrid {
        layers: usize,
        input: Input,
        epochs: usize,
        learning_rate: f64,
        /// One seed, or several whose fine-tunings are averaged.
        seeds: Vec<u64>,
    },
}

impl Variant {
    fn parse(arg: &str) -> Option<Variant> {
        if arg == "ngrams" {
            return Some(Variant::Ngrams);
        }
        let parts: Vec<&str> = arg.split(':').collect();
        let (layers, input, epochs, learning_rate) = match parts[..] {
            [layers, input, epochs, learning_rate] | [layers, input, epochs, learning_rate, _] => {
                (layers, input, epochs, learning_rate)
            }
            _ => return None,
        };
        Some(Variant::Hybrid {
            layers: layers.parse().ok()?,
            input: match input {
                "pair" => Input::Pair,
                "separate" => Input::Separate,
                _ => return None,
            },
            epochs: epochs.parse().ok()?,
            learning_rate: learning_rate.parse().ok()?,
            seeds: match parts.get(4) {
                Some(seeds) => seeds
                    .split('+')
                    .map(|seed| seed.parse().ok())
                    .collect::<Option<_>>()?,
                None => vec![FineTuneConfig::default().seed],
            },
        })
    }
}

fn main() {
    // Every argument is read before anything trains: a typo should not cost the minutes
    // of the variants before it.
    let mut with_train_only = true;
    let mut ensemble = false;
    let mut extra = Vec::new();
    let mut variants = Vec::new();
    for arg in std::env::args().skip(1) {
        if arg == "without-train-only" {
            with_train_only = false;
        } else if arg == "ensemble" {
            ensemble = true;
        } else if let Some(path) = arg.strip_prefix('+') {
            assert!(
                !path.contains("splits/test"),
                "{path}: never train on the test split"
            );
            extra.push(path.to_owned());
        } else {
            let variant = Variant::parse(&arg).unwrap_or_else(|| {
                panic!("{arg}: neither ngrams nor LAYERS:pair|separate:EPOCHS:LR[:SEED]")
            });
            variants.push((arg, variant));
        }
    }

    let data = read("datasets/splits/train.jsonl");
    let train_only: Vec<Example> = TRAIN_ONLY.iter().flat_map(|path| read(path)).collect();
    let drawn_count = data.len().checked_sub(train_only.len()).expect(
        "train.jsonl holds fewer examples than the train-only shares: rerun datasets/split.py",
    );
    let (drawn, tail) = data.split_at(drawn_count);
    assert_eq!(
        tail, train_only,
        "train.jsonl must end with the train-only shares: rerun datasets/split.py"
    );
    let (mut fit, validation) = holdout_split(drawn, 7, 0.2);
    if with_train_only {
        fit.extend(train_only);
    }
    let mut suffix = String::new();
    for path in &extra {
        fit.extend(read(path));
        suffix += &format!("+{path}");
    }
    println!("fit {} validation {}", fit.len(), validation.len());
    let team = read_team();
    let authority = read("datasets/eval/authority_context.jsonl");
    let sets = [
        ("validation", validation.as_slice()),
        ("team", team.as_slice()),
        ("authority", authority.as_slice()),
    ];
    let config = TrainConfig::default();
    // Loaded once, by the first variant that needs it: every hybrid starts from it.
    let base_encoder = std::cell::OnceCell::new();
    // Each fine-tuned variant's probabilities on each set, for the ensemble.
    let mut fine_tuned_scores: Vec<Vec<Vec<Scores>>> = Vec::new();
    for (arg, variant) in variants {
        let name = format!("{arg}{suffix}");
        let Variant::Hybrid {
            layers,
            input,
            epochs,
            learning_rate,
            seeds,
        } = variant
        else {
            let encoder = Encoder::for_backend(
                Backend::HashedNgrams,
                FeatureConfig::default(),
                None,
                PRECISION,
            )
            .unwrap();
            let (classifier, _) = train(&fit, &encoder, &config).unwrap();
            let scores = scores_on(&classifier, &sets);
            let temperature = classifier.model().temperature;
            report(
                &name,
                &sets,
                &scores,
                &format!("temperature {temperature:.3}"),
            );
            continue;
        };
        let start = Instant::now();
        let base = base_encoder.get_or_init(|| {
            Encoder::for_backend(Backend::Hybrid, FeatureConfig::default(), None, PRECISION)
                .unwrap()
        });
        // As `cadence train` does: the head learns from cross-fitted vectors.
        let (hybrid, _, ()) = train_with(&fit, &config, |stage, examples| {
            if layers == 0 {
                return Ok((base.clone(), ()));
            }
            let mut tuned = Vec::new();
            for &seed in &seeds {
                let fine_tune = FineTuneConfig {
                    layers,
                    input,
                    epochs,
                    learning_rate,
                    seed,
                    ..FineTuneConfig::default()
                };
                println!(
                    "  {name}: {stage:?}: fine-tuning with seed {seed} on {} examples",
                    examples.len()
                );
                let (encoder, _) = fine_tune_encoder(base, examples, &fine_tune, |epoch, loss| {
                    println!(
                        "  {name} epoch {epoch}: loss {loss:.4} ({:.0}s)",
                        start.elapsed().as_secs_f64()
                    );
                })?;
                tuned.push(encoder);
            }
            if tuned.len() == 1 {
                return Ok((tuned.remove(0), ()));
            }
            Ok((soup(base, &tuned), ()))
        })
        .unwrap();
        let scores = scores_on(&hybrid, &sets);
        let temperature = hybrid.model().temperature;
        let seconds = start.elapsed().as_secs_f64();
        report(
            &name,
            &sets,
            &scores,
            &format!("temperature {temperature:.3}; {seconds:.0}s"),
        );
        if layers > 0 {
            fine_tuned_scores.push(scores);
        }
    }
    if ensemble && fine_tuned_scores.len() > 1 {
        let members = fine_tuned_scores.len();
        let mean: Vec<Vec<Scores>> = (0..sets.len())
            .map(|set| {
                (0..sets[set].1.len())
                    .map(|i| {
                        let mut sum = [0.0; Label::COUNT];
                        for member in &fine_tuned_scores {
                            for (total, p) in sum.iter_mut().zip(member[set][i]) {
                                *total += p / members as f32;
                            }
                        }
                        sum
                    })
                    .collect()
            })
            .collect();
        report(
            &format!("ensemble-of-{members}{suffix}"),
            &sets,
            &mean,
            "mean probabilities",
        );
    }
}

/// One encoder whose tuned layers are the mean of `tuned`'s, each fine-tuned from `base`.
fn soup(base: &Encoder, tuned: &[Encoder]) -> Encoder {
    let tunings: Vec<&Tuning> = tuned
        .iter()
        .map(|e| {
            e.minilm()
                .and_then(|m| m.tuning())
                .expect("a fine-tuned encoder")
        })
        .collect();
    let tuning = average_tunings(&tunings).expect("fine-tunings of the same layers");
    let minilm = base
        .minilm()
        .expect("a MiniLM encoder")
        .with_tuning(tuning)
        .expect("the base encoder loads");
    base.with_minilm(minilm)
}

fn scores_on(classifier: &Classifier, sets: &[(&str, &[Example])]) -> Vec<Vec<Scores>> {
    sets.iter()
        .map(|(_, examples)| {
            classifier.predict_batch(examples, |e| (e.text.as_str(), e.context.as_deref()))
        })
        .collect()
}

/// Prints the model's macro-F1 on each set, and its validation confusions, and writes its
/// validation mistakes to `target/finetune_sweep/VARIANT.tsv` (gold, predicted, confidence,
/// text, context).
fn report(variant: &str, sets: &[(&str, &[Example])], scores: &[Vec<Scores>], note: &str) {
    let mut figures = Vec::new();
    for (&(name, examples), scores) in sets.iter().zip(scores) {
        let gold: Vec<Label> = examples.iter().map(|e| e.label).collect();
        let evaluation = Evaluation::new(&gold, scores);
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
            .zip(scores)
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
        let name = variant.replace([':', '/', '+'], "_");
        std::fs::write(dir.join(format!("{name}.tsv")), mistakes).unwrap();
    }
    println!("{variant}: {}; {note}", figures.join(", "));
}
