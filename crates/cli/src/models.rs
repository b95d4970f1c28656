//! Which model a command uses: a model directory, or the one built into the binary.

use std::path::{Path, PathBuf};

use anyhow::Result;
use cadence_classifier::model_dir::{self, LoadedModel};

/// The model options of the commands that classify.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Model directory [default: the built-in model].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
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

/// Loads `--model DIR`, or the shipped default model when none is given.
pub fn load(dir: Option<&Path>) -> Result<LoadedModel> {
    match dir {
        Some(dir) => Ok(model_dir::load(dir)?),
        None => builtin(),
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
