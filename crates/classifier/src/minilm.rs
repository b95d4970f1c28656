//! The all-MiniLM-L6-v2 sentence transformer, run by rust-bert on libtorch: mean-pooled,
//! L2-normalised 384-dimensional embeddings, as sentence-transformers computes them.
//!
//! Speed comes from doing less: each distinct text is embedded once, texts are batched with
//! others of similar length and padded only to the longest in their batch, and the forward
//! pass runs without autograd. The transformer layers run in int8 unless a model says fp32
//! (see [`crate::transformer`]).
//!
//! A fine-tuned encoder is the same network with its top layers replaced by trained ones
//! (see [`crate::finetune`]): [`Tuning`] holds those tensors, and says whether the message
//! and its context are read as one pair or embedded one by one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};

use rust_bert::bert::{BertConfig, BertEmbedding, BertEmbeddings, BertLayer};
use tch::{Device, Kind, Tensor, nn};
use tokenizers::{EncodeInput, Encoding, Tokenizer, TruncationParams};

use crate::encoder::{Input, Precision};
use crate::model_dir::sha256_hex;
use crate::transformer::Transformer;
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
    dir: PathBuf,
    weights_sha256: String,
    precision: Precision,
    dimension: usize,
    tokenizer: Tokenizer,
    /// libtorch tensors are not `Sync`; the forward pass uses every core by itself anyway.
    network: Arc<Mutex<Network>>,
    tuning: Option<Arc<Tuning>>,
}

/// Trained replacements for the top layers of the encoder.
#[derive(Debug, PartialEq)]
pub struct Tuning {
    pub input: Input,
    /// How many of the top transformer layers were replaced.
    pub layers: usize,
    /// A safetensors file of those layers' tensors (f16), under rust-bert's names.
    file: Vec<u8>,
    /// Of `file`, computed once when it is made or read.
    sha256: String,
}

impl Tuning {
    pub fn new(input: Input, layers: usize, file: Vec<u8>) -> Tuning {
        Tuning {
            input,
            layers,
            sha256: sha256_hex(&file),
            file,
        }
    }

    pub fn file(&self) -> &[u8] {
        &self.file
    }

    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// libtorch has one random generator per process. Creating a network's variables draws from
/// it (initial values, overwritten at once by the weights) and so does fine-tuning (initial
/// weights, dropout): whoever draws holds this, so that fine-tunings with the same seed draw
/// the same numbers whatever else the process is doing.
pub(crate) static TORCH_RANDOM: Mutex<()> = Mutex::new(());

/// The embeddings and transformer layers of a BERT: rust-bert's layers, which fine-tuning
/// trains and runs a range at a time, and the same weights as the [`Transformer`] that
/// embeds (in int8 or fp32).
pub(crate) struct Network {
    pub(crate) config: BertConfig,
    embeddings: BertEmbeddings,
    pub(crate) layers: Vec<BertLayer>,
    pub(crate) variables: nn::VarStore,
    transformer: Transformer,
}

impl Network {
    /// The weights of `weights` with `tuning`'s top layers laid over them.
    fn load(
        config: BertConfig,
        weights: &Path,
        tuning: Option<&Tuning>,
        precision: Precision,
    ) -> Result<Network> {
        let mut variables = nn::VarStore::new(Device::Cpu);
        let root = variables.root();
        let random = TORCH_RANDOM.lock().unwrap_or_else(|e| e.into_inner());
        let embeddings = BertEmbeddings::new(&root / "embeddings", &config);
        let layers = (0..config.num_hidden_layers)
            .map(|i| BertLayer::new(&root / "encoder" / "layer" / i, &config))
            .collect();
        drop(random);
        variables
            .load(weights)
            .map_err(|e| Error::Encoder(format!("{}: {e}", weights.display())))?;
        variables.freeze();
        if let Some(tuning) = tuning {
            lay_over(&variables, tuning, config.num_hidden_layers as usize)?;
        }
        let transformer = Transformer::new(variables.variables(), &config, precision)?;
        Ok(Network {
            config,
            embeddings,
            layers,
            variables,
            transformer,
        })
    }

    /// The token embeddings of a padded batch.
    pub(crate) fn embed_tokens(&self, ids: &Tensor, types: &Tensor) -> Tensor {
        self.embeddings
            .forward_t(Some(ids), Some(types), None, None, false)
            .expect("token ids")
    }
}

/// Runs `layers` over `hidden` states under the 0/1 `mask`.
pub(crate) fn run_layers(
    layers: &[BertLayer],
    hidden: Tensor,
    mask: &Tensor,
    train: bool,
) -> Tensor {
    // What rust-bert's BertModel passes its layers: 0 where attended, -10000 where padding.
    let extended = (mask.ones_like() - mask)
        .unsqueeze(1)
        .unsqueeze(1)
        .to_kind(Kind::Float)
        * -10000.0;
    layers.iter().fold(hidden, |hidden, layer| {
        layer
            .forward_t(&hidden, Some(&extended), None, None, train)
            .hidden_state
    })
}

impl std::fmt::Debug for Minilm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minilm")
            .field("weights_sha256", &self.weights_sha256)
            .field("precision", &self.precision)
            .field(
                "tuning",
                &self.tuning.as_ref().map(|t| (t.sha256(), t.input)),
            )
            .finish_non_exhaustive()
    }
}

