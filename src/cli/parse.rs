//! The command line's value parsers: each reads one flag's text into a
//! domain value and says what is wrong in the flag's own words.

use clap::builder::TypedValueParser;

use crate::book::{TableName, TableRole};
use crate::count::{CountError, parse_count};
use crate::output::book::BookFormat;
use crate::pricing::Money;
use crate::usage::{GroupBy, QuotaRate};

/// `--by`: model, provider, day or tag:KEY.
pub fn group_by(s: &str) -> Result<GroupBy, String> {
    match s.trim() {
        "model" => Ok(GroupBy::Model),
        "provider" => Ok(GroupBy::Provider),
        "day" => Ok(GroupBy::Day),
        other => match other.strip_prefix("tag:") {
            Some(key) if !key.is_empty() => Ok(GroupBy::Tag(key.to_owned())),
            Some(_) => Err("tag: needs the tag's name, as in tag:team".into()),
            None if other.is_empty() || other.contains(char::is_whitespace) => {
                Err(format!("{other:?} is not model, provider, day or tag:KEY"))
            }
            None => {
                let names = ["model", "provider", "day"].map(|n| (n.to_owned(), n.to_owned())).to_vec();
                let hint = match crate::suggest::closest(other, names).first() {
                    Some(close) => format!("did you mean {close}?"),
                    None => format!("to group by the tag {other:?}: --by tag:{other}"),
                };
                Err(format!("{other:?} is not model, provider, day or tag:KEY ({hint})"))
            }
        },
    }
}

/// `--alias NAME=MODEL`.
pub fn alias(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, model)) if !name.is_empty() && !model.trim().is_empty() => {
            Ok((name.to_owned(), model.trim().to_owned()))
        }
        _ => Err(format!("{s:?} is not NAME=MODEL, as in gpt4o=gpt-4o")),
    }
}

/// `export --format`, one of its possible values: csv, json or parquet.
pub fn book_format(name: String) -> BookFormat {
    match name.as_str() {
        "json" => BookFormat::Json,
        "parquet" => BookFormat::Parquet,
        _ => BookFormat::Csv,
    }
}

/// `--table usage=NAME`, `price_book=NAME` or `price_aliases=NAME`.
pub fn table(s: &str) -> Result<(TableRole, TableName), String> {
    let roles = || TableRole::ALL.map(TableRole::name).join(", ");
    let (role, name) =
        s.split_once('=').ok_or_else(|| format!("{s:?} is not TABLE=NAME, as in usage=billing.calls"))?;
    let role = TableRole::ALL
        .into_iter()
        .find(|r| r.name() == role)
        .ok_or_else(|| format!("{role:?} is not one of the query's tables ({})", roles()))?;
    Ok((role, name.parse()?))
}

/// How a snapshot is named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotSelector {
    Id(i64),
    /// The newest snapshot whose data was fetched at or before this instant.
    At(jiff::Timestamp),
}

/// `7` (an id), `2026-10-01` (the end of that day, UTC) or `2026-10-01T08:00:00Z`.
pub fn snapshot_selector(s: &str) -> Result<SnapshotSelector, String> {
    let s = s.trim();
    if let Ok(id) = s.parse::<i64>() {
        return Ok(SnapshotSelector::Id(id));
    }
    if let Ok(at) = s.parse::<jiff::Timestamp>() {
        return Ok(SnapshotSelector::At(at));
    }
    if let Ok(day) = s.parse::<jiff::civil::Date>() {
        // The last second of that day, UTC; the last days of year 9999 lie
        // beyond what a timestamp holds, and mean "the latest" all the same.
        let end = day.at(23, 59, 59, 0).to_zoned(jiff::tz::TimeZone::UTC);
        return Ok(SnapshotSelector::At(end.map_or(jiff::Timestamp::MAX, |z| z.timestamp())));
    }
    Err(format!("{s:?} is not a snapshot id, a date (2026-10-01) or a time (2026-10-01T08:00:00Z)"))
}

/// `127.0.0.1:8787`, `[::1]:8080`, `localhost:8787`, or an address alone (port 8787).
pub fn bind_address(s: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
    let s = s.trim();
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Ok(ip) = s.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 8787));
    }
    let example = "as in 127.0.0.1:8787, localhost:8787 or [::1]:8787";
    let (host, port) = s.rsplit_once(':').ok_or_else(|| format!("{s:?} is not ADDR:PORT, {example}"))?;
    let port: u16 = port.parse().map_err(|_| format!("{port:?} is not a port (0 to 65535), {example}"))?;
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| format!("{host:?} is not an address of this machine, {example}"))
}

