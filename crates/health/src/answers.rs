//! Requests (mentions and thread questions) and their answers, matched in bounded memory.
//!
//! Each (addressee, conversation) pair has an [`Inbox`]: the times at which the addressee
//! posted there and at which they were addressed, sorted by time. A request's answer is the
//! addressee's first message in the conversation after it. While an inbox holds fewer than
//! [`INBOX_CAP`] entries nothing is decided, so the order in which messages arrive does not
//! matter. When it is full, its older half is *settled*: every request there that is answered
//! within that half is judged and added to the totals, the half's messages are dropped and its
//! other requests (waiting for an answer) move to a backlog of at most [`BACKLOG_CAP`]
//! batches. A batch of one request keeps its time; past the cap the two neighbouring batches
//! whose merged span is smallest relative to their age are merged, and a merged batch is judged
//! at its middle time.
//!
//! Settling is exact when each inbox's entries arrive in time order (chat exports list each
//! conversation in time order), or out of order by less than half the cap. A message arriving
//! later than that cannot answer requests already judged, and a request arriving later is
//! matched to the next message the inbox still holds.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};

use crate::HealthOptions;
use crate::aggregate::{ConversationId, PersonId};
use crate::calendar::Calendar;
use crate::durations::Durations;
use crate::report::{Questions, ResponseTime};

/// Entries (messages and requests) an inbox holds before its older half is settled.
pub const INBOX_CAP: usize = 32;
/// Batches of requests waiting for an answer, per inbox.
pub const BACKLOG_CAP: usize = 8;

/// Entry kinds, in the order they sort within one second: a message at the same second as a
/// request does not answer it.
const MESSAGE: i64 = 0;
const REQUEST: i64 = 1;
const QUESTION: i64 = 2;

fn pack(time: i64, kind: i64) -> i64 {
    time * 4 + kind
}

fn unpack(entry: i64) -> (i64, i64) {
    (entry.div_euclid(4), entry.rem_euclid(4))
}

fn datetime(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("in range")
}

/// Questions and response times gathered for one group or person.
#[derive(Debug, Default)]
pub(crate) struct Answers {
    pub(crate) questions: Questions,
    /// Working hours to each answer.
    hours: Durations,
}

impl Answers {
    fn add(&mut self, outcome: &Outcome, n: u32, questions: u32) {
        self.questions.addressed += n;
        if let Some(hours) = outcome.answer_hours {
            self.hours.add_n(hours, u64::from(n));
        }
        self.questions.questions += questions;
        match outcome.in_time {
            Some(true) => {}
            Some(false) => self.questions.unanswered += questions,
            None => self.questions.open += questions,
        }
    }

    pub(crate) fn response_time(&mut self) -> ResponseTime {
        ResponseTime {
            answered: self.hours.count() as u32,
            median_hours: self.hours.percentile(0.5),
            p90_hours: self.hours.percentile(0.9),
        }
    }
}

/// What a request came to.
struct Outcome {
    answer_hours: Option<f64>,
    /// `Some(true)` answered in time, `Some(false)` unanswered, `None` window still open.
    in_time: Option<bool>,
}

/// Totals for the team, each person (as addressee), conversation and week (of the request).
#[derive(Debug, Default)]
pub(crate) struct AnswerBook {
    pub(crate) team: Answers,
    pub(crate) persons: Vec<Answers>,
    pub(crate) convs: Vec<Answers>,
    /// Keyed by (ISO year, ISO week).
    pub(crate) weeks: BTreeMap<(i32, u32), Answers>,
}

/// What an inbox needs to judge requests.
pub(crate) struct Judge<'a> {
    pub(crate) calendar: &'a Calendar,
    pub(crate) options: &'a HealthOptions,
    /// The last timestamp of the export, for the requests still waiting at the end.
    pub(crate) last: Option<DateTime<Utc>>,
}

