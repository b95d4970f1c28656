#![no_main]
//! Plain text, one message a line (`read_bytes`, format text).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::Text, "messages.txt", data);
});
