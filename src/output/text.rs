//! Third-party text made safe to show: control, bidi and invisible
//! characters escaped, so that no id can forge a row or pass for another.

use std::borrow::Cow;

/// Text safe to show on a terminal, for messages: control characters other
/// than newline (tabs, CR, escape sequences), bidi controls (which reorder
/// what follows them) and zero-width characters appear escaped: `\t`, `\r`, `\u{1b}`, `\u{202e}`.
pub fn visible(text: &str) -> Cow<'_, str> {
    escaped(text, |c| c == '\n')
}

/// Text for one cell of a table or Markdown table: every control character,
/// newline included, and every bidi control appears escaped, so that no cell
/// can start a row of its own or reorder its neighbours.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escaped(text, |_| false)
}

/// A character shown escaped (`\n`, `\u{202e}`): a control or bidi character.
pub fn hidden(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let hidden = |c: char| hidden(c) && !keep(c);
    if !text.chars().any(hidden) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Unicode's bidirectional formatting characters, and the invisible ones
/// that make two different ids look the same: zero-width spaces and joiners,
/// line and paragraph separators, the soft hyphen, invisible operators,
/// interlinear annotations and tag characters.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_forge_rows_or_reorder_text() {
        assert_eq!(one_line("a\nb\r\tc\u{1b}[31m"), "a\\nb\\r\\tc\\u{1b}[31m");
        assert_eq!(one_line("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(one_line("\u{2066}x\u{2069}\u{200F}"), "\\u{2066}x\\u{2069}\\u{200f}");
        assert_eq!(one_line("plain 日本語 ✓"), "plain 日本語 ✓");
        assert_eq!(visible("two\nlines\u{202e}"), "two\nlines\\u{202e}");
    }
}
