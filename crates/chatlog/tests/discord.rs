//! DiscordChatExporter JSON and CSV.

mod common;

use common::{own_fixture, read};

#[test]
fn json_export_follows_references_and_skips_system_types() {
    let out = read(&own_fixture(
        "discord/Acme Eng - Engineering - backend [1187442019283].json",
    ));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.messages.len(), 3, "{:#?}", out.texts());
    assert_eq!(out.summary.skipped_system, 2, "join and pin");
    assert_eq!(out.summary.skipped_bots, 1);
    assert_eq!(out.summary.skipped_empty, 1, "attachment only");

    let question = out.by_id("1237000000000000002");
    assert_eq!(question.source.as_deref(), Some("discord"));
    assert_eq!(question.conversation.as_deref(), Some("backend"));
    assert_eq!(question.author.as_deref(), Some("Ana"), "nickname first");

    let reply = out.by_id("1237000000000000003");
    assert_eq!(
        reply.author.as_deref(),
        Some("bo_c"),
        "name when no nickname"
    );
    assert_eq!(
        reply.text,
        "@Ana me, sorry — rolled it back to 500 just now :facepalm:"
    );
    assert_eq!(reply.mentions, ["Ana"]);
    assert_eq!(reply.reply_to.as_deref(), Some("1237000000000000002"));
    assert_eq!(reply.context.as_deref(), Some(question.text.as_str()));
    assert_eq!(reply.extra["edited"], true);

    let follow_up = out.by_id("1237000000000000007");
    assert_eq!(follow_up.context.as_deref(), Some(reply.text.as_str()));
}

#[test]
fn csv_export_infers_replies() {
    let out = read(&own_fixture(
        "discord/Acme Eng - Engineering - frontend [1187442019999].csv",
    ));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.messages.len(), 5);
    assert_eq!(out.summary.skipped_empty, 1);
    let question = out.by_id("1");
    assert_eq!(question.source.as_deref(), Some("discord-csv"));
    assert_eq!(question.conversation.as_deref(), Some("frontend"));
    assert_eq!(question.author.as_deref(), Some("ana.lima"));
    assert_eq!(question.extra.get("attachments"), None);
    // Both parts of Bo's answer answer Ana's question.
    for id in ["2", "3"] {
        assert_eq!(out.by_id(id).reply_to.as_deref(), Some("1"), "{id}");
        assert_eq!(
            out.by_id(id).context.as_deref(),
            Some(question.text.as_str())
        );
    }
    // Chen follows Bo's statement, not a question.
    assert_eq!(out.by_id("5").reply_to, None);
    assert_eq!(
        out.by_id("5").text,
        "Pushed the \"sticky cart\" fix to the branch"
    );
    // Ana's late message answers nothing.
    assert_eq!(out.by_id("6").reply_to, None);
}
