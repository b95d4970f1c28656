//! `read_bytes`: one file from memory reads exactly as the same file from disk.

mod common;

use cadence_chatlog::{Format, Message, ReadOptions, read_bytes};
use common::{own_fixture, read_bytes_all, read_with};

fn drain(format: Format, name: &str, bytes: &[u8]) -> (Vec<Message>, Vec<String>, Vec<String>) {
    let read = read_bytes_all(format, name, bytes.to_vec());
    (read.messages, read.errors, read.summary.warnings)
}

#[test]
fn every_single_file_fixture_reads_as_from_disk() {
    let cases = [
        (Format::Slack, "slack/export/eng-platform/2024-05-06.json"),
        (Format::Teams, "teams/graph/chat-messages.json"),
        (
            Format::Discord,
            "discord/Acme Eng - Engineering - backend [1187442019283].json",
        ),
        (
            Format::DiscordCsv,
            "discord/Acme Eng - Engineering - frontend [1187442019999].csv",
        ),
        (Format::Mattermost, "mattermost/acme_bulk_export.jsonl"),
        (
            Format::WhatsApp,
            "whatsapp/WhatsApp Chat with Release crew.txt",
        ),
        (Format::Telegram, "telegram/single/result.json"),
    ];
    for (format, relative) in cases {
        let path = own_fixture(relative);
        let bytes = std::fs::read(&path).unwrap();
        let options = ReadOptions {
            format: Some(format),
            ..ReadOptions::default()
        };
        let from_disk = read_with(&[path.as_path()], &options);
        let name = path.to_string_lossy().into_owned();
        let (messages, errors, warnings) = drain(format, &name, &bytes);
        assert!(!messages.is_empty(), "{relative}: nothing read");
        assert_eq!(messages, from_disk.messages, "{relative}");
        assert_eq!(errors, from_disk.errors, "{relative}");
        assert_eq!(warnings, from_disk.summary.warnings, "{relative}");
    }
}

#[test]
fn the_name_locates_errors_and_names_the_conversation() {
    let chat = b"06/05/2024, 09:15 - Ana: Is the deploy done?\n\
                 06/05/2024, 09:20 - Bo: yes, shipped\n";
    let (messages, errors, _) = drain(Format::WhatsApp, "dir/WhatsApp Chat with Ops.txt", chat);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].conversation.as_deref(), Some("Ops"));
    assert_eq!(messages[1].context.as_deref(), Some("Is the deploy done?"));

    let (messages, errors, _) = drain(Format::Csv, "rows.csv", b"text,id\nhello,1\n\"oops\n");
    assert_eq!(messages.len(), 1);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("rows.csv"), "{errors:?}");
}

#[test]
fn the_format_given_wins_over_options_and_empty_input_warns() {
    let options = ReadOptions {
        format: Some(Format::Jsonl),
        ..ReadOptions::default()
    };
    let messages: Vec<_> = read_bytes(
        Format::Text,
        "notes.txt",
        b"{\"text\": 1}\n".to_vec(),
        &options,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(messages[0].text, "{\"text\": 1}");

    let (messages, errors, warnings) = drain(Format::Slack, "day.json", b"");
    assert!(messages.is_empty() && errors.is_empty());
    assert_eq!(warnings, ["day.json: empty file"]);
}
