//! Languages (issue 9): the German example's bundle speaks German in every
//! format and holds none of the tool's English words; a language is added with a
//! locale file alone; documents declare their language (HTML `lang`, PDF `/Lang`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::export::{open_xlsx, sheet};
use crate::pdf::pdf_text;
use crate::support::{build_bundle, example, files_below, read, rolecall, root};

const DATE: &str = "2026-03-01";
const PREVIOUS: &str = "2026-02-27";

/// The German example built with PDFs as of [`DATE`], with `--previous` a
/// Markdown-only bundle of [`PREVIOUS`] (so that it holds the change report).
/// Returns both temporary directories and the bundle directory.
fn german_bundle() -> (tempfile::TempDir, tempfile::TempDir, PathBuf) {
    let model = example("northwind-de");
    let (prev_out, prev) = build_bundle(&model, PREVIOUS, &["--format", "md"]);
    let (out, dir) = build_bundle(&model, DATE, &["--previous", prev.to_str().unwrap()]);
    (prev_out, out, dir)
}

/// The text a person reads in a web page: no tags, no stylesheet, entities decoded.
fn visible_text(html: &str) -> String {
    let mut rest = html;
    let mut out = String::new();
    if let (Some(a), Some(b)) = (rest.find("<style>"), rest.find("</style>")) {
        out.push_str(&rest[..a]);
        rest = &rest[b + "</style>".len()..];
        out.push(' ');
    }
    out.push_str(rest);
    let mut text = String::new();
    let mut in_tag = false;
    for c in out.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Every string a spreadsheet shows: the sheet names and every cell.
fn xlsx_text(path: &Path) -> String {
    use calamine::Reader as _;
    let mut wb = open_xlsx(&std::fs::read(path).unwrap());
    let names = wb.sheet_names();
    let mut text = names.join("\n");
    for name in &names {
        for row in sheet(&mut wb, name) {
            text.push('\n');
            text.push_str(&row.join("\n"));
        }
    }
    text
}

/// The prose of the OSCAL export: its titles, descriptions, remarks and purposes
/// (its keys and ids are OSCAL's own, in English in every language).
fn oscal_prose(path: &Path) -> String {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(s)
                            if ["title", "description", "remarks", "purpose"]
                                .contains(&k.as_str()) =>
                        {
                            out.push_str(s);
                            out.push('\n');
                        }
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = String::new();
    walk(&json, &mut out);
    out
}

/// What a reader sees of each file of a bundle, by bundle-relative path: the
/// text of every PDF, web page, Markdown document, CSV, workbook and the OSCAL
/// prose. The model's own files and the machine-readable manifest are left out.
fn bundle_texts(dir: &Path) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for path in files_below(dir) {
        let rel = path
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("model/") {
            continue;
        }
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("pdf") => pdf_text(&path),
            Some("html") => visible_text(&read(dir, &rel)),
            Some("md" | "csv") => read(dir, &rel),
            Some("xlsx") => xlsx_text(&path),
            Some("json") if rel.starts_with("oscal/") => oscal_prose(&path),
            _ => continue,
        };
        texts.push((rel, text));
    }
    texts.sort();
    texts
}

/// Whether `phrase` occurs in `text` as whole words (not inside a longer word).
fn contains_words(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The leaves of a locale file by dotted key; plural forms as `key.one`/`key.other`,
/// lists joined by newlines.
fn locale_strings(path: &Path) -> Vec<(String, String)> {
    fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<(String, String)>) {
        for (k, v) in t {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::String(s) => out.push((key, s.clone())),
                toml::Value::Array(a) => out.push((
                    key,
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                )),
                toml::Value::Table(t) => walk(&key, t, out),
                other => panic!("{key}: unexpected {other}"),
            }
        }
    }
    let table: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let mut out = Vec::new();
    walk("", &table, &mut out);
    out
}

/// Words en.toml shares with German (or any language): not evidence of English.
const SHARED: &[&str] = &[
    "Accountable",
    "April",
    "August",
    "Consulted",
    "Delegation",
    "Informed",
    "Markdown",
    "Matrix",
    "Name",
    "November",
    "Organisation",
    "RACI",
    "Responsible",
    // The third parties' column label in English, and part of a name in the German
    // model ("Amazon Web Services").
    "Services",
    "September",
    "Status",
    "Version",
    "rolecall",
];