/// The weights and the precision decide what the encoder computes.
impl PartialEq for Minilm {
    fn eq(&self, other: &Self) -> bool {
        self.weights_sha256 == other.weights_sha256
            && self.precision == other.precision
            && self.tuning.as_ref().map(|t| (t.sha256(), t.input))
                == other.tuning.as_ref().map(|t| (t.sha256(), t.input))
    }
}

impl Minilm {
    /// Loads the encoder from `dir`. With `expected_sha256`, the weights must be those a
    /// head was trained on.
    pub fn load(dir: &Path, expected_sha256: Option<&str>, precision: Precision) -> Result<Minilm> {
        Minilm::load_tuned(dir, expected_sha256, None, precision)
    }

    /// [`Minilm::load`], with `tuning`'s top layers laid over the base encoder's.
    pub fn load_tuned(
        dir: &Path,
        expected_sha256: Option<&str>,
        tuning: Option<Tuning>,
        precision: Precision,
    ) -> Result<Minilm> {
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
        let dimension = config.hidden_size as usize;
        let network = Network::load(config, &weights_path, tuning.as_ref(), precision)?;
        Ok(Minilm {
            dir: dir.to_path_buf(),
            weights_sha256,
            precision,
            dimension,
            tokenizer,
            network: Arc::new(Mutex::new(network)),
            tuning: tuning.map(Arc::new),
        })
    }

    /// A second copy of this encoder (from the same directory) with its top layers replaced
    /// by `tuning`'s.
    pub fn with_tuning(&self, tuning: Tuning) -> Result<Minilm> {
        let config = self.network().config.clone();
        let network = Network::load(
            config,
            &self.dir.join(WEIGHTS_FILE),
            Some(&tuning),
            self.precision,
        )?;
        Ok(Minilm {
            network: Arc::new(Mutex::new(network)),
            tuning: Some(Arc::new(tuning)),
            ..self.clone()
        })
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The width of one embedded sequence.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The width of the vector of a message and its context.
    pub fn item_dimension(&self) -> usize {
        match self.input() {
            Input::Separate => 2 * self.dimension,
            Input::Pair => self.dimension,
        }
    }

    pub fn input(&self) -> Input {
        self.tuning.as_ref().map_or(Input::Separate, |t| t.input)
    }

    pub fn tuning(&self) -> Option<&Tuning> {
        self.tuning.as_deref()
    }

    pub(crate) fn network(&self) -> std::sync::MutexGuard<'_, Network> {
        self.network.lock().expect("encoder lock")
    }

    pub(crate) fn tokenize<'s>(&self, inputs: Vec<EncodeInput<'s>>) -> Vec<Encoding> {
        self.tokenizer
            .encode_batch(inputs, true)
            .expect("the WordPiece tokeniser accepts any text")
    }

    /// One vector per message and context, in order ([`Minilm::item_dimension`] wide).
    pub fn embed_items(&self, items: &[(&str, Option<&str>)]) -> Vec<f32> {
        match self.input() {
            Input::Pair => {
                let inputs = items
                    .iter()
                    .map(|&(text, context)| match context {
                        Some(context) => EncodeInput::Dual(text.into(), context.into()),
                        None => EncodeInput::Single(text.into()),
                    })
                    .collect();
                self.embed_encodings(&self.tokenize(inputs))
            }
            Input::Separate => {
                let texts = items
                    .iter()
                    .flat_map(|&(text, context)| std::iter::once(text).chain(context));
                let embeddings = self.embed(texts);
                let width = self.dimension;
                let mut rows = embeddings.chunks_exact(width);
                let mut out = Vec::with_capacity(items.len() * 2 * width);
                for &(_, context) in items {
                    out.extend_from_slice(rows.next().expect("one embedding per text"));
                    match context {
                        Some(_) => {
                            out.extend_from_slice(rows.next().expect("one per context"));
                        }
                        None => out.resize(out.len() + width, 0.0),
                    }
                }
                out
            }
        }
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
        if texts.is_empty() {
            return Vec::new();
        }
        let inputs = texts
            .iter()
            .map(|&t| EncodeInput::Single(t.into()))
            .collect();
        self.embed_encodings(&self.tokenize(inputs))
    }

    fn embed_encodings(&self, encodings: &[Encoding]) -> Vec<f32> {
        let width = self.dimension;
        let mut out = vec![0.0; encodings.len() * width];
        let network = self.network();
        let _no_grad = tch::no_grad_guard();
        for batch in length_sorted_batches(encodings, BATCH) {
            let (ids, types, mask) = padded_batch(encodings, &batch);
            let hidden = network.embed_tokens(&ids, &types);
            let hidden = network.transformer.forward(&hidden, &mask);
            let pooled = mean_pool(&hidden, &mask);
            let rows = Vec::<f32>::try_from(pooled.flatten(0, -1)).expect("f32 embeddings");
            for (row, &i) in rows.chunks_exact(width).zip(&batch) {
                out[i * width..][..width].copy_from_slice(row);
            }
        }
        out
    }
}

