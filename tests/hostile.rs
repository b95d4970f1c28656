//! Hostile and broken input: each gets the documented behaviour (a clear error, or a warning
//! and a skip), never a panic, never a write outside the chosen output, and the commands work
//! with no network at all.

mod common;

use std::path::{Path, PathBuf};

use common::{arg, cadence, jsonl, root, stderr, stdout, write, zip_entries};

/// Everything below `dir`, so a test can check that nothing else was written.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.is_symlink() {
                pending.push(path.clone());
            }
            all.push(path.strip_prefix(dir).unwrap().to_path_buf());
        }
    }
    all.sort();
    all
}

fn assert_no_panic(output: &std::process::Output) {
    let err = stderr(output);
    assert!(!err.contains("panicked"), "cadence panicked: {err}");
    assert_ne!(
        output.status.code(),
        Some(101),
        "exit code 101 is a panic: {err}"
    );
}

#[test]
fn a_ten_megabyte_message_is_classified() {
    let dir = tempfile::tempdir().unwrap();
    let long = "status update with many words ".repeat(350_000);
    let input = write(
        dir.path(),
        "long.jsonl",
        format!("{{\"text\": \"{long}\"}}\n{{\"text\": \"ok\"}}\n"),
    );
    assert!(std::fs::metadata(&input).unwrap().len() > 10_000_000);
    let out = cadence(&["classify", arg(&input)]);
    assert_no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(jsonl(&stdout(&out)).len(), 2);
}

#[test]
fn deeply_nested_json_is_a_record_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let input = write(
        dir.path(),
        "nested.jsonl",
        format!(
            "{{\"text\": \"first\"}}\n{{\"text\": \"x\", \"deep\": {nested}}}\n{{\"text\": \"last\"}}\n"
        ),
    );
    let out = cadence(&["classify", arg(&input), "--on-error", "skip"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("nested.jsonl:2: invalid JSON: recursion limit exceeded"),
        "{}",
        stderr(&out)
    );
    assert_eq!(jsonl(&stdout(&out)).len(), 2);

    let slack_day = write(
        dir.path(),
        "2024-01-02.json",
        format!("[{{\"type\": \"message\", \"text\": {nested}}}]"),
    );
    let out = cadence(&["classify", arg(&slack_day), "--input-format", "slack"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("2024-01-02.json"), "{}", stderr(&out));
}

#[test]
fn byte_order_marks_and_crlf_line_ends_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl_input = write(
        dir.path(),
        "bom.jsonl",
        "\u{feff}{\"text\": \"merged the fix\"}\r\n{\"text\": \"still on it\"}\r\n",
    );
    let csv_input = write(
        dir.path(),
        "bom.csv",
        "\u{feff}text,context\r\nmerged the fix,\r\n👍,where is the audit?\r\n",
    );
    for input in [jsonl_input, csv_input] {
        let out = cadence(&["classify", arg(&input)]);
        assert!(out.status.success(), "{}", stderr(&out));
        let records = jsonl(&stdout(&out));
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[0]["text"],
            "merged the fix",
            "no BOM or \\r in {}",
            input.display()
        );
    }
}

