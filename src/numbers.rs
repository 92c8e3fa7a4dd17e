//! Numbers in words: `1 record`, `3 records`. Pure.

/// `n` and the noun, plural unless `n` is 1: `counted(3, "line")` is `3 lines`.
pub fn counted(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(counted(0, "record"), "0 records");
        assert_eq!(counted(1, "record"), "1 record");
        assert_eq!(counted(2, "line"), "2 lines");
    }
}