/// Replaces the top layers of `variables` (a BERT of `total` layers) by `tuning`'s, after
/// checking that they are what the encoder's layers are: their names, shapes, f16 and finite.
fn lay_over(store: &nn::VarStore, tuning: &Tuning, total: usize) -> Result<()> {
    let bad = |what: String| Error::Encoder(format!("fine-tuned layers: {what}"));
    if tuning.layers == 0 || tuning.layers > total {
        return Err(bad(format!(
            "{} layers replaced, the encoder has {total}",
            tuning.layers
        )));
    }
    let tensors = safetensors::SafeTensors::deserialize(&tuning.file)
        .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let mut variables = store.variables();
    let first = total - tuning.layers;
    let mut expected: Vec<String> = variables
        .keys()
        .filter(|name| layer_of(name).is_some_and(|layer| layer >= first))
        .cloned()
        .collect();
    expected.sort();
    let mut names: Vec<String> = tensors.names().into_iter().map(str::to_owned).collect();
    names.sort();
    if names != expected {
        return Err(bad(format!(
            "they hold {} tensors, layers {first}..{total} of the encoder have {}",
            names.len(),
            expected.len()
        )));
    }
    let _no_grad = tch::no_grad_guard();
    for name in &names {
        let view = tensors.tensor(name).expect("listed");
        let target = variables.get_mut(name).expect("listed");
        if view.dtype() != safetensors::Dtype::F16
            || view.shape()
                != target
                    .size()
                    .iter()
                    .map(|&d| d as usize)
                    .collect::<Vec<_>>()
        {
            return Err(bad(format!(
                "{name} is {:?} {:?}, expected F16 {:?}",
                view.dtype(),
                view.shape(),
                target.size()
            )));
        }
        let values =
            Tensor::from_data_size(view.data(), &target.size(), Kind::Half).to_kind(Kind::Float);
        if values.isfinite().all().int64_value(&[]) == 0 {
            return Err(bad(format!("{name} holds a non-finite value")));
        }
        target.copy_(&values);
    }
    Ok(())
}

/// Indices of `encodings`, longest first, in chunks of `size`.
pub(crate) fn length_sorted_batches(encodings: &[Encoding], size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..encodings.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].get_ids().len()));
    order.chunks(size).map(<[usize]>::to_vec).collect()
}

/// Token ids, token types and the 0/1 attention mask of `batch`, padded to its longest.
pub(crate) fn padded_batch(encodings: &[Encoding], batch: &[usize]) -> (Tensor, Tensor, Tensor) {
    let longest = batch
        .iter()
        .map(|&i| encodings[i].get_ids().len())
        .max()
        .unwrap_or(0);
    let mut ids = vec![0i64; batch.len() * longest];
    let mut types = vec![0i64; batch.len() * longest];
    let mut mask = vec![0i64; batch.len() * longest];
    for (row, &i) in batch.iter().enumerate() {
        let encoding = &encodings[i];
        for (column, (&id, &kind)) in encoding
            .get_ids()
            .iter()
            .zip(encoding.get_type_ids())
            .enumerate()
        {
            ids[row * longest + column] = i64::from(id);
            types[row * longest + column] = i64::from(kind);
            mask[row * longest + column] = 1;
        }
    }
    let shape = [batch.len() as i64, longest as i64];
    let tensor = |values: &[i64]| Tensor::from_slice(values).view(shape);
    (tensor(&ids), tensor(&types), tensor(&mask))
}

/// The mean of the token states under the mask.
pub(crate) fn mean(hidden: &Tensor, mask: &Tensor) -> Tensor {
    let mask = mask.unsqueeze(-1).to_kind(Kind::Float);
    let sum = (hidden * &mask).sum_dim_intlist(1, false, Kind::Float);
    let count = mask.sum_dim_intlist(1, false, Kind::Float).clamp_min(1e-9);
    sum / count
}

/// The mean of the token states under the mask, scaled to unit length.
fn mean_pool(hidden: &Tensor, mask: &Tensor) -> Tensor {
    let mean = mean(hidden, mask);
    let norm = mean.norm_scalaropt_dim(2, 1, true).clamp_min(1e-12);
    mean / norm
}

/// The layer index of a variable named `encoder.layer.N.…`.
pub(crate) fn layer_of(name: &str) -> Option<usize> {
    name.strip_prefix("encoder.layer.")?
        .split('.')
        .next()?
        .parse()
        .ok()
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
