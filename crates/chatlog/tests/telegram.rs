//! Telegram Desktop: a whole account export (folder and zip) and a single chat.

mod common;

use cadence_chatlog::ReadOptions;
use common::{Read, own_fixture, read, read_with, zip_folder};

fn check_account(out: &Read) {
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.messages.len(), 4, "{:#?}", out.texts());
    assert_eq!(out.summary.skipped_system, 1);
    assert_eq!(out.summary.skipped_empty, 1, "photo without caption");

    let handover = out.by_id("302");
    assert_eq!(handover.source.as_deref(), Some("telegram"));
    assert_eq!(handover.conversation.as_deref(), Some("Infra on-call"));
    assert_eq!(handover.author.as_deref(), Some("Ana Lima"));
    assert_eq!(
        handover.text,
        "Handover: @bochen you're primary from 18:00. The kafka disk alert is flapping, runbook: https://wiki.example.com/kafka"
    );
    assert_eq!(handover.mentions, ["bochen"]);
    assert_eq!(
        handover.timestamp.unwrap().to_rfc3339(),
        "2024-05-06T10:01:00+00:00"
    );

    let ack = out.by_id("303");
    assert_eq!(ack.reply_to.as_deref(), Some("302"));
    assert_eq!(ack.context.as_deref(), Some(handover.text.as_str()));
    assert_eq!(ack.extra["edited"], true);

    let check_in = out.by_id("305");
    assert_eq!(check_in.text, "Bo, anything from the alert overnight?");
    assert_eq!(check_in.mentions, ["Bo"]);
    assert_eq!(check_in.context.as_deref(), Some(ack.text.as_str()));

    assert_eq!(out.by_id("88").conversation.as_deref(), Some("Bo Chen"));
}

#[test]
fn account_export_folder() {
    check_account(&read(&own_fixture("telegram/DataExport_2024-05-08")));
}

#[test]
fn account_export_zipped() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("DataExport_2024-05-08.zip");
    zip_folder(
        &own_fixture("telegram/DataExport_2024-05-08"),
        &zip,
        "DataExport_2024-05-08/",
    );
    check_account(&read(&zip));
}

#[test]
fn single_chat_with_local_dates_only() {
    let path = own_fixture("telegram/single/result.json");
    let out = read(&path);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.messages.len(), 2);
    assert_eq!(out.summary.skipped_system, 1);
    assert_eq!(
        out.by_id("2").context.as_deref(),
        Some("Mockups v3 are up, can you both look before Thursday?")
    );
    assert_eq!(
        out.by_id("1").timestamp.unwrap().to_rfc3339(),
        "2024-05-06T10:00:00+00:00"
    );
    let shifted = read_with(
        &[&path],
        &ReadOptions {
            utc_offset_minutes: -240,
            ..ReadOptions::default()
        },
    );
    assert_eq!(
        shifted.by_id("1").timestamp.unwrap().to_rfc3339(),
        "2024-05-06T14:00:00+00:00"
    );
}
