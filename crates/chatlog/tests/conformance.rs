//! Conformance with real exports written by other projects (shared/fixtures, see its
//! SOURCES.md), compared with their expected parses where they ship one.

mod common;

use cadence_chatlog::{DateOrder, ReadOptions};
use common::{read, read_with, shared_fixtures, squash};
use serde::Deserialize;

/// One message of a `target.json`: chat-miner's expected parse.
#[derive(Debug, Deserialize)]
struct Target {
    timestamp: String,
    author: String,
    message: String,
}

/// The expected messages in time order (the WhatsApp target lists them newest first).
fn targets(format: &str) -> Vec<Target> {
    let path = shared_fixtures().join(format).join("target.json");
    let mut targets: Vec<Target> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    targets.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    targets
}

#[test]
fn whatsapp_locales_match_the_expected_parse() {
    let expected = targets("whatsapp");
    for file in [
        "test_ddmmyy_24hrs.txt",
        "test_mmddyy_24hrs.txt",
        "test_mmddyy_brackets_24hrs.txt",
        "test_mmddyyyy_12hrs.txt",
        "test_yyyymmdd_24hrs.txt",
    ] {
        let path = shared_fixtures().join("whatsapp").join(file);
        let out = read(&path);
        assert!(out.errors.is_empty(), "{file}: {:?}", out.errors);
        assert_eq!(
            out.messages.len(),
            expected.len(),
            "{file}: {:#?}",
            out.messages
        );
        for (message, target) in out.messages.iter().zip(&expected) {
            assert_eq!(message.source.as_deref(), Some("whatsapp"));
            assert_eq!(
                message.author.as_deref(),
                Some(target.author.as_str()),
                "{file}"
            );
            assert_eq!(
                message
                    .timestamp
                    .unwrap()
                    .naive_utc()
                    .format("%Y-%m-%dT%H:%M:%S")
                    .to_string(),
                target.timestamp,
                "{file}: {}",
                message.text
            );
            assert_eq!(squash(&message.text), target.message, "{file}");
        }
        // Two system lines ("created group", "You were added") and one line with no text
        // after its author ("John Doe:.") are not messages.
        assert_eq!(out.summary.skipped_system, 3, "{file}");
    }
}

#[test]
fn whatsapp_forced_date_order_overrides_inference() {
    let path = shared_fixtures().join("whatsapp/test_mmddyy_24hrs.txt");
    let options = ReadOptions {
        date_order: DateOrder::DayFirst,
        ..ReadOptions::default()
    };
    let out = read_with(&[&path], &options);
    // 01/20/19 cannot be day first: its header is reported, the others read day first.
    assert!(
        out.errors
            .iter()
            .any(|e| e.contains("test_mmddyy_24hrs.txt:2: not a valid date")),
        "{:?}",
        out.errors
    );
    let first = out
        .messages
        .iter()
        .find(|m| m.text.starts_with("Lorem ipsum : dolor"))
        .unwrap();
    assert_eq!(
        first.timestamp.unwrap().to_rfc3339(),
        "2020-10-06T15:55:00+00:00"
    );
}

#[test]
fn telegram_single_and_batch_exports_match_the_expected_parse() {
    let expected = targets("telegram");
    for (file, chat) in [
        ("test_single_export.json", "test_single_export"),
        ("test_batch_export.json", "Chatname"),
    ] {
        let out = read(&shared_fixtures().join("telegram").join(file));
        assert!(out.errors.is_empty(), "{file}: {:?}", out.errors);
        assert_eq!(out.messages.len(), expected.len(), "{file}");
        for (message, target) in out.messages.iter().zip(&expected) {
            assert_eq!(message.source.as_deref(), Some("telegram"));
            assert_eq!(message.conversation.as_deref(), Some(chat));
            assert_eq!(message.author.as_deref(), Some(target.author.as_str()));
            assert_eq!(
                message
                    .timestamp
                    .unwrap()
                    .naive_utc()
                    .format("%Y-%m-%dT%H:%M:%S")
                    .to_string(),
                target.timestamp
            );
            // chat-miner joins formatted parts with spaces; Telegram's own parts carry
            // their spacing, so cadence concatenates them.
            assert_eq!(
                message.text.replace(char::is_whitespace, ""),
                target.message.replace(char::is_whitespace, "")
            );
        }
    }
}

#[test]
fn slack_thread_and_channel_day_files() {
    let out = read(&shared_fixtures().join("slack"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // Four thread messages and one channel message; the channel_join is a system event.
    assert_eq!(out.messages.len(), 5, "{:#?}", out.messages);
    assert_eq!(out.summary.skipped_system, 1);
    assert!(
        out.summary
            .warnings
            .iter()
            .any(|w| w.contains("no readable users.json")),
        "{:?}",
        out.summary.warnings
    );

    let root = out.by_id("1434139102.000002");
    assert_eq!(root.thread.as_deref(), Some("1434139102.000002"));
    assert_eq!(root.reply_to, None);
    assert_eq!(root.conversation.as_deref(), Some("random"));
    assert_eq!(root.author.as_deref(), Some("U061A5N1G"));
    let reply = out.by_id("1439868294.000007");
    assert_eq!(reply.reply_to.as_deref(), Some("1434139102.000002"));
    assert_eq!(reply.context.as_deref(), Some("message body text"));
    assert_eq!(
        reply.timestamp.unwrap().to_rfc3339(),
        "2015-08-18T03:24:54.000007+00:00"
    );

    let day = out.by_id("1498401071.279035");
    assert_eq!(day.text, "edfadfa");
    assert_eq!(day.conversation.as_deref(), Some("random"));
    assert_eq!(day.source.as_deref(), Some("slack"));
}

#[test]
fn mattermost_bulk_export() {
    let out = read(&shared_fixtures().join("mattermost/export.jsonl"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.messages.len(), 8, "{:#?}", out.messages);
    let welcome = out
        .messages
        .iter()
        .find(|m| m.text == "@ron Welcome mate!")
        .unwrap();
    assert_eq!(welcome.source.as_deref(), Some("mattermost"));
    assert_eq!(welcome.author.as_deref(), Some("Harry Potter"));
    assert_eq!(
        welcome.conversation.as_deref(),
        Some("Gryffindor quidditch team")
    );
    assert_eq!(welcome.mentions, ["Ron Weasley"]);
    assert_eq!(welcome.timestamp.unwrap().timestamp_millis(), 1553166519726);

    let reply = out
        .messages
        .iter()
        .find(|m| m.text == "The weather is so hot!")
        .unwrap();
    assert_eq!(reply.author.as_deref(), Some("Ron Weasley"));
    assert_eq!(reply.context.as_deref(), Some("harry joined the channel."));
    assert_eq!(
        reply.reply_to,
        out.messages
            .iter()
            .find(|m| m.text == "harry joined the channel.")
            .unwrap()
            .id
    );
}
