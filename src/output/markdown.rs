//! GitHub-flavoured Markdown, ready to paste into a pull request or wiki:
//! tables, and the two ways text from the catalog or a log gets into them.
//!
//! - [`escape`]: prose and cells. Every character Markdown or HTML would read
//!   as syntax is escaped (`\`, `|`, `` ` ``, `*`, `_` at a word's edge, `[`,
//!   `]`, `<`, `>`, `&`, `~`, and a block marker at the start); what GitHub
//!   would turn into a link or a ping even escaped — `@user`, `#123`, a URL, a
//!   `www.` name — goes out as code, visible and inert.
//! - [`code`]: a code span fenced with more backticks than the text holds.
//!
//! Control and bidi characters are shown escaped, as [`super::text::one_line`] shows them.

use std::io::{self, Write};

use super::grid::Grid;

pub fn write(out: &mut dyn Write, grid: &Grid) -> io::Result<()> {
    let line = |cells: &mut dyn Iterator<Item = String>| format!("| {} |", cells.collect::<Vec<_>>().join(" | "));
    writeln!(out, "{}", line(&mut grid.headers.iter().map(|h| escape(h))))?;
    let rule = (0..grid.headers.len()).map(|i| if grid.numeric.contains(&i) { "---:" } else { "---" }.to_owned());
    writeln!(out, "{}", line(&mut rule.into_iter()))?;
    for row in &grid.rows {
        writeln!(out, "{}", line(&mut row.iter().map(|c| escape(c))))?;
    }
    Ok(())
}

