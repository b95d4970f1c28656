//! Training: multinomial logistic regression with L2 regularisation and balanced class
//! weights, fitted by L-BFGS, then calibrated by temperature scaling on a held-out fold.

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use cadence_taxonomy::Label;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::calibration::fit_temperature;
use crate::encoder::Encoder;
use crate::features::SparseVector;
use crate::metrics::{Evaluation, expected_calibration_error};
use crate::model::{Classifier, LinearModel, Scores, softmax};
use crate::{Error, Result};

/// A labelled message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub text: String,
    pub context: Option<String>,
    pub label: Label,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Decides the calibration fold and the cross-validation folds.
    pub seed: u64,
    /// Strength of the L2 penalty on the weights (not the biases).
    pub l2: f64,
    pub max_iterations: u64,
    /// Weigh each label's examples so that every label counts the same in the loss.
    pub balance_classes: bool,
    /// Share of each label held out to fit the temperature.
    pub calibration_fraction: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seed: 42,
            l2: 1e-5,
            max_iterations: 300,
            balance_classes: true,
            calibration_fraction: 0.2,
        }
    }
}

/// What training did, stored in the model's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    pub examples: usize,
    /// Examples per label, in [`Label::ALL`] order.
    pub per_label: [usize; Label::COUNT],
    pub iterations: u64,
    pub final_loss: f64,
    pub temperature: f32,
    pub calibration: CalibrationReport,
    /// For an encoder trained on the data: the head learnt from vectors cross-fitted over
    /// this many folds (see [`train_with`]). Absent when the encoder was not trained, and from
    /// manifests written before cross-fitting, whose heads learnt from the encoder's own
    /// training examples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_fit_folds: Option<usize>,
}

/// Expected calibration error on the held-out calibration fold, before and after scaling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    pub examples: usize,
    pub ece_before: f64,
    pub ece_after: f64,
}

/// Trains a head for `encoder` on `examples`.
///
/// The weights are first fitted on all but a stratified calibration fold, the temperature is
/// fitted on that fold, then the weights are refitted on everything and keep the temperature.
pub fn train(
    examples: &[Example],
    encoder: &Encoder,
    config: &TrainConfig,
) -> Result<(Classifier, TrainingReport)> {
    let labels: Vec<usize> = examples.iter().map(|e| e.label.index()).collect();
    check_labels(&labels)?;
    let vectors = encode_examples(encoder, examples);
    let (model, report) = train_head(&vectors, &labels, encoder.dimension(), config)?;
    Ok((Classifier::new(encoder.clone(), model), report))
}

/// Stratified k-fold cross-validation: each fold is predicted by a head trained (and
/// calibrated) on the other folds; the evaluation covers every example once. Every example
/// is encoded once, up front.
pub fn cross_validate(
    examples: &[Example],
    encoder: &Encoder,
    config: &TrainConfig,
    folds: usize,
) -> Result<Evaluation> {
    if folds < 2 {
        return Err(Error::Training(format!(
            "cross-validation needs at least 2 folds, got {folds}"
        )));
    }
    let labels: Vec<usize> = examples.iter().map(|e| e.label.index()).collect();
    let vectors = encode_examples(encoder, examples);
    let fold_of = stratified_folds(&labels, config.seed, FoldPlan::Folds(folds));
    let predictions: Vec<Scores> = out_of_fold(&fold_of, folds, |_, rest, held| {
        let fold_labels = pick(&labels, rest);
        check_labels(&fold_labels)?;
        let fold_vectors = pick(&vectors, rest);
        let (model, _) = train_head(&fold_vectors, &fold_labels, encoder.dimension(), config)?;
        Ok(held
            .iter()
            .map(|&i| model.probabilities(&vectors[i]))
            .collect())
    })?;
    let gold: Vec<Label> = examples.iter().map(|e| e.label).collect();
    Ok(Evaluation::new(&gold, &predictions))
}

