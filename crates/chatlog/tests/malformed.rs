//! Bad input: every reader reports what it cannot read by file and record, keeps reading
//! the records around it, and never panics.

mod common;

use std::path::Path;

use cadence_chatlog::{Format, ReadOptions};
use common::{Read, read, read_with, zip_folder};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn assert_error(out: &Read, needles: &[&str]) {
    assert!(
        out.errors
            .iter()
            .any(|e| needles.iter().all(|n| e.contains(n))),
        "no error containing {needles:?} in {:#?}",
        out.errors
    );
}

fn slack_export(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("slack");
    write(
        &root,
        "users.json",
        r#"[{"id": "U1", "name": "ana", "profile": {"display_name": "Ana"}}]"#,
    );
    write(
        &root,
        "channels.json",
        r#"[{"id": "C1", "name": "general"}]"#,
    );
    write(
        &root,
        "general/2024-05-01.json",
        r#"[{"user": "U1", "ts": "1714550400.000100", "text": "first"},
            {"user": "U1", "ts": 1714550460, "text": "wrong ts type"},
            {"user": "U1", "ts": "1714550520.000300", "text": ["not", "a", "string"]},
            "a string where a message belongs",
            {"user": "U1", "ts": "1714550580.000400", "text": "fourth survives"}]"#,
    );
    write(
        &root,
        "general/2024-05-02.json",
        r#"[{"user": "U1", "ts": "1714636800.000100", "text": "before the cut"}, {"user": "U1", "ts": "17146"#,
    );
    write(
        &root,
        "general/2024-05-03.json",
        r#"{"user": "U1", "ts": "1714723200.000100", "text": "an object, not an array"}"#,
    );
    write(&root, "general/2024-05-04.json", "");
    write(
        &root,
        "general/2024-05-05.json",
        b"[{\"user\": \"U1\", \"ts\": \"1714896000.000100\", \"text\": \"fine\"}, {\"user\": \"U1\", \"ts\": \"1714896001.0\", \"text\": \"bad \xff byte\"}]",
    );
    write(
        &root,
        "general/2024-05-06.json",
        r#"[{"user": "U1", "ts": "1714982400.000100", "text": "last day"}]"#,
    );
    root
}

fn check_slack(out: &Read, prefix: &str) {
    assert_eq!(
        out.texts(),
        [
            "first",
            "fourth survives",
            "before the cut",
            "fine",
            "last day"
        ],
        "{:#?}",
        out.errors
    );
    let at = |file: &str| format!("{prefix}general/{file}");
    assert_error(
        out,
        &[
            &format!("{} record 2", at("2024-05-01.json")),
            "invalid type: integer",
        ],
    );
    assert_error(
        out,
        &[
            &format!("{} record 3", at("2024-05-01.json")),
            "invalid type: sequence",
        ],
    );
    assert_error(
        out,
        &[
            &format!("{} record 4", at("2024-05-01.json")),
            "invalid type: string",
        ],
    );
    assert_error(
        out,
        &[
            &format!("{} record 2", at("2024-05-02.json")),
            "the rest of the file is not read",
        ],
    );
    assert_error(
        out,
        &[
            &format!("{} record 1", at("2024-05-03.json")),
            "expected a JSON array",
        ],
    );
    assert!(
        out.summary
            .warnings
            .iter()
            .any(|w| w.contains(&at("2024-05-04.json")) && w.contains("empty file"))
            || out
                .errors
                .iter()
                .any(|e| e.contains(&at("2024-05-04.json"))),
        "{:?}",
        out
    );
    assert_error(out, &[&format!("{} record 2", at("2024-05-05.json"))]);
}

#[test]
fn slack_bad_records_truncation_wrong_shapes_and_bad_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let root = slack_export(dir.path());
    check_slack(&read(&root), &format!("{}/", root.display()));
}

#[test]
fn slack_errors_in_a_zip_name_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let root = slack_export(dir.path());
    let zip = dir.path().join("slack.zip");
    zip_folder(&root, &zip, "");
    check_slack(&read(&zip), &format!("{}!", zip.display()));
}

