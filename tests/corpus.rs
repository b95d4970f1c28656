//! Quality checks of the labelled corpus (`datasets/corpus`) and its fixed split
//! (`datasets/splits`), as the data card promises them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use cadence_classifier::model_dir::sha256_hex;
use cadence_taxonomy::Label;
use serde_json::Value;

const ALLOWED_KEYS: [&str; 7] = [
    "id",
    "text",
    "label",
    "context",
    "domain",
    "hard",
    "generated",
];
const NEAR_DUPLICATE: f64 = 0.8;
/// Shares written after the split was fixed: `datasets/split.py` puts them in train whole.
const TRAIN_ONLY: [&str; 1] = ["chat_threads.jsonl"];

#[derive(Debug, Clone)]
struct Example {
    id: String,
    text: String,
    label: Label,
    context: Option<String>,
    hard: bool,
    generated: bool,
}

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

fn read(path: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let at = format!("{}:{}", path.display(), i + 1);
            let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(line) else {
                panic!("{at}: not a JSON object");
            };
            for key in fields.keys() {
                assert!(
                    ALLOWED_KEYS.contains(&key.as_str()),
                    "{at}: unexpected field {key:?}"
                );
            }
            let string = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
            let text = string("text").unwrap_or_else(|| panic!("{at}: no text"));
            assert!(!text.trim().is_empty(), "{at}: empty text");
            let label = string("label")
                .unwrap_or_else(|| panic!("{at}: no label"))
                .parse::<Label>()
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let domain = string("domain").unwrap_or_else(|| panic!("{at}: no domain"));
            assert!(
                !domain.is_empty() && domain == domain.to_lowercase(),
                "{at}: domain {domain:?}"
            );
            if let Some(context) = fields.get("context") {
                assert!(
                    context.as_str().is_some_and(|c| !c.trim().is_empty()),
                    "{at}: context must be a non-empty string"
                );
            }
            for flag in ["hard", "generated"] {
                if let Some(value) = fields.get(flag) {
                    assert!(value.is_boolean(), "{at}: {flag} must be true or false");
                }
            }
            Example {
                id: string("id").unwrap_or_else(|| panic!("{at}: no id")),
                text,
                label,
                context: string("context"),
                hard: fields.get("hard") == Some(&Value::Bool(true)),
                generated: fields.get("generated") == Some(&Value::Bool(true)),
            }
        })
        .collect()
}

/// The corpus's examples, as (drawn, train-only): those of the shares the split was drawn
/// from, and those of the shares `split.py` puts in train whole.
fn corpus_by_kind() -> (Vec<Example>, Vec<Example>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(datasets().join("corpus"))
        .expect("datasets/corpus exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files");
    let (train_only, drawn): (Vec<PathBuf>, Vec<PathBuf>) = files
        .into_iter()
        .partition(|f| TRAIN_ONLY.iter().any(|name| f.ends_with(name)));
    let examples = |files: Vec<PathBuf>| files.iter().flat_map(|f| read(f)).collect();
    (examples(drawn), examples(train_only))
}

fn corpus() -> Vec<Example> {
    let (mut examples, train_only) = corpus_by_kind();
    examples.extend(train_only);
    examples
}

fn split(name: &str) -> Vec<Example> {
    read(&datasets().join("splits").join(format!("{name}.jsonl")))
}