/// Stratified k-fold cross-validation for an encoder that is itself trained: each fold is
/// predicted by a head trained by [`train_with`] on the other folds alone (a fine-tuned
/// encoder must never have seen the examples it is scored on), its encoders made by
/// `encoder_for(fold, stage, examples)`, `stage` as in [`train_with`].
pub fn cross_validate_with(
    examples: &[Example],
    config: &TrainConfig,
    folds: usize,
    mut encoder_for: impl FnMut(usize, Stage, &[Example]) -> Result<Encoder>,
) -> Result<Evaluation> {
    if folds < 2 {
        return Err(Error::Training(format!(
            "cross-validation needs at least 2 folds, got {folds}"
        )));
    }
    let labels: Vec<usize> = examples.iter().map(|e| e.label.index()).collect();
    let fold_of = stratified_folds(&labels, config.seed, FoldPlan::Folds(folds));
    let predictions = out_of_fold(&fold_of, folds, |fold, rest, held| {
        let (classifier, _, ()) = train_with(&pick(examples, rest), config, |stage, data| {
            Ok((encoder_for(fold, stage, data)?, ()))
        })?;
        let held: Vec<&Example> = held.iter().map(|&i| &examples[i]).collect();
        Ok(classifier.predict_batch(&held, |e| (e.text.as_str(), e.context.as_deref())))
    })?;
    let gold: Vec<Label> = examples.iter().map(|e| e.label).collect();
    Ok(Evaluation::new(&gold, &predictions))
}

/// Every row's result from a model that never saw it: `fit_and_apply(fold, rest, held)`
/// makes one from the rows outside `fold` (`rest`) and returns its results for those inside
/// (`held`), in their order. `fold_of` gives each row's fold.
fn out_of_fold<R: Clone + Default>(
    fold_of: &[usize],
    folds: usize,
    mut fit_and_apply: impl FnMut(usize, &[usize], &[usize]) -> Result<Vec<R>>,
) -> Result<Vec<R>> {
    let mut results = vec![R::default(); fold_of.len()];
    for fold in 0..folds {
        let (held, rest): (Vec<usize>, Vec<usize>) =
            (0..fold_of.len()).partition(|&i| fold_of[i] == fold);
        let fold_results = fit_and_apply(fold, &rest, &held)?;
        for (i, result) in held.into_iter().zip(fold_results) {
            results[i] = result;
        }
    }
    Ok(results)
}

/// The items at `rows`, in that order.
fn pick<T: Clone>(items: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&i| items[i].clone()).collect()
}

/// How many folds [`train_with`] cross-fits over: each costs one more fine-tuning, on all but
/// its fold, so two (each on half the data) cost about as much as one on everything.
pub const CROSS_FIT_FOLDS: usize = 2;

/// Which encoder [`train_with`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// One of [`CROSS_FIT_FOLDS`] encoders, trained on every fold but `fold`; it only encodes
    /// `fold`'s examples for the head and is then dropped.
    CrossFit { fold: usize },
    /// The encoder the model keeps, trained on every example.
    Kept,
}

/// Trains a head, as [`train`] does, for an encoder that is itself trained on the data (a
/// fine-tuned one), made by `encoder_for(stage, examples)`.
///
/// A fine-tuned encoder separates its own training examples almost perfectly, so a head
/// trained on their vectors would learn to trust it far more than it deserves on new
/// messages (and to ignore the n-grams beside it), and its temperature would be fitted on
/// examples the encoder had learnt. So the head learns from cross-fitted vectors instead:
/// the examples are dealt into [`CROSS_FIT_FOLDS`] stratified folds, and each fold is encoded
/// by an encoder trained on the other folds alone. The encoder kept is trained on every
/// example, and the model pairs it with that head; it also returns whatever the kept
/// encoder's `encoder_for` call reports.
pub fn train_with<T>(
    examples: &[Example],
    config: &TrainConfig,
    mut encoder_for: impl FnMut(Stage, &[Example]) -> Result<(Encoder, T)>,
) -> Result<(Classifier, TrainingReport, T)> {
    let labels: Vec<usize> = examples.iter().map(|e| e.label.index()).collect();
    check_labels(&labels)?;
    let vectors = cross_fitted_vectors(examples, &labels, config, |fold, data| {
        Ok(encoder_for(Stage::CrossFit { fold }, data)?.0)
    })?;
    let (encoder, extra) = encoder_for(Stage::Kept, examples)?;
    let (model, mut report) = train_head(&vectors, &labels, encoder.dimension(), config)?;
    report.cross_fit_folds = Some(CROSS_FIT_FOLDS);
    Ok((Classifier::new(encoder, model), report, extra))
}

