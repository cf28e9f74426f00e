//! The RACI matrix as CSV: RFC 4180, UTF-8 without a byte-order mark, CRLF line ends.
//!
//! One header row (`Activity ID`, `Group`, `Activity`, `Refs`, then one column per
//! role headed `Role name (role-id)`), then one row per activity in the order of
//! the Markdown matrix, each role's cell holding the letters of [`Model::letters`].
//! Every cell goes through [`escape_cell`], the one CSV escape.

use super::{Words, fixed_cells, matrix_order, role_column};
use crate::model::Model;

/// Characters that make a spreadsheet read a cell as a formula when they come
/// first (OWASP's CSV-injection list, with NUL from OWASP ASVS 1.2.10).
const FORMULA_TRIGGERS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\0'];

/// Escapes one cell for RFC 4180 CSV, and neutralises spreadsheet formulas.
///
/// A cell starting with `=`, `+`, `-`, `@`, tab, CR or NUL gets a leading `'`, as
/// OWASP's CSV-injection guidance advises: model text comes from many hands (HR
/// exports, job titles people write themselves) and this file is opened by
/// double-click in Excel or LibreOffice, which would otherwise evaluate
/// `=HYPERLINK(...)` or a DDE call. Spreadsheets hide the quote; other readers see
/// it. A cell containing `"`, `,`, CR or LF is quoted, with `"` doubled.
pub fn escape_cell(value: &str) -> String {
    let neutral = if value.starts_with(FORMULA_TRIGGERS) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// One CSV record: the escaped cells, comma-separated, ended by CRLF.
fn record<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    let cells: Vec<String> = cells.into_iter().map(|c| escape_cell(c.as_ref())).collect();
    format!("{}\r\n", cells.join(","))
}

/// The RACI matrix as CSV text, headed and lettered in the locale's words.
pub fn raci(model: &Model, words: &Words) -> String {
    let roles = 0..model.roles.len();
    let mut out = record(
        words
            .fixed
            .iter()
            .cloned()
            .chain(roles.clone().map(|r| role_column(model, r))),
    );
    for a in matrix_order(model) {
        let activity = &model.activities[a];
        out.push_str(&record(
            fixed_cells(model, a).into_iter().chain(
                roles
                    .clone()
                    .map(|r| words.letters(model.letters(activity, r)).to_string()),
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits CSV text into records of cells by RFC 4180 (section 2), independently
    /// of [`escape_cell`]: quoted fields, doubled quotes, CRLF record ends.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut cell = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => cell.push(c),
                (false, '"') if cell.is_empty() => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut cell)),
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'), "CR not followed by LF");
                    record.push(std::mem::take(&mut cell));
                    records.push(std::mem::take(&mut record));
                }
                (false, '\n') => panic!("bare LF outside quotes"),
                (false, '"') => panic!("quote inside an unquoted field"),
                (false, c) => cell.push(c),
            }
        }
        assert!(!quoted, "unterminated quoted field");
        assert!(
            cell.is_empty() && record.is_empty(),
            "last record without CRLF"
        );
        records
    }

    #[test]
    fn plain_cells_are_left_alone() {
        for s in [
            "",
            "R",
            "A/R",
            "Chief Executive Officer (ceo)",
            "Zoë Ångström",
            "5.3",
        ] {
            assert_eq!(escape_cell(s), s);
        }
    }

    #[test]
    fn hostile_cells_survive_a_round_trip() {
        let hostile = [
            "a,b",
            "say \"hi\"",
            "\"",
            "\"\"",
            "line\nbreak",
            "cr\rlf\r\n",
            ",",
            "trailing,",
            " spaced ",
            "x\ty",
            "*Bob* <b>_x_</b> #1 [a](b) & Co | Ltd",
            "Zoë; Ångström",
        ];
        let text = record(hostile);
        let parsed = parse(&text);
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0], hostile.map(String::from).to_vec());
    }

    #[test]
    fn formulas_are_neutralised_with_a_leading_quote() {
        let formulas = [
            "=1+1",
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "+1",
            "-2+3",
            "@SUM(A1:A2)",
            "\t=1",
            "\r=1",
            "\0x",
            "=cmd|' /c calc'!A0",
            "-",
        ];
        let text = record(formulas);
        let parsed = &parse(&text)[0];
        for (cell, original) in parsed.iter().zip(formulas) {
            assert_eq!(cell, &format!("'{original}"), "{original:?}");
        }
        // Only the first character counts: an inner `=` is ordinary text.
        assert_eq!(escape_cell("a=1"), "a=1");
        assert_eq!(escape_cell("'=1"), "'=1");
    }

    #[test]
    fn records_end_with_crlf_and_quote_only_when_needed() {
        assert_eq!(record(["a", "b,c", ""]), "a,\"b,c\",\r\n");
        assert_eq!(record(["=x,y"]), "\"'=x,y\"\r\n");
    }
}