#[test]
fn empty_files_and_folders_are_errors_that_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let empty_dir = dir.path().join("export");
    std::fs::create_dir(&empty_dir).unwrap();
    for target in [empty_dir.clone(), write(dir.path(), "empty.json", "")] {
        let out = cadence(&["classify", arg(&target)]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("no messages to classify"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_slack_export_without_users_json_is_read_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    std::fs::create_dir_all(export.join("general")).unwrap();
    write(
        &export,
        "channels.json",
        r#"[{"id": "C1", "name": "general"}]"#,
    );
    write(
        &export.join("general"),
        "2024-03-04.json",
        r#"[{"type": "message", "user": "U1", "text": "Merged the retry fix, deploying at 15:00", "ts": "1709546400.000100"}]"#,
    );
    let out = cadence(&["classify", arg(&export)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("users.json"), "{}", stderr(&out));
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["author"], "U1", "an unknown user is shown by id");
}

#[test]
fn a_zip_bomb_stops_at_the_decompression_cap() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.zip");
    let zeros = vec![b' '; 64 << 20];
    zip_entries(
        &bomb,
        &[
            ("messages.jsonl", b"{\"text\": \"hello\"}\n"),
            ("padding.jsonl", &zeros),
        ],
    );
    assert!(
        std::fs::metadata(&bomb).unwrap().len() < 1 << 20,
        "the archive is small"
    );
    let out = cadence(&["classify", arg(&bomb), "--max-unzipped-bytes", "1000000"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bomb.zip!padding.jsonl"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("--max-unzipped-bytes"),
        "{}",
        stderr(&out)
    );
    assert_eq!(jsonl(&stdout(&out)).len(), 1, "what came before is kept");
}

#[test]
fn zip_entries_that_climb_out_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for (name, entry) in [
        ("dots.zip", "../../escape.jsonl"),
        ("absolute.zip", "/tmp/escape.jsonl"),
    ] {
        let archive = dir.path().join(name);
        zip_entries(&archive, &[(entry, b"{\"text\": \"hi\"}\n")]);
        let before = listing(dir.path());
        let out = cadence(&[
            "classify",
            arg(&archive),
            "-o",
            arg(&dir.path().join("out.jsonl")),
        ]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("refusing an archive whose entry"),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            listing(dir.path()),
            before,
            "nothing was written for {name}"
        );
    }
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_an_export_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "private.jsonl",
        "{\"text\": \"a private note outside the export\"}\n",
    );
    let export = dir.path().join("export");
    std::fs::create_dir(&export).unwrap();
    write(&export, "chat.jsonl", "{\"text\": \"merged the fix\"}\n");
    std::os::unix::fs::symlink(dir.path().join("private.jsonl"), export.join("leak.jsonl"))
        .unwrap();
    let out = cadence(&["classify", arg(&export)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["text"], "merged the fix");
}

#[test]
fn wrong_field_types_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let teams = write(
        dir.path(),
        "teams.json",
        r#"{"value": [{"id": "1", "messageType": "message", "createdDateTime": 42, "from": {"user": {"displayName": "Ana"}}, "body": {"contentType": "text", "content": "Shipped"}}, {"id": "2", "messageType": "message", "createdDateTime": "2024-03-04T10:00:00Z", "from": {"user": {"displayName": "Bo"}}, "body": {"contentType": "text", "content": "still on it"}}]}"#,
    );
    let out = cadence(&["classify", arg(&teams), "--on-error", "skip"]);
    assert_no_panic(&out);
    assert!(stderr(&out).contains("teams.json"), "{}", stderr(&out));
    assert!(
        jsonl(&stdout(&out))
            .iter()
            .any(|r| r["text"] == "still on it"),
        "the good record is read"
    );
}

/// Whether this process may create a network namespace (root, as CI runs).
fn unshare_works() -> bool {
    std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn classify_health_and_train_work_with_no_network() {
    assert!(
        unshare_works(),
        "`unshare -n` failed: this test needs root (CI runs as root) and util-linux's unshare"
    );
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_cadence");
    let examples = root().join("examples/messages.jsonl");
    let team = root().join("tests/fixtures/team/messages.jsonl");
    let train_data = write(
        dir.path(),
        "train.jsonl",
        std::fs::read_to_string(root().join("datasets/splits/test.jsonl")).unwrap(),
    );
    let model = dir.path().join("model");
    let runs: [Vec<&str>; 3] = [
        vec!["classify", arg(&examples)],
        vec!["health", arg(&team), "--format", "json"],
        vec!["train", "--data", arg(&train_data), "--out", arg(&model)],
    ];
    for args in runs {
        let out = std::process::Command::new("unshare")
            .arg("-n")
            .arg(bin)
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?} without a network: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty());
    }
    assert!(model.join("manifest.json").is_file());
}

/// The shipped artifact itself: every crate linked into a binary leaves its source paths
/// (debug info, panic locations) in it, so an HTTP client crate would show.
#[cfg(not(feature = "bert"))]
#[test]
fn the_default_build_has_no_http_client() {
    let binary = std::fs::read(env!("CARGO_BIN_EXE_cadence")).unwrap();
    let contains = |needle: &str| binary.windows(needle.len()).any(|w| w == needle.as_bytes());
    for linked in ["/argmin-", "/safetensors-", "/zip-"] {
        assert!(
            contains(linked),
            "the scan does not see {linked}: is the binary stripped?"
        );
    }
    for client in [
        "/reqwest-",
        "/hyper-",
        "/ureq-",
        "/curl-",
        "/isahc-",
        "/attohttpc-",
        "/h2-",
        "/rustls-",
        "/native-tls-",
    ] {
        assert!(
            !contains(client),
            "{client} is linked into the default build"
        );
    }
}
