//! The memory caps: more threads, requests and answers than the caps still give a report, with
//! the documented exact or approximate values.

use cadence_health::report::{Person, Report};
use cadence_health::{
    BACKLOG_CAP, EXACT_SAMPLES, HealthBuilder, HealthOptions, INBOX_CAP, RELATIVE_ERROR, THREAD_CAP,
};
use cadence_taxonomy::{Classification, Message};
use chrono::{DateTime, Duration, Utc};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn msg(author: &str, time: DateTime<Utc>, text: &str, mentions: &[&str]) -> Message {
    Message {
        author: Some(author.into()),
        conversation: Some("c".into()),
        timestamp: Some(time),
        text: text.into(),
        mentions: mentions.iter().map(|m| m.to_string()).collect(),
        ..Message::default()
    }
}

fn build(messages: &[Message]) -> Report {
    let mut builder = HealthBuilder::new(HealthOptions {
        min_group_size: 1,
        ..HealthOptions::default()
    })
    .unwrap();
    let label = Classification::from_scores([0.9, 0.04, 0.03, 0.03], 0.5);
    for m in messages {
        builder.push(m, &label);
    }
    builder.finish()
}

fn person<'a>(report: &'a Report, name: &str) -> &'a Person {
    report.people.iter().find(|p| p.name == name).unwrap()
}

/// Monday 10:00 UTC plus `days` working days (Mon–Fri).
fn working_day(days: i64) -> DateTime<Utc> {
    let week = days / 5;
    at("2024-03-04T10:00:00Z") + Duration::days(week * 7 + days % 5)
}

fn close(value: f64, expected: f64) -> bool {
    (value - expected).abs() <= expected * RELATIVE_ERROR + 0.001
}

#[test]
fn more_threads_than_the_cap_forget_the_oldest_starters() {
    let start = at("2024-03-04T10:00:00Z");
    let thread = |i: usize| {
        let mut root = msg("Al", start + Duration::seconds(i as i64), "Starting", &[]);
        root.id = Some(format!("t{i}"));
        root.thread = root.id.clone();
        root
    };
    let reply = |i: usize, minutes: i64| {
        let mut question = msg("Bo", start + Duration::minutes(minutes), "Why?", &[]);
        question.id = Some(format!("r{i}"));
        question.thread = Some(format!("t{i}"));
        question
    };
    let threads = THREAD_CAP + 10;
    let mut messages: Vec<Message> = (0..threads).map(thread).collect();
    // After every thread has started: a question in the oldest and in the newest thread.
    messages.push(reply(0, 600));
    messages.push(reply(threads - 1, 601));
    let report = build(&messages);
    assert_eq!(report.messages.total, threads as u64 + 2);
    let al = person(&report, "Al");
    assert_eq!(
        al.questions.questions, 1,
        "only the newest thread's starter is still known"
    );

    // Within the cap, both are addressed to Al.
    let mut few: Vec<Message> = (0..10).map(thread).collect();
    few.push(reply(0, 600));
    few.push(reply(9, 601));
    assert_eq!(person(&build(&few), "Al").questions.questions, 2);
}

#[test]
fn more_answers_than_the_inbox_holds_stay_exact_in_time_order() {
    // Each working day Al asks Bo at 10:00 and Bo answers at 10:30: ten times the inbox cap.
    let days = (INBOX_CAP * 10) as i64;
    let mut messages = Vec::new();
    for d in 0..days {
        let asked = working_day(d);
        messages.push(msg("Al", asked, "@Bo is the report ready?", &["Bo"]));
        messages.push(msg(
            "Bo",
            asked + Duration::minutes(30 + d % 7),
            "Yes.",
            &[],
        ));
    }
    let report = build(&messages);
    let bo = person(&report, "Bo");
    assert_eq!(bo.questions.addressed, days as u32);
    assert_eq!(bo.questions.unanswered, 0);
    assert_eq!(bo.response_time.answered, days as u32);
    // Delays 30..36 minutes, evenly: the median is 33 minutes, the 90th percentile 36.
    assert!((days as usize) < EXACT_SAMPLES);
    assert_eq!(bo.response_time.median_hours, Some(0.55));
    assert_eq!(bo.response_time.p90_hours, Some(0.6));

    // Shuffling within windows smaller than the cap does not change anything.
    let mut shuffled = messages.clone();
    for chunk in shuffled.chunks_mut(INBOX_CAP / 2) {
        chunk.reverse();
    }
    assert_eq!(build(&shuffled), report);
}

