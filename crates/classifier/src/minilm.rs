//! The all-MiniLM-L6-v2 sentence transformer, run by rust-bert on libtorch: mean-pooled,
//! L2-normalised 384-dimensional embeddings, as sentence-transformers computes them.
//!
//! Speed comes from doing less: each distinct text is embedded once, texts are batched with
//! others of similar length and padded only to the longest in their batch, and the forward
//! pass runs without autograd.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};

use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use tch::{Device, Kind, Tensor, nn};
use tokenizers::{Tokenizer, TruncationParams};

use crate::model_dir::sha256_hex;
use crate::{Error, Result};

/// The files of the encoder directory that `scripts/setup-bert` unpacks.
pub const WEIGHTS_FILE: &str = "model.safetensors";
const CONFIG_FILE: &str = "config.json";
const TOKENIZER_FILE: &str = "tokenizer.json";
/// Overrides where the encoder is looked for.
pub const DIR_ENV: &str = "CADENCE_ENCODER_DIR";
/// sentence-transformers' `max_seq_length` for this model.
const MAX_TOKENS: usize = 256;
/// Texts per forward pass. Batches hold texts of similar length, so little is padding.
const BATCH: usize = 64;

/// Where `scripts/setup-bert` puts the encoder: `.cache/` of the repository this was built
/// from (which also holds the libtorch the binary is linked to).
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/bert/all-minilm-l6-v2")
}

/// `dir`, else `$CADENCE_ENCODER_DIR`, else [`default_dir`].
pub fn resolve_dir(dir: Option<&Path>) -> PathBuf {
    dir.map(Path::to_path_buf)
        .or_else(|| std::env::var_os(DIR_ENV).map(PathBuf::from))
        .unwrap_or_else(default_dir)
}

#[derive(Clone)]
pub struct Minilm {
    weights_sha256: String,
    dimension: usize,
    tokenizer: Tokenizer,
    /// libtorch tensors are not `Sync`; the forward pass uses every core by itself anyway.
    network: Arc<Mutex<Network>>,
}

struct Network {
    bert: BertModel<BertEmbeddings>,
    _variables: nn::VarStore,
}

impl std::fmt::Debug for Minilm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minilm")
            .field("weights_sha256", &self.weights_sha256)
            .finish_non_exhaustive()
    }
}

/// The weights decide what the encoder computes.
impl PartialEq for Minilm {
    fn eq(&self, other: &Self) -> bool {
        self.weights_sha256 == other.weights_sha256
    }
}

