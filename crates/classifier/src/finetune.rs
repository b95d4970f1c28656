//! Fine-tuning the top layers of the MiniLM encoder on labelled examples.
//!
//! The lower layers stay frozen: they run once per distinct sequence and their output is
//! cached, so each training step runs only the top `layers` transformer layers (forward and
//! backward) and a softmax layer over the mean-pooled states, trained with cross-entropy on
//! the labels (balanced), AdamW, linear warm-up then linear decay, dropout on. The softmax
//! layer is thrown away afterwards: the trained layers, rounded to f16, replace the encoder's
//! top layers, and the calibrated head is then trained on the fine-tuned embeddings like on
//! any other encoder's vectors.

use serde::{Deserialize, Serialize};

use crate::encoder::Input;

/// How to fine-tune; stored in the model's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FineTuneConfig {
    /// How many of the top transformer layers are trained (the rest stay frozen).
    pub layers: usize,
    pub input: Input,
    pub epochs: usize,
    pub batch_size: usize,
    /// Peak learning rate of the transformer layers.
    pub learning_rate: f64,
    /// Peak learning rate of the temporary softmax layer.
    pub head_learning_rate: f64,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f64,
    /// Share of the steps over which the learning rate rises linearly from zero.
    pub warmup_fraction: f64,
    /// Seeds the softmax layer's initial weights, dropout and the order of the examples.
    pub seed: u64,
}

impl Default for FineTuneConfig {
    fn default() -> Self {
        FineTuneConfig {
            layers: 2,
            input: Input::Separate,
            epochs: 4,
            batch_size: 16,
            learning_rate: 1e-4,
            head_learning_rate: 2e-3,
            weight_decay: 0.01,
            warmup_fraction: 0.1,
            seed: 42,
        }
    }
}

#[cfg(feature = "bert")]
pub use imp::{average_tunings, fine_tune};

/// `encoder` with its MiniLM's top layers fine-tuned on `examples` (the n-grams of a hybrid
/// stay as they are), and what fine-tuning did. A head for it is trained with
/// [`crate::train_with`], which fine-tunes once per cross-fitting fold and once on everything.
#[cfg_attr(not(feature = "bert"), allow(unused_variables))]
pub fn fine_tune_encoder(
    encoder: &crate::Encoder,
    examples: &[crate::Example],
    config: &FineTuneConfig,
    on_epoch: impl FnMut(usize, f64),
) -> crate::Result<(crate::Encoder, crate::model_dir::FineTuning)> {
    #[cfg(feature = "bert")]
    {
        let minilm = encoder.minilm().ok_or_else(|| {
            crate::Error::Training("only a MiniLM or hybrid encoder can be fine-tuned".into())
        })?;
        let (tuned, report) = fine_tune(minilm, examples, config, on_epoch)?;
        Ok((encoder.with_minilm(tuned), report))
    }
    #[cfg(not(feature = "bert"))]
    Err(crate::Error::Encoder(
        crate::encoder::BERT_MISSING.to_owned(),
    ))
}

#[cfg(feature = "bert")]
mod imp {
    use std::collections::HashMap;

    use cadence_taxonomy::Label;
    use rust_bert::bert::BertLayer;
    use safetensors::{Dtype, tensor::TensorView};
    use tch::{Device, Kind, Reduction, Tensor, nn, nn::Module, nn::OptimizerConfig};
    use tokenizers::EncodeInput;
    use xxhash_rust::xxh3::xxh3_64_with_seed;

    use super::FineTuneConfig;
    use crate::encoder::Input;
    use crate::minilm::{
        Minilm, TORCH_RANDOM, Tuning, layer_of, length_sorted_batches, mean, padded_batch,
        run_layers,
    };
    use crate::model_dir::FineTuning;
    use crate::train::Example;
    use crate::{Error, Result};

    /// Which cached sequences make up an example: the pair, or the message and its context.
    struct Item {
        text: usize,
        context: Option<usize>,
        label: i64,
    }

