//! Properties of classification that must hold for any text: one result per input, in order,
//! probabilities that sum to 1, and the same answer whatever the thread count.

use cadence_classifier::model_dir;
use proptest::prelude::*;

fn classifier() -> &'static cadence_classifier::Classifier {
    static MODEL: std::sync::OnceLock<cadence_classifier::Classifier> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
        model_dir::load(&dir)
            .expect("models/default loads")
            .classifier
    })
}

/// Chat-like text: any Unicode, with more of the characters chat is made of.
fn chat_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 ,.?!'@#:/<>|_-]{0,120}",
        "(👍|✅|🚀|🙏|😅|\u{FE0F}|\u{200D}|\u{1F3FD}|é|ß|İ|ﬁ|\u{0301}| ){0,20}",
    ]
}

fn messages() -> impl Strategy<Value = Vec<(String, Option<String>)>> {
    prop::collection::vec((chat_text(), prop::option::of(chat_text())), 1..40)
}

fn classify_on(threads: usize, messages: &[(String, Option<String>)]) -> Vec<[f32; 4]> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| classifier().predict_batch(messages, |(t, c)| (t.as_str(), c.as_deref())))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn one_result_per_input_in_order_summing_to_one(messages in messages()) {
        let batch = classify_on(2, &messages);
        prop_assert_eq!(batch.len(), messages.len());
        for ((text, context), scores) in messages.iter().zip(&batch) {
            let sum: f32 = scores.iter().sum();
            prop_assert!((sum - 1.0).abs() < 1e-5, "scores {:?} sum to {}", scores, sum);
            prop_assert!(scores.iter().all(|p| p.is_finite() && *p >= 0.0));
            // In order: each batch result is what the message gets on its own.
            prop_assert_eq!(*scores, classifier().predict(text, context.as_deref()));
        }
    }

    #[test]
    fn the_thread_count_does_not_change_the_output(messages in messages()) {
        let one = classify_on(1, &messages);
        prop_assert_eq!(&one, &classify_on(2, &messages));
        prop_assert_eq!(&one, &classify_on(4, &messages));
    }
}