/// The tool's own English: every phrase of en.toml's strings (split at
/// placeholders and punctuation; file names and code left out) of two words or
/// more, every single word of seven letters or more, and the short labels and
/// month names that differ in German.
fn english_phrases() -> BTreeSet<String> {
    let mut phrases = BTreeSet::new();
    for (_, s) in locale_strings(&root().join("locales/en.toml")) {
        // Code spans are file names and commands: the same in every language.
        let mut text = String::new();
        for (i, part) in s.split('`').enumerate() {
            text.push_str(if i % 2 == 0 { part } else { "|" });
        }
        let text = text.replace("**", "").replace('*', "").replace("'s ", " ");
        let words: Vec<&str> = text
            .split(' ')
            .map(|w| {
                if w.contains('/') || w.contains("[[") || w.contains(".md") {
                    "|"
                } else {
                    w
                }
            })
            .collect();
        let text = words.join(" ");
        let mut plain = String::new();
        let mut in_placeholder = false;
        for c in text.chars() {
            match c {
                '{' => in_placeholder = true,
                '}' => {
                    in_placeholder = false;
                    plain.push('|');
                }
                _ if in_placeholder => {}
                '.' | ':' | ';' | ',' | '(' | ')' | '"' | '·' | '|' | '\n' => plain.push('|'),
                _ => plain.push(c),
            }
        }
        for part in plain.split('|').map(str::trim) {
            let letters = part.chars().filter(char::is_ascii_alphabetic).count();
            if letters < 4 || part.chars().any(|c| c.is_ascii_digit()) || SHARED.contains(&part) {
                continue;
            }
            if part.contains(' ') || part.len() >= 7 {
                phrases.insert(part.to_string());
            }
        }
    }
    for word in [
        "Page", "vacant", "Owner", "Scope", "Refs", "Date", "Role", "Roles", "Policy", "Title",
        "Party", "Sheet", "Legend", "Letter", "Meaning", "Group", "File", "Files", "Type", "Left",
        "Joined", "Before", "January", "February", "March", "May", "June", "July", "October",
        "December",
    ] {
        phrases.insert(word.to_string());
    }
    phrases
}

#[test]
fn english_phrases_cover_the_labels_of_en_toml() {
    // The derived list is only as good as its splitting: it must hold the
    // headings and labels an English bundle shows.
    let phrases = english_phrases();
    for label in [
        "Document control",
        "Responsibilities",
        "Authorities",
        "Role description",
        "Signature",
        "Held by",
        "Effective date",
        "Contents",
        "Evidence bundle",
        "all personnel",
        "Signature register",
        "All-staff acknowledgement",
        "Version history",
        "Reporting line",
        "Segregation of duties",
        "Markdown source",
        "Activity ID",
        "People and roles",
        "signed for an older version",
        "outstanding",
        "top management",
    ] {
        assert!(
            phrases.contains(label),
            "{label:?} is not among the English phrases"
        );
    }
    // A phrase of the English bundle is found, and one inside a word is not.
    assert!(contains_words("| Held by | Amara |", "Held by"));
    assert!(!contains_words("Kontext", "text"));
}

