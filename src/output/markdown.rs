//! GitHub-flavoured Markdown tables, ready to paste into a pull request or wiki.

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

/// A cell's text with the characters that would break the table escaped:
/// backslashes and pipes, then every control and bidi character ([`super::one_line`]).
pub fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\\\").replace('|', "\\|");
    super::text::one_line(&text).into_owned()
}

#[cfg(test)]
mod tests {
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
}
