//! Markdown → Typst markup writer.
//!
//! Place in the pipeline: Markdown rendered from templates → **Typst markup
//! (this module)** → `typst` CLI → PDF. The writer walks pulldown-cmark events,
//! much like pulldown-cmark's own HTML writer, and produces a Typst markup body
//! without any page setup. All document text goes through
//! [`escape_text`](super::escape::escape_text) and all string arguments
//! through [`escape_string`](super::escape::escape_string); the writer itself
//! only emits fixed Typst syntax around them.
//!
//! Constructs are emitted in function-call form (`#emph[…]`, `#list(…)`,
//! `#table(…)`, …) rather than as markup shorthands, because calls nest
//! safely, do not depend on word boundaries or indentation, and make
//! tight/loose lists and multi-paragraph items explicit. Anything the writer
//! does not know how to render is reported as [`Unsupported`], never dropped.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

use super::escape::{escape_string, escape_text, is_typst_newline};

/// Options for one conversion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriterOptions {
    /// Number headings hierarchically ("1.", "1.1", …) via a `set` rule at
    /// the top of the body.
    pub number_headings: bool,
}

/// A Markdown construct the writer cannot render faithfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// What was found, e.g. `"raw HTML"` or `"image"`.
    pub what: String,
    /// Byte offset of the construct in the Markdown input.
    pub offset: usize,
}

impl fmt::Display for Unsupported {
    /// Formats as `unsupported Markdown: <what> at byte <offset>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported Markdown: {} at byte {}",
            self.what, self.offset
        )
    }
}

impl std::error::Error for Unsupported {}

/// The pulldown-cmark options used for every conversion: rolecall's dialect.
pub fn parser_options() -> Options {
    crate::markdown::options()
}

/// A locale string (CommonMark inline text) as Typst markup, without the
/// paragraph break that ends a converted document.
pub fn inline_markdown(text: &str) -> Result<String, Unsupported> {
    Ok(markdown_to_typst(text)?.trim_end_matches('\n').to_string())
}

/// Converts CommonMark (+ tables, footnotes, strikethrough) to a Typst markup
/// body (no page setup) with default [`WriterOptions`].
pub fn markdown_to_typst(markdown: &str) -> Result<String, Unsupported> {
    markdown_to_typst_with(markdown, &WriterOptions::default())
}

/// Converts CommonMark (+ tables, footnotes, strikethrough) to a Typst markup
/// body (no page setup) with the given options.
pub fn markdown_to_typst_with(
    markdown: &str,
    options: &WriterOptions,
) -> Result<String, Unsupported> {
    let events: Vec<Spanned<'_>> = Parser::new_ext(markdown, parser_options())
        .into_offset_iter()
        .collect();
    // Definitions may follow their references, so collect them all first.
    let (body, footnotes) = split_footnotes(events);
    let mut writer = Writer::new(footnotes, markdown);
    if options.number_headings {
        writer.out.push_str("#set heading(numbering: \"1.1\")\n\n");
    }
    writer.render(&body)?;
    let mut out = writer.out;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// A parser event with its byte range in the input.
pub(crate) type Spanned<'a> = (Event<'a>, Range<usize>);

/// How deeply footnotes may be nested inside footnotes before giving up;
/// bounds the writer's recursion.
const MAX_FOOTNOTE_NESTING: usize = 8;

/// Budget for nesting, in units of Typst's show-rule depth. Typst 0.15
/// stops with "maximum show rule depth exceeded" near 64 units (measured:
/// at most 16 nested quotes, 31 nested lists or 64 nested emphases compile);
/// failing here instead, with a margin, names the place in the Markdown.
/// Costs are in [`nesting_cost`].
const MAX_NESTING: usize = 60;

/// Output may be at most this many times the input (plus 1 MiB). Only
/// footnote copies can grow output beyond a small constant factor, so this
/// bounds them: nested, repeatedly referenced notes in headings could
/// otherwise multiply.
const MAX_EXPANSION: usize = 64;

/// A footnote definition and what the writer knows about its use.
#[derive(Debug, Default)]
pub(crate) struct Footnote<'a> {
    /// The definition's events, without its start and end tags.
    pub(crate) events: Vec<Spanned<'a>>,
    /// How many references to this footnote are not yet written.
    pub(crate) references: usize,
    /// Label of the rendered footnote, once rendered with one; later
    /// references point to it.
    label: Option<String>,
    /// Whether the footnote is being rendered (to detect cycles).
    rendering: bool,
}

