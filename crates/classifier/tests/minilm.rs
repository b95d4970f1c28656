//! The MiniLM encoder (`--features bert`, after `scripts/setup-bert`): its embeddings match
//! Python sentence-transformers, a head trains and classifies with it end to end, and a
//! missing or different encoder is a clear error.
#![cfg(feature = "bert")]

use std::path::Path;

use cadence_classifier::encoder::Backend;
use cadence_classifier::features::FeatureConfig;
use cadence_classifier::minilm::{self, Minilm};
use cadence_classifier::model_dir::{self, CrossValidation, Training};
use cadence_classifier::{Encoder, Example, TrainConfig, train};
use cadence_taxonomy::Label;
use serde_json::Value;

fn encoder() -> Minilm {
    Minilm::load(&minilm::default_dir(), None).expect("scripts/setup-bert has been run")
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn embeddings_match_sentence_transformers() {
    let reference: Value =
        serde_json::from_str(include_str!("minilm_reference.json")).expect("valid JSON");
    let sentences: Vec<&str> = reference["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let minilm = encoder();
    // Twice over, so that repeats and batching by length are part of what is checked.
    let doubled: Vec<&str> = sentences
        .iter()
        .chain(sentences.iter().rev())
        .copied()
        .collect();
    let embeddings = minilm.embed(doubled.iter().copied());
    let width = minilm.dimension();
    assert_eq!(width, 384);
    for (i, expected) in reference["embeddings"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let expected: Vec<f32> = expected
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        for row in [i, doubled.len() - 1 - i] {
            let actual = &embeddings[row * width..][..width];
            let similarity = cosine(actual, &expected);
            assert!(
                similarity > 0.999,
                "{:?}: cosine {similarity}",
                sentences[i]
            );
        }
    }
}

fn toy() -> Vec<Example> {
    use Label::*;
    [
        (
            "heads up the deploy slipped a day, fix in review",
            None,
            Proactive,
        ),
        (
            "merged the migration, 3 of 5 tables done, rest friday",
            None,
            Proactive,
        ),
        (
            "fyi blocked on api keys, asked IT, eta tomorrow",
            None,
            Proactive,
        ),
        ("still on it", Some("where are we with the audit?"), Silent),
        ("no update yet", Some("status of the report?"), Silent),
        (
            "👍",
            Some("can you post where the audit report is?"),
            Silent,
        ),
        ("I went ahead and signed the renewal", None, Overstepping),
        ("told the client we'd give 25% off", None, Overstepping),
        (
            "pushed the pricing change live without waiting",
            None,
            Overstepping,
        ),
        (
            "is 10% within what I can approve or should I ask sales?",
            None,
            Aligned,
        ),
        (
            "so done means the report and I check with you before sending?",
            None,
            Aligned,
        ),
        (
            "👍",
            Some("can you confirm you'll wait for legal before sending?"),
            Aligned,
        ),
    ]
    .into_iter()
    .map(|(text, context, label)| Example {
        text: text.to_owned(),
        context: context.map(str::to_owned),
        label,
    })
    .collect()
}

#[test]
fn a_minilm_head_trains_saves_loads_and_classifies() {
    let data = toy();
    let config = TrainConfig {
        calibration_fraction: 0.34,
        ..TrainConfig::default()
    };
    for backend in [Backend::Minilm, Backend::Hybrid] {
        let encoder = Encoder::for_backend(backend, FeatureConfig::default(), None).unwrap();
        let (classifier, report) = train(&data, &encoder, &config).unwrap();
        assert_eq!(report.examples, data.len());
        let scores = classifier.predict_batch(&data, |e| (e.text.as_str(), e.context.as_deref()));
        let right = data
            .iter()
            .zip(&scores)
            .filter(|(e, s)| {
                cadence_taxonomy::Classification::from_scores(**s, 0.0).top_label() == e.label
            })
            .count();
        assert!(
            right >= 11,
            "{backend:?}: {right} of 12 training examples right"
        );

        let dir = tempfile::tempdir().unwrap();
        let training = Training {
            data: Vec::new(),
            config: config.clone(),
            report,
            cross_validation: None::<CrossValidation>,
        };
        let manifest = model_dir::save(dir.path(), &classifier, training).unwrap();
        assert_eq!(manifest.encoder, encoder.spec());
        let loaded = model_dir::load(dir.path()).unwrap();
        let again = loaded
            .classifier
            .predict_batch(&data, |e| (e.text.as_str(), e.context.as_deref()));
        assert_eq!(again, scores);
        // Alone, the text is padded differently: the same up to rounding.
        let alone = loaded
            .classifier
            .predict("still on it", Some("where are we with the audit?"));
        assert!(
            alone
                .iter()
                .zip(scores[3])
                .all(|(a, b)| (a - b).abs() < 1e-5)
        );
    }
}

/// A model directory whose head needs the MiniLM encoder.
fn minilm_model(dir: &Path) {
    let encoder = Encoder::Minilm(encoder());
    let (classifier, report) = train(&toy(), &encoder, &TrainConfig::default()).unwrap();
    let training = Training {
        data: Vec::new(),
        config: TrainConfig::default(),
        report,
        cross_validation: None,
    };
    model_dir::save(dir, &classifier, training).unwrap();
}

#[test]
fn a_missing_encoder_says_how_to_fetch_it() {
    let model = tempfile::tempdir().unwrap();
    minilm_model(model.path());
    let empty = tempfile::tempdir().unwrap();
    let error = model_dir::load_with_encoder_dir(model.path(), Some(empty.path()))
        .unwrap_err()
        .to_string();
    assert!(error.contains("model.safetensors is missing"), "{error}");
    assert!(error.contains("scripts/setup-bert"), "{error}");
    assert!(error.contains("--encoder-dir"), "{error}");
}

#[test]
fn a_different_encoder_is_refused() {
    let model = tempfile::tempdir().unwrap();
    minilm_model(model.path());
    let manifest_path = model.path().join(model_dir::MANIFEST_FILE);
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    let sha = encoder().weights_sha256().to_owned();
    std::fs::write(&manifest_path, manifest.replace(&sha, &"0".repeat(64))).unwrap();
    let error = model_dir::load(model.path()).unwrap_err().to_string();
    assert!(
        error.contains(&"0".repeat(64)) && error.contains(&sha),
        "{error}"
    );
    assert!(error.contains("scripts/setup-bert"), "{error}");
}
