#[path = "../crates/classifier/build/libtorch_rpath.rs"]
mod libtorch_rpath;

fn main() {
    libtorch_rpath::emit();
}
