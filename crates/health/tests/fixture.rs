//! The team fixture, classified with its gold labels, must show what its README promises.

mod common;

use cadence_health::report::Report;
use cadence_health::{CsvTable, HealthOptions, REPORT_SCHEMA, render_csv, render_json};
use chrono::NaiveDate;
use common::*;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn person<'a>(report: &'a Report, name: &str) -> &'a cadence_health::report::Person {
    report
        .people
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no row for {name}"))
}

#[test]
fn fixture_is_a_realistic_team_export() {
    let messages = fixture_messages();
    assert!((300..=450).contains(&messages.len()), "{}", messages.len());
    let report = fixture_report();
    assert_eq!(report.people.len(), 9);
    assert_eq!(report.conversations.len(), 4);
    assert_eq!(report.weeks.len(), 8);
    let period = report.period.as_ref().unwrap();
    assert_eq!(
        (period.first, period.last),
        (date("2024-03-04"), date("2024-04-26"))
    );
    assert_eq!(period.working_days, 40);
}

#[test]
fn finds_dana_going_dark_and_coming_back_silent() {
    let report = fixture_report();
    let dana = person(&report, "Dana");
    assert_eq!(dana.dark_episodes.len(), 1, "{:?}", dana.dark_episodes);
    let episode = &dana.dark_episodes[0];
    assert_eq!(episode.from, date("2024-03-25"));
    assert_eq!(episode.to, date("2024-04-05"));
    assert_eq!(episode.working_days, 10);
    let back = episode.came_back.as_ref().unwrap();
    assert_eq!(back.date, date("2024-04-08"));
    assert_eq!(back.label, "silent");
    assert_eq!(dana.longest_gap_working_days, 10);
    // The four questions put to her while she was dark got no answer in time.
    assert_eq!(dana.questions.unanswered, 4);
    // Nobody else went dark.
    for p in report.people.iter().filter(|p| p.name != "Dana") {
        assert!(
            p.dark_episodes.is_empty(),
            "{}: {:?}",
            p.name,
            p.dark_episodes
        );
    }
    assert!(report.top_findings.iter().any(|f| f.kind == "went_dark"
        && f.text
            == "Dana went dark for 10 working days (Mar 25–Apr 5) and came back with a silent message"));
}

#[test]
fn review_list_ranks_elis_overstepping_messages() {
    let report = fixture_report();
    let review = &report.review;
    assert_eq!(review.total, 8);
    assert_eq!(review.items.len(), 8);
    assert!(
        review
            .items
            .iter()
            .all(|i| i.author.as_deref() == Some("Eli"))
    );
    let confidences: Vec<f32> = review.items.iter().map(|i| i.confidence).collect();
    let mut sorted = confidences.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    assert_eq!(confidences, sorted, "most confident first");
    assert!(review.notice.contains("not a verdict"));
    assert!(
        report
            .top_findings
            .iter()
            .any(|f| f.text == "8 overstepping messages from Eli to review")
    );

    let capped = report_with(HealthOptions {
        review_limit: 3,
        ..HealthOptions::default()
    });
    assert_eq!(capped.review.total, 8);
    assert_eq!(capped.review.items, review.items[..3]);
}

#[test]
fn flags_finn_for_bare_acknowledgements() {
    let report = fixture_report();
    let finn = person(&report, "Finn");
    assert_eq!((finn.silent_replies, finn.replies), (14, 16));
    assert!(report.top_findings.iter().any(|f| f.kind == "bare_acknowledgements"
        && f.text == "Finn answers questions with bare acknowledgements: 14 of 16 replies silent"));
    assert_eq!(report.top_findings.len(), 3);
    let kinds: Vec<&str> = report
        .top_findings
        .iter()
        .map(|f| f.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["overstepping", "went_dark", "bare_acknowledgements"]
    );
}

#[test]
fn healthy_people_score_higher_than_the_ones_to_look_at() {
    let report = fixture_report();
    let score = |name: &str| person(&report, name).score.value;
    for healthy in ["Ravi", "Tom", "Sofia", "Maya"] {
        for flagged in ["Dana", "Eli", "Finn"] {
            assert!(score(healthy) > score(flagged), "{healthy} vs {flagged}");
        }
    }
    let hana = person(&report, "Hana");
    assert!(hana.after_hours.share >= 0.5, "{}", hana.after_hours.share);
    let team = report.team.metrics.as_ref().unwrap();
    let s = team.score.as_ref().unwrap();
    assert!((0.0..=100.0).contains(&s.value));
    let points: f64 = s.components.iter().map(|c| c.points).sum();
    assert!((points - s.value).abs() < 0.11);
}

