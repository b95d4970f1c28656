//! Embeds the shipped model (`models/default`) in the binary when it exists, so that
//! `cadence classify` works with no set-up. A checkout without it still builds; `--model`
//! is then required. With the `bert` feature, also lets the binary find libtorch.

use std::path::Path;

#[path = "../classifier/build/libtorch_rpath.rs"]
mod libtorch_rpath;

fn main() {
    libtorch_rpath::emit();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
    println!("cargo::rustc-check-cfg=cfg(default_model)");
    println!("cargo::rerun-if-changed={}", model.display());
    for file in ["manifest.json", "weights.safetensors"] {
        println!("cargo::rerun-if-changed={}", model.join(file).display());
    }
    if model.join("manifest.json").is_file() && model.join("weights.safetensors").is_file() {
        println!("cargo::rustc-cfg=default_model");
    }
}
