//! Readers for exported team chat. Every reader turns an export into a stream of
//! [`Message`]s, reading it file by file or record by record.
//!
//! [`read_inputs`] takes files, folders, `.zip` archives or standard input, recognises each
//! one's format from its structure (or takes the one the caller forces) and chains them into
//! one [`MessageStream`]. Zip archives are read in place, never extracted.
//! [`read_bytes`] reads one file already in memory in a given format (what the fuzz targets
//! in `fuzz/` drive).
//!
//! # Formats
//!
//! | [`Format`] | input |
//! | --- | --- |
//! | `slack` | a workspace export (folder or zip: `users.json`, `channels.json`, one folder of `YYYY-MM-DD.json` files per conversation), or one day file |
//! | `teams` | Microsoft Graph `chatMessage` JSON: an array or `{"value": [...]}`, keys in any case; a folder or zip of them (with `channels_*.json` naming the channels) |
//! | `discord` | a DiscordChatExporter JSON file (`guild`, `channel`, `messages`) |
//! | `discord-csv` | a DiscordChatExporter CSV file (`AuthorID,Author,Date,Content,Attachments,Reactions`) |
//! | `mattermost` | a Mattermost bulk export (JSONL starting with a `version` line) |
//! | `whatsapp` | a WhatsApp chat `.txt`, or the zip WhatsApp writes around it |
//! | `telegram` | a Telegram Desktop `result.json`: one chat or a whole account |
//! | `jsonl`, `csv`, `text` | plain inputs: one message per JSON line, CSV row or text line |
//!
//! # Time
//!
//! Timestamps are UTC. WhatsApp and Discord's older CSV exports (and Telegram's `date` when
//! `date_unixtime` is missing) write local wall-clock time with no zone: it is taken as UTC
//! unless [`ReadOptions::utc_offset_minutes`] says how far ahead of UTC the exporting
//! device's clock was. WhatsApp's day/month order is inferred from the whole file (a first
//! field above 12 means day first, a second one above 12 month first, day first when
//! nothing tells) unless [`ReadOptions::date_order`] forces it.
//!
//! # Replies
//!
//! A reply's `reply_to` is the id of the message it answers and its `context` that message's
//! text. Where the export links replies, the link is followed:
//!
//! - Slack: a thread reply (`thread_ts` other than its own `ts`) answers the latest earlier
//!   message of its thread written by someone else, or the latest one of the thread when
//!   only its own author has written there; `thread` is the root's `ts`.
//! - Teams `replyToId`, Discord `reference.messageId`, Telegram `reply_to_message_id`: the
//!   message with that id. Mattermost `replies` answer their post.
//!
//! Where the format has no reply links (WhatsApp, Discord CSV), a link is inferred. A
//! message M by author A answers the message Q when all of these hold:
//!
//! 1. Q is in the same conversation, and is the latest message before M written by someone
//!    other than A (messages A wrote in between are passed over, so an answer sent in
//!    several parts answers the same question);
//! 2. both have a timestamp and M was sent at most [`ReadOptions::reply_window_minutes`]
//!    after Q;
//! 3. Q asks something of A: Q's trimmed text ends with `?` (or `？`), or its first word is
//!    a question word (who, whom, whose, what, when, where, which, why, how, can, could,
//!    would, should, will, shall, may, is, are, am, was, were, do, does, did, has, have,
//!    had, any, anyone, anybody; any case), or Q mentions A (A is among Q's mentions, or
//!    Q's text contains `@A`).
//!
//! M then gets `reply_to` = Q's id (WhatsApp ids are the line number of the message's first
//! line, Discord CSV ids the record number) and `context` = Q's text.
//!
//! Readers remember only what resolving replies needs (the last two turns of each recent
//! thread or conversation, the texts of recent messages by id), capped at 20,000 entries and
//! 4 MiB with the oldest forgotten first, so memory does not grow with the export. A reply
//! whose target was forgotten, or comes later in the export, keeps its `reply_to` but has no
//! `context`.
//!
//! # Bad input
//!
//! A record that cannot be read is yielded as an [`Error::Record`] naming the file (a zip
//! entry as `archive.zip!path`) and the line or record number (`file:12`, `file record 3`);
//! reading goes on with the next record. Problems that do not lose a message (an unknown
//! user id, a missing `users.json`) are [`Summary::warnings`]. System events, bots (unless
//! [`ReadOptions::include_bots`]) and messages with no text of their own (media only,
//! deleted) are skipped and counted in the [`Summary`].

mod ctx;
mod detect;
mod discord;
mod document;
mod error;
mod json;
mod markup;
mod mattermost;
mod plain;
mod replies;
mod slack;
mod teams;
mod telegram;
mod time;
mod tree;
mod whatsapp;

