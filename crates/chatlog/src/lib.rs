//! Readers for exported team chat. Every reader turns an export into a stream of
//! [`Message`]s, reading it file by file or record by record.
//!
//! [`read_inputs`] takes files, folders, `.zip` archives or standard input, recognises each
//! one's format from its structure (or takes the one the caller forces) and chains them into
//! one [`MessageStream`].

mod detect;
mod error;
mod plain;
mod tree;

use std::cell::RefCell;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;

pub use cadence_taxonomy::Message;
pub use error::{Error, Result};
pub use tree::ExportTree;

/// The input formats cadence reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line with `text` and optional `context` and `id`.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// One message per line.
    Text,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Jsonl, Format::Csv, Format::Text];

    /// The name used by `--input-format` and in the `source` field of messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Text => "text",
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
    pub limits: Limits,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            text_column: "text".to_owned(),
            context_column: None,
            include_bots: false,
            limits: Limits::default(),
        }
    }
}

/// What reading skipped or found questionable, for a summary on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub skipped_bots: u64,
    pub skipped_system: u64,
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
    let inputs = inputs.to_vec();
    let options = options.clone();
    let shared = Rc::clone(&summary);
    let messages = inputs.into_iter().flat_map(move |input| -> Messages {
        match open_input(&input, &options, &shared) {
            Ok(messages) => messages,
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    });
    MessageStream {
        messages: Box::new(messages),
        summary,
    }
}

fn open_input(
    input: &Input,
    options: &ReadOptions,
    summary: &Rc<RefCell<Summary>>,
) -> Result<Messages> {
    match input {
        Input::Stdin => {
            let mut reader: Box<dyn BufRead> = Box::new(BufReader::new(std::io::stdin()));
            let format = match options.format {
                Some(format) => format,
                None => {
                    let head = reader.fill_buf().map_err(|e| Error::io("<stdin>", e))?;
                    detect::sniff_plain(head)
                }
            };
            open_stream(format, reader, "<stdin>".to_owned(), options, summary)
        }
        Input::Path(path) if path.is_dir() || tree::is_zip(path) => {
            let tree = ExportTree::open(path, &options.limits)?;
            open_tree(tree, options, summary)
        }
        Input::Path(path) => open_file(path, options, summary),
    }
}

fn open_file(
    path: &Path,
    options: &ReadOptions,
    summary: &Rc<RefCell<Summary>>,
) -> Result<Messages> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let format = match options.format {
        Some(format) => format,
        None => {
            let head = reader.fill_buf().map_err(|e| Error::io(path, e))?;
            detect::detect_file(path, head)
        }
    };
    open_stream(
        format,
        Box::new(reader),
        path.display().to_string(),
        options,
        summary,
    )
}

fn open_stream(
    format: Format,
    reader: Box<dyn BufRead>,
    location: String,
    options: &ReadOptions,
    summary: &Rc<RefCell<Summary>>,
) -> Result<Messages> {
    let summary = Rc::clone(summary);
    let file = location.clone();
    let at_line = move |record: Result<(usize, Message)>| {
        record.map(|(line, message)| {
            summary.borrow_mut().position = Some(format!("{file}:{line}"));
            message
        })
    };
    Ok(match format {
        Format::Jsonl => Box::new(plain::jsonl(reader, location).map(at_line)),
        Format::Csv => Box::new(plain::csv(reader, location, options)?.map(at_line)),
        Format::Text => Box::new(plain::text(reader, location).map(at_line)),
    })
}

/// A folder or zip that is no single platform's export is read as a collection of plain
/// files, each detected on its own.
fn open_tree(
    tree: ExportTree,
    options: &ReadOptions,
    summary: &Rc<RefCell<Summary>>,
) -> Result<Messages> {
    let tree = Rc::new(tree);
    let summary = Rc::clone(summary);
    let options = options.clone();
    let files = tree.files().to_vec();
    Ok(Box::new(files.into_iter().flat_map(
        move |name| -> Messages {
            let format = match options.format {
                Some(format) => Some(format),
                None => detect::detect_plain_name(&name),
            };
            let Some(format) = format else {
                summary.borrow_mut().warnings.push(format!(
                    "{}: skipped, not a chat file cadence reads",
                    tree.location(&name)
                ));
                return Box::new(std::iter::empty());
            };
            let opened = tree.read(&name).and_then(|bytes| {
                open_stream(
                    format,
                    Box::new(std::io::Cursor::new(bytes)),
                    tree.location(&name),
                    &options,
                    &summary,
                )
            });
            match opened {
                Ok(messages) => messages,
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        },
    )))
}
