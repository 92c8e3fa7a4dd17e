//! Aligned text tables. Off a terminal the width is set by the content alone,
//! so the same data always renders the same way. On a terminal the table fits
//! its width: the widest text columns are cut short with `…` (numbers never
//! are), unless `--wide`; and headers and numbers may be coloured.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::format::Look;
use super::grid::Grid;
use super::text::one_line;

const GAP: usize = 2;
/// A text column is never cut below this many characters.
const NARROWEST: usize = 6;

const HEADER: Style = Style::new().bold();
const NUMBER: Style = AnsiColor::Cyan.on_default();

pub fn write(out: &mut dyn Write, grid: &Grid, look: Look) -> io::Result<()> {
    let rows = || std::iter::once(&grid.headers).chain(&grid.rows);
    // Measured first, then written: escaping allocates only for cells that need it.
    let mut widths = vec![0; grid.headers.len()];
    for row in rows() {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(one_line(cell).width());
        }
    }
    if let Some(total) = look.width {
        let kept: Vec<usize> = grid.numeric.iter().chain(&grid.whole).copied().collect();
        fit(&mut widths, &kept, total);
    }
    for (i, row) in rows().enumerate() {
        let paint = |column: usize, text: &str| match look.color {
            true if i == 0 => Some(HEADER),
            true if grid.numeric.contains(&column) && !text.is_empty() => Some(NUMBER),
            _ => None,
        };
        write_row(out, row, &widths, &grid.numeric, paint)?;
    }
    Ok(())
}

/// Narrows the widest columns but the `kept` ones, one character at a time,
/// until the table fits in `total` columns or every other column is as narrow
/// as it may be.
fn fit(widths: &mut [usize], kept: &[usize], total: usize) {
    let used = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    while used(widths) > total {
        let widest = (0..widths.len())
            .filter(|i| !kept.contains(i) && widths[*i] > NARROWEST)
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        match widest {
            Some(i) => widths[i] -= 1,
            None => return,
        }
    }
}

fn write_row(
    out: &mut dyn Write,
    cells: &[String],
    widths: &[usize],
    numeric: &[usize],
    paint: impl Fn(usize, &str) -> Option<Style>,
) -> io::Result<()> {
    let mut line = String::new();
    for (i, (cell, &width)) in cells.iter().zip(widths).enumerate() {
        let text = cut(&one_line(cell), width);
        let pad = " ".repeat(width.saturating_sub(text.width()));
        if i > 0 {
            line.push_str(&" ".repeat(GAP));
        }
        let painted = match paint(i, &text) {
            Some(s) => format!("{}{text}{}", s.render(), s.render_reset()),
            None => text,
        };
        if numeric.contains(&i) {
            line.push_str(&pad);
            line.push_str(&painted);
        } else {
            line.push_str(&painted);
            line.push_str(&pad);
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// `text` in at most `width` columns: cut short with `…` when longer.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(grid: &Grid, look: Look) -> String {
        let mut out = Vec::new();
        write(&mut out, grid, look).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn renders_aligned_columns_without_trailing_space() {
        let mut grid = Grid::new(&["ID", "PRICE"]).numeric(&[1]);
        grid.push(vec!["gpt-5".into(), "1.25".into()]);
        grid.push(vec!["claude-sonnet-4-6".into(), "3".into()]);
        assert_eq!(
            render(&grid, Look::default()),
            "ID                 PRICE\ngpt-5               1.25\nclaude-sonnet-4-6      3\n"
        );
    }

    #[test]
    fn wide_characters_are_measured_by_their_width() {
        let mut grid = Grid::new(&["NAME", "N"]).numeric(&[1]);
        grid.push(vec!["日本語 🚀".into(), "1".into()]);
        grid.push(vec!["x".into(), "22".into()]);
        assert_eq!(render(&grid, Look::default()), "NAME        N\n日本語 🚀   1\nx          22\n");
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        let mut grid = Grid::new(&["ID", "N"]);
        grid.push(vec!["\x1b[31mred\ttab\rcr".into(), "1".into()]);
        grid.push(vec!["forged\nfake-row  0".into(), "2".into()]);
        assert_eq!(
            render(&grid, Look::default()),
            "ID                      N\n\\u{1b}[31mred\\ttab\\rcr  1\nforged\\nfake-row  0     2\n"
        );
    }

    #[test]
    fn a_narrow_terminal_cuts_the_widest_text_columns_never_the_numbers() {
        let mut grid = Grid::new(&["ID", "DESCRIPTION", "PRICE"]).numeric(&[2]);
        grid.push(vec!["black-forest-labs/flux-kontext-pro".into(), "an image model".into(), "0.048".into()]);
        grid.push(vec!["gpt-5".into(), "a text model from OpenAI".into(), "1.25".into()]);
        let out = render(&grid, Look { width: Some(40), color: false });
        assert_eq!(
            out,
            "ID               DESCRIPTION       PRICE\n\
             black-forest-l…  an image model    0.048\n\
             gpt-5            a text model fr…   1.25\n"
        );
        assert!(out.lines().all(|l| l.width() <= 40), "{out}");
        // Wide enough, or a terminal of unknown width: nothing is cut.
        assert!(!render(&grid, Look { width: Some(200), color: false }).contains('…'));
        assert!(!render(&grid, Look::default()).contains('…'));
    }

    #[test]
    fn a_whole_column_is_never_cut() {
        let mut grid = Grid::new(&["FIELD", "gpt-5", "claude-haiku-4-5-20251001"]).whole(&[0]);
        grid.push(vec!["effective_output_price".into(), "8".into(), "4".into()]);
        grid.push(vec!["features".into(), "text-to-text, image-to-text".into(), "text-to-text".into()]);
        let out = render(&grid, Look { width: Some(50), color: false });
        assert_eq!(
            out,
            "FIELD                   gpt-5         claude-haik…\n\
             effective_output_price  8             4\n\
             features                text-to-tex…  text-to-text\n"
        );
        assert!(out.lines().all(|l| l.width() <= 50), "{out}");
    }

    #[test]
    fn colour_is_only_for_terminals_that_want_it() {
        let mut grid = Grid::new(&["ID", "PRICE"]).numeric(&[1]);
        grid.push(vec!["gpt-5".into(), "1.25".into()]);
        let plain = render(&grid, Look { width: Some(80), color: false });
        assert!(!plain.contains('\x1b'));
        let coloured = render(&grid, Look { width: Some(80), color: true });
        assert!(coloured.starts_with("\x1b[1mID\x1b[0m"), "{coloured:?}");
        assert!(coloured.contains("\x1b[36m1.25\x1b[0m"), "{coloured:?}");
    }
}
