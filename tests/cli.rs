//! The `cadence` command as a user meets it: whole outputs snapshotted with insta, exit
//! codes, and the errors bad input gets.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

use common::{arg, cadence, cadence_with_stdin, jsonl, root, stderr, stdout, write, zip_folder};

fn examples() -> PathBuf {
    root().join("examples/messages.jsonl")
}

#[test]
fn labels_lists_the_taxonomy() {
    let out = cadence(&["labels"]);
    assert!(out.status.success());
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn classify_table_of_the_example_file() {
    let out = cadence(&["classify", arg(&examples()), "--format", "table"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn classify_jsonl_keeps_order_and_fields_and_adds_scores() {
    let out = cadence(&["classify", arg(&examples())]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = jsonl(&stdout(&out));
    let input = jsonl(&std::fs::read_to_string(examples()).unwrap());
    assert_eq!(records.len(), input.len());
    for (record, original) in records.iter().zip(&input) {
        assert_eq!(record["id"], original["id"]);
        assert_eq!(
            record["author"], original["author"],
            "unknown fields are kept"
        );
        assert_eq!(record["text"], original["text"]);
        let label = record["label"].as_str().unwrap();
        let scores = record["scores"].as_object().unwrap();
        let names: Vec<&str> = scores.keys().map(String::as_str).collect();
        assert_eq!(names, ["proactive", "silent", "overstepping", "aligned"]);
        let sum: f64 = scores.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-5, "{sum}");
        let best = scores
            .iter()
            .max_by(|a, b| a.1.as_f64().partial_cmp(&b.1.as_f64()).unwrap())
            .unwrap();
        assert_eq!(best.0, label);
        assert_eq!(record["confidence"], *best.1);
    }
}

#[test]
fn context_decides_what_a_thumbs_up_means() {
    let input = "{\"text\": \"👍\", \"context\": \"Can you post where the audit report is?\"}\n\
                 {\"text\": \"👍\", \"context\": \"Can you confirm you'll wait for legal before sending?\"}\n";
    let out = cadence_with_stdin(&["classify"], input);
    let labels: Vec<Value> = jsonl(&stdout(&out))
        .into_iter()
        .map(|r| r["label"].clone())
        .collect();
    assert_eq!(labels, ["silent", "aligned"]);
}

#[test]
fn classify_reads_text_from_stdin_and_csv_columns() {
    let out = cadence_with_stdin(
        &["classify", "-", "--input-format", "text"],
        "still on it\n\nI went ahead and signed the renewal\n",
    );
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[1]["id"], "3",
        "text lines keep their line number as id"
    );

    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "m.csv",
        "who,message,question\nAna,👍,where is the audit?\nBo,\"Shipped the fix, CI green\",\n",
    );
    let out = cadence(&[
        "classify",
        arg(&csv),
        "--text-column",
        "message",
        "--context-column",
        "question",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut rows = csv_rows(&text);
    assert_eq!(
        rows.remove(0),
        [
            "text",
            "context",
            "who",
            "label",
            "confidence",
            "scores.proactive",
            "scores.silent",
            "scores.overstepping",
            "scores.aligned"
        ]
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][2], "Ana");
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn threshold_marks_uncertain_and_explain_names_features() {
    let out = cadence(&[
        "classify",
        arg(&examples()),
        "--threshold",
        "0.999",
        "--explain",
        "--explain-top",
        "3",
    ]);
    let records = jsonl(&stdout(&out));
    assert!(records.iter().any(|r| r["label"] == "uncertain"));
    for record in &records {
        let explanation = record["explanation"].as_array().unwrap();
        assert_eq!(explanation.len(), 3);
        assert!(
            explanation
                .iter()
                .all(|f| f["feature"].as_str().is_some_and(|s| !s.is_empty()))
        );
    }
    let bad = cadence(&["classify", arg(&examples()), "--threshold", "1.5"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("not a probability"));
}

#[test]
fn json_and_output_file_formats() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("labels.json");
    let out = cadence(&["classify", arg(&examples()), "--output", arg(&out_path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(
        written.as_array().unwrap().len(),
        16,
        "the .json extension chose a JSON array"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        ["labels.json"],
        "no temporary file is left behind"
    );
}

#[test]
fn a_bad_record_stops_with_its_file_and_line_but_keeps_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"text\": \"merged the fix\"}\n{\"text\": \"ok\"\n{\"text\": \"still on it\"}\n",
    );
    let out = cadence(&["classify", arg(&input)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        jsonl(&stdout(&out)).len(),
        1,
        "the record before the error is written"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:2: invalid JSON", input.display())),
        "{err}"
    );
}

#[test]
fn on_error_skip_reports_bad_records_and_exits_partial() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.jsonl",
        b"{\"text\": \"merged the fix\"}\n{\"txt\": \"no text field\"}\n{\"text\": \"\xff\"}\n{\"text\": \"still on it\"}\n".as_slice(),
    );
    let out = cadence(&["classify", arg(&input), "--on-error", "skip"]);
    assert_eq!(out.status.code(), Some(3));
    let records = jsonl(&stdout(&out));
    assert_eq!(
        records
            .iter()
            .map(|r| r["text"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["merged the fix", "still on it"]
    );
    let err = stderr(&out);
    assert!(
        err.contains("in.jsonl:2: record has no \"text\" field"),
        "{err}"
    );
    assert!(err.contains("in.jsonl:3: invalid UTF-8"), "{err}");
    assert!(err.contains("skipped 2 bad records"), "{err}");
}

#[test]
fn missing_empty_and_unreadable_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.jsonl");
    let out = cadence(&["classify", arg(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nope.jsonl: No such file or directory"),
        "{}",
        stderr(&out)
    );

    let empty = write(dir.path(), "empty.jsonl", "");
    let out = cadence(&["classify", arg(&empty)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no messages to classify in"),
        "{}",
        stderr(&out)
    );

    let csv = write(dir.path(), "m.csv", "body\nhello\n");
    let out = cadence(&["classify", arg(&csv)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("m.csv: no column named \"text\" (--text-column); the columns are: body"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_flags_are_usage_errors() {
    let out = cadence(&["classify", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

fn labelled_data(dir: &Path) -> PathBuf {
    // A small slice of the training split: enough for every label.
    let train = std::fs::read_to_string(root().join("datasets/splits/train.jsonl")).unwrap();
    let mut taken = std::collections::HashMap::<String, usize>::new();
    let lines: Vec<&str> = train
        .lines()
        .filter(|line| {
            let label = serde_json::from_str::<Value>(line).unwrap()["label"]
                .as_str()
                .unwrap()
                .to_owned();
            let n = taken.entry(label).or_default();
            *n += 1;
            *n <= 40
        })
        .collect();
    write(dir, "small.jsonl", lines.join("\n") + "\n")
}

#[test]
fn train_then_eval_a_model_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = labelled_data(dir.path());
    let model = dir.path().join("model");
    let out = cadence(&[
        "train",
        "--data",
        arg(&data),
        "--out",
        arg(&model),
        "--folds",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("examples 160 (proactive 40, silent 40, overstepping 40, aligned 40)"),
        "{report}"
    );
    assert!(report.contains("3-fold cross-validation"), "{report}");
    assert!(report.contains("confusion matrix"), "{report}");

    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["format_version"], 1);
    assert_eq!(manifest["training"]["data"][0]["examples"], 160);
    assert_eq!(
        manifest["training"]["data"][0]["sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );

    let out = cadence(&[
        "eval",
        "--model",
        arg(&model),
        "--data",
        arg(&data),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let evaluation: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(evaluation["examples"], 160);
    assert!(
        evaluation["macro_f1"].as_f64().unwrap() > 0.9,
        "a model fits its own training data"
    );
}

#[test]
fn training_data_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "bad.jsonl",
        "{\"text\": \"a\", \"label\": \"silent\"}\n{\"text\": \"b\", \"label\": \"helpful\"}\n",
    );
    let out = cadence(&[
        "train",
        "--data",
        arg(&data),
        "--out",
        arg(&dir.path().join("m")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad.jsonl:2: unknown label \"helpful\": expected one of proactive, silent, overstepping, aligned"),
        "{}",
        stderr(&out)
    );
    let data = write(dir.path(), "unlabelled.jsonl", "{\"text\": \"a\"}\n");
    let out = cadence(&["eval", "--data", arg(&data)]);
    assert!(
        stderr(&out).contains("unlabelled.jsonl:1: the record has no \"label\" field"),
        "{}",
        stderr(&out)
    );
    assert!(
        !dir.path().join("m").exists(),
        "no model is written from bad data"
    );
}

#[test]
fn a_damaged_model_directory_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    let shipped = root().join("models/default");
    let manifest = std::fs::read_to_string(shipped.join("manifest.json")).unwrap();
    let mut weights = std::fs::read(shipped.join("weights.safetensors")).unwrap();

    let check = |expected: &str| {
        let out = cadence(&["classify", "--model", arg(&model), arg(&examples())]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains(expected),
            "expected {expected:?} in {}",
            stderr(&out)
        );
    };
    check("manifest.json is missing: is this a cadence model directory?");
    write(&model, "manifest.json", "{not json");
    check("manifest.json is not valid JSON");
    write(
        &model,
        "manifest.json",
        manifest.replace("\"format_version\": 1", "\"format_version\": 9"),
    );
    check("manifest.json has format_version 9, this cadence reads version 1");
    write(&model, "manifest.json", &manifest);
    check("weights.safetensors is missing");
    let last = weights.len() - 1;
    weights[last] ^= 1;
    write(&model, "weights.safetensors", &weights);
    check("the manifest says");
    write(
        &model,
        "manifest.json",
        manifest.replacen("\"silent\"", "\"quiet\"", 1),
    );
    check("the model's labels are");
}

fn team_fixture() -> PathBuf {
    root().join("tests/fixtures/team/messages.jsonl")
}

fn health_json(args: &[&str]) -> Value {
    let mut all = vec!["health"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = cadence(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn person<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the report"))
}

/// The habits the fixture's cast was written with (tests/fixtures/team/README.md), found by
/// the shipped model, not by the fixture's gold labels.
fn assert_finds_the_team_habits(report: &Value) {
    assert_eq!(report["people"].as_array().unwrap().len(), 9);
    let dana = person(report, "Dana");
    let episode = &dana["dark_episodes"][0];
    assert!(episode["working_days"].as_u64().unwrap() >= 9, "{episode}");
    assert_eq!(episode["from"], "2024-03-25");

    let review = report["review"]["items"].as_array().unwrap();
    let by_eli = review.iter().filter(|i| i["author"] == "Eli").count();
    let top: Vec<&Value> = review.iter().take(5).map(|i| &i["author"]).collect();
    assert!(
        by_eli >= 6,
        "only {by_eli} of Eli's overstepping messages are up for review"
    );
    assert!(
        top.iter().filter(|a| **a == "Eli").count() >= 3,
        "the most confident reviews are not Eli's: {top:?}"
    );
    for other in [
        "Dana", "Finn", "Ravi", "Sofia", "Tom", "Hana", "Jonas", "Maya",
    ] {
        let shares = &person(report, other)["label_mix"]["shares"];
        assert!(
            shares["overstepping"].as_f64().unwrap()
                < person(report, "Eli")["label_mix"]["shares"]["overstepping"]
                    .as_f64()
                    .unwrap()
                    / 2.0,
            "{other} looks like as much of an overstepper as Eli: {shares}"
        );
    }

    let finn = person(report, "Finn");
    assert!(
        finn["label_mix"]["shares"]["silent"].as_f64().unwrap() >= 0.75,
        "{}",
        finn["label_mix"]
    );
    assert!(finn["silent_replies"].as_u64().unwrap() * 10 >= finn["replies"].as_u64().unwrap() * 8);
}

#[test]
fn health_finds_the_team_habits_with_the_shipped_model() {
    let report = health_json(&[arg(&team_fixture())]);
    assert_finds_the_team_habits(&report);
    let findings: Vec<&str> = report["top_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert!(
        findings.iter().any(|f| f.contains("Dana went dark")),
        "{findings:?}"
    );
    assert!(findings.iter().any(|f| f.contains("Eli")), "{findings:?}");
}

/// Writes the team fixture as the Slack workspace export it stands for.
fn slack_export(dir: &Path) -> PathBuf {
    let export = dir.join("slack-export");
    let records = jsonl(&std::fs::read_to_string(team_fixture()).unwrap());
    let mut people: Vec<String> = records
        .iter()
        .map(|r| r["author"].as_str().unwrap().to_owned())
        .collect();
    people.sort();
    people.dedup();
    let user_id = |name: &str| format!("U{:03}", people.iter().position(|p| p == name).unwrap());
    let users: Vec<Value> = people
        .iter()
        .map(|p| serde_json::json!({"id": user_id(p), "name": p.to_lowercase(), "real_name": p, "profile": {"display_name": p}}))
        .collect();
    std::fs::create_dir_all(&export).unwrap();
    write(
        &export,
        "users.json",
        serde_json::to_string(&users).unwrap(),
    );
    let mut channels: Vec<String> = records
        .iter()
        .map(|r| r["conversation"].as_str().unwrap().to_owned())
        .collect();
    channels.sort();
    channels.dedup();
    let listing: Vec<Value> = channels
        .iter()
        .enumerate()
        .map(|(i, c)| serde_json::json!({"id": format!("C{i:03}"), "name": c, "members": people.iter().map(|p| user_id(p)).collect::<Vec<_>>()}))
        .collect();
    write(
        &export,
        "channels.json",
        serde_json::to_string(&listing).unwrap(),
    );

    // Slack ids are timestamps: one per message, unique within the export.
    let ts_of: std::collections::HashMap<String, String> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let time =
                chrono::DateTime::parse_from_rfc3339(r["timestamp"].as_str().unwrap()).unwrap();
            (
                r["id"].as_str().unwrap().to_owned(),
                format!("{}.{:06}", time.timestamp(), i),
            )
        })
        .collect();
    let mut days: std::collections::BTreeMap<(String, String), Vec<Value>> = Default::default();
    for r in &records {
        let mut text = r["text"].as_str().unwrap().to_owned();
        for name in &people {
            text = text.replace(&format!("@{name}"), &format!("<@{}>", user_id(name)));
        }
        let ts = &ts_of[r["id"].as_str().unwrap()];
        let mut message = serde_json::json!({"type": "message", "user": user_id(r["author"].as_str().unwrap()), "text": text, "ts": ts});
        if let Some(thread) = r.get("thread").and_then(Value::as_str) {
            message["thread_ts"] = Value::String(ts_of[thread].clone());
        }
        let day = r["timestamp"].as_str().unwrap()[..10].to_owned();
        days.entry((r["conversation"].as_str().unwrap().to_owned(), day))
            .or_default()
            .push(message);
    }
    for ((channel, day), messages) in days {
        std::fs::create_dir_all(export.join(&channel)).unwrap();
        write(
            &export.join(&channel),
            &format!("{day}.json"),
            serde_json::to_string_pretty(&messages).unwrap(),
        );
    }
    export
}

#[test]
fn health_reads_the_team_as_a_slack_export() {
    let dir = tempfile::tempdir().unwrap();
    let export = slack_export(dir.path());
    let report = health_json(&[arg(&export)]);
    assert_eq!(report["messages"]["total"], 351);
    assert_finds_the_team_habits(&report);
}

#[test]
fn health_reuses_classify_output_and_writes_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let labelled = dir.path().join("labelled.jsonl");
    let out = cadence(&["classify", arg(&team_fixture()), "-o", arg(&labelled)]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A model directory that cannot load proves nothing is classified again.
    let direct = health_json(&[arg(&team_fixture())]);
    let reused = health_json(&[arg(&labelled), "--model", "/nonexistent"]);
    assert_eq!(direct, reused);

    for (format, marker) in [
        ("table", "Top things to look at"),
        ("markdown", "# Team communication health"),
        ("html", "<svg"),
    ] {
        let path = dir.path().join(format!("report.{format}"));
        let out = cadence(&[
            "health",
            arg(&labelled),
            "--format",
            format,
            "-o",
            arg(&path),
        ]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(marker), "{format} report lacks {marker:?}");
    }
    let out = cadence(&[
        "health",
        arg(&labelled),
        "--format",
        "csv",
        "--csv-table",
        "weeks",
    ]);
    let rows = csv_rows(&stdout(&out));
    assert_eq!(rows.len(), 1 + 8, "a header and eight weeks");
}

#[test]
fn health_privacy_options_hide_names_and_people() {
    let pseudonymous = cadence(&[
        "health",
        arg(&team_fixture()),
        "--pseudonymize",
        "s3cret",
        "--format",
        "markdown",
    ]);
    let text = stdout(&pseudonymous);
    for name in ["Dana", "Eli", "Finn", "Maya", "Ravi"] {
        assert!(
            !text.contains(name),
            "{name} appears in a pseudonymised report"
        );
    }
    let aggregate = health_json(&[arg(&team_fixture()), "--aggregate-only"]);
    assert_eq!(aggregate["people"].as_array().unwrap().len(), 0);
    let bad = cadence(&[
        "health",
        arg(&team_fixture()),
        "--working-hours",
        "18:00-09:00",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("working hours"), "{}", stderr(&bad));
}

/// Every export format, through `convert` and `classify`, from a folder or file and, where the
/// platform writes one, from a zip.
#[test]
fn convert_and_classify_read_every_export_format() {
    let fixtures = root().join("crates/chatlog/tests/fixtures");
    let cases = [
        ("slack/export", "slack", 10, true),
        ("teams/TeamsExport", "teams", 2, true),
        ("teams/graph", "teams", 2, false),
        (
            "discord/Acme Eng - Engineering - backend [1187442019283].json",
            "discord",
            3,
            false,
        ),
        (
            "discord/Acme Eng - Engineering - frontend [1187442019999].csv",
            "discord-csv",
            5,
            false,
        ),
        ("mattermost/acme_bulk_export.jsonl", "mattermost", 8, false),
        (
            "whatsapp/WhatsApp Chat - Platform team",
            "whatsapp",
            5,
            true,
        ),
        (
            "whatsapp/WhatsApp Chat with Release crew.txt",
            "whatsapp",
            5,
            false,
        ),
        ("telegram/DataExport_2024-05-08", "telegram", 4, true),
        ("telegram/single", "telegram", 2, false),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (relative, source, count, zipped) in cases {
        let path = fixtures.join(relative);
        let mut inputs = vec![path.clone()];
        if zipped {
            let archive = dir
                .path()
                .join(format!("{}.zip", relative.replace('/', "_")));
            zip_folder(&path, &archive);
            inputs.push(archive);
        }
        for input in inputs {
            let converted = cadence(&["convert", arg(&input)]);
            assert!(
                converted.status.success(),
                "{}: {}",
                input.display(),
                stderr(&converted)
            );
            let messages = jsonl(&stdout(&converted));
            assert_eq!(messages.len(), count, "{}", input.display());
            for message in &messages {
                assert_eq!(message["source"], source, "{}", input.display());
                assert!(
                    message["author"].is_string() && message["timestamp"].is_string(),
                    "{message:?}"
                );
            }
            let classified = jsonl(&stdout(&cadence(&["classify", arg(&input)])));
            assert_eq!(classified.len(), count, "{}", input.display());
            for (message, record) in messages.iter().zip(&classified) {
                assert_eq!(message["text"], record["text"]);
                assert!(record["label"].is_string() && record["scores"].is_object());
            }
        }
    }
}

#[cfg(not(feature = "bert"))]
#[test]
fn a_minilm_model_without_the_bert_feature_says_how_to_build_it() {
    let model = root().join("models/minilm");
    let out = cadence(&["classify", "--model", arg(&model), arg(&examples())]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("--features bert"), "{err}");
    assert!(err.contains("scripts/setup-bert"), "{err}");
    let out = cadence(&[
        "train",
        "--backend",
        "minilm",
        "--data",
        arg(&root().join("datasets/splits/test.jsonl")),
        "--out",
        "/nonexistent",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--features bert"), "{}", stderr(&out));
}

#[cfg(feature = "bert")]
#[test]
fn the_minilm_model_classifies_the_example_file() {
    let model = root().join("models/minilm");
    let out = cadence(&[
        "classify",
        "--model",
        arg(&model),
        "--format",
        "jsonl",
        arg(&examples()),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = jsonl(&stdout(&out));
    assert_eq!(records.len(), 16);
    let labels: Vec<&str> = records
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels[..6],
        [
            "proactive",
            "silent",
            "overstepping",
            "aligned",
            "silent",
            "aligned"
        ],
        "the two 👍 must differ by their context"
    );
    let missing = tempfile::tempdir().unwrap();
    let out = cadence(&[
        "classify",
        "--model",
        arg(&model),
        "--encoder-dir",
        arg(missing.path()),
        arg(&examples()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("scripts/setup-bert"),
        "{}",
        stderr(&out)
    );
}

#[cfg(feature = "bert")]
#[test]
fn a_fine_tuned_model_trains_cross_validates_and_classifies() {
    let dir = tempfile::tempdir().unwrap();
    // Six real messages of each label.
    let mut counts = std::collections::HashMap::new();
    let lines: Vec<String> = std::fs::read_to_string(root().join("datasets/splits/train.jsonl"))
        .unwrap()
        .lines()
        .filter(|line| {
            let label = serde_json::from_str::<Value>(line).unwrap()["label"].clone();
            let seen = counts.entry(label.to_string()).or_insert(0);
            *seen += 1;
            *seen <= 6
        })
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 24);
    let data = write(dir.path(), "tiny.jsonl", lines.join("\n") + "\n");
    let model = dir.path().join("model");
    let out = cadence(&[
        "train",
        "--backend",
        "hybrid",
        "--fine-tune-layers",
        "1",
        "--epochs",
        "2",
        "--batch-size",
        "8",
        "--input",
        "pair",
        "--folds",
        "2",
        "--data",
        arg(&data),
        "--out",
        arg(&model),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = stderr(&out);
    // Each cross-validation fold trains on 12, three of each label: its cross-fitting folds
    // hold two and one of each, so its two cross-fitting encoders learn from 4 and 8, the
    // encoder it keeps from all 12; the model itself from 12, 12 and all 24.
    for line in [
        "fold 2/2: cross-fitting 1/2: fine-tuning the top 1 encoder layers on 4 examples, 2 epochs",
        "fold 2/2: cross-fitting 2/2: fine-tuning the top 1 encoder layers on 8 examples, 2 epochs",
        "fold 2/2: fine-tuning the top 1 encoder layers on 12 examples, 2 epochs",
        "fold 2/2: epoch 2/2: loss",
        "cross-fitting 1/2: fine-tuning the top 1 encoder layers on 12 examples, 2 epochs",
        "cadence: fine-tuning the top 1 encoder layers on 24 examples, 2 epochs",
    ] {
        assert!(log.contains(line), "no {line:?} in {log}");
    }
    assert!(
        stdout(&out).contains("2-fold cross-validation"),
        "{}",
        stdout(&out)
    );

    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("manifest.json")).unwrap())
            .unwrap();
    let tuned = &manifest["encoder"]["fine_tuned"];
    assert_eq!(manifest["encoder"]["kind"], "hybrid");
    assert_eq!(tuned["layers"], 1);
    assert_eq!(tuned["input"], "pair");
    assert!(model.join(tuned["file"].as_str().unwrap()).is_file());
    let losses = manifest["training"]["fine_tuning"]["epoch_losses"]
        .as_array()
        .unwrap();
    assert_eq!(losses.len(), 2);
    // The encoder kept learnt from every example; the head from cross-fitted vectors.
    assert_eq!(manifest["training"]["fine_tuning"]["examples"], 24);
    assert_eq!(manifest["training"]["report"]["cross_fit_folds"], 2);

    let out = cadence(&[
        "classify",
        "--model",
        arg(&model),
        "--format",
        "jsonl",
        arg(&examples()),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(jsonl(&stdout(&out)).len(), 16);

    // The n-gram backend has no encoder to fine-tune.
    let out = cadence(&[
        "train",
        "--fine-tune-layers",
        "1",
        "--data",
        arg(&data),
        "--out",
        arg(&dir.path().join("other")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--backend minilm or hybrid"),
        "{}",
        stderr(&out)
    );
}
