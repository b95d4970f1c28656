use std::io::Write;

use super::{
    MIX_NAMES, PERSON_HEADERS, mix_values, percent, period_line, person_cells, response_line,
    score_line,
};
use crate::report::Group;
use crate::{Report, Result};

/// Writes a Markdown report to paste into a wiki: summary, findings, and tables for groups,
/// people, silence, weeks and the overstepping review list.
pub fn render_markdown(report: &Report, mut out: impl Write) -> Result<()> {
    writeln!(out, "# Team communication health\n")?;
    writeln!(out, "> {}\n", report.notice)?;
    writeln!(out, "**Team score: {}**\n", score_line(&report.team))?;
    writeln!(out, "{}\n", period_line(report))?;
    if let Some(line) = response_line(&report.team) {
        writeln!(out, "{line}\n")?;
    }

    writeln!(out, "## Top things to look at\n")?;
    if report.top_findings.is_empty() {
        writeln!(out, "Nothing stands out.")?;
    }
    for (i, finding) in report.top_findings.iter().enumerate() {
        writeln!(out, "{}. {}", i + 1, escape(&finding.text))?;
    }

    writeln!(out, "\n## Label mix\n")?;
    let mut header = vec!["Group", "People", "Messages"];
    header.extend(MIX_NAMES);
    header.push("After hours");
    table_head(&mut out, &header)?;
    for group in std::iter::once(&report.team).chain(&report.conversations) {
        group_row(&mut out, &group.name, group)?;
    }

    if !report.people.is_empty() {
        writeln!(out, "\n## People\n")?;
        table_head(&mut out, &PERSON_HEADERS)?;
        for person in &report.people {
            table_row(&mut out, &person_cells(person))?;
        }
        writeln!(out, "\n### Silence\n")?;
        table_head(
            &mut out,
            &[
                "Person",
                "Dark from",
                "To",
                "Working days",
                "Came back with",
            ],
        )?;
        for person in &report.people {
            for e in &person.dark_episodes {
                let back = e.came_back.as_ref().map_or_else(
                    || "not back yet".to_owned(),
                    |c| format!("{} on {}: “{}”", c.label, c.date, c.text),
                );
                table_row(
                    &mut out,
                    &[
                        person.name.clone(),
                        e.from.to_string(),
                        e.to.to_string(),
                        e.working_days.to_string(),
                        back,
                    ],
                )?;
            }
        }
    }

    writeln!(out, "\n## Weekly trend\n")?;
    let mut header = vec!["Week", "People", "Messages"];
    header.extend(MIX_NAMES);
    header.push("After hours");
    table_head(&mut out, &header)?;
    for week in &report.weeks {
        group_row(&mut out, &week.week, &week.group)?;
    }
    if let Some(trend) = &report.trend {
        let changes: Vec<String> = MIX_NAMES
            .iter()
            .zip(mix_values(&trend.change_points))
            .map(|(name, points)| format!("{name} {points:+.0}"))
            .collect();
        writeln!(
            out,
            "\nChange from the first to the second half of {}–{}, in points: {}.",
            trend.first_week,
            trend.last_week,
            changes.join(", ")
        )?;
    }

    writeln!(out, "\n## Overstepping messages to review\n")?;
    writeln!(
        out,
        "{} overstepping message(s) in all; the {} most confident are listed. {}\n",
        report.review.total,
        report.review.items.len(),
        report.review.notice
    )?;
    if !report.review.items.is_empty() {
        table_head(
            &mut out,
            &["Confidence", "Author", "Time", "Conversation", "Message"],
        )?;
        for item in &report.review.items {
            table_row(
                &mut out,
                &[
                    percent(f64::from(item.confidence)),
                    item.author.clone().unwrap_or_else(|| "–".into()),
                    item.time.map_or_else(
                        || "–".into(),
                        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
                    ),
                    item.conversation.clone().unwrap_or_else(|| "–".into()),
                    item.text.clone(),
                ],
            )?;
        }
    }
    Ok(())
}

fn group_row(out: &mut impl Write, name: &str, group: &Group) -> Result<()> {
    let mut cells = vec![name.to_owned(), group.people.to_string()];
    match (&group.metrics, &group.hidden) {
        (Some(m), _) => {
            cells.push(m.label_mix.total.to_string());
            cells.extend(mix_values(&m.label_mix.shares).map(percent));
            cells.push(percent(m.after_hours.share));
        }
        (None, hidden) => {
            cells.push(hidden.clone().unwrap_or_default());
            cells.extend(std::iter::repeat_n(String::new(), MIX_NAMES.len() + 1));
        }
    }
    table_row(out, &cells)
}

fn table_head(out: &mut impl Write, header: &[&str]) -> Result<()> {
    writeln!(out, "| {} |", header.join(" | "))?;
    writeln!(out, "|{}", " --- |".repeat(header.len()))?;
    Ok(())
}

fn table_row(out: &mut impl Write, cells: &[String]) -> Result<()> {
    let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
    writeln!(out, "| {} |", cells.join(" | "))?;
    Ok(())
}

/// Keeps a cell on one line and its pipes from ending the cell.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}
