//! The MiniLM encoder (`--features bert`, after `scripts/setup-bert`): its embeddings match
//! Python sentence-transformers, a head trains and classifies with it end to end, and a
//! missing or different encoder is a clear error.
#![cfg(feature = "bert")]

use std::path::Path;

use cadence_classifier::encoder::{Backend, FINE_TUNED_FILE, Input, Precision};
use cadence_classifier::features::FeatureConfig;
use cadence_classifier::finetune::{FineTuneConfig, average_tunings, fine_tune_encoder};
use cadence_classifier::minilm::{self, Minilm, Tuning};
use cadence_classifier::model_dir::{self, CrossValidation, EncoderSpec, Training};
use cadence_classifier::{Encoder, Example, TrainConfig, train, train_with};
use cadence_taxonomy::Label;
use serde_json::Value;

fn encoder(precision: Precision) -> Minilm {
    Minilm::load(&minilm::default_dir(), None, precision).expect("scripts/setup-bert has been run")
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

/// Each of `minilm_reference.json`'s sentences with the cosine similarity of its embedding
/// to sentence-transformers' own, twice: the sentences are embedded in one call, all of them
/// twice over, so that repeats and batching by length are part of what is checked.
fn similarities_to_reference(precision: Precision) -> Vec<(String, f32)> {
    let reference: Value =
        serde_json::from_str(include_str!("minilm_reference.json")).expect("valid JSON");
    let sentences: Vec<&str> = reference["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let minilm = encoder(precision);
    let doubled: Vec<&str> = sentences
        .iter()
        .chain(sentences.iter().rev())
        .copied()
        .collect();
    let embeddings = minilm.embed(doubled.iter().copied());
    let width = minilm.dimension();
    assert_eq!(width, 384);
    let mut similarities = Vec::new();
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
            similarities.push((sentences[i].to_owned(), cosine(actual, &expected)));
        }
    }
    similarities
}

#[test]
fn embeddings_match_sentence_transformers() {
    for (sentence, similarity) in similarities_to_reference(Precision::Fp32) {
        assert!(similarity > 0.999, "{sentence:?}: cosine {similarity}");
    }
}

#[test]
fn int8_embeddings_stay_close_to_sentence_transformers() {
    // Short acknowledgements move most (about 0.92 for "ok thanks!"): a few tokens with
    // BERT's large outlier features leave little range for the rest. A head is trained on
    // the int8 embeddings themselves, so what counts is its F1 (docs/backends.md).
    let similarities = similarities_to_reference(Precision::Int8);
    let mean = similarities.iter().map(|(_, s)| s).sum::<f32>() / similarities.len() as f32;
    assert!(mean > 0.97, "mean cosine {mean}");
    for (sentence, similarity) in similarities {
        assert!(similarity > 0.9, "{sentence:?}: cosine {similarity}");
    }
}

