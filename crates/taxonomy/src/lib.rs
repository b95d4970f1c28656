//! The vocabulary every cadence crate shares: the four behaviours of autonomous work
//! ([`Label`]), what a classifier says about a message ([`Classification`]), and the chat
//! message model ([`Message`]) that readers produce and reports consume.

mod label;
mod message;

pub use label::{Example, Label, ParseLabelError};
pub use message::{Classification, Message, UNCERTAIN};
