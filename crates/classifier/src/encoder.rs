//! Encoders turn a message and its context into the vector the linear head reads. The head,
//! training, calibration, evaluation and model files are the same whatever the encoder: a
//! dense embedding is a [`SparseVector`] with every index.

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::features::{FeatureConfig, Featurizer, Scratch, SparseVector};
#[cfg(feature = "bert")]
use crate::minilm::{Minilm, resolve_dir};
use crate::model_dir::EncoderSpec;

/// What a build without the `bert` feature says when asked for a MiniLM encoder.
pub const BERT_MISSING: &str = "the MiniLM sentence-transformer encoder is not in this build of \
     cadence: build it with `--features bert` (after `scripts/setup-bert`)";

/// How a message and its context become the sequences the MiniLM reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Input {
    /// The message and its context embedded one by one, then concatenated (zeros for no
    /// context): twice the encoder's width.
    #[default]
    Separate,
    /// `[CLS] message [SEP] context [SEP]` as one sequence: the encoder's width.
    Pair,
}

/// How MiniLM's transformer layers compute: int8 takes about half the CPU time of fp32, and a
/// head trained on int8 embeddings scores within half a point of one on fp32 embeddings
/// (docs/backends.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// What models trained before int8 existed used, so it is what a manifest without a
    /// `precision` means.
    #[default]
    Fp32,
    /// int8 weights (one scale per matrix) and int8 activations (one scale per token), as
    /// PyTorch's dynamic quantisation does.
    Int8,
}

/// Which encoder to train a head for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    HashedNgrams,
    Minilm,
    Hybrid,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Encoder {
    /// Hashed word and character n-grams of the message and its context.
    HashedNgrams(Featurizer),
    /// The MiniLM embedding of the message, then that of its context (zeros when none).
    #[cfg(feature = "bert")]
    Minilm(Minilm),
    /// The two MiniLM embeddings, then the hashed n-grams.
    #[cfg(feature = "bert")]
    Hybrid {
        minilm: Minilm,
        featurizer: Featurizer,
    },
}

impl Encoder {
    /// A new encoder for `backend`; `features` configures the n-grams, `encoder_dir` is where
    /// the MiniLM is looked for first (see [`crate::minilm::resolve_dir`]), `precision` how
    /// it computes.
    pub fn for_backend(
        backend: Backend,
        features: FeatureConfig,
        #[cfg_attr(not(feature = "bert"), allow(unused_variables))] encoder_dir: Option<&Path>,
        #[cfg_attr(not(feature = "bert"), allow(unused_variables))] precision: Precision,
    ) -> Result<Encoder> {
        match backend {
            Backend::HashedNgrams => Ok(Encoder::HashedNgrams(Featurizer::new(features))),
            #[cfg(feature = "bert")]
            Backend::Minilm => Ok(Encoder::Minilm(Minilm::load(
                &resolve_dir(encoder_dir),
                None,
                precision,
            )?)),
            #[cfg(feature = "bert")]
            Backend::Hybrid => Ok(Encoder::Hybrid {
                minilm: Minilm::load(&resolve_dir(encoder_dir), None, precision)?,
                featurizer: Featurizer::new(features),
            }),
            #[cfg(not(feature = "bert"))]
            Backend::Minilm | Backend::Hybrid => {
                Err(crate::Error::Encoder(BERT_MISSING.to_owned()))
            }
        }
    }

    /// The length of the vectors it makes: the dimension of the head.
    pub fn dimension(&self) -> usize {
        match self {
            Encoder::HashedNgrams(featurizer) => featurizer.dimension(),
            #[cfg(feature = "bert")]
            Encoder::Minilm(minilm) => minilm.item_dimension(),
            #[cfg(feature = "bert")]
            Encoder::Hybrid { minilm, featurizer } => {
                minilm.item_dimension() + featurizer.dimension()
            }
        }
    }

    /// The n-gram featuriser and where its features start in the vector, when it has one.
    pub fn featurizer(&self) -> Option<(&Featurizer, u32)> {
        match self {
            Encoder::HashedNgrams(featurizer) => Some((featurizer, 0)),
            #[cfg(feature = "bert")]
            Encoder::Minilm(_) => None,
            #[cfg(feature = "bert")]
            Encoder::Hybrid { minilm, featurizer } => {
                Some((featurizer, minilm.item_dimension() as u32))
            }
        }
    }

