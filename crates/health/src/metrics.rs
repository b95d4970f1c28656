//! Turns the aggregator's state into the report's metrics: label mixes, silence, questions and
//! response times, trend, scores, privacy.

use std::collections::BTreeMap;

use cadence_taxonomy::{Label, UNCERTAIN};
use chrono::{NaiveDate, Weekday};

use crate::aggregate::{GroupState, HealthBuilder, PersonId, PersonState};
use crate::answers::{Answers, Judge};
use crate::privacy::Names;
use crate::report::{
    AfterHours, Comeback, DarkEpisode, Group, GroupMetrics, LabelMix, MessageCounts, NOTICE,
    PerLabel, Period, Person, Report, Review, ReviewItem, SCHEMA_VERSION, Settings, Trend, Week,
};
use crate::score::{ScoreInputs, round3, score};
use crate::{HealthOptions, findings};

pub(crate) fn build_report(mut b: HealthBuilder) -> Report {
    let names = Names::new(&b.people.names, b.options.pseudonymize.as_deref());
    let review_entries = b.take_review();
    let period = b.first.zip(b.last).map(|(first, last)| {
        let (first, last) = (b.calendar.local_date(first), b.calendar.local_date(last));
        Period {
            first,
            last,
            working_days: b.calendar.working_days_in(first, last),
            weeks: b.weeks.len(),
        }
    });

    // Requests and their answers, for the team, each person, conversation and week: the ones
    // still in an inbox are judged now.
    let judge = Judge {
        calendar: &b.calendar,
        options: &b.options,
        last: b.last,
    };
    let mut book = std::mem::take(&mut b.answers);
    for ((addressee, conversation), inbox) in std::mem::take(&mut b.inboxes) {
        inbox.finish(&judge, &mut book, addressee, conversation);
    }
    book.persons
        .resize_with(b.persons.len().max(book.persons.len()), Answers::default);
    book.convs
        .resize_with(b.convs.len().max(book.convs.len()), Answers::default);
    let mut team_answers = book.team;
    let mut person_answers = book.persons;
    let mut conv_answers = book.convs;
    let mut week_answers: BTreeMap<(i32, u32), Answers> = book.weeks;

    let dark: Vec<Vec<DarkEpisode>> = b
        .persons
        .iter()
        .map(|person| dark_episodes(&b, person, period.as_ref(), &names))
        .collect();
    // People who posted, by name: mentioned people who never posted get no row.
    let mut posting: Vec<PersonId> = (0..b.persons.len() as PersonId)
        .filter(|id| b.persons[*id as usize].group.labels.total() > 0)
        .collect();
    posting.sort_by(|a, b_| names.display(*a).cmp(names.display(*b_)));
    let mean_dark = if posting.is_empty() {
        0.0
    } else {
        posting
            .iter()
            .map(|id| dark[*id as usize].len() as f64)
            .sum::<f64>()
            / posting.len() as f64
    };

    let options = &b.options;
    let mut team = group(options, "team".into(), &b.team, &mut team_answers);
    if let Some(metrics) = team.metrics.as_mut() {
        metrics.score = Some(score(
            ScoreInputs {
                labels: &b.team.labels,
                dark_episodes_per_person: mean_dark,
                questions: &metrics.questions,
            },
            &options.weights,
        ));
    }
    let conversations: Vec<Group> = b
        .convs
        .iter()
        .zip(&mut conv_answers)
        .enumerate()
        .map(|(id, (conv, answers))| {
            group(
                options,
                b.conversations.names[id].clone(),
                &conv.group,
                answers,
            )
        })
        .collect();
    let weeks: Vec<Week> = b
        .weeks
        .iter()
        .map(|(&(year, week), state)| {
            let name = format!("{year}-W{week:02}");
            let answers = week_answers.entry((year, week)).or_default();
            Week {
                starts: NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).expect("ISO week"),
                group: group(options, name.clone(), state, answers),
                week: name,
            }
        })
        .collect();

    // Findings are derived from every person; the report keeps their rows unless aggregate-only.
    let all_people: Vec<Person> = posting
        .iter()
        .map(|&id| {
            let answers = &mut person_answers[id as usize];
            person(&b, &names, id, dark[id as usize].clone(), answers)
        })
        .collect();

    let review = Review {
        notice: NOTICE.to_owned(),
        total: b.overstepping_total,
        limit: options.review_limit,
        items: review_entries
            .into_iter()
            .map(|entry| ReviewItem {
                author: entry
                    .author
                    .filter(|_| !options.aggregate_only)
                    .map(|id| names.display(id).to_owned()),
                time: entry.time,
                conversation: entry
                    .conversation
                    .map(|c| b.conversations.names[c as usize].clone()),
                confidence: entry.confidence,
                text: names.scrub(&entry.text),
            })
            .collect(),
    };

    let trend = trend(&weeks);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        notice: NOTICE.to_owned(),
        settings: settings(options),
        period,
        messages: MessageCounts {
            total: b.counts.total,
            bots: b.counts.bots,
            untimed: b.counts.untimed,
            unattributed: b.counts.unattributed,
        },
        team,
        top_findings: Vec::new(),
        conversations,
        weeks,
        trend,
        people: Vec::new(),
        review,
    };
    report.top_findings = findings::top_findings(&report, &all_people, options);
    if !options.aggregate_only {
        report.people = all_people;
    }
    report
}

