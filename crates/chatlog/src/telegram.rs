//! Telegram Desktop exports (`result.json`): one chat (`name`, `type`, `id`, `messages`) or
//! a whole account (`chats.list`, `left_chats.list`).

use std::rc::Rc;

use cadence_taxonomy::Message;
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::ctx::Ctx;
use crate::document::Document;
use crate::json::{Elements, parse_record, records};
use crate::replies::Recent;
use crate::{Result, time};

type Messages = Box<dyn Iterator<Item = Result<Message>>>;

/// The top of an export: a chat, an account, or (with every field absent) neither.
#[derive(Debug, Deserialize)]
struct Top<'a> {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(borrow, default)]
    messages: Option<&'a RawValue>,
    #[serde(borrow, default)]
    chats: Option<ChatList<'a>>,
    #[serde(borrow, default)]
    left_chats: Option<ChatList<'a>>,
}

#[derive(Debug, Deserialize)]
struct ChatList<'a> {
    #[serde(borrow, default)]
    list: Vec<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
struct RawChat<'a> {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(borrow, default)]
    messages: Option<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
struct RawMessage {
    #[serde(default)]
    id: Option<i64>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    date_unixtime: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    from_id: Option<Value>,
    #[serde(default)]
    reply_to_message_id: Option<i64>,
    #[serde(default)]
    edited: Option<String>,
    #[serde(default)]
    text: Option<Text>,
}

/// Telegram writes plain text as a string and formatted text as a list of strings and
/// entities.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Text {
    Plain(String),
    Parts(Vec<Part>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Part {
    Plain(String),
    Entity {
        #[serde(rename = "type")]
        kind: String,
        text: String,
    },
}

impl Text {
    /// The text, and the people its mention entities name.
    fn flatten(self) -> (String, Vec<String>) {
        match self {
            Text::Plain(text) => (text, Vec::new()),
            Text::Parts(parts) => {
                let mut text = String::new();
                let mut mentions = Vec::new();
                for part in parts {
                    match part {
                        Part::Plain(plain) => text.push_str(&plain),
                        Part::Entity { kind, text: shown } => {
                            match kind.as_str() {
                                "mention" => {
                                    mentions.push(shown.trim_start_matches('@').to_owned())
                                }
                                "mention_name" => mentions.push(shown.clone()),
                                _ => {}
                            }
                            text.push_str(&shown);
                        }
                    }
                }
                (text, mentions)
            }
        }
    }
}

/// A chat's name and its messages.
struct ChatMessages {
    name: String,
    elements: Elements,
}

/// Reads an export: each chat's messages in order, chat after chat.
pub(crate) fn read(document: Document, ctx: &Ctx) -> Result<Messages> {
    let bytes = document.read_all(&ctx.options.limits)?;
    let chats = chats(&bytes, document.stem());
    let texts = Rc::new(std::cell::RefCell::new(Recent::<String>::new()));
    let ctx = ctx.clone();
    let location = document.location;
    Ok(Box::new(chats.into_iter().flat_map(move |chat| {
        let texts = Rc::clone(&texts);
        let ctx = ctx.clone();
        let name = chat.name;
        records(
            Rc::clone(&bytes),
            chat.elements,
            location.clone(),
            move |raw| {
                let raw: RawMessage = parse_record(raw)?;
                message(raw, &name, &mut texts.borrow_mut(), &ctx)
            },
        )
    })))
}

fn chats(bytes: &[u8], stem: &str) -> Vec<ChatMessages> {
    let top: Top<'_> = match serde_json::from_slice(bytes) {
        Ok(top) => top,
        Err(e) => {
            return vec![ChatMessages {
                name: stem.to_owned(),
                elements: Elements::broken(e.to_string()),
            }];
        }
    };
    let lists = top.chats.into_iter().chain(top.left_chats);
    let mut out = Vec::new();
    if top.messages.is_some() {
        let chat = RawChat {
            name: top.name,
            kind: top.kind,
            id: top.id,
            messages: top.messages,
        };
        out.push(chat_messages(bytes, chat, stem));
    }
    for raw in lists.flat_map(|list| list.list) {
        match serde_json::from_str::<RawChat<'_>>(raw.get()) {
            Ok(chat) => out.push(chat_messages(bytes, chat, stem)),
            Err(e) => out.push(ChatMessages {
                name: stem.to_owned(),
                elements: Elements::broken(format!("a chat of the list is not readable: {e}")),
            }),
        }
    }
    if out.is_empty() {
        out.push(ChatMessages {
            name: stem.to_owned(),
            elements: Elements::broken("neither \"messages\" nor \"chats\": not a Telegram export"),
        });
    }
    out
}

fn chat_messages(bytes: &[u8], chat: RawChat<'_>, stem: &str) -> ChatMessages {
    let name = chat
        .name
        .or_else(|| {
            (chat.kind.as_deref() == Some("saved_messages")).then(|| "Saved Messages".to_owned())
        })
        .or_else(|| chat.id.map(|id| id.to_string()))
        .unwrap_or_else(|| stem.to_owned());
    let elements = match chat.messages {
        Some(messages) => Elements::of_nested(bytes, messages),
        None => Elements::default(),
    };
    ChatMessages { name, elements }
}

fn message(
    raw: RawMessage,
    chat: &str,
    texts: &mut Recent<String>,
    ctx: &Ctx,
) -> Result<Option<Message>, String> {
    if raw.kind.as_deref().is_some_and(|k| k != "message") {
        ctx.skip_system();
        return Ok(None);
    }
    let timestamp = match (&raw.date_unixtime, &raw.date) {
        (Some(seconds), _) => time::from_epoch_seconds(seconds)
            .ok_or_else(|| format!("date_unixtime {seconds:?} is not a time"))?,
        (None, Some(date)) => {
            let local = NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S")
                .map_err(|e| format!("date {date:?} is not a date: {e}"))?;
            time::from_local(local, ctx.options.utc_offset_minutes)
        }
        (None, None) => return Err("message has neither date_unixtime nor date".to_owned()),
    };
    let (text, mentions) = raw.text.map(Text::flatten).unwrap_or_default();
    let author = raw.from.or_else(|| {
        raw.from_id.map(|id| match id {
            Value::String(id) => id,
            other => other.to_string(),
        })
    });
    let id = raw.id.map(|id| id.to_string());
    let reply_to = raw.reply_to_message_id.map(|id| id.to_string());
    let context = reply_to
        .as_ref()
        .and_then(|answered| texts.get(&format!("{chat}\u{0}{answered}")).cloned());
    if let Some(id) = &id {
        texts.insert(format!("{chat}\u{0}{id}"), text.clone());
    }
    let mut message = Message {
        source: Some("telegram".to_owned()),
        conversation: Some(chat.to_owned()),
        author,
        timestamp: Some(timestamp),
        id,
        reply_to,
        context,
        mentions,
        ..Message::new(text)
    };
    if raw.edited.is_some() {
        message.extra.insert("edited".to_owned(), Value::Bool(true));
    }
    Ok(ctx.admit(message))
}
