//! The RACI matrix as an Excel workbook (rust_xlsxwriter).
//!
//! Three sheets: `RACI` (the CSV's columns, header row and activity columns frozen,
//! an autofilter, each letter's cell coloured as in the PDF matrix), `Legend` (the
//! letters and the role columns) and `People and roles` (every active person with
//! the roles they hold and deputise for). Cells are written as strings, never as
//! formulas, so model text needs no neutralising here: the workbook holds it
//! exactly. The document properties carry the bundle date as creation date, and
//! rust_xlsxwriter gives every zip entry a fixed time, so the bytes depend only on
//! the model and the date.

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

use super::{Words, fixed_cells, matrix_order, role_column};
use crate::error::{Context, Result};
use crate::model::{Model, Paper};
use crate::render::Locale;

/// Cell fill per canonical RACI entry: the colours of `raci-fills` in templates/layout.typ.
pub const FILLS: [(&str, u32); 5] = [
    ("A", 0xf4b183),
    ("A/R", 0xf4b183),
    ("R", 0xa9d18e),
    ("C", 0x9dc3e6),
    ("I", 0xe2e2e2),
];

/// The legend's rows: canonical letters and the locale key of their meaning.
const MEANINGS: [(&str, &str); 5] = [
    ("R", "r"),
    ("A", "a"),
    ("C", "c"),
    ("I", "i"),
    ("A/R", "ar"),
];

/// Every word of the workbook, from the locale.
struct Text {
    words: Words,
    sheets: [String; 3],
    title: String,
    subject: String,
    comment: String,
    legend: [String; 2],
    meanings: Vec<String>,
    roles: Vec<String>,
    people: Vec<String>,
}

impl Text {
    fn new(model: &Model, words: &Words, locale: &Locale) -> Result<Text> {
        let each = |prefix: &str, keys: &[&str]| -> Result<Vec<String>> {
            keys.iter()
                .map(|k| locale.text(&format!("{prefix}.{k}")).map(str::to_string))
                .collect()
        };
        let sheets = each("exports.xlsx.sheets", &["raci", "legend", "people"])?;
        let legend = each("exports.xlsx.legend", &["letter", "meaning"])?;
        let pol = &model.policy;
        Ok(Text {
            words: words.clone(),
            sheets: [sheets[0].clone(), sheets[1].clone(), sheets[2].clone()],
            title: locale.plain("exports.xlsx.title", &[("org", &model.organisation.name)])?,
            subject: format!(
                "{} ({})",
                pol.title,
                locale.plain(
                    "common.id_version",
                    &[("id", &pol.id), ("version", &pol.version)]
                )?
            ),
            comment: locale.plain("exports.xlsx.comment", &[])?,
            legend: [legend[0].clone(), legend[1].clone()],
            meanings: each("exports.xlsx.meanings", &MEANINGS.map(|(_, k)| k))?,
            roles: each(
                "exports.xlsx.roles",
                &["column", "role", "role_id", "held_by", "deputies"],
            )?,
            people: each("exports.xlsx.people", &PEOPLE_COLUMNS)?,
        })
    }
}

/// Grey of header rows.
const HEADER_FILL: u32 = 0xd9d9d9;
/// Grey of cell borders.
const BORDER: u32 = 0xbfbfbf;

/// The workbook's formats.
struct Formats {
    header: Format,
    role_header: Format,
    text: Format,
    letter: Vec<(&'static str, Format)>,
    blank: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(BORDER));
        let header = cell
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(HEADER_FILL))
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        let centred = cell
            .clone()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            role_header: header
                .clone()
                .set_rotation(90)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::Bottom),
            header,
            text: cell.clone().set_align(FormatAlign::VerticalCenter),
            letter: FILLS
                .iter()
                .map(|&(l, rgb)| {
                    (
                        l,
                        centred
                            .clone()
                            .set_bold()
                            .set_background_color(Color::RGB(rgb)),
                    )
                })
                .collect(),
            blank: centred,
        }
    }

    fn letter(&self, letters: &str) -> &Format {
        self.letter
            .iter()
            .find(|(l, _)| *l == letters)
            .map_or(&self.blank, |(_, f)| f)
    }
}