use std::cell::RefCell;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::rc::Rc;
use std::str::FromStr;

pub use cadence_taxonomy::Message;
pub use error::{Error, Result};
pub use tree::ExportTree;

use ctx::Ctx;
use detect::TreeKind;
use document::Document;

/// The input formats cadence reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line with `text` and optional `context` and `id`.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// One message per line.
    Text,
    /// A Slack workspace export, or one of its day files.
    Slack,
    /// Microsoft Teams messages as Graph `chatMessage` JSON.
    Teams,
    /// A DiscordChatExporter JSON file.
    Discord,
    /// A DiscordChatExporter CSV file.
    DiscordCsv,
    /// A Mattermost bulk export (JSONL).
    Mattermost,
    /// A WhatsApp chat export (`.txt`, or the zip around it).
    WhatsApp,
    /// A Telegram Desktop export (`result.json`).
    Telegram,
}

impl Format {
    pub const ALL: [Format; 10] = [
        Format::Jsonl,
        Format::Csv,
        Format::Text,
        Format::Slack,
        Format::Teams,
        Format::Discord,
        Format::DiscordCsv,
        Format::Mattermost,
        Format::WhatsApp,
        Format::Telegram,
    ];

    /// The name used by `--input-format` and in the `source` field of messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Text => "text",
            Format::Slack => "slack",
            Format::Teams => "teams",
            Format::Discord => "discord",
            Format::DiscordCsv => "discord-csv",
            Format::Mattermost => "mattermost",
            Format::WhatsApp => "whatsapp",
            Format::Telegram => "telegram",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown input format {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Caps that keep a hostile or corrupt export from exhausting memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest single file (or zip entry) read whole.
    pub max_file_bytes: u64,
    /// The most a zip archive may decompress to, counted over all entries read.
    pub max_unzipped_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 << 20,
            max_unzipped_bytes: 8 << 30,
        }
    }
}

/// The order of day and month in dates such as `03/04/24` (WhatsApp).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DateOrder {
    /// `D/M/Y`.
    DayFirst,
    /// `M/D/Y`.
    MonthFirst,
    /// Inferred from the whole file: see the crate documentation.
    #[default]
    Auto,
}

/// How to read inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOptions {
    /// Forces a format instead of detecting it.
    pub format: Option<Format>,
    /// The CSV column holding the message text.
    pub text_column: String,
    /// The CSV column holding the context; by default a column named `context`, if any.
    pub context_column: Option<String>,
    /// Keep messages written by bots (skipped and counted by default).
    pub include_bots: bool,
    /// Day/month order of WhatsApp dates.
    pub date_order: DateOrder,
    /// How many minutes ahead of UTC the local times of WhatsApp (and other zoneless
    /// exports) are; 0, the default, reads them as UTC.
    pub utc_offset_minutes: i32,
    /// How long after a question a message of another author may come and still be taken as
    /// its answer, where replies are inferred (WhatsApp, Discord CSV). Default 240.
    pub reply_window_minutes: u32,
    pub limits: Limits,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            text_column: "text".to_owned(),
            context_column: None,
            include_bots: false,
            date_order: DateOrder::Auto,
            utc_offset_minutes: 0,
            reply_window_minutes: 240,
            limits: Limits::default(),
        }
    }
}

/// What reading skipped or found questionable, for a summary on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages written by bots, skipped unless [`ReadOptions::include_bots`].
    pub skipped_bots: u64,
    /// Platform events that are not messages: joins, leaves, pins, topic changes.
    pub skipped_system: u64,
    /// Messages with no text of their own: empty, media only, deleted.
    pub skipped_empty: u64,
    /// Problems that did not stop a message from being read (an unknown user id, say).
    pub warnings: Vec<String>,
    /// Where the most recently read message stands (`file:line`, or the file), for errors
    /// about a message that surface after reading, such as an unknown label.
    pub position: Option<String>,
}

/// One input named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    /// `-` is standard input; anything else a path.
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

type Messages = Box<dyn Iterator<Item = Result<Message>>>;

/// The messages of all inputs, in input order. Errors come as items: a record error
/// ([`Error::is_record_error`]) leaves the rest of its input readable, any other error ends
/// that input and reading goes on with the next one.
pub struct MessageStream {
    messages: Messages,
    summary: Rc<RefCell<Summary>>,
}

impl fmt::Debug for MessageStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageStream")
            .field("summary", &self.summary.borrow())
            .finish_non_exhaustive()
    }
}

impl MessageStream {
    /// What has been skipped and warned about so far.
    pub fn summary(&self) -> Summary {
        self.summary.borrow().clone()
    }
}

