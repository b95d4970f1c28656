//! What a health report measures against: the team's calendar, thresholds, score weights and
//! privacy settings. Every default is written in `docs/health.md`.

use std::str::FromStr;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use crate::{Error, Result};

/// Settings of a health report. `HealthOptions::default()` gives the documented defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthOptions {
    /// The team's timezone: days, weeks, working hours and after-hours are judged in it.
    /// Default: UTC.
    pub timezone: Tz,
    /// Days of the week that are working days. Default: Monday to Friday.
    pub working_days: Vec<Weekday>,
    /// Working hours of a working day, local time. Default: 09:00 to 18:00.
    pub working_hours: WorkingHours,
    /// A person "went dark" when they posted nothing for more than this many working days
    /// while their conversations were active. Default: 5.
    pub dark_days: u32,
    /// Working hours after which a question without an answer from the person it addresses
    /// counts as unanswered. Default: 8.
    pub answer_within_hours: f64,
    /// Weights of the health score's components. Default: see [`ScoreWeights`].
    pub weights: ScoreWeights,
    /// Group aggregates (team, conversation, week) built from fewer distinct people than
    /// this are hidden. Default: 5.
    pub min_group_size: usize,
    /// When set, every person name is replaced by a stable alias (`person-3fa9`) derived
    /// from this secret salt with HMAC-SHA256. Default: none.
    pub pseudonymize: Option<String>,
    /// Leave out everything per person (rows, timelines, review authors). Default: false.
    pub aggregate_only: bool,
    /// Most overstepping messages listed for review, most confident first. Default: 50.
    pub review_limit: usize,
}

impl Default for HealthOptions {
    fn default() -> Self {
        HealthOptions {
            timezone: Tz::UTC,
            working_days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            working_hours: WorkingHours::default(),
            dark_days: 5,
            answer_within_hours: 8.0,
            weights: ScoreWeights::default(),
            min_group_size: 5,
            pseudonymize: None,
            aggregate_only: false,
            review_limit: 50,
        }
    }
}

impl HealthOptions {
    /// Checks what types cannot: a non-empty week, hours that make a day, positive limits.
    pub fn validate(&self) -> Result<()> {
        if self.working_days.is_empty() {
            return Err(Error::InvalidOption("no working days".into()));
        }
        if self.working_hours.start >= self.working_hours.end {
            return Err(Error::InvalidOption(format!(
                "working hours {} end before they start",
                self.working_hours
            )));
        }
        if self.answer_within_hours.is_nan() || self.answer_within_hours <= 0.0 {
            return Err(Error::InvalidOption(
                "answer_within_hours must be positive".into(),
            ));
        }
        if self.dark_days == 0 {
            return Err(Error::InvalidOption("dark_days must be at least 1".into()));
        }
        self.weights.validate()
    }
}

/// The local working day, `start` to `end` (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for WorkingHours {
    fn default() -> Self {
        WorkingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            end: NaiveTime::from_hms_opt(18, 0, 0).expect("valid time"),
        }
    }
}

impl std::fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// Parses `09:00-18:00`.
impl FromStr for WorkingHours {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let invalid = || Error::InvalidOption(format!("working hours {s:?}: expected HH:MM-HH:MM"));
        let (start, end) = s.split_once('-').ok_or_else(invalid)?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| invalid());
        let hours = WorkingHours {
            start: time(start)?,
            end: time(end)?,
        };
        if hours.start >= hours.end {
            return Err(invalid());
        }
        Ok(hours)
    }
}

/// Parses working days written as a range or a list: `mon-fri`, `sun-thu`, `mon,tue,thu`.
pub fn parse_working_days(s: &str) -> Result<Vec<Weekday>> {
    let invalid = || {
        Error::InvalidOption(format!(
            "working days {s:?}: expected a range like mon-fri or a list like mon,wed,fri"
        ))
    };
    let day = |d: &str| d.trim().parse::<Weekday>().map_err(|_| invalid());
    let mut days = Vec::new();
    for part in s.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (mut d, to) = (day(from)?, day(to)?);
                days.push(d);
                while d != to {
                    d = d.succ();
                    days.push(d);
                }
            }
            None => days.push(day(part)?),
        }
    }
    days.sort_by_key(|d| d.num_days_from_monday());
    days.dedup();
    Ok(days)
}

/// Parses an IANA timezone name such as `Europe/Berlin`.
pub fn parse_timezone(s: &str) -> Result<Tz> {
    s.trim()
        .parse()
        .map_err(|_| Error::InvalidOption(format!("unknown timezone {s:?}")))
}

/// Weights of the four score components; only their ratios matter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreWeights {
    /// Share of proactive and aligned messages. Default: 0.4.
    pub engagement: f64,
    /// Few overstepping messages. Default: 0.2.
    pub boundaries: f64,
    /// Few "went dark" episodes. Default: 0.2.
    pub presence: f64,
    /// Questions answered within `answer_within_hours`. Default: 0.2.
    pub responsiveness: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights {
            engagement: 0.4,
            boundaries: 0.2,
            presence: 0.2,
            responsiveness: 0.2,
        }
    }
}

impl ScoreWeights {
    fn validate(&self) -> Result<()> {
        let all = [
            self.engagement,
            self.boundaries,
            self.presence,
            self.responsiveness,
        ];
        if all.iter().any(|w| w.is_nan() || *w < 0.0) || all.iter().sum::<f64>() <= 0.0 {
            return Err(Error::InvalidOption(
                "score weights must be non-negative and not all zero".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_days_hours_and_zones() {
        assert_eq!(
            parse_working_days("sun-thu").unwrap(),
            vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Sun
            ]
        );
        assert_eq!(
            parse_working_days("mon, wed,fri").unwrap(),
            vec![Weekday::Mon, Weekday::Wed, Weekday::Fri]
        );
        assert!(parse_working_days("mon-funday").is_err());
        let hours: WorkingHours = "08:30-17:00".parse().unwrap();
        assert_eq!(hours.to_string(), "08:30-17:00");
        assert!("18:00-09:00".parse::<WorkingHours>().is_err());
        assert_eq!(parse_timezone("Europe/Berlin").unwrap(), Tz::Europe__Berlin);
        assert!(parse_timezone("Mars/Olympus").is_err());
    }

    #[test]
    fn defaults_are_valid_and_bad_values_are_not() {
        HealthOptions::default().validate().unwrap();
        let no_days = HealthOptions {
            working_days: vec![],
            ..HealthOptions::default()
        };
        assert!(no_days.validate().is_err());
        let zero_weights = HealthOptions {
            weights: ScoreWeights {
                engagement: 0.0,
                boundaries: 0.0,
                presence: 0.0,
                responsiveness: 0.0,
            },
            ..HealthOptions::default()
        };
        assert!(zero_weights.validate().is_err());
    }
}