/// Every example's vector made by an encoder that never saw it: fold `f`'s by
/// `encoder_for(f, the other folds' examples)`.
fn cross_fitted_vectors(
    examples: &[Example],
    labels: &[usize],
    config: &TrainConfig,
    mut encoder_for: impl FnMut(usize, &[Example]) -> Result<Encoder>,
) -> Result<Vec<SparseVector>> {
    let fold_of = stratified_folds(labels, config.seed, FoldPlan::Folds(CROSS_FIT_FOLDS));
    out_of_fold(&fold_of, CROSS_FIT_FOLDS, |fold, rest, held| {
        let encoder = encoder_for(fold, &pick(examples, rest))?;
        let held: Vec<&Example> = held.iter().map(|&i| &examples[i]).collect();
        Ok(encoder.encode_batch(&held, |e| (e.text.as_str(), e.context.as_deref())))
    })
}

/// The rows the head's weights are first fitted on and the stratified calibration fold its
/// temperature is then fitted on, as (fit, calibration).
fn calibration_split(labels: &[usize], config: &TrainConfig) -> (Vec<usize>, Vec<usize>) {
    let held_out = stratified_folds(
        labels,
        config.seed,
        FoldPlan::Fraction(config.calibration_fraction),
    );
    (0..labels.len()).partition(|&i| held_out[i] == 0)
}

/// A stratified split of `examples` into (kept, held out), `fraction` of each label held out.
pub fn holdout_split(
    examples: &[Example],
    seed: u64,
    fraction: f64,
) -> (Vec<Example>, Vec<Example>) {
    let labels: Vec<usize> = examples.iter().map(|e| e.label.index()).collect();
    let held = stratified_folds(&labels, seed, FoldPlan::Fraction(fraction));
    let (kept, out): (Vec<_>, Vec<_>) = examples.iter().zip(held).partition(|(_, h)| *h == 0);
    (
        kept.into_iter().map(|(e, _)| e.clone()).collect(),
        out.into_iter().map(|(e, _)| e.clone()).collect(),
    )
}

fn encode_examples(encoder: &Encoder, examples: &[Example]) -> Vec<SparseVector> {
    encoder.encode_batch(examples, |e| (e.text.as_str(), e.context.as_deref()))
}

fn check_labels(labels: &[usize]) -> Result<()> {
    let counts = count_labels(labels);
    match Label::ALL.iter().find(|l| counts[l.index()] < 2) {
        Some(missing) => Err(Error::Training(format!(
            "the data has {} example(s) of {missing}; every label needs at least 2",
            counts[missing.index()]
        ))),
        None => Ok(()),
    }
}

/// Fits and calibrates the head on encoded examples.
fn train_head(
    vectors: &[SparseVector],
    labels: &[usize],
    dimension: usize,
    config: &TrainConfig,
) -> Result<(LinearModel, TrainingReport)> {
    let (fit_rows, calibration_rows) = calibration_split(labels, config);
    let partial = fit(vectors, labels, &fit_rows, dimension, config)?;
    let logits: Vec<Scores> = calibration_rows
        .iter()
        .map(|&i| partial.model.logits(&vectors[i]))
        .collect();
    let gold: Vec<usize> = calibration_rows.iter().map(|&i| labels[i]).collect();
    let temperature = fit_temperature(&logits, &gold);
    let gold_labels: Vec<Label> = gold.iter().map(|&k| Label::ALL[k]).collect();
    let ece = |t: f32| {
        let probabilities: Vec<Scores> = logits.iter().map(|z| softmax(*z, t)).collect();
        expected_calibration_error(&gold_labels, &probabilities)
    };
    let calibration = CalibrationReport {
        examples: calibration_rows.len(),
        ece_before: ece(1.0),
        ece_after: ece(temperature),
    };

    let all_rows: Vec<usize> = (0..vectors.len()).collect();
    let mut full = fit(vectors, labels, &all_rows, dimension, config)?;
    full.model.temperature = temperature;
    let report = TrainingReport {
        examples: vectors.len(),
        per_label: count_labels(labels),
        iterations: full.iterations,
        final_loss: full.loss,
        temperature,
        calibration,
        cross_fit_folds: None,
    };
    Ok((full.model, report))
}

