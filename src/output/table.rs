//! Aligned text tables. Off a terminal the width is set by the content alone,
//! so the same data always renders the same way. On a terminal the table fits
//! its width, unless `--wide`: first the columns empty in every row are left
//! out, then the grid's droppable columns in their order (named in a line
//! under the table), and only then are the widest text columns cut short with
//! `…` (numbers never are). A cut never makes two rows look alike: when
//! cutting the end would, the start is cut (`…/gemini-2.0-flash`), and a
//! column is never cut narrower than keeps its rows apart (the table is then
//! wider than the terminal). Headers and numbers may be coloured.

use std::borrow::Cow;
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
    let all = measure(grid);
    let Some(total) = look.width else {
        // Off a terminal every column is whole: rows are written as they are, nothing copied.
        for (i, row) in std::iter::once(&grid.headers).chain(&grid.rows).enumerate() {
            let cells: Vec<Cow<'_, str>> = row.iter().map(|c| one_line(c)).collect();
            let cells: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
            write_row(out, &cells, &all, &grid.numeric, paint(look, i == 0, &grid.numeric))?;
        }
        return Ok(());
    };
    let mut shown: Vec<usize> = (0..grid.headers.len()).collect();
    drop_columns(grid, &mut shown, &all, total);
    let mut widths: Vec<usize> = shown.iter().map(|&c| all[c]).collect();
    let numeric: Vec<usize> = (0..shown.len()).filter(|i| grid.numeric.contains(&shown[*i])).collect();
    // Each shown column's cells, header first, on one line each.
    let cells: Vec<Vec<String>> = shown
        .iter()
        .map(|&c| {
            std::iter::once(&grid.headers[c])
                .chain(grid.rows.iter().map(|r| &r[c]))
                .map(|cell| one_line(cell).into_owned())
                .collect()
        })
        .collect();
    // Numbers and whole columns are never cut; text no narrower than keeps its rows apart.
    let kept = |i: usize| grid.numeric.contains(&shown[i]) || grid.whole.contains(&shown[i]);
    let least: Vec<usize> =
        (0..shown.len()).map(|i| if kept(i) { widths[i] } else { narrowest(&cells[i], widths[i]) }).collect();
    fit(&mut widths, &least, total);
    // Each text column cut as its width needs, the same way for every row.
    let columns: Vec<Vec<String>> =
        cells.into_iter().zip(&widths).map(|(cells, &width)| cut_column(cells, width)).collect();
    for i in 0..=grid.rows.len() {
        let cells: Vec<&str> = columns.iter().map(|c| c[i].as_str()).collect();
        write_row(out, &cells, &widths, &numeric, paint(look, i == 0, &numeric))?;
    }
    // Columns with something in them are never left out without a word.
    let hidden: Vec<&str> = (0..grid.headers.len())
        .filter(|c| !shown.contains(c) && grid.rows.iter().any(|r| !r[*c].is_empty()))
        .map(|c| grid.headers[c].as_str())
        .collect();
    if !hidden.is_empty() {
        let note = format!("(left out to fit: {}; --wide shows all)", hidden.join(", "));
        for line in wrap(&note, total) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// How a row's cells are coloured: the header bold, numbers cyan (when colour is on).
fn paint(look: Look, header: bool, numeric: &[usize]) -> impl Fn(usize, &str) -> Option<Style> + '_ {
    move |column, text| match look.color {
        true if header => Some(HEADER),
        true if numeric.contains(&column) && !text.is_empty() => Some(NUMBER),
        _ => None,
    }
}

/// `text` in lines of at most `width` columns, broken at spaces (a word
/// longer than that stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.width() + 1 + word.width() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// Each column's width: its widest cell, header included.
fn measure(grid: &Grid) -> Vec<usize> {
    let mut widths = vec![0; grid.headers.len()];
    for row in std::iter::once(&grid.headers).chain(&grid.rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(one_line(cell).width());
        }
    }
    widths
}

/// Leaves columns out of `shown` while the table is wider than `total`: the
/// columns empty in every row first, then the droppable ones in order.
fn drop_columns(grid: &Grid, shown: &mut Vec<usize>, widths: &[usize], total: usize) {
    let used = |shown: &[usize]| shown.iter().map(|&c| widths[c]).sum::<usize>() + GAP * shown.len().saturating_sub(1);
    let empty = (0..grid.headers.len()).filter(|&c| grid.rows.iter().all(|r| r[c].is_empty())).map(|c| vec![c]);
    let candidates: Vec<Vec<usize>> = empty.chain(grid.droppable.iter().cloned()).collect();
    for group in candidates {
        if used(shown) <= total || shown.len() <= group.len() {
            return;
        }
        shown.retain(|s| !group.contains(s));
    }
}

/// Narrows the widest columns that are wider than their `least`, one
/// character at a time, until the table fits in `total` columns or every
/// column is as narrow as it may be (then it is wider than the terminal).
fn fit(widths: &mut [usize], least: &[usize], total: usize) {
    let used = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    while used(widths) > total {
        let widest =
            (0..widths.len()).filter(|&i| widths[i] > least[i]).max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        match widest {
            Some(i) => widths[i] -= 1,
            None => return,
        }
    }
}

