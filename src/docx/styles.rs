//! Word's built-in styles as the DOCX documents use them, and `styles.xml`.
//!
//! Place in the pipeline: the writer ([`super::writer`]) names every paragraph,
//! character and table style by a [`Style`]; [`StyleIds`] turns that into the
//! style id of the package, ours or, with a reference document, the user's
//! (matched by Word's built-in name, which stays English in a German Word while
//! the id does not: "heading 1" may have the id `berschrift1`). [`styles_xml`]
//! writes our definitions. Using Word's own names is what lets a user's template
//! restyle the documents and what fills Word's navigation pane.

use std::collections::BTreeMap;

use super::escape::escape;
use super::{Layout, colours};

/// A style the documents use, by its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Style {
    /// Body text.
    Normal,
    /// The document title (Markdown `#`).
    Title,
    /// Heading 1 to 5 (Markdown `##` to `######`).
    Heading(u8),
    /// List Bullet, List Bullet 2 to 5, by nesting depth.
    ListBullet(u8),
    /// List Number, List Number 2 to 5.
    ListNumber(u8),
    /// List Continue, List Continue 2 to 5: later paragraphs of a list item.
    ListContinue(u8),
    /// A block quote.
    Quote,
    /// A code block.
    Preformatted,
    /// Inline code (character style).
    Code,
    /// A hyperlink (character style).
    Hyperlink,
    /// A footnote's text.
    FootnoteText,
    /// A footnote's number (character style).
    FootnoteReference,
    /// The letterhead.
    Header,
    /// The footer.
    Footer,
    /// The table of contents' heading.
    TocHeading,
    /// A table of contents entry.
    Toc1,
    /// Tables.
    TableGrid,
    /// The default table style.
    TableNormal,
    /// The default character style.
    DefaultParagraphFont,
    /// The default numbering style.
    NoList,
}

/// Deepest list level that has its own built-in style ("List Bullet 5").
pub const MAX_LIST_STYLE_LEVEL: u8 = 5;

/// Every style we define, in the order `styles.xml` lists them.
fn all() -> Vec<Style> {
    let mut styles = vec![
        Style::Normal,
        Style::DefaultParagraphFont,
        Style::TableNormal,
        Style::NoList,
        Style::Title,
    ];
    styles.extend((1..=5).map(Style::Heading));
    for n in 1..=MAX_LIST_STYLE_LEVEL {
        styles.extend([
            Style::ListBullet(n),
            Style::ListNumber(n),
            Style::ListContinue(n),
        ]);
    }
    styles.extend([
        Style::Quote,
        Style::Preformatted,
        Style::Code,
        Style::Hyperlink,
        Style::FootnoteText,
        Style::FootnoteReference,
        Style::Header,
        Style::Footer,
        Style::TocHeading,
        Style::Toc1,
        Style::TableGrid,
    ]);
    styles
}

impl Style {
    /// Word's built-in name for the style, as `w:name` holds it.
    pub fn name(self) -> String {
        let numbered = |base: &str, n: u8| {
            if n <= 1 {
                base.to_string()
            } else {
                format!("{base} {n}")
            }
        };
        match self {
            Style::Normal => "Normal".into(),
            Style::Title => "Title".into(),
            Style::Heading(n) => format!("heading {n}"),
            Style::ListBullet(n) => numbered("List Bullet", n),
            Style::ListNumber(n) => numbered("List Number", n),
            Style::ListContinue(n) => numbered("List Continue", n),
            Style::Quote => "Quote".into(),
            Style::Preformatted => "HTML Preformatted".into(),
            Style::Code => "HTML Code".into(),
            Style::Hyperlink => "Hyperlink".into(),
            Style::FootnoteText => "footnote text".into(),
            Style::FootnoteReference => "footnote reference".into(),
            Style::Header => "header".into(),
            Style::Footer => "footer".into(),
            Style::TocHeading => "TOC Heading".into(),
            Style::Toc1 => "toc 1".into(),
            Style::TableGrid => "Table Grid".into(),
            Style::TableNormal => "Normal Table".into(),
            Style::DefaultParagraphFont => "Default Paragraph Font".into(),
            Style::NoList => "No List".into(),
        }
    }

    /// The style id Word itself gives the style in an English template.
    pub fn default_id(self) -> String {
        match self {
            Style::Heading(n) => format!("Heading{n}"),
            Style::Preformatted => "HTMLPreformatted".into(),
            Style::Code => "HTMLCode".into(),
            Style::FootnoteText => "FootnoteText".into(),
            Style::FootnoteReference => "FootnoteReference".into(),
            Style::TocHeading => "TOCHeading".into(),
            Style::Toc1 => "TOC1".into(),
            Style::TableNormal => "TableNormal".into(),
            other => {
                let name = other.name();
                let mut id = String::new();
                for word in name.split(' ') {
                    let mut chars = word.chars();
                    if let Some(first) = chars.next() {
                        id.extend(first.to_uppercase());
                        id.extend(chars);
                    }
                }
                id
            }
        }
    }