fn count_labels(labels: &[usize]) -> [usize; Label::COUNT] {
    let mut counts = [0; Label::COUNT];
    labels.iter().for_each(|&k| counts[k] += 1);
    counts
}

enum FoldPlan {
    /// Fold 1 holds this share of each label, fold 0 the rest.
    Fraction(f64),
    /// Each label dealt round-robin into this many folds.
    Folds(usize),
}

/// Assigns each example a fold, per label in an order shuffled by `seed`, so that every fold
/// has each label in proportion.
fn stratified_folds(labels: &[usize], seed: u64, plan: FoldPlan) -> Vec<usize> {
    let mut fold = vec![0; labels.len()];
    for label in 0..Label::COUNT {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == label).collect();
        members.sort_by_key(|&i| xxh3_64_with_seed(&(i as u64).to_le_bytes(), seed));
        match plan {
            FoldPlan::Fraction(share) => {
                let held = ((members.len() as f64 * share).round() as usize)
                    .clamp(1, members.len().saturating_sub(1));
                for &i in &members[..held] {
                    fold[i] = 1;
                }
            }
            FoldPlan::Folds(k) => {
                for (position, &i) in members.iter().enumerate() {
                    fold[i] = position % k;
                }
            }
        }
    }
    fold
}

struct Fitted {
    model: LinearModel,
    iterations: u64,
    loss: f64,
}

/// Fits the weights on the rows `rows` of `vectors`, with temperature 1.
fn fit(
    vectors: &[SparseVector],
    labels: &[usize],
    rows: &[usize],
    dimension: usize,
    config: &TrainConfig,
) -> Result<Fitted> {
    // Only features seen in training can get a non-zero weight: optimise those alone.
    let mut active: Vec<u32> = rows
        .iter()
        .flat_map(|&i| vectors[i].indices.iter().copied())
        .collect();
    active.sort_unstable();
    active.dedup();
    let compact: Vec<SparseVector> = rows
        .iter()
        .map(|&i| SparseVector {
            indices: vectors[i]
                .indices
                .iter()
                .map(|j| active.binary_search(j).expect("feature seen in training") as u32)
                .collect(),
            values: vectors[i].values.clone(),
        })
        .collect();
    let row_labels: Vec<usize> = rows.iter().map(|&i| labels[i]).collect();
    let mut counts = [0usize; Label::COUNT];
    row_labels.iter().for_each(|&k| counts[k] += 1);
    let present = counts.iter().filter(|&&c| c > 0).count() as f64;
    let example_weights: Vec<f64> = row_labels
        .iter()
        .map(|&k| {
            if config.balance_classes {
                1.0 / (present * counts[k] as f64)
            } else {
                1.0 / row_labels.len() as f64
            }
        })
        .collect();
    let objective = Objective {
        rows: &compact,
        labels: &row_labels,
        example_weights: &example_weights,
        features: active.len(),
        l2: config.l2,
    };

    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(1e-6)
        .and_then(|s| s.with_tolerance_cost(1e-12))
        .map_err(|e| Error::Training(e.to_string()))?;
    let start = vec![0.0; objective.parameters()];
    let result = Executor::new(objective, solver)
        .configure(|state| state.param(start).max_iters(config.max_iterations))
        .run()
        .map_err(|e| Error::Training(e.to_string()))?;
    let state = result.state();
    let parameters = state
        .get_best_param()
        .ok_or_else(|| Error::Training("the optimiser returned no parameters".into()))?;

    let mut weights = Array2::<f32>::zeros((dimension, Label::COUNT));
    for (compact_index, &j) in active.iter().enumerate() {
        for k in 0..Label::COUNT {
            weights[[j as usize, k]] = parameters[compact_index * Label::COUNT + k] as f32;
        }
    }
    let bias_start = active.len() * Label::COUNT;
    let bias = Array1::from_iter((0..Label::COUNT).map(|k| parameters[bias_start + k] as f32));
    Ok(Fitted {
        model: LinearModel {
            weights,
            bias,
            temperature: 1.0,
        },
        iterations: state.get_iter(),
        loss: state.get_best_cost(),
    })
}

