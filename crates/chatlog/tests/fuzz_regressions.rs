//! Inputs the fuzz targets in `fuzz/` (or the slow-input probes beside them) found a reader
//! mishandling, minimised, with the behaviour each must have now. See `fuzz/README.md`.

use std::time::{Duration, Instant};

mod common;

use cadence_chatlog::{Format, Message};
use common::read_bytes_all;

fn read(format: Format, name: &str, bytes: Vec<u8>) -> (Vec<Message>, Vec<String>, Vec<String>) {
    let read = read_bytes_all(format, name, bytes);
    (read.messages, read.errors, read.summary.warnings)
}

/// Discord JSON content of many '<' and one later '>' was scanned to the '>' once per '<':
/// quadratic, minutes for a few megabytes. Each '<' now looks only as far as the next '<'.
#[test]
fn discord_content_of_many_angle_brackets_reads_in_linear_time() {
    let content = format!("{}<@42> ok >", "<".repeat(2_000_000));
    let export = format!(
        r#"{{"guild": {{"id": "1", "name": "Acme"}}, "channel": {{"id": "2", "name": "eng"}},
            "messages": [
              {{"id": "10", "type": "Default", "timestamp": "2024-05-06T09:15:00+00:00",
                "content": "{content}", "author": {{"id": "7", "name": "ana"}},
                "mentions": [{{"id": "42", "name": "bo"}}]}},
              {{"id": "11", "type": "Default", "timestamp": "2024-05-06T09:16:00+00:00",
                "content": "next", "author": {{"id": "42", "name": "bo"}}}}
            ]}}"#
    );
    let started = Instant::now();
    let (messages, errors, _) = read(Format::Discord, "Acme - eng [2].json", export.into_bytes());
    let took = started.elapsed();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].text.len(), 2_000_000 + "@bo ok >".len());
    assert!(messages[0].text.ends_with("<@bo ok >"));
    assert_eq!(messages[0].mentions, ["bo"]);
    assert_eq!(messages[1].text, "next");
    // Linear: milliseconds. The quadratic scan took minutes.
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

/// Slack text and Teams HTML of many '&' and no ';' were scanned to the end once per '&'
/// looking for an entity's ';' (quadratic). An entity's ';' is now looked for only within
/// its longest length; entities still decode and a lone '&' stays as written.
#[test]
fn text_of_many_ampersands_reads_in_linear_time() {
    let ampersands = "&".repeat(2_000_000);
    let slack = format!(
        r#"[{{"type": "message", "user": "U1", "ts": "1714986900.000100", "text": "{ampersands} &amp; &lt;ok&gt; &#x1F600; &bogus;"}},
            {{"type": "message", "user": "U1", "ts": "1714986960.000100", "text": "next"}}]"#
    );
    let teams = format!(
        r#"[{{"id": "1", "createdDateTime": "2024-05-06T09:15:00Z", "messageType": "message",
              "from": {{"user": {{"id": "u1", "displayName": "Ana"}}}},
              "body": {{"contentType": "html", "content": "<p>{ampersands} &amp; &lt;ok&gt;</p>"}}}}]"#
    );
    let started = Instant::now();
    let (slack_messages, slack_errors, _) =
        read(Format::Slack, "general/2024-05-06.json", slack.into_bytes());
    let (teams_messages, teams_errors, _) =
        read(Format::Teams, "messages_general.json", teams.into_bytes());
    let took = started.elapsed();
    assert!(slack_errors.is_empty() && teams_errors.is_empty());
    assert_eq!(slack_messages.len(), 2);
    assert_eq!(
        slack_messages[0].text,
        format!("{ampersands} & <ok> \u{1F600} &bogus;")
    );
    assert_eq!(slack_messages[1].text, "next");
    assert_eq!(teams_messages.len(), 1);
    assert_eq!(teams_messages[0].text, format!("{ampersands} & <ok>"));
    // Linear: milliseconds. The quadratic scan took minutes.
    assert!(took < Duration::from_secs(20), "took {took:?}");
}
