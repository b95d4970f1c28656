//! Encoders turn a message and its context into the vector the linear head reads. The head,
//! training, calibration, evaluation and model files are the same whatever the encoder: a
//! dense embedding is a [`SparseVector`] with every index.

use std::path::Path;

use rayon::prelude::*;

use crate::Result;
use crate::features::{FeatureConfig, Featurizer, Scratch, SparseVector};
#[cfg(feature = "bert")]
use crate::minilm::{Minilm, resolve_dir};
use crate::model_dir::EncoderSpec;

/// What a build without the `bert` feature says when asked for a MiniLM encoder.
pub const BERT_MISSING: &str = "the MiniLM sentence-transformer encoder is not in this build of \
     cadence: build it with `--features bert` (after `scripts/setup-bert`)";

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
    /// the MiniLM is looked for first (see [`crate::minilm::resolve_dir`]).
    pub fn for_backend(
        backend: Backend,
        features: FeatureConfig,
        #[cfg_attr(not(feature = "bert"), allow(unused_variables))] encoder_dir: Option<&Path>,
    ) -> Result<Encoder> {
        match backend {
            Backend::HashedNgrams => Ok(Encoder::HashedNgrams(Featurizer::new(features))),
            #[cfg(feature = "bert")]
            Backend::Minilm => Ok(Encoder::Minilm(Minilm::load(
                &resolve_dir(encoder_dir),
                None,
            )?)),
            #[cfg(feature = "bert")]
            Backend::Hybrid => Ok(Encoder::Hybrid {
                minilm: Minilm::load(&resolve_dir(encoder_dir), None)?,
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
            Encoder::Minilm(minilm) => 2 * minilm.dimension(),
            #[cfg(feature = "bert")]
            Encoder::Hybrid { minilm, featurizer } => {
                2 * minilm.dimension() + featurizer.dimension()
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
                Some((featurizer, 2 * minilm.dimension() as u32))
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
            },
            #[cfg(feature = "bert")]
            Encoder::Hybrid { minilm, featurizer } => EncoderSpec::Hybrid {
                weights_sha256: minilm.weights_sha256().to_owned(),
                features: featurizer.config().clone(),
            },
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
                let offset = 2 * minilm.dimension() as u32;
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

/// `[embedding of the text | embedding of the context]`, each text embedded once however
/// often it occurs as a message or a context.
#[cfg(feature = "bert")]
fn embed_pairs<T>(
    minilm: &Minilm,
    items: &[T],
    text_of: &impl Fn(&T) -> (&str, Option<&str>),
) -> Vec<SparseVector> {
    let pairs: Vec<(&str, Option<&str>)> = items.iter().map(text_of).collect();
    let texts = pairs
        .iter()
        .flat_map(|&(text, context)| std::iter::once(text).chain(context));
    let embeddings = minilm.embed(texts);
    let width = minilm.dimension();
    let mut rows = embeddings.chunks_exact(width);
    pairs
        .iter()
        .map(|&(_, context)| {
            let text = rows.next().expect("one embedding per text");
            let mut vector = SparseVector {
                indices: (0..width as u32).collect(),
                values: text.to_vec(),
            };
            if context.is_some() {
                let context = rows.next().expect("one embedding per context");
                vector.indices.extend(width as u32..2 * width as u32);
                vector.values.extend_from_slice(context);
            }
            vector
        })
        .collect()
}
