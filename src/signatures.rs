//! Recorded signatures against the sheets of a bundle: the signature register.
//!
//! Called by the render stage once the signature sheets exist: each sheet binds a
//! document's content digest ([`Binding`]), and each party to a sheet is matched
//! with the `[[signatures]]` records of the model. [`register`] is the entry
//! point; it gives every party's status (signed for the current content, signed
//! for an older version, outstanding), which the register document shows,
//! [`entries`] lists in the manifest (for `verify` and later change reports),
//! [`diagnostics`] turns into warnings RC074 and RC075, and [`stubs`] turns into
//! the records `rolecall signatures --toml` prints to fill in. It knows nothing
//! of templates or documents beyond their paths.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::bundle::manifest::{EvidenceEntry, SignatureEntry};
use crate::diag::{Diagnostic, Location};
use crate::digest::short;
use crate::model::sheet::SheetId;
use crate::model::{Assigner, Model, PersonIdx, Sheet, Signer};
use crate::rules;

/// What a signature sheet binds to: one exact content of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The sheet's id, as `[[signatures]] sheet` names it (`all-staff` for the
    /// acknowledgement sheet as a whole: its lines are `all-staff/<person>`).
    pub sheet: SheetId,
    /// Bundle-relative path of the bound document's Markdown.
    pub document: String,
    /// SHA-256 of that Markdown, printed on the sheet.
    pub digest: String,
}

/// In what capacity a party signs a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    /// A member of top management, assigning a role.
    Assigner,
    /// The governing body, assigning a top-management role.
    GoverningBody,
    /// The appointee, accepting a role.
    Appointee,
    /// A holder of the policy's approver role.
    Approver,
    /// A member of staff acknowledging what all staff are asked to read.
    Staff,
    /// A member of top management, signing the board resolution.
    Resolution,
}

impl Party {
    /// How `check` and the manifest name the party (the documents name it in
    /// the model's language).
    pub fn describe(self) -> &'static str {
        match self {
            Party::Assigner => "top management (assigns)",
            Party::GoverningBody => "governing body (assigns)",
            Party::Appointee => "appointee (accepts)",
            Party::Approver => "approver",
            Party::Staff => "staff member",
            Party::Resolution => "top management (resolves)",
        }
    }

    /// The party's key in the manifest and in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Party::Assigner => "assigner",
            Party::GoverningBody => "governing-body",
            Party::Appointee => "appointee",
            Party::Approver => "approver",
            Party::Staff => "staff",
            Party::Resolution => "resolution",
        }
    }
}

/// Where a party's signature stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Signed for the document as it is now.
    Signed,
    /// Signed, but for content that has changed since: to be signed again.
    Outdated,
    /// No signature recorded.
    Outstanding,
}

impl Status {
    /// The status's key in the manifest and in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Status::Signed => "signed",
            Status::Outdated => "outdated",
            Status::Outstanding => "outstanding",
        }
    }
}

/// One signature a sheet asks for.
#[derive(Debug, Clone)]
pub struct Slot {
    /// The sheet's id, as `[[signatures]] sheet` names it.
    pub sheet_id: SheetId,
    /// Bundle path of the sheet.
    pub sheet_path: String,
    /// Bundle path of the document the sheet binds.
    pub document: String,
    /// The document's current content digest.
    pub digest: String,
    /// In what capacity the party signs.
    pub party: Party,
    /// Who is expected to sign (the printed name); `None` for the governing body.
    pub person: Option<PersonIdx>,
    /// The status.
    pub status: Status,
    /// The record that decides the status (index into `Model::signatures`).
    pub record: Option<usize>,
}

/// Every slot of every sheet, and the records that match no current sheet.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// In sheet order (as rendered), then party order.
    pub slots: Vec<Slot>,
    /// Records of sheets or parties the bundle no longer has (a past holder, a
    /// former approver): history, listed but not counted.
    pub earlier: Vec<usize>,
}

/// How many signatures stand where: what the register, the manifest and
/// `verify` count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Signed for the current content.
    pub current: usize,
    /// Signed for an older version (or with a mistyped digest).
    pub outdated: usize,
    /// Not signed.
    pub outstanding: usize,
}

