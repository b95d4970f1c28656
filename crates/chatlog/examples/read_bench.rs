//! Measures how fast `read_inputs` reads an export:
//!
//! ```text
//! cargo run --release -p cadence-chatlog --example read_bench -- PATH
//! /usr/bin/time -v target/release/examples/read_bench PATH   # for peak memory
//! ```
//!
//! Prints messages, errors, MB of input files, MB/s and messages/s.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use cadence_chatlog::{Input, ReadOptions, read_inputs};

fn input_bytes(path: &Path) -> u64 {
    if path.is_dir() {
        std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| input_bytes(&entry.path()))
            .sum()
    } else {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }
}

fn main() {
    let Some(path) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: read_bench PATH");
        std::process::exit(2);
    };
    let bytes = input_bytes(&path);
    let start = Instant::now();
    let mut stream = read_inputs(&[Input::Path(path)], &ReadOptions::default());
    let (mut messages, mut errors, mut text_bytes) = (0u64, 0u64, 0u64);
    for item in stream.by_ref() {
        match item {
            Ok(message) => {
                messages += 1;
                text_bytes += message.text.len() as u64;
            }
            Err(_) => errors += 1,
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let summary = stream.summary();
    println!(
        "{messages} messages ({errors} errors, {} system, {} bots skipped, {:.1} MB of text) \
         from {:.1} MB in {seconds:.2} s: {:.0} MB/s, {:.0} messages/s",
        summary.skipped_system,
        summary.skipped_bots,
        text_bytes as f64 / 1e6,
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / seconds,
        messages as f64 / seconds
    );
}
