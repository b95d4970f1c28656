//! Small hand-made cases with exact expected values.

use cadence_health::report::{Person, Report};
use cadence_health::{HealthBuilder, HealthOptions};
use cadence_taxonomy::{Classification, Label, Message};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn msg(author: &str, conversation: &str, time: &str, text: &str, mentions: &[&str]) -> Message {
    Message {
        author: Some(author.into()),
        conversation: Some(conversation.into()),
        timestamp: Some(at(time)),
        text: text.into(),
        mentions: mentions.iter().map(|m| m.to_string()).collect(),
        ..Message::default()
    }
}

fn labelled(label: Label, confidence: f32) -> Classification {
    let mut scores = [(1.0 - confidence) / 3.0; Label::COUNT];
    scores[label.index()] = confidence;
    Classification::from_scores(scores, 0.5)
}

fn build(options: HealthOptions, messages: &[Message]) -> Report {
    let mut builder = HealthBuilder::new(options).unwrap();
    for m in messages {
        builder.push(m, &labelled(Label::Proactive, 0.9));
    }
    builder.finish()
}

fn everyone(min_group_size: usize) -> HealthOptions {
    HealthOptions {
        min_group_size,
        ..HealthOptions::default()
    }
}

fn person<'a>(report: &'a Report, name: &str) -> &'a Person {
    report.people.iter().find(|p| p.name == name).unwrap()
}

/// Mon 2024-03-04 to Mon 2024-03-11, working hours 09-18 UTC.
fn questions_to_bo() -> Vec<Message> {
    vec![
        msg(
            "Al",
            "c",
            "2024-03-04T10:00:00Z",
            "@Bo can you check the invoice run?",
            &["Bo"],
        ),
        msg(
            "Bo",
            "c",
            "2024-03-04T10:30:00Z",
            "Checked: 212 invoices, all sent.",
            &[],
        ),
        msg(
            "Al",
            "c",
            "2024-03-04T16:00:00Z",
            "@Bo is the VAT report ready?",
            &["Bo"],
        ),
        msg(
            "Bo",
            "c",
            "2024-03-05T10:00:00Z",
            "VAT report is in the drive.",
            &[],
        ),
        msg(
            "Cy",
            "c",
            "2024-03-05T11:00:00Z",
            "@Bo what about the refunds?",
            &["Bo"],
        ),
        msg("Bo", "c", "2024-03-07T11:00:00Z", "Refunds done.", &[]),
        msg("Al", "c", "2024-03-08T17:00:00Z", "thanks @Bo", &["Bo"]),
        msg(
            "Bo",
            "c",
            "2024-03-11T09:30:00Z",
            "Starting on the April close.",
            &[],
        ),
        msg(
            "Al",
            "c",
            "2024-03-11T11:00:00Z",
            "@Di can you take the audit call?",
            &["Di"],
        ),
        msg(
            "Cy",
            "c",
            "2024-03-11T12:00:00Z",
            "Audit prep doc is updated.",
            &[],
        ),
    ]
}

#[test]
fn response_times_and_unanswered_questions_are_exact() {
    let report = build(everyone(1), &questions_to_bo());
    let bo = person(&report, "Bo");
    // Answers after 0.5 h, 3 h (Mon 16-18 + Tue 9-10), 18 h (Tue 11-18 + Wed 9 h + Thu 9-11)
    // and 1.5 h (Fri 17-18 + Mon 9-9:30).
    assert_eq!(bo.response_time.answered, 4);
    assert_eq!(bo.response_time.median_hours, Some(1.5));
    assert_eq!(bo.response_time.p90_hours, Some(18.0));
    assert_eq!(bo.questions.addressed, 4);
    assert_eq!(bo.questions.questions, 3);
    assert_eq!(
        bo.questions.unanswered, 1,
        "the 18 h answer is past the 8 h window"
    );
    assert_eq!(bo.questions.open, 0);
    // Di was asked an hour before the export ends: not judged yet.
    let team = report.team.metrics.as_ref().unwrap();
    assert_eq!(team.questions.open, 1);
    assert_eq!(team.questions.unanswered, 1);
    assert_eq!(team.response_time.answered, 4);

    let wider = build(
        HealthOptions {
            answer_within_hours: 20.0,
            min_group_size: 1,
            ..HealthOptions::default()
        },
        &questions_to_bo(),
    );
    assert_eq!(person(&wider, "Bo").questions.unanswered, 0);
}

#[test]
fn message_order_does_not_change_the_report() {
    let messages = questions_to_bo();
    let in_order = build(everyone(1), &messages);
    let mut shuffled = messages.clone();
    shuffled.reverse();
    shuffled.swap(2, 7);
    assert_eq!(build(everyone(1), &shuffled), in_order);
}

