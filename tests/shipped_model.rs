//! The shipped models: `models/default`, reproducible from `datasets/` and as accurate as the
//! README says, and (with `--features bert`) `models/minilm`, trained on the same split and
//! more accurate.

use std::path::{Path, PathBuf};

use cadence_classifier::model_dir::{self, LoadedModel, sha256_hex};
use cadence_classifier::{Evaluation, Example, train};
use cadence_taxonomy::Label;

const TRAIN: &str = "datasets/splits/train.jsonl";
const TEST: &str = "datasets/splits/test.jsonl";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped() -> LoadedModel {
    load("models/default")
}

fn load(model: &str) -> LoadedModel {
    model_dir::load(&root().join(model)).unwrap_or_else(|e| panic!("{model} loads: {e}"))
}

/// The models this build can load.
fn shipped_models() -> Vec<&'static str> {
    let mut models = vec!["models/default"];
    if cfg!(feature = "bert") {
        models.push("models/minilm");
    }
    models
}

fn evaluation(model: &LoadedModel, relative: &str) -> Evaluation {
    let data = examples(relative);
    let scores = model
        .classifier
        .predict_batch(&data, |e| (e.text.as_str(), e.context.as_deref()));
    let gold: Vec<Label> = data.iter().map(|e| e.label).collect();
    Evaluation::new(&gold, &scores)
}

fn examples(relative: &str) -> Vec<Example> {
    std::fs::read_to_string(root().join(relative))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
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
fn shipped_models_were_trained_on_the_current_training_split() {
    let current = sha256_hex(&std::fs::read(root().join(TRAIN)).unwrap());
    for model in shipped_models() {
        let manifest = load(model).manifest;
        let data = &manifest.training.data;
        assert_eq!(data.len(), 1);
        assert_eq!(data[0].path, TRAIN);
        assert_eq!(
            data[0].sha256, current,
            "{TRAIN} changed since {model} was trained: retrain it as its manifest's \
             `training` says (README, docs/backends.md)"
        );
    }
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
    let test = evaluation(&shipped(), TEST);
    assert!(test.macro_f1 >= 0.85, "macro-F1 {:.3}", test.macro_f1);
    for class in &test.per_class {
        assert!(class.f1 >= 0.8, "{}: F1 {:.3}", class.label, class.f1);
    }
    assert!(
        test.expected_calibration_error < 0.08,
        "expected calibration error {:.3}",
        test.expected_calibration_error
    );
}

/// Two teams' chat written independently of the corpus (0.851 when the model was trained):
/// the test split flatters any model trained beside it, this set less so.
#[test]
fn shipped_model_holds_up_on_chat_written_apart_from_the_corpus() {
    let chat = evaluation(&shipped(), "datasets/eval/team_chat.jsonl");
    assert!(chat.macro_f1 >= 0.82, "macro-F1 {:.3}", chat.macro_f1);
    for class in &chat.per_class {
        assert!(class.f1 >= 0.75, "{}: F1 {:.3}", class.label, class.f1);
    }
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

#[cfg(feature = "bert")]
#[test]
fn the_minilm_model_is_more_accurate_than_the_default_and_calibrated() {
    let minilm_model = load("models/minilm");
    let minilm = evaluation(&minilm_model, TEST);
    let default = evaluation(&shipped(), TEST);
    // Issue 6's bar is 0.90; docs/backends.md has the per-class figures (0.932 against
    // 0.901 when it was trained).
    assert!(minilm.macro_f1 >= 0.90, "macro-F1 {:.3}", minilm.macro_f1);
    assert!(
        minilm.macro_f1 > default.macro_f1 + 0.025,
        "minilm {:.3} against default {:.3}",
        minilm.macro_f1,
        default.macro_f1
    );
    // The head learnt from cross-fitted embeddings, and its temperature with them, so the
    // confidences mean what they say about as well as the n-gram model's do.
    assert_eq!(
        minilm_model.manifest.training.report.cross_fit_folds,
        Some(2)
    );
    assert!(
        minilm.expected_calibration_error < 0.05,
        "expected calibration error {:.3}",
        minilm.expected_calibration_error
    );
}

/// The claims docs/backends.md makes for the fine-tuned encoder beyond the test split, on
/// sets no model trains on: it reads authority from the context better than the n-grams
/// (0.815 against 0.785 when it was trained), and it is ahead on two teams' chat written
/// independently of the corpus (0.868 against 0.851), where the previous model was 5 points
/// behind.
#[cfg(feature = "bert")]
#[test]
fn the_minilm_model_is_ahead_of_the_default_beyond_the_test_split() {
    let (minilm_model, default_model) = (load("models/minilm"), shipped());
    for (set, margin) in [
        ("datasets/eval/authority_context.jsonl", 0.02),
        ("datasets/eval/team_chat.jsonl", 0.01),
    ] {
        let minilm = evaluation(&minilm_model, set);
        let default = evaluation(&default_model, set);
        assert!(
            minilm.macro_f1 > default.macro_f1 + margin,
            "{set}: minilm {:.3} against default {:.3}",
            minilm.macro_f1,
            default.macro_f1
        );
    }
}
