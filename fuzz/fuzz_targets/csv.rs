#![no_main]
//! Plain CSV with a header row (`read_bytes`, format csv).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::Csv, "messages.csv", data);
});