impl Judge<'_> {
    fn outcome(&self, asked: DateTime<Utc>, answer: Option<DateTime<Utc>>) -> Outcome {
        let window = self.options.answer_within_hours * 3600.0;
        let answer_secs = answer.map(|a| self.calendar.working_seconds(asked, a) as f64);
        let in_time = match answer_secs {
            Some(secs) if secs <= window => Some(true),
            _ => {
                let elapsed = self.last.map_or(0.0, |last| {
                    self.calendar.working_seconds(asked, last) as f64
                });
                (elapsed > window || answer_secs.is_some()).then_some(false)
            }
        };
        Outcome {
            answer_hours: answer_secs.map(|s| s / 3600.0),
            in_time,
        }
    }
}

impl AnswerBook {
    /// Judges `n` requests (`questions` of them questions) asked at `asked` and files them.
    #[allow(clippy::too_many_arguments)]
    fn file(
        &mut self,
        judge: &Judge,
        addressee: PersonId,
        conversation: ConversationId,
        asked: i64,
        answer: Option<i64>,
        n: u32,
        questions: u32,
    ) {
        let asked = datetime(asked);
        let outcome = judge.outcome(asked, answer.map(datetime));
        let week = judge.calendar.local_date(asked).iso_week();
        self.team.add(&outcome, n, questions);
        self.person(addressee).add(&outcome, n, questions);
        self.conv(conversation).add(&outcome, n, questions);
        self.weeks
            .entry((week.year(), week.week()))
            .or_default()
            .add(&outcome, n, questions);
    }

    pub(crate) fn person(&mut self, id: PersonId) -> &mut Answers {
        if self.persons.len() <= id as usize {
            self.persons.resize_with(id as usize + 1, Answers::default);
        }
        &mut self.persons[id as usize]
    }

    pub(crate) fn conv(&mut self, id: ConversationId) -> &mut Answers {
        if self.convs.len() <= id as usize {
            self.convs.resize_with(id as usize + 1, Answers::default);
        }
        &mut self.convs[id as usize]
    }
}

/// Requests waiting for an answer, merged: `count` requests between `first` and `last`.
#[derive(Debug, Clone, Copy)]
struct Batch {
    first: i64,
    last: i64,
    count: u32,
    questions: u32,
}

impl Batch {
    fn middle(&self) -> i64 {
        self.first + (self.last - self.first) / 2
    }
}

/// One addressee's messages and requests in one conversation; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    /// Sorted and distinct: `time * 4 + kind`, time in Unix seconds.
    entries: Vec<i64>,
    /// The oldest waiting requests, merged, sorted by time; usually empty.
    backlog: Vec<Batch>,
}

impl Inbox {
    /// Records that the addressee posted at `time`.
    pub(crate) fn message(&mut self, time: i64) {
        self.insert(pack(time, MESSAGE));
    }

    /// Records a request to the addressee at `time`.
    pub(crate) fn request(&mut self, time: i64, question: bool) {
        self.insert(pack(time, if question { QUESTION } else { REQUEST }));
    }

    fn insert(&mut self, entry: i64) {
        if let Err(at) = self.entries.binary_search(&entry) {
            self.entries.insert(at, entry);
        }
    }

    pub(crate) fn is_full(&self) -> bool {
        self.entries.len() >= INBOX_CAP
    }

    /// The first message strictly after `time`, from the entries at or after index `from`.
    fn answer_after(&self, time: i64, from: usize) -> Option<i64> {
        let start = from + self.entries[from..].partition_point(|&e| e < pack(time + 1, MESSAGE));
        self.entries[start..]
            .iter()
            .map(|&e| unpack(e))
            .find(|&(_, kind)| kind == MESSAGE)
            .map(|(t, _)| t)
    }

