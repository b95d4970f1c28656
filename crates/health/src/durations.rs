//! Response times in fixed memory: the exact values up to [`EXACT_SAMPLES`] of them, then a
//! histogram with logarithmic buckets whose percentiles are within [`RELATIVE_ERROR`] of the
//! exact ones.

use crate::score::round3;

/// Values kept exactly; beyond this many, a group switches to the histogram.
pub const EXACT_SAMPLES: usize = 512;

/// Ratio between a histogram bucket's upper and lower bound.
const GAMMA: f64 = 1.02;

/// Largest relative error of a percentile read from the histogram: (γ − 1) / (γ + 1).
pub const RELATIVE_ERROR: f64 = (GAMMA - 1.0) / (GAMMA + 1.0);

/// Non-negative durations (working hours) and their nearest-rank percentiles.
#[derive(Debug, Default)]
pub(crate) struct Durations {
    count: u64,
    /// Every value, while there are at most [`EXACT_SAMPLES`].
    exact: Vec<f64>,
    /// Every value, once there are more.
    histogram: Option<Histogram>,
}

/// Bucket `i` counts values in (γ^(i−1), γ^i]; zeros are counted apart.
#[derive(Debug, Default)]
struct Histogram {
    zeros: u64,
    /// Index of `counts[0]`.
    first: i32,
    counts: Vec<u64>,
}

impl Histogram {
    fn bucket(value: f64) -> i32 {
        (value.ln() / GAMMA.ln()).ceil() as i32
    }

    /// The value that every value of bucket `i` is within [`RELATIVE_ERROR`] of.
    fn representative(i: i32) -> f64 {
        2.0 * GAMMA.powi(i) / (GAMMA + 1.0)
    }

    fn add(&mut self, value: f64, n: u64) {
        if value <= 0.0 || !value.is_finite() {
            self.zeros += n;
            return;
        }
        let i = Self::bucket(value);
        if self.counts.is_empty() {
            self.first = i;
            self.counts.push(0);
        } else if i < self.first {
            let grow = (self.first - i) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = i;
        } else if (i - self.first) as usize >= self.counts.len() {
            self.counts.resize((i - self.first) as usize + 1, 0);
        }
        self.counts[(i - self.first) as usize] += n;
    }

    /// The value of the `rank`-th smallest (1-based), approximately.
    fn value_at(&self, rank: u64) -> f64 {
        if rank <= self.zeros {
            return 0.0;
        }
        let mut seen = self.zeros;
        for (offset, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Self::representative(self.first + offset as i32);
            }
        }
        Self::representative(self.first + self.counts.len() as i32 - 1)
    }
}

impl Durations {
    #[cfg(test)]
    fn add(&mut self, value: f64) {
        self.add_n(value, 1);
    }

    /// Adds `n` equal values.
    pub(crate) fn add_n(&mut self, value: f64, n: u64) {
        if n == 0 {
            return;
        }
        self.count += n;
        if let Some(histogram) = &mut self.histogram {
            histogram.add(value, n);
        } else if self.count <= EXACT_SAMPLES as u64 {
            self.exact.extend(std::iter::repeat_n(value, n as usize));
        } else {
            let mut histogram = Histogram::default();
            for v in std::mem::take(&mut self.exact) {
                histogram.add(v, 1);
            }
            histogram.add(value, n);
            self.histogram = Some(histogram);
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Nearest-rank percentile: the smallest value with at least `p` of the values at or
    /// below it, rounded to 0.001. Exact while there are at most [`EXACT_SAMPLES`] values.
    pub(crate) fn percentile(&mut self, p: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p * self.count as f64).ceil() as u64).max(1);
        let value = match &self.histogram {
            Some(histogram) => histogram.value_at(rank),
            None => {
                self.exact.sort_by(f64::total_cmp);
                self.exact[rank as usize - 1]
            }
        };
        Some(round3(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_percentile(values: &mut [f64], p: f64) -> f64 {
        values.sort_by(f64::total_cmp);
        let rank = ((p * values.len() as f64).ceil() as usize).max(1);
        values[rank - 1]
    }

    #[test]
    fn small_sets_are_exact() {
        let mut d = Durations::default();
        for v in [18.0, 0.5, 3.0, 1.5] {
            d.add(v);
        }
        assert_eq!(d.percentile(0.5), Some(1.5));
        assert_eq!(d.percentile(0.9), Some(18.0));
        assert_eq!(d.count(), 4);
        assert_eq!(Durations::default().percentile(0.5), None);
    }

    #[test]
    fn large_sets_are_within_the_relative_error() {
        let mut d = Durations::default();
        let mut values = Vec::new();
        // A skewed spread from seconds to weeks of working hours, with zeros.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = if i % 7 == 0 {
                0.0
            } else {
                ((x % 1_000_000) as f64 / 3600.0).powf(1.5)
            };
            values.push(v);
            d.add(v);
        }
        assert_eq!(d.count(), 100_000);
        assert!(d.histogram.is_some() && d.exact.is_empty());
        for p in [0.1, 0.5, 0.9, 0.99] {
            let exact = exact_percentile(&mut values, p);
            let approx = d.percentile(p).unwrap();
            assert!(
                (approx - exact).abs() <= exact * RELATIVE_ERROR + 0.001,
                "p{p}: {approx} vs {exact}"
            );
        }
        // Memory: a bucket per 2% of range, not a value per answer.
        assert!(d.histogram.as_ref().unwrap().counts.len() < 2_000);
    }

    #[test]
    fn switching_to_the_histogram_keeps_every_value() {
        let mut d = Durations::default();
        d.add_n(2.0, EXACT_SAMPLES as u64);
        d.add_n(0.0, 10);
        d.add(100.0);
        assert_eq!(d.count(), EXACT_SAMPLES as u64 + 11);
        assert_eq!(d.percentile(0.01), Some(0.0));
        let median = d.percentile(0.5).unwrap();
        assert!((median - 2.0).abs() <= 2.0 * RELATIVE_ERROR + 0.001);
        let max = d.percentile(1.0).unwrap();
        assert!((max - 100.0).abs() <= 100.0 * RELATIVE_ERROR + 0.001);
    }
}
