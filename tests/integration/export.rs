//! `rolecall export` and the exports in every bundle: CSV, XLSX, JSON and OSCAL,
//! each read back and compared with the model's TOML, cell by cell.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{build_bundle, example, fixture, raw_model, rolecall, root};

const DATE: &str = "2026-03-01";

/// The models every export is checked on: the example and the hostile fixtures.
fn models() -> Vec<PathBuf> {
    vec![
        example("northwind"),
        fixture("valid/hostile"),
        fixture("valid/formulas"),
        fixture("valid/third-parties"),
    ]
}

/// `rolecall export MODEL --date DATE --format FORMAT` to standard output.
fn export(model: &Path, format: &str) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rolecall"))
        .args(["export", model.to_str().unwrap(), "--date", DATE])
        .args(["--format", format])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "export {format} of {model:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

// ---------------------------------------------------------------------------
// The model, read from its TOML independently of rolecall's own loader
// ---------------------------------------------------------------------------

fn table<'a>(t: &'a toml::Table, key: &str) -> Vec<&'a toml::Table> {
    t.get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_table()).collect())
        .unwrap_or_default()
}

fn s<'a>(t: &'a toml::Table, key: &str) -> &'a str {
    t.get(key).and_then(|v| v.as_str()).unwrap_or_default()
}

