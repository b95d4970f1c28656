//! Temperature scaling: one scalar that divides the logits so that confidence matches
//! accuracy on held-out data (Guo et al., 2017).

use crate::model::{Scores, softmax};

const LOG_T_RANGE: (f64, f64) = (-3.0, 3.0);

/// The temperature that minimises the negative log-likelihood of `gold` (label indices)
/// under `softmax(logits / T)`, found by golden-section search on `ln T`.
pub fn fit_temperature(logits: &[Scores], gold: &[usize]) -> f32 {
    if logits.is_empty() {
        return 1.0;
    }
    let nll = |log_t: f64| -> f64 {
        let t = log_t.exp() as f32;
        logits
            .iter()
            .zip(gold)
            .map(|(z, &y)| -f64::from(softmax(*z, t)[y].max(1e-12)).ln())
            .sum()
    };
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = LOG_T_RANGE;
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (nll(c), nll(d));
    while b - a > 1e-4 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = nll(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = nll(d);
        }
    }
    ((a + b) / 2.0).exp() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overconfident_logits_get_a_temperature_above_one() {
        // Logits say 99.9% but only 3 of 4 are right: the fit must soften them.
        let logits = vec![[8.0, 0.0, 0.0, 0.0]; 4];
        let gold = [0, 0, 0, 1];
        let t = fit_temperature(&logits, &gold);
        assert!(t > 1.5, "{t}");
        let p = softmax(logits[0], t)[0];
        assert!((p - 0.75).abs() < 0.02, "calibrated confidence {p}");
    }

    #[test]
    fn underconfident_logits_get_a_temperature_below_one() {
        let logits = vec![[0.5, 0.0, 0.0, 0.0]; 10];
        let gold = [0; 10];
        assert!(fit_temperature(&logits, &gold) < 1.0);
    }
}
