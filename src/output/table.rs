//! Aligned text tables. Off a terminal the width is fixed by the content alone,
//! so the same data always renders the same way.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

use super::Grid;

pub fn write(out: &mut dyn Write, grid: &Grid, terminal: bool) -> io::Result<()> {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    if terminal {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.force_no_tty().set_content_arrangement(ContentArrangement::Disabled);
    }
    table.set_header(&grid.headers);
    for row in &grid.rows {
        table.add_row(row.iter().map(|cell| super::visible(cell)));
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
    fn control_characters_cannot_reach_the_terminal() {
        let mut grid = Grid::new(&["ID"]);
        grid.push(vec!["\x1b[31mred\ttab\rcr".into()]);
        let mut out = Vec::new();
        write(&mut out, &grid, false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "ID\n\\u{1b}[31mred\\ttab\\rcr\n");
    }
}
