//! Hashed sparse features: word unigrams and bigrams, character n-grams within words, the
//! context's words as their own namespace, and a few message-shape features. Each group is
//! weighted by sublinear term frequency and L2-normalised on its own, so that the many
//! character n-grams do not drown the words, then the whole vector is L2-normalised.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::{self, normalize_into};

/// Featuriser settings, stored in every model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// The feature space has `2^hash_bits` dimensions.
    pub hash_bits: u32,
    pub char_ngram_min: usize,
    pub char_ngram_max: usize,
    /// Weight of each group's L2-normalised block before the final normalisation.
    pub weight_words: f32,
    pub weight_chars: f32,
    pub weight_context: f32,
    pub weight_shape: f32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            hash_bits: 18,
            char_ngram_min: 3,
            char_ngram_max: 5,
            weight_words: 1.0,
            weight_chars: 1.0,
            weight_context: 1.2,
            weight_shape: 0.5,
        }
    }
}

/// The namespaces features are hashed in; each has its own seed so that the word "ok" in a
/// message and in its context are different features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Group {
    Words,
    Chars,
    Context,
    Shape,
}

const SEED_WORD: u64 = 0x5157_4f52_4431;
const SEED_BIGRAM: u64 = 0x5142_4947_5241;
const SEED_CHAR: u64 = 0x5143_4841_5231;
const SEED_CONTEXT_WORD: u64 = 0x5143_5458_5731;
const SEED_CONTEXT_BIGRAM: u64 = 0x5143_5458_4232;
const SEED_SHAPE: u64 = 0x5153_4841_5045;
const START: &str = "<s>";
const END: &str = "</s>";

/// A sparse vector, indices ascending and distinct. The featuriser's are L2-normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

/// Where the featuriser reports each feature occurrence. Naming a feature costs a string,
/// so it is only done by sinks that want names (explanations).
pub(crate) trait FeatureSink {
    fn add(&mut self, group: Group, hash: u64, name: impl FnOnce() -> String);
}

/// Buffers reused across messages so that featurising allocates nothing once warm.
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    context: String,
    words: WordScratch,
    /// Feature occurrences packed as `index << 2 | group`, so that sorting plain integers
    /// brings equal features together.
    hits: Vec<u32>,
    /// Distinct features with their sublinear term frequency.
    counted: Vec<(u32, f32)>,
    vector: SparseVector,
}

/// Buffers for the character n-grams of one word.
#[derive(Debug, Default)]
pub(crate) struct WordScratch {
    padded: String,
    bounds: Vec<usize>,
}

/// Collects packed feature occurrences.
struct Hits<'a> {
    mask: u32,
    hits: &'a mut Vec<u32>,
}

