//! The streaming aggregator. It keeps compact per-person, per-conversation and per-day state,
//! never the messages themselves, so memory grows with people × conversations × days (plus
//! the capped review list, thread map and answer-matching inboxes), not with the number of
//! messages or threads. Messages may arrive in any order; past the caps described in
//! `docs/health.md` (see [`crate::answers`] and [`crate::threads`]) answers and thread starters
//! are matched exactly only when each conversation's messages come roughly in time order.

use std::cmp::{Ordering, Reverse};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::hash::{Hash, Hasher};

use cadence_taxonomy::{Classification, Label, Message};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::answers::{AnswerBook, Inbox, Judge};
use crate::calendar::Calendar;
use crate::report::PerLabel;
use crate::threads::{PendingReply, Threads};
use crate::{HealthOptions, Report, Result};

/// Longest review text kept; a lead reads the message itself for more.
const REVIEW_TEXT_CHARS: usize = 600;

/// Builds a [`Report`] from classified messages pushed one at a time.
///
/// ```
/// use cadence_health::{HealthBuilder, HealthOptions};
/// use cadence_taxonomy::{Classification, Message};
///
/// let mut builder = HealthBuilder::new(HealthOptions::default()).unwrap();
/// let mut message = Message::new("Shipped the fix, release notes in the doc.");
/// message.author = Some("Ana".into());
/// builder.push(&message, &Classification::from_scores([0.9, 0.0, 0.05, 0.05], 0.5));
/// let report = builder.finish();
/// assert_eq!(report.messages.total, 1);
/// ```
#[derive(Debug)]
pub struct HealthBuilder {
    pub(crate) options: HealthOptions,
    pub(crate) calendar: Calendar,
    pub(crate) people: Interner,
    pub(crate) conversations: Interner,
    pub(crate) counts: Counts,
    pub(crate) team: GroupState,
    pub(crate) persons: Vec<PersonState>,
    pub(crate) convs: Vec<ConversationState>,
    /// Keyed by (ISO year, ISO week).
    pub(crate) weeks: BTreeMap<(i32, u32), GroupState>,
    /// Each person's messages and the requests addressed to them, per conversation, until
    /// they are judged into `answers`.
    pub(crate) inboxes: HashMap<(PersonId, ConversationId), Inbox>,
    /// Judged requests: questions and response times per team, person, conversation, week.
    pub(crate) answers: AnswerBook,
    /// Who started the most recent threads, by a hash of (conversation, thread id).
    threads: Threads,
    /// Min-heap of the most confident overstepping messages.
    review: BinaryHeap<Reverse<ReviewEntry>>,
    pub(crate) overstepping_total: u64,
    pub(crate) first: Option<DateTime<Utc>>,
    pub(crate) last: Option<DateTime<Utc>>,
}

pub(crate) type PersonId = u32;
pub(crate) type ConversationId = u32;

/// Names to small ids, in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: HashMap<String, u32>,
    pub(crate) names: Vec<String>,
}

impl Interner {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub(crate) total: u64,
    pub(crate) bots: u64,
    pub(crate) untimed: u64,
    pub(crate) unattributed: u64,
}

/// Label counts, after-hours counts and the distinct people behind a group.
#[derive(Debug, Default)]
pub(crate) struct GroupState {
    pub(crate) labels: PerLabel<u64>,
    pub(crate) timed: u64,
    pub(crate) after_hours: u64,
    pub(crate) people: BTreeSet<PersonId>,
}

impl GroupState {
    fn add(&mut self, label: Option<Label>, author: Option<PersonId>, after_hours: Option<bool>) {
        *self.labels.get_mut(label) += 1;
        if let Some(after) = after_hours {
            self.timed += 1;
            self.after_hours += u64::from(after);
        }
        self.people.extend(author);
    }
}

impl<T> PerLabel<T> {
    pub(crate) fn get_mut(&mut self, label: Option<Label>) -> &mut T {
        match label {
            Some(Label::Proactive) => &mut self.proactive,
            Some(Label::Silent) => &mut self.silent,
            Some(Label::Overstepping) => &mut self.overstepping,
            Some(Label::Aligned) => &mut self.aligned,
            None => &mut self.uncertain,
        }
    }

