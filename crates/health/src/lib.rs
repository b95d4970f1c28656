//! Team communication health from labelled chat.
//!
//! Push every classified message into a [`HealthBuilder`], then [`HealthBuilder::finish`] it
//! into a [`Report`]: label mixes for the team, each conversation, person and ISO week;
//! silence and "went dark" episodes; unanswered questions and response times; the overstepping
//! review list; the weekly trend; after-hours share; a 0-100 health score with its components;
//! and the top three things to look at. The aggregator's memory grows with people ×
//! conversations × days, not with the number of messages or threads, and messages may come in
//! any order (past the documented caps, answers and thread starters are matched exactly only
//! when each conversation's messages come in time order, as chat exports list them).
//!
//! Renderers write a report as a terminal table ([`render_table`]), JSON ([`render_json`],
//! matching `schema/report.schema.json`), CSV ([`render_csv`], one table per [`CsvTable`]),
//! Markdown ([`render_markdown`]) or one self-contained HTML page ([`render_html`]).
//!
//! The metrics, the score formula and every default are described in `docs/health.md`.

mod aggregate;
mod answers;
mod calendar;
mod durations;
mod error;
mod findings;
mod metrics;
mod options;
mod privacy;
pub mod render;
pub mod report;
mod score;
mod threads;

pub use aggregate::HealthBuilder;
pub use answers::{BACKLOG_CAP, INBOX_CAP};
pub use durations::{EXACT_SAMPLES, RELATIVE_ERROR};
pub use error::{Error, Result};
pub use findings::TOP_FINDINGS;
pub use options::{HealthOptions, ScoreWeights, WorkingHours, parse_timezone, parse_working_days};
pub use render::{CsvTable, render_csv, render_html, render_json, render_markdown, render_table};
pub use report::Report;
pub use score::{OVERSTEP_SHARE_AT_ZERO, PRESENCE_PENALTY_PER_EPISODE};
pub use threads::{ORPHAN_CAP, THREAD_CAP};

/// The JSON Schema that [`render_json`] output follows.
pub const REPORT_SCHEMA: &str = include_str!("../schema/report.schema.json");
