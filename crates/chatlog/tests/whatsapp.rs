//! WhatsApp: an Android text export and the zip iOS writes.

mod common;

use cadence_chatlog::{DateOrder, ReadOptions};
use common::{own_fixture, read, read_with, zip_folder};

#[test]
fn android_export_with_12_hour_clock_multiline_media_and_system_lines() {
    let out = read(&own_fixture("whatsapp/WhatsApp Chat with Release crew.txt"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.messages.len(), 5, "{:#?}", out.texts());
    assert_eq!(
        out.summary.skipped_system, 4,
        "encryption notice, created, added, left"
    );
    assert_eq!(out.summary.skipped_empty, 1, "<Media omitted>");

    let question = out.by_id("4");
    assert_eq!(question.source.as_deref(), Some("whatsapp"));
    assert_eq!(question.conversation.as_deref(), Some("Release crew"));
    assert_eq!(question.author.as_deref(), Some("Ana Lima"));
    // 13/05 in the file settles day-first order; no offset means local time is read as UTC.
    assert_eq!(
        question.timestamp.unwrap().to_rfc3339(),
        "2024-05-06T09:14:00+00:00"
    );

    let answer = out.by_id("5");
    assert_eq!(
        answer.text,
        "I can.\nDraft by noon, covering:\n- retry fix\n- checkout perf"
    );
    assert_eq!(answer.reply_to.as_deref(), Some("4"));
    assert_eq!(answer.context.as_deref(), Some(question.text.as_str()));
    // Bo's follow-up, 2h45 later, still answers the question inside the 4 h window.
    assert_eq!(out.by_id("10").reply_to.as_deref(), Some("4"));
    assert_eq!(
        out.by_id("10").timestamp.unwrap().to_rfc3339(),
        "2024-05-06T12:05:00+00:00"
    );
    assert_eq!(out.by_id("11").reply_to, None, "follows a statement");
    assert_eq!(
        out.by_id("12").timestamp.unwrap().to_rfc3339(),
        "2024-05-13T18:45:00+00:00"
    );
}

#[test]
fn utc_offset_and_reply_window_options() {
    let options = ReadOptions {
        utc_offset_minutes: 120,
        reply_window_minutes: 60,
        ..ReadOptions::default()
    };
    let out = read_with(
        &[&own_fixture("whatsapp/WhatsApp Chat with Release crew.txt")],
        &options,
    );
    assert_eq!(
        out.by_id("4").timestamp.unwrap().to_rfc3339(),
        "2024-05-06T07:14:00+00:00"
    );
    assert_eq!(out.by_id("5").reply_to.as_deref(), Some("4"));
    assert_eq!(out.by_id("10").reply_to, None, "outside a 60 minute window");
}

fn check_ios(out: &common::Read) {
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.texts().len(), 5, "{:#?}", out.texts());
    assert_eq!(out.summary.skipped_system, 1);
    assert_eq!(out.summary.skipped_empty, 1, "image omitted");
    let first = out.by_id("2");
    assert_eq!(first.conversation.as_deref(), Some("Platform team"));
    assert_eq!(
        first.timestamp.unwrap().to_rfc3339(),
        "2024-05-06T09:14:02+00:00"
    );
    assert_eq!(
        out.by_id("3").context.as_deref(),
        Some("Is staging healthy after the deploy?")
    );
    let dana = out.by_id("5");
    assert_eq!(
        dana.author.as_deref(),
        Some("Dana"),
        "unsaved contacts lose their ~"
    );
    // Dana mentions Bo, so Bo's next message answers her.
    assert_eq!(out.by_id("6").reply_to.as_deref(), Some("5"));
    assert_eq!(
        out.by_id("7").text,
        "Retro notes:\n1. alerts fired late\n2. runbook was outdated"
    );
}

#[test]
fn ios_export_as_a_folder() {
    check_ios(&read(&own_fixture(
        "whatsapp/WhatsApp Chat - Platform team",
    )));
}

#[test]
fn ios_export_as_the_zip_whatsapp_writes() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("WhatsApp Chat - Platform team.zip");
    zip_folder(
        &own_fixture("whatsapp/WhatsApp Chat - Platform team"),
        &zip,
        "",
    );
    let out = read(&zip);
    check_ios(&out);
    assert!(
        out.summary.warnings.is_empty(),
        "media is ignored silently: {:?}",
        out.summary.warnings
    );
}

#[test]
fn ambiguous_dates_warn_and_can_be_forced() {
    let dir = tempfile::tempdir().unwrap();
    let chat = dir.path().join("chat.txt");
    std::fs::write(
        &chat,
        "03/04/24, 10:00 - Ana: ready?\n03/04/24, 10:01 - Bo: yes\n",
    )
    .unwrap();
    let out = read(&chat);
    assert_eq!(
        out.messages[0].timestamp.unwrap().to_rfc3339(),
        "2024-04-03T10:00:00+00:00"
    );
    assert!(out.summary.warnings[0].contains("cannot tell whether dates are day or month first"));
    let options = ReadOptions {
        date_order: DateOrder::MonthFirst,
        ..ReadOptions::default()
    };
    let out = read_with(&[&chat], &options);
    assert_eq!(
        out.messages[0].timestamp.unwrap().to_rfc3339(),
        "2024-03-04T10:00:00+00:00"
    );
    assert!(out.summary.warnings.is_empty());
}
