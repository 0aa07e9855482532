//! Aligned tables and JSON, as the admin prints them.

use std::fmt;
use std::io::Write;

use serde::Serialize;

/// Prints a line to stdout, like `println!`, but a closed pipe (`| head`)
/// ends the program quietly instead of panicking.
macro_rules! out {
    () => {
        $crate::admin::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::admin::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use out;

/// Writes to stdout; see [`out!`].
pub(crate) fn write(args: fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_fmt(args)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

/// A table printed with aligned columns, mqadmin style.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with a header row.
    pub(crate) fn new(header: &[&str]) -> Self {
        Table {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
        }
    }

    /// Adds a row.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, columns separated by two spaces.
    pub(crate) fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<width$}  ", width = widths[c]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Prints a value as pretty JSON.
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) {
    out!(
        "{}",
        serde_json::to_string_pretty(value).expect("serializable")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let mut table = Table::new(&["#A", "#Long header", "#C"]);
        table.row(vec!["value".into(), "x".into(), "last".into()]);
        assert_eq!(
            table.render(),
            "#A     #Long header  #C\nvalue  x             last\n"
        );
    }
}
