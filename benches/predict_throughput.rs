//! cadence's in-process prediction throughput, for `benches/peers/run.sh`: loads a model
//! directory, classifies the labelled messages of a JSONL file once as a warm-up (its first
//! 256), then all of them ROUNDS times on rayon's pool (every core), and prints the best
//! round as JSON. Built with `--features bert` it loads MiniLM and hybrid models too.
//!
//!     predict_throughput MODEL_DIR MESSAGES_JSONL ROUNDS

use std::path::Path;
use std::time::Instant;

use cadence_benches::examples;
use cadence_classifier::{Example, model_dir};

fn text_of(e: &Example) -> (&str, Option<&str>) {
    (e.text.as_str(), e.context.as_deref())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, model, messages, rounds] = args.as_slice() else {
        panic!("usage: predict_throughput MODEL_DIR MESSAGES_JSONL ROUNDS");
    };
    let rounds: usize = rounds.parse().expect("ROUNDS is a number");
    let classifier = model_dir::load(Path::new(model))
        .unwrap_or_else(|e| panic!("{model}: {e}"))
        .classifier;
    let batch = examples(messages);
    classifier.predict_batch(&batch[..batch.len().min(256)], text_of);
    let seconds = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            let scores = classifier.predict_batch(&batch, text_of);
            assert_eq!(scores.len(), batch.len());
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    let report = serde_json::json!({
        "messages": batch.len(),
        "seconds": seconds,
        "messages_per_second": batch.len() as f64 / seconds,
        "threads": rayon::current_num_threads(),
        "rounds": rounds,
    });
    #[allow(clippy::print_stdout)]
    {
        println!("{report}");
    }
}