impl FeatureSink for Hits<'_> {
    fn add(&mut self, group: Group, hash: u64, _name: impl FnOnce() -> String) {
        self.hits
            .push(((hash as u32 & self.mask) << 2) | group as u32);
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Featurizer {
    config: FeatureConfig,
    mask: u32,
}

impl Featurizer {
    pub fn new(config: FeatureConfig) -> Self {
        let mask = ((1u64 << config.hash_bits) - 1) as u32;
        Featurizer { config, mask }
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    pub fn dimension(&self) -> usize {
        1 << self.config.hash_bits
    }

    pub fn index(&self, hash: u64) -> u32 {
        hash as u32 & self.mask
    }

    /// The feature vector of a message and the message it answers.
    pub fn featurize(
        &self,
        text: &str,
        context: Option<&str>,
        scratch: &mut Scratch,
    ) -> SparseVector {
        self.featurize_into(text, context, scratch).clone()
    }

    /// Like [`Featurizer::featurize`], into `scratch`'s own vector: no allocation once the
    /// scratch buffers have grown.
    pub fn featurize_into<'s>(
        &self,
        text: &str,
        context: Option<&str>,
        scratch: &'s mut Scratch,
    ) -> &'s SparseVector {
        let Scratch {
            text: text_buf,
            context: context_buf,
            words,
            hits,
            counted,
            vector,
        } = scratch;
        hits.clear();
        normalize_into(text, text_buf);
        let context = context.map(|c| {
            normalize_into(c, context_buf);
            context_buf.as_str()
        });
        self.emit(
            text_buf,
            context,
            words,
            &mut Hits {
                mask: self.mask,
                hits,
            },
        );
        self.weigh(hits, counted, vector);
        vector
    }

    /// Calls `sink` for every feature occurrence of a normalised message and context.
    pub(crate) fn emit(
        &self,
        text: &str,
        context: Option<&str>,
        words: &mut WordScratch,
        sink: &mut impl FeatureSink,
    ) {
        let mut tokens = 0usize;
        let mut previous = START;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            tokens += 1;
            sink.add(
                Group::Words,
                xxh3_64_with_seed(word.as_bytes(), SEED_WORD),
                || word.to_owned(),
            );
            sink.add(Group::Words, bigram(previous, word, SEED_BIGRAM), || {
                format!("{previous} {word}")
            });
            previous = word;
            self.emit_char_ngrams(word, words, sink);
        }
        if tokens > 0 {
            sink.add(Group::Words, bigram(previous, END, SEED_BIGRAM), || {
                format!("{previous} {END}")
            });
        }

        let mut shape = |name: &str| {
            sink.add(
                Group::Shape,
                xxh3_64_with_seed(name.as_bytes(), SEED_SHAPE),
                || format!("[{name}]"),
            );
        };
        shape(match tokens {
            0 => "length:0",
            1 => "length:1",
            2 => "length:2",
            3..=5 => "length:3-5",
            // Beyond a few words, length says more about who wrote the corpus than about
            // the behaviour.
            _ => "length:6+",
        });
        if text.contains('?') {
            shape("asks");
        }
        match context {
            Some(context) => {
                shape("has-context");
                if context.contains('?') {
                    shape("context-asks");
                }
                let mut previous = START;
                for word in context.split(' ').filter(|w| !w.is_empty()) {
                    sink.add(
                        Group::Context,
                        xxh3_64_with_seed(word.as_bytes(), SEED_CONTEXT_WORD),
                        || format!("context:{word}"),
                    );
                    sink.add(
                        Group::Context,
                        bigram(previous, word, SEED_CONTEXT_BIGRAM),
                        || format!("context:{previous} {word}"),
                    );
                    previous = word;
                }
            }
            None => shape("no-context"),
        }
    }

    /// Character n-grams of `<word>`, as fastText takes them; placeholders are whole words.
    fn emit_char_ngrams(&self, word: &str, scratch: &mut WordScratch, sink: &mut impl FeatureSink) {
        if [normalize::URL, normalize::MENTION, normalize::CHANNEL].contains(&word) {
            return;
        }
        let WordScratch { padded, bounds } = scratch;
        padded.clear();
        padded.push('<');
        padded.push_str(word);
        padded.push('>');
        bounds.clear();
        if padded.is_ascii() {
            bounds.extend(0..=padded.len());
        } else {
            bounds.extend(padded.char_indices().map(|(i, _)| i));
            bounds.push(padded.len());
        }
        let chars = bounds.len() - 1;
        for n in self.config.char_ngram_min..=self.config.char_ngram_max.min(chars) {
            for start in 0..=chars - n {
                let gram = &padded[bounds[start]..bounds[start + n]];
                sink.add(
                    Group::Chars,
                    xxh3_64_with_seed(gram.as_bytes(), SEED_CHAR),
                    || format!("chars:{gram}"),
                );
            }
        }
    }

    /// Turns feature occurrences into the weighted, normalised vector.
    fn weigh(&self, hits: &mut [u32], counted: &mut Vec<(u32, f32)>, vector: &mut SparseVector) {
        hits.sort_unstable();
        counted.clear();
        let mut group_norms = [0f32; 4];
        for run in hits.chunk_by(|a, b| a == b) {
            let tf = if run.len() == 1 {
                1.0
            } else {
                1.0 + (run.len() as f32).ln()
            };
            group_norms[(run[0] & 3) as usize] += tf * tf;
            counted.push((run[0], tf));
        }
        let weights = [
            self.config.weight_words,
            self.config.weight_chars,
            self.config.weight_context,
            self.config.weight_shape,
        ];
        let scale: [f32; 4] = std::array::from_fn(|g| {
            if group_norms[g] > 0.0 {
                weights[g] / group_norms[g].sqrt()
            } else {
                0.0
            }
        });

        vector.indices.clear();
        vector.values.clear();
        for &(packed, tf) in counted.iter() {
            let (index, value) = (packed >> 2, tf * scale[(packed & 3) as usize]);
            // The same index in two groups is one feature: sorted, they are adjacent.
            if vector.indices.last() == Some(&index) {
                *vector.values.last_mut().expect("values follow indices") += value;
            } else {
                vector.indices.push(index);
                vector.values.push(value);
            }
        }
        let norm = vector.values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.values.iter_mut().for_each(|v| *v /= norm);
        }
    }
}