#[test]
fn slack_without_users_json_warns_and_shows_ids() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "channels.json",
        r#"[{"id": "C1", "name": "general"}]"#,
    );
    write(
        dir.path(),
        "general/2024-05-01.json",
        r#"[{"user": "U7", "ts": "1714550400.000100", "text": "hi <@U8>"}]"#,
    );
    let out = read(dir.path());
    assert_eq!(out.messages[0].author.as_deref(), Some("U7"));
    assert_eq!(out.messages[0].text, "hi @U8");
    assert!(
        out.summary
            .warnings
            .iter()
            .any(|w| w.contains("no readable users.json")),
        "{:?}",
        out.summary.warnings
    );
}

#[test]
fn slack_broken_users_json_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "users.json", r#"{"id": "U1"}"#);
    write(
        dir.path(),
        "channels.json",
        r#"[{"id": "C1", "name": "general"}]"#,
    );
    write(
        dir.path(),
        "general/2024-05-01.json",
        r#"[{"user": "U1", "ts": "1714550400.000100", "text": "hi"}]"#,
    );
    let out = read(dir.path());
    assert_eq!(out.texts(), ["hi"]);
    assert!(
        out.summary
            .warnings
            .iter()
            .any(|w| w.contains("users.json") && w.contains("ignoring the file")),
        "{:?}",
        out.summary.warnings
    );
}

#[test]
fn teams_wrong_types_and_wrong_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "messages.json",
        r#"{"value": [
            {"id": "1", "createdDateTime": "2024-05-06T09:00:00Z", "from": {"user": {"displayName": "Ana"}}, "body": {"contentType": "text", "content": "ok"}},
            {"id": "2", "createdDateTime": 12, "body": {"content": "bad date type"}},
            {"id": "3", "createdDateTime": "yesterday", "body": {"content": "bad date"}},
            {"id": "4", "CreatedDateTime": "2024-05-06T09:05:00Z", "From": {"User": {"DisplayName": "Bo"}}, "Body": {"ContentType": "text", "Content": "still read"}}
        ]}"#,
    );
    let out = read(&file);
    assert_eq!(out.texts(), ["ok", "still read"]);
    assert_error(&out, &["messages.json record 2", "invalid type"]);
    assert_error(&out, &["messages.json record 3", "is not a date"]);

    let wrapped = write(
        dir.path(),
        "wrapped.json",
        r#"{"value": {"id": "1"}, "replyToId": null}"#,
    );
    assert_error(
        &read(&wrapped),
        &["wrapped.json record 1", "expected a JSON array"],
    );
    let truncated = write(
        dir.path(),
        "cut.json",
        r#"[{"id": "1", "createdDateTime": "2024-05-06T09:00:00Z", "body": {"content": "kept"}}, {"id": "2", "createdDa"#,
    );
    let out = read(&truncated);
    assert_eq!(out.texts(), ["kept"]);
    assert_error(
        &out,
        &["cut.json record 2", "the rest of the file is not read"],
    );
}

#[test]
fn discord_truncated_and_bad_records() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"id": "1", "type": "Default", "timestamp": "2024-05-06T09:00:00+00:00", "content": "hello", "author": {"id": "7", "name": "ana"}}"#;
    let file = write(
        dir.path(),
        "general.json",
        format!(
            r#"{{"guild": {{"name": "g"}}, "channel": {{"name": "general"}}, "messages": [{good}, {{"id": "2", "timestamp": "2024-05-06T09:01:00+00:00", "content": "no author"}}, [1, 2], {}]}}"#,
            good.replace("\"1\"", "\"3\"")
        ),
    );
    let out = read(&file);
    assert_eq!(out.texts(), ["hello", "hello"]);
    assert_error(&out, &["general.json record 2", "missing field `author`"]);
    assert_error(&out, &["general.json record 3", "invalid type"]);

    let cut = write(
        dir.path(),
        "cut.json",
        format!(r#"{{"guild": {{}}, "channel": {{"name": "x"}}, "messages": [{good}, {{"id"#),
    );
    assert_error(&read(&cut), &["cut.json record 1", "not read"]);

    let csv = write(
        dir.path(),
        "chan.csv",
        "AuthorID,Author,Date,Content,Attachments,Reactions\n1,ana,2024-05-06T09:00:00+00:00,hi,,\n2,bo,not a date,oops,,\n3,cy,2024-05-06T09:02:00+00:00,later,,\n",
    );
    let out = read(&csv);
    assert_eq!(out.texts(), ["hi", "later"]);
    assert_error(&out, &["chan.csv record 2", "is not a date"]);
}