/// Separates footnote definitions (at any depth) from the other events and
/// counts references to each definition.
pub(crate) fn split_footnotes(
    events: Vec<Spanned<'_>>,
) -> (Vec<Spanned<'_>>, BTreeMap<String, Footnote<'_>>) {
    let mut body = Vec::with_capacity(events.len());
    let mut footnotes: BTreeMap<String, Footnote<'_>> = BTreeMap::new();
    let mut open: Vec<(String, Vec<Spanned<'_>>)> = Vec::new();
    let mut references: BTreeMap<String, usize> = BTreeMap::new();
    for (event, range) in events {
        match event {
            Event::Start(Tag::FootnoteDefinition(label)) => {
                open.push((label.to_string(), Vec::new()));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some((label, events)) = open.pop() {
                    // The first definition of a label wins, as in pulldown-cmark's HTML.
                    footnotes.entry(label).or_insert(Footnote {
                        events,
                        ..Footnote::default()
                    });
                }
            }
            event => {
                if let Event::FootnoteReference(label) = &event {
                    *references.entry(label.to_string()).or_default() += 1;
                }
                match open.last_mut() {
                    Some((_, events)) => events.push((event, range)),
                    None => body.push((event, range)),
                }
            }
        }
    }
    for (label, count) in references {
        if let Some(note) = footnotes.get_mut(&label) {
            note.references = count;
        }
    }
    (body, footnotes)
}

/// A block container (document, list item, quote, table cell, footnote):
/// decides how blocks inside it are separated.
#[derive(Debug, Clone, Copy)]
struct Container {
    /// Output length when the container opened; nothing before this belongs
    /// to it.
    start: usize,
    /// Blocks are separated by a single newline instead of a blank line.
    tight: bool,
}

/// Per-table state while its rows are written.
#[derive(Debug, Clone, Copy)]
struct TableState {
    /// Number of columns, from the delimiter row.
    columns: usize,
    /// Cells written so far in the current row.
    cells: usize,
    /// Rows written so far, the header included.
    rows: usize,
    /// Where `#table(` starts in the output.
    start: usize,
}

/// A table of at most this many rows (header included) and [`SMALL_TABLE_MARKUP`]
/// bytes of markup is kept on one page: split, it would leave a row or two alone
/// at the top of the next page. Bounded by size too, so that an unbreakable
/// table always fits a page and no text is cut off.
const SMALL_TABLE_ROWS: usize = 12;

/// See [`SMALL_TABLE_ROWS`]: about a third of a page of text.
const SMALL_TABLE_MARKUP: usize = 2000;

/// Streaming converter state.
struct Writer<'a> {
    /// Typst markup produced so far.
    out: String,
    /// Footnote definitions by label.
    footnotes: BTreeMap<String, Footnote<'a>>,
    /// Prefix of generated footnote labels, unique per input.
    label_prefix: String,
    /// Next number for a generated footnote label.
    next_label: usize,
    /// Output size past which no further footnote copy is written.
    max_len: usize,
    /// Current footnote nesting depth.
    footnote_depth: usize,
    /// Open block containers, innermost last.
    containers: Vec<Container>,
    /// Tightness of open lists, innermost last.
    lists: Vec<bool>,
    /// Open tables, innermost last (a footnote in a cell may hold a table).
    tables: Vec<TableState>,
    /// Number of open headings; inside one, output must stay on one line.
    headings: usize,
    /// Number of open table headers.
    table_headers: usize,
    /// Where the current table header starts in `out`.
    header_start: usize,
    /// Current nesting depth, see [`nesting_cost`].
    nesting: usize,
    /// Open paragraphs, innermost last: whether each was opened as a block that
    /// sticks to the next one (a label introducing a list).
    paragraphs: Vec<bool>,
}

impl<'a> Writer<'a> {
    /// Creates a writer with the document as the only open container;
    /// `markdown` seeds the footnote label prefix.
    fn new(footnotes: BTreeMap<String, Footnote<'a>>, markdown: &str) -> Self {
        Self {
            out: String::new(),
            footnotes,
            label_prefix: format!("rolecall-fn-{:08x}-", fnv1a32(markdown.as_bytes())),
            next_label: 1,
            max_len: markdown
                .len()
                .saturating_mul(MAX_EXPANSION)
                .saturating_add(1 << 20),
            footnote_depth: 0,
            containers: vec![Container {
                start: 0,
                tight: false,
            }],
            lists: Vec::new(),
            tables: Vec::new(),
            headings: 0,
            table_headers: 0,
            header_start: 0,
            nesting: 0,
            paragraphs: Vec::new(),
        }
    }

