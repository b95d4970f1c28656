#![no_main]
//! Arbitrary bytes as a file whose format is detected (`read_inputs`, no format given). The
//! first byte picks the file's name from `DETECT_NAMES` (extensions, `result.json`, a zip);
//! the rest is the file.

use cadence_chatlog_fuzz::{DETECT_NAMES, read_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let name = DETECT_NAMES[usize::from(pick) % DETECT_NAMES.len()];
    read_file(None, name, file);
});
