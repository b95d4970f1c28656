#![no_main]
//! A Telegram Desktop result.json (`read_bytes`, format telegram).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::Telegram, "result.json", data);
});
