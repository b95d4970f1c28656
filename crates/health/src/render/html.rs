//! One self-contained HTML page: inline CSS and SVG, no scripts, nothing from the network.

use std::io::Write;

use chrono::{Datelike, NaiveDate, Weekday};

use super::{
    MIX_NAMES, PERSON_HEADERS, hours, mix_values, percent, period_line, person_cells, response_line,
};
use crate::findings::date_range;
use crate::report::{Group, LabelMix, Person, Report, Score, Week};
use crate::{Result, TOP_FINDINGS};

/// Fill colours of proactive, silent, overstepping, aligned and uncertain.
const COLORS: [&str; 5] = ["#2a9d8f", "#e9b949", "#e15a46", "#3d7cc9", "#b7bec9"];

/// Drawing width of every chart, in SVG units (the page is 1200px wide at most).
const CHART_WIDTH: f64 = 1100.0;
/// Width of the name column left of a chart.
const NAME_WIDTH: f64 = 150.0;

const STYLE: &str = r#"
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#fff; --accent:#3d7cc9; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 32px 40px 48px; }
header h1 { margin: 0; font-size: 28px; letter-spacing: -0.01em; }
header p { margin: 4px 0 0; color: var(--muted); }
h2 { font-size: 18px; margin: 0 0 12px; }
.notice { margin: 20px 0; padding: 12px 16px; background: #fff8e6; border-left: 4px solid #e9b949;
  border-radius: 4px; color: #5c4813; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 20px 24px; margin-top: 20px; box-shadow: 0 1px 2px rgba(31,41,51,.04); }
.summary { display: grid; grid-template-columns: 460px 1fr; gap: 20px; }
.summary .card { margin-top: 0; }
.score { display: flex; gap: 20px; align-items: center; }
.score .parts { flex: 1; font-size: 13px; }
.part { display: grid; grid-template-columns: 104px 1fr 92px; gap: 10px; align-items: center; margin: 8px 0; }
.part .bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; }
.part .bar span { display: block; height: 100%; background: var(--accent); }
.part .pts { text-align: right; color: var(--muted); font-variant-numeric: tabular-nums; }
.findings ol { margin: 0; padding-left: 22px; }
.findings li { margin: 8px 0; }
.stats { color: var(--muted); font-size: 13px; margin-top: 12px; }
.legend { display: flex; flex-wrap: wrap; gap: 18px; margin: 0 0 10px; font-size: 13px; color: var(--muted); }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; border-radius: 3px;
  margin-right: 6px; vertical-align: -2px; background: var(--swatch); }
