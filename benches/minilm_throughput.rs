//! cadence's side of `benches/minilm/run.sh`: embeds the texts of a file (one JSON string per
//! line) with the MiniLM encoder and prints the median texts per second over the rounds.
//!
//!     minilm_throughput TEXTS ROUNDS [fp32|int8]     (default int8)

use std::time::Instant;

use cadence_classifier::encoder::Precision;
use cadence_classifier::minilm::{Minilm, default_dir};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (path, rounds, precision) = match args.as_slice() {
        [_, path, rounds] => (path, rounds, Precision::Int8),
        [_, path, rounds, precision] if precision == "fp32" => (path, rounds, Precision::Fp32),
        [_, path, rounds, precision] if precision == "int8" => (path, rounds, Precision::Int8),
        _ => panic!("usage: minilm_throughput TEXTS ROUNDS [fp32|int8]"),
    };
    let rounds: usize = rounds.parse().expect("ROUNDS is a number");
    let texts: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON string per line"))
        .collect();
    let minilm =
        Minilm::load(&default_dir(), None, precision).expect("scripts/setup-bert has been run");
    minilm.embed(texts.iter().take(256).map(String::as_str));
    let mut rates: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(minilm.embed(texts.iter().map(String::as_str)));
            texts.len() as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    #[allow(clippy::print_stdout)]
    {
        println!("{:.0}", rates[rates.len() / 2]);
    }
}
