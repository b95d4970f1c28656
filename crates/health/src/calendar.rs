//! Working-time arithmetic in the team's timezone: local dates, working days, working hours.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::HealthOptions;

/// The team's week and working day, in its timezone.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    tz: Tz,
    /// Indexed by days from Monday.
    working: [bool; 7],
    start: NaiveTime,
    end: NaiveTime,
}

impl Calendar {
    pub(crate) fn new(options: &HealthOptions) -> Self {
        let mut working = [false; 7];
        for day in &options.working_days {
            working[day.num_days_from_monday() as usize] = true;
        }
        Calendar {
            tz: options.timezone,
            working,
            start: options.working_hours.start,
            end: options.working_hours.end,
        }
    }

    pub(crate) fn local_date(&self, time: DateTime<Utc>) -> NaiveDate {
        time.with_timezone(&self.tz).date_naive()
    }

    pub(crate) fn is_working_day(&self, date: NaiveDate) -> bool {
        self.working[date.weekday().num_days_from_monday() as usize]
    }

    /// Outside the working hours of a working day, in local time.
    pub(crate) fn is_after_hours(&self, time: DateTime<Utc>) -> bool {
        let local = time.with_timezone(&self.tz);
        let clock = local.time();
        !self.is_working_day(local.date_naive()) || clock < self.start || clock >= self.end
    }

    /// Working days strictly between two dates.
    pub(crate) fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d < to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }

    /// Working days from `from` to `to`, both included.
    pub(crate) fn working_days_in(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }

    /// The working day after `date`.
    pub(crate) fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        date.iter_days()
            .skip(1)
            .find(|d| self.is_working_day(*d))
            .expect("a week has a working day")
    }

    /// The working day before `date`.
    pub(crate) fn previous_working_day(&self, date: NaiveDate) -> NaiveDate {
        date.iter_days()
            .rev()
            .skip(1)
            .find(|d| self.is_working_day(*d))
            .expect("a week has a working day")
    }

    /// Seconds of working time between two instants (0 when `to` is not after `from`).
    pub(crate) fn working_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        for date in self
            .local_date(from)
            .iter_days()
            .take_while(|d| *d <= self.local_date(to))
        {
            if !self.is_working_day(date) {
                continue;
            }
            let open = self.instant(date, self.start).max(from);
            let close = self.instant(date, self.end).min(to);
            total += (close - open).num_seconds().max(0);
        }
        total
    }

    /// The instant of a local wall-clock time; a time skipped by a DST change maps to the
    /// same wall-clock time read as UTC offset by the zone's standard offset after it.
    fn instant(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let naive = date.and_time(time);
        match self.tz.from_local_datetime(&naive).earliest() {
            Some(local) => local.to_utc(),
            None => self
                .tz
                .from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
                .map_or_else(|| naive.and_utc(), |local| local.to_utc()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn calendar(tz: Tz) -> Calendar {
        Calendar::new(&HealthOptions {
            timezone: tz,
            ..HealthOptions::default()
        })
    }

    #[test]
    fn working_days_skip_weekends() {
        let cal = calendar(Tz::UTC);
        // Fri 2024-03-01 to Mon 2024-03-11: Mar 4-8 are the working days between.
        assert_eq!(
            cal.working_days_between(date("2024-03-01"), date("2024-03-11")),
            5
        );
        assert_eq!(
            cal.working_days_between(date("2024-03-01"), date("2024-03-04")),
            0
        );
        assert_eq!(
            cal.working_days_in(date("2024-03-01"), date("2024-03-04")),
            2
        );
        assert_eq!(cal.next_working_day(date("2024-03-01")), date("2024-03-04"));
        assert_eq!(
            cal.previous_working_day(date("2024-03-04")),
            date("2024-03-01")
        );
    }

    #[test]
    fn working_seconds_span_nights_and_weekends() {
        let cal = calendar(Tz::UTC);
        // Friday 17:00 to Monday 10:00: one hour on Friday and one on Monday.
        let secs = cal.working_seconds(utc("2024-03-01T17:00:00Z"), utc("2024-03-04T10:00:00Z"));
        assert_eq!(secs, 2 * 3600);
        // Saturday to Sunday: none.
        let secs = cal.working_seconds(utc("2024-03-02T10:00:00Z"), utc("2024-03-03T23:00:00Z"));
        assert_eq!(secs, 0);
        // Within one working day.
        let secs = cal.working_seconds(utc("2024-03-05T09:30:00Z"), utc("2024-03-05T11:00:00Z"));
        assert_eq!(secs, 5400);
    }

    #[test]
    fn working_time_is_read_in_the_timezone() {
        let cal = calendar(Tz::America__New_York);
        // 2024-03-05 13:00Z is 08:00 in New York (EST): before work.
        assert!(cal.is_after_hours(utc("2024-03-05T13:00:00Z")));
        assert!(!cal.is_after_hours(utc("2024-03-05T14:00:00Z")));
        // Saturday 02:00Z is still Friday 21:00 in New York: a working day, after hours.
        assert_eq!(
            cal.local_date(utc("2024-03-09T02:00:00Z")),
            date("2024-03-08")
        );
        // Friday 17:00 EST to Monday 10:00 EDT (DST began on Sunday Mar 10): two hours.
        let secs = cal.working_seconds(utc("2024-03-08T22:00:00Z"), utc("2024-03-11T14:00:00Z"));
        assert_eq!(secs, 2 * 3600);
        // A Sunday-to-Thursday week in Asia/Dubai.
        let mut options = HealthOptions {
            timezone: Tz::Asia__Dubai,
            ..HealthOptions::default()
        };
        options.working_days = vec![
            Weekday::Sun,
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
        ];
        let cal = Calendar::new(&options);
        assert!(cal.is_working_day(date("2024-03-03")));
        assert!(!cal.is_working_day(date("2024-03-08")));
        // Thu 2024-03-07 to Sun 2024-03-10: Fri and Sat are the weekend.
        assert_eq!(
            cal.working_days_between(date("2024-03-07"), date("2024-03-10")),
            0
        );
    }
}