    /// Judges the requests of the older half of the entries that are answered within it and
    /// drops its messages; moves its other requests (still waiting, or answered in the newer
    /// half) to the backlog. The newer half stays as it is, so entries arriving late by less
    /// than half the cap are still matched exactly.
    pub(crate) fn settle(
        &mut self,
        judge: &Judge,
        book: &mut AnswerBook,
        addressee: PersonId,
        conversation: ConversationId,
    ) {
        let half = self.entries.len() / 2;
        if half == 0 {
            return;
        }
        let boundary = self.entries[half];
        let last_old_message = self.entries[..half]
            .iter()
            .rposition(|&e| unpack(e).1 == MESSAGE);
        // Batches first, while every message that may answer them is still here.
        let backlog = std::mem::take(&mut self.backlog);
        for batch in backlog {
            match self.answer_after(batch.middle(), 0) {
                Some(answer) if pack(answer, MESSAGE) < boundary => book.file(
                    judge,
                    addressee,
                    conversation,
                    batch.middle(),
                    Some(answer),
                    batch.count,
                    batch.questions,
                ),
                _ => self.backlog.push(batch),
            }
        }
        let moved = match last_old_message {
            Some(last_old_message) => {
                // Walk backwards, remembering the next message.
                let mut next = unpack(self.entries[last_old_message]).0;
                for i in (0..last_old_message).rev() {
                    let (time, kind) = unpack(self.entries[i]);
                    if kind == MESSAGE {
                        next = time;
                    } else {
                        let question = u32::from(kind == QUESTION);
                        book.file(
                            judge,
                            addressee,
                            conversation,
                            time,
                            Some(next),
                            1,
                            question,
                        );
                    }
                }
                self.entries.drain(..=last_old_message);
                half - last_old_message - 1
            }
            None => half,
        };
        // The older half's remaining requests: after its last message, so not answered in it.
        for entry in self.entries.drain(..moved) {
            let (time, kind) = unpack(entry);
            let batch = Batch {
                first: time,
                last: time,
                count: 1,
                questions: u32::from(kind == QUESTION),
            };
            let at = self.backlog.partition_point(|b| b.first <= time);
            self.backlog.insert(at, batch);
        }
        self.merge_backlog();
    }

    /// Merges neighbouring batches until at most [`BACKLOG_CAP`] remain, each time the pair
    /// whose merged span is smallest relative to its age (so older requests, whose answers
    /// will be later, are merged more coarsely).
    fn merge_backlog(&mut self) {
        let newest = self
            .entries
            .last()
            .map(|&e| unpack(e).0)
            .into_iter()
            .chain(self.backlog.last().map(|b| b.last))
            .max()
            .unwrap_or(0);
        while self.backlog.len() > BACKLOG_CAP {
            let cost = |pair: &[Batch]| {
                (pair[1].last - pair[0].first) as f64 / ((newest - pair[1].last) as f64 + 1.0)
            };
            let i = (0..self.backlog.len() - 1)
                .min_by(|&a, &b| {
                    cost(&self.backlog[a..a + 2]).total_cmp(&cost(&self.backlog[b..b + 2]))
                })
                .expect("at least two batches");
            let next = self.backlog.remove(i + 1);
            let batch = &mut self.backlog[i];
            batch.first = batch.first.min(next.first);
            batch.last = batch.last.max(next.last);
            batch.count += next.count;
            batch.questions += next.questions;
        }
    }

    /// Judges every request left, answered or not.
    pub(crate) fn finish(
        self,
        judge: &Judge,
        book: &mut AnswerBook,
        addressee: PersonId,
        conversation: ConversationId,
    ) {
        for (i, &entry) in self.entries.iter().enumerate() {
            let (time, kind) = unpack(entry);
            if kind != MESSAGE {
                let answer = self.answer_after(time, i);
                let question = u32::from(kind == QUESTION);
                book.file(judge, addressee, conversation, time, answer, 1, question);
            }
        }
        for batch in &self.backlog {
            let answer = self.answer_after(batch.middle(), 0);
            book.file(
                judge,
                addressee,
                conversation,
                batch.middle(),
                answer,
                batch.count,
                batch.questions,
            );
        }
    }
}