impl Counts {
    /// Counts the statuses.
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> Counts {
        let mut c = Counts::default();
        for s in statuses {
            match s {
                Status::Signed => c.current += 1,
                Status::Outdated => c.outdated += 1,
                Status::Outstanding => c.outstanding += 1,
            }
        }
        c
    }

    /// Every signature asked for.
    pub fn total(&self) -> usize {
        self.current + self.outdated + self.outstanding
    }
}

impl Register {
    /// The register's counts.
    pub fn counts(&self) -> Counts {
        Counts::of(self.slots.iter().map(|s| s.status))
    }
}

/// Matches the model's signatures with the `sheets`: each sheet's bundle path
/// and what it binds, in the order the bundle lists them.
pub fn register(model: &Model, sheets: &[(&str, &Binding)]) -> Register {
    let assigners = model.assigners();
    // Records by sheet id, so that a slot looks only at its own sheet's records.
    let mut by_sheet: BTreeMap<&SheetId, Vec<usize>> = BTreeMap::new();
    for (i, s) in model.signatures.iter().enumerate() {
        by_sheet.entry(&s.sheet_id).or_default().push(i);
    }
    // Ids looked up once: a search of every person for each of a large role's
    // sheets was quadratic.
    let role_at = by_id(model.roles.iter().map(|r| r.id.as_str()));
    let person_at = by_id(model.people.iter().map(|p| p.id.as_str()));
    let mut slots = Vec::new();
    for &(path, b) in sheets {
        let mut push = |sheet_id: SheetId, party: Party, person: Option<PersonIdx>| {
            let records = by_sheet.get(&sheet_id).map_or(&[][..], Vec::as_slice);
            let (status, record) = status(model, records, party, person, &b.digest);
            slots.push(Slot {
                sheet_id,
                sheet_path: path.to_string(),
                document: b.document.clone(),
                digest: b.digest.clone(),
                party,
                person,
                status,
                record,
            });
        };
        match &b.sheet {
            SheetId::Assignment { role: r, person: p } => {
                let (Some(&role), Some(&person)) =
                    (role_at.get(r.as_str()), person_at.get(p.as_str()))
                else {
                    continue;
                };
                if model.roles[role].all_staff {
                    continue;
                }
                match assigners.of(role, person) {
                    Assigner::TopManagement { person: a, .. } => {
                        push(b.sheet.clone(), Party::Assigner, Some(a));
                    }
                    Assigner::GoverningBody => push(b.sheet.clone(), Party::GoverningBody, None),
                    // The board resolution's signatures assign it.
                    Assigner::Resolution => {}
                }
                push(b.sheet.clone(), Party::Appointee, Some(person));
            }
            SheetId::PolicyApproval => {
                for &p in &model.roles[model.policy.approver].holders {
                    if model.people[p].active {
                        push(b.sheet.clone(), Party::Approver, Some(p));
                    }
                }
            }
            SheetId::AllStaff => {
                // People of external parties acknowledge by party, not on this sheet.
                for (p, person) in model.active_staff() {
                    let line = SheetId::AllStaffLine {
                        person: person.id.clone(),
                    };
                    push(line, Party::Staff, Some(p));
                }
            }
            SheetId::BoardResolution => {
                for p in model.top_management() {
                    push(b.sheet.clone(), Party::Resolution, Some(p));
                }
            }
            SheetId::AllStaffLine { .. } => {}
        }
    }
    let used: BTreeSet<usize> = slots.iter().filter_map(|s| s.record).collect();
    let earlier = (0..model.signatures.len())
        .filter(|i| !used.contains(i))
        .collect();
    Register { slots, earlier }
}

/// Each id's index.
fn by_id<'a>(ids: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    ids.enumerate().map(|(i, id)| (id, i)).collect()
}

