//! Slack workspace exports: `users.json` and the conversation lists name people and
//! channels; each conversation folder holds one JSON array of messages per day.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use cadence_taxonomy::Message;
use serde::Deserialize;
use serde_json::Value;

use crate::ctx::Ctx;
use crate::document::Document;
use crate::json::{Elements, parse_record, records};
use crate::markup::decode_entities;
use crate::replies::{Exchange, Recent, Said};
use crate::{ExportTree, Result, time};

type Messages = Box<dyn Iterator<Item = Result<Message>>>;

/// The files at an export's root that describe it rather than hold messages.
const METADATA: &[&str] = &[
    "users.json",
    "channels.json",
    "groups.json",
    "dms.json",
    "mpims.json",
    "org_users.json",
    "integration_logs.json",
    "canvases.json",
    "file_conversations.json",
    "huddle_transcripts.json",
    "lists.json",
];

/// Subtypes that are people talking; any other subtype is a platform event, except
/// `bot_message`, which is a bot talking.
const SPOKEN_SUBTYPES: &[&str] = &[
    "thread_broadcast",
    "reply_broadcast",
    "me_message",
    "file_share",
    "file_comment",
    "slackbot_response",
];

/// Reads a whole export: the conversation folders in name order, each one's days in date
/// order, so that threads are met root first.
pub(crate) fn read_tree(tree: ExportTree, root: String, ctx: &Ctx) -> Result<Messages> {
    let directory = Directory::load(&tree, &root, ctx);
    let state = Rc::new(RefCell::new(State::new(directory, ctx.clone())));
    let files: Vec<String> = tree
        .files()
        .iter()
        .filter(|f| {
            f.starts_with(&root) && f.ends_with(".json") && !METADATA.contains(&&f[root.len()..])
        })
        .cloned()
        .collect();
    let tree = Rc::new(tree);
    Ok(Box::new(files.into_iter().flat_map(
        move |name| -> Messages {
            let folder = name[root.len()..]
                .rsplit_once('/')
                .map(|(folder, _)| folder.to_owned());
            let conversation = folder.map(|f| state.borrow().directory.conversation(&f));
            match tree.read(&name) {
                Ok(bytes) => day_file(bytes.into(), tree.location(&name), conversation, &state),
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        },
    )))
}

/// Reads one day file on its own; user ids stay ids, as there is no `users.json`.
pub(crate) fn read_file(document: Document, ctx: &Ctx) -> Result<Messages> {
    let state = Rc::new(RefCell::new(State::new(Directory::default(), ctx.clone())));
    let bytes = document.read_all(&ctx.options.limits)?;
    Ok(day_file(bytes, document.location, None, &state))
}

fn day_file(
    bytes: Rc<[u8]>,
    location: String,
    conversation: Option<String>,
    state: &Rc<RefCell<State>>,
) -> Messages {
    let elements = Elements::of_document(&bytes);
    let state = Rc::clone(state);
    let here = location.clone();
    Box::new(records(bytes, elements, location, move |raw| {
        state
            .borrow_mut()
            .message(parse_record(raw)?, conversation.as_deref(), &here)
    }))
}

/// One element of a day file. Strings borrow from the file where they need no unescaping.
#[derive(Debug, Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow)]
    ts: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    user: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    thread_ts: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subtype: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    bot_id: Option<Cow<'a, str>>,
    /// A bot's name, or an integration's.
    #[serde(borrow, default)]
    username: Option<Cow<'a, str>>,
    #[serde(default)]
    bot_profile: Option<Profile>,
    /// Newer exports copy the author's profile onto each message.
    #[serde(default)]
    user_profile: Option<Profile>,
    #[serde(default)]
    edited: Option<Value>,
    #[serde(default)]
    files: Option<Vec<SharedFile>>,
    /// Present in some single-file exports that have no conversation folder.
    #[serde(borrow, default)]
    channel_name: Option<Cow<'a, str>>,
}

#[derive(Debug, Default, Deserialize)]
struct Profile {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl Profile {
    /// Slack's own preference: the display name, then the real name, then the handle.
    fn best_name(&self) -> Option<&str> {
        [&self.display_name, &self.real_name, &self.name]
            .into_iter()
            .filter_map(|n| n.as_deref())
            .find(|n| !n.trim().is_empty())
    }
}

#[derive(Debug, Deserialize)]
struct SharedFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UserRecord {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    profile: Profile,
}

#[derive(Debug, Deserialize)]
struct ConversationRecord {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Debug, Clone)]
struct User {
    name: String,
    is_bot: bool,
}

