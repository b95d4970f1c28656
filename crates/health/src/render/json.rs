use std::io::Write;

use crate::{Report, Result};

/// Writes the report as pretty-printed JSON following `schema/report.schema.json`.
pub fn render_json(report: &Report, mut out: impl Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut out, report)?;
    writeln!(out)?;
    Ok(())
}