fn strs(t: &toml::Table, key: &str) -> Vec<String> {
    t.get(key)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn flag(t: &toml::Table, key: &str) -> bool {
    t.get(key).and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Whether a person is still with the organisation on [`DATE`].
fn active(p: &toml::Table) -> bool {
    p.get("left")
        .and_then(|v| v.as_datetime())
        .is_none_or(|d| d.to_string().as_str() > DATE)
}

/// Holder ids of a role; every active member of staff (no `party`) for an all-staff role.
fn holders(m: &toml::Table, role: &toml::Table) -> Vec<String> {
    if flag(role, "all-staff") {
        table(m, "people")
            .into_iter()
            .filter(|p| active(p) && p.get("party").is_none())
            .map(|p| s(p, "id").to_string())
            .collect()
    } else {
        strs(role, "holders")
    }
}

/// RACI letters of `role` in `activity`, from the TOML lists.
fn letters(activity: &toml::Table, role: &str) -> &'static str {
    let r = strs(activity, "responsible").iter().any(|x| x == role);
    let a = s(activity, "accountable") == role;
    match (a, r) {
        (true, true) => "A/R",
        (true, false) => "A",
        (false, true) => "R",
        _ if strs(activity, "consulted").iter().any(|x| x == role) => "C",
        _ if strs(activity, "informed").iter().any(|x| x == role) => "I",
        _ => "",
    }
}

/// Activities grouped by `group` in order of first appearance, as in the Markdown matrix.
fn activities_in_matrix_order(m: &toml::Table) -> Vec<&toml::Table> {
    let mut groups: Vec<(String, Vec<&toml::Table>)> = Vec::new();
    for a in table(m, "activities") {
        let g = s(a, "group").to_string();
        match groups.iter_mut().find(|(k, _)| *k == g) {
            Some((_, rows)) => rows.push(a),
            None => groups.push((g, vec![a])),
        }
    }
    groups.into_iter().flat_map(|(_, rows)| rows).collect()
}

/// The matrix every spreadsheet export must hold: a header row, then one row per
/// activity (id, group, name, refs, then each role's letters).
fn expected_matrix(m: &toml::Table) -> Vec<Vec<String>> {
    let roles = table(m, "roles");
    let mut head: Vec<String> = ["Activity ID", "Group", "Activity", "Refs"]
        .map(String::from)
        .to_vec();
    head.extend(
        roles
            .iter()
            .map(|r| format!("{} ({})", s(r, "name"), s(r, "id"))),
    );
    let mut rows = vec![head];
    for a in activities_in_matrix_order(m) {
        let mut row = vec![
            s(a, "id").to_string(),
            s(a, "group").to_string(),
            s(a, "name").to_string(),
            strs(a, "refs").join(", "),
        ];
        row.extend(roles.iter().map(|r| letters(a, s(r, "id")).to_string()));
        rows.push(row);
    }
    rows
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// What a cell must look like in the CSV: OWASP's formula triggers get a leading `'`.
fn neutralised(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_holds_every_cell_of_the_model() {
    for model in models() {
        let bytes = export(&model, "csv");
        let text = String::from_utf8(bytes.clone()).expect("CSV is UTF-8");
        assert!(!text.starts_with('\u{feff}'), "no byte-order mark");
        let expected: Vec<Vec<String>> = expected_matrix(&raw_model(&model))
            .iter()
            .map(|row| row.iter().map(|c| neutralised(c)).collect())
            .collect();
        let records = parse_csv(&bytes);
        assert_eq!(records, expected, "{model:?}");
        // Every record ends with CRLF (no model text holds a CRLF of its own).
        assert!(text.ends_with("\r\n"), "{model:?}");
        assert_eq!(text.matches("\r\n").count(), records.len(), "{model:?}");
    }
}

#[test]
fn csv_neutralises_formulas_and_keeps_hostile_text() {
    let records = parse_csv(&export(&fixture("valid/formulas"), "csv"));
    for cell in records.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']),
            "cell {cell:?} would be evaluated as a formula"
        );
    }
    assert_eq!(records[0][4], "'=Chief, \"Executive\" Officer (ceo)");
    assert_eq!(records[0][5], "'-Second line\nof defence (2nd-line)");
    assert_eq!(records[1][1], "'-Leadership");
    assert_eq!(records[1][2], "'=Assign, roles\n\"now\"");
    assert_eq!(records[1][3], "5.3, A.5.2, A.5.9");
    assert_eq!(records[2][4], "A/R");
    // The hostile fixture's Markdown and Typst syntax is CSV-inert and stays as is.
    let hostile = parse_csv(&export(&fixture("valid/hostile"), "csv"));
    assert_eq!(hostile[1][2], "Audit the *ISMS* | yearly");
    assert_eq!(hostile[0][4], "Chief #strong[Executive] Officer (ceo)");
}

// ---------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------

pub(crate) type Workbook = calamine::Xlsx<std::io::Cursor<Vec<u8>>>;

pub(crate) fn open_xlsx(bytes: &[u8]) -> Workbook {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap()
}

pub(crate) fn sheet(wb: &mut Workbook, name: &str) -> Vec<Vec<String>> {
    use calamine::Reader as _;
    let range = wb.worksheet_range(name).unwrap();
    assert_eq!(range.start(), Some((0, 0)), "{name} starts at A1");
    range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// One file of a zip archive (an xlsx is one), as text.
fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

/// The value of attribute `name` in an XML start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[start..].split('"').next()
}

/// The fill colour (`RRGGBB`) of every styled cell of a worksheet, by reference (`E2`).
fn cell_fills(xlsx: &[u8], sheet_xml: &str) -> BTreeMap<String, String> {
    let styles = zip_entry(xlsx, "xl/styles.xml");
    let section = |name: &str| -> String {
        let from = styles.find(&format!("<{name} ")).unwrap();
        let to = styles.find(&format!("</{name}>")).unwrap();
        styles[from..to].to_string()
    };
    let fills: Vec<String> = section("fills")
        .split("<fill>")
        .skip(1)
        .map(|f| {
            f.split("<fgColor ")
                .nth(1)
                .and_then(|c| attr(&format!(" {c}"), "rgb").map(|rgb| rgb[2..].to_string()))
                .unwrap_or_default()
        })
        .collect();
    let xfs: Vec<usize> = section("cellXfs")
        .split("<xf ")
        .skip(1)
        .map(|x| attr(&format!(" {x}"), "fillId").unwrap().parse().unwrap())
        .collect();
    let sheet = zip_entry(xlsx, sheet_xml);
    sheet
        .split("<c ")
        .skip(1)
        .filter_map(|c| {
            let c = format!(" {c}");
            let r = attr(&c, "r")?.to_string();
            let s: usize = attr(&c, "s").map_or(0, |s| s.parse().unwrap());
            Some((r, fills[xfs[s]].clone()))
        })
        .collect()
}

/// `E2` for row 1, column 4 (zero-based).
fn cell_ref(row: usize, col: usize) -> String {
    let mut name = String::new();
    let mut n = col + 1;
    while n > 0 {
        name.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
        n = (n - 1) / 26;
    }
    format!("{name}{}", row + 1)
}

#[test]
fn xlsx_reads_back_to_the_model() {
    for model in models() {
        let m = raw_model(&model);
        let bytes = export(&model, "xlsx");
        let mut wb = open_xlsx(&bytes);
        {
            use calamine::Reader as _;
            assert_eq!(wb.sheet_names(), ["RACI", "Legend", "People and roles"]);
        }
        // The workbook holds the text exactly: no formula neutralising in xlsx.
        assert_eq!(sheet(&mut wb, "RACI"), expected_matrix(&m), "{model:?}");

        let people: BTreeMap<&str, &toml::Table> = table(&m, "people")
            .into_iter()
            .map(|p| (s(p, "id"), p))
            .collect();
        let roles = table(&m, "roles");
        let mut expected_people = vec![
            [
                "Person ID",
                "Name",
                "Title",
                "Department",
                "E-mail",
                "Roles held",
                "Deputy for",
                "Leaves on",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for p in table(&m, "people").into_iter().filter(|p| active(p)) {
            let id = s(p, "id");
            let names = |f: &dyn Fn(&toml::Table) -> bool| -> String {
                roles
                    .iter()
                    .filter(|r| f(r))
                    .map(|r| s(r, "name"))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            expected_people.push(vec![
                id.to_string(),
                s(p, "name").to_string(),
                s(p, "title").to_string(),
                s(p, "department").to_string(),
                s(p, "email").to_string(),
                names(&|r| holders(&m, r).iter().any(|h| h == id)),
                names(&|r| strs(r, "deputies").iter().any(|d| d == id)),
                p.get("left").map(|d| d.to_string()).unwrap_or_default(),
            ]);
        }
        assert_eq!(
            sheet(&mut wb, "People and roles"),
            expected_people,
            "{model:?}"
        );

        let legend = sheet(&mut wb, "Legend");
        assert_eq!(legend[0][..2], ["Letter", "Meaning"]);
        let letters: Vec<&str> = legend[1..6].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(letters, ["R", "A", "C", "I", "A/R"]);
        assert_eq!(
            legend[7][..5],
            ["Column", "Role", "Role ID", "Held by", "Deputies"]
        );
        for (i, r) in roles.iter().enumerate() {
            let row = &legend[8 + i];
            let short = match s(r, "short-name") {
                "" => s(r, "name"),
                short => short,
            };
            assert_eq!(row[..3], [short, s(r, "name"), s(r, "id")], "{model:?}");
            let held: Vec<&str> = strs(r, "holders")
                .iter()
                .map(|h| s(people[h.as_str()], "name"))
                .collect();
            let held = if flag(r, "all-staff") {
                "all personnel".to_string()
            } else if held.is_empty() {
                "vacant".to_string()
            } else {
                held.join(", ")
            };
            assert_eq!(row[3], held, "{model:?}");
        }
    }
}

#[test]
fn xlsx_cells_are_coloured_as_in_the_pdf_and_panes_frozen() {
    let layout = std::fs::read_to_string(root().join("templates/layout.typ")).unwrap();
    // The PDF's colours, read from the Typst layout: `"r": rgb("#a9d18e"),`,
    // keyed by the letters' code (`A/R` is `ar`).
    let pdf_fill = |letters: &str| -> String {
        let code = letters.to_lowercase().replace('/', "");
        let key = format!("\"{code}\": rgb(\"#");
        let at = layout.find(&key).unwrap_or_else(|| panic!("{key}")) + key.len();
        layout[at..at + 6].to_uppercase()
    };
    let mut seen = BTreeSet::new();
    for model in [example("northwind"), fixture("valid/formulas")] {
        let bytes = export(&model, "xlsx");
        let fills = cell_fills(&bytes, "xl/worksheets/sheet1.xml");
        let matrix = expected_matrix(&raw_model(&model));
        for (r, row) in matrix.iter().enumerate().skip(1) {
            for (c, letters) in row.iter().enumerate().skip(4) {
                let fill = &fills[&cell_ref(r, c)];
                if letters.is_empty() {
                    assert_eq!(fill, "", "{} is empty and unfilled", cell_ref(r, c));
                } else {
                    assert_eq!(
                        *fill,
                        pdf_fill(letters),
                        "{} holds {letters}",
                        cell_ref(r, c)
                    );
                    seen.insert(letters.clone());
                }
            }
        }
    }
    assert_eq!(seen.len(), 5, "every letter checked: {seen:?}");

    let model = example("northwind");
    let bytes = export(&model, "xlsx");
    let matrix = expected_matrix(&raw_model(&model));
    let sheet1 = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet1.contains(r#"<pane xSplit="3" ySplit="1" topLeftCell="D2" activePane="bottomRight" state="frozen"/>"#),
        "header row and activity columns frozen"
    );
    let last = cell_ref(matrix.len() - 1, matrix[0].len() - 1);
    assert!(
        sheet1.contains(&format!(r#"<autoFilter ref="A1:{last}"/>"#)),
        "autofilter over the matrix"
    );
}

#[test]
fn xlsx_is_byte_for_byte_reproducible() {
    let model = example("northwind");
    let a = export(&model, "xlsx");
    let b = export(&model, "xlsx");
    assert!(a == b, "two exports of the same model and date differ");
    let core = zip_entry(&a, "docProps/core.xml");
    assert!(
        core.contains(&format!(
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{DATE}T00:00:00Z</dcterms:created>"
        )),
        "creation date is the bundle date:\n{core}"
    );
    // Every zip entry carries the same fixed time, not the time of the export.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&a)).unwrap();
    let mut times = BTreeSet::new();
    for i in 0..zip.len() {
        let t = zip.by_index(i).unwrap().last_modified().unwrap();
        times.insert((t.year(), t.month(), t.day(), t.hour(), t.minute()));
    }
    assert_eq!(times, BTreeSet::from([(1980, 1, 1, 0, 0)]));
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

#[test]
fn json_export_is_the_resolved_model() {
    for model in models() {
        let m = raw_model(&model);
        let bytes = export(&model, "json");
        let text = String::from_utf8(bytes).unwrap();
        let j: Value = serde_json::from_str(&text).unwrap();
        // Documented key order.
        let keys = [
            "\"format\"",
            "\"format-version\"",
            "\"date\"",
            "\"organisation\"",
            "\"policy\"",
            "\"people\"",
            "\"roles\"",
            "\"activities\"",
        ];
        let at: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "key order {at:?}");
        assert_eq!(j["format"], "rolecall-model");
        assert_eq!(j["format-version"], 1);
        assert_eq!(j["date"], DATE);
        assert_eq!(
            j["organisation"]["name"],
            s(m["organisation"].as_table().unwrap(), "name")
        );
        let people = table(&m, "people");
        assert_eq!(j["people"].as_array().unwrap().len(), people.len());
        for (p, jp) in people.iter().zip(j["people"].as_array().unwrap()) {
            assert_eq!(jp["id"], s(p, "id"));
            assert_eq!(jp["name"], s(p, "name"));
            assert_eq!(jp["active"], active(p));
        }
        for (r, jr) in table(&m, "roles")
            .iter()
            .zip(j["roles"].as_array().unwrap())
        {
            assert_eq!(jr["id"], s(r, "id"));
            assert_eq!(jr["name"], s(r, "name"));
            assert_eq!(jr["holders"], serde_json::json!(holders(&m, r)));
            assert_eq!(jr["deputies"], serde_json::json!(strs(r, "deputies")));
        }
        let roles = table(&m, "roles");
        for (a, ja) in table(&m, "activities")
            .iter()
            .zip(j["activities"].as_array().unwrap())
        {
            assert_eq!(ja["id"], s(a, "id"));
            assert_eq!(ja["accountable"], s(a, "accountable"));
            assert_eq!(ja["responsible"], serde_json::json!(strs(a, "responsible")));
            let raci: Vec<Value> = roles
                .iter()
                .filter(|r| !letters(a, s(r, "id")).is_empty())
                .map(|r| serde_json::json!({"role": s(r, "id"), "letters": letters(a, s(r, "id"))}))
                .collect();
            assert_eq!(ja["raci"], Value::Array(raci), "{model:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// OSCAL
// ---------------------------------------------------------------------------

fn oscal_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/oscal/oscal_component_schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the NIST schema compiles, unicode regex classes included")
}

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn oscal(model: &Path) -> Value {
    serde_json::from_slice(&export(model, "oscal")).unwrap()
}

/// The OSCAL token of a model id (digit-leading ids get a `_`).
fn token(id: &str) -> String {
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{id}")
    } else {
        id.to_string()
    }
}

#[test]
fn oscal_export_is_valid_against_the_nist_schema_and_consistent() {
    let validator = oscal_validator();
    for model in models() {
        let doc = oscal(&model);
        let errors = schema_errors(&validator, &doc);
        assert!(errors.is_empty(), "{model:?}:\n{}", errors.join("\n"));
        let problems = rolecall::export::oscal::integrity_problems(&doc);
        assert!(problems.is_empty(), "{model:?}:\n{}", problems.join("\n"));
    }
}

#[test]
fn a_broken_oscal_document_fails_the_schema_and_the_integrity_check() {
    let validator = oscal_validator();
    let good = oscal(&example("northwind"));
    // The schema catches what it can see: a missing title, a v1 UUID, a bad token.
    for (what, pointer, value) in [
        (
            "no title",
            "/component-definition/metadata/title",
            Value::Null,
        ),
        (
            "UUID version 1",
            "/component-definition/uuid",
            Value::from("e19e5c9e-633f-1332-8984-ab7448c4d54b"),
        ),
        (
            "role id not a token",
            "/component-definition/metadata/roles/0/id",
            Value::from("2nd line"),
        ),
        (
            "line break in a string",
            "/component-definition/metadata/parties/0/name",
            Value::from("a\nb"),
        ),
    ] {
        let mut doc = good.clone();
        if value.is_null() {
            doc["component-definition"]["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("title");
        } else {
            *doc.pointer_mut(pointer).unwrap() = value;
        }
        assert!(
            !schema_errors(&validator, &doc).is_empty(),
            "the schema accepts a document with {what}"
        );
    }
    // The integrity check catches what the schema cannot: dangling references.
    let mut doc = good.clone();
    let reqs = "/component-definition/components/0/control-implementations/0/implemented-requirements/0/responsible-roles/0";
    doc.pointer_mut(&format!("{reqs}/role-id"))
        .map(|v| *v = Value::from("no-such-role"))
        .unwrap();
    doc.pointer_mut(&format!("{reqs}/party-uuids/0"))
        .map(|v| *v = Value::from("00000000-0000-5000-8000-000000000000"))
        .unwrap();
    assert!(schema_errors(&validator, &doc).is_empty(), "schema-valid");
    let problems = rolecall::export::oscal::integrity_problems(&doc);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0]
            .contains("party `00000000-0000-5000-8000-000000000000` is not in metadata.parties")
    );
    assert!(problems[1].contains("role `no-such-role` is not in metadata.roles"));
}

#[test]
fn oscal_export_carries_the_roles_people_and_raci_of_the_model() {
    for model in models() {
        let m = raw_model(&model);
        let doc = oscal(&model);
        let cd = &doc["component-definition"];
        let md = &cd["metadata"];
        assert_eq!(md["oscal-version"], "1.2.1");
        assert_eq!(md["last-modified"], format!("{DATE}T00:00:00Z"));
        let policy = m["policy"].as_table().unwrap();
        assert_eq!(md["version"], s(policy, "version").trim());

        // Roles: every role, by (token) id.
        let roles = table(&m, "roles");
        let ids: Vec<String> = md["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> = roles.iter().map(|r| token(s(r, "id"))).collect();
        assert_eq!(ids, expected, "{model:?}");

        // Parties: the organisation, then every active person with their job title,
        // then each external party (model v2), an organization whose people are its members.
        let parties = md["parties"].as_array().unwrap();
        assert_eq!(parties[0]["type"], "organization");
        let org_uuid = parties[0]["uuid"].as_str().unwrap();
        let active_people: Vec<&toml::Table> = table(&m, "people")
            .into_iter()
            .filter(|p| active(p))
            .collect();
        let external = table(&m, "parties");
        assert_eq!(
            parties.len(),
            1 + active_people.len() + external.len(),
            "{model:?}"
        );
        let mut party_uuid = BTreeMap::new();
        for (x, party) in external.iter().zip(&parties[1 + active_people.len()..]) {
            assert_eq!(party["type"], "organization");
            assert_eq!(party["name"], s(x, "name"));
            let prop = |name: &str| {
                party["props"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["name"] == name)
                    .map(|p| p["value"].clone())
            };
            assert_eq!(prop("party-id"), Some(Value::from(s(x, "id"))));
            assert_eq!(prop("owner-role"), Some(Value::from(token(s(x, "owner")))));
            if x.get("contract").is_some() {
                assert_eq!(prop("contract"), Some(Value::from(s(x, "contract"))));
            }
            party_uuid.insert(s(x, "id").to_string(), party["uuid"].clone());
        }
        let mut uuid_of = BTreeMap::new();
        for (p, party) in active_people.iter().zip(&parties[1..]) {
            assert_eq!(party["type"], "person");
            let name = s(p, "name")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(party["name"], name);
            let title = s(p, "title")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                party["props"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|pr| pr["name"] == "job-title"
                        && pr["value"] == title
                        && pr.get("ns").is_none()),
                "{party}"
            );
            // A person of an external party is a member of it, not of the organisation.
            let member_of = match p.get("party").and_then(|v| v.as_str()) {
                Some(x) => party_uuid[x].clone(),
                None => Value::from(org_uuid),
            };
            assert_eq!(
                party["member-of-organizations"],
                serde_json::json!([member_of])
            );
            uuid_of.insert(
                s(p, "id").to_string(),
                party["uuid"].as_str().unwrap().to_string(),
            );
        }
        let party_uuids = |ids: &[String]| -> Value {
            Value::from(ids.iter().map(|i| uuid_of[i].clone()).collect::<Vec<_>>())
        };

        // Responsible parties: each held role once, with its holders.
        let rps: Vec<(String, Value)> = md["responsible-parties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rp| {
                (
                    rp["role-id"].as_str().unwrap().to_string(),
                    rp["party-uuids"].clone(),
                )
            })
            .collect();
        let expected: Vec<(String, Value)> = roles
            .iter()
            .filter(|r| !holders(&m, r).is_empty())
            .map(|r| (token(s(r, "id")), party_uuids(&holders(&m, r))))
            .collect();
        assert_eq!(rps, expected, "{model:?}");

        // The approval action, by the approver role's holders.
        let actions = md["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0]["type"], "approval");
        assert_eq!(actions[0]["system"], "http://csrc.nist.gov/ns/oscal");
        let approver = roles
            .iter()
            .find(|r| s(r, "id") == s(policy, "approver"))
            .unwrap();
        assert_eq!(
            actions[0]["responsible-parties"],
            serde_json::json!([{"role-id": token(s(approver, "id")), "party-uuids": party_uuids(&holders(&m, approver))}])
        );

        // One policy component; one implemented requirement per Annex A ref, each
        // with the RACI letters of the activities that reference it.
        let components = cd["components"].as_array().unwrap();
        assert_eq!(components.len(), 1);
        assert_eq!(components[0]["type"], "policy");
        let activities = table(&m, "activities");
        // With a Statement of Applicability (model v2): its applicable controls too,
        // and none it marks not applicable.
        let soa = table(&m, "controls");
        let applies =
            |c: &toml::Table| c.get("applicable").and_then(|v| v.as_bool()) != Some(false);
        let excluded: BTreeSet<String> = soa
            .iter()
            .filter(|c| !applies(c))
            .map(|c| s(c, "id").to_string())
            .collect();
        let mut controls: Vec<String> = roles
            .iter()
            .chain(&activities)
            .flat_map(|t| strs(t, "refs"))
            .filter(|r| r.starts_with("A."))
            .chain(
                soa.iter()
                    .filter(|c| applies(c))
                    .map(|c| s(c, "id").to_string()),
            )
            .filter(|c| !excluded.contains(c))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        controls.sort_by_key(|c| {
            c[2..]
                .split('.')
                .map(|p| p.parse::<u32>().unwrap())
                .collect::<Vec<_>>()
        });
        if controls.is_empty() {
            // OSCAL allows no empty list: no Annex A refs, no control implementation.
            assert!(components[0].get("control-implementations").is_none());
            continue;
        }
        let ci = &components[0]["control-implementations"][0];
        assert_eq!(ci["source"], "urn:iso:std:iso-iec:27001:ed-3");
        let reqs = ci["implemented-requirements"].as_array().unwrap();
        let got: Vec<&str> = reqs
            .iter()
            .map(|r| r["control-id"].as_str().unwrap())
            .collect();
        assert_eq!(got, controls, "{model:?}");
        for req in reqs {
            let control = req["control-id"].as_str().unwrap();
            let mut expected: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
            for a in activities
                .iter()
                .filter(|a| strs(a, "refs").iter().any(|r| r == control))
            {
                for r in &roles {
                    let l = letters(a, s(r, "id"));
                    if !l.is_empty() {
                        expected
                            .entry(token(s(r, "id")))
                            .or_default()
                            .push((l.to_string(), token(s(a, "id"))));
                    }
                }
            }
            let mut got: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
            for rr in req["responsible-roles"].as_array().unwrap() {
                let id = rr["role-id"].as_str().unwrap().to_string();
                let role = roles.iter().find(|r| token(s(r, "id")) == id).unwrap();
                let refs_control = strs(role, "refs").iter().any(|r| r == control);
                let has_ref_prop = rr["props"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == "role-ref" && p["value"] == control);
                assert_eq!(refs_control, has_ref_prop, "{control} {id}");
                for p in rr["props"].as_array().unwrap() {
                    assert_eq!(p["ns"], "https://github.com/rolecall/rolecall/ns/oscal");
                    if p["name"] == "raci" {
                        got.entry(id.clone()).or_default().push((
                            p["value"].as_str().unwrap().to_string(),
                            p["group"].as_str().unwrap().to_string(),
                        ));
                    }
                }
                if !holders(&m, role).is_empty() {
                    assert_eq!(rr["party-uuids"], party_uuids(&holders(&m, role)));
                }
                // The owner the Statement of Applicability gives (when it names one).
                let owner = soa
                    .iter()
                    .find(|c| s(c, "id") == control)
                    .and_then(|c| c.get("owner"))
                    .and_then(|o| o.as_str());
                if let Some(owner) = owner {
                    let flagged = rr["props"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p["name"] == "control-owner" && p["value"] == "true");
                    assert_eq!(flagged, token(owner) == id, "{control} {id}");
                }
            }
            assert_eq!(got, expected, "{model:?} {control}");
        }
    }
}

#[test]
fn oscal_uuids_are_stable_version_5_and_only_the_date_changes() {
    let model = example("northwind");
    let a = String::from_utf8(export(&model, "oscal")).unwrap();
    let run = rolecall(&[
        "export",
        model.to_str().unwrap(),
        "--date",
        "2026-04-15",
        "--format",
        "oscal",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout
            .replace("2026-04-15T00:00:00Z", &format!("{DATE}T00:00:00Z")),
        a,
        "a later export differs in more than last-modified"
    );
    let doc: Value = serde_json::from_str(&a).unwrap();
    let mut uuids = Vec::new();
    collect_uuids(&doc, &mut uuids);
    assert!(uuids.len() > 20, "{}", uuids.len());
    for u in &uuids {
        assert_eq!(u.as_bytes()[14], b'5', "{u} is not a version 5 UUID");
    }
    // No ISO control text: requirement descriptions name controls by id and use
    // the model's own activity and role names only.
    for req in doc
        .pointer(
            "/component-definition/components/0/control-implementations/0/implemented-requirements",
        )
        .unwrap()
        .as_array()
        .unwrap()
    {
        let d = req["description"].as_str().unwrap();
        let id = req["control-id"].as_str().unwrap();
        assert!(
            d.starts_with(&format!("{id} is referenced by"))
                || d.starts_with(&format!(
                    "{id} is an applicable control of the Statement of Applicability"
                )),
            "{d}"
        );
    }
}

fn collect_uuids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("uuid", Value::String(u)) => out.push(u.clone()),
                    ("party-uuids" | "member-of-organizations", Value::Array(a)) => {
                        out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string)))
                    }
                    _ => collect_uuids(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_uuids(x, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// The bundle and the command line
// ---------------------------------------------------------------------------

#[test]
fn every_bundle_holds_the_exports_and_indexes_them() {
    let model = fixture("valid/formulas");
    let (_out, dir) = build_bundle(&model, DATE, &["--format", "md"]);
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("## Exports for spreadsheets and GRC tools"),
        "the README explains the exports"
    );
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    for (path, format) in [
        ("raci-matrix.csv", "csv"),
        ("raci-matrix.xlsx", "xlsx"),
        ("oscal/component-definition.json", "oscal"),
    ] {
        let in_bundle = std::fs::read(dir.join(path)).unwrap();
        assert!(
            in_bundle == export(&model, format),
            "{path} differs from `rolecall export --format {format}`"
        );
        assert!(
            readme.contains(&format!("| [{path}]({path}) |")),
            "README lacks {path}"
        );
        assert!(
            sums.contains(&format!("  {path}\n")),
            "SHA256SUMS lacks {path}"
        );
    }
}

#[test]
fn export_writes_a_file_and_refuses_an_invalid_model() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("raci.xlsx");
    let run = rolecall(&[
        "export",
        example("northwind").to_str().unwrap(),
        "--date",
        DATE,
        "--format",
        "xlsx",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes == export(&example("northwind"), "xlsx"));
    assert!(run.stdout.contains("raci.xlsx"), "{}", run.stdout);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    // Only the file: no temporary left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let bad = dir.path().join("bad.csv");
    let run = rolecall(&[
        "export",
        fixture("invalid/rc012-unknown-reference").to_str().unwrap(),
        "--date",
        DATE,
        "--format",
        "csv",
        "-o",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("error[RC012]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing was exported"),
        "{}",
        run.stderr
    );
    assert!(!bad.exists());

    let missing = dir.path().join("no/such/dir/x.json");
    let run = rolecall(&[
        "export",
        example("northwind").to_str().unwrap(),
        "--date",
        DATE,
        "--format",
        "json",
        "-o",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("failed to write"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint: create the directory first"),
        "{}",
        run.stderr
    );

    let run = rolecall(&[
        "export",
        example("northwind").to_str().unwrap(),
        "--format",
        "pdf",
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
}

#[test]
fn only_the_xlsx_properties_and_oscal_timestamp_carry_the_bundle_date() {
    let model = example("northwind");
    let later = |format: &str| -> Vec<u8> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rolecall"))
            .args(["export", model.to_str().unwrap(), "--date", "2026-09-30"])
            .args(["--format", format])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    assert!(export(&model, "csv") == later("csv"), "the CSV changed");
    let (a, b) = (export(&model, "xlsx"), later("xlsx"));
    let mut za = zip::ZipArchive::new(std::io::Cursor::new(&a)).unwrap();
    let names: Vec<String> = za.file_names().map(str::to_string).collect();
    assert!(
        names.contains(&"xl/worksheets/sheet1.xml".to_string()),
        "{names:?}"
    );
    for name in names {
        let mut x = Vec::new();
        za.by_name(&name).unwrap().read_to_end(&mut x).unwrap();
        let y = zip_entry(&b, &name).into_bytes();
        assert_eq!(x == y, name != "docProps/core.xml", "{name}");
    }
}

/// Issue 12: the JSON export carries the tables of model v2, resolved; a v1 model's
/// export has none of their keys.
#[test]
fn json_export_carries_the_model_v2_tables_and_a_v1_model_none_of_them() {
    let j: Value = serde_json::from_slice(&export(&example("northwind"), "json")).unwrap();
    let parties = j["parties"].as_array().unwrap();
    let dpo = parties
        .iter()
        .find(|p| p["id"] == "harbour-privacy")
        .unwrap();
    assert_eq!(dpo["owner"], "ceo");
    assert_eq!(dpo["people"], serde_json::json!(["hannah"]));
    assert_eq!(dpo["outsourced-roles"], serde_json::json!(["dpo"]));
    assert_eq!(dpo["next-review"], "2027-01-16");
    let hannah = j["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "hannah")
        .unwrap();
    assert_eq!(hannah["party"], "harbour-privacy");
    assert_eq!(hannah["evidence"][0]["competence"], "cipp-e");
    assert_eq!(hannah["evidence"][0]["expires"], "2027-05-22");
    assert_eq!(hannah["evidence"][0]["status"], "current");
    // The renewed certificate is current; the old one is history, expired.
    let margaret = j["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "margaret")
        .unwrap();
    let statuses: Vec<&str> = margaret["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "current"]);
    assert!(
        j["people"][0].get("party").is_none(),
        "staff have no `party` key"
    );
    // Controls in Annex A order, owners given or taken from the accountable role.
    let controls = j["controls"].as_array().unwrap();
    let ids: Vec<&str> = controls.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(&ids[..4], ["A.5.1", "A.5.2", "A.5.3", "A.5.9"]);
    let owner = |id: &str| {
        controls
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["owner"].clone())
            .unwrap()
    };
    assert_eq!(owner("A.5.2"), "ceo", "from the activity referencing it");
    assert_eq!(owner("A.8.8"), "system-owner", "given");
    assert_eq!(owner("A.8.30"), Value::Null, "not applicable");
    assert_eq!(j["exceptions"][0]["activity"], "penetration-test");
    assert_eq!(j["exceptions"][0]["role"], Value::Null);
    assert_eq!(j["competences"].as_array().unwrap().len(), 5);

    let v1: Value = serde_json::from_slice(&export(&fixture("valid/model-v1"), "json")).unwrap();
    for key in ["parties", "competences", "controls", "exceptions"] {
        assert!(v1.get(key).is_none(), "{key} in a v1 export");
    }
    for p in v1["people"].as_array().unwrap() {
        assert!(
            p.get("party").is_none() && p.get("evidence").is_none(),
            "{p}"
        );
    }
}
