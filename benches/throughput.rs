//! Prints cadence's in-process classification throughput, for side-by-side scripts:
//! `throughput MESSAGES THREADS [chat|corpus]` classifies MESSAGES messages on THREADS threads
//! and prints `messages_per_second macro_f1_on_test`.

use std::time::Instant;

use cadence_benches::{Mix, examples, messages, shipped_model};
use cadence_classifier::Evaluation;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let mix = match args.next().as_deref() {
        Some("corpus") => Mix::Corpus,
        _ => Mix::Chat,
    };
    let model = shipped_model().classifier;
    let batch = messages(count, mix);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    // One warm-up pass, then the best of three.
    let mut best = f64::MAX;
    for _ in 0..4 {
        let start = Instant::now();
        let scores = pool
            .install(|| model.predict_batch(&batch, |e| (e.text.as_str(), e.context.as_deref())));
        assert_eq!(scores.len(), batch.len());
        best = best.min(start.elapsed().as_secs_f64());
    }
    let test = examples("datasets/splits/test.jsonl");
    let scores = model.predict_batch(&test, |e| (e.text.as_str(), e.context.as_deref()));
    let gold: Vec<_> = test.iter().map(|e| e.label).collect();
    let evaluation = Evaluation::new(&gold, &scores);
    #[allow(clippy::print_stdout)]
    {
        println!("{:.0} {:.4}", count as f64 / best, evaluation.macro_f1);
    }
}