/// The ways a cell is cut, in the order they are tried: its end, then its start.
const CUTS: [fn(&str, usize) -> String; 2] = [cut, cut_start];

/// The narrowest a text column of `cells` (header first), `natural` wide,
/// may be cut to: at least [`NARROWEST`], and wide enough that a cut at
/// the end or at the start keeps every two different cells apart.
fn narrowest(cells: &[String], natural: usize) -> usize {
    let floor = NARROWEST.min(natural);
    let apart = |width: usize| {
        CUTS.iter().any(|way| distinct(&cells[1..], &cells[1..].iter().map(|c| way(c, width)).collect::<Vec<_>>()))
    };
    // Keeping rows apart only gets easier with width: the least width that does, by bisection.
    let (mut low, mut high) = (floor, natural);
    while low < high {
        let mid = low + (high - low) / 2;
        if apart(mid) { high = mid } else { low = mid + 1 }
    }
    low
}

/// Whether `cut` (each of `whole`, cut) never shows two different cells alike.
fn distinct(whole: &[String], cut: &[String]) -> bool {
    let mut seen = std::collections::HashMap::with_capacity(cut.len());
    cut.iter().zip(whole).all(|(c, w)| *seen.entry(c.as_str()).or_insert(w.as_str()) == w.as_str())
}

/// A column's cells (header first) in `width`: as they are when they fit;
/// else cut at the end, or where that would make two different cells look
/// alike, at the start; and where both would, not cut at all (the table is
/// then wider than the terminal, but never wrong). The header is cut as
/// needed, the end first.
fn cut_column(cells: Vec<String>, width: usize) -> Vec<String> {
    if cells.iter().all(|c| c.width() <= width) {
        return cells;
    }
    for way in CUTS {
        let rows: Vec<String> = cells[1..].iter().map(|c| way(c, width)).collect();
        if distinct(&cells[1..], &rows) {
            return std::iter::once(cut(&cells[0], width)).chain(rows).collect();
        }
    }
    cells
}

fn write_row(
    out: &mut dyn Write,
    cells: &[&str],
    widths: &[usize],
    numeric: &[usize],
    paint: impl Fn(usize, &str) -> Option<Style>,
) -> io::Result<()> {
    let mut line = String::new();
    for (i, (&text, &width)) in cells.iter().zip(widths).enumerate() {
        let pad = " ".repeat(width.saturating_sub(text.width()));
        if i > 0 {
            line.push_str(&" ".repeat(GAP));
        }
        let painted = match paint(i, text) {
            Some(s) => format!("{}{text}{}", s.render(), s.render_reset()),
            None => text.to_owned(),
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

/// `text` in at most `width` columns: its end cut off with `…` when longer.
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

/// `text` in at most `width` columns: its start cut off (`…/gemini-2.0-flash`).
fn cut_start(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
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
    fn a_narrow_terminal_leaves_out_empty_then_droppable_columns_before_cutting() {
        let mut grid = Grid::new(&["ID", "NOTE", "TYPE", "PRICE"]).numeric(&[3]).droppable(&["TYPE"]);
        grid.push(vec!["gpt-5".into(), "".into(), "text".into(), "1.25".into()]);
        grid.push(vec!["claude-sonnet-4-6".into(), "".into(), "text".into(), "3".into()]);
        assert_eq!(
            render(&grid, Look { width: Some(30), color: false }),
            "ID                 TYPE  PRICE\ngpt-5              text   1.25\nclaude-sonnet-4-6  text      3\n"
        );
        assert_eq!(
            render(&grid, Look { width: Some(25), color: false }),
            "ID                 PRICE\ngpt-5               1.25\nclaude-sonnet-4-6      3\n\
             (left out to fit: TYPE;\n--wide shows all)\n"
        );
    }

    #[test]
    fn a_cut_never_makes_two_ids_look_alike() {
        let mut grid = Grid::new(&["ID", "PRICE"]).numeric(&[1]);
        for id in ["vertex_ai/gemini-2.0-flash", "vertex_ai/gemini-2.0-pro", "vertex_ai/gemini-2.5-flash"] {
            grid.push(vec![id.into(), "1".into()]);
        }
        let out = render(&grid, Look { width: Some(24), color: false });
        let ids: Vec<&str> = out.lines().skip(1).map(|l| l.split("  ").next().unwrap()).collect();
        assert_eq!(ids, ["…gemini-2.0-flash", "…i/gemini-2.0-pro", "…gemini-2.5-flash"], "{out}");
        let mut grid = Grid::new(&["ID"]);
        for id in ["gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-08-06"] {
            grid.push(vec![id.into()]);
        }
        assert_eq!(render(&grid, Look { width: Some(12), color: false }), "ID\n…-2024-07-18\n…-2024-08-06\n");
        // Alike far into both ends: cut only as far as keeps them apart, wider than asked.
        let mut grid = Grid::new(&["ID"]);
        for id in ["a-long-name-one-zzzzzz", "a-long-name-two-zzzzzz"] {
            grid.push(vec![id.into()]);
        }
        assert_eq!(render(&grid, Look { width: Some(4), color: false }), "ID\n…e-zzzzzz\n…o-zzzzzz\n");
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
