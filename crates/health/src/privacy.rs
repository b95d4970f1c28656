//! Pseudonymisation: stable aliases for person names, and scrubbing names out of quoted text.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Hex digits in an alias unless two people would share one.
const ALIAS_HEX: usize = 4;

/// How people are named in a report: their own names, or keyed aliases.
#[derive(Debug)]
pub(crate) struct Names {
    display: Vec<String>,
    /// (name as written, alias), longest first, when pseudonymising.
    replacements: Vec<(String, String)>,
}

impl Names {
    pub(crate) fn new(names: &[String], salt: Option<&str>) -> Self {
        let Some(salt) = salt else {
            return Names {
                display: names.to_vec(),
                replacements: Vec::new(),
            };
        };
        let digests: Vec<String> = names.iter().map(|name| keyed_hex(salt, name)).collect();
        // Lengthen every alias until no two people share one.
        let len = (ALIAS_HEX..=64)
            .find(|len| {
                let mut prefixes: Vec<_> = digests.iter().map(|d| &d[..*len]).collect();
                prefixes.sort_unstable();
                prefixes.windows(2).all(|w| w[0] != w[1])
            })
            .unwrap_or(64);
        let display: Vec<String> = digests
            .iter()
            .map(|d| format!("person-{}", &d[..len]))
            .collect();
        let mut replacements: Vec<(String, String)> =
            names.iter().cloned().zip(display.iter().cloned()).collect();
        // A first name alone ("Dana" for "Dana Kim") is a name too, when only one person has it.
        for (name, alias) in names.iter().zip(&display) {
            if let Some((first, _)) = name.split_once(' ') {
                let shared = names
                    .iter()
                    .filter(|other| other.split(' ').next() == Some(first))
                    .count();
                if shared == 1 && first.chars().count() >= 2 {
                    replacements.push((first.to_owned(), alias.clone()));
                }
            }
        }
        replacements.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Names {
            display,
            replacements,
        }
    }

    /// The name shown for a person id.
    pub(crate) fn display(&self, id: u32) -> &str {
        &self.display[id as usize]
    }

    /// The text with every known person name, as a whole word in any ASCII case, replaced by
    /// its alias; unchanged when not pseudonymising.
    pub(crate) fn scrub(&self, text: &str) -> String {
        if self.replacements.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut at_boundary = true;
        while let Some(c) = rest.chars().next() {
            let found = at_boundary
                .then(|| {
                    self.replacements.iter().find(|(name, _)| {
                        rest.get(..name.len())
                            .is_some_and(|head| head.eq_ignore_ascii_case(name))
                            && !rest[name.len()..].chars().next().is_some_and(is_word)
                    })
                })
                .flatten();
            if let Some((name, alias)) = found {
                out.push_str(alias);
                rest = &rest[name.len()..];
                at_boundary = false;
                continue;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
            at_boundary = !is_word(c);
        }
        out
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// HMAC-SHA256 of the name under the salt, in hex.
fn keyed_hex(salt: &str, name: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(salt.as_bytes()).expect("HMAC takes any key");
    mac.update(name.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn aliases_are_stable_keyed_and_distinct() {
        let people = names(&["Dana Kim", "Eli"]);
        let a = Names::new(&people, Some("salt"));
        let b = Names::new(&people, Some("salt"));
        let other = Names::new(&people, Some("pepper"));
        assert_eq!(a.display(0), b.display(0));
        assert_ne!(a.display(0), other.display(0));
        assert_ne!(a.display(0), a.display(1));
        assert!(a.display(0).starts_with("person-") && a.display(0).len() == 11);
    }

    #[test]
    fn scrub_replaces_whole_names_and_unique_first_names() {
        let people = names(&["Dana Kim", "Eli"]);
        let n = Names::new(&people, Some("salt"));
        let (dana, eli) = (n.display(0).to_owned(), n.display(1).to_owned());
        assert_eq!(
            n.scrub("@Dana Kim and dana, ask ELI; Eligible Delia stays"),
            format!("@{dana} and {dana}, ask {eli}; Eligible Delia stays")
        );
        let plain = Names::new(&people, None);
        assert_eq!(plain.scrub("Dana"), "Dana");
        assert_eq!(plain.display(1), "Eli");
    }
}