    /// `paragraph`, `character`, `table` or `numbering`.
    fn kind(self) -> &'static str {
        match self {
            Style::Code
            | Style::Hyperlink
            | Style::FootnoteReference
            | Style::DefaultParagraphFont => "character",
            Style::TableGrid | Style::TableNormal => "table",
            Style::NoList => "numbering",
            _ => "paragraph",
        }
    }
}

/// The style ids a document uses, by style.
#[derive(Debug, Clone)]
pub struct StyleIds {
    /// Style → id in the package.
    ids: BTreeMap<Style, String>,
    /// Styles whose definition `styles.xml` must still get (all of them
    /// without a reference; those a reference lacks with one).
    missing: Vec<Style>,
}

impl StyleIds {
    /// Our own ids for every style; all definitions are ours.
    pub fn ours() -> StyleIds {
        let styles = all();
        StyleIds {
            ids: styles.iter().map(|&s| (s, s.default_id())).collect(),
            missing: styles,
        }
    }

    /// The ids of a reference's styles where it defines a style of the same
    /// built-in name (`names`: lowercase name → id; `taken`: every id it
    /// uses); the others get our definition, under an id that does not clash.
    pub fn with_reference(names: &BTreeMap<String, String>, taken: &[String]) -> StyleIds {
        let mut ids = BTreeMap::new();
        let mut missing = Vec::new();
        for style in all() {
            if let Some(id) = names.get(&style.name().to_lowercase()) {
                ids.insert(style, id.clone());
                continue;
            }
            let mut id = style.default_id();
            while taken.iter().any(|t| t == &id) {
                id.push_str("Rolecall");
            }
            ids.insert(style, id);
            missing.push(style);
        }
        StyleIds { ids, missing }
    }

    /// The id of `style` (levels past the deepest built-in use the deepest).
    pub fn id(&self, style: Style) -> &str {
        let style = match style {
            Style::Heading(n) => Style::Heading(n.clamp(1, 5)),
            Style::ListBullet(n) => Style::ListBullet(n.clamp(1, MAX_LIST_STYLE_LEVEL)),
            Style::ListNumber(n) => Style::ListNumber(n.clamp(1, MAX_LIST_STYLE_LEVEL)),
            Style::ListContinue(n) => Style::ListContinue(n.clamp(1, MAX_LIST_STYLE_LEVEL)),
            s => s,
        };
        self.ids.get(&style).map_or("Normal", String::as_str)
    }

    /// The `w:style` elements of the styles that need our definition.
    pub fn definitions(&self, layout: Layout, text_width: u32) -> String {
        self.missing
            .iter()
            .map(|&s| self.definition(s, layout, text_width))
            .collect()
    }