/// The normalisation of `datasets/split.py`: lowercase, ASCII punctuation and the general
/// punctuation block to spaces, whitespace collapsed; emoji kept.
fn normalise(text: &str) -> String {
    let mapped: String = text
        .to_lowercase()
        .chars()
        .map(|c| {
            let punctuation =
                (c.is_ascii() && !c.is_ascii_alphanumeric() && !c.is_ascii_whitespace())
                    || ('\u{2000}'..='\u{206F}').contains(&c);
            if punctuation { ' ' } else { c }
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn shingles(text: &str) -> HashSet<String> {
    let padded: Vec<char> = format!(" {text} ").chars().collect();
    if padded.len() < 5 {
        return HashSet::from([padded.iter().collect()]);
    }
    padded.windows(5).map(|w| w.iter().collect()).collect()
}

/// The Jaccard similarity of two shingle sets when it is above `NEAR_DUPLICATE`. Sets whose
/// sizes differ more than that cannot be, and are not intersected.
fn near_duplicate(a: &HashSet<String>, b: &HashSet<String>) -> Option<f64> {
    let (small, large) = (a.len().min(b.len()), a.len().max(b.len()));
    if (small as f64) < NEAR_DUPLICATE * large as f64 {
        return None;
    }
    let shared = a.intersection(b).count();
    let similarity = shared as f64 / (a.len() + b.len() - shared) as f64;
    (similarity > NEAR_DUPLICATE).then_some(similarity)
}

fn per_label(examples: &[Example]) -> BTreeMap<Label, usize> {
    let mut counts = BTreeMap::new();
    for e in examples {
        *counts.entry(e.label).or_default() += 1;
    }
    counts
}

#[test]
fn ids_are_unique_across_the_corpus() {
    let mut seen = HashSet::new();
    for e in corpus() {
        assert!(seen.insert(e.id.clone()), "duplicate id {}", e.id);
    }
}

#[test]
fn corpus_has_enough_distinct_examples_of_every_label() {
    let examples = corpus();
    let distinct: HashSet<(String, Option<String>)> = examples
        .iter()
        .map(|e| (normalise(&e.text), e.context.as_deref().map(normalise)))
        .collect();
    assert!(
        distinct.len() >= 2400,
        "{} distinct examples",
        distinct.len()
    );
    for (label, count) in per_label(&examples) {
        assert!(count >= 500, "{label}: {count} examples");
    }
}

#[test]
fn hard_cases_and_context_are_well_represented_and_generation_is_limited() {
    let examples = corpus();
    let share = |f: fn(&Example) -> bool| {
        examples.iter().filter(|e| f(e)).count() as f64 / examples.len() as f64
    };
    assert!(
        share(|e| e.hard) >= 0.15,
        "hard share {}",
        share(|e| e.hard)
    );
    assert!(
        share(|e| e.context.is_some()) >= 0.25,
        "context share {}",
        share(|e| e.context.is_some())
    );
    assert!(
        share(|e| e.generated) < 0.25,
        "generated share {}",
        share(|e| e.generated)
    );
    // The same reply means different things under different questions: the corpus must
    // teach that with identical texts labelled differently by context.
    let mut labels_by_text: HashMap<String, HashSet<Label>> = HashMap::new();
    for e in examples.iter().filter(|e| e.context.is_some()) {
        labels_by_text
            .entry(normalise(&e.text))
            .or_default()
            .insert(e.label);
    }
    let flips = labels_by_text
        .values()
        .filter(|labels| labels.len() > 1)
        .count();
    assert!(
        flips >= 50,
        "only {flips} texts change label with their context"
    );
}

#[test]
fn splits_partition_the_corpus_stratified() {
    let (drawn, train_only) = corpus_by_kind();
    let corpus: Vec<&Example> = drawn.iter().chain(&train_only).collect();
    let (train, test) = (split("train"), split("test"));
    let by_id: HashMap<&str, &Example> = corpus.iter().map(|e| (e.id.as_str(), *e)).collect();
    let mut seen = HashSet::new();
    for e in train.iter().chain(&test) {
        let original = by_id
            .get(e.id.as_str())
            .unwrap_or_else(|| panic!("{} is in a split but not the corpus", e.id));
        assert_eq!(
            (&original.text, &original.context, original.label),
            (&e.text, &e.context, e.label),
            "{} differs from the corpus: rerun datasets/split.py",
            e.id
        );
        assert!(seen.insert(e.id.clone()), "{} is in a split twice", e.id);
    }
    assert_eq!(
        seen.len(),
        corpus.len(),
        "the splits miss corpus examples: rerun datasets/split.py"
    );
    let train_ids: HashSet<&str> = train.iter().map(|e| e.id.as_str()).collect();
    for e in &train_only {
        assert!(
            train_ids.contains(e.id.as_str()),
            "{} is in a train-only share but not in train",
            e.id
        );
    }
    let totals = per_label(&drawn);
    for (label, n) in per_label(&test) {
        let share = n as f64 / totals[&label] as f64;
        assert!(
            (0.2..=0.25).contains(&share),
            "{label}: {share:.3} of its examples in test"
        );
    }
}

/// Every test-split figure in the docs, BENCHMARKS.md and the closing notes was measured on
/// this file; shares added later go to train only (`split.py`'s `TRAIN_ONLY`), so it must not
/// change. Redrawing it makes every published figure incomparable: remeasure them all.
#[test]
fn the_test_split_is_the_one_every_figure_was_measured_on() {
    let test = std::fs::read(datasets().join("splits/test.jsonl")).unwrap();
    assert_eq!(
        sha256_hex(&test),
        "e5036b3eba74c836e9b087a35fa463f6a5bbdc7989ffda9f7cb6758bda0c4d2f"
    );
}

#[test]
fn no_text_is_in_both_splits() {
    let train: HashSet<String> = split("train").iter().map(|e| normalise(&e.text)).collect();
    for e in split("test") {
        assert!(
            !train.contains(&normalise(&e.text)),
            "{} ({:?}) is also in train",
            e.id,
            e.text
        );
    }
}

#[test]
fn no_near_duplicates_across_splits() {
    let train: Vec<(HashSet<String>, Example)> = split("train")
        .into_iter()
        .map(|e| (shingles(&normalise(&e.text)), e))
        .collect();
    for e in split("test") {
        let grams = shingles(&normalise(&e.text));
        for (other, train_example) in &train {
            if let Some(similarity) = near_duplicate(&grams, other) {
                panic!(
                    "test {} and train {} are near-duplicates ({similarity:.2}): {:?} ~ {:?}",
                    e.id, train_example.id, e.text, train_example.text
                );
            }
        }
    }
}

/// An evaluation set measures what no split trains on: it must stay apart from the corpus
/// (no shared id, no message with the same context, no text near a test one).
fn assert_apart_from_the_corpus(set: &[Example]) {
    let corpus = corpus();
    let ids: HashSet<&str> = corpus.iter().map(|e| e.id.as_str()).collect();
    let messages: HashSet<(String, Option<String>)> = corpus
        .iter()
        .map(|e| (normalise(&e.text), e.context.as_deref().map(normalise)))
        .collect();
    let test: Vec<HashSet<String>> = split("test")
        .iter()
        .map(|e| shingles(&normalise(&e.text)))
        .collect();
    for e in set {
        assert!(!ids.contains(e.id.as_str()), "{} is also a corpus id", e.id);
        let message = (normalise(&e.text), e.context.as_deref().map(normalise));
        assert!(!messages.contains(&message), "{} is in the corpus", e.id);
        let grams = shingles(&message.0);
        assert!(
            test.iter().all(|t| near_duplicate(&grams, t).is_none()),
            "{} ({:?}) is near a test example",
            e.id,
            e.text
        );
    }
}

#[test]
fn the_authority_evaluation_set_is_balanced_and_apart_from_the_corpus() {
    let set = read(&datasets().join("eval/authority_context.jsonl"));
    assert_eq!(set.len(), 600);
    for (label, count) in per_label(&set) {
        assert_eq!(count, 150, "{label}");
    }
    assert_apart_from_the_corpus(&set);
}

/// `datasets/eval/team_chat.jsonl`: two teams' chat, each message labelled, threads kept (a
/// reply's context is the message it answers, earlier in the same chat).
#[test]
fn the_team_chat_evaluation_set_is_threaded_and_apart_from_the_corpus() {
    let set = read(&datasets().join("eval/team_chat.jsonl"));
    let counts = per_label(&set);
    for (label, expected) in Label::ALL.into_iter().zip([157, 59, 60, 164]) {
        assert_eq!(counts.get(&label), Some(&expected), "{label}");
    }
    let mut earlier: HashMap<&str, HashSet<&str>> = HashMap::new();
    for e in &set {
        let chat = e.id.rsplit_once('-').map_or("", |(chat, _)| chat);
        if let Some(context) = &e.context {
            assert!(
                earlier
                    .get(chat)
                    .is_some_and(|texts| texts.contains(context.as_str())),
                "{}: its context is not an earlier message of {chat}",
                e.id
            );
        }
        earlier.entry(chat).or_default().insert(&e.text);
    }
    assert_apart_from_the_corpus(&set);
}

/// The list of train-only shares is kept in three places: here, `split.py` (which acts on
/// it) and the fine-tuning sweep (which keeps them out of its validation split).
#[test]
fn the_train_only_shares_are_those_of_split_py_and_the_sweep() {
    let script = std::fs::read_to_string(datasets().join("split.py")).unwrap();
    let names: Vec<String> = TRAIN_ONLY.iter().map(|n| format!("{n:?}")).collect();
    let line = format!("TRAIN_ONLY = [{}]", names.join(", "));
    assert!(script.lines().any(|l| l == line), "split.py lacks {line:?}");
    let sweep =
        std::fs::read_to_string(datasets().join("../crates/classifier/examples/finetune_sweep.rs"))
            .unwrap();
    let paths: Vec<String> = TRAIN_ONLY
        .iter()
        .map(|n| format!("\"datasets/corpus/{n}\""))
        .collect();
    let line = format!(
        "const TRAIN_ONLY: [&str; {}] = [{}];",
        TRAIN_ONLY.len(),
        paths.join(", ")
    );
    assert!(sweep.lines().any(|l| l == line), "the sweep lacks {line:?}");
}

#[test]
fn the_normalisation_matches_split_py() {
    assert_eq!(normalise("Sounds GOOD!!  👍"), "sounds good 👍");
    assert_eq!(normalise("“done”… — really?"), "done really");
    assert_eq!(normalise("v2.3.1 by Thu"), "v2 3 1 by thu");
}
