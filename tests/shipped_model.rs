//! The shipped model, `models/default`: reproducible from `datasets/` and as accurate as the
//! README says.

use std::path::{Path, PathBuf};

use cadence_classifier::model_dir::{self, LoadedModel, sha256_hex};
use cadence_classifier::{Evaluation, Example, train};
use cadence_taxonomy::Label;
use serde_json::Value;

const TRAIN: &str = "datasets/splits/train.jsonl";
const TEST: &str = "datasets/splits/test.jsonl";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped() -> LoadedModel {
    model_dir::load(&root().join("models/default")).expect("models/default loads")
}

fn examples(relative: &str) -> Vec<Example> {
    std::fs::read_to_string(root().join(relative))
        .unwrap()
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            Example {
                text: record["text"].as_str().unwrap().to_owned(),
                context: record
                    .get("context")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                label: record["label"].as_str().unwrap().parse().unwrap(),
            }
        })
        .collect()
}

fn predicted_labels(model: &cadence_classifier::Classifier, examples: &[Example]) -> Vec<Label> {
    model
        .predict_batch(examples, |e| (e.text.as_str(), e.context.as_deref()))
        .iter()
        .map(|scores| cadence_taxonomy::Classification::from_scores(*scores, 0.0).top_label())
        .collect()
}

#[test]
fn shipped_model_was_trained_on_the_current_training_split() {
    let manifest = shipped().manifest;
    let data = &manifest.training.data;
    assert_eq!(data.len(), 1);
    assert_eq!(data[0].path, TRAIN);
    let current = sha256_hex(&std::fs::read(root().join(TRAIN)).unwrap());
    assert_eq!(
        data[0].sha256, current,
        "{TRAIN} changed since models/default was trained: retrain it with \
         `cadence train --data {TRAIN} --out models/default --folds 5` from the repository root"
    );
}

#[test]
fn retraining_reproduces_the_shipped_model() {
    let shipped = shipped();
    let (retrained, report) = train(
        &examples(TRAIN),
        shipped.classifier.encoder(),
        &shipped.manifest.training.config,
    )
    .unwrap();
    assert_eq!(report.temperature, shipped.manifest.temperature);
    let test = examples(TEST);
    let before = predicted_labels(&shipped.classifier, &test);
    let after = predicted_labels(&retrained, &test);
    let differ = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert_eq!(
        differ,
        0,
        "{differ} of {} test predictions changed",
        test.len()
    );
}

#[test]
fn shipped_model_meets_the_accuracy_target_on_the_test_split() {
    let test = examples(TEST);
    let scores = shipped()
        .classifier
        .predict_batch(&test, |e| (e.text.as_str(), e.context.as_deref()));
    let gold: Vec<Label> = test.iter().map(|e| e.label).collect();
    let evaluation = Evaluation::new(&gold, &scores);
    assert!(
        evaluation.macro_f1 >= 0.85,
        "macro-F1 {:.3}",
        evaluation.macro_f1
    );
    for class in &evaluation.per_class {
        assert!(class.f1 >= 0.8, "{}: F1 {:.3}", class.label, class.f1);
    }
    assert!(
        evaluation.expected_calibration_error < 0.08,
        "expected calibration error {:.3}",
        evaluation.expected_calibration_error
    );
}

#[test]
fn the_taxonomy_examples_get_their_own_labels() {
    let model = shipped().classifier;
    for label in Label::ALL {
        for example in label.examples() {
            let scores = model.predict(example.text, example.context);
            let predicted = cadence_taxonomy::Classification::from_scores(scores, 0.0).top_label();
            assert_eq!(
                predicted, label,
                "{:?} (context {:?})",
                example.text, example.context
            );
        }
    }
}