/// Weighted cross-entropy plus `l2 / 2 * |W|^2`, over parameters laid out as the weights of
/// each feature for each label, then the label biases.
struct Objective<'a> {
    rows: &'a [SparseVector],
    labels: &'a [usize],
    example_weights: &'a [f64],
    features: usize,
    l2: f64,
}

impl Objective<'_> {
    fn parameters(&self) -> usize {
        (self.features + 1) * Label::COUNT
    }

    /// Per example: its weighted loss and `weight * (p - onehot)`. Computed in parallel but
    /// summed in example order, so the result does not depend on the number of threads.
    fn residuals(&self, parameters: &[f64]) -> Vec<(f64, [f64; Label::COUNT])> {
        let bias = &parameters[self.features * Label::COUNT..];
        self.rows
            .par_iter()
            .zip(self.labels)
            .zip(self.example_weights)
            .map(|((x, &y), &weight)| {
                let mut z: [f64; Label::COUNT] = std::array::from_fn(|k| bias[k]);
                for (&j, &value) in x.indices.iter().zip(&x.values) {
                    let row = &parameters[j as usize * Label::COUNT..][..Label::COUNT];
                    for k in 0..Label::COUNT {
                        z[k] += f64::from(value) * row[k];
                    }
                }
                let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let log_sum = max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
                let loss = weight * (log_sum - z[y]);
                let residual = std::array::from_fn(|k| {
                    weight * ((z[k] - log_sum).exp() - f64::from(u8::from(k == y)))
                });
                (loss, residual)
            })
            .collect()
    }

    fn penalty(&self, parameters: &[f64]) -> f64 {
        let weights = &parameters[..self.features * Label::COUNT];
        0.5 * self.l2 * weights.iter().map(|w| w * w).sum::<f64>()
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, parameters: &Self::Param) -> Result<f64, argmin::core::Error> {
        let loss: f64 = self
            .residuals(parameters)
            .iter()
            .map(|(loss, _)| loss)
            .sum();
        Ok(loss + self.penalty(parameters))
    }
}

impl Gradient for Objective<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, parameters: &Self::Param) -> Result<Vec<f64>, argmin::core::Error> {
        let weights_len = self.features * Label::COUNT;
        let mut gradient: Vec<f64> = parameters[..weights_len]
            .iter()
            .map(|w| self.l2 * w)
            .collect();
        gradient.resize(self.parameters(), 0.0);
        for (x, (_, residual)) in self.rows.iter().zip(self.residuals(parameters)) {
            for (&j, &value) in x.indices.iter().zip(&x.values) {
                let row = &mut gradient[j as usize * Label::COUNT..][..Label::COUNT];
                for k in 0..Label::COUNT {
                    row[k] += f64::from(value) * residual[k];
                }
            }
            for k in 0..Label::COUNT {
                gradient[weights_len + k] += residual[k];
            }
        }
        Ok(gradient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FeatureConfig, Featurizer};

    fn hashed() -> Encoder {
        Encoder::HashedNgrams(Featurizer::new(FeatureConfig::default()))
    }

    fn example(text: &str, label: Label) -> Example {
        Example {
            text: text.to_owned(),
            context: None,
            label,
        }
    }

