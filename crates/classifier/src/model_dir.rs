//! Model directories: `manifest.json` (format version, labels, the encoder, training
//! provenance, metrics, checksum of the weights) beside `weights.safetensors`, the head.
//! Encoder weights are never part of a model directory: the manifest pins their sha256.

use std::io::Write;
use std::path::Path;

use cadence_taxonomy::Label;
use ndarray::{Array1, Array2};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoder::{Encoder, Input, Precision};
use crate::features::{FeatureConfig, Featurizer};
use crate::metrics::Evaluation;
use crate::model::{Classifier, LinearModel};
use crate::train::{TrainConfig, TrainingReport};
use crate::{Error, Result};

pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST_FILE: &str = "manifest.json";
pub const WEIGHTS_FILE: &str = "weights.safetensors";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    /// The cadence version that wrote the model.
    pub cadence_version: String,
    /// Label names in the order of the weights' columns.
    pub labels: Vec<String>,
    pub encoder: EncoderSpec,
    pub weights: WeightsFile,
    pub temperature: f32,
    pub training: Training,
}

/// What turns a message into the vector the head reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EncoderSpec {
    HashedNgrams {
        features: FeatureConfig,
    },
    /// sentence-transformers/all-MiniLM-L6-v2 embeddings of the message and of its context;
    /// `weights_sha256` is that of the encoder's `model.safetensors`.
    Minilm {
        weights_sha256: String,
        /// How the transformer layers compute; absent in models made before int8 (fp32).
        #[serde(default)]
        precision: Precision,
        /// Top layers replaced by fine-tuned ones, kept in the model directory.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fine_tuned: Option<FineTunedSpec>,
    },
    /// The MiniLM embeddings, then the hashed n-grams.
    Hybrid {
        weights_sha256: String,
        #[serde(default)]
        precision: Precision,
        features: FeatureConfig,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fine_tuned: Option<FineTunedSpec>,
    },
}

/// The fine-tuned top layers of a MiniLM encoder: a safetensors file in the model directory
/// (f16, under rust-bert's variable names) laid over the base encoder's weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FineTunedSpec {
    pub file: String,
    pub sha256: String,
    /// How many of the top transformer layers the file replaces.
    pub layers: usize,
    /// Whether the message and its context are read as one pair or one by one.
    pub input: Input,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsFile {
    pub file: String,
    pub sha256: String,
}

/// Where the model came from and how well it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    pub data: Vec<DataFile>,
    pub config: TrainConfig,
    pub report: TrainingReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_validation: Option<CrossValidation>,
    /// How the encoder's top layers were fine-tuned, for a fine-tuned encoder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine_tuning: Option<FineTuning>,
}

/// The fine-tuning of an encoder: its settings, how many examples it learnt from and the
/// training loss of each epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FineTuning {
    pub config: crate::finetune::FineTuneConfig,
    /// How many examples the encoder kept learnt from: every training example since the head
    /// is cross-fitted (`training.report.cross_fit_folds`); before, the training examples less
    /// the head's calibration fold. Absent from manifests written before either: those
    /// encoders were fine-tuned on every training example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<usize>,
    pub epoch_losses: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    /// The path as given to `cadence train`.
    pub path: String,
    pub sha256: String,
    pub examples: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    pub folds: usize,
    pub evaluation: Evaluation,
}

/// A loaded model: the classifier and the manifest that describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedModel {
    pub classifier: Classifier,
    pub manifest: Manifest,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes a model directory. Each file is written to a temporary file in the directory and
