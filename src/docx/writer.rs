//! Markdown → WordprocessingML body writer.
//!
//! Place in the pipeline: Markdown rendered from templates → **the body of
//! `word/document.xml` (this module)** → [`super::package`] adds the page frame
//! and zips the package. Like the Typst writer (`crate::typst::writer`) it walks
//! pulldown-cmark events; Word has no nested blocks, so Markdown's containers
//! (quotes, list items, footnotes, cells) become paragraph styles and
//! numbering on flat paragraphs. All text goes through
//! [`escape`](super::escape::escape); the writer itself only emits fixed
//! elements around it, so text can never become markup or a field. Anything it
//! cannot write is reported as [`Unsupported`], never dropped.

use std::collections::BTreeMap;
use std::ops::Range;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Parser, Tag, TagEnd};

use super::escape::{escape, escape_uri};
use super::styles::{Style, StyleIds};
use super::{Layout, colours};
use crate::typst::Unsupported;
use crate::typst::writer::{Footnote, Spanned, code_block_text, split_footnotes, unsupported};

/// Height of a row with a field to sign in, in twentieths of a point: 2 cm,
/// room for a wet signature.
pub const SIGNING_FIELD_HEIGHT: u32 = 1134;

/// Width of one role column of the RACI matrix: 0.9 cm, as in the PDF.
const RACI_COLUMN: u32 = 510;

/// Width of a column of fields to sign in: 4.5 cm.
const SIGNING_FIELD_WIDTH: u32 = 2550;

/// Deepest list level Word's numbering has (levels 0 to 8).
const MAX_LIST_LEVEL: u8 = 8;

/// The numbering instance of every bullet list (see `package::numbering_xml`).
pub const BULLET_NUM_ID: u32 = 1;

/// The first numbering instance of ordered lists; each list gets its own so
/// that it starts at its own number.
pub const FIRST_ORDERED_NUM_ID: u32 = 2;

/// What the writer needs to know about the document.
pub struct Context<'a> {
    /// The layout by document kind.
    pub layout: Layout,
    /// The style ids to use.
    pub styles: &'a StyleIds,
    /// The width between the margins, in twentieths of a point.
    pub text_width: u32,
    /// The heading of the table of contents.
    pub contents: &'a str,
}

/// The written body and what the other parts of the package need from it.
#[derive(Debug, Default)]
pub struct Body {
    /// Paragraphs and tables of `w:body`, without the section properties.
    pub xml: String,
    /// The `w:footnote` elements (ids from 1), for `word/footnotes.xml`.
    pub footnotes: String,
    /// Hyperlink targets; the relationship id of the n-th (from 1) is `rIdLink<n>`.
    pub links: Vec<String>,
    /// Hyperlink targets in footnotes, `rIdNoteLink<n>` of the footnotes part.
    pub footnote_links: Vec<String>,
    /// Ordered lists as (level, start number); the n-th (from 0) is numbering
    /// instance [`FIRST_ORDERED_NUM_ID`] + n.
    pub ordered_lists: Vec<(u8, u64)>,
    /// Whether the body has a table of contents (Word then updates its fields).
    pub toc: bool,
}

/// Converts Markdown to body XML.
pub fn write_body(markdown: &str, context: &Context<'_>) -> Result<Body, Unsupported> {
    let events: Vec<Spanned<'_>> = Parser::new_ext(markdown, crate::typst::parser_options())
        .into_offset_iter()
        .collect();
    // Definitions may follow their references, so collect them all first.
    let (events, footnotes) = split_footnotes(events);
    let toc_entries = if context.layout == Layout::Policy {
        toc_entries(&events)
    } else {
        Vec::new()
    };
    let mut writer = Writer {
        context,
        body: Body::default(),
        out: String::with_capacity(markdown.len() * 4),
        footnotes,
        notes: BTreeMap::new(),
        in_footnote: false,
        pending_footnote_ref: false,
        next_bookmark: 1,
        toc_entries,
        toc_written: false,
        next_toc_entry: 0,
        open_bookmark: None,
        para_open: false,
        blocks: Vec::new(),
        lists: Vec::new(),
        tables: Vec::new(),
        heading: None,
        inline: Inline::default(),
        links: Vec::new(),
        after_table: false,
        keep_next: false,
    };
    writer.render(&events)?;
    writer.close_paragraph();
    writer.end_container();
    let mut body = writer.body;
    body.xml = writer.out;
    Ok(body)
}

/// A container whose blocks become paragraphs of some style.
#[derive(Debug, Clone, Copy)]
enum Block {
    /// A block quote.
    Quote,
    /// A list item of the `list`-th open list.
    Item { list: usize },
    /// A footnote's text.
    Footnote,
    /// A table cell.
    Cell,
}

/// An open block with how many paragraphs or tables it holds so far.
#[derive(Debug, Clone, Copy)]
struct Open {
    /// What it is.
    block: Block,
    /// Paragraphs and tables written directly inside it.
    blocks: usize,
    /// Whether it made its text bold (a header cell, a RACI letter).
    bold: bool,
}

impl Open {
    /// A container with nothing in it yet.
    fn new(block: Block) -> Open {
        Open {
            block,
            blocks: 0,
            bold: false,
        }
    }
}

