use std::io::Write;

use super::{MIX_NAMES, mix_values};
use crate::report::{Group, LabelMix};
use crate::{Report, Result};

/// The two CSV tables of a report. Each is a separate file with its own header row;
/// [`CsvTable::file_name`] gives the conventional name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvTable {
    /// One row per person (no rows when the report is aggregate-only).
    People,
    /// One row per ISO week; a hidden week has empty metric cells and says why.
    Weeks,
}

impl CsvTable {
    pub const ALL: [CsvTable; 2] = [CsvTable::People, CsvTable::Weeks];

    /// `people.csv` or `weeks.csv`.
    pub fn file_name(self) -> &'static str {
        match self {
            CsvTable::People => "people.csv",
            CsvTable::Weeks => "weeks.csv",
        }
    }
}

/// Count and share columns for each label, in [`MIX_NAMES`] order.
fn mix_headers() -> Vec<String> {
    let counts = MIX_NAMES.iter().map(|n| n.to_string());
    let shares = MIX_NAMES.iter().map(|n| format!("{n}_share"));
    counts.chain(shares).collect()
}

fn mix_fields(mix: Option<&LabelMix>) -> Vec<String> {
    match mix {
        Some(mix) => {
            let counts = mix_values(&mix.counts).map(|c| c.to_string());
            let shares = mix_values(&mix.shares).map(|s| s.to_string());
            counts.into_iter().chain(shares).collect()
        }
        None => vec![String::new(); 2 * MIX_NAMES.len()],
    }
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes one of the report's CSV tables, with a header row.
pub fn render_csv(report: &Report, table: CsvTable, out: impl Write) -> Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    match table {
        CsvTable::People => {
            let mut header = vec!["person".to_owned(), "score".into(), "messages".into()];
            header.extend(mix_headers());
            header.extend(
                [
                    "after_hours_share",
                    "longest_gap_working_days",
                    "dark_episodes",
                    "dark_working_days",
                    "questions",
                    "unanswered",
                    "answered",
                    "median_response_hours",
                    "p90_response_hours",
                    "replies",
                    "silent_replies",
                ]
                .map(String::from),
            );
            csv.write_record(&header)?;
            for p in &report.people {
                let mut row = vec![
                    p.name.clone(),
                    p.score.value.to_string(),
                    p.messages.to_string(),
                ];
                row.extend(mix_fields(Some(&p.label_mix)));
                row.extend([
                    p.after_hours.share.to_string(),
                    p.longest_gap_working_days.to_string(),
                    p.dark_episodes.len().to_string(),
                    p.dark_episodes
                        .iter()
                        .map(|e| e.working_days)
                        .sum::<u32>()
                        .to_string(),
                    p.questions.questions.to_string(),
                    p.questions.unanswered.to_string(),
                    p.response_time.answered.to_string(),
                    optional(p.response_time.median_hours),
                    optional(p.response_time.p90_hours),
                    p.replies.to_string(),
                    p.silent_replies.to_string(),
                ]);
                csv.write_record(&row)?;
            }
        }
        CsvTable::Weeks => {
            let mut header = vec![
                "week".to_owned(),
                "starts".into(),
                "people".into(),
                "hidden".into(),
            ];
            header.extend(mix_headers());
            header.extend(["after_hours_share", "questions", "unanswered"].map(String::from));
            csv.write_record(&header)?;
            for week in &report.weeks {
                let Group {
                    people,
                    hidden,
                    metrics,
                    ..
                } = &week.group;
                let mut row = vec![
                    week.week.clone(),
                    week.starts.to_string(),
                    people.to_string(),
                    hidden.clone().unwrap_or_default(),
                ];
                row.extend(mix_fields(metrics.as_ref().map(|m| &m.label_mix)));
                row.extend([
                    optional(metrics.as_ref().map(|m| m.after_hours.share)),
                    optional(metrics.as_ref().map(|m| m.questions.questions)),
                    optional(metrics.as_ref().map(|m| m.questions.unanswered)),
                ]);
                csv.write_record(&row)?;
            }
        }
    }
    csv.flush()?;
    Ok(())
}
