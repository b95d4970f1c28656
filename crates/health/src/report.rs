//! The report: one serializable value with every metric. Its JSON form is the stable schema
//! in `schema/report.schema.json`; renderers only read it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::ScoreWeights;

/// Bumped whenever a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// Said plainly wherever labels are shown.
pub const NOTICE: &str = "A label is a prompt for a conversation, not a verdict. Labels come from \
     a classifier that makes mistakes; read the messages and talk with the people before drawing \
     any conclusion.";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub notice: String,
    pub settings: Settings,
    /// First and last local date with a timestamped message; `None` when there is none.
    pub period: Option<Period>,
    pub messages: MessageCounts,
    pub team: Group,
    /// The three things most worth a lead's attention, most important first.
    pub top_findings: Vec<Finding>,
    pub conversations: Vec<Group>,
    /// One row per ISO week of the period, in order.
    pub weeks: Vec<Week>,
    /// `None` when fewer than two weeks are shown.
    pub trend: Option<Trend>,
    /// Empty when the report is aggregate-only.
    pub people: Vec<Person>,
    pub review: Review,
}

/// The options the report was made with (the pseudonymisation salt is never written).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub timezone: String,
    pub working_days: Vec<String>,
    pub working_hours: String,
    pub dark_days: u32,
    pub answer_within_hours: f64,
    pub weights: ScoreWeights,
    pub min_group_size: usize,
    pub pseudonymized: bool,
    pub aggregate_only: bool,
    pub review_limit: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub working_days: u32,
    pub weeks: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageCounts {
    /// Messages counted (bot messages excluded).
    pub total: u64,
    /// Messages from bots, left out of every metric.
    pub bots: u64,
    /// Messages without a timestamp: in label mixes, but not in time-based metrics.
    pub untimed: u64,
    /// Messages without an author: in group label mixes, but in no person's row.
    pub unattributed: u64,
}

/// Five values, one per label and one for messages the classifier was unsure of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PerLabel<T> {
    pub proactive: T,
    pub silent: T,
    pub overstepping: T,
    pub aligned: T,
    pub uncertain: T,
}

impl PerLabel<u64> {
    /// All five counts added up.
    pub fn total(&self) -> u64 {
        self.proactive + self.silent + self.overstepping + self.aligned + self.uncertain
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelMix {
    pub total: u64,
    pub counts: PerLabel<u64>,
    /// Each count divided by `total` (0 when there are no messages).
    pub shares: PerLabel<f64>,
}

/// A team, conversation or week. Its metrics are `None` when it was built from fewer
/// than `min_group_size` people, and `hidden` then says so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub name: String,
    /// Distinct people who posted in it.
    pub people: usize,
    pub hidden: Option<String>,
    pub metrics: Option<GroupMetrics>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetrics {
    pub label_mix: LabelMix,
    pub after_hours: AfterHours,
    pub questions: Questions,
    pub response_time: ResponseTime,
    /// The health score; computed for the team only.
    pub score: Option<Score>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// ISO week, like `2024-W10`.
    pub week: String,
    /// Its Monday.
    pub starts: NaiveDate,
    #[serde(flatten)]
    pub group: Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AfterHours {
    /// Timestamped messages outside working hours or on non-working days.
    pub messages: u64,
    /// Of the timestamped messages.
    pub share: f64,
}

/// Requests addressed to someone: a mention, or a message in a thread they started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Questions {
    /// Mentions and thread replies addressed to the person (or group members).
    pub addressed: u32,
    /// Of those, the ones that ask something (contain a question mark).
    pub questions: u32,
    /// Questions with no answer within `answer_within_hours` working hours.
    pub unanswered: u32,
    /// Questions whose answer window had not closed when the export ends: not judged.
    pub open: u32,
}

/// Working hours from a request to the addressee's next message in the conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ResponseTime {
    /// Requests that got an answer, however late.
    pub answered: u32,
    /// Nearest-rank median, in working hours.
    pub median_hours: Option<f64>,
    /// Nearest-rank 90th percentile, in working hours.
    pub p90_hours: Option<f64>,
}

/// A 0-100 score and the components it is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub value: f64,
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// `engagement`, `boundaries`, `presence` or `responsiveness`.
    pub name: String,
    /// 0 (worst) to 1 (best); `None` when there was nothing to measure, and the component
    /// is then left out of the score.
    pub value: Option<f64>,
    pub weight: f64,
    /// What the component adds to the score.
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub name: String,
    pub messages: u64,
    pub label_mix: LabelMix,
    pub after_hours: AfterHours,
    pub first_message: Option<DateTime<Utc>>,
    pub last_message: Option<DateTime<Utc>>,
    /// Local dates with at least one message.
    pub active_days: Vec<NaiveDate>,
    /// Most working days between two of their messages.
    pub longest_gap_working_days: u32,
    pub dark_episodes: Vec<DarkEpisode>,
    pub questions: Questions,
    pub response_time: ResponseTime,
    /// Messages answering another message (with a `context` or `reply_to`).
    pub replies: u64,
    /// Of those, the ones labelled silent.
    pub silent_replies: u64,
    pub score: Score,
}

/// No message for more than `dark_days` working days while their conversations went on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DarkEpisode {
    /// First and last working day without a message.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub working_days: u32,
    /// `None` when they had not come back by the end of the export.
    pub came_back: Option<Comeback>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comeback {
    pub date: NaiveDate,
    /// Label of the first message after the silence (`uncertain` when unsure).
    pub label: String,
    /// Its text (names pseudonymised when asked).
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// `went_dark`, `overstepping`, `bare_acknowledgements`, `unanswered`, `after_hours`
    /// or `trend`.
    pub kind: String,
    /// The person it is about; `None` for team findings and aggregate-only reports.
    pub person: Option<String>,
    /// Higher is more important; only the order matters.
    pub severity: f64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub first_week: String,
    pub last_week: String,
    /// Share in the second half of the shown weeks minus share in the first half, in
    /// percentage points.
    pub change_points: PerLabel<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub notice: String,
    /// Every overstepping message seen.
    pub total: u64,
    pub limit: usize,
    /// The most confident ones, up to `limit`, most confident first.
    pub items: Vec<ReviewItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewItem {
    /// `None` in aggregate-only reports.
    pub author: Option<String>,
    pub time: Option<DateTime<Utc>>,
    pub conversation: Option<String>,
    pub confidence: f32,
    pub text: String,
}
