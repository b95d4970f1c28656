//! Which model a command uses: a model directory, or the one built into the binary.

use std::path::Path;

use anyhow::Result;
use cadence_classifier::model_dir::{self, LoadedModel};

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
