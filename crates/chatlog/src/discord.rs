//! DiscordChatExporter exports: JSON (`guild`, `channel`, `messages`) and CSV
//! (`AuthorID,Author,Date,Content,Attachments,Reactions`).

use std::io::BufRead;
use std::rc::Rc;

use cadence_taxonomy::Message;
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::ctx::Ctx;
use crate::document::Document;
use crate::json::{Elements, parse_record, records};
use crate::replies::{Recent, ReplyGuesser};
use crate::{Error, Result, time};

type Messages = Box<dyn Iterator<Item = Result<Message>>>;

/// Message types that are people talking; the others (joins, pins, boosts, calls) are
/// platform events.
const SPOKEN_TYPES: &[&str] = &["Default", "Reply"];

#[derive(Debug, Deserialize)]
struct Export<'a> {
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(borrow)]
    messages: &'a RawValue,
}

#[derive(Debug, Deserialize)]
struct Channel {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    id: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    timestamp: String,
    #[serde(default)]
    timestamp_edited: Option<String>,
    #[serde(default)]
    content: String,
    author: Author,
    #[serde(default)]
    mentions: Vec<Author>,
    #[serde(default)]
    reference: Option<Reference>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Author {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    is_bot: bool,
}

impl Author {
    /// The name shown in the server: the nickname, else the user name.
    fn shown_name(&self) -> Option<String> {
        self.nickname
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| self.name.clone())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reference {
    #[serde(default)]
    message_id: Option<String>,
}

/// Reads one channel exported as JSON.
pub(crate) fn read_json(document: Document, ctx: &Ctx) -> Result<Messages> {
    let bytes = document.read_all(&ctx.options.limits)?;
    let (conversation, elements) = match serde_json::from_slice::<Export<'_>>(&bytes) {
        Ok(export) => (
            export.channel.and_then(|c| c.name),
            Elements::of_nested(&bytes, export.messages),
        ),
        Err(e) => (None, Elements::broken(e.to_string())),
    };
    let conversation = conversation.unwrap_or_else(|| channel_from_file_name(document.stem()));
    let mut texts: Recent<String> = Recent::new();
    let ctx = ctx.clone();
    Ok(Box::new(records(
        bytes,
        elements,
        document.location,
        move |raw| {
            let raw: RawMessage = parse_record(raw)?;
            if raw
                .kind
                .as_deref()
                .is_some_and(|k| !SPOKEN_TYPES.contains(&k))
            {
                ctx.skip_system();
                return Ok(None);
            }
            let timestamp = chrono::DateTime::parse_from_rfc3339(&raw.timestamp)
                .map_err(|e| format!("timestamp {:?} is not a date: {e}", raw.timestamp))?
                .to_utc();
            let mut message = Message {
                source: Some("discord".to_owned()),
                conversation: Some(conversation.clone()),
                author: raw.author.shown_name().or(raw.author.id.clone()),
                timestamp: Some(timestamp),
                reply_to: raw.reference.and_then(|r| r.message_id),
                mentions: raw.mentions.iter().filter_map(Author::shown_name).collect(),
                is_bot: raw.author.is_bot,
                ..Message::new(plain_content(&raw.content, &raw.mentions))
            };
            if raw.timestamp_edited.is_some() {
                message.extra.insert("edited".to_owned(), Value::Bool(true));
            }
            if let Some(answered) = &message.reply_to {
                message.context = texts.get(answered).cloned();
            }
            texts.insert(raw.id.clone(), message.text.clone());
            message.id = Some(raw.id);
            Ok(ctx.admit(message))
        },
    )))
}

/// Discord's raw markup as text: `<@123>` and `<@!123>` become `@name` when the message's
/// mentions name them, custom emoji `<:party:123>` become `:party:`.
fn plain_content(content: &str, mentions: &[Author]) -> String {
    if !content.contains('<') {
        return content.to_owned();
    }
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        // A token runs to the first '>' with no '<' before it (`<<@1>` is a '<', then a
        // mention). Stopping at the next '<' keeps this linear: a text of many '<' and one
        // far '>' would otherwise be scanned to its end once per '<'.
        let after = &rest[open + 1..];
        let token = after
            .find(['<', '>'])
            .filter(|&end| after.as_bytes()[end] == b'>')
            .map(|close| &after[..close]);
        let replacement = token.and_then(|token| {
            if let Some(id) = token.strip_prefix('@') {
                let id = id.trim_start_matches('!');
                let name = mentions
                    .iter()
                    .find(|m| m.id.as_deref() == Some(id))?
                    .shown_name()?;
                Some(format!("@{name}"))
            } else {
                let emoji = token.strip_prefix("a:").or(token.strip_prefix(':'))?;
                let (name, _) = emoji.split_once(':')?;
                Some(format!(":{name}:"))
            }
        });
        match (token, replacement) {
            (Some(token), Some(replacement)) => {
                out.push_str(&replacement);
                rest = &rest[open + token.len() + 2..];
            }
            _ => {
                out.push('<');
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `Guild - Category - channel [123].csv` → `channel`.
fn channel_from_file_name(stem: &str) -> String {
    let without_id = match stem.rsplit_once(" [") {
        Some((name, id)) if id.ends_with(']') => name,
        _ => stem,
    };
    without_id
        .rsplit(" - ")
        .next()
        .unwrap_or(without_id)
        .to_owned()
}

/// Reads one channel exported as CSV. The CSV has no reply links, so they are inferred.
pub(crate) fn read_csv(
    reader: Box<dyn BufRead>,
    location: String,
    file_name: &str,
    ctx: &Ctx,
) -> Result<Messages> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = reader
        .headers()
        .map_err(|e| Error::input(&location, format!("cannot read the CSV header: {e}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
            .ok_or_else(|| Error::input(&location, format!("no {name} column in this Discord CSV")))
    };
    let (author_column, date_column, content_column) =
        (column("Author")?, column("Date")?, column("Content")?);
    let attachments_column = column("Attachments").ok();
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    let conversation = Rc::<str>::from(channel_from_file_name(stem));
    let offset = ctx.options.utc_offset_minutes;
    let mut replies = ReplyGuesser::new(ctx.options.reply_window_minutes);
    let ctx = ctx.clone();
    let rows = reader
        .into_records()
        .enumerate()
        .filter_map(move |(index, row)| {
            let number = index + 1;
            let here = || format!("{location} record {number}");
            let row = match row {
                Ok(row) => row,
                Err(e) => return Some(Err(Error::record(here(), e.to_string()))),
            };
            let field = |i: usize| row.get(i).unwrap_or_default();
            let Some(timestamp) = csv_date(field(date_column), offset) else {
                return Some(Err(Error::record(
                    here(),
                    format!("Date {:?} is not a date", field(date_column)),
                )));
            };
            let mut message = Message {
                source: Some("discord-csv".to_owned()),
                conversation: Some(conversation.to_string()),
                author: Some(field(author_column).to_owned()),
                timestamp: Some(timestamp),
                id: Some(number.to_string()),
                ..Message::new(field(content_column))
            };
            if let Some(files) = attachments_column.map(field).filter(|f| !f.is_empty()) {
                message
                    .extra
                    .insert("attachments".to_owned(), Value::String(files.to_owned()));
            }
            if !message.text.trim().is_empty() {
                replies.link(&mut message);
            }
            ctx.admit(message).map(Ok)
        });
    Ok(Box::new(rows))
}

/// DiscordChatExporter writes ISO 8601 with an offset; older versions a local
/// `12-Sep-20 02:25 PM`.
fn csv_date(text: &str, offset_minutes: i32) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Some(time.to_utc());
    }
    [
        "%d-%b-%y %I:%M %p",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text.trim(), format).ok())
    .map(|local| time::from_local(local, offset_minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_resolves_known_mentions_and_emoji() {
        let mentions = [Author {
            id: Some("42".into()),
            name: Some("bo".into()),
            nickname: Some("Bo Chen".into()),
            is_bot: false,
        }];
        assert_eq!(
            plain_content("<@!42> ship it <:party:99> <@7> a<b", &mentions),
            "@Bo Chen ship it :party: <@7> a<b"
        );
    }

    #[test]
    fn a_lone_angle_bracket_before_a_token_is_text() {
        let mentions = [Author {
            id: Some("42".into()),
            name: Some("bo".into()),
            nickname: None,
            is_bot: false,
        }];
        assert_eq!(plain_content("<<@42> <:x<:y:1>", &mentions), "<@bo <:x:y:");
    }

    #[test]
    fn channel_names_come_from_exporter_file_names() {
        assert_eq!(
            channel_from_file_name("Acme - Engineering - backend [8812]"),
            "backend"
        );
        assert_eq!(channel_from_file_name("notes"), "notes");
    }

    #[test]
    fn csv_dates_of_old_and_new_exporters() {
        assert_eq!(
            csv_date("2024-05-06T09:14:02.113+02:00", 0)
                .unwrap()
                .to_rfc3339(),
            "2024-05-06T07:14:02.113+00:00"
        );
        assert_eq!(
            csv_date("12-Sep-20 02:25 PM", 60).unwrap().to_rfc3339(),
            "2020-09-12T13:25:00+00:00"
        );
        assert_eq!(csv_date("yesterday", 0), None);
    }
}