.legend .dark::before { background: rgba(225,90,70,.18); border: 1px solid #e15a46; }
.legend .off::before { background: #eef1f4; }
.legend .active::before { background: #334e68; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; fill: var(--ink); }
svg .axis { fill: var(--muted); font-size: 11px; }
svg .name { font-size: 13px; }
svg .inside { fill: #fff; font-size: 11px; font-weight: 600; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: right;
  font-variant-numeric: tabular-nums; }
th { color: var(--muted); font-weight: 600; background: #fafbfc; }
th:first-child, td:first-child { text-align: left; }
td.text, th.text { text-align: left; }
.hidden { color: var(--muted); font-style: italic; }
#review td { vertical-align: top; }
#review td:first-child { white-space: nowrap; }
#review td:last-child { max-width: 560px; }
.note { color: var(--muted); font-size: 13px; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
"#;

/// Writes the report as one self-contained HTML page with SVG charts: label mix per person,
/// the weekly trend, a silence timeline per person and the overstepping review list.
pub fn render_html(report: &Report, mut out: impl Write) -> Result<()> {
    let mut page = String::new();
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str("<title>Team communication health</title>\n<style>");
    page.push_str(STYLE);
    page.push_str("</style>\n</head>\n<body>\n<main>\n");
    page.push_str(&format!(
        "<header><h1>Team communication health</h1><p>{}</p></header>\n",
        escape(&period_line(report))
    ));
    page.push_str(&format!(
        "<p class=\"notice\"><strong>Read with care.</strong> {}</p>\n",
        escape(&report.notice)
    ));
    page.push_str(&summary(report));
    page.push_str(&label_mix_section(report));
    page.push_str(&trend_section(&report.weeks));
    if !report.people.is_empty() {
        page.push_str(&timeline_section(report));
        page.push_str(&people_section(&report.people));
    }
    page.push_str(&groups_section(report));
    page.push_str(&review_section(report));
    page.push_str(&format!(
        "<footer>cadence-health · report schema v{} · timezone {} · working days {} · working hours {}</footer>\n",
        report.schema_version,
        escape(&report.settings.timezone),
        escape(&report.settings.working_days.join(", ")),
        escape(&report.settings.working_hours),
    ));
    page.push_str("</main>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())?;
    Ok(())
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn legend() -> String {
    let items: String = MIX_NAMES
        .iter()
        .zip(COLORS)
        .map(|(name, color)| format!("<span style=\"--swatch:{color}\">{name}</span>"))
        .collect();
    format!("<div class=\"legend\">{items}</div>\n")
}

fn score_color(value: f64) -> &'static str {
    if value >= 75.0 {
        "#2a9d8f"
    } else if value >= 50.0 {
        "#e9b949"
    } else {
        "#e15a46"
    }
}

fn summary(report: &Report) -> String {
    let team = &report.team;
    let score_card = match team.metrics.as_ref().and_then(|m| m.score.as_ref()) {
        Some(score) => score_gauge(score),
        None => format!(
            "<p class=\"note\">Team score {}</p>",
            escape(team.hidden.as_deref().unwrap_or("not computed"))
        ),
    };
    let findings: String = report
        .top_findings
        .iter()
        .take(TOP_FINDINGS)
        .map(|f| format!("<li>{}</li>", escape(&f.text)))
        .collect();
    let findings = if findings.is_empty() {
        "<p>Nothing stands out.</p>".to_owned()
    } else {
        format!("<ol>{findings}</ol>")
    };
    let stats = response_line(team)
        .map(|line| format!("<p class=\"stats\">{}</p>", escape(&line)))
        .unwrap_or_default();
    format!(
        "<section class=\"summary\">\n<div class=\"card\"><h2>Team score</h2>{score_card}</div>\n\
         <div class=\"card findings\"><h2>Top things to look at</h2>{findings}{stats}</div>\n</section>\n"
    )
}

/// A ring gauge with the score in the middle, and one bar per component.
fn score_gauge(score: &Score) -> String {
    let circumference = 2.0 * std::f64::consts::PI * 44.0;
    let filled = circumference * score.value / 100.0;
    let color = score_color(score.value);
    let parts: String = score
        .components
        .iter()
        .map(|c| {
            let value = c.value.map_or("n/a".to_owned(), percent);
            format!(
                "<div class=\"part\" title=\"weight {:.2}\"><span>{}</span><div class=\"bar\"><span style=\"width:{:.1}%\"></span></div><span class=\"pts\">{} · +{:.1}</span></div>",
                c.weight,
                escape(&c.name),
                100.0 * c.value.unwrap_or(0.0),
                value,
                c.points
            )
        })
        .collect();
    format!(
        "<div class=\"score\"><svg id=\"score-gauge\" viewBox=\"0 0 110 110\" width=\"110\" height=\"110\" style=\"width:110px\" role=\"img\" aria-label=\"Team score {value:.0} of 100\">\
         <circle cx=\"55\" cy=\"55\" r=\"44\" fill=\"none\" stroke=\"#e4e7eb\" stroke-width=\"12\"/>\
         <circle cx=\"55\" cy=\"55\" r=\"44\" fill=\"none\" stroke=\"{color}\" stroke-width=\"12\" stroke-linecap=\"round\" \
         stroke-dasharray=\"{filled:.1} {circumference:.1}\" transform=\"rotate(-90 55 55)\"/>\
         <text x=\"55\" y=\"62\" text-anchor=\"middle\" font-size=\"26\" font-weight=\"700\">{value:.0}</text>\
         <text x=\"55\" y=\"80\" text-anchor=\"middle\" class=\"axis\">of 100</text></svg>\
         <div class=\"parts\">{parts}<p class=\"note\">Component value · points added to the score</p></div></div>",
        value = score.value
    )
}

/// Stacked horizontal bars, one per person (or per conversation when aggregate-only).
fn label_mix_section(report: &Report) -> String {
    let (title, rows): (&str, Vec<(&str, &LabelMix)>) = if report.people.is_empty() {
        (
            "Label mix per conversation",
            report
                .conversations
                .iter()
                .filter_map(|g| g.metrics.as_ref().map(|m| (g.name.as_str(), &m.label_mix)))
                .collect(),
        )
    } else {
        (
            "Label mix per person",
            report
                .people
                .iter()
                .map(|p| (p.name.as_str(), &p.label_mix))
                .collect(),
        )
    };
    if rows.is_empty() {
        return String::new();
    }
    let row_height = 30.0;
    let bar_width = CHART_WIDTH - NAME_WIDTH - 70.0;
    let height = row_height * rows.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg id=\"label-mix\" class=\"chart\" viewBox=\"0 0 {CHART_WIDTH} {height}\" role=\"img\" aria-label=\"{title}\">\n"
    );
    for (i, (name, mix)) in rows.iter().enumerate() {
        let y = 5.0 + row_height * i as f64;
        svg.push_str(&format!(
            "<text class=\"name\" x=\"0\" y=\"{:.1}\">{}</text>\n",
            y + 16.0,
            escape(name)
        ));
        let mut x = NAME_WIDTH;
        for ((label, share), color) in MIX_NAMES.iter().zip(mix_values(&mix.shares)).zip(COLORS) {
            let width = bar_width * share;
            if width <= 0.0 {
                continue;
            }
            svg.push_str(&format!(
                "<rect class=\"bar {label}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"22\" fill=\"{color}\"><title>{label}: {}</title></rect>\n",
                percent(share)
            ));
            if width >= 34.0 {
                svg.push_str(&format!(
                    "<text class=\"inside\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                    x + width / 2.0,
                    y + 15.0,
                    percent(share)
                ));
            }
            x += width;
        }
        svg.push_str(&format!(
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\">{} msgs</text>\n",
            NAME_WIDTH + bar_width + 8.0,
            y + 15.0,
            mix.total
        ));
    }
    svg.push_str("</svg>\n");
    format!(
        "<section class=\"card\"><h2>{title}</h2>{}{svg}</section>\n",
        legend()
    )
}

/// One line per label: its share of each shown week's messages.
fn trend_section(weeks: &[Week]) -> String {
    let shown: Vec<(&Week, &LabelMix)> = weeks
        .iter()
        .filter_map(|w| w.group.metrics.as_ref().map(|m| (w, &m.label_mix)))
        .collect();
    if shown.is_empty() {
        return "<section class=\"card\"><h2>Weekly trend</h2><p class=\"note\">Every week is hidden: too few people.</p></section>\n".to_owned();
    }
    let (left, top, plot_w, plot_h) = (50.0, 12.0, CHART_WIDTH - 80.0, 220.0);
    let step = if shown.len() > 1 {
        plot_w / (shown.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| left + step * i as f64 + if shown.len() == 1 { plot_w / 2.0 } else { 0.0 };
    let y = |share: f64| top + plot_h * (1.0 - share);
    let mut svg = format!(
        "<svg id=\"weekly-trend\" class=\"chart\" viewBox=\"0 0 {CHART_WIDTH} {:.0}\" role=\"img\" aria-label=\"Label share per week\">\n",
        top + plot_h + 40.0
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e4e7eb\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            left + plot_w,
            y(tick),
            y(tick),
            left - 8.0,
            y(tick) + 4.0,
            percent(tick)
        ));
    }
    // Every k-th week gets a label, so that labels never overlap.
    let every = label_stride(shown.len(), plot_w, 80.0);
    for (i, (week, mix)) in shown.iter().enumerate().step_by(every) {
        svg.push_str(&format!(
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{} · {}</text>\n",
            x(i),
            top + plot_h + 20.0,
            week.starts.format("%b %-d"),
            mix.total
        ));
    }
    for (label_index, (label, color)) in MIX_NAMES.iter().zip(COLORS).enumerate() {
        let points: Vec<(f64, f64)> = shown
            .iter()
            .enumerate()
            .map(|(i, (_, mix))| (x(i), y(mix_values(&mix.shares)[label_index])))
            .collect();
        let path: Vec<String> = points
            .iter()
            .map(|(px, py)| format!("{px:.1},{py:.1}"))
            .collect();
        let dash = if *label == "uncertain" {
            " stroke-dasharray=\"5 4\""
        } else {
            ""
        };
        svg.push_str(&format!(
            "<polyline class=\"trend {label}\" points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\"{dash}/>\n",
            path.join(" ")
        ));
        for (px, py) in points {
            svg.push_str(&format!(
                "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3.5\" fill=\"{color}\"/>\n"
            ));
        }
    }
    svg.push_str("</svg>\n");
    format!(
        "<section class=\"card\"><h2>Weekly trend</h2>{}<p class=\"note\">Share of each week's messages by label; under each week: its Monday and message count.</p>{svg}</section>\n",
        legend()
    )
}

/// One row per person across the days of the period: active days, non-working days and dark
/// episodes.
fn timeline_section(report: &Report) -> String {
    let Some(period) = &report.period else {
        return String::new();
    };
    let working: Vec<Weekday> = report
        .settings
        .working_days
        .iter()
        .filter_map(|d| d.parse().ok())
        .collect();
    let days: Vec<NaiveDate> = period
        .first
        .iter_days()
        .take_while(|d| *d <= period.last)
        .collect();
    let plot_w = CHART_WIDTH - NAME_WIDTH - 10.0;
    let day_w = plot_w / days.len() as f64;
    let (top, row_h) = (24.0, 26.0);
    let height = top + row_h * report.people.len() as f64 + 6.0;
    let x = |date: NaiveDate| NAME_WIDTH + day_w * (date - period.first).num_days() as f64;
    let mut svg = format!(
        "<svg id=\"silence-timeline\" class=\"chart\" viewBox=\"0 0 {CHART_WIDTH} {height:.0}\" role=\"img\" aria-label=\"Silence timeline\">\n"
    );
    let every_monday = label_stride(days.len().div_ceil(7), plot_w, 56.0);
    let mut mondays = 0;
    for &day in &days {
        if !working.contains(&day.weekday()) {
            svg.push_str(&format!(
                "<rect class=\"off\" x=\"{:.1}\" y=\"{top}\" width=\"{day_w:.1}\" height=\"{:.1}\" fill=\"#eef1f4\"/>\n",
                x(day),
                height - top - 6.0
            ));
        }
        if day.weekday() == Weekday::Mon {
            mondays += 1;
        }
        if day.weekday() == Weekday::Mon && (mondays - 1) % every_monday == 0 {
            svg.push_str(&format!(
                "<text class=\"axis\" x=\"{:.1}\" y=\"14\">{}</text>\n",
                x(day) + 1.0,
                day.format("%b %-d")
            ));
        }
    }
    for (i, person) in report.people.iter().enumerate() {
        let y = top + row_h * i as f64;
        svg.push_str(&format!(
            "<text class=\"name\" x=\"0\" y=\"{:.1}\">{}</text>\n<line x1=\"{NAME_WIDTH}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e4e7eb\"/>\n",
            y + 17.0,
            escape(&person.name),
            NAME_WIDTH + plot_w,
            y + row_h,
            y + row_h
        ));
        for episode in &person.dark_episodes {
            let width = x(episode.to) + day_w - x(episode.from);
            let back = episode
                .came_back
                .as_ref()
                .map_or("not back yet".to_owned(), |c| {
                    format!("came back {}", c.label)
                });
            svg.push_str(&format!(
                "<rect class=\"dark\" x=\"{:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"rgba(225,90,70,.18)\" stroke=\"#e15a46\"><title>dark {}: {} working days, {back}</title></rect>\n",
                x(episode.from),
                y + 3.0,
                row_h - 6.0,
                date_range(episode.from, episode.to),
                episode.working_days
            ));
            svg.push_str(&format!(
                "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" style=\"fill:#b03a2a\">{} working days dark</text>\n",
                x(episode.from) + width / 2.0,
                y + 17.0,
                episode.working_days
            ));
        }
        for &day in &person.active_days {
            svg.push_str(&format!(
                "<rect class=\"active\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"2\" fill=\"#334e68\"/>\n",
                x(day) + 1.5,
                y + 7.0,
                (day_w - 3.0).max(1.0),
                row_h - 14.0
            ));
        }
    }
    svg.push_str("</svg>\n");
    format!(
        "<section class=\"card\"><h2>Silence timeline</h2><div class=\"legend\"><span class=\"active\">posted that day</span><span class=\"dark\">went dark (more than {} working days without a message while their conversations went on)</span><span class=\"off\">non-working day</span></div>{svg}</section>\n",
        report.settings.dark_days
    )
}

/// Labelling every k-th of `count` ticks spread over `width` keeps `room` units per label.
fn label_stride(count: usize, width: f64, room: f64) -> usize {
    ((count as f64 * room / width).ceil() as usize).max(1)
}

fn table(id: &str, headers: &[&str], rows: &[Vec<String>], text_columns: &[usize]) -> String {
    let class = |i: usize| {
        if text_columns.contains(&i) {
            " class=\"text\""
        } else {
            ""
        }
    };
    let head: String = headers
        .iter()
        .enumerate()
        .map(|(i, h)| format!("<th{}>{}</th>", class(i), escape(h)))
        .collect();
    // A short row's last cell spans the remaining columns (a hidden group's note).
    let body: String = rows
        .iter()
        .map(|row| {
            let cells: String = row
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let span = if i + 1 == row.len() && row.len() < headers.len() {
                        format!(
                            " colspan=\"{}\" style=\"text-align:left\"",
                            headers.len() - i
                        )
                    } else {
                        String::new()
                    };
                    format!("<td{}{span}>{c}</td>", class(i))
                })
                .collect();
            format!("<tr>{cells}</tr>\n")
        })
        .collect();
    format!("<table id=\"{id}\"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table>\n")
}

fn people_section(people: &[Person]) -> String {
    let mut headers = PERSON_HEADERS.to_vec();
    headers.push("Median response");
    let rows: Vec<Vec<String>> = people
        .iter()
        .map(|p| {
            let mut cells: Vec<String> = person_cells(p).iter().map(|c| escape(c)).collect();
            cells[1] = format!(
                "<strong style=\"color:{}\">{}</strong>",
                score_color(p.score.value),
                cells[1]
            );
            cells.push(hours(p.response_time.median_hours));
            cells
        })
        .collect();
    format!(
        "<section class=\"card\"><h2>People</h2>{}<p class=\"note\">Longest gap in working days; unanswered: questions not answered within the window, of the questions judged.</p></section>\n",
        table("people", &headers, &rows, &[])
    )
}

fn groups_section(report: &Report) -> String {
    let mut headers = vec!["Group", "People", "Messages"];
    headers.extend(MIX_NAMES);
    headers.push("After hours");
    let row = |group: &Group| -> Vec<String> {
        let mut cells = vec![escape(&group.name), group.people.to_string()];
        match &group.metrics {
            Some(m) => {
                cells.push(m.label_mix.total.to_string());
                cells.extend(mix_values(&m.label_mix.shares).map(percent));
                cells.push(percent(m.after_hours.share));
            }
            None => cells.push(format!(
                "<span class=\"hidden\">{}</span>",
                escape(group.hidden.as_deref().unwrap_or("hidden"))
            )),
        }
        cells
    };
    let rows: Vec<Vec<String>> = std::iter::once(&report.team)
        .chain(&report.conversations)
        .map(row)
        .collect();
    format!(
        "<section class=\"card\"><h2>Team and conversations</h2>{}</section>\n",
        table("groups", &headers, &rows, &[])
    )
}

fn review_section(report: &Report) -> String {
    let review = &report.review;
    let intro = format!(
        "<p class=\"notice\">{} overstepping message(s) in all; the {} most confident are listed for a lead to read. {}</p>",
        review.total,
        review.items.len(),
        escape(&review.notice)
    );
    if review.items.is_empty() {
        return format!(
            "<section class=\"card\"><h2>Overstepping messages to review</h2>{intro}</section>\n"
        );
    }
    let rows: Vec<Vec<String>> = review
        .items
        .iter()
        .map(|item| {
            let confidence = f64::from(item.confidence);
            vec![
                format!(
                    "<svg class=\"confidence\" viewBox=\"0 0 60 10\" width=\"60\" height=\"10\" style=\"width:60px;display:inline-block;vertical-align:middle\"><rect width=\"60\" height=\"10\" rx=\"3\" fill=\"#e4e7eb\"/><rect width=\"{:.1}\" height=\"10\" rx=\"3\" fill=\"#e15a46\"/></svg> {}",
                    60.0 * confidence,
                    percent(confidence)
                ),
                escape(item.author.as_deref().unwrap_or("–")),
                item.time
                    .map_or("–".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string()),
                escape(item.conversation.as_deref().unwrap_or("–")),
                escape(&item.text),
            ]
        })
        .collect();
    let table = table(
        "review",
        &[
            "Confidence",
            "Author",
            "Time (UTC)",
            "Conversation",
            "Message",
        ],
        &rows,
        &[1, 2, 3, 4],
    );
    format!(
        "<section class=\"card\"><h2>Overstepping messages to review</h2>{intro}{table}</section>\n"
    )
}