#[test]
fn telegram_wrong_types_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "result.json",
        r#"{"name": "ops", "type": "private_group", "id": 1, "messages": [
            {"id": 1, "type": "message", "date_unixtime": "1714986000", "from": "Ana", "text": "good"},
            {"id": 2, "type": "message", "date_unixtime": "1714986060", "from": "Ana", "text": 5},
            {"id": 3, "type": "message", "date_unixtime": "soon", "from": "Ana", "text": "bad time"},
            {"id": 4, "type": "message", "from": "Ana", "text": "no time"},
            {"id": 5, "type": "message", "date_unixtime": "1714986240", "from": "Bo", "text": "also good"}
        ]}"#,
    );
    let out = read(&file);
    assert_eq!(out.texts(), ["good", "also good"]);
    assert_error(&out, &["result.json record 2", "did not match any variant"]);
    assert_error(&out, &["result.json record 3", "is not a time"]);
    assert_error(
        &out,
        &["result.json record 4", "neither date_unixtime nor date"],
    );

    let cut = write(
        dir.path(),
        "cut/result.json",
        r#"{"name": "ops", "messages": [{"id": 1, "type": "mes"#,
    );
    assert_error(&read(&cut), &["cut/result.json record 1", "not read"]);

    let not_telegram = write(dir.path(), "other/result.json", r#"{"hello": "world"}"#);
    assert_error(
        &read(&not_telegram),
        &["other/result.json", "not a Telegram export"],
    );
}

#[test]
fn mattermost_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"{\"type\":\"version\",\"version\":1}\n".to_vec();
    bytes.extend_from_slice(
        b"{\"type\":\"user\",\"user\":{\"username\":\"ana\",\"first_name\":\"Ana\"}}\n",
    );
    bytes.extend_from_slice(b"{\"type\":\"post\",\"post\":{\"channel\":\"ops\",\"user\":\"ana\",\"message\":\"one\",\"create_at\":1714986000000}}\n");
    bytes.extend_from_slice(b"{\"type\":\"post\",\"post\":{\"channel\":\"ops\",\"user\":\"ana\",\"message\":\"two\",\"create_at\":\"noon\"}}\n");
    bytes.extend_from_slice(b"{\"type\":\"post\",\"post\":{\"channel\":\"ops\",\"user\":\"ana\",\"message\":\"\xff\",\"create_at\":1}}\n");
    bytes.extend_from_slice(b"{\"type\":\"post\",\"post\":{\"channel\":\"ops\"\n");
    bytes.extend_from_slice(b"{\"type\":\"post\"}\n");
    bytes.extend_from_slice(b"{\"type\":\"post\",\"post\":{\"channel\":\"ops\",\"user\":\"ana\",\"message\":\"three\",\"create_at\":1714986060000}}\n");
    let file = write(dir.path(), "export.jsonl", bytes);
    let out = read(&file);
    assert_eq!(out.texts(), ["one", "three"]);
    assert_error(&out, &["export.jsonl:4", "invalid type: string \"noon\""]);
    assert_error(&out, &["export.jsonl:5", "invalid UTF-8"]);
    assert_error(&out, &["export.jsonl:6", "EOF"]);
    assert_error(&out, &["export.jsonl:7", "without its post object"]);
}

