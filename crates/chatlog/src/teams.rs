//! Microsoft Teams messages as Graph `chatMessage` JSON: an array, or `{"value": [...]}`.
//! Export tools write the same fields in camelCase or PascalCase, so keys are matched in
//! any case.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use cadence_taxonomy::Message;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::ctx::Ctx;
use crate::detect::is_teams_messages_name;
use crate::document::Document;
use crate::json::{Elements, lowercase_keys, parse_record, records};
use crate::markup::html_to_text;
use crate::replies::Recent;
use crate::{ExportTree, Result};

type Messages = Box<dyn Iterator<Item = Result<Message>>>;

/// Reads one file of messages.
pub(crate) fn read_file(document: Document, ctx: &Ctx) -> Result<Messages> {
    let state = Rc::new(RefCell::new(State::new(HashMap::new(), ctx.clone())));
    let bytes = document.read_all(&ctx.options.limits)?;
    let stem = document.stem().to_owned();
    Ok(message_file(bytes, document.location, stem, &state))
}

/// Reads a Teams export: every `messages_*.json`, with channel names from the
/// `channels_*.json` files beside them.
pub(crate) fn read_tree(tree: ExportTree, ctx: &Ctx) -> Result<Messages> {
    let mut channel_names = HashMap::new();
    for name in tree.files().iter().filter(|f| {
        let base = f.rsplit('/').next().unwrap_or(f);
        base.starts_with("channels_") && base.ends_with(".json")
    }) {
        match channel_list(&tree, name) {
            Ok(channels) => channel_names.extend(channels),
            Err(problem) => ctx.warn(format!(
                "{}: {problem}; channels are shown by id",
                tree.location(name)
            )),
        }
    }
    let files: Vec<String> = tree
        .files()
        .iter()
        .filter(|f| is_teams_messages_name(f.rsplit('/').next().unwrap_or(f)))
        .cloned()
        .collect();
    let state = Rc::new(RefCell::new(State::new(channel_names, ctx.clone())));
    let tree = Rc::new(tree);
    Ok(Box::new(files.into_iter().flat_map(
        move |name| -> Messages {
            match tree.read(&name) {
                Ok(bytes) => {
                    let stem = name
                        .rsplit('/')
                        .next()
                        .unwrap_or(&name)
                        .trim_end_matches(".json");
                    message_file(bytes.into(), tree.location(&name), stem.to_owned(), &state)
                }
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        },
    )))
}

/// Channel id → display name, from one `channels_*.json`.
fn channel_list(tree: &ExportTree, name: &str) -> Result<HashMap<String, String>, String> {
    #[derive(Deserialize)]
    struct Channel {
        id: String,
        displayname: Option<String>,
    }
    let bytes = tree.read(name).map_err(|e| e.to_string())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let channels: Vec<Channel> =
        serde_json::from_value(lowercase_keys(value)).map_err(|e| e.to_string())?;
    Ok(channels
        .into_iter()
        .filter_map(|c| Some((c.id, c.displayname?)))
        .collect())
}

fn message_file(
    bytes: Rc<[u8]>,
    location: String,
    stem: String,
    state: &Rc<RefCell<State>>,
) -> Messages {
    let elements = message_array(&bytes);
    let state = Rc::clone(state);
    Box::new(records(bytes, elements, location, move |raw| {
        let value: Value = parse_record(raw)?;
        let message: TeamsMessage =
            serde_json::from_value(lowercase_keys(value)).map_err(|e| e.to_string())?;
        state.borrow_mut().message(message, &stem)
    }))
}

/// The messages of a document that is an array, or an object with a `value` array.
fn message_array(bytes: &[u8]) -> Elements {
    let head = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if head != Some(&b'{') {
        return Elements::of_document(bytes);
    }
    match serde_json::from_slice::<HashMap<String, &RawValue>>(bytes) {
        Ok(fields) => match fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("value"))
        {
            Some((_, array)) => Elements::of_nested(bytes, array),
            None => Elements::broken("expected an array of messages or an object with \"value\""),
        },
        Err(e) => Elements::broken(e.to_string()),
    }
}

