//! WhatsApp chat exports: `D/M/Y, HH:MM - Author: text` (Android) or
//! `[D.M.Y, HH:MM:SS] Author: text` (iOS), with 12- or 24-hour clocks, messages that run
//! over several lines, and system lines that have no author.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::LazyLock;

use cadence_taxonomy::Message;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

use crate::ctx::Ctx;
use crate::document::Document;
use crate::plain::{numbered_lines, utf8_line};
use crate::replies::ReplyGuesser;
use crate::{DateOrder, Error, Result, time};

/// The start of a message: date, time, optional am/pm, then ` - ` or `] ` and the rest.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\[?(\d{1,4})[./-](\d{1,2})[./-](\d{1,4}),?\s+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*([ap])\.?\s*m\.?)?(?:\]\s*|\s+-\s+)(.*)$",
    )
    .expect("the header pattern is valid")
});

const LEFT_TO_RIGHT_MARK: char = '\u{200E}';

/// Whether a line starts a WhatsApp message (used to recognise the format).
pub(crate) fn starts_message(line: &str) -> bool {
    HEADER.is_match(&visible(line))
}

/// The line without direction marks and with narrow or non-breaking spaces as plain ones.
fn visible(line: &str) -> String {
    line.chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
        .map(|c| match c {
            '\u{202F}' | '\u{00A0}' | '\u{2007}' => ' ',
            c => c,
        })
        .collect()
}

/// How a file writes its dates, settled before its messages are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Ymd,
    Dmy,
    Mdy,
}

/// Reads one chat. `archive` is the zip the chat came in, if any: WhatsApp names the text
/// file `_chat.txt` there and puts the chat's name on the zip.
pub(crate) fn read(
    document: Document,
    archive: Option<&Path>,
    ctx: &Ctx,
) -> Result<Box<dyn Iterator<Item = Result<Message>>>> {
    let order = date_order(&document, ctx)?;
    let conversation = conversation_name(&document.name, archive);
    let lines = numbered_lines(document.reader()?, document.location.clone());
    Ok(Box::new(Chat {
        lines: Box::new(lines),
        location: document.location,
        conversation,
        order,
        offset_minutes: ctx.options.utc_offset_minutes,
        current: Current::Nothing,
        queue: VecDeque::new(),
        replies: ReplyGuesser::new(ctx.options.reply_window_minutes),
        ctx: ctx.clone(),
        done: false,
    }))
}

/// `WhatsApp Chat with Team.txt`, `WhatsApp Chat - Team.zip` → `Team`.
fn conversation_name(file_name: &str, archive: Option<&Path>) -> String {
    let name = match archive.and_then(|a| a.file_name()) {
        Some(zip) if file_name == "_chat.txt" => zip.to_string_lossy().into_owned(),
        _ => file_name.to_owned(),
    };
    let stem = name
        .rsplit_once('.')
        .map_or(name.as_str(), |(stem, _)| stem);
    ["WhatsApp Chat with ", "WhatsApp Chat - "]
        .iter()
        .find_map(|prefix| stem.strip_prefix(prefix))
        .unwrap_or(stem)
        .to_owned()
}

/// A first, cheap pass over the file's lines to settle the day/month order: a first field
/// above 12 can only be a day, a second one above 12 only a day too.
fn date_order(document: &Document, ctx: &Ctx) -> Result<Order> {
    let (mut first_max, mut second_max, mut headers) = (0u32, 0u32, 0usize);
    for line in numbered_lines(document.reader()?, document.location.clone()) {
        let Ok((_, bytes)) = line else { continue };
        let line = visible(&String::from_utf8_lossy(&bytes));
        let Some(fields) = HEADER.captures(&line) else {
            continue;
        };
        if fields[1].len() == 4 {
            return Ok(Order::Ymd);
        }
        headers += 1;
        first_max = first_max.max(fields[1].parse().unwrap_or(0));
        second_max = second_max.max(fields[2].parse().unwrap_or(0));
    }
    Ok(match ctx.options.date_order {
        DateOrder::DayFirst => Order::Dmy,
        DateOrder::MonthFirst => Order::Mdy,
        DateOrder::Auto if first_max > 12 && second_max <= 12 => Order::Dmy,
        DateOrder::Auto if second_max > 12 && first_max <= 12 => Order::Mdy,
        DateOrder::Auto => {
            if headers > 0 {
                ctx.warn(format!(
                    "{}: cannot tell whether dates are day or month first; reading them day \
                     first (set the date order to change this)",
                    document.location
                ));
            }
            Order::Dmy
        }
    })
}

/// A message being gathered from its lines.
#[derive(Debug)]
struct Pending {
    line: usize,
    time: NaiveDateTime,
    author: Option<String>,
    text: String,
    /// iOS marks system notices and media with a left-to-right mark before the text.
    marked: bool,
}

#[derive(Debug)]
enum Current {
    Nothing,
    Message(Pending),
    /// A header line that did not parse: its continuation lines are dropped with it.
    Broken,
}

struct Chat {
    lines: Box<dyn Iterator<Item = Result<(usize, Vec<u8>)>>>,
    location: String,
    conversation: String,
    order: Order,
    offset_minutes: i32,
    current: Current,
    queue: VecDeque<Result<Message>>,
    replies: ReplyGuesser,
    ctx: Ctx,
    done: bool,
}

