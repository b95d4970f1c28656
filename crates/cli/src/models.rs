//! Which model a command uses: a model directory, or the one built into the binary.

use std::path::PathBuf;

use anyhow::Result;
use cadence_classifier::model_dir::{self, LoadedModel};

/// Which model to load, and where its encoder is.
#[derive(Debug, clap::Args)]
pub struct ModelSource {
    /// Model directory [default: the built-in model].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub encoder: EncoderDirArg,
}

/// Where a MiniLM model's encoder is.
#[derive(Debug, clap::Args)]
pub struct EncoderDirArg {
    /// The MiniLM encoder's folder, for models that use it [default: $CADENCE_ENCODER_DIR,
    /// else `.cache/bert/all-minilm-l6-v2` of the repository cadence was built from, where
    /// `scripts/setup-bert` puts it].
    #[arg(long, value_name = "DIR")]
    pub encoder_dir: Option<PathBuf>,
}

impl ModelSource {
    /// Loads `--model DIR`, or the shipped default model when none is given.
    pub fn load(&self) -> Result<LoadedModel> {
        match &self.model {
            Some(dir) => Ok(model_dir::load_with_encoder_dir(
                dir,
                self.encoder.encoder_dir.as_deref(),
            )?),
            None => builtin(),
        }
    }
}

/// The model options of the commands that classify.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    #[command(flatten)]
    pub source: ModelSource,
    /// Below this confidence the label is `uncertain`.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = parse_probability)]
    pub threshold: f32,
}

pub fn parse_probability(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{text:?} is not a probability between 0 and 1")),
    }
}

#[cfg(default_model)]
fn builtin() -> Result<LoadedModel> {
    const MANIFEST: &[u8] = include_bytes!("../../../models/default/manifest.json");
    const WEIGHTS: &[u8] = include_bytes!("../../../models/default/weights.safetensors");
    Ok(model_dir::load_bytes(
        MANIFEST,
        WEIGHTS,
        "built-in default",
    )?)
}

#[cfg(not(default_model))]
fn builtin() -> Result<LoadedModel> {
    anyhow::bail!(
        "this build has no built-in model (models/default was missing when it was built): \
         pass --model DIR"
    )
}