    /// Fine-tunes `base`'s top layers on `examples`; returns the encoder with the trained
    /// layers in place and what training did. `on_epoch(epoch, mean loss)` after each epoch.
    pub fn fine_tune<'a>(
        base: &Minilm,
        examples: &'a [Example],
        config: &FineTuneConfig,
        mut on_epoch: impl FnMut(usize, f64),
    ) -> Result<(Minilm, FineTuning)> {
        if base.tuning().is_some() {
            return Err(Error::Training(
                "fine-tuning starts from the base encoder, not a fine-tuned one".into(),
            ));
        }
        if examples.is_empty() || config.epochs == 0 || config.batch_size == 0 {
            return Err(Error::Training(
                "fine-tuning needs examples, at least one epoch and a batch size".into(),
            ));
        }
        // The softmax layer's initial weights and dropout come from libtorch's one random
        // generator: nobody else draws from it until training is done, so that a fine-tuning
        // is decided by its seed alone.
        let random = TORCH_RANDOM.lock().unwrap_or_else(|e| e.into_inner());
        let network = base.network();
        let total = network.layers.len();
        if config.layers == 0 || config.layers > total {
            return Err(Error::Training(format!(
                "cannot fine-tune {} layers of an encoder with {total}",
                config.layers
            )));
        }
        let first = total - config.layers;
        let hidden_size = network.config.hidden_size;

        // The sequences: one pair per example, or each distinct text once.
        let mut inputs: Vec<EncodeInput<'a>> = Vec::new();
        let mut items: Vec<Item> = Vec::with_capacity(examples.len());
        let mut slot_of: HashMap<&'a str, usize> = HashMap::new();
        for example in examples.iter() {
            let label = example.label.index() as i64;
            match config.input {
                Input::Pair => {
                    inputs.push(match &example.context {
                        Some(context) => {
                            EncodeInput::Dual(example.text.as_str().into(), context.as_str().into())
                        }
                        None => EncodeInput::Single(example.text.as_str().into()),
                    });
                    items.push(Item {
                        text: inputs.len() - 1,
                        context: None,
                        label,
                    });
                }
                Input::Separate => {
                    let mut slot = |text: &'a str| {
                        *slot_of.entry(text).or_insert_with(|| {
                            inputs.push(EncodeInput::Single(text.into()));
                            inputs.len() - 1
                        })
                    };
                    let text = slot(&example.text);
                    let context = example.context.as_deref().map(&mut slot);
                    items.push(Item {
                        text,
                        context,
                        label,
                    });
                }
            }
        }
        let encodings = base.tokenize(inputs);

        // The frozen layers' output, once per sequence.
        let mut states: Vec<Tensor> = Vec::with_capacity(encodings.len());
        states.resize_with(encodings.len(), Tensor::new);
        {
            let _no_grad = tch::no_grad_guard();
            for batch in length_sorted_batches(&encodings, 64) {
                let (ids, types, mask) = padded_batch(&encodings, &batch);
                let hidden = network.embed_tokens(&ids, &types);
                let hidden = run_layers(&network.layers[..first], hidden, &mask, false);
                for (row, &i) in batch.iter().enumerate() {
                    let length = encodings[i].get_ids().len() as i64;
                    states[i] = hidden.get(row as i64).narrow(0, 0, length).copy();
                }
            }
        }

        // The trainable copy of the top layers, then the temporary softmax layer.
        tch::manual_seed(config.seed as i64);
        let variables = nn::VarStore::new(Device::Cpu);
        let root = variables.root();
        let layers: Vec<BertLayer> = (first..total)
            .map(|i| BertLayer::new(&root / "encoder" / "layer" / i as i64, &network.config))
            .collect();
        {
            let _no_grad = tch::no_grad_guard();
            let base_variables = network.variables.variables();
            for (name, mut variable) in variables.variables() {
                variable.copy_(&base_variables[&name]);
            }
        }
        let item_width = match config.input {
            Input::Pair => hidden_size,
            Input::Separate => 2 * hidden_size,
        };
        let head = nn::linear(
            root.set_group(1) / "softmax",
            item_width,
            Label::COUNT as i64,
            Default::default(),
        );
        drop(network);

        let mut counts = [0usize; Label::COUNT];
        items
            .iter()
            .for_each(|item| counts[item.label as usize] += 1);
        let class_weights: Vec<f32> = counts
            .iter()
            .map(|&c| items.len() as f32 / (Label::COUNT as f32 * c.max(1) as f32))
            .collect();
        let class_weights = Tensor::from_slice(&class_weights);

        let mut optimizer = nn::AdamW {
            wd: config.weight_decay,
            ..Default::default()
        }
        .build(&variables, config.learning_rate)
        .map_err(|e| Error::Training(e.to_string()))?;
        let steps_per_epoch = items.len().div_ceil(config.batch_size);
        let total_steps = steps_per_epoch * config.epochs;
        let warmup = ((total_steps as f64 * config.warmup_fraction).round() as usize).max(1);
        let mut step = 0;
        let mut epoch_losses = Vec::with_capacity(config.epochs);
        for epoch in 0..config.epochs {
            let batches = length_bucketed_batches(&items, &states, config, epoch as u64);
            let mut loss_sum = 0.0;
            for batch in &batches {
                step += 1;
                let scale = if step <= warmup {
                    step as f64 / warmup as f64
                } else {
                    (total_steps - step) as f64 / (total_steps - warmup).max(1) as f64
                };
                optimizer.set_lr_group(0, config.learning_rate * scale);
                optimizer.set_lr_group(1, config.head_learning_rate * scale);

                let features =
                    batch_features(&layers, &states, &items, batch, config.input, hidden_size);
                let targets =
                    Tensor::from_slice(&batch.iter().map(|&i| items[i].label).collect::<Vec<_>>());
                let logits = head.forward(&features.dropout(0.1, true));
                let loss = logits.cross_entropy_loss::<&Tensor>(
                    &targets,
                    Some(&class_weights),
                    Reduction::Mean,
                    -100,
                    0.0,
                );
                optimizer.backward_step_clip_norm(&loss, 1.0);
                loss_sum += loss.double_value(&[]) * batch.len() as f64;
            }
            let epoch_loss = loss_sum / items.len() as f64;
            on_epoch(epoch + 1, epoch_loss);
            epoch_losses.push(epoch_loss);
        }

        drop(random);
        let file = half_precision_file(&variables)?;
        let tuned = base.with_tuning(Tuning::new(config.input, config.layers, file))?;
        Ok((
            tuned,
            FineTuning {
                config: config.clone(),
                examples: Some(examples.len()),
                epoch_losses,
            },
        ))
    }

    /// The examples in batches of similar length (little padding), the batches in an order
    /// shuffled anew each epoch: ties in length and the batch order decided by the seed.
    fn length_bucketed_batches(
        items: &[Item],
        states: &[Tensor],
        config: &FineTuneConfig,
        epoch: u64,
    ) -> Vec<Vec<usize>> {
        let seed = config.seed.wrapping_add(epoch);
        let hash = |i: usize| xxh3_64_with_seed(&(i as u64).to_le_bytes(), seed);
        let length = |item: &Item| {
            let context = item.context.map_or(0, |c| states[c].size()[0]);
            states[item.text].size()[0].max(context)
        };
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&i| (length(&items[i]), hash(i)));
        let mut batches: Vec<Vec<usize>> = order
            .chunks(config.batch_size)
            .map(<[usize]>::to_vec)
            .collect();
        let mut keyed: Vec<(u64, Vec<usize>)> = batches
            .drain(..)
            .enumerate()
            .map(|(b, batch)| (hash(usize::MAX - b), batch))
            .collect();
        keyed.sort_by_key(|(key, _)| *key);
        keyed.into_iter().map(|(_, batch)| batch).collect()
    }

    /// The mean-pooled top-layer states of the examples `batch`, with dropout: the pair's, or
    /// the message's then the context's (zeros for none).
    fn batch_features(
        layers: &[BertLayer],
        states: &[Tensor],
        items: &[Item],
        batch: &[usize],
        input: Input,
        hidden_size: i64,
    ) -> Tensor {
        let mut sequences: Vec<usize> = Vec::new();
        let mut row_of: HashMap<usize, i64> = HashMap::new();
        let mut row = |sequence: usize, sequences: &mut Vec<usize>| {
            *row_of.entry(sequence).or_insert_with(|| {
                sequences.push(sequence);
                sequences.len() as i64 - 1
            })
        };
        let rows: Vec<(i64, Option<i64>)> = batch
            .iter()
            .map(|&i| {
                let text = row(items[i].text, &mut sequences);
                let context = items[i].context.map(|c| row(c, &mut sequences));
                (text, context)
            })
            .collect();
        let lengths: Vec<i64> = sequences.iter().map(|&s| states[s].size()[0]).collect();
        let longest = lengths.iter().copied().max().unwrap_or(0);
        let padded: Vec<Tensor> = sequences
            .iter()
            .zip(&lengths)
            .map(|(&s, &length)| states[s].constant_pad_nd([0, 0, 0, longest - length]))
            .collect();
        let hidden = Tensor::stack(&padded, 0);
        let mask = Tensor::arange(longest, (Kind::Int64, Device::Cpu))
            .unsqueeze(0)
            .lt_tensor(&Tensor::from_slice(&lengths).unsqueeze(1))
            .to_kind(Kind::Int64);
        let hidden = run_layers(layers, hidden, &mask, true);
        let pooled = mean(&hidden, &mask);
        let text = Tensor::from_slice(&rows.iter().map(|r| r.0).collect::<Vec<_>>());
        if input == Input::Pair {
            return pooled.index_select(0, &text);
        }
        let zeros = Tensor::zeros([1, hidden_size], (Kind::Float, Device::Cpu));
        let pooled = Tensor::cat(&[pooled, zeros], 0);
        let none = sequences.len() as i64;
        let context =
            Tensor::from_slice(&rows.iter().map(|r| r.1.unwrap_or(none)).collect::<Vec<_>>());
        Tensor::cat(
            &[
                pooled.index_select(0, &text),
                pooled.index_select(0, &context),
            ],
            1,
        )
    }

    /// The trained layers as a safetensors file of f16 tensors, by name.
    fn half_precision_file(variables: &nn::VarStore) -> Result<Vec<u8>> {
        let mut named: Vec<(String, Tensor)> = variables
            .variables()
            .into_iter()
            .filter(|(name, _)| layer_of(name).is_some())
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        f16_file(&named)
    }

    /// `tensors` rounded to f16, as a safetensors file.
    fn f16_file(tensors: &[(String, Tensor)]) -> Result<Vec<u8>> {
        let data: Vec<(&str, Vec<usize>, Vec<u8>)> = tensors
            .iter()
            .map(|(name, tensor)| {
                let half = tensor.detach().to_kind(Kind::Half).contiguous();
                let numel = half.numel();
                let mut bytes = vec![0u8; numel * 2];
                half.copy_data_u8(&mut bytes, numel);
                let shape = half.size().iter().map(|&d| d as usize).collect();
                (name.as_str(), shape, bytes)
            })
            .collect();
        let views = data
            .iter()
            .map(|(name, shape, bytes)| {
                TensorView::new(Dtype::F16, shape.clone(), bytes)
                    .map(|view| (*name, view))
                    .map_err(|e| Error::Training(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        safetensors::serialize(views, None).map_err(|e| Error::Training(e.to_string()))
    }

    /// One tuning whose every tensor is the mean of `tunings`' (a "model soup"): fine-tunings
    /// of the same layers from the same base encoder, with different seeds.
    pub fn average_tunings(tunings: &[&Tuning]) -> Result<Tuning> {
        let first = tunings
            .first()
            .ok_or_else(|| Error::Training("no fine-tunings to average".into()))?;
        if let Some(other) = tunings
            .iter()
            .find(|t| (t.layers, t.input) != (first.layers, first.input))
        {
            return Err(Error::Training(format!(
                "cannot average fine-tunings of {} and {} layers ({:?} and {:?} input)",
                first.layers, other.layers, first.input, other.input
            )));
        }
        let files = tunings
            .iter()
            .map(|t| safetensors::SafeTensors::deserialize(t.file()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Training(format!("a fine-tuned layers file: {e}")))?;
        let mut names = files[0].names();
        names.sort();
        let mut averaged = Vec::with_capacity(names.len());
        for name in names {
            let mut sum: Option<Tensor> = None;
            for file in &files {
                let view = file
                    .tensor(name)
                    .map_err(|e| Error::Training(format!("fine-tunings differ in {name}: {e}")))?;
                let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
                let values =
                    Tensor::from_data_size(view.data(), &shape, Kind::Half).to_kind(Kind::Float);
                sum = Some(match sum {
                    Some(total) => total + values,
                    None => values,
                });
            }
            let sum = sum.expect("at least one file");
            averaged.push((name.to_owned(), sum / files.len() as f64));
        }
        Ok(Tuning::new(first.input, first.layers, f16_file(&averaged)?))
    }
}