impl Minilm {
    /// Loads the encoder from `dir`. With `expected_sha256`, the weights must be those a
    /// head was trained on.
    pub fn load(dir: &Path, expected_sha256: Option<&str>) -> Result<Minilm> {
        let missing = |what: String| {
            Error::Encoder(format!(
                "{what}: fetch the MiniLM encoder with `scripts/setup-bert`, or point \
                 --encoder-dir or ${DIR_ENV} at it"
            ))
        };
        for file in [WEIGHTS_FILE, CONFIG_FILE, TOKENIZER_FILE] {
            if !dir.join(file).is_file() {
                return Err(missing(format!("{} is missing", dir.join(file).display())));
            }
        }
        let weights_path = dir.join(WEIGHTS_FILE);
        let weights = std::fs::read(&weights_path).map_err(|source| Error::Io {
            path: weights_path.clone(),
            source,
        })?;
        let weights_sha256 = sha256_hex(&weights);
        drop(weights);
        if let Some(expected) = expected_sha256
            && expected != weights_sha256
        {
            return Err(missing(format!(
                "{} has sha256 {weights_sha256}, but the model was trained on encoder weights \
                 with sha256 {expected}",
                weights_path.display()
            )));
        }
        let config: BertConfig = read_json(&dir.join(CONFIG_FILE))?;
        let mut tokenizer = Tokenizer::from_file(dir.join(TOKENIZER_FILE))
            .map_err(|e| Error::Encoder(format!("{}: {e}", dir.join(TOKENIZER_FILE).display())))?;
        // Padding is ours to do per batch; truncation as sentence-transformers does it.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| Error::Encoder(e.to_string()))?;

        use_every_core();
        let mut variables = nn::VarStore::new(Device::Cpu);
        let bert = BertModel::new_with_optional_pooler(variables.root(), &config, false);
        variables
            .load(&weights_path)
            .map_err(|e| Error::Encoder(format!("{}: {e}", weights_path.display())))?;
        variables.freeze();
        Ok(Minilm {
            weights_sha256,
            dimension: config.hidden_size as usize,
            tokenizer,
            network: Arc::new(Mutex::new(Network {
                bert,
                _variables: variables,
            })),
        })
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    pub fn weights_sha256(&self) -> &str {
        &self.weights_sha256
    }

    /// The embedding of every text, in order, as one row-major `[texts, dimension]` array.
    pub fn embed<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Vec<f32> {
        let mut slot_of: HashMap<&str, usize> = HashMap::new();
        let mut distinct: Vec<&str> = Vec::new();
        let slots: Vec<usize> = texts
            .into_iter()
            .map(|text| {
                *slot_of.entry(text).or_insert_with(|| {
                    distinct.push(text);
                    distinct.len() - 1
                })
            })
            .collect();
        let unique = self.embed_distinct(&distinct);
        let width = self.dimension;
        let mut out = Vec::with_capacity(slots.len() * width);
        for slot in slots {
            out.extend_from_slice(&unique[slot * width..][..width]);
        }
        out
    }

    fn embed_distinct(&self, texts: &[&str]) -> Vec<f32> {
        let width = self.dimension;
        let mut out = vec![0.0; texts.len() * width];
        if texts.is_empty() {
            return out;
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .expect("the WordPiece tokeniser accepts any text");
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].get_ids().len()));
        let network = self.network.lock().expect("encoder lock");
        let _no_grad = tch::no_grad_guard();
        for batch in order.chunks(BATCH) {
            let longest = encodings[batch[0]].get_ids().len();
            let mut ids = vec![0i64; batch.len() * longest];
            let mut mask = vec![0i64; batch.len() * longest];
            for (row, &i) in batch.iter().enumerate() {
                for (column, &id) in encodings[i].get_ids().iter().enumerate() {
                    ids[row * longest + column] = i64::from(id);
                    mask[row * longest + column] = 1;
                }
            }
            let shape = [batch.len() as i64, longest as i64];
            let ids = Tensor::from_slice(&ids).view(shape);
            let mask = Tensor::from_slice(&mask).view(shape);
            let hidden = network
                .bert
                .forward_t(Some(&ids), Some(&mask), None, None, None, None, None, false)
                .expect("a batch of token ids")
                .hidden_state;
            let pooled = mean_pool(&hidden, &mask);
            let rows = Vec::<f32>::try_from(pooled.flatten(0, -1)).expect("f32 embeddings");
            for (row, &i) in rows.chunks_exact(width).zip(batch) {
                out[i * width..][..width].copy_from_slice(row);
            }
        }
        out
    }
}

/// The mean of the token states under the mask, scaled to unit length.
fn mean_pool(hidden: &Tensor, mask: &Tensor) -> Tensor {
    let mask = mask.unsqueeze(-1).to_kind(Kind::Float);
    let sum = (hidden * &mask).sum_dim_intlist(1, false, Kind::Float);
    let count = mask.sum_dim_intlist(1, false, Kind::Float).clamp_min(1e-9);
    let mean = sum / count;
    let norm = mean.norm_scalaropt_dim(2, 1, true).clamp_min(1e-12);
    mean / norm
}

/// libtorch's intra-op pool sized to the machine, once per process.
fn use_every_core() {
    static THREADS: Once = Once::new();
    THREADS.call_once(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        tch::set_num_threads(cores as i32);
    });
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Encoder(format!("{}: {e}", path.display())))
}
