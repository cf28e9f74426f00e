//! Word output: one rendered Markdown document → one `.docx` file.
//!
//! Place in the pipeline: Markdown rendered from Tera templates → **DOCX (this
//! module)**, beside the Typst/PDF renderer and over the same documents. The one
//! entry point is [`document`]. [`writer`] walks the pulldown-cmark events (with
//! the options of [`crate::typst::parser_options`]) into WordprocessingML body
//! XML, [`styles`] names Word's built-in styles, [`package`] adds the page
//! layout (letterhead, footer with Word fields, paper, orientation) and writes
//! a reproducible zip, and [`reference`] takes styles, header and footer from a
//! user's reference document. All text reaches XML through
//! [`escape::escape`]. Besides `std` this module uses pulldown-cmark, zip
//! (writing and reading packages) and quick-xml (reading a reference document).

pub mod escape;
mod package;
mod reference;
mod styles;
mod writer;

use crate::error::{Error, Result};

use crate::date::Date;
use crate::model::Paper;

/// The page layout of a document, by kind, as `templates/layout.typ` lays out
/// the PDFs: the RACI matrix is landscape with coloured letters, signature
/// sheets have tall empty cells to sign in, the policy gets a table of contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The roles and responsibilities policy: a table of contents after the title.
    Policy,
    /// The RACI matrix: landscape, narrow role columns, letters coloured.
    Raci,
    /// A role description.
    Role,
    /// A role assignment sheet (signing fields, kept on one page).
    Assignment,
    /// The policy approval sheet (signing fields, kept on one page).
    Approval,
    /// The all-staff acknowledgement (signing fields, may run over pages).
    Acknowledgement,
    /// The signature register.
    Register,
    /// The change report.
    Changes,
}

impl Layout {
    /// The layout of the kind named as `layout.typ`'s `kind` parameter
    /// (`policy`, `raci`, `role`, `assignment`, `approval`, `acknowledgement`,
    /// `register`, `changes`; `staff` and `resolution` as a role description,
    /// `board_resolution` as the approval sheet).
    pub fn from_name(name: &str) -> Option<Layout> {
        Some(match name {
            "policy" => Layout::Policy,
            "raci" => Layout::Raci,
            "role" | "staff" | "resolution" => Layout::Role,
            "assignment" => Layout::Assignment,
            "approval" | "board_resolution" => Layout::Approval,
            "acknowledgement" => Layout::Acknowledgement,
            // The registers of model v2 are tables like the signature register.
            "register" | "competence" | "controls" => Layout::Register,
            "changes" => Layout::Changes,
            _ => return None,
        })
    }

    /// Whether every empty table cell is a field to sign in.
    fn signing(self) -> bool {
        matches!(
            self,
            Layout::Assignment | Layout::Approval | Layout::Acknowledgement
        )
    }

    /// Whether the page is landscape.
    fn landscape(self) -> bool {
        self == Layout::Raci
    }
}

/// The words of the page frame, from the locale: no English in Rust.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    /// The version in the footer, `{version}` standing for it: `version {version}`.
    pub version: &'a str,
    /// The page number, `{page}` and `{pages}` standing for Word's PAGE and
    /// NUMPAGES fields: `Page {page} of {pages}`.
    pub page: &'a str,
    /// The heading of the policy's table of contents: `Contents`.
    pub contents: &'a str,
}

/// The organisation's logo for the letterhead.
#[derive(Debug, Clone, Copy)]
pub struct Logo<'a> {
    /// The image file's bytes.
    pub bytes: &'a [u8],
    /// Its extension, lowercase without the dot: `png`, `jpg`, `jpeg` or `gif`.
    pub ext: &'a str,
}

/// Everything besides the Markdown that one DOCX needs.
#[derive(Debug, Clone, Copy)]
pub struct DocxOptions<'a> {
    /// The document's title (letterhead and document properties).
    pub title: &'a str,
    /// The organisation (letterhead and author).
    pub org_name: &'a str,
    /// The document id (footer).
    pub doc_id: &'a str,
    /// The document version (footer).
    pub version: &'a str,
    /// The classification (footer).
    pub classification: &'a str,
    /// A4 or US Letter.
    pub paper: Paper,
    /// The document language as a BCP 47 tag (`en-GB`, `de-DE`): Word's spell
    /// check and hyphenation follow it.
    pub lang: &'a str,
    /// The layout by document kind.
    pub layout: Layout,
    /// The letterhead's logo; without one the letterhead shows the
    /// organisation's name.
    pub logo: Option<Logo<'a>>,
    /// The words of the page frame.
    pub labels: Labels<'a>,
    /// The document's date: the document properties' created and modified
    /// dates and the zip entries' times, so the bytes depend on it alone.
    pub date: Date,
    /// A user's reference `.docx` (as pandoc's `--reference-doc`): its styles
    /// replace ours, matched by Word's built-in names, and its default header
    /// and footer, where it has them, replace the letterhead and the footer.
    pub reference: Option<&'a [u8]>,
}

/// Converts one document's Markdown to the bytes of a `.docx` file.
///
/// The same Markdown and options give the same bytes. An error names what
/// cannot be written (a Markdown construct with its line, a logo format, a
/// reference document that is not one); the caller adds which document.
pub fn document(markdown: &str, opts: &DocxOptions<'_>) -> Result<Vec<u8>> {
    let reference = opts.reference.map(reference::Reference::read).transpose()?;
    let ids = match &reference {
        Some(r) => styles::StyleIds::with_reference(&r.style_names, &r.style_ids),
        None => styles::StyleIds::ours(),
    };
    let page = package::Page::new(opts.paper, opts.layout.landscape());
    let context = writer::Context {
        layout: opts.layout,
        styles: &ids,
        text_width: page.text_width(),
        contents: opts.labels.contents,
    };
    let body = writer::write_body(markdown, &context).map_err(|e| {
        let line = markdown[..e.offset.min(markdown.len())].matches('\n').count() + 1;
        Error::new(format!("cannot write {} at line {line} of the Markdown as Word", e.what)).hint(format!("Word documents support headings, paragraphs, emphasis, lists, tables, links, code, quotes and footnotes (not inside footnotes); remove the {} from the model's Markdown fields or from the template", e.what))
    })?;
    package::write(&body, opts, &ids, &page, reference.as_ref())
}

/// The colours of the page frame and the RACI letters, as in `layout.typ`.
mod colours {
    /// Headings, links, letterhead rule.
    pub const ACCENT: &str = "1F3A5F";
    /// Table rules.
    pub const RULE: &str = "AAAAAA";
    /// Letterhead and footer text.
    pub const MUTED: &str = "464646";
    /// Rules of the signing tables.
    pub const SIGNING_RULE: &str = "3C3C3C";

    /// The fill of a RACI matrix cell holding exactly `letters`.
    pub fn raci_fill(letters: &str) -> Option<&'static str> {
        match letters {
            "A" | "A/R" => Some("F4B183"),
            "R" => Some("A9D18E"),
            "C" => Some("9DC3E6"),
            "I" => Some("E2E2E2"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
