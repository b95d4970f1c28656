#![no_main]
//! Plain JSONL (`read_bytes`, format jsonl).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::Jsonl, "messages.jsonl", data);
});