/// A `chatMessage` with its keys in lower case.
#[derive(Debug, Deserialize)]
struct TeamsMessage {
    id: Option<String>,
    replytoid: Option<String>,
    createddatetime: Option<String>,
    deleteddatetime: Option<String>,
    lastediteddatetime: Option<String>,
    messagetype: Option<String>,
    from: Option<From>,
    body: Option<Body>,
    mentions: Option<Vec<Mention>>,
    channelidentity: Option<ChannelIdentity>,
    chatid: Option<String>,
    subject: Option<String>,
}

#[derive(Debug, Deserialize)]
struct From {
    user: Option<Identity>,
    application: Option<Identity>,
}

#[derive(Debug, Deserialize)]
struct Identity {
    displayname: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Body {
    contenttype: Option<String>,
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Mention {
    mentiontext: Option<String>,
    mentioned: Option<From>,
}

#[derive(Debug, Deserialize)]
struct ChannelIdentity {
    channelid: Option<String>,
}

struct State {
    channel_names: HashMap<String, String>,
    /// Texts of recent messages, by conversation and id, for the replies to them.
    texts: Recent<String>,
    ctx: Ctx,
}

impl State {
    fn new(channel_names: HashMap<String, String>, ctx: Ctx) -> Self {
        State {
            channel_names,
            texts: Recent::new(),
            ctx,
        }
    }

    fn message(&mut self, raw: TeamsMessage, stem: &str) -> Result<Option<Message>, String> {
        if raw.messagetype.as_deref().is_some_and(|t| t != "message") {
            self.ctx.skip_system();
            return Ok(None);
        }
        let created = raw
            .createddatetime
            .ok_or("message has no createdDateTime")?;
        let timestamp = chrono::DateTime::parse_from_rfc3339(&created)
            .map_err(|e| format!("createdDateTime {created:?} is not a date: {e}"))?
            .to_utc();
        let (author, is_bot) = match raw.from {
            Some(From {
                user: Some(user), ..
            }) => (user.displayname, false),
            Some(From {
                application: Some(app),
                ..
            }) => (app.displayname, true),
            _ => (None, false),
        };
        let body = raw.body.unwrap_or(Body {
            contenttype: None,
            content: None,
        });
        let content = body.content.unwrap_or_default();
        let (text, mut mentions) = if body
            .contenttype
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("html"))
        {
            html_to_text(&content)
        } else {
            (content.trim().to_owned(), Vec::new())
        };
        for mention in raw.mentions.into_iter().flatten() {
            let name = mention
                .mentioned
                .and_then(|m| m.user.or(m.application))
                .and_then(|who| who.displayname)
                .or(mention.mentiontext);
            if let Some(name) = name.filter(|n| !mentions.contains(n)) {
                mentions.push(name);
            }
        }
        let channel = raw.channelidentity.and_then(|c| c.channelid);
        let in_channel = channel.is_some();
        let conversation = channel
            .map(|id| self.channel_names.get(&id).cloned().unwrap_or(id))
            .or(raw.chatid)
            .unwrap_or_else(|| stem.to_owned());
        let deleted = raw.deleteddatetime.is_some();
        let mut message = Message {
            source: Some("teams".to_owned()),
            thread: if in_channel {
                raw.replytoid.clone().or(raw.id.clone())
            } else {
                None
            },
            conversation: Some(conversation),
            author,
            timestamp: Some(timestamp),
            id: raw.id,
            reply_to: raw.replytoid,
            mentions,
            is_bot,
            ..Message::new(if deleted { String::new() } else { text })
        };
        if raw.lastediteddatetime.is_some() {
            message.extra.insert("edited".to_owned(), Value::Bool(true));
        }
        if let Some(subject) = raw.subject.filter(|s| !s.is_empty()) {
            message
                .extra
                .insert("subject".to_owned(), Value::String(subject));
        }
        let conversation = message.conversation.as_deref().unwrap_or_default();
        if let Some(answered) = &message.reply_to {
            message.context = self
                .texts
                .get(&format!("{conversation}\u{0}{answered}"))
                .cloned();
        }
        if let Some(id) = &message.id {
            self.texts
                .insert(format!("{conversation}\u{0}{id}"), message.text.clone());
        }
        Ok(self.ctx.admit(message))
    }
}
