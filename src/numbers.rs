//! Numbers in words: `1 record`, `3 records`. Pure.

/// `n` and the noun, plural unless `n` is 1: `counted(3, "line")` is `3 lines`.
pub fn counted(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// A byte count for people: `64 MiB`, `1.5 KiB`, `512 bytes`.
pub fn bytes(bytes: u64) -> String {
    let units = [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    match units.iter().find(|(_, n)| bytes >= *n) {
        Some((unit, n)) if bytes.is_multiple_of(*n) => format!("{} {unit}", bytes / n),
        Some((unit, n)) => format!("{:.1} {unit}", bytes as f64 / *n as f64),
        None if bytes == 1 => "1 byte".to_owned(),
        None => format!("{bytes} bytes"),
    }
}

/// A count as tables and Markdown show it: `12,000,000`.
pub fn grouped(n: u64) -> String {
    group_digits(&n.to_string())
}

/// Thousands separators in a run of digits (`1234567` → `1,234,567`).
pub fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(counted(0, "record"), "0 records");
        assert_eq!(counted(1, "record"), "1 record");
        assert_eq!(counted(2, "line"), "2 lines");
        assert_eq!(grouped(12_000_000), "12,000,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(0), "0");
    }
}