/// How many of `data` the `scores` label right.
fn correct(data: &[Example], scores: &[cadence_classifier::Scores]) -> usize {
    data.iter()
        .zip(scores)
        .filter(|(e, s)| {
            cadence_taxonomy::Classification::from_scores(**s, 0.0).top_label() == e.label
        })
        .count()
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
    for (backend, precision) in [
        (Backend::Minilm, Precision::Fp32),
        (Backend::Hybrid, Precision::Int8),
    ] {
        let encoder =
            Encoder::for_backend(backend, FeatureConfig::default(), None, precision).unwrap();
        let (classifier, report) = train(&data, &encoder, &config).unwrap();
        assert_eq!(report.examples, data.len());
        let scores = classifier.predict_batch(&data, |e| (e.text.as_str(), e.context.as_deref()));
        let right = correct(&data, &scores);
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
            fine_tuning: None,
        };
        let manifest = model_dir::save(dir.path(), &classifier, training).unwrap();
        assert_eq!(manifest.encoder, encoder.spec());
        let loaded = model_dir::load(dir.path()).unwrap();
        assert_eq!(
            loaded.classifier.encoder().minilm().unwrap().precision(),
            precision
        );
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
fn minilm_model(dir: &Path, precision: Precision) {
    let encoder = Encoder::Minilm(encoder(precision));
    let (classifier, report) = train(&toy(), &encoder, &TrainConfig::default()).unwrap();
    let training = Training {
        data: Vec::new(),
        config: TrainConfig::default(),
        report,
        cross_validation: None,
        fine_tuning: None,
    };
    model_dir::save(dir, &classifier, training).unwrap();
}

/// The error loading the model at `model` with an empty encoder directory, checked to say
/// which file is missing and how to fetch it.
fn error_without_encoder(model: &Path) -> String {
    let empty = tempfile::tempdir().unwrap();
    let error = model_dir::load_with_encoder_dir(model, Some(empty.path()))
        .unwrap_err()
        .to_string();
    assert!(error.contains("model.safetensors is missing"), "{error}");
    assert!(error.contains("scripts/setup-bert"), "{error}");
    error
}

#[test]
fn a_missing_encoder_says_how_to_fetch_it() {
    let model = tempfile::tempdir().unwrap();
    minilm_model(model.path(), Precision::Int8);
    let error = error_without_encoder(model.path());
    assert!(error.contains("--encoder-dir"), "{error}");
}

#[test]
fn a_different_encoder_is_refused() {
    let model = tempfile::tempdir().unwrap();
    minilm_model(model.path(), Precision::Int8);
    let manifest_path = model.path().join(model_dir::MANIFEST_FILE);
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    let sha = encoder(Precision::Int8).weights_sha256().to_owned();
    std::fs::write(&manifest_path, manifest.replace(&sha, &"0".repeat(64))).unwrap();
    let error = model_dir::load(model.path()).unwrap_err().to_string();
    assert!(
        error.contains(&"0".repeat(64)) && error.contains(&sha),
        "{error}"
    );
    assert!(error.contains("scripts/setup-bert"), "{error}");
}

#[test]
fn a_manifest_without_a_precision_is_fp32() {
    // Models made before int8 existed have no `precision`: they were trained on fp32
    // embeddings, and must still get them.
    let model = tempfile::tempdir().unwrap();
    minilm_model(model.path(), Precision::Fp32);
    let manifest_path = model.path().join(model_dir::MANIFEST_FILE);
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let encoder = manifest["encoder"].as_object_mut().unwrap();
    assert_eq!(encoder.remove("precision"), Some(Value::from("fp32")));
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let loaded = model_dir::load(model.path()).unwrap();
    let minilm = loaded.classifier.encoder().minilm().unwrap();
    assert_eq!(minilm.precision(), Precision::Fp32);
}

/// The first `per_label` examples of each label in the training split: real messages.
fn training_subset(per_label: usize) -> Vec<Example> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/splits/train.jsonl");
    let mut counts = [0; Label::COUNT];
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Example>(line).unwrap())
        .filter(|e| {
            counts[e.label.index()] += 1;
            counts[e.label.index()] <= per_label
        })
        .collect()
}

fn small_fine_tune(input: Input) -> FineTuneConfig {
    FineTuneConfig {
        layers: 1,
        input,
        epochs: 4,
        batch_size: 8,
        learning_rate: 2e-4,
        ..FineTuneConfig::default()
    }
}

/// A hybrid model with its top encoder layer fine-tuned on a few real examples, saved.
fn fine_tuned_model(dir: &Path, data: &[Example], input: Input) -> Vec<f64> {
    let base = Encoder::for_backend(
        Backend::Hybrid,
        FeatureConfig::default(),
        None,
        Precision::Int8,
    )
    .unwrap();
    let config = TrainConfig::default();
    let (classifier, report, fine_tuning) = train_with(data, &config, |_, examples| {
        fine_tune_encoder(&base, examples, &small_fine_tune(input), |_, _| {})
    })
    .unwrap();
    let losses = fine_tuning.epoch_losses.clone();
    let training = Training {
        data: Vec::new(),
        config,
        report,
        cross_validation: None,
        fine_tuning: Some(fine_tuning),
    };
    model_dir::save(dir, &classifier, training).unwrap();
    losses
}

