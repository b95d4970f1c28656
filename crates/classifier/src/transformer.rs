//! MiniLM's transformer layers run by our own forward pass rather than rust-bert's, so that
//! their linear maps can take int8 weights: libtorch's fbgemm kernels, with activations
//! quantised per batch as PyTorch's `quantize_dynamic` does. On these cores (AVX-512 VNNI)
//! that is about half the arithmetic time of fp32, and the embeddings stay within a few
//! thousandths of cosine of the fp32 ones.

use std::collections::HashMap;

use rust_bert::bert::BertConfig;
use tch::{Kind, Scalar, Tensor};

use crate::encoder::Precision;
use crate::{Error, Result};

/// `y = x Wᵀ + b`.
#[derive(Debug)]
enum Linear {
    Fp32 {
        weight: Tensor,
        bias: Tensor,
    },
    Int8 {
        weight: Tensor,
        packed: Tensor,
        column_offsets: Tensor,
        scale: f64,
        zero_point: i64,
        bias: Tensor,
        /// A row of +1s and one of -1s, appended to every input (see `forward`).
        bounds: Tensor,
        /// fbgemm adds a bias before our per-row rescaling; ours comes after.
        no_bias: Tensor,
    },
}

impl Linear {
    fn new(weights: &Weights, name: &str, precision: Precision) -> Result<Linear> {
        let weight = weights.get(&format!("{name}.weight"))?;
        let bias = weights.get(&format!("{name}.bias"))?;
        Ok(match precision {
            Precision::Fp32 => Linear::Fp32 { weight, bias },
            Precision::Int8 => {
                let Quantized {
                    weight,
                    column_offsets,
                    scale,
                    zero_point,
                } = quantize(&weight);
                let (outputs, inputs) = weight.size2().expect("a matrix");
                let ones = Tensor::ones([1, inputs], (Kind::Float, tch::Device::Cpu));
                Linear::Int8 {
                    packed: weight.fbgemm_pack_quantized_matrix(),
                    weight,
                    column_offsets,
                    scale,
                    zero_point,
                    bias,
                    bounds: Tensor::cat(&[&ones, &-&ones], 0),
                    no_bias: Tensor::zeros([outputs], (Kind::Float, tch::Device::Cpu)),
                }
            }
        })
    }

    fn forward(&self, input: &Tensor) -> Tensor {
        match self {
            Linear::Fp32 { weight, bias } => input.linear(weight, Some(bias)),
            Linear::Int8 {
                weight,
                packed,
                column_offsets,
                scale,
                zero_point,
                bias,
                bounds,
                no_bias,
            } => {
                // fbgemm quantises the whole input with one range, so a token's result would
                // depend on the other texts in its batch, and on outliers among them. Each
                // row is scaled to a largest magnitude of 1 instead, and the rows of ±1 pin
                // the range to [-1, 1]: every row is quantised on its own scale, whatever
                // else is in the batch.
                let mut shape = input.size();
                let width = *shape.last().expect("a feature dimension");
                let rows = input.reshape([-1, width]);
                let count = rows.size()[0];
                let magnitude = rows.abs().amax([1], true).clamp_min(1e-12);
                let unit = Tensor::cat(&[&(&rows / &magnitude), bounds], 0);
                let product = unit.fbgemm_linear_int8_weight_fp32_activation(
                    weight,
                    packed,
                    column_offsets,
                    Scalar::float(*scale),
                    Scalar::int(*zero_point),
                    no_bias,
                );
                let output = product.narrow(0, 0, count) * magnitude + bias;
                *shape.last_mut().expect("a feature dimension") = output.size()[1];
                output.view(shape.as_slice())
            }
        }
    }
}

/// An int8 matrix as fbgemm's legacy linear kernel takes it.
struct Quantized {
    weight: Tensor,
    /// Per output row: the sum of its int8 weights minus `zero_point` × the input width.
    column_offsets: Tensor,
    scale: f64,
    zero_point: i64,
}

/// Affine int8 quantisation of a whole `[out, in]` matrix, its range widened to hold 0 (as
/// PyTorch chooses the parameters).
fn quantize(weight: &Tensor) -> Quantized {
    const LOWEST: f64 = -128.0;
    const HIGHEST: f64 = 127.0;
    let low = weight.min().double_value(&[]).min(0.0);
    let high = weight.max().double_value(&[]).max(0.0);
    let scale = ((high - low) / (HIGHEST - LOWEST)).max(f64::from(f32::MIN_POSITIVE));
    let zero_point = (LOWEST - low / scale).round().clamp(LOWEST, HIGHEST);
    let weight = (weight / scale)
        .round()
        .f_add_scalar(zero_point)
        .expect("a float matrix")
        .clamp(LOWEST, HIGHEST)
        .to_kind(Kind::Int8)
        .contiguous();
    let inputs = weight.size()[1];
    let column_offsets = (weight
        .to_kind(Kind::Int)
        .sum_dim_intlist(1, false, Kind::Int)
        - zero_point as i64 * inputs)
        .to_kind(Kind::Int)
        .contiguous();
    Quantized {
        weight,
        column_offsets,
        scale,
        zero_point: zero_point as i64,
    }
}

/// Layer normalisation over the last dimension.
#[derive(Debug)]
struct Norm {
    weight: Tensor,
    bias: Tensor,
}

impl Norm {
    fn new(weights: &Weights, name: &str) -> Result<Norm> {
        Ok(Norm {
            weight: weights.get(&format!("{name}.weight"))?,
            bias: weights.get(&format!("{name}.bias"))?,
        })
    }