impl Iterator for Chat {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            match self.lines.next() {
                Some(Ok((number, bytes))) => match utf8_line(&self.location, number, bytes) {
                    Ok(line) => self.take_line(number, &line),
                    Err(e) => self.queue.push_back(Err(e)),
                },
                Some(Err(e)) => self.queue.push_back(Err(e)),
                None => {
                    self.done = true;
                    self.finish_current();
                }
            }
        }
    }
}

impl Chat {
    fn take_line(&mut self, number: usize, raw: &str) {
        let line = visible(raw);
        let Some(fields) = HEADER.captures(&line) else {
            match &mut self.current {
                Current::Message(pending) => {
                    pending.text.push('\n');
                    pending.text.push_str(&line);
                }
                Current::Broken => {}
                Current::Nothing if line.trim().is_empty() => {}
                Current::Nothing => self.queue.push_back(Err(Error::record(
                    format!("{}:{number}", self.location),
                    "not the start of a WhatsApp message, and no message before it to continue",
                ))),
            }
            return;
        };
        self.finish_current();
        let Some(time) = self.header_time(&fields) else {
            self.current = Current::Broken;
            self.queue.push_back(Err(Error::record(
                format!("{}:{number}", self.location),
                format!(
                    "not a valid date and time: {:?}",
                    line.get(..line.len() - fields[8].len())
                        .unwrap_or(&line)
                        .trim()
                ),
            )));
            return;
        };
        let rest = &fields[8];
        let (author, text) = match rest.split_once(": ") {
            Some((author, text)) => (Some(author.trim_start_matches('~').trim().to_owned()), text),
            None => (None, rest),
        };
        let marked = raw
            .split_once(": ")
            .is_some_and(|(_, text)| text.starts_with(LEFT_TO_RIGHT_MARK));
        self.current = Current::Message(Pending {
            line: number,
            time,
            author,
            text: text.to_owned(),
            marked,
        });
    }

    fn header_time(&self, fields: &regex::Captures<'_>) -> Option<NaiveDateTime> {
        let number = |i: usize| -> Option<u32> { fields.get(i)?.as_str().parse().ok() };
        let (a, b, c) = (number(1)?, number(2)?, number(3)?);
        let (year, month, day) = match self.order {
            Order::Ymd => (a, b, c),
            Order::Dmy => (c, b, a),
            Order::Mdy => (c, a, b),
        };
        let year = if year < 100 { year + 2000 } else { year };
        let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
        let mut hour = number(4)?;
        match fields.get(7).map(|m| m.as_str().to_ascii_lowercase()) {
            // "00:08 a. m." happens; any other hour outside 1-12 is not a 12-hour time.
            Some(half) if hour > 12 || (hour == 0 && half != "a") => return None,
            Some(half) if half == "p" && hour < 12 => hour += 12,
            Some(half) if half == "a" && hour == 12 => hour = 0,
            _ => {}
        }
        let time = NaiveTime::from_hms_opt(hour, number(5)?, number(6).unwrap_or(0))?;
        Some(date.and_time(time))
    }

    fn finish_current(&mut self) {
        let Current::Message(pending) = std::mem::replace(&mut self.current, Current::Nothing)
        else {
            self.current = Current::Nothing;
            return;
        };
        let Some(author) = pending.author else {
            self.ctx.skip_system();
            return;
        };
        let text = pending.text.trim();
        let media = is_media_placeholder(text);
        if pending.marked && !media {
            self.ctx.skip_system();
            return;
        }
        let mut message = Message {
            source: Some("whatsapp".to_owned()),
            conversation: Some(self.conversation.clone()),
            author: Some(author),
            timestamp: Some(time::from_local(pending.time, self.offset_minutes)),
            id: Some(pending.line.to_string()),
            ..Message::new(if media { "" } else { text })
        };
        if !media {
            self.replies.link(&mut message);
        }
        if let Some(message) = self.ctx.admit(message) {
            self.queue.push_back(Ok(message));
        }
    }
}

/// What WhatsApp writes in place of media and deleted messages.
fn is_media_placeholder(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.starts_with("<attached:")
        || (lower.ends_with(" omitted") && lower.split_whitespace().count() <= 3)
        || matches!(
            lower.as_str(),
            "<media omitted>" | "this message was deleted" | "you deleted this message" | "null"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_of_both_platforms_and_clocks_match() {
        for line in [
            "06/05/24, 09:14 - Ana: hi",
            "[06.05.24, 09:14:02] Ana: hi",
            "1/30/2019, 8:49 p. m. - Jahn Doe: x",
            "[01/01/19 11:25] John Doe: x",
            "\u{200E}[6/5/24, 9:14:02\u{202F}AM] Ana: hi",
            "2019/01/20, 11:23 - John Doe:.",
        ] {
            assert!(starts_message(line), "{line}");
        }
        assert!(!starts_message("consectetur adipiscing elit"));
        assert!(!starts_message("12:30 - lunch"));
    }

    #[test]
    fn chat_names_come_from_the_file_or_its_zip() {
        assert_eq!(
            conversation_name("WhatsApp Chat with Platform team.txt", None),
            "Platform team"
        );
        assert_eq!(
            conversation_name(
                "_chat.txt",
                Some(Path::new("/x/WhatsApp Chat - Launch.zip"))
            ),
            "Launch"
        );
        assert_eq!(conversation_name("family.txt", None), "family");
    }

    #[test]
    fn media_placeholders() {
        assert!(is_media_placeholder("<Media omitted>"));
        assert!(is_media_placeholder("image omitted"));
        assert!(is_media_placeholder(
            "<attached: 00000012-PHOTO-2024-05-06.jpg>"
        ));
        assert!(!is_media_placeholder("the image is omitted from the deck"));
    }
}
