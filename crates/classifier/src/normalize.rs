//! Text normalisation: what the featuriser sees of a message.

use unicode_normalization::UnicodeNormalization;

/// Placeholder tokens for things whose identity does not matter, only their presence.
pub const URL: &str = "<url>";
pub const MENTION: &str = "<mention>";
pub const CHANNEL: &str = "<channel>";

/// Normalises a message into space-separated tokens: Unicode NFKC, lowercase, links,
/// mentions and channel references replaced by placeholders, every digit written `0`
/// (so "v2.3.1" and "v4.0.2" look alike), `?` and `!` kept as tokens, emoji and other
/// symbols kept as one token each, other punctuation dropped.
///
/// `out` is cleared first; it is a buffer the caller reuses across messages.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    for raw in text.split_whitespace() {
        if let Some(placeholder) = placeholder(raw) {
            push_token(out, placeholder);
            // "#deploys?" still asks.
            if let Some(mark) = raw.chars().last().filter(|c| *c == '?' || *c == '!') {
                out.push(' ');
                out.push(mark);
            }
            continue;
        }
        // ASCII is its own NFKC form: most chat skips the Unicode tables.
        if raw.is_ascii() {
            push_chars(out, raw.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            push_chars(out, raw.nfkc().flat_map(char::to_lowercase));
        }
    }
    // Every token was written with a leading space.
    if out.starts_with(' ') {
        out.remove(0);
    }
}

/// Writes the tokens of one whitespace-free piece of text.
fn push_chars(out: &mut String, chars: impl Iterator<Item = char>) {
    let mut in_word = false;
    for c in chars {
        if c.is_alphanumeric() || c == '\'' && in_word || c == '_' {
            if !in_word {
                out.push(' ');
                in_word = true;
            }
            out.push(if c.is_ascii_digit() { '0' } else { c });
            continue;
        }
        in_word = false;
        if c == '?' || c == '!' || is_symbol(c) {
            out.push(' ');
            out.push(c);
        }
    }
}

pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    normalize_into(text, &mut out);
    out
}

fn push_token(out: &mut String, token: &str) {
    out.push(' ');
    out.push_str(token);
}

fn placeholder(raw: &str) -> Option<&'static str> {
    let lower = raw.trim_start_matches(['(', '[', '"', '\'']);
    let starts = |prefix: &str| {
        lower
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if starts("<@") || (starts("@") && lower.len() > 1) {
        Some(MENTION)
    } else if starts("<#")
        || (starts("#") && lower.len() > 1 && !lower[1..].starts_with(char::is_numeric))
    {
        Some(CHANNEL)
    } else if starts("http://") || starts("https://") || starts("<http") || starts("www.") {
        Some(URL)
    } else {
        None
    }
}

/// Emoji and other pictographs carry meaning in chat (a 👍 is an answer); joiners,
/// variation selectors and skin-tone modifiers do not.
fn is_symbol(c: char) -> bool {
    let code = c as u32;
    !c.is_ascii()
        && !c.is_whitespace()
        && !c.is_alphanumeric()
        && !(0xFE00..=0xFE0F).contains(&code)
        && !(0x1F3FB..=0x1F3FF).contains(&code)
        && code != 0x200D
        && !c.is_control()
        && !matches!(c, '\u{2018}'..='\u{201F}' | '\u{2026}' | '\u{00A0}'..='\u{00BF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_digits_case_and_punctuation() {
        assert_eq!(
            normalize(
                "Heads up <@U02AB3CD>: v2.3.1 ships Thu 14:00, see <https://x.io/doc|the doc>!"
            ),
            "heads up <mention> v0 0 0 ships thu 00 00 see <url> doc !"
        );
        assert_eq!(
            normalize("@maria can u check #deploys?"),
            "<mention> can u check <channel> ?"
        );
        assert_eq!(normalize("https://example.com/a?b=1 ok"), "<url> ok");
    }

    #[test]
    fn emoji_are_tokens_and_modifiers_are_dropped() {
        assert_eq!(normalize("👍🏽"), "👍");
        assert_eq!(normalize("done ✅✅ 🚀"), "done ✅ ✅ 🚀");
        assert_eq!(normalize("👍\u{FE0F}"), "👍");
    }

    #[test]
    fn nfkc_and_unicode_lowercase() {
        assert_eq!(normalize("ＦＵＬＬ width"), "full width");
        assert_eq!(normalize("Ça MARCHE"), "ça marche");
        assert_eq!(normalize("don't “quote”…"), "don't quote");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("  \n\t "), "");
    }
}
