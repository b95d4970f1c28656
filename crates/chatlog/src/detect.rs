//! Recognising an input's format from its structure: the files a folder or zip holds, the
//! keys a JSON file starts with, the shape of a text file's first line.

use std::path::Path;

use crate::{ExportTree, Format, whatsapp};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How a folder or zip is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TreeKind {
    /// A Slack workspace export whose metadata files sit in folder `root` (`""` or `x/`).
    Slack { root: String },
    /// A Teams export: `messages_*.json` files, maybe with `channels_*.json`.
    Teams,
    /// A Telegram Desktop export, read from its `result.json`.
    Telegram { file: String },
    /// WhatsApp's zip: the chat text files, with media beside them.
    WhatsApp { chats: Vec<String> },
    /// No one platform's export: each file is detected and read on its own.
    Files,
}

/// Recognises a platform's export from the files it holds.
pub(crate) fn detect_tree(tree: &ExportTree) -> TreeKind {
    if let Some(root) = slack_root(tree) {
        return TreeKind::Slack { root };
    }
    let files = tree.files();
    if let Some(file) = files
        .iter()
        .filter(|f| base_name(f) == "result.json")
        .min_by_key(|f| f.len())
    {
        return TreeKind::Telegram { file: file.clone() };
    }
    let chats: Vec<String> = files
        .iter()
        .filter(|f| is_whatsapp_chat_name(base_name(f)))
        .cloned()
        .collect();
    if !chats.is_empty() {
        return TreeKind::WhatsApp { chats };
    }
    if files.iter().any(|f| is_teams_messages_name(base_name(f))) {
        return TreeKind::Teams;
    }
    TreeKind::Files
}

/// How a folder or zip is read when the caller names its format.
pub(crate) fn tree_kind_for(format: Format, tree: &ExportTree) -> TreeKind {
    match (format, detect_tree(tree)) {
        (Format::Slack, TreeKind::Slack { root }) => TreeKind::Slack { root },
        (Format::Slack, _) => TreeKind::Slack {
            root: String::new(),
        },
        (Format::Teams, _) => TreeKind::Teams,
        (Format::Telegram, kind @ TreeKind::Telegram { .. }) => kind,
        (Format::WhatsApp, kind @ TreeKind::WhatsApp { .. }) => kind,
        (Format::WhatsApp, _) => TreeKind::WhatsApp {
            chats: tree
                .files()
                .iter()
                .filter(|f| extension(f) == "txt")
                .cloned()
                .collect(),
        },
        _ => TreeKind::Files,
    }
}

/// The folder of a Slack export's `users.json` and `channels.json`; failing that, `""` when
/// the tree has conversation folders of `YYYY-MM-DD.json` day files.
fn slack_root(tree: &ExportTree) -> Option<String> {
    let files = tree.files();
    let with_metadata = files
        .iter()
        .filter(|f| base_name(f) == "channels.json")
        .map(|f| &f[..f.len() - "channels.json".len()])
        .filter(|root| tree.contains(&format!("{root}users.json")))
        .min_by_key(|root| root.len());
    if let Some(root) = with_metadata {
        return Some(root.to_owned());
    }
    files
        .iter()
        .any(|f| f.contains('/') && is_day_file_name(base_name(f)))
        .then(String::new)
}

/// `2024-01-31.json`, the name of a Slack day file.
pub(crate) fn is_day_file_name(name: &str) -> bool {
    let Some(date) = name.strip_suffix(".json") else {
        return false;
    };
    date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

fn is_whatsapp_chat_name(name: &str) -> bool {
    name.ends_with(".txt") && (name == "_chat.txt" || name.starts_with("WhatsApp Chat"))
}

pub(crate) fn is_teams_messages_name(name: &str) -> bool {
    name.starts_with("messages_") && name.ends_with(".json")
}

/// Whether a file of a folder or zip may hold chat, by its extension.
pub(crate) fn may_be_chat_file(name: &str) -> bool {
    matches!(
        extension(name).as_str(),
        "json" | "jsonl" | "ndjson" | "csv" | "txt" | "text" | "log"
    )
}

/// Detects a single file's format from its first bytes, then its extension. `None` for
/// JSON of no shape cadence knows.
pub(crate) fn detect_file(name: &str, head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let extension = extension(name);
    // Checked first: iOS's `[06.05.24, 09:14:02] Ana: hi` starts like a JSON array.
    if text_lines(head)
        .take(5)
        .any(|line| whatsapp::starts_message(&line))
    {
        return Some(Format::WhatsApp);
    }
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => detect_json(name, head).or(match extension.as_str() {
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }),
        _ => Some(detect_text(&extension, head)),
    }
}

