//! What every fuzz target shares: drain a stream to its end and check what a reader
//! promises about its errors.

use std::path::PathBuf;

use cadence_chatlog::{Format, Input, MessageStream, ReadOptions, read_bytes, read_inputs};

/// Reads every item of the stream and the summary. A reader must end; given the input's size
/// (`max_items_from`), the number of items must stay within a few per byte, so a reader that
/// yields an error for the same record again and again is caught before the time-out.
pub fn drain(mut stream: MessageStream, max_items_from: Option<usize>) {
    let mut items = 0usize;
    while let Some(item) = stream.next() {
        items += 1;
        if let Err(e) = item {
            // Every error names where it happened.
            assert!(!e.to_string().is_empty());
        }
        if let Some(len) = max_items_from {
            assert!(
                items <= len.saturating_mul(4) + 16,
                "{items} items from {len} bytes: the reader does not advance"
            );
        }
        let _ = stream.summary();
    }
    let _ = stream.summary();
}

/// Reads `data` as one file called `name` in `format`.
pub fn read(format: Format, name: &str, data: &[u8]) {
    drain(
        read_bytes(format, name, data.to_vec(), &ReadOptions::default()),
        Some(data.len()),
    );
}

/// Writes `data` to a file called `name` in this process's own temporary folder and reads it
/// with `read_inputs`, as the command line would (with `format`, or detecting it).
pub fn read_file(format: Option<Format>, name: &str, data: &[u8]) {
    let dir = std::env::temp_dir().join(format!("cadence-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, data).expect("temporary file");
    let options = ReadOptions {
        format,
        ..ReadOptions::default()
    };
    // A zip decompresses to far more than its size: no bound on the items there.
    drain(read_inputs(&[Input::Path(path.clone())], &options), None);
    let _ = std::fs::remove_file(&path);
}

/// The file names the `detect` target gives its input, chosen by the input's first byte:
/// every extension detection looks at, Telegram's fixed name, and a zip (read as a tree).
pub const DETECT_NAMES: [&str; 7] = [
    "chat.json",
    "chat.jsonl",
    "chat.csv",
    "chat.txt",
    "result.json",
    "chat",
    "export.zip",
];
