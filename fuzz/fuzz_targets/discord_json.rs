#![no_main]
//! A DiscordChatExporter JSON file (`read_bytes`, format discord).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::Discord, "Acme - Eng - backend [1].json", data);
});