#[test]
fn a_question_in_someones_thread_is_addressed_to_them_even_before_the_root_arrives() {
    let mut root = msg(
        "Al",
        "d",
        "2024-03-04T10:00:00Z",
        "Deploying the new gateway today.",
        &[],
    );
    root.id = Some("t1".into());
    root.thread = Some("t1".into());
    let mut question = msg(
        "Bo",
        "d",
        "2024-03-04T10:10:00Z",
        "What's the rollback plan?",
        &[],
    );
    question.id = Some("t2".into());
    question.thread = Some("t1".into());
    question.reply_to = Some("t1".into());
    let mut answer = msg(
        "Al",
        "d",
        "2024-03-04T11:10:00Z",
        "Previous image, 5 minutes.",
        &[],
    );
    answer.id = Some("t3".into());
    answer.thread = Some("t1".into());
    for order in [
        vec![root.clone(), question.clone(), answer.clone()],
        vec![answer.clone(), question.clone(), root.clone()],
    ] {
        let report = build(everyone(1), &order);
        let al = person(&report, "Al");
        assert_eq!(al.questions.questions, 1);
        assert_eq!(al.response_time.median_hours, Some(1.0));
    }
}

#[test]
fn going_dark_needs_active_conversations() {
    let quiet = vec![
        msg("Ed", "e", "2024-03-04T10:00:00Z", "Kicking off.", &[]),
        msg("Ed", "e", "2024-03-18T10:00:00Z", "Back on it.", &[]),
    ];
    let report = build(everyone(1), &quiet);
    let ed = person(&report, "Ed");
    assert_eq!(ed.longest_gap_working_days, 9);
    assert!(
        ed.dark_episodes.is_empty(),
        "nobody else talked in the meantime"
    );

    let mut busy = quiet.clone();
    busy.push(msg(
        "Fay",
        "e",
        "2024-03-12T10:00:00Z",
        "@Ed status?",
        &["Ed"],
    ));
    let report = build(everyone(1), &busy);
    let ed = person(&report, "Ed");
    assert_eq!(ed.dark_episodes.len(), 1);
    let episode = &ed.dark_episodes[0];
    assert_eq!(episode.from.to_string(), "2024-03-05");
    assert_eq!(episode.to.to_string(), "2024-03-15");
    assert_eq!(episode.working_days, 9);
    assert_eq!(episode.came_back.as_ref().unwrap().label, "proactive");
    // Fay has not posted since Mar 12, but Ed's message on the 18th leaves her 3 working days.
    assert!(person(&report, "Fay").dark_episodes.is_empty());
}

#[test]
fn days_weeks_and_after_hours_follow_the_timezone() {
    let messages = vec![
        // Mon 2024-03-04 23:30 UTC is Tue 08:30 in Tokyo: before work.
        msg("Gil", "t", "2024-03-04T23:30:00Z", "Early start.", &[]),
        // Sun 2024-03-10 16:00 UTC is Mon 01:00 in Tokyo: ISO week 11, after hours.
        msg("Gil", "t", "2024-03-10T16:00:00Z", "Late night.", &[]),
        // Mon 2024-03-11 02:00 UTC is 11:00 in Tokyo: working time.
        msg("Gil", "t", "2024-03-11T02:00:00Z", "Midday.", &[]),
    ];
    let report = build(
        HealthOptions {
            timezone: Tz::Asia__Tokyo,
            min_group_size: 1,
            ..HealthOptions::default()
        },
        &messages,
    );
    let weeks: Vec<&str> = report.weeks.iter().map(|w| w.week.as_str()).collect();
    assert_eq!(weeks, ["2024-W10", "2024-W11"]);
    let gil = person(&report, "Gil");
    assert_eq!(gil.after_hours.messages, 2);
    let days: Vec<String> = gil.active_days.iter().map(|d| d.to_string()).collect();
    assert_eq!(days, ["2024-03-05", "2024-03-11"]);
    // Tue Mar 5 to Mon Mar 11 in Tokyo: Wed, Thu, Fri between.
    assert_eq!(gil.longest_gap_working_days, 3);
    assert_eq!(report.settings.timezone, "Asia/Tokyo");

    let utc = build(everyone(1), &messages);
    let weeks: Vec<&str> = utc.weeks.iter().map(|w| w.week.as_str()).collect();
    assert_eq!(weeks, ["2024-W10", "2024-W11"]);
    assert_eq!(
        person(&utc, "Gil").after_hours.messages,
        3,
        "all three are outside 09-18 UTC"
    );
}

#[test]
fn review_list_keeps_the_most_confident_and_bots_are_left_out() {
    let mut builder = HealthBuilder::new(HealthOptions {
        review_limit: 2,
        ..HealthOptions::default()
    })
    .unwrap();
    for (i, confidence) in [0.6, 0.95, 0.7, 0.8].into_iter().enumerate() {
        let m = msg(
            "Hal",
            "r",
            &format!("2024-03-0{}T10:00:00Z", i + 4),
            &format!("deal {i}"),
            &[],
        );
        builder.push(&m, &labelled(Label::Overstepping, confidence));
    }
    let mut bot = msg("ci-bot", "r", "2024-03-04T10:00:00Z", "build passed", &[]);
    bot.is_bot = true;
    builder.push(&bot, &labelled(Label::Proactive, 0.9));
    let report = builder.finish();
    let texts: Vec<&str> = report
        .review
        .items
        .iter()
        .map(|i| i.text.as_str())
        .collect();
    assert_eq!(texts, ["deal 1", "deal 3"]);
    assert_eq!(report.review.total, 4);
    assert_eq!(report.messages.bots, 1);
    assert_eq!(report.messages.total, 4);
}

#[test]
fn invalid_options_are_refused() {
    let err = HealthBuilder::new(HealthOptions {
        answer_within_hours: 0.0,
        ..HealthOptions::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("answer_within_hours"), "{err}");
}