#[test]
fn small_groups_are_hidden() {
    let report = fixture_report();
    let sales = report
        .conversations
        .iter()
        .find(|c| c.name == "sales-ops")
        .unwrap();
    assert_eq!(sales.people, 2);
    assert!(sales.metrics.is_none());
    assert!(
        sales
            .hidden
            .as_ref()
            .unwrap()
            .contains("fewer than the minimum group size of 5")
    );
    assert!(report.team.metrics.is_some());

    let strict = report_with(HealthOptions {
        min_group_size: 10,
        ..HealthOptions::default()
    });
    assert!(strict.team.metrics.is_none() && strict.team.hidden.is_some());
    assert!(strict.conversations.iter().all(|c| c.metrics.is_none()));
    assert!(strict.weeks.iter().all(|w| w.group.metrics.is_none()));
    assert!(strict.trend.is_none());
    // People rows are not groups: they stay.
    assert_eq!(strict.people.len(), 9);
}

#[test]
fn pseudonymized_outputs_name_nobody() {
    let report = report_with(HealthOptions {
        pseudonymize: Some("team-secret".into()),
        ..HealthOptions::default()
    });
    assert!(report.people.iter().all(|p| p.name.starts_with("person-")));
    for (format, text) in all_outputs(&report) {
        for name in PEOPLE {
            assert!(
                !has_word(&text, name),
                "{name} appears in the {format} output"
            );
        }
    }
    // Stable: the same salt gives the same aliases.
    let again = report_with(HealthOptions {
        pseudonymize: Some("team-secret".into()),
        ..HealthOptions::default()
    });
    assert_eq!(report.people, again.people);
}

#[test]
fn aggregate_only_outputs_have_no_person_rows() {
    let report = report_with(HealthOptions {
        aggregate_only: true,
        ..HealthOptions::default()
    });
    assert!(report.people.is_empty());
    assert!(report.review.items.iter().all(|i| i.author.is_none()));
    assert!(report.top_findings.iter().all(|f| f.person.is_none()));
    for (format, text) in all_outputs(&report) {
        for name in ["Dana", "Eli", "Finn", "Hana", "Tom", "Sofia", "Jonas"] {
            // Names may only appear inside quoted message texts, never as rows.
            for line in text.lines().filter(|l| has_word(l, name)) {
                assert!(
                    !line.trim_start().starts_with(&format!("| {name}"))
                        && !line.starts_with(&format!("{name},"))
                        && !line.contains(&format!("<td>{name}</td>"))
                        && !line.contains(&format!(">{name}</text>")),
                    "{format}: {line}"
                );
            }
        }
    }
    let mut people_csv = Vec::new();
    render_csv(&report, CsvTable::People, &mut people_csv).unwrap();
    assert_eq!(String::from_utf8(people_csv).unwrap().lines().count(), 1);
}

#[test]
fn json_output_validates_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(REPORT_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let options = [
        HealthOptions::default(),
        HealthOptions {
            aggregate_only: true,
            min_group_size: 10,
            pseudonymize: Some("s".into()),
            ..HealthOptions::default()
        },
    ];
    for options in options {
        let mut json = Vec::new();
        render_json(&report_with(options), &mut json).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The schema is strict: an unknown field is an error.
    let mut json = serde_json::to_value(fixture_report()).unwrap();
    json["surprise"] = true.into();
    assert!(!validator.is_valid(&json));
}

#[test]
fn every_renderer_writes_its_format() {
    let report = fixture_report();
    for (format, text) in all_outputs(&report) {
        match format.as_str() {
            "people.csv" | "weeks.csv" => {
                let mut reader = csv::Reader::from_reader(text.as_bytes());
                let width = reader.headers().unwrap().len();
                let rows: Vec<_> = reader.records().map(|r| r.unwrap()).collect();
                assert!(rows.iter().all(|r| r.len() == width));
                assert_eq!(rows.len(), if format == "people.csv" { 9 } else { 8 });
            }
            "markdown" => {
                assert!(text.starts_with("# Team communication health"));
                for heading in [
                    "## People",
                    "## Label mix",
                    "## Weekly trend",
                    "## Overstepping messages to review",
                ] {
                    assert!(text.contains(heading), "{heading}");
                }
                assert!(text.contains("| Person | Score |"));
                assert!(text.contains("| Dana | "));
            }
            "html" => {
                for id in ["label-mix", "weekly-trend", "silence-timeline", "review"] {
                    assert!(text.contains(&format!("id=\"{id}\"")), "{id}");
                }
                assert!(
                    !text.contains("<script")
                        && !text.contains("http://")
                        && !text.contains("https://")
                );
            }
            "table" => assert!(text.contains("Top things to look at:")),
            _ => {}
        }
    }
}

#[test]
fn snapshots_of_table_and_markdown() {
    let report = fixture_report();
    let outputs = all_outputs(&report);
    let get = |name: &str| outputs.iter().find(|(n, _)| n == name).unwrap().1.clone();
    insta::assert_snapshot!("fixture_table", get("table"));
    insta::assert_snapshot!("fixture_markdown", get("markdown"));
}