/// Whether record `i`, a record of the slot's sheet, is a signature for the slot.
fn matches(model: &Model, i: usize, party: Party, person: Option<PersonIdx>) -> bool {
    let s = &model.signatures[i];
    match (party, &s.sheet) {
        (Party::GoverningBody, _) => s.signer == Signer::GoverningBody,
        // Any member of top management may sign the assignment for it; the
        // printed name is a suggestion.
        (
            Party::Assigner,
            Sheet::Assignment {
                person: appointee, ..
            },
        ) => {
            matches!(s.signer, Signer::Person(p) if p != *appointee)
        }
        (Party::Assigner, _) => false,
        (_, _) => person.is_some_and(|p| s.signer == Signer::Person(p)),
    }
}

/// The status of one slot, and the record deciding it: the latest signature for
/// the current content, else the latest for an older one.
/// `records` are the indices of the records of this slot's sheet.
fn status(
    model: &Model,
    records: &[usize],
    party: Party,
    person: Option<PersonIdx>,
    digest: &str,
) -> (Status, Option<usize>) {
    let latest = |current: bool| {
        records
            .iter()
            .copied()
            .filter(|&i| matches(model, i, party, person))
            .filter(|&i| digest.starts_with(&model.signatures[i].digest) == current)
            .max_by_key(|&i| (model.signatures[i].date, i))
    };
    match (latest(true), latest(false)) {
        (Some(i), _) => (Status::Signed, Some(i)),
        (None, Some(i)) => (Status::Outdated, Some(i)),
        (None, None) => (Status::Outstanding, None),
    }
}

/// How the register, `check` and the manifest name who signs a slot: the
/// person, or the governing body (`general` when the model does not name it).
pub fn signer_name<'a>(model: &'a Model, person: Option<PersonIdx>, general: &'a str) -> &'a str {
    match person {
        Some(p) => &model.people[p].name,
        None => model.governing_body(general),
    }
}

/// The sheets of an earlier bundle (`--previous`): which digest each printed.
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    /// How messages name the bundle ("the bundle of 2026-01-15").
    pub label: &'a str,
    /// The digest each sheet printed, by sheet id (`all-staff` for the acknowledgement).
    pub sheets: &'a BTreeMap<String, String>,
}

/// Warnings for signatures not for the current content (RC074, at the record)
/// and, once the model records any signature, outstanding ones (RC075, one
/// per sheet, at what asks for the sheet). With the sheets of the `earlier`
/// bundle, a digest it printed is an older version and one it did not is unknown.
pub fn diagnostics(
    model: &Model,
    register: &Register,
    earlier: Option<Earlier>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let general = "the governing body";
    for slot in register
        .slots
        .iter()
        .filter(|s| s.status == Status::Outdated)
    {
        let Some(i) = slot.record else { continue };
        let s = &model.signatures[i];
        let who = match s.signer {
            Signer::Person(p) => format!("{} (`{}`)", model.people[p].name, model.people[p].id),
            Signer::GoverningBody => model.governing_body(general).to_string(),
        };
        let current = short(&slot.digest);
        let signed = format!("`{}` signed by {who} on {}", slot.sheet_id, s.date);
        let message = match earlier {
            None => format!(
                "{signed}: digest {} is not the current one ({current}): signed for an older version, or mistyped",
                s.digest
            ),
            Some(e) => {
                let printed = slot.sheet_id.printed().to_string();
                let then = e.sheets.get(&printed);
                let known = then.is_some_and(|d| d.starts_with(&s.digest))
                    || (then.is_none() && e.sheets.values().any(|d| d.starts_with(&s.digest)));
                if known {
                    format!(
                        "{signed}: digest {} is that of an older version (in {}); {} now has digest {current}",
                        s.digest, e.label, slot.document
                    )
                } else {
                    let then = then.map_or(String::new(), |d| {
                        format!(" nor that of {} ({})", e.label, short(d))
                    });
                    format!(
                        "{signed}: digest {} is unknown: not the current one ({current}){then}; mistyped, or signed for a version older than {}",
                        s.digest, e.label
                    )
                }
            }
        };
        out.push(
            Diagnostic::new(&rules::SIGNATURE_OUTDATED, message)
                .at(s.location.clone())
                .hint(format!(
                    "compare the digest with the signed sheet; if the sheet shows {current}, correct the record, else print {} from a new bundle, have it signed and record the signature with digest {current}",
                    slot.sheet_path
                )),
        );
    }
    if !model.signatures.is_empty() {
        let mut sheets: Vec<&str> = Vec::new();
        for s in &register.slots {
            if !sheets.contains(&s.sheet_path.as_str()) {
                sheets.push(&s.sheet_path);
            }
        }
        for path in sheets {
            let of_sheet: Vec<&Slot> = register
                .slots
                .iter()
                .filter(|s| s.sheet_path == path)
                .collect();
            let missing: Vec<&&Slot> = of_sheet
                .iter()
                .filter(|s| s.status == Status::Outstanding)
                .collect();
            if missing.is_empty() {
                continue;
            }
            let mut who: Vec<String> = missing
                .iter()
                .take(5)
                .map(|s| match s.person {
                    None if model.organisation.governing_body.is_none() => {
                        "the governing body (assigns)".to_string()
                    }
                    _ => format!(
                        "{} ({})",
                        signer_name(model, s.person, general),
                        s.party.describe()
                    ),
                })
                .collect();
            if missing.len() > 5 {
                who.push(format!("and {} more", missing.len() - 5));
            }
            out.push(
                Diagnostic::new(
                    &rules::SIGNATURE_OUTSTANDING,
                    format!(
                        "{path}: {} of {} signatures outstanding: {}",
                        missing.len(),
                        of_sheet.len(),
                        who.join(", ")
                    ),
                )
                .at(asked_by(model, &missing[0].sheet_id))
                .hint(
                    "have the sheet signed, then record each signature under `[[signatures]]` (`rolecall signatures MODEL --toml` prints the records to fill in)"
                        .to_string(),
                ),
            );
        }
    }
    out.retain(|d| !model.allow.contains(d.rule.code));
    out
}

