//! `cadence`: reads exported team chat, labels every message with one of four behaviours of
//! autonomous work, and reports on it. Everything runs offline.

mod classify;
mod convert;
mod eval;
mod health;
mod input;
mod labelled;
mod labels;
mod models;
mod output;
mod progress;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in the README.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    pub const ERROR: u8 = 1;
    /// clap's own code for a bad command line.
    pub const USAGE: u8 = 2;
    /// `--on-error skip` skipped bad records; everything else was processed.
    pub const PARTIAL: u8 = 3;
}

#[derive(Debug, Parser)]
#[command(name = "cadence", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Label every message as proactive, silent, overstepping or aligned.
    Classify(classify::Args),
    /// Write the messages of chat exports as JSONL, without classifying them.
    Convert(convert::Args),
    /// Report how healthy a team's communication is.
    Health(health::Args),
    /// Train a model on labelled messages.
    Train(train::Args),
    /// Measure a model on labelled messages.
    Eval(eval::Args),
    /// Show the four labels with their definitions and examples.
    Labels(labels::Args),
}

/// How a command ended when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Complete,
    /// Some bad records were skipped.
    Partial,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Classify(args) => classify::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Health(args) => health::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Labels(args) => labels::run(args),
    };
    match result {
        Ok(Outcome::Complete) => ExitCode::from(exit::SUCCESS),
        Ok(Outcome::Partial) => ExitCode::from(exit::PARTIAL),
        Err(error) => {
            // A closed pipe (`cadence classify | head`) is not an error worth a message.
            if error.chain().any(is_broken_pipe) {
                return ExitCode::from(exit::SUCCESS);
            }
            #[allow(clippy::print_stderr)]
            {
                eprintln!("cadence: error: {error:#}");
            }
            ExitCode::from(exit::ERROR)
        }
    }
}

/// Writes a finished report to standard output.
pub fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