fn bigram(first: &str, second: &str, seed: u64) -> u64 {
    xxh3_64_with_seed(second.as_bytes(), xxh3_64_with_seed(first.as_bytes(), seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn featurize(text: &str, context: Option<&str>) -> SparseVector {
        Featurizer::new(FeatureConfig::default()).featurize(text, context, &mut Scratch::default())
    }

    #[test]
    fn vectors_are_sorted_distinct_and_unit_length() {
        for (text, context) in [
            ("Heads up: the API change may slip two days", None),
            ("👍", Some("where is the audit?")),
            ("", None),
        ] {
            let v = featurize(text, context);
            assert!(v.indices.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(v.indices.len(), v.values.len());
            let norm: f32 = v.values.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-5, "{text}: {norm}");
        }
    }

    #[test]
    fn context_changes_the_vector_and_is_its_own_namespace() {
        let alone = featurize("ok", None);
        let asked = featurize("ok", Some("where is the audit?"));
        let confirm = featurize("ok", Some("can you confirm you'll wait for legal?"));
        assert_ne!(alone, asked);
        assert_ne!(asked, confirm);
        // "ok" as a message and "ok" as context are different features.
        let context_ok = featurize("thanks", Some("ok"));
        let text_ok = featurize("ok", None);
        let shared = text_ok
            .indices
            .iter()
            .filter(|i| context_ok.indices.contains(i))
            .count();
        assert!(
            shared <= 2,
            "only shape features may be shared, got {shared}"
        );
    }

    #[test]
    fn same_input_same_vector() {
        assert_eq!(
            featurize("Deployed v2 to prod", Some("status?")),
            featurize("Deployed v2 to prod", Some("status?"))
        );
    }

    #[test]
    fn char_ngrams_cover_short_words_and_multibyte_text() {
        let featurizer = Featurizer::new(FeatureConfig::default());
        struct Names(Vec<String>);
        impl FeatureSink for Names {
            fn add(&mut self, _group: Group, _hash: u64, name: impl FnOnce() -> String) {
                self.0.push(name());
            }
        }
        let mut names = Names(Vec::new());
        featurizer.emit("ok 👍", None, &mut WordScratch::default(), &mut names);
        for expected in [
            "ok",
            "<s> ok",
            "chars:<ok",
            "chars:<ok>",
            "👍 </s>",
            "chars:<👍>",
            "[length:2]",
            "[no-context]",
        ] {
            assert!(
                names.0.iter().any(|n| n == expected),
                "{expected} not in {:?}",
                names.0
            );
        }
    }
}