    fn forward(&self, input: &Tensor) -> Tensor {
        let width = *input.size().last().expect("a hidden dimension");
        input.layer_norm(
            [width],
            Some(&self.weight),
            Some(&self.bias),
            NORM_EPS,
            false,
        )
    }
}

/// One BERT layer: self-attention, then the feed-forward map, each followed by a residual
/// connection and layer normalisation.
#[derive(Debug)]
struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_output: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

/// The transformer layers of a BERT model, without its embeddings.
#[derive(Debug)]
pub struct Transformer {
    layers: Vec<Layer>,
    heads: i64,
}

/// BERT's layer normalisation epsilon (rust-bert's and Hugging Face's default).
const NORM_EPS: f64 = 1e-12;

impl Transformer {
    /// The layers of a BERT model whose weights are `variables`, named as in a Hugging Face
    /// `BertModel` (`encoder.layer.0.attention.self.query.weight`, ...).
    pub fn new(
        variables: HashMap<String, Tensor>,
        config: &BertConfig,
        precision: Precision,
    ) -> Result<Transformer> {
        let weights = Weights(variables);
        // libtorch calls its int8 kernels deprecated (they are what PyTorch's own dynamic
        // quantisation was built on, and still the fastest on CPU here) and says so on stderr
        // once per process: packing and one call happen here, with stderr silenced, so users
        // never see it. Should silencing fail, the notice merely shows.
        let _quiet = (precision == Precision::Int8).then(|| gag::Gag::stderr().ok());
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let at = |name: &str| format!("encoder.layer.{i}.{name}");
                Ok(Layer {
                    query: Linear::new(&weights, &at("attention.self.query"), precision)?,
                    key: Linear::new(&weights, &at("attention.self.key"), precision)?,
                    value: Linear::new(&weights, &at("attention.self.value"), precision)?,
                    attention_output: Linear::new(
                        &weights,
                        &at("attention.output.dense"),
                        precision,
                    )?,
                    attention_norm: Norm::new(&weights, &at("attention.output.LayerNorm"))?,
                    intermediate: Linear::new(&weights, &at("intermediate.dense"), precision)?,
                    output: Linear::new(&weights, &at("output.dense"), precision)?,
                    output_norm: Norm::new(&weights, &at("output.LayerNorm"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if let (Precision::Int8, Some(layer)) = (precision, layers.first()) {
            let token = Tensor::zeros([1, 1, config.hidden_size], (Kind::Float, tch::Device::Cpu));
            drop(layer.query.forward(&token));
        }
        Ok(Transformer {
            layers,
            heads: config.num_attention_heads,
        })
    }

    /// The last hidden states of `[batch, tokens, width]` embeddings; `mask` is `[batch,
    /// tokens]`, 1 for a token and 0 for padding.
    pub fn forward(&self, embeddings: &Tensor, mask: &Tensor) -> Tensor {
        let (batch, tokens, width) = embeddings.size3().expect("[batch, tokens, width]");
        let head_width = width / self.heads;
        // Padding is kept out of attention by a large negative score.
        let padding = ((mask.to_kind(Kind::Float) - 1.0) * 1e4).view([batch, 1, 1, tokens]);
        let split = |x: Tensor| {
            x.view([batch, tokens, self.heads, head_width])
                .transpose(1, 2)
        };
        let mut hidden = embeddings.shallow_clone();
        for layer in &self.layers {
            let attended = Tensor::scaled_dot_product_attention(
                &split(layer.query.forward(&hidden)),
                &split(layer.key.forward(&hidden)),
                &split(layer.value.forward(&hidden)),
                Some(&padding),
                0.0,
                false,
                None,
            )
            .transpose(1, 2)
            .contiguous()
            .view([batch, tokens, width]);
            let attended = layer
                .attention_norm
                .forward(&(layer.attention_output.forward(&attended) + &hidden));
            let inner = layer.intermediate.forward(&attended).gelu("none");
            hidden = layer
                .output_norm
                .forward(&(layer.output.forward(&inner) + &attended));
        }
        hidden
    }
}

/// A model's weights by name.
struct Weights(HashMap<String, Tensor>);

impl Weights {
    fn get(&self, name: &str) -> Result<Tensor> {
        self.0
            .get(name)
            .map(|t| t.detach().to_kind(Kind::Float).contiguous())
            .ok_or_else(|| Error::Encoder(format!("the encoder weights have no {name}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_linear_stays_close_to_fp32() {
        tch::manual_seed(7);
        let weight = Tensor::randn([96, 64], (Kind::Float, tch::Device::Cpu)) * 0.05;
        let bias = Tensor::randn([96], (Kind::Float, tch::Device::Cpu)) * 0.01;
        let weights = Weights(HashMap::from([
            ("w.weight".to_owned(), weight),
            ("w.bias".to_owned(), bias),
        ]));
        let input = Tensor::randn([5, 7, 64], (Kind::Float, tch::Device::Cpu));
        let exact = Linear::new(&weights, "w", Precision::Fp32)
            .unwrap()
            .forward(&input);
        let approximate = Linear::new(&weights, "w", Precision::Int8)
            .unwrap()
            .forward(&input);
        assert_eq!(approximate.size(), exact.size());
        let error = (&approximate - &exact).norm().double_value(&[]);
        let size = exact.norm().double_value(&[]);
        assert!(error / size < 0.02, "relative error {}", error / size);
    }

    #[test]
    fn a_missing_weight_is_named() {
        let weights = Weights(HashMap::new());
        let error = Linear::new(&weights, "encoder.layer.0.output.dense", Precision::Int8)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("encoder.layer.0.output.dense.weight"),
            "{error}"
        );
    }
}
