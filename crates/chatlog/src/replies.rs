//! Which message a reply answers: bounded memory of recent messages, and the inference rule
//! for formats without reply links (see the crate documentation).

use std::collections::{HashMap, VecDeque};

use cadence_taxonomy::Message;
use chrono::{DateTime, TimeDelta, Utc};

/// The most messages (or threads, or conversations) a reader remembers to resolve replies,
/// and the most bytes they may take; older ones are forgotten first, so memory stays flat
/// however large the export. 4 MiB holds about 6,000 Slack threads (weeks of a busy
/// channel's), and replies come within days of what they answer.
const REMEMBERED: usize = 20_000;
const REMEMBERED_BYTES: usize = 4 << 20;

/// What remembering a value costs: its heap bytes, roughly.
pub(crate) trait Footprint {
    fn footprint(&self) -> usize;
}

impl Footprint for String {
    fn footprint(&self) -> usize {
        self.capacity()
    }
}

/// A map that keeps only its most recently inserted keys, within a count and a byte budget.
#[derive(Debug)]
pub(crate) struct Recent<V> {
    capacity: usize,
    budget: usize,
    bytes: usize,
    values: HashMap<String, V>,
    order: VecDeque<String>,
}

impl<V: Footprint> Recent<V> {
    pub fn new() -> Self {
        Self::with_limits(REMEMBERED, REMEMBERED_BYTES)
    }

    fn with_limits(capacity: usize, budget: usize) -> Self {
        Recent {
            capacity: capacity.max(1),
            budget,
            bytes: 0,
            values: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.values.get(key)
    }

    /// Changes the value of `key`, if remembered, and returns what `change` returns.
    pub fn update<R>(&mut self, key: &str, change: impl FnOnce(&mut V) -> R) -> Option<R> {
        let value = self.values.get_mut(key)?;
        let before = value.footprint();
        let result = change(value);
        self.bytes = self.bytes - before + value.footprint();
        self.forget_oldest();
        Some(result)
    }

    pub fn insert(&mut self, key: String, value: V) {
        self.bytes += value.footprint();
        match self.values.insert(key.clone(), value) {
            Some(replaced) => self.bytes -= replaced.footprint(),
            None => {
                self.bytes += entry_bytes::<V>(&key);
                self.order.push_back(key);
            }
        }
        self.forget_oldest();
    }

    /// Forgets the oldest keys until both limits hold again; the newest key always stays.
    fn forget_oldest(&mut self) {
        while self.order.len() > 1 && (self.order.len() > self.capacity || self.bytes > self.budget)
        {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(value) = self.values.remove(&oldest) {
                self.bytes -= value.footprint();
            }
            self.bytes -= entry_bytes::<V>(&oldest);
        }
    }
}

/// The key, kept twice (map and order), and the map's and queue's own slots.
fn entry_bytes<V>(key: &str) -> usize {
    2 * key.len() + size_of::<(String, V)>() + size_of::<String>()
}

/// What a later message may need to know about an earlier one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Said {
    pub id: Option<String>,
    pub author: Option<String>,
    pub text: String,
    pub time: Option<DateTime<Utc>>,
    pub mentions: Vec<String>,
}

impl Said {
    pub fn of(message: &Message) -> Self {
        Said {
            id: message.id.clone(),
            author: message.author.clone(),
            text: message.text.clone(),
            time: message.timestamp,
            mentions: message.mentions.clone(),
        }
    }

    /// Sets `message` up as answering this one.
    pub fn answered_by(&self, message: &mut Message) {
        message.reply_to = self.id.clone();
        message.context = Some(self.text.clone());
    }

    fn asks(&self, author: &str) -> bool {
        is_question(&self.text)
            || self.mentions.iter().any(|m| m == author)
            || self.text.contains(&format!("@{author}"))
    }
}

impl Footprint for Said {
    fn footprint(&self) -> usize {
        let strings = self.id.iter().chain(&self.author).chain(&self.mentions);
        self.text.capacity() + strings.map(String::capacity).sum::<usize>()
    }
}

/// The last two turns of a conversation or thread: its latest message, and the latest one
/// before it by somebody else. That is enough to find what a new message answers, since a
/// reply answers someone else's message and may come in several parts.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    last: Said,
    prior: Option<Said>,
}

impl Exchange {
    pub fn new(first: Said) -> Self {
        Exchange {
            last: first,
            prior: None,
        }
    }

    pub fn push(&mut self, said: Said) {
        let previous = std::mem::replace(&mut self.last, said);
        if previous.author != self.last.author {
            self.prior = Some(previous);
        }
    }

    /// The latest message not written by `author`.
    pub fn latest_not_by(&self, author: Option<&str>) -> Option<&Said> {
        if self.last.author.as_deref() != author {
            Some(&self.last)
        } else {
            self.prior.as_ref()
        }
    }

    pub fn latest(&self) -> &Said {
        &self.last
    }
}

impl Footprint for Exchange {
    fn footprint(&self) -> usize {
        self.last.footprint() + self.prior.as_ref().map_or(0, Footprint::footprint)
    }
}

/// The words that open a question even without a question mark.
const QUESTION_WORDS: &[&str] = &[
    "who", "whom", "whose", "what", "when", "where", "which", "why", "how", "can", "could",
    "would", "should", "will", "shall", "may", "is", "are", "am", "was", "were", "do", "does",
    "did", "has", "have", "had", "any", "anyone", "anybody",
];

