#![no_main]
//! A Mattermost bulk export (`read_bytes`, format mattermost).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::Mattermost, "export.jsonl", data);
});