/// The workbook as xlsx bytes, in the words of `locale`.
pub fn workbook(model: &Model, words: &Words, locale: &Locale) -> Result<Vec<u8>> {
    let text = Text::new(model, words, locale)?;
    build(model, &text).context("failed to write the RACI workbook")
}

fn build(model: &Model, text: &Text) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let date = model.date;
    // ExcelDateTime covers 1900 to 9999; earlier bundle dates fall back to its
    // first day rather than fail (the date is metadata only).
    let created = ExcelDateTime::from_ymd(
        u16::try_from(date.year()).unwrap_or(1900).max(1900),
        date.month(),
        date.day(),
    )?;
    let props = DocProperties::new()
        .set_title(&text.title)
        .set_subject(&text.subject)
        .set_company(&model.organisation.name)
        .set_comment(&text.comment)
        .set_creation_datetime(&created);
    let mut wb = Workbook::new();
    wb.set_properties(&props);
    let f = Formats::new();
    raci_sheet(wb.add_worksheet(), model, text, &f)?;
    legend_sheet(wb.add_worksheet(), model, text, &f)?;
    people_sheet(wb.add_worksheet(), model, text, &f)?;
    wb.save_to_buffer()
}

fn raci_sheet(
    ws: &mut Worksheet,
    model: &Model,
    text: &Text,
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.set_name(&text.sheets[0])?;
    let roles = model.roles.len();
    for (c, head) in text.words.fixed.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, head, &f.header)?;
    }
    for r in 0..roles {
        ws.write_string_with_format(0, col(4 + r), role_column(model, r), &f.role_header)?;
    }
    let order = matrix_order(model);
    for (i, &a) in order.iter().enumerate() {
        let row = (i + 1) as u32;
        for (c, cell) in fixed_cells(model, a).iter().enumerate() {
            ws.write_string_with_format(row, c as u16, cell, &f.text)?;
        }
        let activity = &model.activities[a];
        // Most cells of a matrix are empty: each run of them is formatted in one
        // call, since the workbook looks a cell's format up by hashing it whole
        // (a tenth of a 300-role build's own time when done cell by cell). The
        // cells, and the order in which formats are first used, stay the same.
        let mut empty_from = None;
        for r in 0..=roles {
            let letters = (r < roles).then(|| model.letters(activity, r));
            let shown = letters.map(|l| text.words.letters(l));
            if shown == Some("") {
                empty_from.get_or_insert(r);
                continue;
            }
            if let Some(first) = empty_from.take() {
                ws.set_range_format(row, col(4 + first), row, col(3 + r), &f.blank)?;
            }
            if let (Some(letters), Some(shown)) = (letters, shown) {
                ws.write_string_with_format(row, col(4 + r), shown, f.letter(letters))?;
            }
        }
    }
    for (c, cap) in [40, 30, 90, 24].into_iter().enumerate() {
        let cells = order.iter().map(|&a| fixed_cells(model, a)[c].clone());
        ws.set_column_width(c as u16, fitted_width(cells, 10, cap))?;
    }
    for r in 0..roles {
        ws.set_column_width(col(4 + r), 5.5)?;
    }
    let longest = (0..roles)
        .map(|r| role_column(model, r).chars().count())
        .max()
        .unwrap_or(0);
    // Rotated role names: about 6.5 points per character, within Excel's 409.
    ws.set_row_height(0, (longest as f64 * 6.5).clamp(60.0, 409.0))?;
    // Header row and id, group and activity columns stay in view when scrolling.
    ws.set_freeze_panes(1, 3)?;
    ws.autofilter(0, 0, order.len() as u32, col(3 + roles))?;
    print_setup(ws, model)?;
    ws.set_landscape();
    Ok(())
}