/// An open list.
#[derive(Debug, Clone, Copy)]
struct List {
    /// Ordered (numbered) or bullets.
    ordered: bool,
    /// Its numbering instance.
    num_id: u32,
    /// Its level, 0 for a top-level list.
    level: u8,
}

/// Inline formatting in force.
#[derive(Debug, Clone, Copy, Default)]
struct Inline {
    /// Open emphasis.
    italic: usize,
    /// Open strong emphasis, or a header cell, or a RACI letter.
    bold: usize,
    /// Open strikethrough.
    strike: usize,
    /// Inside a hyperlink.
    link: usize,
}

/// What a table's rows need, worked out before it is written.
#[derive(Debug, Clone)]
struct TablePlan {
    /// Column widths in twentieths of a point.
    widths: Vec<u32>,
    /// Column alignments.
    alignments: Vec<Alignment>,
    /// The header row has only empty cells: a key-value table, written without it.
    skip_header: bool,
    /// The RACI matrix: role columns narrow, letters coloured, role names turned.
    matrix: bool,
    /// Per body row: whether it has an empty cell (a field to sign in).
    tall_rows: Vec<bool>,
    /// The header row's least height (the RACI matrix's turned role names).
    header_height: Option<u32>,
}

/// A table being written.
#[derive(Debug, Clone)]
struct Table {
    /// Its plan.
    plan: TablePlan,
    /// Body rows started so far.
    rows: usize,
    /// Cells written in the current row.
    cells: usize,
    /// Whether the current row is the header.
    header: bool,
}

/// A footnote already written, for later references to it.
#[derive(Debug, Clone)]
struct Note {
    /// Its footnote id, also its number.
    id: u32,
    /// Its bookmark's name, when later references need it.
    bookmark: Option<String>,
}

/// Streaming converter state.
struct Writer<'a, 'c> {
    /// The document.
    context: &'c Context<'c>,
    /// The parts written besides the body XML.
    body: Body,
    /// XML produced so far (the body's, or the current footnote's).
    out: String,
    /// Footnote definitions by label.
    footnotes: BTreeMap<String, Footnote<'a>>,
    /// Footnotes written so far, by label.
    notes: BTreeMap<String, Note>,
    /// Whether a footnote is being written.
    in_footnote: bool,
    /// The current footnote's first paragraph still needs its number.
    pending_footnote_ref: bool,
    /// Next bookmark id.
    next_bookmark: u32,
    /// The table of contents' entries (level-2 headings, plain text).
    toc_entries: Vec<String>,
    /// Whether the table of contents is written.
    toc_written: bool,
    /// Index of the next level-2 heading.
    next_toc_entry: usize,
    /// The bookmark around the heading being written.
    open_bookmark: Option<u32>,
    /// Whether a `w:p` is open.
    para_open: bool,
    /// Open containers, innermost last.
    blocks: Vec<Open>,
    /// Open lists, innermost last.
    lists: Vec<List>,
    /// Open tables, innermost last (a footnote in a cell may hold a table).
    tables: Vec<Table>,
    /// Level of the heading being written.
    heading: Option<u8>,
    /// Inline formatting in force.
    inline: Inline,
    /// Per open link: whether a `w:hyperlink` was opened for it.
    links: Vec<bool>,
    /// Whether the last block written was a table.
    after_table: bool,
    /// Whether the next paragraph stays on the page of the block after it.
    keep_next: bool,
}

