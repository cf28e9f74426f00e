//! Calendar dates: the bundle date and every date of the model.
//!
//! The bundle date is an input computed once (from `--date`, `SOURCE_DATE_EPOCH` or
//! the clock) and passed forward; nothing else in the pipeline reads the clock.
//! A tiny proleptic Gregorian date is all rolecall needs, so it lives here rather
//! than pulling in a date-time crate.

use std::fmt;

/// A calendar date (no time, no zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// How dates are written in documents (`organisation.date-format`); the locale
/// writes them out (`render::Locale::date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateFormat {
    /// `23 November 2026`
    #[default]
    Long,
    /// `2026-11-23`
    Iso,
}

impl Date {
    /// Builds a date, or `None` when it does not exist.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if !(1..=9999).contains(&year) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let year = i32::try_from(num(0..4)?).ok()?;
        Date::new(
            year,
            u8::try_from(num(5..7)?).ok()?,
            u8::try_from(num(8..10)?).ok()?,
        )
    }

    /// The UTC date of a Unix timestamp (seconds).
    pub fn from_unix_seconds(secs: i64) -> Option<Date> {
        let days = secs.div_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        Date::new(i32::try_from(y).ok()?, m, d)
    }

    /// Today's date in UTC, from the system clock.
    pub fn today_utc() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_unix_seconds(secs).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// The bundle date of a run: `explicit` (`--date`), else `SOURCE_DATE_EPOCH`,
    /// else today (UTC).
    pub fn resolve(explicit: Option<Date>) -> crate::error::Result<Date> {
        if let Some(d) = explicit {
            return Ok(d);
        }
        if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
            let parsed = s
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(Date::from_unix_seconds);
            return parsed.ok_or_else(|| {
                crate::error::Error::usage(format!(
                    "invalid SOURCE_DATE_EPOCH `{s}` (expected seconds since 1970-01-01)"
                ))
                .hint("unset it or use --date YYYY-MM-DD")
            });
        }
        Ok(Date::today_utc())
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Seconds since the Unix epoch at midnight UTC of this date.
    pub fn unix_seconds(self) -> i64 {
        days_from_civil(self.year as i64, self.month, self.day) * 86_400
    }

    /// Adds calendar months, clamping the day to the end of a shorter month
    /// (31 January + 1 month = 28 or 29 February).
    pub fn add_months(self, months: u32) -> Date {
        let total = self.year as i64 * 12 + (self.month as i64 - 1) + months as i64;
        let year = (total.div_euclid(12)).min(9999) as i32;
        let month = (total.rem_euclid(12) + 1) as u8;
        let day = self.day.min(days_in_month(year, month));
        Date { year, month, day }
    }

    /// Adds `days` calendar days (clamped to the range of dates this type holds).
    pub fn add_days(self, days: i64) -> Date {
        Date::from_unix_seconds(
            self.unix_seconds()
                .saturating_add(days.saturating_mul(86_400)),
        )
        .unwrap_or(self)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days algorithms.
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Date::parse("2026-11-23").unwrap().to_string(), "2026-11-23");
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2024-02-29").is_some());
        for bad in [
            "2026-13-01",
            "2026-1-01",
            "20261101",
            "2026-11-2x",
            "",
            "+026-11-23",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn unix_round_trip() {
        assert_eq!(
            Date::from_unix_seconds(0).unwrap().to_string(),
            "1970-01-01"
        );
        let d = Date::parse("2026-01-31").unwrap();
        assert_eq!(d.unix_seconds(), 1_769_817_600);
        assert_eq!(Date::from_unix_seconds(d.unix_seconds() + 86_399), Some(d));
    }

    #[test]
    fn adds_months_with_clamping() {
        let d = Date::parse("2026-01-31").unwrap();
        assert_eq!(d.add_months(1).to_string(), "2026-02-28");
        assert_eq!(d.add_months(12).to_string(), "2027-01-31");
        assert_eq!(d.add_months(25).to_string(), "2028-02-29");
    }
}