#[test]
fn more_answers_than_exact_samples_are_close() {
    let days = (EXACT_SAMPLES + 100) as i64;
    let mut messages = Vec::new();
    let mut delays = Vec::new();
    for d in 0..days {
        let asked = working_day(d);
        let minutes = 5 + (d * 37) % 300;
        delays.push(minutes as f64 / 60.0);
        messages.push(msg("Al", asked, "@Bo can you look?", &["Bo"]));
        messages.push(msg("Bo", asked + Duration::minutes(minutes), "Done.", &[]));
    }
    delays.sort_by(f64::total_cmp);
    let nearest_rank = |p: f64| delays[(p * delays.len() as f64).ceil() as usize - 1];
    let report = build(&messages);
    let bo = person(&report, "Bo");
    assert_eq!(bo.response_time.answered, days as u32);
    let median = bo.response_time.median_hours.unwrap();
    let p90 = bo.response_time.p90_hours.unwrap();
    assert!(close(median, nearest_rank(0.5)), "{median}");
    assert!(close(p90, nearest_rank(0.9)), "{p90}");
}

#[test]
fn many_requests_waiting_for_one_answer_are_batched() {
    // Al asks Bo every minute from 10:00 for 100 minutes; Bo answers once at 12:00.
    let start = at("2024-03-04T10:00:00Z");
    let asks = 100;
    assert!(asks > BACKLOG_CAP + INBOX_CAP);
    let mut messages: Vec<Message> = (0..asks)
        .map(|i| {
            msg(
                "Al",
                start + Duration::minutes(i as i64),
                "@Bo are you there?",
                &["Bo"],
            )
        })
        .collect();
    messages.push(msg("Bo", at("2024-03-04T12:00:00Z"), "Here.", &[]));
    let report = build(&messages);
    let bo = person(&report, "Bo");
    // Counts stay exact.
    assert_eq!(bo.questions.addressed, asks as u32);
    assert_eq!(bo.questions.questions, asks as u32);
    assert_eq!(bo.questions.unanswered, 0);
    assert_eq!(bo.response_time.answered, asks as u32);
    // Delays are 21..120 minutes; the exact median is 70 minutes, the p90 111. Batched
    // requests are judged at their middle time, so the values are close, not exact.
    let median = bo.response_time.median_hours.unwrap();
    let p90 = bo.response_time.p90_hours.unwrap();
    assert!((median - 70.0 / 60.0).abs() < 0.25, "{median}");
    assert!((p90 - 111.0 / 60.0).abs() < 0.25, "{p90}");
}

#[test]
fn a_request_never_answered_in_a_full_inbox_stays_unanswered() {
    // Bo posts often in the conversation, but only before Al's question.
    let start = at("2024-03-04T09:00:00Z");
    let mut messages: Vec<Message> = (0..(INBOX_CAP as i64 * 3))
        .map(|i| msg("Bo", start + Duration::minutes(i), "Working on it.", &[]))
        .collect();
    messages.push(msg(
        "Al",
        at("2024-03-04T14:00:00Z"),
        "@Bo status?",
        &["Bo"],
    ));
    messages.push(msg("Cy", at("2024-03-08T14:00:00Z"), "Friday.", &[]));
    let report = build(&messages);
    let bo = person(&report, "Bo");
    assert_eq!(bo.questions.questions, 1);
    assert_eq!(bo.questions.unanswered, 1);
    assert_eq!(bo.response_time.answered, 0);
}
