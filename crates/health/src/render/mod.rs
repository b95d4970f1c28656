//! Renderers: each writes a [`Report`] to any `impl Write`. Shared formatting lives here so
//! that every format says the same thing the same way.

mod csv;
mod html;
mod json;
mod markdown;
mod table;

pub use self::csv::{CsvTable, render_csv};
pub use html::render_html;
pub use json::render_json;
pub use markdown::render_markdown;
pub use table::render_table;

use cadence_taxonomy::Label;

use crate::report::{Group, LabelMix, PerLabel, Person, Report};

/// The label names and the uncertain bucket, in the order every table and chart uses.
pub(crate) const MIX_NAMES: [&str; 5] = [
    "proactive",
    "silent",
    "overstepping",
    "aligned",
    "uncertain",
];

pub(crate) fn mix_values<T: Copy>(values: &PerLabel<T>) -> [T; 5] {
    let label = |l: Label| *values.get(Some(l));
    [
        label(Label::Proactive),
        label(Label::Silent),
        label(Label::Overstepping),
        label(Label::Aligned),
        *values.get(None),
    ]
}

pub(crate) fn percent(share: f64) -> String {
    format!("{:.0}%", 100.0 * share)
}

pub(crate) fn hours(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |h| format!("{h:.1} h"))
}

/// `40% proactive · 20% silent · ...`
pub(crate) fn mix_summary(mix: &LabelMix) -> String {
    MIX_NAMES
        .iter()
        .zip(mix_values(&mix.shares))
        .map(|(name, share)| format!("{} {name}", percent(share)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One line about the period and the volume of messages.
pub(crate) fn period_line(report: &Report) -> String {
    let period = report.period.as_ref().map_or_else(
        || "no timestamped messages".to_owned(),
        |p| {
            format!(
                "{} to {} ({} working days, {} weeks)",
                p.first, p.last, p.working_days, p.weeks
            )
        },
    );
    format!(
        "{period} · {} messages · {} people",
        report.messages.total, report.team.people
    )
}

/// The team score with its components, or why it is hidden.
pub(crate) fn score_line(team: &Group) -> String {
    match team.metrics.as_ref().and_then(|m| m.score.as_ref()) {
        Some(score) => format!(
            "{:.0}/100 ({})",
            score.value,
            score
                .components
                .iter()
                .map(|c| format!("{} {:.1}", c.name, c.points))
                .collect::<Vec<_>>()
                .join(" + ")
        ),
        None => team.hidden.clone().unwrap_or_else(|| "not computed".into()),
    }
}

/// Team response-time and unanswered-question summary, when the team is shown.
pub(crate) fn response_line(team: &Group) -> Option<String> {
    let m = team.metrics.as_ref()?;
    Some(format!(
        "Response time (working hours): median {}, 90th percentile {} over {} answers · {} of {} questions unanswered within the window · {} after hours",
        hours(m.response_time.median_hours),
        hours(m.response_time.p90_hours),
        m.response_time.answered,
        m.questions.unanswered,
        m.questions.questions - m.questions.open,
        percent(m.after_hours.share),
    ))
}

/// Column headers of the per-person table shared by the table, Markdown and HTML renderers.
pub(crate) const PERSON_HEADERS: [&str; 11] = [
    "Person",
    "Score",
    "Msgs",
    "Proactive",
    "Silent",
    "Overstep",
    "Aligned",
    "After hours",
    "Longest gap",
    "Dark spells",
    "Unanswered",
];

pub(crate) fn person_cells(p: &Person) -> [String; 11] {
    let shares = &p.label_mix.shares;
    [
        p.name.clone(),
        format!("{:.0}", p.score.value),
        p.messages.to_string(),
        percent(shares.proactive),
        percent(shares.silent),
        percent(shares.overstepping),
        percent(shares.aligned),
        percent(p.after_hours.share),
        format!("{} d", p.longest_gap_working_days),
        p.dark_episodes.len().to_string(),
        format!("{}/{}", p.questions.unanswered, p.questions.questions),
    ]
}