#[test]
fn fine_tuning_lowers_the_loss_and_the_model_round_trips() {
    let data = training_subset(10);
    assert_eq!(data.len(), 40);
    for input in [Input::Pair, Input::Separate] {
        let dir = tempfile::tempdir().unwrap();
        let losses = fine_tuned_model(dir.path(), &data, input);
        assert_eq!(losses.len(), 4);
        assert!(
            losses[3] < 0.8 * losses[0],
            "{input:?}: the loss must fall: {losses:?}"
        );

        let loaded = model_dir::load(dir.path()).unwrap();
        let EncoderSpec::Hybrid {
            fine_tuned: Some(spec),
            ..
        } = &loaded.manifest.encoder
        else {
            panic!("{:?}", loaded.manifest.encoder)
        };
        assert_eq!((spec.layers, spec.input), (1, input));
        let size = std::fs::metadata(dir.path().join(&spec.file))
            .unwrap()
            .len();
        assert!(size < 4_000_000, "one layer in f16 is about 3.5 MB: {size}");
        assert!(loaded.manifest.training.fine_tuning.is_some());

        // The loaded encoder is the trained one: the same scores as right after training,
        // and not those of the base encoder.
        let classifier = loaded.classifier;
        let minilm = classifier.encoder().minilm().unwrap();
        assert!(minilm.tuning().is_some());
        let items = [("I went ahead and signed it", None)];
        let (tuned, base) = (
            minilm.embed_items(&items),
            encoder(Precision::Int8).embed_items(&items),
        );
        assert_ne!(
            tuned[..384],
            base[..384],
            "{input:?}: the top layer is not the base's"
        );
        let scores = classifier.predict_batch(&data, |e| (e.text.as_str(), e.context.as_deref()));
        let again = model_dir::load(dir.path())
            .unwrap()
            .classifier
            .predict_batch(&data, |e| (e.text.as_str(), e.context.as_deref()));
        assert_eq!(scores, again);
        let right = correct(&data, &scores);
        assert!(
            right >= 38,
            "{input:?}: {right} of 40 training examples right"
        );
    }
}

/// The base MiniLM encoder in fp32, to fine-tune.
fn fp32_minilm() -> Encoder {
    Encoder::for_backend(
        Backend::Minilm,
        FeatureConfig::default(),
        None,
        Precision::Fp32,
    )
    .unwrap()
}

#[test]
fn fine_tuning_is_deterministic() {
    let data = training_subset(4);
    let base = fp32_minilm();
    let config = small_fine_tune(Input::Pair);
    let (first, a) = fine_tune_encoder(&base, &data, &config, |_, _| {}).unwrap();
    let (second, b) = fine_tune_encoder(&base, &data, &config, |_, _| {}).unwrap();
    assert_eq!(a, b);
    assert_eq!(first.spec(), second.spec());
    let other = FineTuneConfig { seed: 7, ..config };
    let (third, _) = fine_tune_encoder(&base, &data, &other, |_, _| {}).unwrap();
    assert_ne!(first.spec(), third.spec());
}

/// The f16 values of every tensor of a fine-tuned layers file, by name, as f32.
fn tuned_values(tuning: &Tuning) -> Vec<(String, Vec<f32>)> {
    let file = safetensors::SafeTensors::deserialize(tuning.file()).unwrap();
    let mut names = file.names();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let view = file.tensor(name).unwrap();
            let values = tch::Tensor::from_data_size(
                view.data(),
                &[view.data().len() as i64 / 2],
                tch::Kind::Half,
            )
            .to_kind(tch::Kind::Float);
            (name.to_owned(), Vec::<f32>::try_from(values).unwrap())
        })
        .collect()
}