    /// One `w:style` element.
    fn definition(&self, style: Style, layout: Layout, text_width: u32) -> String {
        let based_on = |s: Style| format!("<w:basedOn w:val=\"{}\"/>", escape(self.id(s)));
        let next = format!("<w:next w:val=\"{}\"/>", escape(self.id(Style::Normal)));
        let accent = colours::ACCENT;
        let heading = |size: u32, before: u32, after: u32, level: u8| {
            format!(
                "{}{next}<w:uiPriority w:val=\"9\"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/>\
                 <w:spacing w:before=\"{before}\" w:after=\"{after}\"/><w:jc w:val=\"left\"/>\
                 <w:outlineLvl w:val=\"{level}\"/></w:pPr><w:rPr><w:b/><w:bCs/>\
                 <w:color w:val=\"{accent}\"/><w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>",
                based_on(Style::Normal)
            )
        };
        let list_indent = |n: u8| 360 * u32::from(n);
        let body = match style {
            Style::Normal => {
                let jc = if layout == Layout::Raci {
                    "left"
                } else {
                    "both"
                };
                // Spacing is in the document defaults, not here: a paragraph
                // style's would win over the table style's in every cell.
                format!("<w:qFormat/><w:pPr><w:jc w:val=\"{jc}\"/></w:pPr>")
            }
            Style::DefaultParagraphFont => {
                "<w:uiPriority w:val=\"1\"/><w:semiHidden/><w:unhideWhenUsed/>".into()
            }
            Style::TableNormal => "<w:uiPriority w:val=\"99\"/><w:semiHidden/><w:unhideWhenUsed/>\
                 <w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar>\
                 <w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>\
                 <w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>\
                 </w:tblCellMar></w:tblPr>"
                .into(),
            Style::NoList => {
                "<w:uiPriority w:val=\"99\"/><w:semiHidden/><w:unhideWhenUsed/>".into()
            }
            Style::Title => format!(
                "{}{next}<w:uiPriority w:val=\"10\"/><w:qFormat/><w:pPr><w:keepNext/>\
                 <w:spacing w:before=\"0\" w:after=\"120\"/><w:jc w:val=\"left\"/></w:pPr>\
                 <w:rPr><w:b/><w:bCs/><w:color w:val=\"{accent}\"/><w:sz w:val=\"36\"/>\
                 <w:szCs w:val=\"36\"/></w:rPr>",
                based_on(Style::Normal)
            ),
            Style::Heading(1) => heading(26, 300, 140, 0),
            Style::Heading(2) => heading(22, 240, 120, 1),
            Style::Heading(n) => heading(21, 200, 100, n.saturating_sub(1)),
            Style::ListBullet(_) | Style::ListNumber(_) => format!(
                "{}<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:pPr>\
                 <w:spacing w:after=\"60\"/></w:pPr>",
                based_on(Style::Normal)
            ),
            Style::ListContinue(n) => format!(
                "{}<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:pPr>\
                 <w:spacing w:after=\"60\"/><w:ind w:left=\"{}\"/></w:pPr>",
                based_on(Style::Normal),
                list_indent(n)
            ),
            Style::Quote => format!(
                "{}{next}<w:uiPriority w:val=\"29\"/><w:qFormat/><w:pPr>\
                 <w:ind w:left=\"567\" w:right=\"567\"/></w:pPr><w:rPr><w:i/><w:iCs/>\
                 <w:color w:val=\"404040\"/></w:rPr>",
                based_on(Style::Normal)
            ),
            Style::Preformatted => format!(
                "{}<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:pPr><w:jc w:val=\"left\"/></w:pPr>\
                 <w:rPr><w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\" w:cs=\"Courier New\"/>\
                 <w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/></w:rPr>",
                based_on(Style::Normal)
            ),
            Style::Code => format!(
                "{}<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:rPr>\
                 <w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\" w:cs=\"Courier New\"/>\
                 <w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/></w:rPr>",
                based_on(Style::DefaultParagraphFont)
            ),
            Style::Hyperlink => format!(
                "{}<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:rPr>\
                 <w:color w:val=\"{accent}\"/><w:u w:val=\"single\"/></w:rPr>",
                based_on(Style::DefaultParagraphFont)
            ),
            Style::FootnoteText => format!(
                "{}<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:pPr>\
                 <w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr>\
                 <w:rPr><w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/></w:rPr>",
                based_on(Style::Normal)
            ),
            Style::FootnoteReference => format!(
                "{}<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:rPr>\
                 <w:vertAlign w:val=\"superscript\"/></w:rPr>",
                based_on(Style::DefaultParagraphFont)
            ),
            Style::Header | Style::Footer => format!(
                "{}<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:pPr>\
                 <w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/><w:jc w:val=\"left\"/>\
                 </w:pPr><w:rPr><w:color w:val=\"{}\"/><w:sz w:val=\"17\"/><w:szCs w:val=\"17\"/></w:rPr>",
                based_on(Style::Normal),
                colours::MUTED
            ),
            Style::TocHeading => format!(
                "{}{next}<w:uiPriority w:val=\"39\"/><w:unhideWhenUsed/><w:qFormat/><w:pPr>\
                 <w:spacing w:before=\"120\" w:after=\"60\"/><w:outlineLvl w:val=\"9\"/></w:pPr>\
                 <w:rPr><w:sz w:val=\"21\"/><w:szCs w:val=\"21\"/></w:rPr>",
                based_on(Style::Heading(1))
            ),
            Style::Toc1 => format!(
                "{}{next}<w:uiPriority w:val=\"39\"/><w:unhideWhenUsed/><w:pPr>\
                 <w:tabs><w:tab w:val=\"right\" w:leader=\"dot\" w:pos=\"{text_width}\"/></w:tabs>\
                 <w:spacing w:after=\"40\"/><w:jc w:val=\"left\"/></w:pPr>",
                based_on(Style::Normal)
            ),
            Style::TableGrid => format!(
                "{}<w:uiPriority w:val=\"39\"/><w:pPr><w:spacing w:after=\"0\" w:line=\"240\" \
                 w:lineRule=\"auto\"/><w:jc w:val=\"left\"/></w:pPr><w:tblPr><w:tblBorders>{}</w:tblBorders>\
                 <w:tblCellMar><w:top w:w=\"80\" w:type=\"dxa\"/><w:left w:w=\"115\" w:type=\"dxa\"/>\
                 <w:bottom w:w=\"80\" w:type=\"dxa\"/><w:right w:w=\"115\" w:type=\"dxa\"/></w:tblCellMar>\
                 </w:tblPr>",
                based_on(Style::TableNormal),
                borders(4, colours::RULE)
            ),
        };
        let default = matches!(
            style,
            Style::Normal | Style::DefaultParagraphFont | Style::TableNormal | Style::NoList
        );
        format!(
            "<w:style w:type=\"{}\"{} w:styleId=\"{}\"><w:name w:val=\"{}\"/>{body}</w:style>",
            style.kind(),
            if default { " w:default=\"1\"" } else { "" },
            escape(self.id(style)),
            escape(&style.name()),
        )
    }
}

