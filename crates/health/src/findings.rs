//! The top three things to look at: candidate findings from the metrics, ranked by severity.

use chrono::{Datelike, NaiveDate};

use crate::HealthOptions;
use crate::report::{Finding, Person, Report};

/// How many findings a report leads with.
pub const TOP_FINDINGS: usize = 3;

/// Fewest silent replies that make a "bare acknowledgements" finding.
const MIN_SILENT_REPLIES: u64 = 3;
/// Fewest unanswered questions that make a finding.
const MIN_UNANSWERED: u32 = 2;
/// Fewest messages, and share of them after hours, that make an after-hours finding.
const MIN_AFTER_HOURS_MESSAGES: u64 = 10;
const AFTER_HOURS_SHARE: f64 = 0.25;
/// Points the proactive and aligned share must fall to make a trend finding.
const TREND_FALL_POINTS: f64 = 10.0;

pub(crate) fn top_findings(
    report: &Report,
    people: &[Person],
    options: &HealthOptions,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for person in people {
        let named = (!options.aggregate_only).then(|| person.name.clone());
        let who = named.as_deref().unwrap_or("a team member");
        let mut add = |kind: &str, severity: f64, text: String| {
            findings.push(Finding {
                kind: kind.to_owned(),
                person: named.clone(),
                severity: (severity * 100.0).round() / 100.0,
                text: capitalize(&text),
            });
        };
        for episode in &person.dark_episodes {
            let back = match &episode.came_back {
                Some(comeback) => format!("came back with {} message", a_label(&comeback.label)),
                None => "has not posted since".to_owned(),
            };
            add(
                "went_dark",
                1.0 + f64::from(episode.working_days) / f64::from(options.dark_days),
                format!(
                    "{who} went dark for {} working days ({}) and {back}",
                    episode.working_days,
                    date_range(episode.from, episode.to)
                ),
            );
        }
        let overstepping = person.label_mix.counts.overstepping;
        if overstepping > 0 {
            add(
                "overstepping",
                1.0 + 0.5 * overstepping as f64,
                format!(
                    "{overstepping} overstepping message{} from {who} to review",
                    plural(overstepping)
                ),
            );
        }
        if person.silent_replies >= MIN_SILENT_REPLIES
            && person.silent_replies * 2 >= person.replies
        {
            let share = person.silent_replies as f64 / person.replies as f64;
            add(
                "bare_acknowledgements",
                1.0 + 2.0 * share,
                format!(
                    "{who} answers questions with bare acknowledgements: {} of {} replies silent",
                    person.silent_replies, person.replies
                ),
            );
        }
        let unanswered = person.questions.unanswered;
        if unanswered >= MIN_UNANSWERED {
            add(
                "unanswered",
                0.5 + 0.4 * f64::from(unanswered),
                format!(
                    "{unanswered} questions to {who} got no answer within {} working hours",
                    options.answer_within_hours
                ),
            );
        }
        if person.messages >= MIN_AFTER_HOURS_MESSAGES
            && person.after_hours.share >= AFTER_HOURS_SHARE
        {
            add(
                "after_hours",
                3.0 * person.after_hours.share,
                format!(
                    "{who} sent {:.0}% of their messages outside working hours",
                    100.0 * person.after_hours.share
                ),
            );
        }
    }
    if let Some(trend) = &report.trend {
        let change = trend.change_points.proactive + trend.change_points.aligned;
        if change <= -TREND_FALL_POINTS {
            findings.push(Finding {
                kind: "trend".to_owned(),
                person: None,
                severity: (-change / TREND_FALL_POINTS * 100.0).round() / 100.0,
                text: format!(
                    "The share of proactive and aligned messages fell {:.0} points from {} to {}",
                    -change, trend.first_week, trend.last_week
                ),
            });
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .total_cmp(&a.severity)
            .then_with(|| a.text.cmp(&b.text))
    });
    findings.truncate(TOP_FINDINGS);
    findings
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn a_label(label: &str) -> String {
    let article = if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {label}")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `Mar 4–18`, or `Mar 28–Apr 9` across months.
pub(crate) fn date_range(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        from.format("%b %-d").to_string()
    } else if (from.year(), from.month()) == (to.year(), to.month()) {
        format!("{}–{}", from.format("%b %-d"), to.day())
    } else {
        format!("{}–{}", from.format("%b %-d"), to.format("%b %-d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges_read_naturally() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(date_range(d("2024-03-04"), d("2024-03-18")), "Mar 4–18");
        assert_eq!(date_range(d("2024-03-28"), d("2024-04-09")), "Mar 28–Apr 9");
        assert_eq!(date_range(d("2024-03-04"), d("2024-03-04")), "Mar 4");
        assert_eq!(a_label("overstepping"), "an overstepping");
        assert_eq!(capitalize("a team member"), "A team member");
    }
}
