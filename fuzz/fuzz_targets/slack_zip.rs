#![no_main]
//! Arbitrary bytes as a Slack export zip: written to `export.zip` and read with
//! `read_inputs`, format slack (the zip reader, the tree and the Slack export reader).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read_file(Some(Format::Slack), "export.zip", data);
});
