//! Times as cometcat stores and shows them: RFC 3339 in UTC, to the second.
//!
//! [`Time`] is a moment of a record: any time RFC 3339 can write, years 0000
//! to 9999 in UTC (`9999-12-31T23:59:59Z` included, which lies past the end of
//! `jiff::Timestamp`), and nothing else, so that every time read can be
//! written back as valid RFC 3339.

use std::fmt;

use jiff::Timestamp;
use jiff::fmt::temporal::Pieces;

/// `2026-09-14T08:41:19Z`.
pub fn format_time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A moment, in whole seconds since 1970-01-01T00:00:00Z, within RFC 3339's
/// years 0000 to 9999 (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(i64);

impl Time {
    /// `0000-01-01T00:00:00Z`.
    pub const MIN: Time = Time(-62_167_219_200);
    /// `9999-12-31T23:59:59Z`.
    pub const MAX: Time = Time(253_402_300_799);

    /// Unix seconds, when they fall in years 0000 to 9999.
    pub fn from_second(seconds: i64) -> Option<Time> {
        (Time::MIN.0..=Time::MAX.0).contains(&seconds).then_some(Time(seconds))
    }

    pub fn as_second(self) -> i64 {
        self.0
    }

    /// RFC 3339 (`2026-09-14T08:41:19Z`, `…+02:00`, fractions of a second
    /// dropped), or a date and time without an offset, read as UTC. `None`
    /// for anything else, and for a time outside years 0000 to 9999 in UTC.
    pub fn parse(text: &str) -> Option<Time> {
        let pieces = Pieces::parse(text.trim()).ok()?;
        // A zone name without an offset (`…[Europe/Paris]`) is not read as UTC.
        if pieces.offset().is_none() && pieces.time_zone_annotation().is_some() {
            return None;
        }
        let offset = pieces.to_numeric_offset().map_or(0, |o| i64::from(o.seconds()));
        let (date, time) = (pieces.date(), pieces.time().unwrap_or_default());
        if date.year() < 0 {
            return None;
        }
        let days = days_from_civil(i64::from(date.year()), i64::from(date.month()), i64::from(date.day()));
        let second = i64::from(time.hour()) * 3600 + i64::from(time.minute()) * 60 + i64::from(time.second());
        Time::from_second(days * 86_400 + second - offset)
    }

    /// `2026-09-14`, the day in UTC.
    pub fn date(self) -> String {
        let (y, m, d) = civil_from_days(self.0.div_euclid(86_400));
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl From<Timestamp> for Time {
    /// A timestamp, clamped to years 0000 to 9999.
    fn from(ts: Timestamp) -> Time {
        Time(ts.as_second().clamp(Time::MIN.0, Time::MAX.0))
    }
}

impl fmt::Display for Time {
    /// `2026-09-14T08:41:19Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.rem_euclid(86_400);
        write!(f, "{}T{:02}:{:02}:{:02}Z", self.date(), s / 3600, s % 3600 / 60, s % 60)
    }
}

impl serde::Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01: the inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let (d, m) = (doy - (153 * mp + 2) / 5 + 1, if mp < 10 { mp + 3 } else { mp - 9 });
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn every_rfc_3339_year_is_read_and_written_back() {
        let cases = [
            ("9999-12-31T23:59:59Z", Some("9999-12-31T23:59:59Z")),
            ("0000-01-01T00:00:00Z", Some("0000-01-01T00:00:00Z")),
            ("1970-01-01T00:00:00Z", Some("1970-01-01T00:00:00Z")),
            ("2026-09-14T10:41:19.731+02:00", Some("2026-09-14T08:41:19Z")),
            ("2026-09-14T08:41:19", Some("2026-09-14T08:41:19Z")),
            ("2024-02-29T12:00:00Z", Some("2024-02-29T12:00:00Z")),
            ("0000-01-01T00:00:00+00:01", None),
            ("9999-12-31T23:59:59-00:01", None),
            ("-0001-01-01T00:00:00Z", None),
            ("2026-09-14T08:41:19[Europe/Paris]", None),
            ("yesterday", None),
        ];
        for (text, want) in cases {
            assert_eq!(Time::parse(text).map(|t| t.to_string()).as_deref(), want, "{text}");
        }
        assert_eq!(Time::from_second(Time::MAX.0 + 1), None);
        assert_eq!(Time::from_second(100_000_000_000_000_000), None, "1e17 seconds: no RFC 3339 year");
        assert_eq!(Time::MAX.date(), "9999-12-31");
    }

    proptest! {
        /// Within jiff's range, every second is written as jiff writes it, and read back.
        #[test]
        fn times_agree_with_jiff(seconds in Time::MIN.0..=Timestamp::MAX.as_second()) {
            let time = Time::from_second(seconds).unwrap();
            let ts = Timestamp::from_second(seconds).unwrap();
            prop_assert_eq!(time.to_string(), format_time(ts));
            prop_assert_eq!(Time::parse(&time.to_string()), Some(time));
            prop_assert_eq!(Time::from(ts), time);
        }
    }
}