impl<'a> Writer<'a, '_> {
    /// Writes `events`, a balanced event sequence.
    fn render(&mut self, events: &[Spanned<'a>]) -> Result<(), Unsupported> {
        let mut i = 0;
        while let Some((event, range)) = events.get(i) {
            match event {
                Event::Start(Tag::CodeBlock(kind)) => i = self.code_block(kind, events, i)?,
                Event::Start(Tag::Table(alignments)) => {
                    let plan = self.plan_table(alignments, events, i);
                    self.start_table(plan);
                }
                Event::Start(Tag::TableHead) => {
                    let skip = self.tables.last().is_some_and(|t| t.plan.skip_header);
                    if skip {
                        i = matching_end(events, i);
                    } else {
                        self.start_row(true);
                    }
                }
                Event::Start(Tag::TableCell) => {
                    let text = plain_text(&events[i..matching_end(events, i)]);
                    self.start_cell(&text);
                }
                Event::Start(Tag::Paragraph) => {
                    self.close_paragraph();
                    // On a signature sheet, the words that introduce a table
                    // stay on its page.
                    let next = events.get(matching_end(events, i) + 1);
                    self.keep_next = self.context.layout.signing()
                        && matches!(next, Some((Event::Start(Tag::Table(_)), _)));
                }
                Event::Start(tag) => self.start(tag, range)?,
                Event::End(tag) => self.end(tag, range)?,
                Event::Text(text) => self.text(text, None),
                Event::Code(code) => self.text(code, Some(Style::Code)),
                Event::SoftBreak => self.text(" ", None),
                Event::HardBreak => {
                    self.ensure_paragraph();
                    self.out.push_str("<w:r><w:br/></w:r>");
                }
                Event::Rule => {
                    self.close_paragraph();
                    self.count_block();
                    self.out.push_str(&format!(
                        "<w:p><w:pPr><w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" \
                         w:color=\"{}\"/></w:pBdr></w:pPr></w:p>",
                        colours::RULE
                    ));
                }
                Event::FootnoteReference(label) => self.footnote(label, range)?,
                other => {
                    let what =
                        crate::typst::writer::unsupported_event(other).unwrap_or("construct");
                    return Err(unsupported(what, range));
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// Handles a start tag other than code blocks and tables.
    fn start(&mut self, tag: &Tag<'a>, range: &Range<usize>) -> Result<(), Unsupported> {
        match tag {
            Tag::Paragraph => self.close_paragraph(),
            Tag::Heading { level, .. } => {
                self.close_paragraph();
                let level = *level as u8;
                let style = if level == 1 {
                    Style::Title
                } else {
                    Style::Heading(level - 1)
                };
                self.heading = Some(level);
                self.open_paragraph(&format!(
                    "<w:pStyle w:val=\"{}\"/>",
                    escape(self.context.styles.id(style))
                ));
                if level == 2 && !self.toc_entries.is_empty() && !self.in_footnote {
                    let id = self.bookmark();
                    self.out.push_str(&format!(
                        "<w:bookmarkStart w:id=\"{id}\" w:name=\"{}\"/>",
                        toc_bookmark(self.next_toc_entry)
                    ));
                    self.next_toc_entry += 1;
                    self.open_bookmark = Some(id);
                }
            }
            Tag::BlockQuote(None) => {
                self.close_paragraph();
                self.blocks.push(Open::new(Block::Quote));
            }
            Tag::List(first) => {
                self.close_paragraph();
                let level = u8::try_from(self.lists.len())
                    .unwrap_or(MAX_LIST_LEVEL)
                    .min(MAX_LIST_LEVEL);
                let num_id = match first {
                    Some(start) => {
                        let n = self.body.ordered_lists.len() as u32;
                        self.body.ordered_lists.push((level, *start));
                        FIRST_ORDERED_NUM_ID + n
                    }
                    None => BULLET_NUM_ID,
                };
                self.lists.push(List {
                    ordered: first.is_some(),
                    num_id,
                    level,
                });
            }
            Tag::Item => {
                self.close_paragraph();
                self.blocks.push(Open::new(Block::Item {
                    list: self.lists.len().saturating_sub(1),
                }));
            }
            Tag::TableRow => self.start_row(false),
            Tag::Emphasis => self.inline.italic += 1,
            Tag::Strong => self.inline.bold += 1,
            Tag::Strikethrough => self.inline.strike += 1,
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                self.ensure_paragraph();
                // An empty destination shows its text without a link, as in the PDF.
                let opened = !dest_url.is_empty();
                if opened {
                    let prefix =
                        if *link_type == LinkType::Email && !dest_url.starts_with("mailto:") {
                            "mailto:"
                        } else {
                            ""
                        };
                    let target = escape_uri(&format!("{prefix}{dest_url}"));
                    // A footnote's links are relationships of the footnotes part.
                    let (links, id) = if self.in_footnote {
                        (&mut self.body.footnote_links, "rIdNoteLink")
                    } else {
                        (&mut self.body.links, "rIdLink")
                    };
                    links.push(target);
                    let n = links.len();
                    self.out
                        .push_str(&format!("<w:hyperlink r:id=\"{id}{n}\" w:history=\"1\">"));
                    self.inline.link += 1;
                }
                self.links.push(opened);
            }
            other => {
                let what = crate::typst::writer::unsupported_tag(other).unwrap_or("construct");
                return Err(unsupported(what, range));
            }
        }
        Ok(())
    }

    /// Handles an end tag.
    fn end(&mut self, tag: &TagEnd, range: &Range<usize>) -> Result<(), Unsupported> {
        match tag {
            TagEnd::Paragraph => self.close_paragraph(),
            TagEnd::Heading(_) => {
                if let Some(id) = self.open_bookmark.take() {
                    self.out
                        .push_str(&format!("<w:bookmarkEnd w:id=\"{id}\"/>"));
                }
                self.close_paragraph();
                let title = self.heading.take() == Some(1);
                if title && !self.toc_written && !self.toc_entries.is_empty() && !self.in_footnote {
                    self.toc_written = true;
                    self.toc();
                }
            }
            TagEnd::BlockQuote(_) => {
                self.close_paragraph();
                self.blocks.pop();
            }
            TagEnd::List(_) => {
                self.close_paragraph();
                self.lists.pop();
            }
            TagEnd::Item => {
                self.close_paragraph();
                // An empty item still shows its bullet or number.
                if self.blocks.last().is_some_and(|b| b.blocks == 0) {
                    self.ensure_paragraph();
                    self.close_paragraph();
                }
                self.blocks.pop();
            }
            TagEnd::Table => {
                self.out.push_str("</w:tbl>");
                self.tables.pop();
                self.after_table = true;
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                self.pad_row();
                self.out.push_str("</w:tr>");
                if let Some(table) = self.tables.last_mut() {
                    table.header = false;
                }
            }
            TagEnd::TableCell => self.end_cell(),
            TagEnd::Emphasis => self.inline.italic = self.inline.italic.saturating_sub(1),
            TagEnd::Strong => self.inline.bold = self.inline.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.inline.strike = self.inline.strike.saturating_sub(1),
            TagEnd::Link => {
                if self.links.pop() == Some(true) {
                    self.out.push_str("</w:hyperlink>");
                    self.inline.link = self.inline.link.saturating_sub(1);
                }
            }
            other => return Err(unsupported(&format!("{other:?}"), range)),
        }
        Ok(())
    }

    /// Writes text as runs with the formatting in force; tabs and line
    /// breaks become Word's own elements.
    fn text(&mut self, text: &str, style: Option<Style>) {
        self.ensure_paragraph();
        let legend =
            (self.context.layout == Layout::Raci && self.inline.bold > 0 && self.tables.is_empty())
                .then(|| colours::raci_fill(text))
                .flatten();
        let props = self.run_props(style, legend);
        self.out.push_str("<w:r>");
        self.out.push_str(&props);
        let mut first = true;
        for line in text.split('\n') {
            if !first {
                self.out.push_str("<w:br/>");
            }
            first = false;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let mut first_part = true;
            for part in line.split('\t') {
                if !first_part {
                    self.out.push_str("<w:tab/>");
                }
                first_part = false;
                if !part.is_empty() {
                    self.out.push_str("<w:t xml:space=\"preserve\">");
                    self.out.push_str(&escape(part));
                    self.out.push_str("</w:t>");
                }
            }
        }
        self.out.push_str("</w:r>");
    }

    /// The `w:rPr` for a run of the given character style; `legend` is the
    /// fill of a RACI letter outside the matrix.
    fn run_props(&self, style: Option<Style>, legend: Option<&str>) -> String {
        let style = style.or((self.inline.link > 0).then_some(Style::Hyperlink));
        let mut props = String::new();
        if let Some(style) = style {
            props.push_str(&format!(
                "<w:rStyle w:val=\"{}\"/>",
                escape(self.context.styles.id(style))
            ));
        }
        if self.inline.bold > 0 {
            props.push_str("<w:b/><w:bCs/>");
        }
        if self.inline.italic > 0 {
            props.push_str("<w:i/><w:iCs/>");
        }
        if self.inline.strike > 0 {
            props.push_str("<w:strike/>");
        }
        if style == Some(Style::Code) && self.context.layout.signing() {
            // Digests are long unbroken words: small enough for one line, as in the PDF.
            props.push_str("<w:sz w:val=\"15\"/><w:szCs w:val=\"15\"/>");
        }
        if let Some(fill) = legend {
            // The RACI legend's letters in their colours, as in the PDF.
            props.push_str(&format!(
                "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/>"
            ));
        }
        if props.is_empty() {
            props
        } else {
            format!("<w:rPr>{props}</w:rPr>")
        }
    }

    /// Opens a paragraph for inline content unless one is open.
    fn ensure_paragraph(&mut self) {
        if !self.para_open {
            let props = self.paragraph_props();
            self.open_paragraph(&props);
        }
    }

    /// Opens a `w:p` with the given paragraph properties (without `w:pPr`).
    fn open_paragraph(&mut self, props: &str) {
        self.count_block();
        self.after_table = false;
        self.keep_next = false;
        self.out.push_str("<w:p>");
        if !props.is_empty() {
            self.out.push_str("<w:pPr>");
            self.out.push_str(props);
            self.out.push_str("</w:pPr>");
        }
        self.para_open = true;
        if self.pending_footnote_ref {
            self.pending_footnote_ref = false;
            self.out.push_str(&format!(
                "<w:r><w:rPr><w:rStyle w:val=\"{}\"/></w:rPr><w:footnoteRef/></w:r>\
                 <w:r><w:t xml:space=\"preserve\"> </w:t></w:r>",
                escape(self.context.styles.id(Style::FootnoteReference))
            ));
        }
    }

    /// Closes the open paragraph, if any.
    fn close_paragraph(&mut self) {
        if self.para_open {
            self.out.push_str("</w:p>");
            self.para_open = false;
        }
    }

    /// Counts a paragraph or table in the innermost container.
    fn count_block(&mut self) {
        if let Some(open) = self.blocks.last_mut() {
            open.blocks += 1;
        }
    }

    /// Paragraph properties for body text in the innermost container.
    fn paragraph_props(&self) -> String {
        let styles = self.context.styles;
        let style = |s: Style| format!("<w:pStyle w:val=\"{}\"/>", escape(styles.id(s)));
        // Text right below a table keeps a distance from it, as in the PDF.
        let spacing = if self.after_table {
            "<w:spacing w:before=\"160\"/>"
        } else {
            ""
        };
        let quotes = self
            .blocks
            .iter()
            .filter(|b| matches!(b.block, Block::Quote))
            .count();
        for open in self.blocks.iter().rev() {
            match open.block {
                Block::Cell => return self.cell_paragraph_props(),
                Block::Item { list } => {
                    let Some(list) = self.lists.get(list) else {
                        continue;
                    };
                    let n = list.level + 1;
                    if open.blocks > 0 {
                        return format!("{}{spacing}", style(Style::ListContinue(n)));
                    }
                    let s = if list.ordered {
                        Style::ListNumber(n)
                    } else {
                        Style::ListBullet(n)
                    };
                    return format!(
                        "{}<w:numPr><w:ilvl w:val=\"{}\"/><w:numId w:val=\"{}\"/></w:numPr>{spacing}",
                        style(s),
                        list.level,
                        list.num_id
                    );
                }
                Block::Footnote => return format!("{}{spacing}", style(Style::FootnoteText)),
                Block::Quote => {
                    let mut props = style(Style::Quote);
                    props.push_str(spacing);
                    if quotes > 1 {
                        // Nested quotes step further in, within reason.
                        let left = 567 * quotes.min(8);
                        props.push_str(&format!("<w:ind w:left=\"{left}\"/>"));
                    }
                    return props;
                }
            }
        }
        let keep = if self.keep_next { "<w:keepNext/>" } else { "" };
        format!("{keep}{spacing}")
    }

    /// Paragraph properties inside the current table cell.
    fn cell_paragraph_props(&self) -> String {
        let Some(table) = self.tables.last() else {
            return String::new();
        };
        let mut props = String::new();
        let last_row = table.rows == table.plan.tall_rows.len() && !table.header;
        if self.context.layout.signing()
            && self.context.layout != Layout::Acknowledgement
            && !last_row
        {
            // A signature sheet's table stays on one page, as in the PDF.
            props.push_str("<w:keepNext/>");
        }
        let alignment = table
            .plan
            .alignments
            .get(table.cells.saturating_sub(1))
            .copied()
            .unwrap_or(Alignment::None);
        // Explicit, because the justified Normal style would win over the table style.
        props.push_str(match alignment {
            Alignment::Center => "<w:jc w:val=\"center\"/>",
            Alignment::Right => "<w:jc w:val=\"right\"/>",
            Alignment::None | Alignment::Left => "<w:jc w:val=\"left\"/>",
        });
        props
    }

    /// Works out widths, header and tall rows of the table starting at `events[start]`.
    fn plan_table(
        &self,
        alignments: &[Alignment],
        events: &[Spanned<'a>],
        start: usize,
    ) -> TablePlan {
        let end = matching_end(events, start);
        // Rows of (cell text, cell has content), the header first.
        let mut rows: Vec<Vec<(String, bool)>> = Vec::new();
        let mut header = false;
        let mut i = start + 1;
        while i < end {
            match &events[i].0 {
                Event::Start(Tag::TableHead) => {
                    header = true;
                    rows.push(Vec::new());
                }
                Event::Start(Tag::TableRow) => rows.push(Vec::new()),
                Event::Start(Tag::TableCell) => {
                    let cell_end = matching_end(events, i);
                    let inner = &events[i + 1..cell_end];
                    let text = plain_text(inner);
                    let content = inner.iter().any(|(e, _)| match e {
                        Event::Text(t) => !t.trim().is_empty(),
                        _ => true,
                    });
                    if let Some(row) = rows.last_mut() {
                        row.push((text, content));
                    }
                    i = cell_end;
                }
                _ => {}
            }
            i += 1;
        }
        let columns = rows
            .iter()
            .map(Vec::len)
            .chain([alignments.len()])
            .max()
            .unwrap_or(0)
            .max(1);
        let skip_header = header && rows.first().is_some_and(|r| r.iter().all(|c| !c.1));
        let body_start = usize::from(header);
        let body = rows.get(body_start..).unwrap_or(&[]);
        let tall_rows = body
            .iter()
            .map(|r| self.context.layout.signing() && (r.len() < columns || r.iter().any(|c| !c.1)))
            .collect();
        let matrix = self.context.layout == Layout::Raci
            && columns > 2
            && alignments.len() == columns
            && alignments[2..].iter().all(|a| *a == Alignment::Center);
        let width = self.context.text_width;
        let (widths, header_height) = if matrix {
            let roles = columns - 2;
            let role = RACI_COLUMN.min(width * 3 / 5 / roles as u32);
            let rest = width.saturating_sub(role * roles as u32);
            let activity = rest * 26 / 35;
            let mut widths = vec![activity, rest - activity];
            widths.extend(std::iter::repeat_n(role, roles));
            // Turned role names need the header row as tall as the longest.
            let longest = rows
                .first()
                .filter(|_| header)
                .and_then(|r| r.get(2..))
                .map(|cells| cells.iter().map(|c| c.0.chars().count()).max().unwrap_or(0))
                .unwrap_or(0);
            (widths, Some(longest as u32 * 110 + 250))
        } else {
            let shown: Vec<&Vec<(String, bool)>> = rows
                .iter()
                .enumerate()
                .filter(|(r, _)| !(skip_header && *r == 0))
                .map(|(_, row)| row)
                .collect();
            (self.column_widths(&shown, body, columns, skip_header), None)
        };
        let mut alignments = alignments.to_vec();
        alignments.resize(columns, Alignment::None);
        TablePlan {
            widths,
            alignments,
            skip_header,
            matrix,
            tall_rows,
            header_height,
        }
    }

    /// Column widths as a browser lays out an automatic table: each column
    /// at least as wide as its longest word and at most as its longest text,
    /// the width in between shared by how much each column wants; a column of
    /// empty fields on a signature sheet gets room for a pen.
    fn column_widths(
        &self,
        rows: &[&Vec<(String, bool)>],
        body: &[Vec<(String, bool)>],
        columns: usize,
        key_value: bool,
    ) -> Vec<u32> {
        let layout = self.context.layout;
        let width = self.context.text_width;
        // Average character width and cell padding, in twentieths of a point.
        let char_width: u32 = if layout == Layout::Raci { 95 } else { 110 };
        let padding: u32 = if layout.signing() { 320 } else { 230 };
        let (mut least, mut most) = (Vec::new(), Vec::new());
        for c in 0..columns {
            let cells = || rows.iter().filter_map(|row| row.get(c));
            let longest = |f: &dyn Fn(&str) -> usize| {
                cells().map(|cell| f(&cell.0)).max().unwrap_or(0) as u32
            };
            let word = longest(&|t| {
                t.split_whitespace()
                    .map(|w| w.chars().count())
                    .max()
                    .unwrap_or(0)
            });
            let text = longest(&|t| t.chars().count());
            let fields = layout.signing()
                && !body.is_empty()
                && body.iter().all(|row| row.get(c).is_none_or(|cell| !cell.1));
            let (lo, hi) = if fields {
                (SIGNING_FIELD_WIDTH, SIGNING_FIELD_WIDTH)
            } else {
                let lo = (word.min(30) * char_width + padding).max(600);
                (lo, (text * char_width + padding).max(lo))
            };
            least.push(lo);
            most.push(hi);
        }
        let (sum_least, sum_most) = (least.iter().sum::<u32>(), most.iter().sum::<u32>());
        let mut widths: Vec<u32> = if sum_most <= width {
            let extra = width - sum_most;
            if key_value {
                // A key-value table: the values take what the keys leave.
                let mut w = most.clone();
                if let Some(last) = w.last_mut() {
                    *last += extra;
                }
                w
            } else {
                most.iter()
                    .map(|m| {
                        m + (u64::from(extra) * u64::from(*m) / u64::from(sum_most.max(1))) as u32
                    })
                    .collect()
            }
        } else if sum_least <= width {
            let share = u64::from(width - sum_least);
            let wanted = u64::from(sum_most - sum_least).max(1);
            least
                .iter()
                .zip(&most)
                .map(|(l, m)| l + (u64::from(m - l) * share / wanted) as u32)
                .collect()
        } else {
            least
                .iter()
                .map(|l| (u64::from(*l) * u64::from(width) / u64::from(sum_least.max(1))) as u32)
                .collect()
        };
        // Rounding leaves the last column the remainder.
        let sum: u32 = widths.iter().sum();
        if let Some(last) = widths.last_mut() {
            *last = (*last + width).saturating_sub(sum).max(1);
        }
        widths
    }

    /// Writes a table's properties and grid.
    fn start_table(&mut self, plan: TablePlan) {
        self.close_paragraph();
        if self.pending_footnote_ref {
            self.ensure_paragraph();
            self.close_paragraph();
        }
        self.count_block();
        let width: u32 = plan.widths.iter().sum();
        let mut props = format!(
            "<w:tblStyle w:val=\"{}\"/><w:tblW w:w=\"{width}\" w:type=\"dxa\"/>",
            escape(self.context.styles.id(Style::TableGrid))
        );
        if self.context.layout.signing() {
            props.push_str(&format!(
                "<w:tblBorders>{}</w:tblBorders>",
                super::styles::borders(6, colours::SIGNING_RULE)
            ));
        }
        props.push_str("<w:tblLayout w:type=\"fixed\"/>");
        if self.context.layout.signing() {
            props.push_str(
                "<w:tblCellMar><w:top w:w=\"160\" w:type=\"dxa\"/><w:left w:w=\"160\" w:type=\"dxa\"/>\
                 <w:bottom w:w=\"160\" w:type=\"dxa\"/><w:right w:w=\"160\" w:type=\"dxa\"/></w:tblCellMar>",
            );
        }
        props.push_str(
            "<w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"0\" \
             w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/>",
        );
        self.out.push_str("<w:tbl><w:tblPr>");
        self.out.push_str(&props);
        self.out.push_str("</w:tblPr><w:tblGrid>");
        for w in &plan.widths {
            self.out.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
        }
        self.out.push_str("</w:tblGrid>");
        self.tables.push(Table {
            plan,
            rows: 0,
            cells: 0,
            header: false,
        });
    }

    /// Starts a header or body row.
    fn start_row(&mut self, header: bool) {
        let signing = self.context.layout.signing();
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        table.cells = 0;
        table.header = header;
        let mut props = String::new();
        if signing {
            props.push_str("<w:cantSplit/>");
        }
        if header {
            if let Some(height) = table.plan.header_height {
                props.push_str(&format!(
                    "<w:trHeight w:val=\"{height}\" w:hRule=\"atLeast\"/>"
                ));
            }
            // Repeated at the top of every page the table runs over.
            props.push_str("<w:tblHeader/>");
        } else {
            let tall = table.plan.tall_rows.get(table.rows).copied() == Some(true);
            table.rows += 1;
            if tall {
                props.push_str(&format!(
                    "<w:trHeight w:val=\"{SIGNING_FIELD_HEIGHT}\" w:hRule=\"atLeast\"/>"
                ));
            }
        }
        self.out.push_str("<w:tr>");
        if !props.is_empty() {
            self.out.push_str(&format!("<w:trPr>{props}</w:trPr>"));
        }
    }

    /// Starts a cell whose plain text is `text`.
    fn start_cell(&mut self, text: &str) {
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        let column = table.cells;
        table.cells += 1;
        let width = table
            .plan
            .widths
            .get(column)
            .copied()
            .unwrap_or(RACI_COLUMN);
        let mut props = format!("<w:tcW w:w=\"{width}\" w:type=\"dxa\"/>");
        let mut bold = table.header;
        if table.plan.matrix && table.header && column < 2 {
            props.push_str("<w:vAlign w:val=\"bottom\"/>");
        }
        if table.plan.matrix && column >= 2 {
            if table.header {
                // Role names turned, as in the PDF, so that columns stay narrow.
                props.push_str("<w:textDirection w:val=\"btLr\"/><w:vAlign w:val=\"bottom\"/>");
            } else if let Some(fill) = colours::raci_fill(text.trim()) {
                props.push_str(&format!(
                    "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/><w:vAlign w:val=\"center\"/>"
                ));
                bold = true;
            }
        }
        self.out
            .push_str(&format!("<w:tc><w:tcPr>{props}</w:tcPr>"));
        if bold {
            self.inline.bold += 1;
        }
        self.blocks.push(Open {
            bold,
            ..Open::new(Block::Cell)
        });
    }

    /// Ends a cell; a cell needs at least one paragraph.
    fn end_cell(&mut self) {
        self.close_paragraph();
        let Some(open) = self.blocks.pop() else {
            return;
        };
        if open.blocks == 0 {
            self.blocks.push(open);
            self.ensure_paragraph();
            self.close_paragraph();
            self.blocks.pop();
        }
        if open.bold {
            self.inline.bold = self.inline.bold.saturating_sub(1);
        }
        self.out.push_str("</w:tc>");
    }

    /// Adds empty cells so a short row still fills all columns.
    fn pad_row(&mut self) {
        loop {
            let Some(table) = self.tables.last() else {
                return;
            };
            if table.cells >= table.plan.widths.len() {
                return;
            }
            self.start_cell("");
            self.end_cell();
        }
    }

    /// Writes a code block whose start tag is at `events[start]`; returns the
    /// index of its end tag.
    fn code_block(
        &mut self,
        _kind: &CodeBlockKind<'a>,
        events: &[Spanned<'a>],
        start: usize,
    ) -> Result<usize, Unsupported> {
        let (code, i) = code_block_text(events, start)?;
        self.close_paragraph();
        let style = format!(
            "<w:pStyle w:val=\"{}\"/>",
            escape(self.context.styles.id(Style::Preformatted))
        );
        self.open_paragraph(&style);
        if !code.is_empty() {
            let saved = std::mem::take(&mut self.inline);
            self.text(&code, None);
            self.inline = saved;
        }
        self.close_paragraph();
        Ok(i)
    }

    /// Writes a reference to the footnote `label`: the footnote itself the
    /// first time, Word's NOTEREF field to its number after that, so that every
    /// reference shows the same number, as in the PDF.
    fn footnote(&mut self, label: &str, range: &Range<usize>) -> Result<(), Unsupported> {
        if self.in_footnote {
            // Word has no footnotes in footnotes.
            return Err(unsupported("footnote inside a footnote", range));
        }
        let Some((events, references)) = self
            .footnotes
            .get(label)
            .map(|d| (d.events.clone(), d.references))
        else {
            return Err(unsupported("footnote reference without definition", range));
        };
        self.ensure_paragraph();
        let reference = format!(
            "<w:rPr><w:rStyle w:val=\"{}\"/></w:rPr>",
            escape(self.context.styles.id(Style::FootnoteReference))
        );
        if let Some(note) = self.notes.get(label) {
            let bookmark = note.bookmark.clone().unwrap_or_default();
            let field = field(
                &reference,
                &format!(" NOTEREF {bookmark} \\f \\h "),
                &note.id.to_string(),
                false,
            );
            self.out.push_str(&field);
            return Ok(());
        }
        let id = self.notes.len() as u32 + 1;
        let bookmark = (references > 1).then(|| format!("_RefNote{id}"));
        let bookmark_id = bookmark.as_ref().map(|_| self.bookmark());
        if let (Some(name), Some(b)) = (&bookmark, bookmark_id) {
            self.out.push_str(&format!(
                "<w:bookmarkStart w:id=\"{b}\" w:name=\"{name}\"/>"
            ));
        }
        self.out.push_str(&format!(
            "<w:r>{reference}<w:footnoteReference w:id=\"{id}\"/></w:r>"
        ));
        if let Some(b) = bookmark_id {
            self.out.push_str(&format!("<w:bookmarkEnd w:id=\"{b}\"/>"));
        }
        self.notes.insert(label.to_string(), Note { id, bookmark });

        // The footnote's text is written on its own, outside the paragraph,
        // cell or list it is referenced from.
        let body = std::mem::take(&mut self.out);
        let blocks = std::mem::replace(&mut self.blocks, vec![Open::new(Block::Footnote)]);
        let lists = std::mem::take(&mut self.lists);
        let inline = std::mem::take(&mut self.inline);
        let links = std::mem::take(&mut self.links);
        let heading = self.heading.take();
        let bookmark_open = self.open_bookmark.take();
        self.para_open = false;
        self.in_footnote = true;
        self.pending_footnote_ref = true;
        let result = self.render(&events);
        self.close_paragraph();
        if self.pending_footnote_ref {
            self.ensure_paragraph();
            self.close_paragraph();
        }
        self.end_container();
        let note = std::mem::replace(&mut self.out, body);
        self.body
            .footnotes
            .push_str(&format!("<w:footnote w:id=\"{id}\">{note}</w:footnote>"));
        self.blocks = blocks;
        self.lists = lists;
        self.inline = inline;
        self.links = links;
        self.heading = heading;
        self.open_bookmark = bookmark_open;
        self.para_open = true;
        self.in_footnote = false;
        self.pending_footnote_ref = false;
        result
    }

    /// Word wants a paragraph, not a table, at the end of the body, a cell
    /// or a footnote.
    fn end_container(&mut self) {
        if self.out.ends_with("</w:tbl>") {
            self.out.push_str("<w:p/>");
        }
    }

    /// A new bookmark id.
    fn bookmark(&mut self) -> u32 {
        let id = self.next_bookmark;
        self.next_bookmark += 1;
        id
    }

    /// Writes the table of contents: its heading and Word's TOC field over
    /// the level-2 headings (Word's Heading 1), its entries filled in so that
    /// the document reads right before Word updates the field (it is marked
    /// dirty, so Word does on opening).
    fn toc(&mut self) {
        self.body.toc = true;
        let styles = self.context.styles;
        self.out.push_str(&format!(
            "<w:p><w:pPr><w:pStyle w:val=\"{}\"/></w:pPr><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
            escape(styles.id(Style::TocHeading)),
            escape(self.context.contents)
        ));
        let entry_style = format!(
            "<w:pPr><w:pStyle w:val=\"{}\"/></w:pPr>",
            escape(styles.id(Style::Toc1))
        );
        let entries = self.toc_entries.clone();
        let count = entries.len();
        for (n, text) in entries.iter().enumerate() {
            self.out.push_str("<w:p>");
            self.out.push_str(&entry_style);
            if n == 0 {
                self.out.push_str(
                    "<w:r><w:fldChar w:fldCharType=\"begin\" w:dirty=\"true\"/></w:r>\
                     <w:r><w:instrText xml:space=\"preserve\"> TOC \\o \"1-1\" \\h \\z \\u </w:instrText></w:r>\
                     <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>",
                );
            }
            let bookmark = toc_bookmark(n);
            self.out.push_str(&format!(
                "<w:hyperlink w:anchor=\"{bookmark}\" w:history=\"1\"><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>\
                 <w:r><w:tab/></w:r>{}</w:hyperlink>",
                escape(text),
                field("", &format!(" PAGEREF {bookmark} \\h "), "", false)
            ));
            if n + 1 == count {
                self.out
                    .push_str("<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>");
            }
            self.out.push_str("</w:p>");
        }
    }
}

/// The runs of a complex field: `instruction` with `result` as its value until
/// Word updates it; `props` is the runs' `w:rPr` (or empty).
pub fn field(props: &str, instruction: &str, result: &str, dirty: bool) -> String {
    let dirty = if dirty { " w:dirty=\"true\"" } else { "" };
    let result = if result.is_empty() {
        String::new()
    } else {
        format!(
            "<w:r>{props}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
            escape(result)
        )
    };
    format!(
        "<w:r>{props}<w:fldChar w:fldCharType=\"begin\"{dirty}/></w:r>\
         <w:r>{props}<w:instrText xml:space=\"preserve\">{}</w:instrText></w:r>\
         <w:r>{props}<w:fldChar w:fldCharType=\"separate\"/></w:r>{result}\
         <w:r>{props}<w:fldChar w:fldCharType=\"end\"/></w:r>",
        escape(instruction)
    )
}

/// The bookmark name of the n-th (from 0) table of contents entry.
fn toc_bookmark(n: usize) -> String {
    format!("_Toc{:08}", n + 1)
}

/// The plain text of the level-2 headings, in order.
fn toc_entries(events: &[Spanned<'_>]) -> Vec<String> {
    let mut entries = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[i].0
            && *level as u8 == 2
        {
            let end = matching_end(events, i);
            entries.push(plain_text(&events[i + 1..end]));
            i = end;
        }
        i += 1;
    }
    entries
}

/// Index of the end event matching the start event at `events[start]`.
fn matching_end(events: &[Spanned<'_>], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, (event, _)) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

/// The text of inline events, breaks as spaces.
fn plain_text(events: &[Spanned<'_>]) -> String {
    let mut text = String::new();
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text
}