    pub(crate) fn get(&self, label: Option<Label>) -> &T {
        match label {
            Some(Label::Proactive) => &self.proactive,
            Some(Label::Silent) => &self.silent,
            Some(Label::Overstepping) => &self.overstepping,
            Some(Label::Aligned) => &self.aligned,
            None => &self.uncertain,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct PersonState {
    pub(crate) group: GroupState,
    pub(crate) replies: u64,
    pub(crate) silent_replies: u64,
    /// The first message of each local day they posted on: the label they came back with.
    pub(crate) days: BTreeMap<NaiveDate, DayOpener>,
    pub(crate) conversations: BTreeSet<ConversationId>,
    pub(crate) first: Option<DateTime<Utc>>,
    pub(crate) last: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub(crate) struct DayOpener {
    pub(crate) time: DateTime<Utc>,
    pub(crate) label: Option<Label>,
    pub(crate) text: String,
}

#[derive(Debug, Default)]
pub(crate) struct ConversationState {
    pub(crate) group: GroupState,
    /// Local dates with any message.
    pub(crate) days: BTreeSet<NaiveDate>,
}

#[derive(Debug)]
pub(crate) struct ReviewEntry {
    pub(crate) confidence: f32,
    pub(crate) time: Option<DateTime<Utc>>,
    pub(crate) author: Option<PersonId>,
    pub(crate) conversation: Option<ConversationId>,
    pub(crate) text: String,
}

impl ReviewEntry {
    /// More confident first; among equals, earlier first.
    fn rank(&self, other: &Self) -> Ordering {
        self.confidence
            .total_cmp(&other.confidence)
            .then_with(|| other.time.cmp(&self.time))
    }
}

impl PartialEq for ReviewEntry {
    fn eq(&self, other: &Self) -> bool {
        self.rank(other).is_eq()
    }
}

impl Eq for ReviewEntry {}

impl PartialOrd for ReviewEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ReviewEntry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank(other)
    }
}

fn is_question(text: &str) -> bool {
    text.contains('?')
}

fn thread_key(conversation: ConversationId, thread: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    (conversation, thread).hash(&mut hasher);
    hasher.finish()
}

impl HealthBuilder {
    /// Checks the options and starts an empty report.
    pub fn new(options: HealthOptions) -> Result<Self> {
        options.validate()?;
        Ok(HealthBuilder {
            calendar: Calendar::new(&options),
            options,
            people: Interner::default(),
            conversations: Interner::default(),
            counts: Counts::default(),
            team: GroupState::default(),
            persons: Vec::new(),
            convs: Vec::new(),
            weeks: BTreeMap::new(),
            inboxes: HashMap::new(),
            answers: AnswerBook::default(),
            threads: Threads::default(),
            review: BinaryHeap::new(),
            overstepping_total: 0,
            first: None,
            last: None,
        })
    }

    fn person(&mut self, name: &str) -> PersonId {
        let id = self.people.intern(name);
        if self.persons.len() <= id as usize {
            self.persons
                .resize_with(id as usize + 1, PersonState::default);
        }
        id
    }

    fn conversation(&mut self, name: &str) -> ConversationId {
        let id = self.conversations.intern(name);
        if self.convs.len() <= id as usize {
            self.convs
                .resize_with(id as usize + 1, ConversationState::default);
        }
        id
    }

    /// Adds one classified message. Bot messages are counted and otherwise ignored.
    pub fn push(&mut self, message: &Message, classification: &Classification) {
        if message.is_bot {
            self.counts.bots += 1;
            return;
        }
        let label = classification.label;
        self.counts.total += 1;
        let author = message.author.as_deref().map(|name| self.person(name));
        if author.is_none() {
            self.counts.unattributed += 1;
        }
        let conversation = message
            .conversation
            .as_deref()
            .map(|name| self.conversation(name));
        let time = message.timestamp;
        if time.is_none() {
            self.counts.untimed += 1;
        }
        let after_hours = time.map(|t| self.calendar.is_after_hours(t));

        self.team.add(label, author, after_hours);
        if let Some(c) = conversation {
            self.convs[c as usize].group.add(label, author, after_hours);
        }
        if let Some(t) = time {
            self.first = self.first.min(Some(t)).or(Some(t));
            self.last = self.last.max(Some(t));
            let date = self.calendar.local_date(t);
            let week = date.iso_week();
            self.weeks
                .entry((week.year(), week.week()))
                .or_default()
                .add(label, author, after_hours);
            if let Some(c) = conversation {
                self.convs[c as usize].days.insert(date);
            }
        }
        if let Some(a) = author {
            self.record_person(a, conversation, message, label, after_hours);
        }
        if let (Some(a), Some(c), Some(t)) = (author, conversation, time) {
            self.record_requests(a, c, t, message);
        }
        if label == Some(Label::Overstepping) {
            self.record_overstep(message, classification.confidence, author, conversation);
        }
    }

    fn record_person(
        &mut self,
        author: PersonId,
        conversation: Option<ConversationId>,
        message: &Message,
        label: Option<Label>,
        after_hours: Option<bool>,
    ) {
        let time = message.timestamp;
        let date = time.map(|t| self.calendar.local_date(t));
        let person = &mut self.persons[author as usize];
        person.group.add(label, Some(author), after_hours);
        if message.context.is_some() || message.reply_to.is_some() {
            person.replies += 1;
            person.silent_replies += u64::from(label == Some(Label::Silent));
        }
        person.conversations.extend(conversation);
        if let (Some(t), Some(date)) = (time, date) {
            person.first = person.first.min(Some(t)).or(Some(t));
            person.last = person.last.max(Some(t));
            let opener = DayOpener {
                time: t,
                label,
                text: message.text.clone(),
            };
            person
                .days
                .entry(date)
                .and_modify(|day| {
                    if t < day.time {
                        *day = opener.clone();
                    }
                })
                .or_insert(opener);
            if let Some(c) = conversation {
                self.inbox(author, c, |inbox| inbox.message(t.timestamp()));
            }
        }
    }

    /// Files the message as a request to everyone it mentions, and to the thread's starter
    /// when it asks something in a thread someone else started.
    fn record_requests(
        &mut self,
        author: PersonId,
        conversation: ConversationId,
        time: DateTime<Utc>,
        message: &Message,
    ) {
        let question = is_question(&message.text);
        let mut addressees = Vec::new();
        for name in &message.mentions {
            let id = self.person(name.trim_start_matches('@'));
            if id != author && !addressees.contains(&id) {
                addressees.push(id);
            }
        }
        if let Some(thread) = message.thread.as_deref() {
            let key = thread_key(conversation, thread);
            if message.id.as_deref() == Some(thread) {
                for reply in self.threads.start(key, author) {
                    if reply.author != author {
                        self.add_request(author, reply.conversation, reply.time, true);
                    }
                }
            } else if question {
                match self.threads.owner(key) {
                    Some(owner) if owner != author && !addressees.contains(&owner) => {
                        addressees.push(owner);
                    }
                    Some(_) => {}
                    None => self.threads.wait(
                        key,
                        PendingReply {
                            conversation,
                            author,
                            time,
                        },
                    ),
                }
            }
        }
        for addressee in addressees {
            self.add_request(addressee, conversation, time, question);
        }
    }

    fn add_request(
        &mut self,
        addressee: PersonId,
        conversation: ConversationId,
        time: DateTime<Utc>,
        question: bool,
    ) {
        self.inbox(addressee, conversation, |inbox| {
            inbox.request(time.timestamp(), question);
        });
    }

    /// Updates a person's inbox in a conversation, settling it when it is full.
    fn inbox(
        &mut self,
        person: PersonId,
        conversation: ConversationId,
        update: impl FnOnce(&mut Inbox),
    ) {
        let inbox = self.inboxes.entry((person, conversation)).or_default();
        update(inbox);
        if inbox.is_full() {
            let judge = Judge {
                calendar: &self.calendar,
                options: &self.options,
                last: self.last,
            };
            inbox.settle(&judge, &mut self.answers, person, conversation);
        }
    }

    fn record_overstep(
        &mut self,
        message: &Message,
        confidence: f32,
        author: Option<PersonId>,
        conversation: Option<ConversationId>,
    ) {
        self.overstepping_total += 1;
        if self.options.review_limit == 0 {
            return;
        }
        let entry = ReviewEntry {
            confidence,
            time: message.timestamp,
            author,
            conversation,
            text: message.text.chars().take(REVIEW_TEXT_CHARS).collect(),
        };
        if self.review.len() < self.options.review_limit {
            self.review.push(Reverse(entry));
        } else if self
            .review
            .peek()
            .is_some_and(|Reverse(least)| entry > *least)
        {
            self.review.pop();
            self.review.push(Reverse(entry));
        }
    }

    /// The review list, most confident first.
    pub(crate) fn take_review(&mut self) -> Vec<ReviewEntry> {
        let mut entries: Vec<_> = std::mem::take(&mut self.review)
            .into_iter()
            .map(|Reverse(e)| e)
            .collect();
        entries.sort_by(|a, b| b.cmp(a));
        entries
    }

    /// Computes every metric and builds the report.
    pub fn finish(self) -> Report {
        crate::metrics::build_report(self)
    }
}
