use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the four behaviours of autonomous work. The lowercase names are a stable contract:
/// they appear in datasets, model files and every output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Proactive,
    Silent,
    Overstepping,
    Aligned,
}

/// A labelled example used to explain a label, with the message it answers where that matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    pub text: &'static str,
    pub context: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown label {0:?}: expected one of proactive, silent, overstepping, aligned")]
pub struct ParseLabelError(pub String);

impl Label {
    /// Every label, in the fixed order used for score vectors and model weights.
    pub const ALL: [Label; 4] = [
        Label::Proactive,
        Label::Silent,
        Label::Overstepping,
        Label::Aligned,
    ];

    pub const COUNT: usize = Self::ALL.len();

    /// Position in [`Label::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(index: usize) -> Option<Label> {
        Self::ALL.get(index).copied()
    }

    pub fn name(self) -> &'static str {
        match self {
            Label::Proactive => "proactive",
            Label::Silent => "silent",
            Label::Overstepping => "overstepping",
            Label::Aligned => "aligned",
        }
    }

    pub fn definition(self) -> &'static str {
        match self {
            Label::Proactive => {
                "Shares progress, risks or blockers before being asked; closes loops; \
                 unblocks itself within its own remit and reports it."
            }
            Label::Silent => {
                "Withholds status where status is due: vague non-updates, a bare acknowledgement \
                 answering a request for information, going dark and resurfacing with a fait \
                 accompli."
            }
            Label::Overstepping => {
                "Decides or acts outside their authority without sign-off: budget, hiring, \
                 contracts, pricing, strategy, policy, production changes, other people's work."
            }
            Label::Aligned => {
                "Agrees outcome and boundaries up front, asks sharp clarifying questions, confirms \
                 plans and checkpoints, escalates what is not theirs to decide."
            }
        }
    }

    /// Phrases and signals that typically point to this label (never decisive on their own).
    pub fn cues(self) -> &'static [&'static str] {
        match self {
            Label::Proactive => &[
                "heads up / FYI with a concrete fact",
                "what is done, what is next, by when",
                "a risk or blocker named with what is needed",
                "closing the loop: shipped, merged, sent, here is the link",
            ],
            Label::Silent => &[
                "\"still on it\", \"no update\", \"will revert\"",
                "an 'ok' or 👍 answering a request for information",
                "promising an update without giving one",
                "\"oh, that was done last week\" after days without a word",
            ],
            Label::Overstepping => &[
                "\"I went ahead and…\", \"I took the liberty of…\"",
                "\"already told the client\", \"decided to\"",
                "spend, discounts, offers, contracts or production changes without sign-off",
                "\"doing X unless anyone objects\" on a decision that is not theirs",
            ],
            Label::Aligned => &[
                "\"is this mine to decide, or should I loop in…?\"",
                "\"so done means X, and I check with you before Y?\"",
                "confirming a plan, a boundary or a checkpoint",
                "asking before acting",
            ],
        }
    }

    pub fn examples(self) -> &'static [Example] {
        match self {
            Label::Proactive => &[
                Example {
                    text: "Heads up: the API change may slip two days; mitigation plan in the doc.",
                    context: None,
                },
                Example {
                    text: "Migrated 3 of 5 tables, the last two by Thursday. Blocked on read access to billing_v2, asked IT this morning.",
                    context: None,
                },
            ],
            Label::Silent => &[
                Example {
                    text: "still on it",
                    context: Some("Where are we with the vendor audit?"),
                },
                Example {
                    text: "👍",
                    context: Some("Can you post where the audit is?"),
                },
            ],
            Label::Overstepping => &[
                Example {
                    text: "I went ahead and signed the renewal, it was expiring anyway.",
                    context: None,
                },
                Example {
                    text: "Told the customer we'd give them 25% off to close this quarter.",
                    context: None,
                },
            ],
            Label::Aligned => &[
                Example {
                    text: "Is 10% within what I can approve, or should I loop in sales?",
                    context: None,
                },
                Example {
                    text: "👍",
                    context: Some("Can you confirm you'll wait for legal before sending?"),
                },
            ],
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl FromStr for Label {
    type Err = ParseLabelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Label::ALL
            .into_iter()
            .find(|label| label.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ParseLabelError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_display_and_serde() {
        for label in Label::ALL {
            assert_eq!(label.name().parse::<Label>(), Ok(label));
            assert_eq!(label.to_string(), label.name());
            let json = serde_json::to_string(&label).unwrap();
            assert_eq!(json, format!("\"{}\"", label.name()));
            assert_eq!(serde_json::from_str::<Label>(&json).unwrap(), label);
            assert_eq!(Label::from_index(label.index()), Some(label));
        }
        assert_eq!(" Silent ".parse::<Label>(), Ok(Label::Silent));
    }

    #[test]
    fn unknown_label_is_an_error_that_names_it() {
        let err = "helpful".parse::<Label>().unwrap_err();
        assert!(err.to_string().contains("\"helpful\""), "{err}");
        assert!(serde_json::from_str::<Label>("\"helpful\"").is_err());
    }

    #[test]
    fn every_label_is_documented() {
        for label in Label::ALL {
            assert!(!label.definition().is_empty());
            assert!(label.cues().len() >= 3);
            assert!(!label.examples().is_empty());
        }
    }
}
