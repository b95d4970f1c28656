//! Helpers shared by the integration tests; they use only the crate's public API.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cadence_chatlog::{
    Format, Input, Message, MessageStream, ReadOptions, Summary, read_bytes, read_inputs,
};

/// The real export samples beside the checkout (`shared/fixtures`). Missing samples fail the
/// test: conformance must not pass by reading nothing.
pub fn shared_fixtures() -> PathBuf {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures"
    ));
    assert!(
        path.is_dir(),
        "the shared export samples are missing: expected them at {} (shared/fixtures beside \
         the checkout)",
        path.display()
    );
    path
}

/// This crate's own fixtures, `tests/fixtures/<format>/...`.
pub fn own_fixture(relative: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(relative)
}

/// Everything read from the inputs: messages, error texts, and the summary.
#[derive(Debug)]
pub struct Read {
    pub messages: Vec<Message>,
    pub errors: Vec<String>,
    pub summary: Summary,
}

impl Read {
    pub fn by_id(&self, id: &str) -> &Message {
        self.messages
            .iter()
            .find(|m| m.id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no message {id}: {:#?}", self.messages))
    }

    pub fn texts(&self) -> Vec<&str> {
        self.messages.iter().map(|m| m.text.as_str()).collect()
    }
}

pub fn read_with(paths: &[&Path], options: &ReadOptions) -> Read {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::Path(p.to_path_buf())).collect();
    drain(read_inputs(&inputs, options))
}

/// Everything one in-memory file gives, read through `read_bytes`.
pub fn read_bytes_all(format: Format, name: &str, bytes: Vec<u8>) -> Read {
    drain(read_bytes(format, name, bytes, &ReadOptions::default()))
}

fn drain(mut stream: MessageStream) -> Read {
    let mut messages = Vec::new();
    let mut errors = Vec::new();
    for item in stream.by_ref() {
        match item {
            Ok(message) => messages.push(message),
            Err(e) => errors.push(e.to_string()),
        }
    }
    Read {
        messages,
        errors,
        summary: stream.summary(),
    }
}

pub fn read(path: &Path) -> Read {
    read_with(&[path], &ReadOptions::default())
}

/// Zips a folder (entries named relative to it) into `zip_path`, as a platform would.
pub fn zip_folder(folder: &Path, zip_path: &Path, prefix: &str) {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::fs::File::create(zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut pending = vec![folder.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let name = path
            .strip_prefix(folder)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writer
            .start_file(format!("{prefix}{name}"), options)
            .unwrap();
        writer.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    writer.finish().unwrap();
}

/// Collapses all whitespace runs to one space, for comparing texts across exporters that
/// join lines differently.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