/// Text as Markdown that shows it as it is, in a table cell or a line of
/// prose: no tag, link, image, emphasis, ping or reference of its own.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    // Blanks at the ends show nothing, and four before a line's text make it code.
    let mut rest: &str = text.trim_matches([' ', '\t']);
    // Only blanks so far: a block marker here would start a block.
    let mut line_start = true;
    while let Some(c) = rest.chars().next() {
        if line_start && c.is_ascii_digit() {
            // `1.` or `1)` starts an ordered list: escape its dot.
            let digits = rest.find(|d: char| !d.is_ascii_digit()).unwrap_or(rest.len());
            if rest[digits..].starts_with(['.', ')']) && ends_marker(&rest[digits + 1..]) {
                out.push_str(&rest[..=digits - 1]);
                out.push('\\');
                out.push_str(&rest[digits..=digits]);
                prev = rest[digits..].chars().next();
                rest = &rest[digits + 1..];
                line_start = false;
                continue;
            }
        }
        let at_start = line_start;
        line_start &= c == ' ' || c == '\t';
        if super::text::hidden(c) {
            // Shown as its escape (`\n`): a backslash before a letter is no Markdown.
            out.extend(c.escape_default());
            prev = Some(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if let Some(mut len) = inert(rest) {
            // Inert runs that touch are one code span: two would read as one fence.
            while let Some(more) = inert(&rest[len..]) {
                len += more;
            }
            out.push_str(&code(&rest[..len]));
            prev = rest[..len].chars().next_back();
            rest = &rest[len..];
            continue;
        }
        let next = rest[c.len_utf8()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let syntax = match c {
            '\\' | '|' | '`' | '*' | '[' | ']' | '<' | '>' | '&' | '~' => true,
            // `gpt_5_mini`: an underscore inside a word emphasises nothing.
            '_' => !(word(prev) && word(next)),
            // A block marker (a heading, a list, a rule) where a line could start.
            '#' | '+' | '-' | '=' => at_start && block_marker(rest),
            _ => false,
        };
        if syntax {
            out.push('\\');
        }
        out.push(c);
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Whether `rest` (at a line's start) begins with a block marker: a heading's
/// `#`s, a list's `-` or `+`, or a line of `=` (a heading's underline), each
/// followed by a blank or the end (`-0.25` and `#x` are text).
fn block_marker(rest: &str) -> bool {
    let c = rest.chars().next().unwrap_or(' ');
    match c {
        '#' => ends_marker(rest.trim_start_matches('#')),
        '=' => rest.trim_end().chars().all(|c| c == '='),
        _ => ends_marker(&rest[c.len_utf8()..]),
    }
}

/// Whether what follows a marker lets it be one: a blank, or nothing.
fn ends_marker(after: &str) -> bool {
    after.chars().next().is_none_or(|c| c == ' ' || c == '\t')
}

/// `text` as a code span in a table cell: fenced with one backtick more than
/// its longest run, padded when it starts or ends with one, pipes escaped (a
/// cell ends at a pipe even inside code, and GitHub takes the escape out).
pub fn code(text: &str) -> String {
    code_span(&super::text::one_line(text).replace('|', "\\|"))
}

/// `text` as a code span in a line of prose (a list item): as [`code`], its
/// pipes as they are.
pub fn code_in_line(text: &str) -> String {
    code_span(&super::text::one_line(text))
}

fn code_span(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // Markdown takes one space off each end when both have one: give it ours to take.
    let spaced = text.starts_with(' ') && text.ends_with(' ') && text.trim() != "";
    let pad = if text.starts_with('`') || text.ends_with('`') || spaced { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The length of what GitHub would link or ping at the start of `rest`:
/// `@user` or `@org/team`, `#123`, a URL (`scheme://…`), or a `www.` name,
/// up to the next space. (GitHub looks for them at a word's start; a text
/// node after a code span starts one, so they are found anywhere.)
fn inert(rest: &str) -> Option<usize> {
    let end = |c: char| c.is_whitespace() || super::text::hidden(c) || matches!(c, '|' | '`');
    let word_end = |from: usize| rest[from..].find(end).map_or(rest.len(), |i| from + i);
    let name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.');
    let second = rest.chars().nth(1);
    if rest.starts_with('@') && second.is_some_and(|c| c.is_ascii_alphanumeric()) {
        let len = 1 + rest[1..].find(|c: char| !name(c)).unwrap_or(rest.len() - 1);
        return Some(len);
    }
    if rest.starts_with('#') && second.is_some_and(|c| c.is_ascii_digit()) {
        return Some(1 + rest[1..].find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len() - 1));
    }
    let lower = rest.get(..4).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("www.") {
        return Some(link_end(&rest[..word_end(0)]));
    }
    // A scheme: letters, digits, `+`, `-`, `.` before `://`.
    let scheme = rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))).unwrap_or(0);
    if scheme > 0 && rest[scheme..].starts_with("://") {
        return Some(link_end(&rest[..word_end(scheme)]));
    }
    None
}

/// Where GitHub ends a link found in `word`: without the punctuation that
/// closes a sentence after it (`.`, `,`, `:`, ...) or a `)` it did not open,
/// which stay text (`see http://x.example/, then`).
fn link_end(word: &str) -> usize {
    let mut end = word.len();
    while let Some(last) = word[..end].chars().next_back() {
        let unopened = last == ')' && word[..end].matches(')').count() > word[..end].matches('(').count();
        if !matches!(last, '.' | ',' | ':' | ';' | '!' | '?' | '*' | '_' | '~' | '\'' | '"') && !unopened {
            break;
        }
        end -= last.len_utf8();
    }
    // A scheme or `www.` alone is still held whole: nothing of it may become a link.
    if end < "www.".len() { word.len() } else { end }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    use super::*;

    #[test]
    fn escapes_pipes_and_newlines() {
        let mut grid = Grid::new(&["model", "cost"]).numeric(&[1]);
        grid.push(vec!["a|b".into(), "1.5".into()]);
        grid.push(vec!["two\nlines".into(), "".into()]);
        let mut out = Vec::new();
        write(&mut out, &grid).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "| model | cost |\n| --- | ---: |\n| a\\|b | 1.5 |\n| two\\nlines |  |\n"
        );
    }

    #[test]
    fn what_would_be_syntax_is_shown_as_written() {
        let cases = [
            ("gpt-4.1-mini", "gpt-4.1-mini"),
            ("gpt_5_mini", "gpt_5_mini"),
            ("_x_", "\\_x\\_"),
            ("evil` <img src=https://t.example/p.png> `x", "evil\\` \\<img src=`https://t.example/p.png>` \\`x"),
            ("[click](https://x.example)", "\\[click\\](`https://x.example`)"),
            ("see http://evil.example/, then", "see `http://evil.example/`, then"),
            ("(https://x.example/a_(b))!", "(`https://x.example/a_(b)`)!"),
            ("ping @octocat and @org/team", "ping `@octocat` and `@org/team`"),
            ("fixes #12", "fixes `#12`"),
            ("see www.evil.example now", "see `www.evil.example` now"),
            ("<!-- </details>", "\\<!-- \\</details\\>"),
            ("# heading", "\\# heading"),
            ("- item", "\\- item"),
            ("a&amp;b", "a\\&amp;b"),
            ("user@example.com", "user`@example.com`"),
        ];
        for (text, want) in cases {
            assert_eq!(escape(text), want, "{text}");
        }
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }

    /// What a table cell and a list item holding `cell` render to: the text
    /// of each (code included), and anything in them that is markup not ours.
    fn rendered(cell: &str) -> (Vec<String>, Vec<String>) {
        let doc = format!("| h |\n| --- |\n| {cell} |\n\n- {cell}\n");
        let (mut texts, mut foreign, mut head) = (Vec::new(), Vec::new(), false);
        let mut current = String::new();
        for event in Parser::new_ext(&doc, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
            match event {
                Event::Start(Tag::TableHead) => head = true,
                Event::End(TagEnd::TableHead) => head = false,
                _ if head => {}
                Event::Text(t) => {
                    let lower = t.to_ascii_lowercase();
                    // `@x` or `#1` at a word's start, as GitHub finds them.
                    let after = |mark: char, next: fn(char) -> bool| {
                        t.char_indices().any(|(i, c)| {
                            c == mark
                                && t[i + 1..].starts_with(next)
                                && !t[..i].ends_with(|p: char| p.is_alphanumeric())
                        })
                    };
                    let pings = after('@', |n| n.is_ascii_alphanumeric());
                    let refs = after('#', |n| n.is_ascii_digit());
                    // GitHub links `www.` at a word's start only.
                    let www =
                        lower.match_indices("www.").any(|(i, _)| !lower[..i].ends_with(|p: char| p.is_alphanumeric()));
                    let url = lower
                        .match_indices("://")
                        .any(|(i, _)| lower[..i].ends_with(|p: char| p.is_ascii_alphanumeric()));
                    if pings || refs || url || www {
                        foreign.push(format!("text {t:?}"));
                    }
                    current.push_str(&t);
                }
                Event::Code(t) => current.push_str(&t),
                Event::Html(h) | Event::InlineHtml(h) => foreign.push(format!("html {h:?}")),
                Event::End(TagEnd::TableCell | TagEnd::Item) => texts.push(std::mem::take(&mut current)),
                Event::Start(Tag::Table(_) | Tag::TableRow | Tag::TableCell | Tag::List(_) | Tag::Item)
                | Event::End(TagEnd::Table | TagEnd::TableRow | TagEnd::List(_)) => {}
                other => foreign.push(format!("{other:?}")),
            }
        }
        (texts, foreign)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Random text in, Markdown out: the rendered cell and list item hold
        /// no tag, link, image, emphasis, ping or reference, and show the text.
        #[test]
        fn no_markup_gets_through(text in "([a-z0-9 ]|[\\\\`*_\\[\\]()<>&~|#!+=@.:/-]|https://|www\\.|<img |<!--|@x|#1|  |1\\.|2\\)){0,24}") {
            let (shown, foreign) = rendered(&escape(&text));
            prop_assert!(foreign.is_empty(), "{text:?} -> {:?}: {foreign:?}", escape(&text));
            let want = text.trim();
            prop_assert_eq!(shown.iter().map(|s| s.trim()).collect::<Vec<_>>(), [want, want], "{:?}", escape(&text));
        }

        /// Any text in a code span comes back whole, and nothing else does.
        #[test]
        fn a_code_span_holds_its_text(text in "[a-z `|<>]{0,12}") {
            let (shown, foreign) = rendered(&code(&text));
            prop_assert!(foreign.is_empty(), "{foreign:?}");
            prop_assert_eq!(&shown[0], &text, "in a table");
        }
    }
}
