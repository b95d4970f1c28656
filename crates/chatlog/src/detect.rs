//! Recognising an input's format from its name and its first bytes.

use std::path::Path;

use crate::Format;

/// Picks a plain format from a file name's extension, if it names one.
pub(crate) fn detect_plain_name(name: &str) -> Option<Format> {
    let extension = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        "txt" | "text" | "log" => Some(Format::Text),
        _ => None,
    }
}

/// Detects a single file's format from its extension, then from its first bytes.
pub(crate) fn detect_file(path: &Path, head: &[u8]) -> Format {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    detect_plain_name(name).unwrap_or_else(|| sniff_plain(head))
}

/// A stream that starts with a JSON object is JSONL; anything else is text.
pub(crate) fn sniff_plain(head: &[u8]) -> Format {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::Jsonl,
        _ => Format::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_decides_then_content() {
        assert_eq!(detect_file(Path::new("a.JSONL"), b"x"), Format::Jsonl);
        assert_eq!(detect_file(Path::new("a.csv"), b"{"), Format::Csv);
        assert_eq!(
            detect_file(Path::new("notes"), b"\xEF\xBB\xBF  {\"text\":1}"),
            Format::Jsonl
        );
        assert_eq!(detect_file(Path::new("notes"), b"on it"), Format::Text);
    }
}