/// Who is who and which folder is which conversation.
#[derive(Debug, Default)]
struct Directory {
    users: HashMap<String, User>,
    channel_names: HashMap<String, String>,
    folder_names: HashMap<String, String>,
    has_users: bool,
}

impl Directory {
    fn load(tree: &ExportTree, root: &str, ctx: &Ctx) -> Self {
        let mut directory = Directory::default();
        let users: Option<Vec<UserRecord>> = metadata(tree, root, "users.json", ctx);
        directory.has_users = users.is_some();
        if users.is_none() {
            ctx.warn(format!(
                "{}: no readable users.json; authors are shown as user ids",
                tree.location(root.trim_end_matches('/'))
            ));
        }
        for user in users.into_iter().flatten() {
            let name = user
                .profile
                .best_name()
                .or(user.real_name.as_deref())
                .or(user.name.as_deref())
                .unwrap_or(&user.id)
                .to_owned();
            directory.users.insert(
                user.id,
                User {
                    name,
                    is_bot: user.is_bot,
                },
            );
        }
        for file in ["channels.json", "groups.json"] {
            for channel in metadata::<Vec<ConversationRecord>>(tree, root, file, ctx)
                .into_iter()
                .flatten()
            {
                if let Some(name) = channel.name {
                    directory.channel_names.insert(channel.id, name.clone());
                    directory.folder_names.insert(name.clone(), name);
                }
            }
        }
        // Direct messages are named after their members; a DM's folder is its id, a group
        // DM's its generated name.
        for file in ["dms.json", "mpims.json"] {
            for chat in metadata::<Vec<ConversationRecord>>(tree, root, file, ctx)
                .into_iter()
                .flatten()
            {
                let members: Vec<String> = chat
                    .members
                    .iter()
                    .map(|id| {
                        directory
                            .users
                            .get(id)
                            .map_or(id.clone(), |u| u.name.clone())
                    })
                    .collect();
                let folder = chat.name.unwrap_or_else(|| chat.id.clone());
                directory.folder_names.insert(folder, members.join(", "));
            }
        }
        directory
    }

    fn conversation(&self, folder: &str) -> String {
        self.folder_names
            .get(folder)
            .cloned()
            .unwrap_or_else(|| folder.to_owned())
    }
}

/// Reads one metadata file, if the export has it; a broken one is a warning.
fn metadata<T: for<'de> Deserialize<'de>>(
    tree: &ExportTree,
    root: &str,
    file: &str,
    ctx: &Ctx,
) -> Option<T> {
    let name = format!("{root}{file}");
    if !tree.contains(&name) {
        return None;
    }
    let parsed = tree
        .read(&name)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", tree.location(&name)))
        });
    match parsed {
        Ok(value) => Some(value),
        Err(problem) => {
            ctx.warn(format!("{problem}; ignoring the file"));
            None
        }
    }
}

/// What reading an export remembers across its files.
struct State {
    directory: Directory,
    /// The last turns of recent threads, by conversation and thread root.
    threads: Recent<Exchange>,
    unknown_users: HashSet<String>,
    ctx: Ctx,
}

impl State {
    fn new(directory: Directory, ctx: Ctx) -> Self {
        State {
            directory,
            threads: Recent::new(),
            unknown_users: HashSet::new(),
            ctx,
        }
    }

