use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::{PERSON_HEADERS, mix_summary, period_line, person_cells, response_line, score_line};
use crate::{Report, Result};

/// Writes a terminal summary: team score, the top three things to look at, a per-person table.
pub fn render_table(report: &Report, mut out: impl Write) -> Result<()> {
    writeln!(out, "Team health: {}", score_line(&report.team))?;
    writeln!(out, "{}", period_line(report))?;
    if let Some(m) = &report.team.metrics {
        writeln!(out, "Label mix: {}", mix_summary(&m.label_mix))?;
    }
    if let Some(line) = response_line(&report.team) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(out, "Top things to look at:")?;
    if report.top_findings.is_empty() {
        writeln!(out, "  nothing stands out")?;
    }
    for (i, finding) in report.top_findings.iter().enumerate() {
        writeln!(out, "  {}. {}", i + 1, finding.text)?;
    }
    if !report.people.is_empty() {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(PERSON_HEADERS);
        for person in &report.people {
            table.add_row(person_cells(person));
        }
        for column in table.column_iter_mut().skip(1) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        writeln!(out)?;
        writeln!(out, "{table}")?;
    }
    writeln!(
        out,
        "\n{} overstepping message(s) to review{}.",
        report.review.total,
        if report.review.items.is_empty() {
            ""
        } else {
            " (see the JSON, Markdown or HTML report)"
        }
    )?;
    writeln!(out, "{}", report.notice)?;
    Ok(())
}
