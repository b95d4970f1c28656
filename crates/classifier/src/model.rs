//! The calibrated multinomial logistic-regression model and the classifier that pairs it with
//! its encoder.

use std::collections::HashMap;

use cadence_taxonomy::Label;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::Serialize;

use crate::encoder::Encoder;
use crate::features::{FeatureSink, Featurizer, Group, Scratch, SparseVector, WordScratch};
use crate::normalize::normalize;

/// Probabilities for each label, in [`Label::ALL`] order.
pub type Scores = [f32; Label::COUNT];

/// Weights are stored one row per feature so that a sparse dot product reads four adjacent
/// floats per feature.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    /// Shape `[dimension, labels]`.
    pub weights: Array2<f32>,
    /// Shape `[labels]`.
    pub bias: Array1<f32>,
    /// Logits are divided by it before the softmax (temperature scaling).
    pub temperature: f32,
}

impl LinearModel {
    pub fn logits(&self, x: &SparseVector) -> Scores {
        let mut logits: Scores = std::array::from_fn(|k| self.bias[k]);
        for (&j, &value) in x.indices.iter().zip(&x.values) {
            let row = self.weights.row(j as usize);
            for (logit, w) in logits.iter_mut().zip(row) {
                *logit += value * w;
            }
        }
        logits
    }

    pub fn probabilities(&self, x: &SparseVector) -> Scores {
        softmax(self.logits(x), self.temperature)
    }
}

/// Softmax of `logits / temperature`, computed stably.
pub fn softmax(logits: Scores, temperature: f32) -> Scores {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp = logits.map(|z| ((z - max) / temperature).exp());
    let sum: f32 = exp.iter().sum();
    exp.map(|e| e / sum)
}

/// One feature's push toward the predicted label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// What the feature is: a word, a bigram, `chars:` n-gram, `context:` word or `[shape]`.
    pub feature: String,
    /// Its value times its weight for the label, less its average weight over all labels.
    pub weight: f32,
}

/// An encoder and the model trained on its vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Classifier {
    encoder: Encoder,
    model: LinearModel,
}

impl Classifier {
    pub fn new(encoder: Encoder, model: LinearModel) -> Self {
        Classifier { encoder, model }
    }

    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    pub fn model(&self) -> &LinearModel {
        &self.model
    }

    pub fn predict(&self, text: &str, context: Option<&str>) -> Scores {
        match &self.encoder {
            Encoder::HashedNgrams(featurizer) => {
                let x = featurizer.featurize(text, context, &mut Scratch::default());
                self.model.probabilities(&x)
            }
            #[cfg(feature = "bert")]
            _ => self.predict_batch(&[(text, context)], |&(text, context)| (text, context))[0],
        }
    }

    /// Scores every item in input order: n-grams in parallel over rayon's pool without
    /// allocating per message, embeddings in length-sorted batches.
    pub fn predict_batch<T: Sync>(
        &self,
        items: &[T],
        text_of: impl Fn(&T) -> (&str, Option<&str>) + Sync,
    ) -> Vec<Scores> {
        match &self.encoder {
            Encoder::HashedNgrams(featurizer) => items
                .par_iter()
                .with_min_len(256)
                .map_init(Scratch::default, |scratch, item| {
                    let (text, context) = text_of(item);
                    self.model
                        .probabilities(featurizer.featurize_into(text, context, scratch))
                })
                .collect(),
            #[cfg(feature = "bert")]
            _ => self
                .encoder
                .encode_batch(items, text_of)
                .iter()
                .map(|x| self.model.probabilities(x))
                .collect(),
        }
    }

    /// The `top` n-gram features that pushed the prediction most toward `label` (none for an
    /// encoder without n-grams: embedding dimensions have no names).
    pub fn explain(
        &self,
        text: &str,
        context: Option<&str>,
        label: Label,
        top: usize,
    ) -> Vec<Contribution> {
        let Some((featurizer, offset)) = self.encoder.featurizer() else {
            return Vec::new();
        };
        let x = featurizer.featurize(text, context, &mut Scratch::default());
        let mut names = FeatureNames {
            featurizer,
            names: HashMap::new(),
        };
        let context = context.map(normalize);
        featurizer.emit(
            &normalize(text),
            context.as_deref(),
            &mut WordScratch::default(),
            &mut names,
        );

        let k = label.index();
        let mut contributions: Vec<Contribution> = x
            .indices
            .iter()
            .zip(&x.values)
            .map(|(&j, &value)| {
                let row = self.model.weights.row((j + offset) as usize);
                let mean = row.sum() / Label::COUNT as f32;
                Contribution {
                    feature: names
                        .names
                        .remove(&j)
                        .map(|n| n.join(" | "))
                        .unwrap_or_default(),
                    weight: value * (row[k] - mean) / self.model.temperature,
                }
            })
            .collect();
        contributions.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        contributions.truncate(top);
        contributions
    }
}

/// Collects the names of the features behind each hashed index.
struct FeatureNames<'a> {
    featurizer: &'a Featurizer,
    names: HashMap<u32, Vec<String>>,
}

impl FeatureSink for FeatureNames<'_> {
    fn add(&mut self, _group: Group, hash: u64, name: impl FnOnce() -> String) {
        let names = self.names.entry(self.featurizer.index(hash)).or_default();
        let name = name();
        if !names.contains(&name) {
            names.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_temperature_flattens() {
        let sharp = softmax([4.0, 1.0, 0.0, -2.0], 1.0);
        let flat = softmax([4.0, 1.0, 0.0, -2.0], 4.0);
        assert!((sharp.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((flat.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(flat[0] < sharp[0]);
        let huge = softmax([1000.0, 0.0, 0.0, 0.0], 1.0);
        assert!(huge.iter().all(|p| p.is_finite()));
    }
}
