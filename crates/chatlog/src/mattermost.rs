//! Mattermost bulk exports: JSONL whose lines are typed (`version`, `team`, `channel`,
//! `user`, `post`, `direct_post`, ...); users and channels come before the posts.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use cadence_taxonomy::Message;
use serde::Deserialize;
use serde_json::Value;

use crate::ctx::Ctx;
use crate::json::record_problem;
use crate::plain::text_lines;
use crate::{Error, Result};

type Messages = Box<dyn Iterator<Item = Result<Message>>>;

#[derive(Debug, Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    channel: Option<ChannelLine>,
    #[serde(default)]
    user: Option<UserLine>,
    #[serde(default)]
    post: Option<Post>,
    #[serde(default)]
    direct_post: Option<Post>,
}

#[derive(Debug, Deserialize)]
struct ChannelLine {
    name: String,
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UserLine {
    username: String,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
}

impl UserLine {
    /// The nickname, else first and last name, else the username.
    fn display_name(self) -> String {
        let full = [self.first_name, self.last_name]
            .into_iter()
            .flatten()
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        self.nickname
            .filter(|n| !n.is_empty())
            .or((!full.is_empty()).then_some(full))
            .unwrap_or(self.username)
    }
}

/// A `post` or `direct_post`, and the replies nested in it.
#[derive(Debug, Deserialize)]
struct Post {
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    channel_members: Option<Vec<String>>,
    user: String,
    #[serde(default)]
    message: Option<String>,
    create_at: i64,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    edit_at: Option<i64>,
    #[serde(default)]
    replies: Option<Vec<Post>>,
}

/// Reads a bulk export line by line. Post ids are line numbers (`12`), a reply's id adds
/// its place among the post's replies (`12.1`).
pub(crate) fn read(reader: Box<dyn BufRead>, location: String, ctx: &Ctx) -> Messages {
    let mut state = State {
        users: HashMap::new(),
        channels: HashMap::new(),
        unknown_users: HashSet::new(),
        location: location.clone(),
        ctx: ctx.clone(),
    };
    Box::new(
        text_lines(reader, location.clone()).flat_map(move |line| -> Vec<Result<Message>> {
            let (number, text) = match line {
                Ok(line) => line,
                Err(e) => return vec![Err(e)],
            };
            let parsed = serde_json::from_str::<Line>(&text)
                .map_err(|e| Error::record(format!("{location}:{number}"), record_problem(&e)));
            match parsed {
                Ok(line) => state.line(line, number),
                Err(e) => vec![Err(e)],
            }
        }),
    )
}

struct State {
    /// Username → display name.
    users: HashMap<String, String>,
    /// Channel name → display name.
    channels: HashMap<String, String>,
    unknown_users: HashSet<String>,
    location: String,
    ctx: Ctx,
}

impl State {
    fn line(&mut self, line: Line, number: usize) -> Vec<Result<Message>> {
        match line.kind.as_str() {
            "user" => {
                if let Some(user) = line.user {
                    self.users
                        .insert(user.username.clone(), user.display_name());
                }
            }
            "channel" => {
                if let Some(channel) = line.channel {
                    let shown = channel.display_name.filter(|d| !d.is_empty());
                    self.channels
                        .insert(channel.name.clone(), shown.unwrap_or(channel.name));
                }
            }
            "post" | "direct_post" => {
                if let Some(post) = line.post.or(line.direct_post) {
                    return self.post(post, number);
                }
                return vec![Err(Error::record(
                    format!("{}:{number}", self.location),
                    format!("a {} line without its {0} object", line.kind),
                ))];
            }
            _ => {}
        }
        Vec::new()
    }

    fn post(&mut self, post: Post, number: usize) -> Vec<Result<Message>> {
        if post
            .kind
            .as_deref()
            .is_some_and(|k| k.starts_with("system_"))
        {
            self.ctx.skip_system();
            return Vec::new();
        }
        let conversation = match (&post.channel, &post.channel_members) {
            (Some(channel), _) => self
                .channels
                .get(channel)
                .cloned()
                .unwrap_or_else(|| channel.clone()),
            (None, Some(members)) => members
                .iter()
                .map(|m| self.author(m, number))
                .collect::<Vec<_>>()
                .join(", "),
            (None, None) => String::new(),
        };
        let id = number.to_string();
        let replies = post.replies.unwrap_or_default();
        let root = self.message(
            &post.user,
            post.message.unwrap_or_default(),
            post.create_at,
            post.edit_at,
            number,
        );
        let mut out = Vec::new();
        let root_text = root.text.clone();
        let root = Message {
            conversation: Some(conversation.clone()),
            id: Some(id.clone()),
            thread: (!replies.is_empty()).then(|| id.clone()),
            ..root
        };
        out.extend(self.ctx.admit(root).map(Ok));
        for (index, reply) in replies.into_iter().enumerate() {
            if reply
                .kind
                .as_deref()
                .is_some_and(|k| k.starts_with("system_"))
            {
                self.ctx.skip_system();
                continue;
            }
            let message = Message {
                conversation: Some(conversation.clone()),
                id: Some(format!("{id}.{}", index + 1)),
                thread: Some(id.clone()),
                reply_to: Some(id.clone()),
                context: Some(root_text.clone()),
                ..self.message(
                    &reply.user,
                    reply.message.unwrap_or_default(),
                    reply.create_at,
                    reply.edit_at,
                    number,
                )
            };
            out.extend(self.ctx.admit(message).map(Ok));
        }
        out
    }

    fn message(
        &mut self,
        user: &str,
        text: String,
        create_at: i64,
        edit_at: Option<i64>,
        number: usize,
    ) -> Message {
        let mut message = Message {
            source: Some("mattermost".to_owned()),
            author: Some(self.author(user, number)),
            timestamp: chrono::DateTime::from_timestamp_millis(create_at),
            mentions: self.mentions(&text),
            ..Message::new(text)
        };
        if edit_at.is_some_and(|t| t > 0) {
            message.extra.insert("edited".to_owned(), Value::Bool(true));
        }
        message
    }

    fn author(&mut self, username: &str, number: usize) -> String {
        if let Some(name) = self.users.get(username) {
            return name.clone();
        }
        if self.unknown_users.insert(username.to_owned()) {
            self.ctx.warn(format!(
                "{}:{number}: unknown user {username:?} (no user line before it); shown as the username",
                self.location
            ));
        }
        username.to_owned()
    }

    /// The display names of the known users a text mentions as `@username`.
    fn mentions(&self, text: &str) -> Vec<String> {
        text.split('@')
            .skip(1)
            .filter_map(|after| {
                let handle: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
                    .collect();
                self.users.get(handle.trim_end_matches('.')).cloned()
            })
            .collect()
    }
}
