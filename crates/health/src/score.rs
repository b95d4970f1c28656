//! The 0-100 health score: a weighted mean of four components, each 0 (worst) to 1 (best).
//! The formula and its constants are written in `docs/health.md`.

use crate::ScoreWeights;
use crate::report::{Component, PerLabel, Questions, Score};

/// An overstepping share of this much (20% of labelled messages) or more scores 0.
pub const OVERSTEP_SHARE_AT_ZERO: f64 = 0.2;
/// Each dark episode takes this much off presence.
pub const PRESENCE_PENALTY_PER_EPISODE: f64 = 0.5;

/// What a score is computed from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScoreInputs<'a> {
    pub(crate) labels: &'a PerLabel<u64>,
    /// Dark episodes per person (for the team: the mean over people).
    pub(crate) dark_episodes_per_person: f64,
    pub(crate) questions: &'a Questions,
}

pub(crate) fn score(inputs: ScoreInputs<'_>, weights: &ScoreWeights) -> Score {
    let labels = inputs.labels;
    let labelled = labels.proactive + labels.silent + labels.overstepping + labels.aligned;
    let share = |n: u64| (labelled > 0).then(|| n as f64 / labelled as f64);
    let judged = inputs.questions.questions - inputs.questions.open;
    let parts = [
        (
            "engagement",
            weights.engagement,
            share(labels.proactive + labels.aligned),
        ),
        (
            "boundaries",
            weights.boundaries,
            share(labels.overstepping).map(|s| (1.0 - s / OVERSTEP_SHARE_AT_ZERO).max(0.0)),
        ),
        (
            "presence",
            weights.presence,
            Some((1.0 - PRESENCE_PENALTY_PER_EPISODE * inputs.dark_episodes_per_person).max(0.0)),
        ),
        (
            "responsiveness",
            weights.responsiveness,
            (judged > 0).then(|| 1.0 - f64::from(inputs.questions.unanswered) / f64::from(judged)),
        ),
    ];
    // Components with nothing to measure are left out, and the others reweighted.
    let total_weight: f64 = parts
        .iter()
        .filter(|(_, _, value)| value.is_some())
        .map(|(_, weight, _)| weight)
        .sum();
    let components: Vec<Component> = parts
        .into_iter()
        .map(|(name, weight, value)| Component {
            name: name.to_owned(),
            value: value.map(round3),
            weight,
            points: match value {
                Some(v) if total_weight > 0.0 => round1(100.0 * weight * v / total_weight),
                _ => 0.0,
            },
        })
        .collect();
    let value = total_points(&components);
    Score { value, components }
}

fn total_points(components: &[Component]) -> f64 {
    round1(
        components
            .iter()
            .map(|c| c.points)
            .sum::<f64>()
            .clamp(0.0, 100.0),
    )
}

pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_follows_the_documented_formula() {
        let labels = PerLabel {
            proactive: 6,
            silent: 2,
            overstepping: 1,
            aligned: 1,
            uncertain: 5,
        };
        let questions = Questions {
            addressed: 6,
            questions: 5,
            unanswered: 1,
            open: 1,
        };
        let s = score(
            ScoreInputs {
                labels: &labels,
                dark_episodes_per_person: 1.0,
                questions: &questions,
            },
            &ScoreWeights::default(),
        );
        // engagement 0.7, boundaries 1 - 0.1/0.2 = 0.5, presence 0.5, responsiveness 0.75.
        let values: Vec<_> = s.components.iter().map(|c| c.value.unwrap()).collect();
        assert_eq!(values, vec![0.7, 0.5, 0.5, 0.75]);
        // 100 * (0.4*0.7 + 0.2*0.5 + 0.2*0.5 + 0.2*0.75) = 63
        assert_eq!(s.value, 63.0);
    }

    #[test]
    fn missing_components_are_reweighted() {
        let labels = PerLabel {
            proactive: 1,
            ..PerLabel::default()
        };
        let s = score(
            ScoreInputs {
                labels: &labels,
                dark_episodes_per_person: 0.0,
                questions: &Questions::default(),
            },
            &ScoreWeights::default(),
        );
        assert_eq!(s.components[3].value, None);
        assert_eq!(s.value, 100.0);
    }
}