#[test]
fn whatsapp_unparseable_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"stray text before any message\n".to_vec();
    bytes.extend_from_slice(b"15/05/24, 10:00 - Ana: good morning\n");
    bytes.extend_from_slice(b"a continuation line, not an error\n");
    bytes.extend_from_slice(b"31/02/24, 10:01 - Bo: a date that does not exist\n");
    bytes.extend_from_slice(b"its continuation is dropped with it\n");
    bytes.extend_from_slice(b"15/05/24, 10:02 - Bo: bad byte \xfe here\n");
    bytes.extend_from_slice(b"15/05/24, 25:03 - Cy: impossible hour\n");
    bytes.extend_from_slice(b"15/05/24, 10:04 - Cy: last one\n");
    let file = write(dir.path(), "WhatsApp Chat with Ops.txt", bytes);
    let out = read(&file);
    assert_eq!(
        out.texts(),
        [
            "good morning\na continuation line, not an error",
            "last one"
        ]
    );
    assert_error(
        &out,
        &[
            "WhatsApp Chat with Ops.txt:1",
            "not the start of a WhatsApp message",
        ],
    );
    assert_error(&out, &["WhatsApp Chat with Ops.txt:4", "not a valid date"]);
    assert_error(&out, &["WhatsApp Chat with Ops.txt:6", "invalid UTF-8"]);
    assert_error(&out, &["WhatsApp Chat with Ops.txt:7", "not a valid date"]);
    assert_eq!(out.messages[1].conversation.as_deref(), Some("Ops"));
}

#[test]
fn a_file_forced_to_the_wrong_format_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "result.json",
        r#"{"name": "ops", "messages": []}"#,
    );
    let options = ReadOptions {
        format: Some(Format::Slack),
        ..ReadOptions::default()
    };
    let out = read_with(&[&file], &options);
    assert!(out.messages.is_empty());
    assert_error(
        &out,
        &["result.json record 1", "expected a JSON array of messages"],
    );

    let options = ReadOptions {
        format: Some(Format::Teams),
        ..ReadOptions::default()
    };
    assert_error(
        &read_with(&[&file], &options),
        &["result.json record 1", "an object with \"value\""],
    );
}

#[test]
fn empty_inputs_read_nothing_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let empty_dir = dir.path().join("nothing");
    std::fs::create_dir(&empty_dir).unwrap();
    let out = read(&empty_dir);
    assert!(out.messages.is_empty() && out.errors.is_empty());
    assert!(
        out.summary.warnings[0].contains("no files to read"),
        "{:?}",
        out.summary.warnings
    );

    for name in ["empty.json", "empty.txt", "empty.jsonl", "empty.csv"] {
        let file = write(dir.path(), name, "");
        let out = read(&file);
        assert!(
            out.messages.is_empty() && out.errors.is_empty(),
            "{name}: {out:?}"
        );
        assert!(
            out.summary
                .warnings
                .iter()
                .any(|w| w.contains(name) && w.contains("empty file")),
            "{name}"
        );
    }

    let empty_zip = dir.path().join("empty.zip");
    zip_folder(&empty_dir, &empty_zip, "");
    let out = read(&empty_zip);
    assert!(out.messages.is_empty() && out.errors.is_empty());
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let blobs: [&[u8]; 10] = [
        b"\xff\xfe\x00garbage",
        b"[",
        b"{",
        b"[[[[[[[[[[",
        b"{\"guild\": 1, \"channel\": 2, \"messages\": 3}",
        b"{\"chats\": {\"list\": [1, \"x\", {\"messages\": {}}]}}",
        b"{\"value\": [null, 1, \"x\", {}]}",
        b"[{\"ts\": \"1.2.3\"}, {\"ts\": \"99999999999999999999\"}, {\"ts\": \"-5\", \"text\": \"<@\"}]",
        b"{\"type\":\"version\"}\n{\"type\":\"post\",\"post\":{\"user\":\"x\",\"create_at\":9223372036854775807,\"replies\":[{}]}}",
        b"[99/99/99, 99:99] x: y\n01/01/01, 1:00 pm - : \n",
    ];
    for (i, blob) in blobs.iter().enumerate() {
        let file = write(dir.path(), &format!("blob{i}"), blob);
        let _ = read(&file);
        for format in Format::ALL {
            let options = ReadOptions {
                format: Some(format),
                ..ReadOptions::default()
            };
            let _ = read_with(&[&file], &options);
        }
    }
}