/// What asks for a sheet, for RC075: the role of an assignment sheet, the
/// policy's approver, the (first) all-staff role, the `[organisation]` table.
fn asked_by(model: &Model, sheet: &SheetId) -> Option<Location> {
    let places = &model.places;
    let role_place = |r: Option<usize>| r.and_then(|r| places.roles.get(r).cloned().flatten());
    match sheet {
        SheetId::Assignment { role, .. } => {
            role_place(model.roles.iter().position(|r| r.id == *role))
        }
        SheetId::PolicyApproval => places.approver.clone(),
        SheetId::AllStaff | SheetId::AllStaffLine { .. } => {
            role_place(model.roles.iter().position(|r| r.all_staff))
                .or_else(|| places.organisation.clone())
        }
        SheetId::BoardResolution => places.organisation.clone(),
    }
}

/// Every slot as the manifest lists it (under `signatures`), in register
/// order; `general` names a governing body the model does not name.
pub fn entries(model: &Model, register: &Register, general: &str) -> Vec<SignatureEntry> {
    register
        .slots
        .iter()
        .map(|s| {
            let rec = s.record.map(|i| &model.signatures[i]);
            SignatureEntry {
                sheet: s.sheet_id.to_string(),
                path: s.sheet_path.clone(),
                document: s.document.clone(),
                digest: s.digest.clone(),
                party: s.party.key().to_string(),
                signer: match s.person {
                    Some(p) => model.people[p].id.clone(),
                    None => crate::model::GOVERNING_BODY.to_string(),
                },
                name: signer_name(model, s.person, general).to_string(),
                status: s.status.key().to_string(),
                date: rec.map(|r| r.date.to_string()),
                recorded: rec.map(|r| r.digest.clone()),
                evidence: rec
                    .and_then(|r| r.evidence.as_ref())
                    .map(|e| EvidenceEntry {
                        path: format!("model/{}", e.path),
                        kind: e.kind.as_str().to_string(),
                    }),
            }
        })
        .collect()
}