fn detect_json(name: &str, head: &[u8]) -> Option<Format> {
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    if let Ok(serde_json::Value::Object(line)) = serde_json::from_slice(first_line)
        && line.get("type").and_then(|t| t.as_str()) == Some("version")
    {
        return Some(Format::Mattermost);
    }
    let is_array = head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let lower = head.to_ascii_lowercase();
    if base_name(name) == "result.json"
        || has_key(head, "personal_information")
        || has_key(head, "chats")
        || (has_key(head, "messages")
            && (has_key(head, "date_unixtime") || has_key(head, "from_id")))
    {
        Some(Format::Telegram)
    } else if has_key(head, "guild") && has_key(head, "channel") {
        Some(Format::Discord)
    } else if ["createddatetime", "replytoid", "messagetype"]
        .iter()
        .any(|key| has_key(&lower, key))
    {
        Some(Format::Teams)
    } else if is_array && has_key(head, "ts") {
        Some(Format::Slack)
    } else if is_array {
        None
    } else {
        Some(Format::Jsonl)
    }
}

/// The non-blank lines at the start of a file.
fn text_lines(head: &[u8]) -> impl Iterator<Item = String> {
    head.split(|&b| b == b'\n')
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .filter(|line| !line.trim().is_empty())
}

fn detect_text(extension: &str, head: &[u8]) -> Format {
    let first_line = text_lines(head).next().unwrap_or_default();
    let columns: Vec<&str> = first_line.trim().split(',').map(str::trim).collect();
    if columns.starts_with(&["AuthorID", "Author", "Date", "Content"]) {
        Format::DiscordCsv
    } else if extension == "csv" {
        Format::Csv
    } else if extension == "jsonl" || extension == "ndjson" {
        Format::Jsonl
    } else {
        Format::Text
    }
}

/// Whether `"key"` appears as an object key (followed by a colon) in the bytes. In valid
/// JSON a string followed by a colon is always a key, and no string's contents can contain
/// an unescaped quote, so this cannot match inside message text.
fn has_key(json: &[u8], key: &str) -> bool {
    let needle = format!("\"{key}\"");
    let needle = needle.as_bytes();
    json.windows(needle.len())
        .enumerate()
        .filter(|(_, window)| *window == needle)
        .any(|(at, _)| {
            json[at + needle.len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                == Some(&b':')
        })
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_files_keep_their_old_detection() {
        assert_eq!(detect_file("a.JSONL", b"{\"text\":1}"), Some(Format::Jsonl));
        assert_eq!(detect_file("a.csv", b"text,id\n"), Some(Format::Csv));
        assert_eq!(
            detect_file("notes", b"\xEF\xBB\xBF  {\"text\":1}"),
            Some(Format::Jsonl)
        );
        assert_eq!(detect_file("notes", b"on it"), Some(Format::Text));
    }

    #[test]
    fn platform_files_are_recognised_by_content_whatever_their_name() {
        let cases: [(&[u8], Format); 9] = [
            (
                br#"[{"type": "message", "user": "U1", "ts" : "1.2"}]"#,
                Format::Slack,
            ),
            (
                br#"{"value": [{"Id": "1", "CreatedDateTime": "x"}]}"#,
                Format::Teams,
            ),
            (br#"[{"id": "1", "replyToId": null}]"#, Format::Teams),
            (
                br#"{"guild": {}, "channel": {}, "messages": []}"#,
                Format::Discord,
            ),
            (
                br#"{"name": "x", "messages": [{"date_unixtime": "1"}]}"#,
                Format::Telegram,
            ),
            (br#"{"about": "", "chats": {"list": []}}"#, Format::Telegram),
            (
                b"{\"type\":\"version\",\"version\":1}\n{\"type\":\"team\"}",
                Format::Mattermost,
            ),
            (
                b"\xE2\x80\x8E[06.05.24, 09:14:02] Ana: hi",
                Format::WhatsApp,
            ),
            (
                b"AuthorID,Author,Date,Content,Attachments,Reactions\n",
                Format::DiscordCsv,
            ),
        ];
        for (head, format) in cases {
            assert_eq!(
                detect_file("export", head),
                Some(format),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn keys_inside_strings_do_not_count() {
        assert!(!has_key(br#"{"text": "the \"guild\": thing"}"#, "guild"));
        assert!(has_key(br#"{"guild" : 1}"#, "guild"));
        assert_eq!(detect_file("x.json", br#"[1, 2]"#), None);
    }

    #[test]
    fn day_file_names() {
        assert!(is_day_file_name("2017-06-25.json"));
        assert!(!is_day_file_name("2017-6-25.json"));
        assert!(!is_day_file_name("users.json"));
    }
}