/// Table borders on every side and inside, `size` in eighths of a point.
pub fn borders(size: u32, colour: &str) -> String {
    ["top", "left", "bottom", "right", "insideH", "insideV"]
        .iter()
        .map(|side| {
            format!(
                "<w:{side} w:val=\"single\" w:sz=\"{size}\" w:space=\"0\" w:color=\"{colour}\"/>"
            )
        })
        .collect()
}

/// The document defaults: font, size and, above all, the language that
/// Word's spell check and hyphenation follow.
pub fn doc_defaults(layout: Layout, lang: &str) -> String {
    let size = if layout == Layout::Raci { 18 } else { 21 };
    format!(
        "<w:docDefaults><w:rPrDefault><w:rPr>\
         <w:rFonts w:ascii=\"Calibri\" w:hAnsi=\"Calibri\" w:eastAsia=\"Calibri\" w:cs=\"Calibri\"/>\
         <w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/>{}</w:rPr></w:rPrDefault>\
         <w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr>\
         </w:pPrDefault></w:docDefaults>",
        lang_element(lang)
    )
}

/// `<w:lang>` for a BCP 47 tag: Latin, East Asian and complex-script text all
/// take the document's language.
pub fn lang_element(lang: &str) -> String {
    let lang = escape(lang);
    format!("<w:lang w:val=\"{lang}\" w:eastAsia=\"{lang}\" w:bidi=\"{lang}\"/>")
}

/// Our whole `styles.xml`.
pub fn styles_xml(ids: &StyleIds, layout: Layout, lang: &str, text_width: u32) -> String {
    format!(
        "{}<w:styles xmlns:w=\"{}\">{}{}</w:styles>",
        super::package::XML_DECLARATION,
        super::package::NS_W,
        doc_defaults(layout, lang),
        ids.definitions(layout, text_width)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built-in names and ids are Word's own.
    #[test]
    fn names_and_ids() {
        let cases = [
            (Style::Heading(1), "heading 1", "Heading1"),
            (Style::ListBullet(1), "List Bullet", "ListBullet"),
            (Style::ListBullet(3), "List Bullet 3", "ListBullet3"),
            (Style::ListNumber(2), "List Number 2", "ListNumber2"),
            (Style::TableGrid, "Table Grid", "TableGrid"),
            (Style::Quote, "Quote", "Quote"),
            (Style::Toc1, "toc 1", "TOC1"),
            (Style::FootnoteText, "footnote text", "FootnoteText"),
            (Style::Header, "header", "Header"),
        ];
        for (style, name, id) in cases {
            assert_eq!(style.name(), name);
            assert_eq!(style.default_id(), id);
        }
    }

    /// A reference's ids win by name; the rest get ours without clashing.
    #[test]
    fn reference_ids() {
        let names: BTreeMap<String, String> = [
            ("heading 1".to_string(), "berschrift1".to_string()),
            ("normal".to_string(), "Standard".to_string()),
            ("something".to_string(), "Quote".to_string()),
        ]
        .into_iter()
        .collect();
        let taken = vec![
            "berschrift1".to_string(),
            "Standard".to_string(),
            "Quote".to_string(),
        ];
        let ids = StyleIds::with_reference(&names, &taken);
        assert_eq!(ids.id(Style::Heading(1)), "berschrift1");
        assert_eq!(ids.id(Style::Normal), "Standard");
        assert_eq!(ids.id(Style::Quote), "QuoteRolecall");
        assert_eq!(ids.id(Style::Heading(9)), "Heading5");
        let defs = ids.definitions(Layout::Policy, 9000);
        assert!(!defs.contains("w:styleId=\"berschrift1\""));
        assert!(defs.contains("w:styleId=\"QuoteRolecall\"><w:name w:val=\"Quote\"/>"));
        assert!(defs.contains("<w:basedOn w:val=\"Standard\"/>"));
    }
}
