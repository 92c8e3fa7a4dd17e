//! Aligned text tables. Off a terminal the width is fixed by the content alone,
//! so the same data always renders the same way; on one, comfy-table fits the
//! columns to the terminal's width.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use unicode_width::UnicodeWidthStr;

use super::{Grid, one_line};

pub fn write(out: &mut dyn Write, grid: &Grid, terminal: bool) -> io::Result<()> {
    if terminal { fit(out, grid) } else { plain(out, grid) }
}

/// Columns as wide as their widest cell, two spaces apart, numbers on the
/// right. Written a row at a time, so a listing of any length costs its text
/// and no more.
fn plain(out: &mut dyn Write, grid: &Grid) -> io::Result<()> {
    let rows = || std::iter::once(&grid.headers).chain(&grid.rows);
    let mut widths = vec![0; grid.headers.len()];
    for row in rows() {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(one_line(cell).width());
        }
    }
    let mut line = String::new();
    for row in rows() {
        line.clear();
        for (i, cell) in row.iter().enumerate() {
            let text = one_line(cell);
            let pad = " ".repeat(widths[i] - text.width());
            if i > 0 {
                line.push_str("  ");
            }
            if grid.numeric.contains(&i) {
                line.push_str(&pad);
                line.push_str(&text);
            } else {
                line.push_str(&text);
                line.push_str(&pad);
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn fit(out: &mut dyn Write, grid: &Grid) -> io::Result<()> {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(&grid.headers);
    for row in &grid.rows {
        table.add_row(row.iter().map(|cell| one_line(cell)));
    }
    for &i in &grid.numeric {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    for line in table.lines() {
        // The first column's left padding and the last column's filler are noise.
        let line = line.strip_prefix(' ').unwrap_or(&line).trim_end();
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned_columns_without_trailing_space() {
        let mut grid = Grid::new(&["ID", "PRICE"]).numeric(&[1]);
        grid.push(vec!["gpt-5".into(), "1.25".into()]);
        grid.push(vec!["claude-sonnet-4-6".into(), "3".into()]);
        let mut out = Vec::new();
        write(&mut out, &grid, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID                 PRICE\ngpt-5               1.25\nclaude-sonnet-4-6      3\n"
        );
    }

    #[test]
    fn the_plain_table_is_what_comfy_table_draws_off_a_terminal() {
        let mut grid = Grid::new(&["ID", "NAME", "PRICE", "NOTE"]).numeric(&[0, 2]);
        grid.push(vec!["1".into(), "two\nlines".into(), "0.5".into(), String::new()]);
        grid.push(vec!["22".into(), "日本語 🚀".into(), "".into(), "x".into()]);
        grid.push(vec!["333".into(), "".into(), "12.345".into(), "tab\there\u{202e}and \u{1b}".into()]);
        let mut table = Table::new();
        table.load_preset(presets::NOTHING).force_no_tty().set_content_arrangement(ContentArrangement::Disabled);
        table.set_header(&grid.headers);
        for row in &grid.rows {
            table.add_row(row.iter().map(|cell| one_line(cell)));
        }
        for i in [0, 2] {
            table.column_mut(i).unwrap().set_cell_alignment(CellAlignment::Right);
        }
        let comfy: String =
            table.lines().map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(&l).trim_end())).collect();
        let mut out = Vec::new();
        plain(&mut out, &grid).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), comfy);
        assert!(comfy.contains("日本語 🚀"), "{comfy}");
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        let mut grid = Grid::new(&["ID", "N"]);
        grid.push(vec!["\x1b[31mred\ttab\rcr".into(), "1".into()]);
        grid.push(vec!["forged\nfake-row  0".into(), "2".into()]);
        let mut out = Vec::new();
        write(&mut out, &grid, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID                      N\n\\u{1b}[31mred\\ttab\\rcr  1\nforged\\nfake-row  0     2\n"
        );
    }
}
