//! Who started each thread, and thread questions that arrived before their thread's first
//! message, both in bounded memory: each is two generations of a hash map, the current one and
//! the one before. When the current generation is full it becomes the previous one and the
//! previous one is dropped, so the most recently started threads (at least half the cap) are
//! always known.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::aggregate::{ConversationId, PersonId};

/// Thread starters remembered: at least the last `THREAD_CAP / 2` threads started, at most
/// `THREAD_CAP`.
pub const THREAD_CAP: usize = 20_000;

/// Thread questions waiting for their thread's first message: at least the last
/// `ORPHAN_CAP / 2`, at most `ORPHAN_CAP`.
pub const ORPHAN_CAP: usize = 10_000;

/// A question in a thread whose first message had not arrived yet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingReply {
    pub(crate) conversation: ConversationId,
    pub(crate) author: PersonId,
    pub(crate) time: DateTime<Utc>,
}

/// Two generations of a map, holding at most `cap` values between them.
#[derive(Debug)]
struct Generations<V> {
    current: HashMap<u64, V>,
    previous: HashMap<u64, V>,
    /// Values in `current`, as counted by `weight`.
    current_len: usize,
    cap: usize,
    weight: fn(&V) -> usize,
}

impl<V> Generations<V> {
    fn new(cap: usize, weight: fn(&V) -> usize) -> Self {
        Generations {
            current: HashMap::new(),
            previous: HashMap::new(),
            current_len: 0,
            cap: cap.max(2),
            weight,
        }
    }

    fn get(&self, key: u64) -> Option<&V> {
        self.current.get(&key).or_else(|| self.previous.get(&key))
    }

    fn remove(&mut self, key: u64) -> Option<V> {
        if let Some(value) = self.current.remove(&key) {
            self.current_len -= (self.weight)(&value);
            return Some(value);
        }
        self.previous.remove(&key)
    }

    /// Inserts into the current generation, first turning it into the previous one (and
    /// dropping that) if it is full. `value` must weigh at most `cap / 2`.
    fn insert(&mut self, key: u64, value: V) {
        self.remove(key);
        let weight = (self.weight)(&value);
        if self.current_len + weight > self.cap / 2 {
            self.previous = std::mem::take(&mut self.current);
            self.current_len = 0;
        }
        self.current_len += weight;
        self.current.insert(key, value);
    }
}

/// Thread starters and early thread questions.
#[derive(Debug)]
pub(crate) struct Threads {
    owners: Generations<PersonId>,
    orphans: Generations<Vec<PendingReply>>,
}

impl Default for Threads {
    fn default() -> Self {
        Threads::with_caps(THREAD_CAP, ORPHAN_CAP)
    }
}

impl Threads {
    pub(crate) fn with_caps(threads: usize, orphans: usize) -> Self {
        Threads {
            owners: Generations::new(threads, |_| 1),
            orphans: Generations::new(orphans, Vec::len),
        }
    }

    /// Records the thread's starter; returns the questions that were waiting for it.
    pub(crate) fn start(&mut self, key: u64, owner: PersonId) -> Vec<PendingReply> {
        self.owners.insert(key, owner);
        self.orphans.remove(key).unwrap_or_default()
    }

    pub(crate) fn owner(&self, key: u64) -> Option<PersonId> {
        self.owners.get(key).copied()
    }

    /// Keeps a question until its thread's first message arrives (or is forgotten). One
    /// thread keeps at most its last `ORPHAN_CAP / 2` questions.
    pub(crate) fn wait(&mut self, key: u64, reply: PendingReply) {
        let mut replies = self.orphans.remove(key).unwrap_or_default();
        replies.push(reply);
        let most = self.orphans.cap / 2;
        if replies.len() > most {
            replies.drain(..replies.len() - most);
        }
        self.orphans.insert(key, replies);
    }
}