fn label_mix(labels: &PerLabel<u64>) -> LabelMix {
    let total =
        labels.proactive + labels.silent + labels.overstepping + labels.aligned + labels.uncertain;
    let share = |n: u64| {
        if total == 0 {
            0.0
        } else {
            round3(n as f64 / total as f64)
        }
    };
    LabelMix {
        total,
        counts: *labels,
        shares: PerLabel {
            proactive: share(labels.proactive),
            silent: share(labels.silent),
            overstepping: share(labels.overstepping),
            aligned: share(labels.aligned),
            uncertain: share(labels.uncertain),
        },
    }
}

fn after_hours(state: &GroupState) -> AfterHours {
    AfterHours {
        messages: state.after_hours,
        share: if state.timed == 0 {
            0.0
        } else {
            round3(state.after_hours as f64 / state.timed as f64)
        },
    }
}

/// A group's metrics, or the note that it was hidden for having too few people.
fn group(
    options: &HealthOptions,
    name: String,
    state: &GroupState,
    answers: &mut Answers,
) -> Group {
    let people = state.people.len();
    if people < options.min_group_size {
        return Group {
            name,
            people,
            hidden: Some(format!(
                "hidden: built from {people} people, fewer than the minimum group size of {}",
                options.min_group_size
            )),
            metrics: None,
        };
    }
    Group {
        name,
        people,
        hidden: None,
        metrics: Some(GroupMetrics {
            label_mix: label_mix(&state.labels),
            after_hours: after_hours(state),
            questions: answers.questions,
            response_time: answers.response_time(),
            score: None,
        }),
    }
}

fn person(
    b: &HealthBuilder,
    names: &Names,
    id: PersonId,
    dark_episodes: Vec<DarkEpisode>,
    answers: &mut Answers,
) -> Person {
    let state = &b.persons[id as usize];
    let active_days: Vec<NaiveDate> = state.days.keys().copied().collect();
    let longest_gap_working_days = active_days
        .windows(2)
        .map(|w| b.calendar.working_days_between(w[0], w[1]))
        .max()
        .unwrap_or(0);
    let score = score(
        ScoreInputs {
            labels: &state.group.labels,
            dark_episodes_per_person: dark_episodes.len() as f64,
            questions: &answers.questions,
        },
        &b.options.weights,
    );
    Person {
        name: names.display(id).to_owned(),
        messages: state.group.labels.total(),
        label_mix: label_mix(&state.group.labels),
        after_hours: after_hours(&state.group),
        first_message: state.first,
        last_message: state.last,
        active_days,
        longest_gap_working_days,
        dark_episodes,
        questions: answers.questions,
        response_time: answers.response_time(),
        replies: state.replies,
        silent_replies: state.silent_replies,
        score,
    }
}

