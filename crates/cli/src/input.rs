//! Reading messages for a command: the input options every reading command shares, and the
//! `--on-error` policy.

use anyhow::Error;
use cadence_chatlog::{
    DateOrder, Format, Input, Limits, Message, MessageStream, ReadOptions, read_inputs,
};

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Files, folders or .zip exports to read; `-` (or nothing) reads standard input.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Read the inputs as this format instead of detecting it.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser())]
    pub input_format: Option<Format>,
    /// CSV column holding the message text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_column: String,
    /// CSV column holding the message answered [default: `context`, if present].
    #[arg(long, value_name = "NAME")]
    pub context_column: Option<String>,
    /// Keep messages written by bots (skipped by default).
    #[arg(long)]
    pub include_bots: bool,
    /// What to do with a record that cannot be read: stop, or report it and go on.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    pub on_error: OnError,
    /// Day and month order of WhatsApp dates such as 03/04/24.
    #[arg(long, value_enum, default_value_t = DateOrderArg::Auto)]
    pub date_order: DateOrderArg,
    /// UTC offset of exports whose times carry no zone (WhatsApp), e.g. +02:00 or -05:30.
    #[arg(long, default_value = "+00:00", value_name = "OFFSET", value_parser = parse_utc_offset, allow_hyphen_values = true)]
    pub utc_offset: i32,
    /// Where a format has no reply links (WhatsApp, Discord CSV), a message within this many
    /// minutes after another author's question is taken as its answer.
    #[arg(long, default_value_t = ReadOptions::default().reply_window_minutes, value_name = "MINUTES")]
    pub reply_window: u32,
    /// Most bytes a .zip export may decompress to.
    #[arg(long, default_value_t = Limits::default().max_unzipped_bytes, value_name = "BYTES")]
    pub max_unzipped_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    /// Stop at the first bad record (what was read before it is still written).
    Fail,
    /// Report bad records on stderr, skip them, and exit with code 3.
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrderArg {
    /// Inferred from all the dates of the file.
    Auto,
    /// D/M/Y.
    DayFirst,
    /// M/D/Y.
    MonthFirst,
}

/// The format names `--input-format` takes, listed in `--help` and in its errors.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(Format::ALL.map(Format::name)).map(|name| {
        name.parse::<Format>()
            .expect("only names of formats are possible")
    })
}

/// `+02:00`, `-05:30` or `0` as minutes ahead of UTC.
fn parse_utc_offset(text: &str) -> Result<i32, String> {
    let invalid = || format!("{text:?} is not a UTC offset such as +02:00 or -05:30");
    if text == "0" || text == "Z" {
        return Ok(0);
    }
    let (sign, rest) = match text.split_at_checked(1) {
        Some(("+", rest)) => (1, rest),
        Some(("-", rest)) => (-1, rest),
        _ => return Err(invalid()),
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let hours: i32 = hours.parse().map_err(|_| invalid())?;
    let minutes: i32 = minutes.parse().map_err(|_| invalid())?;
    if hours > 14 || minutes >= 60 {
        return Err(invalid());
    }
    Ok(sign * (hours * 60 + minutes))
}

impl InputArgs {
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            format: self.input_format,
            text_column: self.text_column.clone(),
            context_column: self.context_column.clone(),
            include_bots: self.include_bots,
            date_order: match self.date_order {
                DateOrderArg::Auto => DateOrder::Auto,
                DateOrderArg::DayFirst => DateOrder::DayFirst,
                DateOrderArg::MonthFirst => DateOrder::MonthFirst,
            },
            utc_offset_minutes: self.utc_offset,
            reply_window_minutes: self.reply_window,
            limits: Limits {
                max_unzipped_bytes: self.max_unzipped_bytes,
                ..Limits::default()
            },
        }
    }

    pub fn inputs(&self) -> Vec<Input> {
        if self.inputs.is_empty() {
            vec![Input::Stdin]
        } else {
            self.inputs.iter().map(|arg| Input::parse(arg)).collect()
        }
    }
}

/// Messages in batches, applying the `--on-error` policy.
pub struct Reader {
    stream: MessageStream,
    on_error: OnError,
    messages: u64,
    skipped_records: u64,
}

/// One batch of messages, and the error that ended reading, if one did.
pub struct Batch {
    pub messages: Vec<Message>,
    pub error: Option<Error>,
}

impl Reader {
    pub fn open(args: &InputArgs) -> Self {
        Reader {
            stream: read_inputs(&args.inputs(), &args.read_options()),
            on_error: args.on_error,
            messages: 0,
            skipped_records: 0,
        }
    }

    /// Up to `size` messages; an empty batch with no error means the end.
    pub fn next_batch(&mut self, size: usize) -> Batch {
        let mut messages = Vec::with_capacity(size.min(1 << 16));
        while messages.len() < size {
            match self.stream.next() {
                None => break,
                Some(Ok(message)) => messages.push(message),
                Some(Err(error)) => match self.on_error {
                    OnError::Fail => {
                        self.messages += messages.len() as u64;
                        return Batch {
                            messages,
                            error: Some(error.into()),
                        };
                    }
                    OnError::Skip => {
                        self.skipped_records += 1;
                        report(&format!("skipped: {error}"));
                    }
                },
            }
        }
        self.messages += messages.len() as u64;
        Batch {
            messages,
            error: None,
        }
    }

    /// Reports what was skipped on stderr and says whether the run was complete.
    pub fn finish(self) -> Outcome {
        let summary = self.stream.summary();
        const SHOWN: usize = 20;
        for warning in summary.warnings.iter().take(SHOWN) {
            report(&format!("warning: {warning}"));
        }
        if summary.warnings.len() > SHOWN {
            report(&format!(
                "... and {} more warnings",
                summary.warnings.len() - SHOWN
            ));
        }
        let mut skipped = Vec::new();
        if summary.skipped_bots > 0 {
            skipped.push(format!(
                "{} bot messages (--include-bots keeps them)",
                summary.skipped_bots
            ));
        }
        if summary.skipped_system > 0 {
            skipped.push(format!("{} system messages", summary.skipped_system));
        }
        if self.skipped_records > 0 {
            skipped.push(format!("{} bad records", self.skipped_records));
        }
        if !skipped.is_empty() {
            report(&format!(
                "read {} messages; skipped {}",
                self.messages,
                skipped.join(", ")
            ));
        }
        if self.skipped_records > 0 {
            Outcome::Partial
        } else {
            Outcome::Complete
        }
    }
}

#[allow(clippy::print_stderr)]
pub fn report(line: &str) {
    eprintln!("cadence: {line}");
}

#[cfg(test)]
mod tests {
    use super::parse_utc_offset;

    #[test]
    fn utc_offsets() {
        assert_eq!(parse_utc_offset("+02:00"), Ok(120));
        assert_eq!(parse_utc_offset("-05:30"), Ok(-330));
        assert_eq!(parse_utc_offset("+9"), Ok(540));
        assert_eq!(parse_utc_offset("0"), Ok(0));
        assert!(parse_utc_offset("2h").is_err());
        assert!(parse_utc_offset("+15:00").is_err());
    }
}
