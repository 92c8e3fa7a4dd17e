//! Times as cometcat stores and shows them: RFC 3339 in UTC, to the second.

use jiff::Timestamp;

/// `2026-09-14T08:41:19Z`.
pub fn format_time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
