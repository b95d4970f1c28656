//! With the `bert` feature, puts libtorch's `lib/` in the rpath of the package's binaries and
//! tests, so they run without `LD_LIBRARY_PATH`: torch-sys links libtorch but sets no rpath.
//! `LIBTORCH` comes from `.cargo/config.toml` (the folder `scripts/setup-bert` assembles).

pub fn emit() {
    println!("cargo::rerun-if-env-changed=LIBTORCH");
    if std::env::var_os("CARGO_FEATURE_BERT").is_none() {
        return;
    }
    if let Some(libtorch) = std::env::var_os("LIBTORCH") {
        let lib = std::path::Path::new(&libtorch).join("lib");
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
