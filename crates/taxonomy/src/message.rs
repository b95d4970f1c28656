use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::Label;

/// The name written for a prediction whose confidence is below the chosen threshold.
pub const UNCERTAIN: &str = "uncertain";

/// One chat message, as every reader produces it and every report consumes it.
///
/// Field order is the order of cadence's JSONL output. Fields a reader cannot know are
/// `None`; fields of a plain JSONL input that cadence does not model are kept in `extra`
/// and written back unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The export format the message came from (`slack`, `teams`, `jsonl`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Channel, chat or conversation name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// Display name of the author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Id of the thread the message belongs to (the root message's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// Id of the message this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    pub text: String,
    /// Text of the message this one answers: a reply is judged against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Display names of the people the message addresses by mention.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_bot: bool,
    /// Input fields cadence does not model, kept so that output preserves them.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    pub fn new(text: impl Into<String>) -> Self {
        Message {
            text: text.into(),
            ..Message::default()
        }
    }

    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }
}

/// What a classifier says about one message.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The most probable label, or `None` (written `"uncertain"`) when its probability is
    /// below the threshold the caller chose.
    #[serde(with = "label_or_uncertain")]
    pub label: Option<Label>,
    /// Probability of the most probable label.
    pub confidence: f32,
    /// A probability for each label, in [`Label::ALL`] order; they sum to 1.
    #[serde(with = "scores_by_name")]
    pub scores: [f32; Label::COUNT],
}

impl Classification {
    /// Builds a classification from probabilities, marking it uncertain below `threshold`.
    pub fn from_scores(scores: [f32; Label::COUNT], threshold: f32) -> Self {
        let (best, confidence) =
            scores
                .iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f32::MIN),
                    |acc, (i, p)| if p > acc.1 { (i, p) } else { acc },
                );
        Classification {
            label: (confidence >= threshold).then(|| Label::ALL[best]),
            confidence,
            scores,
        }
    }

    /// The most probable label, whatever the threshold said.
    pub fn top_label(&self) -> Label {
        let best = (0..Label::COUNT)
            .max_by(|&a, &b| self.scores[a].total_cmp(&self.scores[b]))
            .unwrap_or(0);
        Label::ALL[best]
    }

    /// Reads the `label`, `confidence` and `scores` fields that cadence's classify output adds
    /// to a record, so that an already classified file need not be classified again.
    /// Returns `None` when any of them is missing or malformed.
    pub fn from_fields(fields: &Map<String, Value>) -> Option<Self> {
        let value = Value::Object(
            ["label", "confidence", "scores"]
                .into_iter()
                .map(|key| Some((key.to_owned(), fields.get(key)?.clone())))
                .collect::<Option<Map<_, _>>>()?,
        );
        serde_json::from_value(value).ok()
    }
}

mod label_or_uncertain {
    use super::*;

    pub fn serialize<S: Serializer>(label: &Option<Label>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(label.map_or(UNCERTAIN, Label::name))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Label>, D::Error> {
        let name = String::deserialize(d)?;
        if name == UNCERTAIN {
            return Ok(None);
        }
        name.parse().map(Some).map_err(serde::de::Error::custom)
    }
}

mod scores_by_name {
    use std::collections::BTreeMap;

    use serde::ser::SerializeMap;

    use super::*;

    pub fn serialize<S: Serializer>(scores: &[f32; Label::COUNT], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Label::COUNT))?;
        for label in Label::ALL {
            map.serialize_entry(label.name(), &scores[label.index()])?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[f32; Label::COUNT], D::Error> {
        let by_name = BTreeMap::<Label, f32>::deserialize(d)?;
        let mut scores = [0.0; Label::COUNT];
        for label in Label::ALL {
            scores[label.index()] = *by_name.get(&label).ok_or_else(|| {
                serde::de::Error::custom(format!("scores has no {:?}", label.name()))
            })?;
        }
        Ok(scores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_json_keeps_field_order_and_unknown_fields() {
        let line = r#"{"id":"7","text":"shipped","ticket":"JIRA-1","context":"status?"}"#;
        let message: Message = serde_json::from_str(line).unwrap();
        assert_eq!(message.text, "shipped");
        assert_eq!(message.context.as_deref(), Some("status?"));
        assert_eq!(message.extra["ticket"], "JIRA-1");
        let back = serde_json::to_string(&message).unwrap();
        assert_eq!(
            back,
            r#"{"id":"7","text":"shipped","context":"status?","ticket":"JIRA-1"}"#
        );
    }

    #[test]
    fn classification_below_threshold_is_uncertain_and_round_trips() {
        let scores = [0.4, 0.3, 0.2, 0.1];
        let sure = Classification::from_scores(scores, 0.0);
        assert_eq!(sure.label, Some(Label::Proactive));
        assert_eq!(sure.confidence, 0.4);
        let unsure = Classification::from_scores(scores, 0.5);
        assert_eq!(unsure.label, None);
        assert_eq!(unsure.top_label(), Label::Proactive);

        let json = serde_json::to_value(unsure).unwrap();
        assert_eq!(json["label"], UNCERTAIN);
        assert_eq!(json["scores"]["overstepping"].as_f64().unwrap() as f32, 0.2);
        let fields = json.as_object().unwrap();
        assert_eq!(Classification::from_fields(fields), Some(unsure));
    }

    #[test]
    fn classification_fields_must_all_be_present() {
        let mut fields = Map::new();
        fields.insert("label".into(), "silent".into());
        fields.insert("confidence".into(), 0.9.into());
        assert_eq!(Classification::from_fields(&fields), None);
    }
}