#[test]
fn german_locale_translates_every_string() {
    let en = locale_strings(&root().join("locales/en.toml"));
    let de: std::collections::BTreeMap<String, String> =
        locale_strings(&root().join("locales/de.toml"))
            .into_iter()
            .collect();
    // Strings that are the same in German: cognates, letters, pure placeholders.
    let same = [
        "common.version",
        "common.list_separator",
        "common.name",
        "policy.delegation.title",
        "role.references.standard",
        "register.status",
        "raci.name",
        "raci.letters.r",
        "raci.letters.a",
        "raci.letters.c",
        "raci.letters.i",
        "raci.letters.ar",
        "raci.pdf.matrix",
        "index.facts.organisation",
        "documents.policy.title",
        "documents.role.description",
        "documents.assignment.label",
        "exports.xlsx.sheets.raci",
        "exports.xlsx.people.name",
        "changes.organisation",
        "changes.fields.name",
        "changes.fields.version",
        // Only placeholders and punctuation: the register PDF's "name, party: status".
        "register.pdf.party",
    ];
    let mut untranslated = Vec::new();
    for (key, text) in &en {
        let german = de.get(key).unwrap_or_else(|| panic!("de.toml lacks {key}"));
        if german == text && !same.contains(&key.as_str()) {
            untranslated.push(key.clone());
        }
        // Every placeholder of the English string is there in German too.
        for placeholder in text.split('{').skip(1).filter_map(|p| p.split_once('}')) {
            let name = placeholder.0;
            if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                assert!(
                    german.contains(&format!("{{{name}}}")),
                    "de.toml `{key}` drops the placeholder {{{name}}}: {german}"
                );
            }
        }
    }
    assert!(untranslated.is_empty(), "untranslated: {untranslated:?}");
}

#[test]
fn german_bundle_speaks_german_in_every_format() {
    let (_prev, _out, dir) = german_bundle();
    let texts = bundle_texts(&dir);
    let text = |rel: &str| -> &str {
        texts
            .iter()
            .find(|(r, _)| r == rel)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("no {rel} in the bundle"))
    };
    let expect = |rel: &str, words: &[&str]| {
        let t = text(rel);
        for w in words {
            let start: String = t.chars().take(800).collect();
            assert!(t.contains(w), "{rel} lacks {w:?}; it begins:\n{start}");
        }
    };
    // The PDFs: headings, labels, footers and dates of each kind of document.
    expect(
        "policy.pdf",
        &[
            "Dokumentenlenkung",
            "Inhalt",
            "Gültig ab",
            "15. Januar 2026",
            "Änderungshistorie",
            "Rolleninhaber/in",
            "Aufgabentrennung",
            "Seite 1 von",
            "ISMS-RL-05 Version 3.0",
        ],
    );
    expect(
        "roles/isb.pdf",
        &[
            "Rollenbeschreibung",
            "Besetzung",
            "Berichtslinie",
            "Verantwortlichkeiten",
            "Befugnisse",
            "Erforderliche Kompetenz (Abschnitt 7.2)",
            "20. Januar 2026",
        ],
    );
    expect(
        "signatures/isb--stefan.pdf",
        &[
            "Rollenzuweisung",
            "Benannte Person",
            "Unterschrift",
            "Datum",
            "Hashwert (Kurzform)",
        ],
    );
    expect(
        "signatures/all-staff-acknowledgement.pdf",
        &[
            "Kenntnisnahme durch alle Beschäftigten",
            "Stellenbezeichnung",
        ],
    );
    expect(
        "signatures/register.pdf",
        &[
            "Unterschriftenverzeichnis",
            "ausstehend",
            "freigebende Person",
        ],
    );
    expect(
        "raci-matrix.pdf",
        &[
            "RACI-Matrix",
            "Durchführungsverantwortung",
            "Kürzel",
            "Tätigkeit",
        ],
    );
    expect(
        "changes.pdf",
        &[
            "Änderungen seit dem Paket vom 27. Februar 2026",
            "Keine Änderungen.",
        ],
    );
    // The web pages and the auditor's index.
    expect(
        "index.html",
        &[
            "Nachweispaket",
            "Stichtag des Pakets",
            "1. März 2026",
            "Rollenbeschreibungen",
            "Unterschriftenblätter",
        ],
    );
    expect("policy.html", &["Dokumentenlenkung", "Markdown-Quelltext"]);
    expect(
        "README.md",
        &["Nachweispaket", "Prüfung der Integrität", "1\\. März 2026"],
    );
    // The spreadsheets.
    assert!(
        text("raci-matrix.csv").starts_with("Tätigkeits-ID,Gruppe,Tätigkeit,Normbezug,"),
        "{}",
        text("raci-matrix.csv")
    );
    {
        use calamine::Reader as _;
        let mut wb = open_xlsx(&std::fs::read(dir.join("raci-matrix.xlsx")).unwrap());
        assert_eq!(wb.sheet_names(), ["RACI", "Legende", "Personen und Rollen"]);
        let people = sheet(&mut wb, "Personen und Rollen");
        assert_eq!(
            people[0],
            [
                "Personen-ID",
                "Name",
                "Stellenbezeichnung",
                "Abteilung",
                "E-Mail",
                "Wahrgenommene Rollen",
                "Stellvertretung für",
                "Letzter Arbeitstag",
            ]
        );
        let legend = sheet(&mut wb, "Legende");
        assert_eq!(legend[0][..2], ["Buchstabe", "Bedeutung"]);
        assert!(
            legend[1][1].starts_with("Durchführungsverantwortung"),
            "{legend:?}"
        );
    }
    expect(
        "oscal/component-definition.json",
        &["gesamtverantwortlich: ", "Geltungsbereich des ISMS: "],
    );

    // None of the tool's English words, in any of them.
    let phrases = english_phrases();
    let mut found = Vec::new();
    for (rel, t) in &texts {
        for p in &phrases {
            if contains_words(t, p) {
                found.push(format!("{rel}: {p:?}"));
            }
        }
    }
    assert!(texts.len() > 100, "only {} files read", texts.len());
    assert!(
        found.is_empty(),
        "English in the German bundle:\n{}",
        found.join("\n")
    );
}