/// A non-negative price in USD.
pub fn price(s: &str) -> Result<Money, String> {
    let m: Money = s.parse().map_err(|e: crate::pricing::MoneyError| e.to_string())?;
    if m.is_negative() {
        return Err("a price cannot be negative".into());
    }
    Ok(m)
}

/// A token count: 1200, 200K, 1.5M.
pub fn tokens(s: &str) -> Result<u64, String> {
    parse_count(s).map_err(|e| count_error("tokens", e))
}

/// A number of calls: 30000, 30K.
pub fn calls(s: &str) -> Result<u64, String> {
    parse_count(s).map_err(|e| count_error("calls", e))
}

/// What is wrong with a count of `what`, in those words.
fn count_error(what: &str, e: CountError) -> String {
    match e {
        CountError::NotANumber => format!("not a number of {what}: give a whole number such as 1200, 1.2K or 1M"),
        CountError::Negative => format!("a number of {what} cannot be negative"),
        CountError::Fraction => format!("a number of {what} is a whole number"),
        CountError::TooLarge => format!("more {what} than cometcat can count (at most {})", u64::MAX),
    }
}

/// A whole number from `min` to `max`, for limits and settings.
pub fn whole(min: u64, max: u64) -> impl TypedValueParser<Value = u64> {
    move |s: &str| -> Result<u64, String> {
        let range = if max == u64::MAX { format!("{min} or more") } else { format!("from {min} to {max}") };
        match s.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!("not a whole number {range}")),
        }
    }
}

/// Seconds of media per call: a decimal, 0 or more.
pub fn seconds(s: &str) -> Result<Money, String> {
    let m: Money = s.parse().map_err(|e: crate::pricing::MoneyError| e.to_string())?;
    if m.is_negative() {
        return Err("seconds cannot be negative".into());
    }
    Ok(m)
}

/// A size in bytes: `1048576`, `512K`, `64M`, `1G` (1K = 1024 bytes; `KiB`,
/// `MiB`, `GiB` and a trailing `B` are accepted too).
pub fn size(s: &str) -> Result<u64, String> {
    let bad = || format!("{s:?} is not a size like 64M, 512K, 1G or a number of bytes");
    let t = s.trim().to_ascii_uppercase();
    let t = t.strip_suffix("IB").or_else(|| t.strip_suffix('B')).unwrap_or(&t);
    let (number, factor) = match t.char_indices().last().ok_or_else(bad)? {
        (i, 'K') => (&t[..i], 1u64 << 10),
        (i, 'M') => (&t[..i], 1 << 20),
        (i, 'G') => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    let n: u64 = number.trim().parse().map_err(|_| bad())?;
    match n.checked_mul(factor) {
        Some(0) => Err(format!("{s:?} is too small: give at least 1 byte")),
        Some(bytes) => Ok(bytes),
        None => Err(bad()),
    }
}

/// A duration with its unit: 45s, 30m, 12h, 7d.
pub fn duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let unit = |c: char| match c {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3_600),
        'd' => Some(86_400),
        _ => None,
    };
    let bad = || format!("{s:?} is not a duration like 45s, 30m, 12h or 7d");
    let (number, last) = s.split_at(s.len().saturating_sub(1));
    let factor = last.chars().next().and_then(unit).ok_or_else(bad)?;
    let n: u64 = number.parse().map_err(|_| bad())?;
    n.checked_mul(factor).map(std::time::Duration::from_secs).ok_or_else(bad)
}

pub fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds above 0 and at most 86400")),
    }
}

/// `--quota-per-usd`: quota units to the dollar, whose reciprocal is exact.
pub fn quota_rate(s: &str) -> Result<QuotaRate, String> {
    let m: Money = s.parse().map_err(|e: crate::pricing::MoneyError| e.to_string())?;
    QuotaRate::new(m)
}

/// A percentage, 0 or more: `5`, `5%`, `2.5`.
pub fn percent(s: &str) -> Result<Money, String> {
    let m: Money = s
        .trim()
        .strip_suffix('%')
        .unwrap_or(s.trim())
        .parse()
        .map_err(|e: crate::pricing::MoneyError| e.to_string())?;
    if m.is_negative() {
        return Err("a percentage cannot be negative".into());
    }
    Ok(m)
}

/// A time: RFC 3339, or a date `YYYY-MM-DD` meaning its first second (UTC).
pub fn day_start(s: &str) -> Result<jiff::Timestamp, String> {
    time_or_day(s, (0, 0, 0))
}

/// A time: RFC 3339, or a date `YYYY-MM-DD` meaning its last second (UTC).
pub fn day_end(s: &str) -> Result<jiff::Timestamp, String> {
    time_or_day(s, (23, 59, 59))
}

