//! Microsoft Teams: an export folder with channel names, and a Graph response file.

mod common;

use common::{own_fixture, read, zip_folder};

#[test]
fn channel_export_with_html_mentions_bots_and_system_events() {
    let out = read(&own_fixture("teams/TeamsExport"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.texts().len(), 2, "{:#?}", out.messages);
    assert_eq!(out.summary.skipped_system, 1);
    assert_eq!(out.summary.skipped_bots, 1);
    assert_eq!(out.summary.skipped_empty, 1, "the deleted message");

    let root = out.by_id("1714986840000");
    assert_eq!(root.source.as_deref(), Some("teams"));
    assert_eq!(root.conversation.as_deref(), Some("Platform – General"));
    assert_eq!(root.author.as_deref(), Some("Ana Lima"));
    assert_eq!(
        root.text,
        "Release checklist for v2.14 is up. @Bo Chen can you own the DB migration step?\nLink: rel-2-14"
    );
    assert_eq!(root.mentions, ["Bo Chen"]);
    assert_eq!(root.thread.as_deref(), Some("1714986840000"));
    assert_eq!(root.extra["subject"], "Release 2.14");
    assert_eq!(
        root.timestamp.unwrap().to_rfc3339(),
        "2024-05-06T09:14:00+00:00"
    );

    let reply = out.by_id("1714987020000");
    assert_eq!(
        reply.text,
        "Yes, I'll take it & dry-run it on staging first 👍"
    );
    assert_eq!(reply.reply_to.as_deref(), Some("1714986840000"));
    assert_eq!(reply.thread.as_deref(), Some("1714986840000"));
    assert_eq!(reply.context.as_deref(), Some(root.text.as_str()));
    assert_eq!(reply.extra["edited"], true);
}

#[test]
fn zipped_export_is_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("TeamsExport.zip");
    zip_folder(&own_fixture("teams/TeamsExport"), &zip, "");
    let out = read(&zip);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(
        out.by_id("1714986840000").conversation.as_deref(),
        Some("Platform – General")
    );
    assert_eq!(out.messages.len(), 2);
}

#[test]
fn graph_value_wrapper_with_camel_case_keys() {
    let out = read(&own_fixture("teams/graph/chat-messages.json"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(
        out.texts(),
        [
            "Are we still on for the 1:1 at 3?",
            "Yes!\nI'll bring the incident notes <INC-2291>"
        ]
    );
    let first = &out.messages[0];
    assert_eq!(
        first.conversation.as_deref(),
        Some("19:ana-bo@unq.gbl.spaces")
    );
    assert_eq!(first.thread, None, "chats have no threads");
    assert_eq!(out.summary.skipped_system, 1);
}
