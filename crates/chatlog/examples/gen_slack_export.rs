//! Writes a synthetic Slack workspace export for benchmarks:
//!
//! ```text
//! cargo run --release -p cadence-chatlog --example gen_slack_export -- OUT_DIR N_MESSAGES
//! ```
//!
//! `users.json`, `channels.json` and one folder per channel of `YYYY-MM-DD.json` day files,
//! with messages shaped like Slack's own (rich-text `blocks`, `user_profile`, thread roots
//! and replies, mentions, links, edits, joins and bot posts) so that byte sizes are
//! realistic. The output is the same for the same arguments.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

const USERS: usize = 300;
const MESSAGES_PER_DAY_FILE: usize = 400;
const WORDS: &[&str] = &[
    "deploy",
    "staging",
    "the",
    "retry",
    "queue",
    "latency",
    "p95",
    "review",
    "PR",
    "merge",
    "incident",
    "rollback",
    "on-call",
    "alert",
    "dashboard",
    "migration",
    "schema",
    "index",
    "cache",
    "customer",
    "ticket",
    "sprint",
    "planning",
    "estimate",
    "blocked",
    "unblocked",
    "today",
    "tomorrow",
    "after",
    "lunch",
    "please",
    "thanks",
    "looks",
    "good",
    "to",
    "me",
    "I'll",
    "take",
    "it",
    "can",
    "you",
    "check",
    "why",
    "is",
    "failing",
    "again",
    "flaky",
    "test",
    "fixed",
    "in",
    "main",
    "release",
    "notes",
    "v2.14",
    "checkout",
    "payments",
    "worker",
    "backoff",
    "jitter",
    "config",
    "feature",
    "flag",
    "rollout",
    "10%",
    "50%",
    "é",
    "naïve",
    "🚀",
    "✅",
    "👀",
    "🎉",
    "we",
    "should",
    "probably",
    "document",
    "this",
];

/// A small deterministic generator, so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(Ok(total))) = (args.get(1), args.get(2).map(|n| n.parse::<usize>()))
    else {
        eprintln!("usage: gen_slack_export OUT_DIR N_MESSAGES");
        std::process::exit(2);
    };
    let out = Path::new(out);
    fs::create_dir_all(out)?;
    let channels = (total / 20_000).clamp(1, 200);
    write_users(out)?;
    write_channels(out, channels)?;

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let per_channel = total.div_ceil(channels);
    let mut written = 0;
    let mut bytes = 0u64;
    for channel in 0..channels {
        let folder = out.join(format!("channel-{channel:03}"));
        fs::create_dir_all(&folder)?;
        let count = per_channel.min(total - written);
        let mut ts = 1_600_000_000u64 * 1_000_000;
        let mut roots: Vec<u64> = Vec::new();
        for (day, start) in (0..count).step_by(MESSAGES_PER_DAY_FILE).enumerate() {
            let date = chrono::NaiveDate::from_ymd_opt(2020, 9, 13).unwrap()
                + chrono::Days::new(day as u64);
            let path = folder.join(format!("{}.json", date.format("%Y-%m-%d")));
            let mut file = BufWriter::new(File::create(&path)?);
            file.write_all(b"[\n")?;
            let in_file = MESSAGES_PER_DAY_FILE.min(count - start);
            for i in 0..in_file {
                ts += 1_000_000 + (rng.below(120) as u64) * 1_000_000;
                let record = message(&mut rng, ts, &mut roots);
                file.write_all(record.as_bytes())?;
                file.write_all(if i + 1 < in_file { b",\n" } else { b"\n" })?;
            }
            file.write_all(b"]\n")?;
            file.flush()?;
            bytes += fs::metadata(&path)?.len();
        }
        written += count;
    }
    println!(
        "wrote {written} messages in {channels} channels, {:.1} MB of day files, to {}",
        bytes as f64 / 1e6,
        out.display()
    );
    Ok(())
}

fn write_users(out: &Path) -> std::io::Result<()> {
    let mut users = String::from("[\n");
    for u in 0..USERS {
        let comma = if u + 1 < USERS { "," } else { "" };
        let _ = writeln!(
            users,
            r#"{{"id": "U{u:08}", "team_id": "T0001", "name": "user{u}", "deleted": false, "real_name": "User Number {u}", "is_bot": {}, "profile": {{"display_name": "user {u}", "real_name": "User Number {u}", "title": "Engineer"}}}}{comma}"#,
            u == 0
        );
    }
    users.push(']');
    fs::write(out.join("users.json"), users)
}

