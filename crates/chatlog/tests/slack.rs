//! Slack workspace exports, as a folder and as the zip Slack hands out.

mod common;

use cadence_chatlog::{Format, Input, ReadOptions, read_inputs};
use common::{Read, own_fixture, read, read_with, zip_folder};

fn check_export(out: &Read) {
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // 12 spoken messages, less the deploy bot and the file share with no text.
    assert_eq!(out.messages.len(), 10, "{:#?}", out.texts());
    assert_eq!(out.summary.skipped_system, 3, "join, topic, leave");
    assert_eq!(out.summary.skipped_bots, 1);
    assert_eq!(out.summary.skipped_empty, 1);

    let ask = out.by_id("1714986840.000200");
    assert_eq!(ask.source.as_deref(), Some("slack"));
    assert_eq!(ask.conversation.as_deref(), Some("eng-platform"));
    assert_eq!(
        ask.author.as_deref(),
        Some("Ana"),
        "profile display name first"
    );
    assert_eq!(
        ask.timestamp.unwrap().to_rfc3339(),
        "2024-05-06T09:14:00.000200+00:00"
    );
    assert_eq!(
        ask.text,
        "Can someone review the retry change for the payments worker? PR #412 :pray:"
    );
    assert_eq!(ask.thread.as_deref(), Some("1714986840.000200"));
    assert_eq!(ask.reply_to, None);

    let on_it = out.by_id("1714987020.000300");
    assert_eq!(
        on_it.author.as_deref(),
        Some("Bo Chen"),
        "real name when no display name"
    );
    assert_eq!(on_it.reply_to.as_deref(), Some("1714986840.000200"));
    assert_eq!(on_it.context.as_deref(), Some(ask.text.as_str()));

    // Bo's second reply answers Ana's question, not his own "on it".
    let comments = out.by_id("1714988700.000400");
    assert_eq!(
        comments.text,
        "Left two comments: the backoff cap & the jitter. Otherwise :+1:"
    );
    assert_eq!(comments.context.as_deref(), Some(ask.text.as_str()));
    assert_eq!(comments.extra["edited"], true);

    let thanks = out.by_id("1714989600.000500");
    assert_eq!(
        thanks.text,
        "Thanks @Bo Chen! Fixed both, merging after CI."
    );
    assert_eq!(thanks.mentions, ["Bo Chen"]);
    assert_eq!(thanks.context.as_deref(), Some(comments.text.as_str()));

    // A reply filed under the next day still finds its thread.
    let smoke = out.by_id("1715072400.000100");
    assert_eq!(
        smoke.author.as_deref(),
        Some("chen"),
        "handle when no other name"
    );
    assert_eq!(smoke.context.as_deref(), Some(thanks.text.as_str()));
    assert!(smoke.text.contains("✅") && smoke.text.contains("🎉"));

    let here = out.by_id("1714990800.000700");
    assert_eq!(
        here.text,
        "@here staging is on v2.14.0, please smoke-test the checkout flow before 3pm. Notes in #random <- ignore, wrong channel"
    );
    assert_eq!(here.thread, None);

    // An unknown id falls back to the id, with one warning naming the file.
    let ghost = out.by_id("1715076000.000200");
    assert_eq!(
        ghost.text,
        "Who is on call this weekend? @U09GHOST said they might swap"
    );
    assert!(
        out.summary
            .warnings
            .iter()
            .any(|w| w.contains("eng-platform/2024-05-07.json")
                && w.contains("unknown user id U09GHOST")),
        "{:?}",
        out.summary.warnings
    );

    assert_eq!(
        out.by_id("1714993260.000200").conversation.as_deref(),
        Some("Ana, Bo Chen"),
        "DMs are named after their members"
    );
    assert_eq!(
        out.by_id("1715080000.000100").conversation.as_deref(),
        Some("Ana, Bo Chen, chen")
    );
}

#[test]
fn folder_export() {
    check_export(&read(&own_fixture("slack/export")));
}

#[test]
fn zipped_export_reads_the_same_without_extracting() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir
        .path()
        .join("Acme Slack export May 6 2024 - May 7 2024.zip");
    zip_folder(&own_fixture("slack/export"), &zip, "");
    let out = read(&zip);
    check_export(&out);
    assert!(
        out.summary
            .warnings
            .iter()
            .any(|w| w.contains(".zip!eng-platform/2024-05-07.json")),
        "zip entries are named archive!entry: {:?}",
        out.summary.warnings
    );
}

#[test]
fn zip_with_a_top_folder_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("export.zip");
    zip_folder(&own_fixture("slack/export"), &zip, "acme/");
    check_export(&read(&zip));
}

#[test]
fn bots_are_kept_when_asked() {
    let options = ReadOptions {
        include_bots: true,
        ..ReadOptions::default()
    };
    let out = read_with(&[&own_fixture("slack/export")], &options);
    let bot = out.by_id("1714990500.000600");
    assert!(bot.is_bot);
    assert_eq!(bot.author.as_deref(), Some("Deploy Bot"));
    assert_eq!(out.summary.skipped_bots, 0);
}

#[test]
fn a_single_day_file_is_detected_and_read() {
    let day = own_fixture("slack/export/D0B4N2Q7X/2024-05-06.json");
    let out = read(&day);
    assert_eq!(
        out.texts(),
        [
            "Do you have 10 minutes for the Q3 planning doc?",
            "Sure, calling you now 📞"
        ]
    );
    assert_eq!(out.messages[0].author.as_deref(), Some("U01ANA"));
    let forced = read_inputs(
        &[Input::Path(day)],
        &ReadOptions {
            format: Some(Format::Slack),
            ..ReadOptions::default()
        },
    );
    assert_eq!(forced.count(), 2);
}