    /// How the model's manifest names it.
    pub fn spec(&self) -> EncoderSpec {
        match self {
            Encoder::HashedNgrams(featurizer) => EncoderSpec::HashedNgrams {
                features: featurizer.config().clone(),
            },
            #[cfg(feature = "bert")]
            Encoder::Minilm(minilm) => EncoderSpec::Minilm {
                weights_sha256: minilm.weights_sha256().to_owned(),
                precision: minilm.precision(),
                fine_tuned: fine_tuned_spec(minilm),
            },
            #[cfg(feature = "bert")]
            Encoder::Hybrid { minilm, featurizer } => EncoderSpec::Hybrid {
                weights_sha256: minilm.weights_sha256().to_owned(),
                precision: minilm.precision(),
                features: featurizer.config().clone(),
                fine_tuned: fine_tuned_spec(minilm),
            },
        }
    }

    /// Files the model directory holds for the encoder: the fine-tuned layers, if any.
    pub fn files(&self) -> Vec<(&'static str, &[u8])> {
        match self {
            #[cfg(feature = "bert")]
            Encoder::Minilm(minilm) | Encoder::Hybrid { minilm, .. } => minilm
                .tuning()
                .map(|tuning| (FINE_TUNED_FILE, tuning.file()))
                .into_iter()
                .collect(),
            Encoder::HashedNgrams(_) => Vec::new(),
        }
    }

    /// The MiniLM, if the encoder has one.
    #[cfg(feature = "bert")]
    pub fn minilm(&self) -> Option<&Minilm> {
        match self {
            Encoder::Minilm(minilm) | Encoder::Hybrid { minilm, .. } => Some(minilm),
            Encoder::HashedNgrams(_) => None,
        }
    }

    /// The same kind of encoder around another MiniLM (a fine-tuned one).
    #[cfg(feature = "bert")]
    pub fn with_minilm(&self, minilm: Minilm) -> Encoder {
        match self {
            Encoder::Hybrid { featurizer, .. } => Encoder::Hybrid {
                minilm,
                featurizer: featurizer.clone(),
            },
            _ => Encoder::Minilm(minilm),
        }
    }

    /// One vector per item, in input order.
    pub fn encode_batch<T: Sync>(
        &self,
        items: &[T],
        text_of: impl Fn(&T) -> (&str, Option<&str>) + Sync,
    ) -> Vec<SparseVector> {
        match self {
            Encoder::HashedNgrams(featurizer) => featurize_all(featurizer, items, text_of),
            #[cfg(feature = "bert")]
            Encoder::Minilm(minilm) => embed_pairs(minilm, items, &text_of),
            #[cfg(feature = "bert")]
            Encoder::Hybrid { minilm, featurizer } => {
                let offset = minilm.item_dimension() as u32;
                let sparse = featurize_all(featurizer, items, &text_of);
                embed_pairs(minilm, items, &text_of)
                    .into_iter()
                    .zip(sparse)
                    .map(|(mut dense, sparse)| {
                        dense
                            .indices
                            .extend(sparse.indices.iter().map(|j| j + offset));
                        dense.values.extend(sparse.values);
                        dense
                    })
                    .collect()
            }
        }
    }
}

fn featurize_all<T: Sync>(
    featurizer: &Featurizer,
    items: &[T],
    text_of: impl Fn(&T) -> (&str, Option<&str>) + Sync,
) -> Vec<SparseVector> {
    items
        .par_iter()
        .map_init(Scratch::default, |scratch, item| {
            let (text, context) = text_of(item);
            featurizer.featurize(text, context, scratch)
        })
        .collect()
}

/// The MiniLM vector of each message and its context (see [`Input`]), dense.
#[cfg(feature = "bert")]
fn embed_pairs<T>(
    minilm: &Minilm,
    items: &[T],
    text_of: &impl Fn(&T) -> (&str, Option<&str>),
) -> Vec<SparseVector> {
    let pairs: Vec<(&str, Option<&str>)> = items.iter().map(text_of).collect();
    let width = minilm.item_dimension();
    minilm
        .embed_items(&pairs)
        .chunks_exact(width)
        .map(|row| SparseVector {
            indices: (0..width as u32).collect(),
            values: row.to_vec(),
        })
        .collect()
}

/// Where the fine-tuned layers are kept in a model directory.
pub const FINE_TUNED_FILE: &str = "encoder.safetensors";

#[cfg(feature = "bert")]
fn fine_tuned_spec(minilm: &Minilm) -> Option<crate::model_dir::FineTunedSpec> {
    minilm
        .tuning()
        .map(|tuning| crate::model_dir::FineTunedSpec {
            file: FINE_TUNED_FILE.to_owned(),
            sha256: tuning.sha256().to_owned(),
            layers: tuning.layers,
            input: tuning.input,
        })
}