fn write_channels(out: &Path, channels: usize) -> std::io::Result<()> {
    let mut list = String::from("[\n");
    for c in 0..channels {
        let comma = if c + 1 < channels { "," } else { "" };
        let _ = writeln!(
            list,
            r#"{{"id": "C{c:08}", "name": "channel-{c:03}", "created": 1600000000, "creator": "U00000001", "is_archived": false, "members": ["U00000001", "U00000002"]}}{comma}"#
        );
    }
    list.push(']');
    fs::write(out.join("channels.json"), list)
}

fn text(rng: &mut Rng) -> String {
    let words = 6 + rng.below(40);
    let mut text = String::new();
    for w in 0..words {
        if w > 0 {
            text.push(' ');
        }
        match rng.below(40) {
            0 => {
                let _ = write!(text, "<@U{:08}>", 1 + rng.below(USERS - 1));
            }
            1 => {
                let _ = write!(
                    text,
                    "<https://git.example.com/pull/{}|PR #{0}>",
                    rng.below(9000)
                );
            }
            2 => text.push_str("&amp;"),
            _ => text.push_str(WORDS[rng.below(WORDS.len())]),
        }
    }
    text
}

fn message(rng: &mut Rng, ts: u64, roots: &mut Vec<u64>) -> String {
    let stamp = format!("{}.{:06}", ts / 1_000_000, ts % 1_000_000);
    let user = 1 + rng.below(USERS - 1);
    let kind = rng.below(100);
    if kind == 0 {
        return format!(
            r#"{{"type": "message", "subtype": "channel_join", "ts": "{stamp}", "user": "U{user:08}", "text": "<@U{user:08}> has joined the channel"}}"#
        );
    }
    if kind == 1 {
        return format!(
            r#"{{"type": "message", "subtype": "bot_message", "ts": "{stamp}", "bot_id": "B0001", "username": "Deploy Bot", "text": "Deploy of payments-worker to staging succeeded :white_check_mark:"}}"#
        );
    }
    let body = text(rng);
    let thread = if kind < 30 && !roots.is_empty() {
        let root = roots[rng.below(roots.len())];
        format!(
            r#", "thread_ts": "{}.{:06}", "parent_user_id": "U00000002""#,
            root / 1_000_000,
            root % 1_000_000
        )
    } else if kind < 45 {
        roots.push(ts);
        if roots.len() > 50 {
            roots.remove(0);
        }
        format!(
            r#", "thread_ts": "{stamp}", "reply_count": 3, "reply_users_count": 2, "latest_reply": "{stamp}""#
        )
    } else {
        String::new()
    };
    let edited = if kind % 10 == 3 {
        format!(r#", "edited": {{"user": "U{user:08}", "ts": "{stamp}"}}"#)
    } else {
        String::new()
    };
    format!(
        r#"    {{
        "client_msg_id": "{:08x}-{:04x}-4a8e-9a0e-{:012x}",
        "type": "message",
        "text": "{body}",
        "user": "U{user:08}",
        "ts": "{stamp}",
        "team": "T0001",
        "user_team": "T0001",
        "source_team": "T0001",
        "user_profile": {{"avatar_hash": "g{:011x}", "image_72": "https://secure.gravatar.com/avatar/{:032x}.jpg", "first_name": "User", "real_name": "User Number {user}", "display_name": "user {user}", "team": "T0001", "name": "user{user}", "is_restricted": false, "is_ultra_restricted": false}},
        "blocks": [{{"type": "rich_text", "block_id": "{:05x}", "elements": [{{"type": "rich_text_section", "elements": [{{"type": "text", "text": "{body}"}}]}}]}}]{thread}{edited}
    }}"#,
        rng.next() as u32,
        rng.next() as u16,
        rng.next() & 0xFFFF_FFFF_FFFF,
        rng.next() & 0xFFF_FFFF_FFFF,
        u128::from(rng.next()) << 64 | u128::from(rng.next()),
        rng.next() & 0xFFFFF,
    )
}
