//! Markup turned into plain text: HTML entities and the small HTML subset chat platforms
//! write (Teams message bodies).

use std::borrow::Cow;

/// Decodes the named entities chat exports use (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`,
/// `&nbsp;`) and numeric ones (`&#39;`, `&#x1F600;`). Anything else stays as written.
pub(crate) fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // An entity is at most 10 bytes to its ';': look no further, or a text of many '&'
        // and no ';' would be scanned to its end once per '&'.
        let decoded = rest.as_bytes()[..rest.len().min(11)]
            .iter()
            .position(|&b| b == b';')
            .and_then(|end| Some((entity(&rest[1..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

/// Plain text of an HTML message body, and the names in its `<at>` mentions.
///
/// Tags are dropped; `<br>` and block tags (`p`, `div`, `li`, headings, table rows) end a
/// line; `<at>Name</at>` becomes `@Name`; emoji and images are replaced by their `alt` text;
/// entities are decoded. Lines are trimmed and blank ones dropped.
pub(crate) fn html_to_text(html: &str) -> (String, Vec<String>) {
    let mut text = String::with_capacity(html.len());
    let mut mentions = Vec::new();
    let mut mention_start = None;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&decode_entities(&rest[..open]));
        let starts_tag =
            rest[open + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !starts_tag {
            // A '<' that opens no tag ("1 < 2") is text.
            text.push('<');
            rest = &rest[open + 1..];
            continue;
        }
        let Some(close) = rest[open..].find('>') else {
            // A lone '<' is text, not a tag.
            text.push_str(&decode_entities(&rest[open..]));
            rest = "";
            break;
        };
        let tag = Tag::parse(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
        match tag.name.as_str() {
            "br" => text.push('\n'),
            "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote"
            | "pre" | "ul" | "ol" | "table"
                if !text.is_empty() && !text.ends_with('\n') =>
            {
                text.push('\n');
            }
            "at" if tag.closing => {
                if let Some(start) = mention_start.take() {
                    let name = text[start..].trim().to_owned();
                    if !name.is_empty() {
                        text.insert(start, '@');
                        mentions.push(name);
                    }
                }
            }
            "at" => mention_start = Some(text.len()),
            "emoji" | "customemoji" | "img" => {
                if let Some(alt) = tag.attribute("alt") {
                    text.push_str(&decode_entities(alt));
                }
            }
            _ => {}
        }
    }
    text.push_str(&decode_entities(rest));
    (tidy_lines(&text), mentions)
}

/// Trims each line and drops the blank ones.
fn tidy_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

/// The parts of a tag that text extraction needs.
struct Tag<'a> {
    name: String,
    closing: bool,
    source: &'a str,
}

impl<'a> Tag<'a> {
    fn parse(inside: &'a str) -> Self {
        let closing = inside.starts_with('/');
        let body = inside.trim_start_matches('/');
        let name = body
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Tag {
            name,
            closing,
            source: body,
        }
    }

    /// The value of `name="..."` or `name='...'`, if the tag has it.
    fn attribute(&self, name: &str) -> Option<&'a str> {
        let mut rest = self.source;
        while let Some(at) = rest.find(name) {
            let before_ok = rest[..at].ends_with(char::is_whitespace);
            let after = rest[at + name.len()..].trim_start();
            if let (true, Some(value)) = (before_ok, after.strip_prefix('=')) {
                let value = value.trim_start();
                let quote = value.chars().next()?;
                if quote == '"' || quote == '\'' {
                    let end = value[1..].find(quote)?;
                    return Some(&value[1..=end]);
                }
            }
            rest = &rest[at + name.len()..];
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_and_unknown_ones_stay() {
        assert_eq!(decode_entities("a &amp; b &lt;c&gt;"), "a & b <c>");
        assert_eq!(decode_entities("it&#39;s &#x1F680; &nbsp;x"), "it's 🚀  x");
        assert_eq!(decode_entities("R&D &bogus; 100%&"), "R&D &bogus; 100%&");
        assert!(matches!(decode_entities("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn html_becomes_lines_of_text_with_mentions() {
        let (text, mentions) = html_to_text(
            "<p>Hi <at id=\"0\">Priya Nair</at>, the build is <b>green</b> &amp; tagged.</p>\
             <p>Notes:<br>1 &lt; 2<br/>done <emoji id=\"1f44d\" alt=\"👍\" title=\"Like\"></emoji></p>\
             <p>&nbsp;</p><p></p><div>Thanks!</div>",
        );
        assert_eq!(
            text,
            "Hi @Priya Nair, the build is green & tagged.\nNotes:\n1 < 2\ndone 👍\nThanks!"
        );
        assert_eq!(mentions, ["Priya Nair"]);
    }

    #[test]
    fn broken_html_does_not_lose_text() {
        assert_eq!(html_to_text("a < b and <i>c").0, "a < b and c");
        assert_eq!(html_to_text("<at>unclosed").0, "unclosed");
        assert_eq!(html_to_text("x <").0, "x <");
        assert_eq!(html_to_text("<img src='x' alt='chart'>").0, "chart");
    }
}