    fn toy() -> Vec<Example> {
        use Label::*;
        [
            (
                "heads up the deploy slipped a day, fix in review",
                Proactive,
            ),
            (
                "merged the migration, 3 of 5 tables done, rest friday",
                Proactive,
            ),
            ("fyi blocked on api keys, asked IT, eta tomorrow", Proactive),
            ("still on it", Silent),
            ("no update yet", Silent),
            ("will revert", Silent),
            ("I went ahead and signed the renewal", Overstepping),
            ("told the client we'd give 25% off", Overstepping),
            (
                "pushed the pricing change live without waiting",
                Overstepping,
            ),
            (
                "is 10% within what I can approve or should I ask sales?",
                Aligned,
            ),
            (
                "so done means the report and I check with you before sending?",
                Aligned,
            ),
            ("should I wait for legal before I send it?", Aligned),
        ]
        .into_iter()
        .map(|(t, l)| example(t, l))
        .collect()
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = toy();
        let featurizer = Featurizer::new(FeatureConfig {
            hash_bits: 8,
            ..FeatureConfig::default()
        });
        let vectors = encode_examples(&Encoder::HashedNgrams(featurizer.clone()), &data);
        let labels: Vec<usize> = data.iter().map(|e| e.label.index()).collect();
        let weights = vec![1.0 / data.len() as f64; data.len()];
        let objective = Objective {
            rows: &vectors,
            labels: &labels,
            example_weights: &weights,
            features: featurizer.dimension(),
            l2: 0.01,
        };
        let parameters: Vec<f64> = (0..objective.parameters())
            .map(|i| ((i * 7919) % 13) as f64 / 50.0 - 0.1)
            .collect();
        let gradient = objective.gradient(&parameters).unwrap();
        for i in [0, 5, 17, 301, objective.parameters() - 1] {
            let h = 1e-6;
            let mut up = parameters.clone();
            up[i] += h;
            let mut down = parameters.clone();
            down[i] -= h;
            let numeric =
                (objective.cost(&up).unwrap() - objective.cost(&down).unwrap()) / (2.0 * h);
            assert!(
                (numeric - gradient[i]).abs() < 1e-6,
                "parameter {i}: {numeric} vs {}",
                gradient[i]
            );
        }
    }

    #[test]
    fn learns_the_toy_data_deterministically() {
        let data = toy();
        let config = TrainConfig {
            calibration_fraction: 0.34,
            ..TrainConfig::default()
        };
        let (first, report) = train(&data, &hashed(), &config).unwrap();
        let (second, _) = train(&data, &hashed(), &config).unwrap();
        assert_eq!(first, second);
        assert_eq!(report.examples, 12);
        assert_eq!(report.per_label, [3, 3, 3, 3]);
        for e in &data {
            let scores = first.predict(&e.text, None);
            let best = crate::metrics::argmax(&scores);
            assert_eq!(Label::ALL[best], e.label, "{}: {scores:?}", e.text);
        }
    }

    #[test]
    fn a_missing_label_is_a_clear_error() {
        let data: Vec<Example> = toy()
            .into_iter()
            .filter(|e| e.label != Label::Aligned)
            .collect();
        let err = train(&data, &hashed(), &TrainConfig::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "training failed: the data has 0 example(s) of aligned; every label needs at least 2"
        );
    }

    /// 40 distinct messages, 10 of each label.
    fn numbered() -> Vec<Example> {
        (0..40)
            .map(|i| example(&format!("message {i}"), Label::ALL[i % Label::COUNT]))
            .collect()
    }

    fn texts(examples: &[Example]) -> Vec<&str> {
        examples.iter().map(|e| e.text.as_str()).collect()
    }

    /// A hashed-n-gram encoder told apart from the others by its word weight.
    fn marked(mark: usize) -> Encoder {
        Encoder::HashedNgrams(Featurizer::new(FeatureConfig {
            weight_words: 1.0 + mark as f32,
            ..FeatureConfig::default()
        }))
    }

    fn encode(encoder: &Encoder, example: &Example) -> SparseVector {
        encoder.encode_batch(std::slice::from_ref(example), |e| {
            (e.text.as_str(), e.context.as_deref())
        })[0]
            .clone()
    }