    fn message(
        &mut self,
        raw: RawMessage<'_>,
        conversation: Option<&str>,
        location: &str,
    ) -> Result<Option<Message>, String> {
        let subtype = raw.subtype.as_deref();
        let is_bot_message = subtype == Some("bot_message");
        if subtype.is_some_and(|s| !is_bot_message && !SPOKEN_SUBTYPES.contains(&s)) {
            self.ctx.skip_system();
            return Ok(None);
        }
        let ts = raw.ts.ok_or("message has no \"ts\"")?;
        let timestamp = time::from_epoch_seconds(&ts)
            .ok_or_else(|| format!("\"ts\" is not a Slack timestamp: {ts:?}"))?;
        let user = raw
            .user
            .as_deref()
            .map(|id| self.directory.users.get(id).cloned().ok_or(id));
        let is_bot = is_bot_message
            || raw.bot_id.is_some()
            || matches!(user, Some(Ok(User { is_bot: true, .. })));
        let author = match user {
            Some(Ok(user)) => user.name,
            Some(Err(id)) => match raw.user_profile.as_ref().and_then(Profile::best_name) {
                Some(name) => name.to_owned(),
                None if is_bot => raw.username.as_deref().unwrap_or(id).to_owned(),
                None => {
                    self.unknown_user(id, location);
                    id.to_owned()
                }
            },
            None => raw
                .username
                .as_deref()
                .or(raw.bot_profile.as_ref().and_then(Profile::best_name))
                .or(raw.bot_id.as_deref())
                .unwrap_or("unknown")
                .to_owned(),
        };
        let mut mentions = Vec::new();
        let text = self.plain_text(
            raw.text.as_deref().unwrap_or_default(),
            &mut mentions,
            location,
        );
        let conversation = conversation
            .map(str::to_owned)
            .or(raw.channel_name.map(Cow::into_owned));
        let mut message = Message {
            source: Some("slack".to_owned()),
            conversation,
            author: Some(author),
            timestamp: Some(timestamp),
            id: Some(ts.clone().into_owned()),
            thread: raw.thread_ts.as_deref().map(str::to_owned),
            mentions,
            is_bot,
            ..Message::new(text)
        };
        if raw.edited.is_some() {
            message.extra.insert("edited".to_owned(), Value::Bool(true));
        }
        if let Some(files) = raw.files {
            let names: Vec<Value> = files
                .into_iter()
                .filter_map(|f| f.title.or(f.name).map(Value::String))
                .collect();
            message
                .extra
                .insert("files".to_owned(), Value::Array(names));
        }
        if let Some(root) = raw.thread_ts.as_deref() {
            self.follow_thread(&mut message, root, &ts);
        }
        Ok(self.ctx.admit(message))
    }

    /// Links a thread message to what it answers and remembers it for the replies after it.
    fn follow_thread(&mut self, message: &mut Message, root: &str, ts: &str) {
        let key = format!(
            "{}\u{0}{root}",
            message.conversation.as_deref().unwrap_or_default()
        );
        if root != ts {
            message.reply_to = Some(root.to_owned());
            if let Some(exchange) = self.threads.get(&key) {
                exchange
                    .latest_not_by(message.author.as_deref())
                    .unwrap_or(exchange.latest())
                    .answered_by(message);
            }
        }
        let known = self
            .threads
            .update(&key, |exchange| exchange.push(Said::of(message)));
        if known.is_none() {
            self.threads.insert(key, Exchange::new(Said::of(message)));
        }
    }

    fn unknown_user(&mut self, id: &str, location: &str) {
        if self.directory.has_users && self.unknown_users.insert(id.to_owned()) {
            self.ctx.warn(format!(
                "{location}: unknown user id {id} (not in users.json); shown as the id"
            ));
        }
    }

    /// Slack's markup as plain text: `<@U1>` → `@Name` (recorded in `mentions`),
    /// `<#C1|general>` → `#general`, `<https://x|label>` → `label`, `<!here>` → `@here`,
    /// and `&amp;`, `&lt;`, `&gt;` decoded.
    fn plain_text(&mut self, text: &str, mentions: &mut Vec<String>, location: &str) -> String {
        if !text.contains(['<', '&']) {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('<') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('>') else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let inside = &rest[open + 1..open + close];
            rest = &rest[open + close + 1..];
            let (target, label) = match inside.split_once('|') {
                Some((target, label)) => (target, Some(label)),
                None => (inside, None),
            };
            if let Some(id) = target.strip_prefix('@') {
                let name = match self.directory.users.get(id) {
                    Some(user) => user.name.clone(),
                    None => {
                        self.unknown_user(id, location);
                        label.unwrap_or(id).to_owned()
                    }
                };
                out.push('@');
                out.push_str(&name);
                mentions.push(name);
            } else if let Some(id) = target.strip_prefix('#') {
                out.push('#');
                out.push_str(label.unwrap_or_else(|| {
                    self.directory
                        .channel_names
                        .get(id)
                        .map_or(id, String::as_str)
                }));
            } else if let Some(command) = target.strip_prefix('!') {
                match label {
                    Some(label) if command.starts_with("subteam^") && !label.starts_with('@') => {
                        out.push('@');
                        out.push_str(label);
                    }
                    Some(label) => out.push_str(label),
                    None => {
                        out.push('@');
                        out.push_str(command);
                    }
                }
            } else {
                out.push_str(
                    label.unwrap_or_else(|| target.strip_prefix("mailto:").unwrap_or(target)),
                );
            }
        }
        out.push_str(rest);
        decode_entities(&out).into_owned()
    }
}