#[test]
fn german_documents_declare_their_language() {
    let (_out, dir) = build_bundle(&example("northwind-de"), DATE, &[]);
    let mut pdfs = 0;
    let mut pages = 0;
    for path in files_below(&dir) {
        match path.extension().and_then(|e| e.to_str()) {
            Some("html") => {
                let html = std::fs::read_to_string(&path).unwrap();
                assert!(html.contains("<html lang=\"de\">"), "{}", path.display());
                pages += 1;
            }
            Some("pdf") => {
                assert_eq!(pdf_lang(&path), "de", "{}", path.display());
                pdfs += 1;
            }
            _ => {}
        }
    }
    assert!(pdfs > 30 && pages > 30, "{pdfs} PDFs, {pages} pages");
    // The English example keeps declaring English.
    let (_en, en) = build_bundle(&example("minimal"), DATE, &[]);
    assert_eq!(pdf_lang(&en.join("policy.pdf")), "en");
    assert!(read(&en, "index.html").contains("<html lang=\"en\">"));
}

/// The `/Lang` of a PDF's document catalog (the language typst was given).
fn pdf_lang(path: &Path) -> String {
    let doc = lopdf::Document::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lang = doc
        .catalog()
        .unwrap()
        .get(b"Lang")
        .unwrap()
        .as_str()
        .unwrap();
    String::from_utf8(lang.to_vec()).unwrap()
}

// ---------------------------------------------------------------------------
// A language from files alone
// ---------------------------------------------------------------------------

/// Dutch strings for a handful of keys; every other string stays as in en.toml.
const DUTCH: &[(&str, &str)] = &[
    ("locale.tag", "nl"),
    ("locale.name", "Nederlands"),
    ("common.document_control", "Documentbeheer"),
    ("common.signature", "Handtekening"),
    ("role.title", "Rolbeschrijving: {role}"),
    ("assignment.title", "Roltoewijzing: {role}"),
    ("register.statuses.outstanding", "openstaand"),
    ("layout.page", "Pagina {page} van {pages}"),
    ("layout.contents", "Inhoudsopgave"),
    ("html.index.title", "Bewijspakket"),
    ("html.home", "Overzicht van het bewijspakket"),
];