fn time_or_day(s: &str, (h, m, sec): (i8, i8, i8)) -> Result<jiff::Timestamp, String> {
    let s = s.trim();
    let invalid = || format!("{s:?} is not a time (2026-10-01T08:00:00Z) or a date (2026-10-01)");
    let out_of_range = || format!("{s:?} is outside the times cometcat can fetch for");
    // A date alone is a whole day; a date and time without an offset is UTC.
    let at = match s.parse::<jiff::civil::Date>() {
        Ok(day) if s.len() == 10 => day.at(h, m, sec, 0),
        _ => match s.parse::<jiff::Timestamp>() {
            Ok(at) => return Ok(at),
            Err(_) => s.parse::<jiff::civil::DateTime>().map_err(|_| invalid())?,
        },
    };
    at.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|_| out_of_range())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bill_values_are_exact_or_refused() {
        assert_eq!(quota_rate("500000").unwrap().usd.to_string(), "0.000002");
        assert!(quota_rate("700000").unwrap_err().contains("not an exact decimal"));
        assert!(quota_rate("0").is_err() && quota_rate("-5").is_err() && quota_rate("many").is_err());
        assert_eq!(percent("5%").unwrap().to_string(), "5");
        assert!(percent("-1").is_err());
        assert_eq!(day_start("2026-11-01").unwrap().to_string(), "2026-11-01T00:00:00Z");
        assert_eq!(day_end("2026-11-30").unwrap().to_string(), "2026-11-30T23:59:59Z");
        assert_eq!(day_end("2026-11-30T12:00:00Z").unwrap().to_string(), "2026-11-30T12:00:00Z");
        assert!(day_start("last month").is_err());
        assert_eq!(day_start("2026-11-03T12:00:00").unwrap().to_string(), "2026-11-03T12:00:00Z", "no offset: UTC");
        assert_eq!(day_end("2026-11-03T13:00:00").unwrap().to_string(), "2026-11-03T13:00:00Z", "never the whole day");
        assert_eq!(day_start("2026-11-03T12:00:00+02:00").unwrap().to_string(), "2026-11-03T10:00:00Z");
        assert!(day_end("9999-12-31").unwrap_err().contains("outside the times"));
    }

    #[test]
    fn a_by_that_is_not_one_says_what_was_meant() {
        assert!(group_by("modle").unwrap_err().ends_with("(did you mean model?)"));
        assert!(group_by("team").unwrap_err().ends_with("(to group by the tag \"team\": --by tag:team)"));
        assert_eq!(group_by("tag:team"), Ok(GroupBy::Tag("team".into())));
    }

    #[test]
    fn value_parsers_refuse_nonsense() {
        assert_eq!(tokens("200K"), Ok(200_000));
        assert!(tokens("-1").is_err());
        assert!(tokens("18446744073709551616").is_err(), "u64 overflow");
        assert!(price("-1").is_err());
        assert_eq!(price("0.5").unwrap().to_string(), "0.5");
        assert!(positive_seconds("0").is_err());
        assert!(positive_seconds("NaN").is_err());
        assert_eq!(positive_seconds("2.5"), Ok(2.5));
        assert_eq!(duration("7d"), Ok(std::time::Duration::from_secs(7 * 86_400)));
        assert_eq!(duration("90m"), Ok(std::time::Duration::from_secs(5_400)));
        assert!(
            duration("7").is_err() && duration("d").is_err() && duration("-1d").is_err() && duration("1w").is_err()
        );
        assert!(seconds("-1").is_err());
        assert_eq!(snapshot_selector("7"), Ok(SnapshotSelector::Id(7)));
        assert_eq!(
            snapshot_selector("2026-10-01"),
            Ok(SnapshotSelector::At("2026-10-01T23:59:59Z".parse().unwrap())),
            "a date means the end of that day"
        );
        assert_eq!(
            snapshot_selector("2026-10-01T08:00:00Z"),
            Ok(SnapshotSelector::At("2026-10-01T08:00:00Z".parse().unwrap()))
        );
        assert!(snapshot_selector("yesterday").is_err());
        assert_eq!(snapshot_selector("9999-12-31"), Ok(SnapshotSelector::At(jiff::Timestamp::MAX)), "the last day");
        assert_eq!(seconds("8.5").unwrap().to_string(), "8.5");
        assert_eq!(size("64M"), Ok(64 << 20));
        assert_eq!(size("512KiB"), Ok(512 << 10));
        assert_eq!(size("1g"), Ok(1 << 30));
        assert_eq!(size("100"), Ok(100));
        assert!(size("0").is_err() && size("M").is_err() && size("-1M").is_err() && size("99999999999G").is_err());
    }
}