/// Whether a message asks something: it ends with a question mark, or its first word is a
/// question word ([`QUESTION_WORDS`], any case).
pub(crate) fn is_question(text: &str) -> bool {
    let text = text.trim();
    if text.ends_with(['?', '？']) {
        return true;
    }
    let first_word: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '\'')
        .collect::<String>()
        .to_lowercase();
    QUESTION_WORDS.contains(&first_word.as_str())
}

/// Infers reply links for formats that have none, by the rule in the crate documentation.
#[derive(Debug)]
pub(crate) struct ReplyGuesser {
    window: TimeDelta,
    conversations: Recent<Exchange>,
}

impl ReplyGuesser {
    pub fn new(window_minutes: u32) -> Self {
        ReplyGuesser {
            window: TimeDelta::minutes(i64::from(window_minutes)),
            conversations: Recent::new(),
        }
    }

    /// Links `message` to the question it answers, if any, then remembers it.
    pub fn link(&mut self, message: &mut Message) {
        let key = message.conversation.clone().unwrap_or_default();
        let window = self.window;
        let known = self.conversations.update(&key, |exchange| {
            let author = message.author.as_deref();
            if let Some(question) = exchange.latest_not_by(author) {
                let in_time = match (question.time, message.timestamp) {
                    (Some(asked), Some(answered)) => {
                        answered >= asked && answered - asked <= window
                    }
                    _ => false,
                };
                if in_time && question.asks(author.unwrap_or_default()) {
                    question.answered_by(message);
                }
            }
            exchange.push(Said::of(message));
        });
        if known.is_none() {
            self.conversations
                .insert(key, Exchange::new(Said::of(message)));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn message(author: &str, minute: u32, text: &str) -> Message {
        Message {
            id: Some(format!("{author}{minute}")),
            conversation: Some("team".into()),
            author: Some(author.into()),
            timestamp: Some(Utc.with_ymd_and_hms(2024, 5, 6, 9, minute, 0).unwrap()),
            ..Message::new(text)
        }
    }

    fn guess(messages: Vec<Message>, window: u32) -> Vec<Option<String>> {
        let mut guesser = ReplyGuesser::new(window);
        messages
            .into_iter()
            .map(|mut m| {
                guesser.link(&mut m);
                m.reply_to
            })
            .collect()
    }

    #[test]
    fn questions_are_recognised_by_mark_or_first_word() {
        assert!(is_question("eta for the fix?"));
        assert!(is_question("  ¿listo？ "));
        assert!(is_question("Can you take the release"));
        assert!(is_question("anyone seen the flaky test"));
        assert!(!is_question("I can take it"));
        assert!(!is_question("Howdy all"));
    }

    #[test]
    fn an_answer_follows_another_authors_question_within_the_window() {
        let replies = guess(
            vec![
                message("ana", 0, "Can someone review #412?"),
                message("bo", 5, "on it"),
                message("bo", 6, "left two comments"),
                message("cy", 7, "thanks"),
                message("ana", 30, "merged"),
            ],
            240,
        );
        assert_eq!(
            replies,
            [None, Some("ana0".into()), Some("ana0".into()), None, None]
        );
    }

    #[test]
    fn late_answers_and_own_questions_are_not_replies() {
        let replies = guess(
            vec![
                message("ana", 0, "who owns the pager?"),
                message("ana", 1, "also, why is CI red?"),
                message("bo", 50, "me"),
            ],
            30,
        );
        assert_eq!(replies, [None, None, None]);
    }

    #[test]
    fn a_mention_counts_as_asking() {
        let replies = guess(
            vec![
                message("ana", 0, "@bo the deploy notes are up"),
                message("bo", 2, "great"),
            ],
            240,
        );
        assert_eq!(replies, [None, Some("ana0".into())]);
    }

    #[test]
    fn recent_keeps_within_its_byte_budget() {
        let slot = entry_bytes::<String>("k0");
        let mut recent = Recent::with_limits(100, 3 * (slot + 10));
        for i in 0..3 {
            recent.insert(format!("k{i}"), "x".repeat(10));
        }
        assert!(recent.get("k0").is_some(), "three fit");
        recent.insert("k3".into(), "x".repeat(10));
        assert_eq!(recent.get("k0"), None, "a fourth pushes the oldest out");
        // Growing a value counts too: k1 and k2 go to make room for a longer k3.
        recent.update("k3", |text| text.push_str(&"y".repeat(2 * slot + 15)));
        assert_eq!(recent.get("k1"), None);
        assert_eq!(recent.get("k2"), None);
        assert!(recent.get("k3").is_some());
        // One value larger than the whole budget is still kept, alone.
        recent.insert("big".into(), "z".repeat(10 * slot));
        assert_eq!(recent.get("k3"), None);
        assert!(recent.get("big").is_some());
        assert_eq!(recent.order.len(), 1);
    }

    #[test]
    fn recent_forgets_the_oldest_key() {
        let mut recent = Recent::with_limits(2, usize::MAX);
        recent.insert("a".into(), "1".to_owned());
        recent.insert("b".into(), "2".to_owned());
        recent.insert("a".into(), "3".to_owned());
        recent.insert("c".into(), "4".to_owned());
        assert_eq!(recent.get("a"), None);
        assert_eq!(recent.get("b").map(String::as_str), Some("2"));
        assert_eq!(recent.get("c").map(String::as_str), Some("4"));
    }
}