const DUTCH_MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// A templates directory holding only `locales/nl.toml`: en.toml with [`DUTCH`]
/// and Dutch month names, without `drop` when given.
fn dutch_templates(drop: Option<&str>) -> tempfile::TempDir {
    let mut table: toml::Table = std::fs::read_to_string(root().join("locales/en.toml"))
        .unwrap()
        .parse()
        .unwrap();
    fn at<'a>(t: &'a mut toml::Table, key: &str) -> (&'a mut toml::Table, String) {
        let (path, last) = key.rsplit_once('.').unwrap();
        let mut t = t;
        for part in path.split('.') {
            t = t.get_mut(part).unwrap().as_table_mut().unwrap();
        }
        (t, last.to_string())
    }
    for (key, text) in DUTCH {
        let (t, last) = at(&mut table, key);
        assert!(t.contains_key(&last), "en.toml has no {key}");
        t.insert(last, toml::Value::String(text.to_string()));
    }
    let (t, last) = at(&mut table, "date.months");
    t.insert(
        last,
        toml::Value::Array(DUTCH_MONTHS.iter().map(|m| toml::Value::from(*m)).collect()),
    );
    if let Some(key) = drop {
        let (t, last) = at(&mut table, key);
        assert!(t.remove(&last).is_some(), "en.toml has no {key}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("locales")).unwrap();
    std::fs::write(
        dir.path().join("locales/nl.toml"),
        toml::to_string(&table).unwrap(),
    )
    .unwrap();
    dir
}

/// examples/minimal with `language = "nl"`, in a temporary directory.
fn dutch_model() -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    let text = text.replacen("[organisation]\n", "[organisation]\nlanguage = \"nl\"\n", 1);
    assert!(text.contains("language = \"nl\""));
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.toml");
    std::fs::write(&model, text).unwrap();
    (dir, model)
}

/// `rolecall build MODEL --format md` into `out`, as of [`DATE`], which may fail.
fn build_md(model: &Path, out: &Path, extra: &[&str]) -> crate::support::Run {
    let mut args = vec![
        "build",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--format",
        "md",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    rolecall(&args)
}

#[test]
fn a_locale_file_in_templates_adds_a_language() {
    let templates = dutch_templates(None);
    let (_model_dir, model) = dutch_model();
    let (_out, dir) = build_bundle(
        &model,
        DATE,
        &["--templates", templates.path().to_str().unwrap()],
    );
    let policy = pdf_text(&dir.join("policy.pdf"));
    for w in [
        "Documentbeheer",
        "Inhoudsopgave",
        "Pagina 1 van",
        "15 januari 2026",
    ] {
        assert!(policy.contains(w), "policy.pdf lacks {w:?}:\n{policy}");
    }
    let role = pdf_text(&dir.join("roles/isms-manager.pdf"));
    assert!(
        role.contains("Rolbeschrijving: Information Security Manager"),
        "{role}"
    );
    let sheet = pdf_text(&dir.join("signatures/isms-manager--sam.pdf"));
    assert!(
        sheet.contains("Roltoewijzing") && sheet.contains("Handtekening"),
        "{sheet}"
    );
    assert!(pdf_text(&dir.join("signatures/register.pdf")).contains("openstaand"));
    assert_eq!(pdf_lang(&dir.join("policy.pdf")), "nl");
    let index = read(&dir, "index.html");
    assert!(index.contains("<html lang=\"nl\">"), "{index}");
    assert!(index.contains("<h1>Bewijspakket</h1>"), "{index}");
    let page = read(&dir, "policy.html");
    assert!(page.contains("Overzicht van het bewijspakket") && page.contains("Documentbeheer"));
    // Without the Dutch locale, the language is unknown.
    let build = build_md(&model, &templates.path().join("out"), &[]);
    assert_ne!(build.code, 0, "{}", build.all());
    assert!(
        build.all().contains("no locale for the language `nl`"),
        "{}",
        build.all()
    );
    assert!(build.all().contains("locales/nl.toml"), "{}", build.all());
}

#[test]
fn a_missing_key_in_a_locale_file_names_the_key_and_the_file() {
    let (_model_dir, model) = dutch_model();
    // One key a template asks for, one the code looks up.
    for key in ["common.document_control", "register.statuses.signed"] {
        let templates = dutch_templates(Some(key));
        let out = tempfile::tempdir().unwrap();
        let run = build_md(
            &model,
            out.path(),
            &["--templates", templates.path().to_str().unwrap()],
        );
        let all = run.all();
        assert_ne!(run.code, 0, "{all}");
        assert!(all.contains(&format!("`{key}`")), "{key}:\n{all}");
        let file = templates.path().join("locales").join("nl.toml");
        assert!(all.contains(&file.display().to_string()), "{key}:\n{all}");
        assert!(
            std::fs::read_dir(out.path()).unwrap().next().is_none(),
            "{key}: a failed build left files"
        );
    }
}
