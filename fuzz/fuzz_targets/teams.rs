#![no_main]
//! Teams Graph chatMessage JSON (`read_bytes`, format teams).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::Teams, "messages_general.json", data);
});
