//! Writes every format of the team fixture's report into a folder, classifying each message
//! with its gold label: `cargo run -p cadence-health --example fixture_report -- OUT_DIR`.

use std::fs::File;
use std::path::PathBuf;

use cadence_chatlog::{Input, ReadOptions, read_inputs};
use cadence_health::{
    CsvTable, HealthBuilder, HealthOptions, render_csv, render_html, render_json, render_markdown,
    render_table,
};
use cadence_taxonomy::{Classification, Label};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: fixture_report OUT_DIR")?,
    );
    std::fs::create_dir_all(&out)?;
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/team/messages.jsonl");
    let mut builder = HealthBuilder::new(HealthOptions::default())?;
    for message in read_inputs(&[Input::Path(fixture)], &ReadOptions::default()) {
        let message = message?;
        let label: Label = message.extra["expected_label"]
            .as_str()
            .ok_or("no expected_label")?
            .parse()?;
        let mut scores = [0.02; Label::COUNT];
        scores[label.index()] = 0.94;
        builder.push(&message, &Classification::from_scores(scores, 0.5));
    }
    let report = builder.finish();
    render_table(&report, File::create(out.join("report.txt"))?)?;
    render_json(&report, File::create(out.join("report.json"))?)?;
    render_markdown(&report, File::create(out.join("report.md"))?)?;
    render_html(&report, File::create(out.join("report.html"))?)?;
    for table in CsvTable::ALL {
        render_csv(&report, table, File::create(out.join(table.file_name()))?)?;
    }
    Ok(())
}
