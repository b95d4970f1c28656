#![no_main]
//! A Slack day file (`read_bytes`, format slack).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::Slack, "general/2024-05-06.json", data);
});
