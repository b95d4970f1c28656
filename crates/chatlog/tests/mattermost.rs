//! Mattermost bulk export.

mod common;

use common::{own_fixture, read};

#[test]
fn bulk_export_posts_replies_and_direct_posts() {
    let path = own_fixture("mattermost/acme_bulk_export.jsonl");
    let out = read(&path);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.messages.len(), 8, "{:#?}", out.texts());
    assert_eq!(out.summary.skipped_system, 1);

    let alert = out.by_id("7");
    assert_eq!(alert.source.as_deref(), Some("mattermost"));
    assert_eq!(alert.conversation.as_deref(), Some("SRE 🚒"));
    assert_eq!(
        alert.author.as_deref(),
        Some("Ana Lima"),
        "first and last name"
    );
    assert_eq!(alert.mentions, ["Bo"], "nickname first");
    assert_eq!(alert.thread.as_deref(), Some("7"));
    assert_eq!(
        alert.timestamp.unwrap().to_rfc3339(),
        "2024-05-06T09:14:00+00:00"
    );

    for id in ["7.1", "7.2", "7.3"] {
        let reply = out.by_id(id);
        assert_eq!(reply.reply_to.as_deref(), Some("7"));
        assert_eq!(reply.thread.as_deref(), Some("7"));
        assert_eq!(reply.context.as_deref(), Some(alert.text.as_str()));
    }
    assert_eq!(out.by_id("7.2").extra["edited"], true);
    assert_eq!(
        out.by_id("9").author.as_deref(),
        Some("chen"),
        "username when no name"
    );

    // A post by a user with no user line: a warning naming the line, author is the username.
    assert_eq!(out.by_id("10").author.as_deref(), Some("dana"));
    assert!(
        out.summary.warnings.iter().any(|w| w.contains("acme_bulk_export.jsonl:10") && w.contains("unknown user \"dana\"")),
        "{:?}",
        out.summary.warnings
    );

    let dm = out.by_id("12");
    assert_eq!(dm.conversation.as_deref(), Some("Ana Lima, Bo"));
    assert_eq!(
        out.by_id("12.1").context.as_deref(),
        Some("Coffee after the postmortem? ☕")
    );
}