    /// The examples of `examples` outside each of the cross-fitting folds, as the stratified
    /// split itself deals them (not through the functions under test), and each one's fold.
    fn cross_fit_folds<'a>(
        examples: &'a [Example],
        config: &TrainConfig,
    ) -> (Vec<Vec<&'a str>>, Vec<usize>) {
        let labels: Vec<usize> = examples.iter().map(|e| e.label.index()).collect();
        let fold_of = stratified_folds(&labels, config.seed, FoldPlan::Folds(CROSS_FIT_FOLDS));
        let outside = (0..CROSS_FIT_FOLDS)
            .map(|fold| {
                (0..examples.len())
                    .filter(|&i| fold_of[i] != fold)
                    .map(|i| examples[i].text.as_str())
                    .collect()
            })
            .collect();
        (outside, fold_of)
    }

    #[test]
    fn each_example_is_encoded_for_the_head_by_an_encoder_that_never_saw_it() {
        let data = numbered();
        let labels: Vec<usize> = data.iter().map(|e| e.label.index()).collect();
        let config = TrainConfig::default();
        let (outside, fold_of) = cross_fit_folds(&data, &config);
        let mut calls = Vec::new();
        let vectors = cross_fitted_vectors(&data, &labels, &config, |fold, training| {
            calls.push(fold);
            assert_eq!(texts(training), outside[fold], "fold {fold}");
            Ok(marked(fold))
        })
        .unwrap();
        assert_eq!(calls, [0, 1]);
        for (i, example) in data.iter().enumerate() {
            assert_eq!(vectors[i], encode(&marked(fold_of[i]), example), "{i}");
            assert_ne!(vectors[i], encode(&marked(1 - fold_of[i]), example), "{i}");
        }
    }

    #[test]
    fn the_model_keeps_the_encoder_trained_on_every_example() {
        let data = numbered();
        let config = TrainConfig::default();
        let mut stages = Vec::new();
        let (classifier, report, kept) = train_with(&data, &config, |stage, training| {
            stages.push(stage);
            match stage {
                Stage::CrossFit { fold } => Ok((marked(fold), None)),
                Stage::Kept => {
                    assert_eq!(texts(training), texts(&data));
                    Ok((marked(7), Some("kept")))
                }
            }
        })
        .unwrap();
        assert_eq!(
            stages,
            [
                Stage::CrossFit { fold: 0 },
                Stage::CrossFit { fold: 1 },
                Stage::Kept
            ]
        );
        assert_eq!(kept, Some("kept"));
        assert_eq!(classifier.encoder().spec(), marked(7).spec());
        assert_eq!(report.cross_fit_folds, Some(CROSS_FIT_FOLDS));
        assert_eq!(report.examples, data.len());
    }

    #[test]
    fn cross_validated_encoders_never_see_the_fold_they_are_scored_on() {
        let data = numbered();
        let config = TrainConfig::default();
        let labels: Vec<usize> = data.iter().map(|e| e.label.index()).collect();
        let fold_of = stratified_folds(&labels, config.seed, FoldPlan::Folds(5));
        let mut calls = 0;
        cross_validate_with(&data, &config, 5, |fold, stage, training| {
            calls += 1;
            let scored: Vec<&str> = (0..data.len())
                .filter(|&i| fold_of[i] == fold)
                .map(|i| data[i].text.as_str())
                .collect();
            assert!(texts(training).iter().all(|t| !scored.contains(t)));
            // 8 of each label's 10 train the fold; a cross-fitting encoder learns from half.
            let expected = match stage {
                Stage::CrossFit { .. } => 16,
                Stage::Kept => 32,
            };
            assert_eq!(training.len(), expected, "fold {fold} {stage:?}");
            Ok(hashed())
        })
        .unwrap();
        assert_eq!(calls, 5 * (CROSS_FIT_FOLDS + 1));
    }

    #[test]
    fn folds_are_stratified() {
        let labels: Vec<usize> = (0..40).map(|i| i % 4).collect();
        let folds = stratified_folds(&labels, 7, FoldPlan::Folds(5));
        for fold in 0..5 {
            for label in 0..4 {
                let n = (0..40)
                    .filter(|&i| folds[i] == fold && labels[i] == label)
                    .count();
                assert_eq!(n, 2);
            }
        }
        let held = stratified_folds(&labels, 7, FoldPlan::Fraction(0.2));
        assert_eq!(held.iter().filter(|&&f| f == 1).count(), 8);
        assert_ne!(held, stratified_folds(&labels, 8, FoldPlan::Fraction(0.2)));
    }
}
