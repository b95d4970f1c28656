//! `cadence health`: how a team communicates, from an export or from `classify` output.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use cadence_health::{
    CsvTable, HealthBuilder, HealthOptions, Report, ScoreWeights, WorkingHours, parse_timezone,
    parse_working_days, render_csv, render_html, render_json, render_markdown, render_table,
};
use cadence_taxonomy::{Classification, Message};

use crate::classify::describe_inputs;
use crate::input::{InputArgs, Reader};
use crate::models::ModelArgs;
use crate::output::Destination;
use crate::{Outcome, progress};

const BATCH: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HealthFormat {
    /// A terminal summary: team score, the top three things to look at, a table per person.
    Table,
    /// Every metric, following schema/report.schema.json.
    Json,
    /// One table (see --csv-table).
    Csv,
    /// A report to paste into a wiki.
    Markdown,
    /// One self-contained page with charts.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvTableArg {
    /// One row per person.
    People,
    /// One row per ISO week.
    Weeks,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Records that `cadence classify` already labelled are not classified again.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Report format [default: by --output's extension, else a table].
    #[arg(long, value_enum)]
    pub format: Option<HealthFormat>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Which table --format csv writes.
    #[arg(long, value_enum, default_value_t = CsvTableArg::People)]
    pub csv_table: CsvTableArg,
    /// The team's IANA timezone: days, weeks and working hours are judged in it.
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    pub timezone: String,
    /// Working days, as a range or a list.
    #[arg(long, default_value = "mon-fri", value_name = "DAYS")]
    pub working_days: String,
    /// Working hours of a working day, local time.
    #[arg(long, default_value = "09:00-18:00", value_name = "HH:MM-HH:MM")]
    pub working_hours: String,
    /// Working days without a message, while one's conversations are active, that count as
    /// going dark.
    #[arg(long, default_value_t = HealthOptions::default().dark_days, value_name = "DAYS")]
    pub dark_days: u32,
    /// Working hours after which a question to someone counts as unanswered.
    #[arg(long, default_value_t = HealthOptions::default().answer_within_hours, value_name = "HOURS")]
    pub answer_within_hours: f64,
    /// Hide any team, conversation or week figure built from fewer people than this.
    #[arg(long, default_value_t = HealthOptions::default().min_group_size, value_name = "N")]
    pub min_group_size: usize,
    /// Replace names with stable aliases, keyed by SALT (a random one if none is given,
    /// so aliases then differ from run to run).
    #[arg(long, value_name = "SALT", num_args = 0..=1, default_missing_value = "")]
    pub pseudonymize: Option<String>,
    /// Leave out everything per person.
    #[arg(long)]
    pub aggregate_only: bool,
    /// Most overstepping messages listed for review.
    #[arg(long, default_value_t = HealthOptions::default().review_limit, value_name = "N")]
    pub review_limit: usize,
    /// Weight of the share of proactive and aligned messages in the score.
    #[arg(long, default_value_t = ScoreWeights::default().engagement, value_name = "W")]
    pub weight_engagement: f64,
    /// Weight of few overstepping messages in the score.
    #[arg(long, default_value_t = ScoreWeights::default().boundaries, value_name = "W")]
    pub weight_boundaries: f64,
    /// Weight of few "went dark" episodes in the score.
    #[arg(long, default_value_t = ScoreWeights::default().presence, value_name = "W")]
    pub weight_presence: f64,
    /// Weight of questions answered in time in the score.
    #[arg(long, default_value_t = ScoreWeights::default().responsiveness, value_name = "W")]
    pub weight_responsiveness: f64,
}

impl Args {
    fn options(&self) -> Result<HealthOptions> {
        Ok(HealthOptions {
            timezone: parse_timezone(&self.timezone)?,
            working_days: parse_working_days(&self.working_days)?,
            working_hours: self.working_hours.parse::<WorkingHours>()?,
            dark_days: self.dark_days,
            answer_within_hours: self.answer_within_hours,
            weights: ScoreWeights {
                engagement: self.weight_engagement,
                boundaries: self.weight_boundaries,
                presence: self.weight_presence,
                responsiveness: self.weight_responsiveness,
            },
            min_group_size: self.min_group_size,
            pseudonymize: self.pseudonymize.as_ref().map(|salt| {
                if salt.is_empty() {
                    random_salt()
                } else {
                    salt.clone()
                }
            }),
            aggregate_only: self.aggregate_only,
            review_limit: self.review_limit,
        })
    }

    fn format(&self) -> HealthFormat {
        self.format.unwrap_or_else(|| {
            let extension = self
                .output
                .as_deref()
                .and_then(Path::extension)
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            match extension.as_deref() {
                Some("json") => HealthFormat::Json,
                Some("csv") => HealthFormat::Csv,
                Some("md" | "markdown") => HealthFormat::Markdown,
                Some("html" | "htm") => HealthFormat::Html,
                _ => HealthFormat::Table,
            }
        })
    }
}

/// 128 bits from the standard library's randomly seeded hasher: enough for a salt that is
/// never written anywhere.
fn random_salt() -> String {
    let state = std::collections::hash_map::RandomState::new();
    let half = |n: u64| {
        let mut hasher = state.build_hasher();
        hasher.write_u64(n);
        hasher.finish()
    };
    format!("{:016x}{:016x}", half(1), half(2))
}

pub fn run(args: Args) -> Result<Outcome> {
    let mut builder = HealthBuilder::new(args.options()?)?;
    let mut reader = Reader::open(&args.input);
    let mut model = None;
    let mut messages = 0u64;
    let bar = progress::spinner("reading");
    loop {
        let batch = reader.next_batch(BATCH);
        if batch.messages.is_empty() && batch.error.is_none() {
            break;
        }
        messages += batch.messages.len() as u64;
        bar.inc(batch.messages.len() as u64);
        // Records from `cadence classify` carry their labels; only the rest are classified.
        let (labelled, unlabelled): (Vec<_>, Vec<_>) = batch
            .messages
            .into_iter()
            .map(|mut message| {
                let known = Classification::from_fields(&message.extra);
                if known.is_some() {
                    for field in ["label", "confidence", "scores", "explanation"] {
                        message.extra.shift_remove(field);
                    }
                }
                (message, known)
            })
            .partition(|(_, known)| known.is_some());
        for (message, known) in &labelled {
            builder.push(message, known.as_ref().expect("partitioned on it"));
        }
        if !unlabelled.is_empty() {
            let model = match &mut model {
                Some(model) => model,
                None => model.insert(args.model.source.load()?),
            };
            let unlabelled: Vec<Message> = unlabelled.into_iter().map(|(m, _)| m).collect();
            let scores = model
                .classifier
                .predict_batch(&unlabelled, |m| (m.text.as_str(), m.context.as_deref()));
            for (message, scores) in unlabelled.iter().zip(scores) {
                builder.push(
                    message,
                    &Classification::from_scores(scores, args.model.threshold),
                );
            }
        }
        if let Some(error) = batch.error {
            bar.finish_and_clear();
            return Err(error);
        }
    }
    bar.finish_and_clear();
    if messages == 0 {
        reader.finish();
        bail!(
            "no messages to report on in {}",
            describe_inputs(&args.input)
        );
    }
    let report = builder.finish();
    write_report(&report, &args)?;
    Ok(reader.finish())
}

fn write_report(report: &Report, args: &Args) -> Result<()> {
    let mut destination = Destination::open(args.output.as_deref())?;
    let out = destination.writer();
    match args.format() {
        HealthFormat::Table => render_table(report, out)?,
        HealthFormat::Json => render_json(report, out)?,
        HealthFormat::Markdown => render_markdown(report, out)?,
        HealthFormat::Html => render_html(report, out)?,
        HealthFormat::Csv => {
            let table = match args.csv_table {
                CsvTableArg::People => CsvTable::People,
                CsvTableArg::Weeks => CsvTable::Weeks,
            };
            render_csv(report, table, out)?;
        }
    }
    destination.commit()
}
