//! Evaluation of predicted probabilities against gold labels.

use cadence_taxonomy::Label;
use serde::{Deserialize, Serialize};

use crate::model::Scores;

/// Number of equal-width confidence bins of the expected calibration error.
pub const ECE_BINS: usize = 15;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub label: Label,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold examples of this label.
    pub support: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub examples: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_class: Vec<ClassMetrics>,
    /// `confusion[gold][predicted]`, labels in [`Label::ALL`] order.
    pub confusion: [[usize; Label::COUNT]; Label::COUNT],
    /// Expected calibration error over [`ECE_BINS`] confidence bins.
    pub expected_calibration_error: f64,
}

impl Evaluation {
    /// Scores `predictions` (probabilities per example) against `gold`.
    pub fn new(gold: &[Label], predictions: &[Scores]) -> Self {
        assert_eq!(
            gold.len(),
            predictions.len(),
            "one prediction per gold label"
        );
        let mut confusion = [[0usize; Label::COUNT]; Label::COUNT];
        for (label, scores) in gold.iter().zip(predictions) {
            confusion[label.index()][argmax(scores)] += 1;
        }
        let per_class: Vec<ClassMetrics> = Label::ALL
            .iter()
            .map(|&label| {
                let k = label.index();
                let true_positives = confusion[k][k] as f64;
                let predicted: usize = confusion.iter().map(|row| row[k]).sum();
                let support: usize = confusion[k].iter().sum();
                let precision = ratio(true_positives, predicted as f64);
                let recall = ratio(true_positives, support as f64);
                ClassMetrics {
                    label,
                    precision,
                    recall,
                    f1: ratio(2.0 * precision * recall, precision + recall),
                    support,
                }
            })
            .collect();
        let correct: usize = (0..Label::COUNT).map(|k| confusion[k][k]).sum();
        Evaluation {
            examples: gold.len(),
            accuracy: ratio(correct as f64, gold.len() as f64),
            macro_f1: per_class.iter().map(|c| c.f1).sum::<f64>() / Label::COUNT as f64,
            per_class,
            confusion,
            expected_calibration_error: expected_calibration_error(gold, predictions),
        }
    }
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

/// The index of the most probable label (the first of equals), as the evaluation counts it.
pub fn argmax(scores: &Scores) -> usize {
    (0..scores.len())
        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// The gap between confidence and accuracy, averaged over confidence bins weighted by how
/// many predictions fall in each: 0 means "80% confident" is right 80% of the time.
pub fn expected_calibration_error(gold: &[Label], predictions: &[Scores]) -> f64 {
    let mut count = [0usize; ECE_BINS];
    let mut confidence = [0f64; ECE_BINS];
    let mut correct = [0f64; ECE_BINS];
    for (label, scores) in gold.iter().zip(predictions) {
        let best = argmax(scores);
        let p = f64::from(scores[best]);
        let bin = ((p * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
        count[bin] += 1;
        confidence[bin] += p;
        correct[bin] += f64::from(u8::from(best == label.index()));
    }
    let total = gold.len().max(1) as f64;
    (0..ECE_BINS)
        .filter(|&b| count[b] > 0)
        .map(|b| (correct[b] - confidence[b]).abs() / total)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hot(label: Label, p: f32) -> Scores {
        let rest = (1.0 - p) / 3.0;
        std::array::from_fn(|k| if k == label.index() { p } else { rest })
    }

    #[test]
    fn hand_computed_metrics() {
        use Label::*;
        let gold = [Proactive, Proactive, Silent, Silent, Overstepping, Aligned];
        let predicted = [Proactive, Silent, Silent, Silent, Aligned, Aligned];
        let scores: Vec<Scores> = predicted.iter().map(|&l| one_hot(l, 0.9)).collect();
        let eval = Evaluation::new(&gold, &scores);
        assert_eq!(eval.examples, 6);
        assert!((eval.accuracy - 4.0 / 6.0).abs() < 1e-12);
        let silent = eval.per_class[Silent.index()];
        assert!((silent.precision - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(silent.recall, 1.0);
        assert!((silent.f1 - 0.8).abs() < 1e-12);
        assert_eq!(eval.per_class[Overstepping.index()].f1, 0.0);
        let expected_macro = (2.0 / 3.0 + 0.8 + 0.0 + 2.0 / 3.0) / 4.0;
        assert!((eval.macro_f1 - expected_macro).abs() < 1e-12);
        assert_eq!(eval.confusion[Proactive.index()][Silent.index()], 1);
        // All at 0.9 confidence, 4 of 6 right: |0.667 - 0.9|.
        assert!((eval.expected_calibration_error - (0.9 - 4.0 / 6.0)).abs() < 1e-6);
    }

    #[test]
    fn perfectly_calibrated_predictions_have_no_error() {
        use Label::*;
        let gold = [Proactive, Proactive, Proactive, Silent];
        let scores = vec![one_hot(Proactive, 0.75); 4];
        let ece = expected_calibration_error(&gold, &scores);
        assert!(ece.abs() < 1e-6, "{ece}");
    }
}