    /// Writes the Typst markup for `events`, a balanced event sequence.
    fn render(&mut self, events: &[Spanned<'a>]) -> Result<(), Unsupported> {
        let mut i = 0;
        while let Some((event, range)) = events.get(i) {
            match event {
                Event::Start(tag) => {
                    if let Tag::CodeBlock(kind) = tag {
                        i = self.code_block(kind, events, i)?;
                    } else {
                        // What the tag's rendering depends on further on: whether a
                        // list is loose, whether a paragraph introduces a list or table.
                        let ahead = match tag {
                            Tag::List(_) => list_is_loose(&events[i..]),
                            Tag::Paragraph => introduces_list(&events[i..]),
                            _ => false,
                        };
                        self.start(tag, ahead, range)?;
                    }
                }
                Event::End(tag) => self.end(tag, range)?,
                Event::Text(text) => {
                    // pulldown-cmark splits text at escapes (`\_`): join the run,
                    // so that a word is judged (and wrapped) whole.
                    let mut run = text.to_string();
                    while let Some((Event::Text(more), _)) = events.get(i + 1) {
                        run.push_str(more);
                        i += 1;
                    }
                    self.text(&run);
                }
                Event::Code(code) => {
                    // Inline code stays on one line, as in Markdown; `raw`
                    // would break lines at U+2028 and the like.
                    let code: String = code
                        .chars()
                        .map(|c| if is_typst_newline(c) { ' ' } else { c })
                        .collect();
                    self.out.push_str("#raw(\"");
                    self.out.push_str(&escape_string(&code));
                    self.out.push_str("\")");
                }
                Event::SoftBreak => {
                    self.out.push(if self.headings > 0 { ' ' } else { '\n' });
                }
                // `\` before any whitespace is a line break; a heading must
                // stay on one line, so use a space there.
                Event::HardBreak => {
                    self.out
                        .push_str(if self.headings > 0 { "\\ " } else { "\\\n" });
                }
                Event::Rule => {
                    self.block_start();
                    self.out.push_str("#line(length: 100%)");
                }
                Event::FootnoteReference(label) => self.footnote(label, range)?,
                other => {
                    let what = unsupported_event(other).unwrap_or("construct");
                    return Err(unsupported(what, range));
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// Handles a start tag (other than a code block). `ahead` tells whether a
    /// list start belongs to a loose list, and whether a paragraph is followed
    /// by a list or a table.
    fn start(
        &mut self,
        tag: &Tag<'a>,
        ahead: bool,
        range: &Range<usize>,
    ) -> Result<(), Unsupported> {
        self.nest(nesting_cost(tag), range)?;
        let loose = ahead;
        match tag {
            Tag::Paragraph => {
                self.block_start();
                // A paragraph that introduces a list ("Responsibilities:") or a
                // table stays on the page where they start.
                if ahead {
                    self.out.push_str("#block(sticky: true)[");
                }
                self.paragraphs.push(ahead);
            }
            Tag::Heading { level, .. } => {
                // A heading marker only counts at the start of a line or of a
                // content block; block_start guarantees one of the two.
                self.block_start();
                for _ in 0..(*level as usize) {
                    self.out.push('=');
                }
                self.out.push(' ');
                self.headings += 1;
            }
            Tag::BlockQuote(None) => {
                self.block_start();
                self.out.push_str("#quote(block: true)[");
                self.open_container(false);
            }
            Tag::List(first) => {
                self.block_start();
                let mut args = Vec::new();
                if let Some(n) = first.filter(|&n| n != 1) {
                    args.push(format!("start: {n}"));
                }
                if loose {
                    args.push("tight: false".to_string());
                }
                self.out
                    .push_str(if first.is_some() { "#enum(" } else { "#list(" });
                if !args.is_empty() {
                    self.out.push_str(&args.join(", "));
                    self.out.push(',');
                }
                self.out.push('\n');
                self.lists.push(!loose);
            }
            Tag::Item => {
                self.out.push_str("  [");
                let tight = self.lists.last().copied().unwrap_or(true);
                self.open_container(tight);
            }
            Tag::Table(alignments) => {
                self.block_start();
                let start = self.out.len();
                let columns = alignments.len();
                self.out
                    .push_str(&format!("#table(\n  columns: {columns},\n  align: ("));
                for alignment in alignments {
                    self.out.push_str(match alignment {
                        Alignment::None => "auto",
                        Alignment::Left => "left",
                        Alignment::Center => "center",
                        Alignment::Right => "right",
                    });
                    // A trailing comma keeps a one-column list an array.
                    self.out.push_str(", ");
                }
                self.trim_trailing_space();
                self.out.push_str("),\n");
                self.tables.push(TableState {
                    columns,
                    cells: 0,
                    rows: 0,
                    start,
                });
            }
            Tag::TableHead => {
                self.table_headers += 1;
                self.header_start = self.out.len();
                self.out.push_str("  table.header(");
                self.start_row();
            }
            Tag::TableRow => {
                self.out.push_str("  ");
                self.start_row();
            }
            Tag::TableCell => {
                if let Some(table) = self.tables.last_mut() {
                    if table.cells > 0 {
                        self.out.push_str(", ");
                    }
                    table.cells += 1;
                }
                self.out.push('[');
                self.open_container(true);
            }
            Tag::Emphasis => self.out.push_str("#emph["),
            Tag::Strong => self.out.push_str("#strong["),
            Tag::Strikethrough => self.out.push_str("#strike["),
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                // Typst rejects an empty URL; the text is still shown, in a
                // content block closed by the `]` that ends every link.
                if dest_url.is_empty() {
                    self.out.push_str("#[");
                } else {
                    let prefix =
                        if *link_type == LinkType::Email && !dest_url.starts_with("mailto:") {
                            "mailto:"
                        } else {
                            ""
                        };
                    self.out.push_str("#link(\"");
                    self.out.push_str(prefix);
                    self.out.push_str(&escape_string(dest_url));
                    self.out.push_str("\")[");
                }
            }
            // Code blocks are written by `code_block` before reaching here.
            Tag::CodeBlock(_) => return Err(unsupported("code block", range)),
            other => {
                let what = unsupported_tag(other).unwrap_or("construct");
                return Err(unsupported(what, range));
            }
        }
        Ok(())
    }

    /// Handles an end tag.
    fn end(&mut self, tag: &TagEnd, range: &Range<usize>) -> Result<(), Unsupported> {
        self.nesting = self.nesting.saturating_sub(nesting_cost_end(tag));
        match tag {
            TagEnd::Paragraph => {
                if self.paragraphs.pop() == Some(true) {
                    self.out.push(']');
                }
            }
            TagEnd::Heading(_) => {
                self.headings = self.headings.saturating_sub(1);
                self.out.push('\n');
            }
            TagEnd::BlockQuote(_) => {
                self.close_container();
                self.out.push(']');
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.out.push(')');
            }
            TagEnd::Item => {
                self.close_container();
                self.out.push_str("],\n");
            }
            TagEnd::Table => {
                self.out.push(')');
                if let Some(table) = self.tables.pop() {
                    let markup = self.out.len() - table.start;
                    if table.rows <= SMALL_TABLE_ROWS && markup <= SMALL_TABLE_MARKUP {
                        // `#table(` becomes `#block(breakable: false, table(`.
                        self.out.replace_range(
                            table.start..table.start + 1,
                            "#block(breakable: false, ",
                        );
                        self.out.push(')');
                    }
                }
            }
            TagEnd::TableHead => {
                self.table_headers = self.table_headers.saturating_sub(1);
                self.pad_row();
                self.out.push_str("),\n");
                // A header of empty cells (`| | |`) marks a key-value table: drop the
                // empty row and let the value column take the remaining width.
                let header = &self.out[self.header_start..];
                let empty = header
                    .trim_start()
                    .strip_prefix("table.header(")
                    .is_some_and(|rest| rest.chars().all(|c| "[], )\n".contains(c)));
                if empty {
                    self.out.truncate(self.header_start);
                    if let Some(pos) = self.out.rfind("#table(\n  columns: 2,") {
                        self.out.replace_range(
                            pos..pos + "#table(\n  columns: 2,".len(),
                            "#table(\n  columns: (auto, 1fr),",
                        );
                    }
                }
            }
            TagEnd::TableRow => {
                self.pad_row();
                self.out.push_str(",\n");
            }
            TagEnd::TableCell => {
                self.close_container();
                self.out.push(']');
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link => {
                self.out.push(']');
            }
            other => return Err(unsupported(&format!("{other:?}"), range)),
        }
        Ok(())
    }

    /// Writes a fenced or indented code block whose start tag is at
    /// `events[start]`; returns the index of its end tag.
    fn code_block(
        &mut self,
        kind: &CodeBlockKind<'a>,
        events: &[Spanned<'a>],
        start: usize,
    ) -> Result<usize, Unsupported> {
        let (code, i) = code_block_text(events, start)?;
        self.block_start();
        self.out.push_str("#raw(block: true, ");
        if let CodeBlockKind::Fenced(info) = kind
            && let Some(lang) = info.split_whitespace().next()
        {
            self.out.push_str("lang: \"");
            self.out.push_str(&escape_string(lang));
            self.out.push_str("\", ");
        }
        self.out.push('"');
        self.out.push_str(&escape_string(&code));
        self.out.push_str("\")");
        Ok(i)
    }

    /// Writes a footnote for a reference to `label`: the definition's content
    /// the first time, a reference to that footnote's label afterwards.
    ///
    /// A footnote referenced more than once gets a label so later references
    /// share its number, unless it is first met in a heading or table header:
    /// Typst repeats those (outline, bookmarks, header rows on every page),
    /// which would duplicate the label, so there every reference gets its own
    /// copy of the note instead.
    fn footnote(&mut self, label: &str, range: &Range<usize>) -> Result<(), Unsupported> {
        let Some(note) = self.footnotes.get_mut(label) else {
            return Err(unsupported("footnote reference without definition", range));
        };
        // From here on: the references still to come after this one.
        note.references = note.references.saturating_sub(1);
        if let Some(typst_label) = &note.label {
            self.out.push_str(&format!("#footnote(<{typst_label}>)"));
            return Ok(());
        }
        if note.rendering {
            return Err(unsupported("footnote cycle", range));
        }
        if self.footnote_depth >= MAX_FOOTNOTE_NESTING {
            return Err(unsupported("footnotes nested too deeply", range));
        }
        if self.out.len() > self.max_len {
            return Err(unsupported("footnote copies too large", range));
        }
        note.rendering = true;
        let labelled = note.references > 0 && self.headings == 0 && self.table_headers == 0;
        let events = note.events.clone();
        self.nest(FOOTNOTE_NESTING_COST, range)?;
        // `#[…]` keeps the label attached to the footnote wherever it stands.
        self.out.push_str(if labelled {
            "#[#footnote["
        } else {
            "#footnote["
        });
        self.open_container(false);
        self.footnote_depth += 1;
        let result = self.render(&events);
        self.footnote_depth -= 1;
        self.nesting = self.nesting.saturating_sub(FOOTNOTE_NESTING_COST);
        result?;
        self.close_container();
        self.out.push(']');
        let typst_label = if labelled {
            let typst_label = format!("{}{}", self.label_prefix, self.next_label);
            self.next_label += 1;
            self.out.push_str(&format!("<{typst_label}>]"));
            Some(typst_label)
        } else {
            None
        };
        if let Some(note) = self.footnotes.get_mut(label) {
            note.rendering = false;
            note.label = typst_label;
        }
        Ok(())
    }

    /// Separates a new block from the previous one in the same container.
    fn block_start(&mut self) {
        let Some(container) = self.containers.last() else {
            return;
        };
        let Some(inside) = self.out.get(container.start..) else {
            return;
        };
        if inside.is_empty() {
            return;
        }
        let wanted = if container.tight { 1 } else { 2 };
        let present = inside.chars().rev().take_while(|&c| c == '\n').count();
        for _ in present..wanted {
            self.out.push('\n');
        }
    }

    /// Opens a block container at the current output position.
    fn open_container(&mut self, tight: bool) {
        self.containers.push(Container {
            start: self.out.len(),
            tight,
        });
    }

    /// Adds `cost` to the nesting depth, failing when over budget.
    fn nest(&mut self, cost: usize, range: &Range<usize>) -> Result<(), Unsupported> {
        self.nesting += cost;
        if self.nesting > MAX_NESTING {
            return Err(unsupported("nesting too deep", range));
        }
        Ok(())
    }

    /// Closes the innermost container, dropping trailing newlines so the
    /// closing bracket follows the content.
    fn close_container(&mut self) {
        if let Some(container) = self.containers.pop() {
            while self.out.len() > container.start && self.out.ends_with('\n') {
                self.out.pop();
            }
        }
    }

    /// Resets the cell count at the start of a table row.
    fn start_row(&mut self) {
        if let Some(table) = self.tables.last_mut() {
            table.cells = 0;
            table.rows += 1;
        }
    }

    /// Writes document text. Words that are paths, addresses, ids or digests are
    /// set without hyphenation: a hyphen inserted in `roles/asset-owner.md` or in
    /// a digest would change what the reader copies.
    fn text(&mut self, text: &str) {
        let mut rest = text;
        while !rest.is_empty() {
            let space = rest.len() - rest.trim_start().len();
            self.out.push_str(&escape_text(&rest[..space]));
            rest = &rest[space..];
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            if never_hyphenated(word) {
                self.out.push_str("#text(hyphenate: false)[");
                self.out.push_str(&escape_text(word));
                self.out.push(']');
            } else {
                self.out.push_str(&escape_text(word));
            }
            rest = &rest[end..];
        }
    }

    /// Adds empty cells so a short row still fills all columns.
    fn pad_row(&mut self) {
        if let Some(table) = self.tables.last_mut() {
            while table.cells < table.columns {
                if table.cells > 0 {
                    self.out.push_str(", ");
                }
                self.out.push_str("[]");
                table.cells += 1;
            }
        }
    }

    /// Removes trailing spaces from the output.
    fn trim_trailing_space(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
    }
}

/// Whether the paragraph starting at `events[0]` is followed directly by a list
/// or a table, which it introduces.
fn introduces_list(events: &[Spanned<'_>]) -> bool {
    let mut depth = 0usize;
    for (k, (event, _)) in events.iter().enumerate() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return matches!(
                        events.get(k + 1),
                        Some((Event::Start(Tag::List(_) | Tag::Table(_)), _))
                    );
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether a word of text is a path, an address, an id or a digest that typst
/// could hyphenate: it holds `/`, `@`, `_`, `\\`, `--` or a `.` between a
/// lowercase letter and a letter or digit (`policy.md`, `example.com`, not
/// `A.5.2`), or it is twelve or more hex digits (a digest); and it has a run of
/// five letters or more, the shortest typst hyphenates. Shorter words are left
/// alone: wrapping costs typst's kerning across the wrapper, which some PDF text
/// extractors read as a space.
pub(crate) fn never_hyphenated(word: &str) -> bool {
    let b = word.as_bytes();
    let dotted = b.windows(3).any(|w| {
        w[1] == b'.'
            && w[0].is_ascii_alphanumeric()
            && w[2].is_ascii_alphanumeric()
            && (w[0].is_ascii_lowercase() || w[2].is_ascii_lowercase())
    });
    let hex = b.len() >= 12 && b.iter().all(u8::is_ascii_hexdigit);
    let pathlike = dotted || hex || word.contains(['/', '@', '_', '\\']) || word.contains("--");
    let longest_letters = word
        .split(|c: char| !c.is_alphabetic())
        .map(|run| run.chars().count())
        .max()
        .unwrap_or(0);
    pathlike && longest_letters >= 5
}

/// Whether the list starting at `events[0]` is loose: pulldown-cmark wraps
/// item text in paragraphs only in loose lists.
fn list_is_loose(events: &[Spanned<'_>]) -> bool {
    let mut depth = 0usize;
    for (event, _) in events {
        match event {
            Event::Start(tag) => {
                if depth == 2 && matches!(tag, Tag::Paragraph) {
                    return true;
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    false
}

/// Nesting cost of a footnote, see [`nesting_cost`].
const FOOTNOTE_NESTING_COST: usize = 2;

/// How much Typst show-rule depth the construct opened by `tag` uses,
/// estimated from the depth at which Typst 0.15 gives up, rounded up.
fn nesting_cost(tag: &Tag<'_>) -> usize {
    match tag {
        Tag::BlockQuote(_) => 4,
        Tag::TableCell => 5,
        Tag::Heading { .. } => 3,
        Tag::Item => 2,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } => 1,
        _ => 0,
    }
}

/// [`nesting_cost`] of the construct closed by `tag`.
fn nesting_cost_end(tag: &TagEnd) -> usize {
    match tag {
        TagEnd::BlockQuote(_) => 4,
        TagEnd::TableCell => 5,
        TagEnd::Heading(_) => 3,
        TagEnd::Item => 2,
        TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link => 1,
        _ => 0,
    }
}

/// 32-bit FNV-1a hash: a stable, dependency-free way to make footnote labels
/// differ between documents that end up in one Typst file.
fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// What an event is when no writer of rolecall's renders it (raw HTML,
/// math, task list markers); `None` for the events they render.
pub(crate) fn unsupported_event(event: &Event<'_>) -> Option<&'static str> {
    Some(match event {
        Event::Html(_) | Event::InlineHtml(_) => "raw HTML",
        Event::InlineMath(_) | Event::DisplayMath(_) => "math",
        Event::TaskListMarker(_) => "task list marker",
        _ => return None,
    })
}

/// What a start tag is when no writer of rolecall's renders it (images, raw
/// HTML, alerts, ...); `None` for the constructs they render.
pub(crate) fn unsupported_tag(tag: &Tag<'_>) -> Option<&'static str> {
    Some(match tag {
        Tag::BlockQuote(Some(_)) => "GFM alert",
        Tag::Image { .. } => "image",
        Tag::HtmlBlock => "raw HTML",
        Tag::FootnoteDefinition(_) => "footnote definition",
        Tag::DefinitionList | Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {
            "definition list"
        }
        Tag::Superscript => "superscript",
        Tag::Subscript => "subscript",
        Tag::MetadataBlock(_) => "metadata block",
        _ => return None,
    })
}

/// The text of the code block whose start tag is at `events[start]`, without
/// the newline pulldown-cmark ends its last line with (Typst and Word would
/// show it as an empty line), and the index of its end tag.
pub(crate) fn code_block_text(
    events: &[Spanned<'_>],
    start: usize,
) -> Result<(String, usize), Unsupported> {
    let mut code = String::new();
    let mut i = start + 1;
    loop {
        match events.get(i) {
            Some((Event::Text(text), _)) => code.push_str(text),
            Some((Event::End(TagEnd::CodeBlock), _)) | None => break,
            Some((_, range)) => return Err(unsupported("markup inside code block", range)),
        }
        i += 1;
    }
    if code.ends_with('\n') {
        code.pop();
    }
    Ok((code, i))
}

/// Builds an [`Unsupported`] for the construct at `range`.
pub(crate) fn unsupported(what: &str, range: &Range<usize>) -> Unsupported {
    Unsupported {
        what: what.to_string(),
        offset: range.start,
    }
}

/// Conversion tests.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::typst::escape::tests::{HOSTILE, first_markup_hazard, unescape_markup};

    /// `markup` without the writer's `#text(hyphenate: false)[...]` around
    /// words (fixed syntax; the word inside is escaped text, in which no bare
    /// `]` can occur, so the next one closes the wrapper).
    fn unwrap_unhyphenated(markup: &str) -> String {
        const OPEN: &str = "#text(hyphenate: false)[";
        let mut out = String::new();
        let mut rest = markup;
        while let Some(at) = rest.find(OPEN) {
            out.push_str(&rest[..at]);
            rest = &rest[at + OPEN.len()..];
            let mut close = None;
            let mut escaped = false;
            for (i, c) in rest.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    ']' if !escaped => {
                        close = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let close = close.unwrap_or_else(|| panic!("unclosed wrapper in {markup:?}"));
            out.push_str(&rest[..close]);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Converts with default options, panicking on `Unsupported`.
    fn convert(markdown: &str) -> String {
        match markdown_to_typst(markdown) {
            Ok(typst) => typst,
            Err(e) => panic!("{e} for {markdown:?}"),
        }
    }

    /// Test-only Markdown escaper: backslash-escapes every ASCII punctuation
    /// character, which CommonMark defines as always literal.
    pub(crate) fn escape_markdown(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }

    /// What a text reaches the PDF as: Typst newline characters become spaces.
    fn newlines_to_spaces(s: &str) -> String {
        s.chars()
            .map(|c| if is_typst_newline(c) { ' ' } else { c })
            .collect()
    }

    /// Empty or blank Markdown gives an empty body.
    #[test]
    fn empty_input() {
        assert_eq!(convert(""), "");
        assert_eq!(convert("\n\n  \n"), "");
    }

    /// Paragraphs become blank-line separated markup.
    #[test]
    fn paragraphs_are_separated_by_blank_lines() {
        assert_eq!(convert("one\n\ntwo"), "one\n\ntwo\n");
    }

    /// Soft breaks stay newlines; hard breaks become backslash + newline.
    #[test]
    fn soft_and_hard_breaks() {
        assert_eq!(convert("a\nb"), "a\nb\n");
        assert_eq!(convert("a  \nb"), "a\\\nb\n");
        assert_eq!(convert("a\\\nb"), "a\\\nb\n");
    }

    /// ATX and setext headings become `=` markers on one line.
    #[test]
    fn headings() {
        assert_eq!(
            convert("# One\n\n## Two\n\n###### Six"),
            "= One\n\n== Two\n\n====== Six\n"
        );
        assert_eq!(convert("Set\next\n==="), "= Set ext\n");
        assert_eq!(convert("Set  \next\n---"), "== Set\\ ext\n");
        assert_eq!(convert("# a {#id}"), "= a \\{\\#id\\}\n");
    }

    /// The numbering option adds a heading set rule.
    #[test]
    fn numbered_headings() {
        let options = WriterOptions {
            number_headings: true,
        };
        assert_eq!(
            markdown_to_typst_with("# A", &options),
            Ok("#set heading(numbering: \"1.1\")\n\n= A\n".to_string())
        );
    }

    /// Emphasis, strong and strikethrough use calls, safe next to any text.
    #[test]
    fn inline_styles() {
        assert_eq!(
            convert("*e* **s** ~~x~~ ***both***"),
            "#emph[e] #strong[s] #strike[x] #emph[#strong[both]]\n"
        );
        assert_eq!(convert("a*b*c"), "a#emph[b]c\n");
        assert_eq!(convert("**a**.b"), "#strong[a]\\.b\n");
        assert_eq!(convert("*a*;b"), "#emph[a]\\;b\n");
        assert_eq!(convert("*a*[b]"), "#emph[a]\\[b\\]\n");
        assert_eq!(convert("*a*(b)"), "#emph[a]\\(b\\)\n");
    }

    /// Bullet lists, nested and loose, become `#list` calls.
    #[test]
    fn bullet_lists() {
        assert_eq!(convert("- a\n- b"), "#list(\n  [a],\n  [b],\n)\n");
        assert_eq!(
            convert("- a\n  - b\n- c"),
            "#list(\n  [a\n#list(\n  [b],\n)],\n  [c],\n)\n"
        );
        assert_eq!(
            convert("- a\n\n  more\n- b"),
            "#list(tight: false,\n  [a\n\nmore],\n  [b],\n)\n"
        );
    }

    /// Ordered lists keep their start number.
    #[test]
    fn ordered_lists() {
        assert_eq!(convert("1. a\n2. b"), "#enum(\n  [a],\n  [b],\n)\n");
        assert_eq!(
            convert("3. a\n4. b"),
            "#enum(start: 3,\n  [a],\n  [b],\n)\n"
        );
        assert_eq!(convert("0. a"), "#enum(start: 0,\n  [a],\n)\n");
        assert_eq!(
            convert("7) a\n\n8) b"),
            "#enum(start: 7, tight: false,\n  [a],\n  [b],\n)\n"
        );
    }

    /// List items may hold headings, quotes, code, or nothing.
    #[test]
    fn list_items_with_blocks() {
        assert_eq!(
            convert("- # H\n- > q\n-\n- ```\n  x\n  ```"),
            "#list(\n  [= H],\n  [#quote(block: true)[q]],\n  [],\n  [#raw(block: true, \"x\")],\n)\n"
        );
    }

    /// Tables get columns, per-column alignment, a header and padded rows.
    #[test]
    fn tables() {
        assert_eq!(
            convert("| A | B | C | D |\n|---|:--|:-:|--:|\n| 1 | *2* | 3 | 4 |\n| x |"),
            "#block(breakable: false, table(\n  columns: 4,\n  align: (auto, left, center, right,),\n  \
             table.header([A], [B], [C], [D]),\n  [1], [#emph[2]], [3], [4],\n  \
             [x], [], [], [],\n))\n"
        );
        assert_eq!(
            convert("| a |\n|---|\n| \\| pipe |"),
            "#block(breakable: false, table(\n  columns: 1,\n  align: (auto,),\n  table.header([a]),\n  [\\| pipe],\n))\n"
        );
    }

    /// A small table is kept on one page (issue 14: its last row alone on the
    /// next); a long one, or one with much text, may split.
    #[test]
    fn small_tables_do_not_split() {
        let table = |rows: usize, cell: &str| {
            let mut md = String::from("| a | b |\n|---|---|\n");
            for _ in 0..rows {
                md.push_str(&format!("| {cell} | x |\n"));
            }
            convert(&md)
        };
        assert!(table(11, "x").starts_with("#block(breakable: false, table("));
        assert!(table(11, "x").ends_with("))\n"));
        assert!(table(12, "x").starts_with("#table("));
        assert!(table(3, &"word ".repeat(150)).starts_with("#table("));
    }

    /// A paragraph that introduces a list or a table sticks to it (issue 14:
    /// "Responsibilities:" alone at the foot of a page); others do not.
    #[test]
    fn labels_stick_to_their_list_or_table() {
        assert_eq!(
            convert("Duties:\n\n- a\n\nEnd."),
            "#block(sticky: true)[Duties\\:]\n\n#list(\n  [a],\n)\n\nEnd\\.\n"
        );
        assert!(
            convert("Sign:\n\n| a |\n|---|\n| b |").starts_with("#block(sticky: true)[Sign\\:]")
        );
        assert_eq!(convert("One.\n\nTwo."), "One\\.\n\nTwo\\.\n");
    }

    /// Paths, addresses and digests are never hyphenated; other words may be
    /// (issue 14: "asset-owner-produc-tion--nils.md" in changes.pdf).
    #[test]
    fn paths_ids_and_digests_are_not_hyphenated() {
        for word in [
            "signatures/asset-owner-production--nils.md",
            "roles/ceo.md",
            "security@northwind.example",
            "asset-owner--nils",
            "snake_case_id",
            "abcdefabcdef12",
            "(role/ceo/amara),",
        ] {
            assert!(never_hyphenated(word), "{word}");
        }
        // Plain words, and words typst cannot hyphenate (no five letters in a row).
        for word in [
            "Responsibilities",
            "well-known",
            "3.0",
            "A.5.2",
            "377c38ad6151",
            "2026",
            "/*",
            "a/b",
            // A proptest seed: a lone `@` (no letters, nothing to hyphenate).
            "@",
        ] {
            assert!(!never_hyphenated(word), "{word}");
        }
        assert_eq!(
            convert("See roles/ceo.md now"),
            "See #text(hyphenate: false)[roles\\/ceo\\.md] now\n"
        );
        // A word split by an escape is still one word (`_Manager_` in the
        // hostile fixture was wrapped from `_` to `r`, and read back with a space).
        assert_eq!(
            convert("ISMS \\_Manager\\_ //"),
            "ISMS #text(hyphenate: false)[\\_Manager\\_] \\/\\/\n"
        );
    }

    /// Links, autolinks, e-mail links, reference links and empty links.
    #[test]
    fn links() {
        assert_eq!(
            convert("[text](https://e.com/a?b=\"c\"&d)"),
            "#link(\"https://e.com/a?b=\\\"c\\\"&d\")[text]\n"
        );
        assert_eq!(
            convert("<https://e.com>"),
            "#link(\"https://e.com\")[#text(hyphenate: false)[https\\:\\/\\/e\\.com]]\n"
        );
        assert_eq!(
            convert("<me@e.com>"),
            "#link(\"mailto:me@e.com\")[me\\@e\\.com]\n"
        );
        assert_eq!(convert("[r][x]\n\n[x]: /p \"t\""), "#link(\"/p\")[r]\n");
        assert_eq!(convert("[*e*]()"), "#[#emph[e]]\n");
        assert_eq!(
            convert("[a](\"#read(x)\")"),
            "#link(\"\\\"#read(x)\\\"\")[a]\n"
        );
    }

    /// Inline code and code blocks become `#raw` with escaped strings.
    #[test]
    fn code() {
        assert_eq!(convert("`a \"b\" \\`"), "#raw(\"a \\\"b\\\" \\\\\")\n");
        assert_eq!(
            convert("```rust extra\nfn x() {}\n\n\"q\"\n```"),
            "#raw(block: true, lang: \"rust\", \"fn x() {}\\n\\n\\\"q\\\"\")\n"
        );
        assert_eq!(convert("    a\n    b"), "#raw(block: true, \"a\\nb\")\n");
        assert_eq!(convert("```\n```"), "#raw(block: true, \"\")\n");
        assert_eq!(convert("`a\u{2028}b\u{85}c`"), "#raw(\"a b c\")\n");
        assert_eq!(
            convert("```\na\u{2028}b\n```"),
            "#raw(block: true, \"a\\u{2028}b\")\n"
        );
        assert_eq!(
            convert("```x\"y\n```"),
            "#raw(block: true, lang: \"x\\\"y\", \"\")\n"
        );
    }

    /// Block quotes, nested, become `#quote(block: true)`.
    #[test]
    fn block_quotes() {
        assert_eq!(
            convert("> a\n>\n> b\n>> c"),
            "#quote(block: true)[a\n\nb\n\n#quote(block: true)[c]]\n"
        );
    }

    /// Footnotes are inlined at their references, labelled when reused.
    #[test]
    fn footnotes() {
        assert_eq!(
            convert("a[^1] b[^x].\n\n[^1]: One.\n[^x]: Two\n\n    more"),
            "a#footnote[One\\.] b#footnote[Two\n\nmore]\\.\n"
        );
        // Definition before reference, and reused.
        assert_eq!(
            convert("[^n]: N.\n\na[^n] b[^n] c[^n]"),
            "a#[#footnote[N\\.]<rolecall-fn-38ed0b09-1>] b#footnote(<rolecall-fn-38ed0b09-1>) \
             c#footnote(<rolecall-fn-38ed0b09-1>)\n"
        );
        // First met in a heading or table header (both repeated by Typst):
        // no label, every reference gets its own copy.
        assert_eq!(
            convert("# H[^n]\n\na[^n]\n\n[^n]: N"),
            "= H#footnote[N]\n\na#footnote[N]\n"
        );
        assert_eq!(
            convert("| h[^n] |\n|---|\n| c[^n] |\n\n[^n]: N"),
            "#block(breakable: false, table(\n  columns: 1,\n  align: (auto,),\n  table.header([h#footnote[N]]),\n  \
             [c#footnote[N]],\n))\n"
        );
        // A footnote inside a footnote.
        assert_eq!(
            convert("a[^1]\n\n[^1]: b[^2]\n[^2]: c"),
            "a#footnote[b#footnote[c]]\n"
        );
        // Undefined references stay text.
        assert_eq!(convert("a[^none]"), "a\\[\\^none\\]\n");
    }

    /// A footnote cycle is reported instead of recursing.
    #[test]
    fn self_referencing_footnote_is_unsupported() {
        let err = markdown_to_typst("a[^1]\n\n[^1]: b[^2]\n[^2]: c[^1]");
        assert_eq!(err.map_err(|e| e.what), Err("footnote cycle".to_string()));
    }

    /// Nesting deeper than Typst can lay out is reported with its offset.
    #[test]
    fn nesting_is_bounded() {
        let nested = |depth: usize| format!("{} x", ">".repeat(depth));
        assert!(markdown_to_typst(&nested(15)).is_ok());
        assert_eq!(
            markdown_to_typst(&nested(16)),
            Err(Unsupported {
                what: "nesting too deep".to_string(),
                offset: 15,
            })
        );
        let list = |depth: usize| -> String {
            (0..depth)
                .map(|i| format!("{}- x", "  ".repeat(i)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(markdown_to_typst(&list(30)).is_ok());
        assert!(markdown_to_typst(&list(31)).is_err());
        let emph = |depth: usize| format!("{}x{}", "*a ".repeat(depth), " b*".repeat(depth));
        assert!(markdown_to_typst(&emph(60)).is_ok());
        assert!(markdown_to_typst(&emph(61)).is_err());
        // Depth is released when constructs close.
        let siblings = format!("{}\n\nafter\n\n{}", nested(15), nested(15));
        assert!(markdown_to_typst(&siblings).is_ok());
    }

    /// Deep or repeated footnote nesting fails instead of exploding.
    #[test]
    fn footnote_expansion_is_bounded() {
        let mut deep = String::from("a[^0]\n\n");
        for n in 0..10 {
            deep.push_str(&format!("[^{n}]: b[^{}]\n", n + 1));
        }
        deep.push_str("[^10]: end\n");
        assert_eq!(
            markdown_to_typst(&deep).map_err(|e| e.what),
            Err("footnotes nested too deeply".to_string())
        );
        let mut wide = String::from("# H[^0]\n\n");
        for n in 0..7 {
            let refs = format!("[^{}]", n + 1).repeat(12);
            wide.push_str(&format!("[^{n}]: {refs}\n"));
        }
        wide.push_str("[^7]: end\n");
        assert_eq!(
            markdown_to_typst(&wide).map_err(|e| e.what),
            Err("footnote copies too large".to_string())
        );
    }

    /// Footnote labels carry a per-input hash.
    #[test]
    fn footnote_labels_differ_between_documents() {
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
        let one = convert("a[^n] b[^n]\n\n[^n]: N");
        let two = convert("c[^n] d[^n]\n\n[^n]: N");
        assert_ne!(one.split('<').nth(1), two.split('<').nth(1));
    }

    /// A thematic break becomes a full-width line.
    #[test]
    fn horizontal_rule() {
        assert_eq!(convert("a\n\n---\n\nb"), "a\n\n#line(length: 100%)\n\nb\n");
    }

    /// Raw HTML and images are errors with their byte offsets.
    #[test]
    fn html_and_images_are_unsupported() {
        let cases: &[(&str, &str, usize)] = &[
            ("<div>x</div>", "raw HTML", 0),
            ("a <b>x</b>", "raw HTML", 2),
            ("<!-- c -->", "raw HTML", 0),
            ("a\n\n![alt](x.png)", "image", 3),
            ("- ![i](y)", "image", 2),
            ("[^1]\n\n[^1]: <span>", "raw HTML", 12),
        ];
        for (markdown, what, offset) in cases {
            assert_eq!(
                markdown_to_typst(markdown),
                Err(Unsupported {
                    what: what.to_string(),
                    offset: *offset,
                }),
                "input {markdown:?}"
            );
        }
    }

    /// The error message names the construct and offset.
    #[test]
    fn unsupported_displays_what_and_where() {
        let err = Unsupported {
            what: "image".into(),
            offset: 7,
        };
        assert_eq!(err.to_string(), "unsupported Markdown: image at byte 7");
    }

    /// Markdown-escaped hostile strings reach Typst as inert, exact text.
    #[test]
    fn hostile_markdown_escaped_text_survives() {
        for input in HOSTILE {
            let trimmed = input.trim_matches([' ', '\t', '\n', '\r']);
            if trimmed.chars().any(|c| c.is_control()) {
                continue;
            }
            let typst = convert(&escape_markdown(trimmed));
            let body = &unwrap_unhyphenated(typst.trim_end_matches('\n'));
            assert_eq!(first_markup_hazard(body), None, "input {input:?}");
            assert_eq!(
                unescape_markup(body),
                Some(newlines_to_spaces(trimmed)),
                "input {input:?}"
            );
        }
    }

    /// Hostile text cannot close or escape an emphasis call or a table cell.
    #[test]
    fn hostile_text_inside_constructs_stays_inside() {
        for input in HOSTILE {
            let trimmed = input.trim_matches([' ', '\t', '\n', '\r']);
            if trimmed.is_empty() || trimmed.chars().any(|c| c.is_control()) {
                continue;
            }
            let md = escape_markdown(trimmed);
            let escaped = escape_text(&newlines_to_spaces(trimmed));
            let emph = unwrap_unhyphenated(&convert(&format!("*{md}*")));
            assert_eq!(emph, format!("#emph[{escaped}]\n"));
            let table = unwrap_unhyphenated(&convert(&format!("| h |\n|---|\n| {md} |")));
            assert_eq!(
                table,
                format!(
                    "#block(breakable: false, table(\n  columns: 1,\n  align: (auto,),\n  table.header([h]),\n  [{escaped}],\n))\n"
                )
            );
        }
    }

    /// Property tests for the conversion.
    mod props {
        use super::*;
        use crate::typst::escape::tests::props::hostile_char;
        use proptest::prelude::*;

        proptest! {
            /// Random Markdown-escaped text survives conversion exactly.
            #[test]
            fn escaped_paragraph_round_trips(
                chars in prop::collection::vec(
                    hostile_char().prop_filter("no control characters", |c| !c.is_control()),
                    0..80,
                )
            ) {
                let raw: String = chars.into_iter().collect();
                let input = raw.trim_matches([' ', '\t']);
                let typst = markdown_to_typst(&escape_markdown(input));
                prop_assert!(typst.is_ok(), "{:?}", typst);
                let typst = typst.unwrap_or_default();
                let body = &unwrap_unhyphenated(typst.trim_end_matches('\n'));
                prop_assert_eq!(first_markup_hazard(body), None);
                prop_assert_eq!(unescape_markup(body), Some(newlines_to_spaces(input)));
            }

            /// Random Markdown-heavy input never panics.
            #[test]
            fn arbitrary_markdown_never_panics(
                chars in prop::collection::vec(
                    prop_oneof![
                        3 => prop::sample::select(
                            "#*_`>-+|:[]()!<^~\\ \n\n\n1.".chars().collect::<Vec<_>>()
                        ),
                        1 => hostile_char(),
                    ],
                    0..200,
                )
            ) {
                let input: String = chars.into_iter().collect();
                let _ = markdown_to_typst(&input);
            }
        }
    }
}
