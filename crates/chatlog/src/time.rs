//! Turning the ways exports write time into UTC instants.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

/// Seconds since the epoch, written as a decimal string with an optional fraction:
/// Slack's `ts` (`"1498401043.277604"`) or Telegram's `date_unixtime` (`"1544006350"`).
pub(crate) fn from_epoch_seconds(text: &str) -> Option<DateTime<Utc>> {
    let (seconds, fraction) = text.split_once('.').unwrap_or((text, ""));
    let seconds: i64 = seconds.parse().ok()?;
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Nanoseconds are the first nine fraction digits, padded with zeros.
    let nanos = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0u32, |n, digit| n * 10 + u32::from(digit - b'0'));
    DateTime::from_timestamp(seconds, nanos)
}

/// A wall-clock time with no zone, taken to be `offset_minutes` ahead of UTC.
pub(crate) fn from_local(time: NaiveDateTime, offset_minutes: i32) -> DateTime<Utc> {
    (time - TimeDelta::minutes(i64::from(offset_minutes))).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_keep_their_fraction() {
        let time = from_epoch_seconds("1498401043.277604").unwrap();
        assert_eq!(time.to_rfc3339(), "2017-06-25T14:30:43.277604+00:00");
        assert_eq!(
            from_epoch_seconds("1544006350").unwrap().to_rfc3339(),
            "2018-12-05T10:39:10+00:00"
        );
        assert_eq!(from_epoch_seconds("12a"), None);
        assert_eq!(from_epoch_seconds("1.x"), None);
    }

    #[test]
    fn local_times_shift_by_the_offset() {
        let local = NaiveDateTime::parse_from_str("2024-03-01 09:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            from_local(local, 120).to_rfc3339(),
            "2024-03-01T07:30:00+00:00"
        );
        assert_eq!(
            from_local(local, 0).to_rfc3339(),
            "2024-03-01T09:30:00+00:00"
        );
    }
}
