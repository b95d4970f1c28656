//! Shared set-up of cadence's benchmarks: the shipped model and chat-length messages from
//! the corpus.

use std::path::{Path, PathBuf};

use cadence_classifier::Example;
use cadence_classifier::model_dir::{self, LoadedModel};
use serde_json::Value;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn shipped_model() -> LoadedModel {
    model_dir::load(&root().join("models/default")).expect("models/default loads")
}

/// The labelled examples of a JSONL file of `datasets/`.
pub fn examples(relative: &str) -> Vec<Example> {
    let path = root().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("valid JSONL");
            Example {
                text: record["text"].as_str().expect("text").to_owned(),
                context: record
                    .get("context")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                label: record["label"]
                    .as_str()
                    .expect("label")
                    .parse()
                    .expect("known label"),
            }
        })
        .collect()
}

/// Which messages a benchmark classifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// The test split as it is: from two-character acknowledgements to long status updates
    /// (119 characters on average, plus the context).
    Corpus,
    /// Test split messages of at most 80 characters, the length of most chat messages.
    Chat,
}

impl Mix {
    pub fn name(self) -> &'static str {
        match self {
            Mix::Corpus => "corpus",
            Mix::Chat => "chat",
        }
    }
}

/// `count` messages cycled from the test split, contexts included.
pub fn messages(count: usize, mix: Mix) -> Vec<Example> {
    let test: Vec<Example> = examples("datasets/splits/test.jsonl")
        .into_iter()
        .filter(|e| mix == Mix::Corpus || e.text.chars().count() <= 80)
        .collect();
    test.iter().cycle().take(count).cloned().collect()
}
