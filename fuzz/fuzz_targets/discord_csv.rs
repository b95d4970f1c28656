#![no_main]
//! A DiscordChatExporter CSV file (`read_bytes`, format discord-csv).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::DiscordCsv, "Acme - Eng - frontend [2].csv", data);
});
