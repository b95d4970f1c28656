//! Shared by the integration tests: the team fixture with its gold labels as classifications.
#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;

use cadence_chatlog::{Input, ReadOptions, read_inputs};
use cadence_health::{HealthBuilder, HealthOptions, Report};
use cadence_taxonomy::{Classification, Label, Message};

pub const PEOPLE: [&str; 9] = [
    "Maya", "Ravi", "Dana", "Eli", "Finn", "Tom", "Sofia", "Hana", "Jonas",
];

pub fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/team/messages.jsonl")
}

/// A confidence between 0.6 and 0.99 that differs from message to message, so that rankings
/// by confidence are exercised with the gold labels.
pub fn confidence_for(message: &Message) -> f32 {
    let digits: u32 = message
        .id
        .as_deref()
        .unwrap_or_default()
        .bytes()
        .map(u32::from)
        .fold(7, |acc, b| acc.wrapping_mul(31).wrapping_add(b));
    0.6 + (digits % 40) as f32 / 100.0
}

/// The classification a perfect classifier with [`confidence_for`] would give.
pub fn gold(message: &Message) -> Classification {
    let label: Label = message.extra["expected_label"]
        .as_str()
        .expect("expected_label")
        .parse()
        .expect("a label");
    let confidence = confidence_for(message);
    let mut scores = [(1.0 - confidence) / 3.0; Label::COUNT];
    scores[label.index()] = confidence;
    Classification::from_scores(scores, 0.5)
}

pub fn fixture_messages() -> Vec<Message> {
    read_inputs(&[Input::Path(fixture_path())], &ReadOptions::default())
        .map(|m| m.expect("fixture reads"))
        .collect()
}

pub fn report_with(options: HealthOptions) -> Report {
    let mut builder = HealthBuilder::new(options).unwrap();
    for message in fixture_messages() {
        builder.push(&message, &gold(&message));
    }
    builder.finish()
}

pub fn fixture_report() -> Report {
    report_with(HealthOptions::default())
}

/// Every output format of a report, as text: table, JSON, both CSVs, Markdown, HTML.
pub fn all_outputs(report: &Report) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    let mut add = |name: &str, render: &dyn Fn(&mut Vec<u8>)| {
        let mut buffer = Vec::new();
        render(&mut buffer);
        outputs.push((name.to_owned(), String::from_utf8(buffer).unwrap()));
    };
    add("table", &|w| {
        cadence_health::render_table(report, w).unwrap()
    });
    add("json", &|w| cadence_health::render_json(report, w).unwrap());
    for table in cadence_health::CsvTable::ALL {
        add(table.file_name(), &|w| {
            cadence_health::render_csv(report, table, w).unwrap()
        });
    }
    add("markdown", &|w| {
        cadence_health::render_markdown(report, w).unwrap()
    });
    add("html", &|w| cadence_health::render_html(report, w).unwrap());
    outputs
}

/// Whether `name` appears in `text` as a whole word, in any ASCII case.
pub fn has_word(text: &str, name: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word.eq_ignore_ascii_case(name))
}