/// renamed into place, so an interrupted save never leaves a half-written file.
pub fn save(dir: &Path, classifier: &Classifier, training: Training) -> Result<Manifest> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let model = classifier.model();
    let weights = encode_weights(model)?;
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        cadence_version: env!("CARGO_PKG_VERSION").to_owned(),
        labels: Label::ALL.iter().map(|l| l.name().to_owned()).collect(),
        encoder: classifier.encoder().spec(),
        weights: WeightsFile {
            file: WEIGHTS_FILE.to_owned(),
            sha256: sha256_hex(&weights),
        },
        temperature: model.temperature,
        training,
    };
    let mut manifest_json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
    manifest_json.push(b'\n');
    for (name, bytes) in classifier.encoder().files() {
        write_atomically(&dir.join(name), bytes)?;
    }
    write_atomically(&dir.join(WEIGHTS_FILE), &weights)?;
    write_atomically(&dir.join(MANIFEST_FILE), &manifest_json)?;
    Ok(manifest)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it to `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = temp_file_beside(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// A temporary file in `path`'s directory (so that renaming it onto `path` is atomic), with
/// the permissions of an ordinary new file rather than tempfile's private 0600.
pub fn temp_file_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cadence-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir)
}

fn encode_weights(model: &LinearModel) -> Result<Vec<u8>> {
    let weight_bytes: Vec<u8> = model.weights.iter().flat_map(|w| w.to_le_bytes()).collect();
    let bias_bytes: Vec<u8> = model.bias.iter().flat_map(|b| b.to_le_bytes()).collect();
    let tensors = [
        (
            "bias",
            TensorView::new(Dtype::F32, vec![Label::COUNT], &bias_bytes),
        ),
        (
            "weight",
            TensorView::new(Dtype::F32, model.weights.shape().to_vec(), &weight_bytes),
        ),
    ];
    let tensors = tensors
        .into_iter()
        .map(|(name, view)| Ok((name, view.map_err(|e| Error::Training(e.to_string()))?)))
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize(tensors, None).map_err(|e| Error::Training(e.to_string()))
}

/// Loads a model directory, checking everything that can be wrong with it. An encoder with
/// weights of its own is looked for where [`load_with_encoder_dir`] says.
pub fn load(dir: &Path) -> Result<LoadedModel> {
    load_with_encoder_dir(dir, None)
}

/// Loads a model directory whose MiniLM encoder, if it has one, is in `encoder_dir`, else in
/// `$CADENCE_ENCODER_DIR`, else where `scripts/setup-bert` puts it.
pub fn load_with_encoder_dir(dir: &Path, encoder_dir: Option<&Path>) -> Result<LoadedModel> {
    let origin = dir.display().to_string();
    if !dir.is_dir() {
        return Err(Error::model(origin, "no such directory"));
    }
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| {
            let what = if e.kind() == std::io::ErrorKind::NotFound {
                format!("{name} is missing: is this a cadence model directory?")
            } else {
                format!("cannot read {name}: {e}")
            };
            Error::model(&origin, what)
        })
    };
    let manifest = read(MANIFEST_FILE)?;
    let manifest = parse_manifest(&manifest, &origin)?;
    let weights = read(&manifest.weights.file)?;
    from_parts(manifest, &weights, &origin, Some(dir), encoder_dir)
}

/// Loads a model from the bytes of its two files (the built-in model lives in the binary).
pub fn load_bytes(manifest: &[u8], weights: &[u8], origin: &str) -> Result<LoadedModel> {
    from_parts(
        parse_manifest(manifest, origin)?,
        weights,
        origin,
        None,
        None,
    )
}

fn parse_manifest(bytes: &[u8], origin: &str) -> Result<Manifest> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::model(origin, format!("{MANIFEST_FILE} is not valid JSON: {e}")))?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(Error::model(
            origin,
            format!(
                "{MANIFEST_FILE} has format_version {}, this cadence reads version {FORMAT_VERSION}",
                version.map_or("(none)".to_owned(), |v| v.to_string())
            ),
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| Error::model(origin, format!("{MANIFEST_FILE} is malformed: {e}")))
}

fn from_parts(
    manifest: Manifest,
    weights: &[u8],
    origin: &str,
    model_dir: Option<&Path>,
    encoder_dir: Option<&Path>,
) -> Result<LoadedModel> {
    let known: Vec<&str> = Label::ALL.iter().map(|l| l.name()).collect();
    if manifest.labels != known {
        return Err(Error::model(
            origin,
            format!(
                "the model's labels are {:?}, this cadence uses {known:?}",
                manifest.labels
            ),
        ));
    }
    let actual = sha256_hex(weights);
    if actual != manifest.weights.sha256 {
        return Err(Error::model(
            origin,
            format!(
                "{} has sha256 {actual} but the manifest says {}: the file is corrupt or belongs to another model",
                manifest.weights.file, manifest.weights.sha256
            ),
        ));
    }
    if !(manifest.temperature.is_finite() && manifest.temperature > 0.0) {
        return Err(Error::model(
            origin,
            format!(
                "temperature {} is not a positive number",
                manifest.temperature
            ),
        ));
    }
    let encoder = build_encoder(&manifest.encoder, origin, model_dir, encoder_dir)?;
    let tensors = SafeTensors::deserialize(weights).map_err(|e| {
        Error::model(
            origin,
            format!("{} is not a safetensors file: {e}", manifest.weights.file),
        )
    })?;
    let tensor = |name: &str, shape: &[usize]| -> Result<Vec<f32>> {
        let view = tensors.tensor(name).map_err(|_| {
            Error::model(
                origin,
                format!("{} has no tensor {name:?}", manifest.weights.file),
            )
        })?;
        if view.dtype() != Dtype::F32 || view.shape() != shape {
            return Err(Error::model(
                origin,
                format!(
                    "tensor {name:?} is {:?} {:?}, expected F32 {shape:?}",
                    view.dtype(),
                    view.shape()
                ),
            ));
        }
        Ok(view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    };
    let dimension = encoder.dimension();
    let weight = tensor("weight", &[dimension, Label::COUNT])?;
    let bias = tensor("bias", &[Label::COUNT])?;
    if let Some(bad) = weight.iter().chain(&bias).find(|w| !w.is_finite()) {
        return Err(Error::model(
            origin,
            format!("the weights hold a non-finite value ({bad})"),
        ));
    }
    let model = LinearModel {
        weights: Array2::from_shape_vec((dimension, Label::COUNT), weight).expect("shape checked"),
        bias: Array1::from_vec(bias),
        temperature: manifest.temperature,
    };
    Ok(LoadedModel {
        classifier: Classifier::new(encoder, model),
        manifest,
    })
}

#[cfg_attr(not(feature = "bert"), allow(unused_variables))]
fn build_encoder(
    spec: &EncoderSpec,
    origin: &str,
    model_dir: Option<&Path>,
    encoder_dir: Option<&Path>,
) -> Result<Encoder> {
    match spec {
        EncoderSpec::HashedNgrams { features } => {
            Ok(Encoder::HashedNgrams(checked_featurizer(features, origin)?))
        }
        #[cfg(feature = "bert")]
        EncoderSpec::Minilm {
            weights_sha256,
            precision,
            fine_tuned,
        } => Ok(Encoder::Minilm(load_minilm(
            weights_sha256,
            *precision,
            fine_tuned.as_ref(),
            origin,
            model_dir,
            encoder_dir,
        )?)),
        #[cfg(feature = "bert")]
        EncoderSpec::Hybrid {
            weights_sha256,
            precision,
            features,
            fine_tuned,
        } => Ok(Encoder::Hybrid {
            featurizer: checked_featurizer(features, origin)?,
            minilm: load_minilm(
                weights_sha256,
                *precision,
                fine_tuned.as_ref(),
                origin,
                model_dir,
                encoder_dir,
            )?,
        }),
        #[cfg(not(feature = "bert"))]
        EncoderSpec::Minilm { .. } | EncoderSpec::Hybrid { .. } => {
            Err(Error::model(origin, crate::encoder::BERT_MISSING))
        }
    }
}

/// The base encoder, checked against the sha256 the head was trained on, with the model's
/// fine-tuned layers (checked against theirs) laid over it.
#[cfg(feature = "bert")]
fn load_minilm(
    weights_sha256: &str,
    precision: Precision,
    fine_tuned: Option<&FineTunedSpec>,
    origin: &str,
    model_dir: Option<&Path>,
    encoder_dir: Option<&Path>,
) -> Result<crate::minilm::Minilm> {
    use crate::minilm::{Minilm, Tuning, resolve_dir};
    // The model's own file first: a corrupt model is reported as such, whatever the encoder.
    let tuning = match fine_tuned {
        None => None,
        Some(spec) => {
            let Some(dir) = model_dir else {
                return Err(Error::model(
                    origin,
                    "a fine-tuned encoder can only be loaded from a model directory",
                ));
            };
            let file = std::fs::read(dir.join(&spec.file))
                .map_err(|e| Error::model(origin, format!("cannot read {}: {e}", spec.file)))?;
            let tuning = Tuning::new(spec.input, spec.layers, file);
            if tuning.sha256() != spec.sha256 {
                return Err(Error::model(
                    origin,
                    format!(
                        "{} has sha256 {} but the manifest says {}: the file is corrupt or belongs to another model",
                        spec.file,
                        tuning.sha256(),
                        spec.sha256
                    ),
                ));
            }
            Some(tuning)
        }
    };
    Minilm::load_tuned(
        &resolve_dir(encoder_dir),
        Some(weights_sha256),
        tuning,
        precision,
    )
    .map_err(|e| Error::model(origin, e.to_string()))
}

fn checked_featurizer(features: &FeatureConfig, origin: &str) -> Result<Featurizer> {
    if !(4..=26).contains(&features.hash_bits)
        || features.char_ngram_min == 0
        || features.char_ngram_min > features.char_ngram_max
    {
        return Err(Error::model(
            origin,
            format!("featuriser settings out of range: {features:?}"),
        ));
    }
    Ok(Featurizer::new(features.clone()))
}
