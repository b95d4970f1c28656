#![no_main]
//! A WhatsApp chat text file (`read_bytes`, format whatsapp).

use cadence_chatlog::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadence_chatlog_fuzz::read(Format::WhatsApp, "WhatsApp Chat with Team.txt", data);
});