#[test]
fn a_soup_of_fine_tunings_is_their_mean_and_refuses_different_layers() {
    let data = training_subset(4);
    let base = fp32_minilm();
    let config = small_fine_tune(Input::Separate);
    let tuned: Vec<Encoder> = [1, 2]
        .into_iter()
        .map(|seed| {
            let config = FineTuneConfig {
                seed,
                ..config.clone()
            };
            fine_tune_encoder(&base, &data, &config, |_, _| {})
                .unwrap()
                .0
        })
        .collect();
    let tunings: Vec<&Tuning> = tuned
        .iter()
        .map(|e| e.minilm().unwrap().tuning().unwrap())
        .collect();
    let soup = average_tunings(&tunings).unwrap();
    assert_eq!((soup.layers, soup.input), (1, Input::Separate));

    let (a, b, mean) = (
        tuned_values(tunings[0]),
        tuned_values(tunings[1]),
        tuned_values(&soup),
    );
    assert_eq!(mean.len(), a.len());
    assert!(!mean.is_empty());
    let mut moved = 0;
    for ((name, mean), ((_, a), (_, b))) in mean.iter().zip(a.iter().zip(&b)) {
        for ((m, x), y) in mean.iter().zip(a).zip(b) {
            let expected = (x + y) / 2.0;
            // One f16 rounding of the mean: half a unit in the last place, 2^-11 relative.
            assert!(
                (m - expected).abs() <= expected.abs() * 2f32.powi(-11) + 1e-7,
                "{name}: {m} is not the mean of {x} and {y}"
            );
            moved += usize::from(x != y);
        }
    }
    assert!(moved > 0, "two seeds fine-tuned the same weights");
    // The soup loads as any fine-tuned encoder does, and embeds unlike either seed.
    let souped = base.minilm().unwrap().with_tuning(soup).unwrap();
    let text = ["Heads up: the API change may slip two days"];
    let embedded = souped.embed(text);
    for seed in &tuned {
        assert_ne!(embedded, seed.minilm().unwrap().embed(text));
    }

    let other_depth = FineTuneConfig {
        layers: 2,
        ..config
    };
    let (deeper, _) = fine_tune_encoder(&base, &data, &other_depth, |_, _| {}).unwrap();
    let error = average_tunings(&[tunings[0], deeper.minilm().unwrap().tuning().unwrap()])
        .unwrap_err()
        .to_string();
    assert!(error.contains("1 and 2 layers"), "{error}");
    assert!(average_tunings(&[]).is_err());
}

#[test]
fn a_fine_tuned_model_needs_its_base_encoder_and_its_own_layers() {
    let model = tempfile::tempdir().unwrap();
    fine_tuned_model(model.path(), &training_subset(3), Input::Pair);

    // No base encoder.
    error_without_encoder(model.path());

    // Another base encoder than the layers were trained on.
    let other = tempfile::tempdir().unwrap();
    for file in ["config.json", "tokenizer.json"] {
        std::fs::copy(minilm::default_dir().join(file), other.path().join(file)).unwrap();
    }
    std::fs::write(other.path().join(minilm::WEIGHTS_FILE), b"other weights").unwrap();
    let error = model_dir::load_with_encoder_dir(model.path(), Some(other.path()))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(encoder(Precision::Int8).weights_sha256()) && error.contains("trained on"),
        "{error}"
    );

    // The fine-tuned layers missing, or not the ones the manifest pins.
    let layers = model.path().join(FINE_TUNED_FILE);
    let bytes = std::fs::read(&layers).unwrap();
    let mut corrupt = bytes.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 1;
    std::fs::write(&layers, &corrupt).unwrap();
    let error = model_dir::load(model.path()).unwrap_err().to_string();
    assert!(
        error.contains("encoder.safetensors has sha256") && error.contains("corrupt"),
        "{error}"
    );
    std::fs::remove_file(&layers).unwrap();
    let error = model_dir::load(model.path()).unwrap_err().to_string();
    assert!(error.contains("cannot read encoder.safetensors"), "{error}");
    std::fs::write(&layers, &bytes).unwrap();
    assert!(model_dir::load(model.path()).is_ok());
}