/// The `[[signatures]]` records to fill in for every slot that is not signed
/// for the current content, as `rolecall signatures --toml` prints them: TOML
/// to paste into the model once the sheets are signed, each preceded by a
/// comment saying who signs which sheet. `date` is the date the records
/// propose; `general` names a governing body the model does not name.
pub fn stubs(model: &Model, register: &Register, date: crate::date::Date, general: &str) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    // Comments are one line of printable text, whatever a name holds.
    let comment = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    let mut out = String::new();
    for s in register.slots.iter().filter(|s| s.status != Status::Signed) {
        let signed_by = match s.person {
            Some(p) => model.people[p].id.clone(),
            None => crate::model::GOVERNING_BODY.to_string(),
        };
        let stem = s
            .sheet_path
            .rsplit('/')
            .next()
            .unwrap_or(&s.sheet_path)
            .trim_end_matches(".md");
        // One scan of a sheet serves all its signatures (the acknowledgement's lines too).
        let evidence = format!("signed/{stem}.pdf");
        out.push_str(&format!(
            "# {}: {} ({}){}\n",
            comment(&s.sheet_path),
            comment(signer_name(model, s.person, general)),
            s.party.describe(),
            match s.status {
                Status::Outdated => ", signed for an older version",
                _ => "",
            }
        ));
        out.push_str("[[signatures]]\n");
        out.push_str(&format!("sheet = {}\n", quote(&s.sheet_id.to_string())));
        out.push_str(&format!("signed-by = {}\n", quote(&signed_by)));
        if s.person.is_none() {
            out.push_str("# signatory = \"who signed for the governing body\"\n");
        }
        out.push_str(&format!(
            "date = {date}  # the date written next to the signature\n"
        ));
        out.push_str(&format!("digest = {}\n", quote(short(&s.digest))));
        out.push_str(&format!(
            "evidence = {}  # the scan or signed PDF; remove the line if there is none\n\n",
            quote(&evidence)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::render::{self, Templates};

    const MINIMAL: &str = include_str!("../examples/minimal/model.toml");

    /// The minimal example with `from` replaced by `to`, checked and rendered.
    fn rendered(from: &str, to: &str) -> (Model, Register) {
        assert!(MINIMAL.contains(from));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("model.toml"), MINIMAL.replacen(from, to, 1)).unwrap();
        let model = crate::model::check(dir.path(), Date::parse("2026-11-23").unwrap())
            .model
            .expect("valid");
        let templates = Templates::load(None, "en").unwrap();
        let register = render::render(&model, &templates).unwrap().register;
        (model, register)
    }

    #[test]
    fn stubs_are_toml_whatever_the_names_hold() {
        // A name that would end the comment and start a record of its own. The
        // model's rules refuse control characters in names (RC090); the stubs
        // stay TOML even so, so the name is put into the checked model.
        let hostile = "Sam\n[[signatures]]\nsheet = \"policy-approval\" \u{1b}[2J";
        let (mut model, register) = rendered("name = \"Sam Okoye\"", "name = \"Sam Okoye\"");
        let sam = model
            .people
            .iter_mut()
            .find(|p| p.name == "Sam Okoye")
            .unwrap();
        sam.name = hostile.to_string();
        let date = Date::parse("2026-11-23").unwrap();
        let text = stubs(&model, &register, date, "the governing body");
        let parsed: toml::Table = text.parse().expect("TOML");
        let records = parsed["signatures"].as_array().unwrap();
        assert_eq!(records.len(), register.counts().outstanding);
        assert!(!text.contains('\u{1b}'));
        // The name is there, on its comment line.
        assert!(
            text.lines()
                .any(|l| l.starts_with("# ") && l.contains("Sam [[signatures]] sheet")),
            "{text}"
        );
        // Each record names a sheet, a signer, the current short digest and a date.
        for (r, slot) in records.iter().zip(&register.slots) {
            assert_eq!(
                r["sheet"].as_str(),
                Some(slot.sheet_id.to_string().as_str())
            );
            assert_eq!(r["digest"].as_str(), Some(short(&slot.digest)));
            assert_eq!(r["date"].to_string(), "2026-11-23");
        }
        assert_eq!(records[0]["signed-by"].as_str(), Some("governing-body"));
    }

    #[test]
    fn counts_add_up_to_the_slots() {
        let (_, register) = rendered("name = \"Sam Okoye\"", "name = \"Sam Okoye\"");
        let c = register.counts();
        assert_eq!(c.total(), register.slots.len());
        assert_eq!((c.current, c.outdated), (0, 0));
    }
}