impl Iterator for MessageStream {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Self::Item> {
        self.messages.next()
    }
}

/// Reads every input in turn, each opened only when the previous one is done.
pub fn read_inputs(inputs: &[Input], options: &ReadOptions) -> MessageStream {
    let summary = Rc::new(RefCell::new(Summary::default()));
    let ctx = Ctx::new(Rc::new(options.clone()), Rc::clone(&summary));
    let inputs = inputs.to_vec();
    let messages = inputs
        .into_iter()
        .flat_map(move |input| flatten(open_input(&input, &ctx)));
    MessageStream {
        messages: Box::new(messages),
        summary,
    }
}

/// Reads one file that is already in memory, in the given format, with the same reader
/// [`read_inputs`] uses for a file on disk.
///
/// `name` stands for the file: it is the location in errors and warnings (`name:12`,
/// `name record 3`) and the file name some formats take a conversation's name from
/// (WhatsApp's `WhatsApp Chat with X.txt`, DiscordChatExporter's CSV name); only its last
/// path component is used for the latter. [`ReadOptions::format`] is ignored: `format` is
/// the one read. An empty input yields nothing and warns `name: empty file`.
///
/// Zip exports are not read from bytes (an [`ExportTree`] needs a path): write them to a
/// file and use [`read_inputs`].
///
/// ```
/// use cadence_chatlog::{Format, ReadOptions, read_bytes};
///
/// let bytes = b"{\"text\": \"still on it\"}\nnot json\n".to_vec();
/// let mut stream = read_bytes(Format::Jsonl, "chat.jsonl", bytes, &ReadOptions::default());
/// assert_eq!(stream.next().unwrap().unwrap().text, "still on it");
/// let err = stream.next().unwrap().unwrap_err();
/// assert!(err.is_record_error() && err.to_string().starts_with("chat.jsonl:2"));
/// assert!(stream.next().is_none());
/// ```
pub fn read_bytes(
    format: Format,
    name: &str,
    bytes: Vec<u8>,
    options: &ReadOptions,
) -> MessageStream {
    let summary = Rc::new(RefCell::new(Summary::default()));
    let options = ReadOptions {
        format: Some(format),
        ..options.clone()
    };
    let ctx = Ctx::new(Rc::new(options), Rc::clone(&summary));
    let messages = if bytes.is_empty() {
        ctx.warn(format!("{name}: empty file"));
        Box::new(std::iter::empty()) as Messages
    } else {
        flatten(open_document(
            format,
            Document::bytes(bytes, name.to_owned(), name),
            &ctx,
        ))
    };
    MessageStream { messages, summary }
}

fn open_input(input: &Input, ctx: &Ctx) -> Result<Messages> {
    match input {
        Input::Stdin => open_stdin(ctx),
        Input::Path(path) if path.is_dir() || tree::is_zip(path) => {
            let tree = ExportTree::open(path, &ctx.options.limits)?;
            open_tree(tree, ctx)
        }
        Input::Path(path) => {
            let document = Document::file(path);
            if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
                ctx.warn(format!("{}: empty file", document.location));
                return Ok(Box::new(std::iter::empty()));
            }
            let format = match ctx.options.format {
                Some(format) => format,
                None => {
                    let mut reader = document.reader()?;
                    let head = reader.fill_buf().map_err(|e| Error::io(path, e))?;
                    detect::detect_file(&document.name, head).ok_or_else(|| {
                        Error::input(
                            &document.location,
                            "cannot tell which chat format this is; name one with \
                             --input-format",
                        )
                    })?
                }
            };
            open_document(format, document, ctx)
        }
    }
}

/// Standard input is streamed for the line formats; the others need it whole.
fn open_stdin(ctx: &Ctx) -> Result<Messages> {
    let location = "<stdin>";
    let mut reader = BufReader::with_capacity(1 << 16, std::io::stdin());
    let format = match ctx.options.format {
        Some(format) => format,
        None => {
            let head = reader.fill_buf().map_err(|e| Error::io(location, e))?;
            detect::detect_file("", head).unwrap_or(Format::Text)
        }
    };
    match format {
        Format::Jsonl | Format::Csv | Format::Text | Format::Mattermost | Format::DiscordCsv => {
            open_stream(format, Box::new(reader), location.to_owned(), "", ctx)
        }
        _ => {
            let cap = ctx.options.limits.max_file_bytes;
            let bytes = tree::read_capped(reader, cap, location)?;
            open_document(format, Document::bytes(bytes, location.to_owned(), ""), ctx)
        }
    }
}

