//! Classification throughput (one thread and all threads) and training time.

use cadence_benches::{Mix, examples, messages, shipped_model};
use cadence_classifier::features::{FeatureConfig, Featurizer};
use cadence_classifier::{Encoder, TrainConfig, train};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn classify(c: &mut Criterion) {
    let model = shipped_model().classifier;
    let mut group = c.benchmark_group("classify");
    for mix in [Mix::Chat, Mix::Corpus] {
        let batch = messages(20_000, mix);
        group.throughput(Throughput::Elements(batch.len() as u64));
        for threads in [1, rayon::current_num_threads()] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            group.bench_function(format!("{}/{threads}-threads", mix.name()), |b| {
                b.iter(|| {
                    pool.install(|| {
                        model.predict_batch(&batch, |e| (e.text.as_str(), e.context.as_deref()))
                    })
                })
            });
        }
    }
    group.finish();
}

fn training(c: &mut Criterion) {
    let data = examples("datasets/splits/train.jsonl");
    let config = TrainConfig::default();
    let encoder = Encoder::HashedNgrams(Featurizer::new(FeatureConfig::default()));
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    group.bench_function("corpus-train-split", |b| {
        b.iter(|| train(&data, &encoder, &config).expect("trains"))
    });
    group.finish();
}

criterion_group!(benches, classify, training);
criterion_main!(benches);