fn legend_sheet(
    ws: &mut Worksheet,
    model: &Model,
    text: &Text,
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.set_name(&text.sheets[1])?;
    ws.write_string_with_format(0, 0, &text.legend[0], &f.header)?;
    ws.write_string_with_format(0, 1, &text.legend[1], &f.header)?;
    for (i, ((letters, _), meaning)) in MEANINGS.iter().zip(&text.meanings).enumerate() {
        let row = (i + 1) as u32;
        ws.write_string_with_format(row, 0, text.words.letters(letters), f.letter(letters))?;
        ws.write_string_with_format(row, 1, meaning, &f.text)?;
    }
    let top = (MEANINGS.len() + 2) as u32;
    for (c, head) in text.roles.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, head, &f.header)?;
    }
    for (r, role) in model.roles.iter().enumerate() {
        let row = top + 1 + r as u32;
        let deputies: Vec<&str> = role
            .deputies
            .iter()
            .map(|&p| model.people[p].name.as_str())
            .collect();
        let cells = [
            role.short_name.clone(),
            role.name.clone(),
            role.id.clone(),
            held_by(model, r, &text.words),
            deputies.join(", "),
        ];
        for (c, cell) in cells.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, cell, &f.text)?;
        }
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 60)?;
    ws.set_column_width(2, 24)?;
    ws.set_column_width(3, 40)?;
    ws.set_column_width(4, 30)?;
    print_setup(ws, model)?;
    Ok(())
}

/// The columns of the people sheet: their locale keys (`exports.xlsx.people.<key>`).
const PEOPLE_COLUMNS: [&str; 8] = [
    "person_id",
    "name",
    "title",
    "department",
    "email",
    "roles_held",
    "deputy_for",
    "leaves_on",
];

fn people_sheet(
    ws: &mut Worksheet,
    model: &Model,
    text: &Text,
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.set_name(&text.sheets[2])?;
    for (c, head) in text.people.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, head, &f.header)?;
    }
    let mut rows = Vec::new();
    for (p, person) in model.active_people() {
        let held: Vec<&str> = model
            .roles_of(p)
            .map(|r| model.roles[r].name.as_str())
            .collect();
        let deputy: Vec<&str> = model
            .roles
            .iter()
            .filter(|r| r.deputies.contains(&p))
            .map(|r| r.name.as_str())
            .collect();
        rows.push([
            person.id.clone(),
            person.name.clone(),
            person.title.clone(),
            person.department.clone().unwrap_or_default(),
            person.email.clone().unwrap_or_default(),
            held.join("; "),
            deputy.join("; "),
            person.left.map(|d| d.to_string()).unwrap_or_default(),
        ]);
    }
    for (i, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            ws.write_string_with_format((i + 1) as u32, c as u16, cell, &f.text)?;
        }
    }
    for (c, cap) in [30, 40, 50, 30, 40, 90, 60, 12].into_iter().enumerate() {
        let cells = rows.iter().map(|r| r[c].clone());
        ws.set_column_width(c as u16, fitted_width(cells, 12, cap))?;
    }
    ws.set_freeze_panes(1, 2)?;
    ws.autofilter(0, 0, rows.len() as u32, (PEOPLE_COLUMNS.len() - 1) as u16)?;
    print_setup(ws, model)?;
    ws.set_landscape();
    Ok(())
}

/// A column width (in characters) that fits `cells`, between `min` and `max`.
fn fitted_width(cells: impl Iterator<Item = String>, min: usize, max: usize) -> f64 {
    let widest = cells.map(|c| c.chars().count()).max().unwrap_or(0);
    (widest + 2).clamp(min, max) as f64
}

/// Printing: the organisation's paper, one page wide, the header row on every page.
fn print_setup(ws: &mut Worksheet, model: &Model) -> Result<(), rust_xlsxwriter::XlsxError> {
    // Excel's paper codes: 9 is A4, 1 is US Letter.
    ws.set_paper_size(match model.organisation.paper {
        Paper::A4 => 9,
        Paper::UsLetter => 1,
    });
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

/// Holders' names, "all personnel" or "vacant" (as the Markdown matrix says).
fn held_by(model: &Model, r: usize, words: &Words) -> String {
    let role = &model.roles[r];
    if role.all_staff {
        return words.all_personnel.clone();
    }
    let names: Vec<&str> = role
        .holders
        .iter()
        .map(|&p| model.people[p].name.as_str())
        .collect();
    if names.is_empty() {
        words.vacant.clone()
    } else {
        names.join(", ")
    }
}

/// A column number; Excel's 16,384 columns are far more than any model's roles,
/// and rust_xlsxwriter rejects a column beyond them with an error.
fn col(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}