/// Gaps of more than `dark_days` working days between a person's active days (and after the
/// last one) during which any of their conversations had messages.
fn dark_episodes(
    b: &HealthBuilder,
    person: &PersonState,
    period: Option<&Period>,
    names: &Names,
) -> Vec<DarkEpisode> {
    let Some(period) = period else {
        return Vec::new();
    };
    let cal = &b.calendar;
    let conversations_active = |after: NaiveDate, before: NaiveDate| {
        person.conversations.iter().any(|c| {
            b.convs[*c as usize]
                .days
                .range(after.succ_opt().unwrap_or(after)..before)
                .next()
                .is_some()
        })
    };
    let days: Vec<NaiveDate> = person.days.keys().copied().collect();
    let mut episodes: Vec<DarkEpisode> = days
        .windows(2)
        .filter(|w| {
            cal.working_days_between(w[0], w[1]) > b.options.dark_days
                && conversations_active(w[0], w[1])
        })
        .map(|w| {
            let opener = &person.days[&w[1]];
            DarkEpisode {
                from: cal.next_working_day(w[0]),
                to: cal.previous_working_day(w[1]),
                working_days: cal.working_days_between(w[0], w[1]),
                came_back: Some(Comeback {
                    date: w[1],
                    label: opener.label.map_or(UNCERTAIN, Label::name).to_owned(),
                    text: names.scrub(&opener.text),
                }),
            }
        })
        .collect();
    if let Some(&last) = days.last() {
        let end = period.last.succ_opt().unwrap_or(period.last);
        let silent = cal.working_days_between(last, end);
        if silent > b.options.dark_days && conversations_active(last, end) {
            episodes.push(DarkEpisode {
                from: cal.next_working_day(last),
                to: cal.previous_working_day(end),
                working_days: silent,
                came_back: None,
            });
        }
    }
    episodes
}

/// Label shares of the second half of the shown weeks against the first half.
fn trend(weeks: &[Week]) -> Option<Trend> {
    let shown: Vec<(&Week, &LabelMix)> = weeks
        .iter()
        .filter_map(|w| w.group.metrics.as_ref().map(|m| (w, &m.label_mix)))
        .collect();
    if shown.len() < 2 {
        return None;
    }
    let (early, late) = shown.split_at(shown.len() / 2);
    let sum = |half: &[(&Week, &LabelMix)]| {
        let mut labels = PerLabel::<u64>::default();
        for (_, mix) in half {
            for label in Label::ALL.map(Some).into_iter().chain([None]) {
                *labels.get_mut(label) += mix.counts.get(label);
            }
        }
        label_mix(&labels).shares
    };
    let (before, after) = (sum(early), sum(late));
    let change = |label: Option<Label>| round3(100.0 * (after.get(label) - before.get(label)));
    Some(Trend {
        first_week: shown[0].0.week.clone(),
        last_week: shown[shown.len() - 1].0.week.clone(),
        change_points: PerLabel {
            proactive: change(Some(Label::Proactive)),
            silent: change(Some(Label::Silent)),
            overstepping: change(Some(Label::Overstepping)),
            aligned: change(Some(Label::Aligned)),
            uncertain: change(None),
        },
    })
}

fn settings(options: &HealthOptions) -> Settings {
    Settings {
        timezone: options.timezone.name().to_owned(),
        working_days: options
            .working_days
            .iter()
            .map(|d| d.to_string().to_lowercase())
            .collect(),
        working_hours: options.working_hours.to_string(),
        dark_days: options.dark_days,
        answer_within_hours: options.answer_within_hours,
        weights: options.weights,
        min_group_size: options.min_group_size,
        pseudonymized: options.pseudonymize.is_some(),
        aggregate_only: options.aggregate_only,
        review_limit: options.review_limit,
    }
}