/// Reads one file in the given format.
fn open_document(format: Format, document: Document, ctx: &Ctx) -> Result<Messages> {
    match format {
        Format::Jsonl | Format::Csv | Format::Text | Format::Mattermost | Format::DiscordCsv => {
            let reader = document.reader()?;
            open_stream(format, reader, document.location, &document.name, ctx)
        }
        Format::WhatsApp => whatsapp::read(document, None, ctx),
        Format::Slack => slack::read_file(document, ctx),
        Format::Teams => teams::read_file(document, ctx),
        Format::Discord => discord::read_json(document, ctx),
        Format::Telegram => telegram::read(document, ctx),
    }
}

/// The formats read line by line from one pass over a reader.
fn open_stream(
    format: Format,
    reader: Box<dyn BufRead>,
    location: String,
    name: &str,
    ctx: &Ctx,
) -> Result<Messages> {
    let (file, position) = (location.clone(), ctx.clone());
    let at_line = move |record: Result<(usize, Message)>| {
        record.map(|(line, message)| {
            position.set_position(format!("{file}:{line}"));
            message
        })
    };
    Ok(match format {
        Format::Jsonl => Box::new(plain::jsonl(reader, location).map(at_line)),
        Format::Csv => Box::new(plain::csv(reader, location, &ctx.options)?.map(at_line)),
        Format::Mattermost => mattermost::read(reader, location, ctx),
        Format::DiscordCsv => discord::read_csv(reader, location, name, ctx)?,
        _ => Box::new(plain::text(reader, location).map(at_line)),
    })
}

/// Reads a folder or zip: a platform's export by that platform's reader, anything else as
/// a collection of files, each detected on its own.
fn open_tree(tree: ExportTree, ctx: &Ctx) -> Result<Messages> {
    let kind = match ctx.options.format {
        Some(format) => detect::tree_kind_for(format, &tree),
        None => detect::detect_tree(&tree),
    };
    match kind {
        TreeKind::Slack { root } => slack::read_tree(tree, root, ctx),
        TreeKind::Teams => teams::read_tree(tree, ctx),
        TreeKind::Telegram { file } => {
            let document = Document::bytes(tree.read(&file)?, tree.location(&file), &file);
            telegram::read(document, ctx)
        }
        TreeKind::WhatsApp { chats } => {
            let archive = tree.root().to_path_buf();
            let tree = Rc::new(tree);
            let ctx = ctx.clone();
            Ok(Box::new(chats.into_iter().flat_map(move |name| {
                let opened = tree.read(&name).and_then(|bytes| {
                    let document = Document::bytes(bytes, tree.location(&name), &name);
                    whatsapp::read(document, Some(&archive), &ctx)
                });
                flatten(opened)
            })))
        }
        TreeKind::Files => open_files(tree, ctx),
    }
}

/// A folder or zip that is no single platform's export is read as a collection of files,
/// each detected on its own. Files of no chat format (images, say) are skipped with one
/// warning for all of them.
fn open_files(tree: ExportTree, ctx: &Ctx) -> Result<Messages> {
    let (chat_files, others): (Vec<String>, Vec<String>) = tree
        .files()
        .iter()
        .cloned()
        .partition(|name| ctx.options.format.is_some() || detect::may_be_chat_file(name));
    if tree.files().is_empty() {
        ctx.warn(format!("{}: no files to read", tree.root().display()));
    }
    if !others.is_empty() {
        let shown: Vec<String> = others.iter().take(5).map(|n| tree.location(n)).collect();
        ctx.warn(format!(
            "skipped {} file(s) that are not chat files cadence reads: {}{}",
            others.len(),
            shown.join(", "),
            if others.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    let tree = Rc::new(tree);
    let ctx = ctx.clone();
    Ok(Box::new(chat_files.into_iter().flat_map(move |name| {
        let opened = tree.read(&name).and_then(|bytes| {
            if bytes.is_empty() {
                ctx.warn(format!("{}: empty file", tree.location(&name)));
                return Ok(Box::new(std::iter::empty()) as Messages);
            }
            let format = match ctx.options.format {
                Some(format) => Some(format),
                None => detect::detect_file(&name, &bytes[..bytes.len().min(1 << 16)]),
            };
            let Some(format) = format else {
                ctx.warn(format!(
                    "{}: skipped, not a chat format cadence recognises",
                    tree.location(&name)
                ));
                return Ok(Box::new(std::iter::empty()) as Messages);
            };
            open_document(
                format,
                Document::bytes(bytes, tree.location(&name), &name),
                &ctx,
            )
        });
        flatten(opened)
    })))
}

/// An input that failed to open becomes its one error item.
fn flatten(opened: Result<Messages>) -> Messages {
    match opened {
        Ok(messages) => messages,
        Err(e) => Box::new(std::iter::once(Err(e))),
    }
}
