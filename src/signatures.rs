//! Recorded signatures against the sheets of a bundle: the signature register.
//!
//! Runs inside rendering, once the signature sheets exist: each sheet binds a
//! document's content digest ([`crate::render::Binding`]), and each party to a
//! sheet is matched with the `[[signatures]]` records of the model. [`register`]
//! is the entry point; it gives every party's status (signed for the current
//! content, signed for an older version, outstanding), which the register
//! document shows and [`diagnostics`] turns into warnings RC074 and RC075.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::digest::short;
use crate::model::{Model, PersonIdx, Sheet};
use crate::render::Document;
use crate::render::context::Views;
use crate::rules;

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
    /// How the register words it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Signed => "signed",
            Status::Outdated => "signed for an older version",
            Status::Outstanding => "outstanding",
        }
    }
}

/// One signature a sheet asks for.
#[derive(Debug, Clone)]
pub struct Slot {
    /// The sheet's id, as `[[signatures]] sheet` names it.
    pub sheet_id: String,
    /// Bundle path of the sheet.
    pub sheet_path: String,
    /// Bundle path of the document the sheet binds.
    pub document: String,
    /// The document's current content digest.
    pub digest: String,
    /// In what capacity the party signs.
    pub party: &'static str,
    /// Who is expected to sign (the printed name).
    pub person: PersonIdx,
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

/// Matches the model's signatures with the sheets among `docs`.
pub fn register(model: &Model, docs: &[Document]) -> Register {
    let views = Views::new(model);
    // Records by sheet id, so that a slot looks only at its own sheet's records.
    let mut by_sheet: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in model.signatures.iter().enumerate() {
        by_sheet.entry(s.sheet_id.as_str()).or_default().push(i);
    }
    let mut slots = Vec::new();
    for doc in docs {
        let Some(b) = &doc.binds else { continue };
        let mut push = |sheet_id: String, party: &'static str, person: PersonIdx| {
            let records = by_sheet
                .get(sheet_id.as_str())
                .map_or(&[][..], Vec::as_slice);
            let (status, record) = status(model, records, party, person, &b.digest);
            slots.push(Slot {
                sheet_id,
                sheet_path: doc.path.clone(),
                document: b.document.clone(),
                digest: b.digest.clone(),
                party,
                person,
                status,
                record,
            });
        };
        match b.sheet.split('/').collect::<Vec<_>>().as_slice() {
            ["role", r, p] => {
                let (Some(role), Some(person)) = (
                    model.roles.iter().position(|x| x.id == *r),
                    model.people.iter().position(|x| x.id == *p),
                ) else {
                    continue;
                };
                if model.roles[role].all_staff {
                    continue;
                }
                if let Some((assigner, _)) = views.assigner(person) {
                    push(b.sheet.clone(), ASSIGNER, assigner);
                }
                push(b.sheet.clone(), APPOINTEE, person);
            }
            ["policy-approval"] => {
                for &p in &model.roles[model.policy.approver].holders {
                    if model.people[p].active {
                        push(b.sheet.clone(), APPROVER, p);
                    }
                }
            }
            ["all-staff"] => {
                for (p, person) in model.active_people() {
                    push(format!("all-staff/{}", person.id), STAFF, p);
                }
            }
            _ => {}
        }
    }
    let used: std::collections::BTreeSet<usize> = slots.iter().filter_map(|s| s.record).collect();
    let earlier = (0..model.signatures.len())
        .filter(|i| !used.contains(i))
        .collect();
    Register { slots, earlier }
}

const ASSIGNER: &str = "top management (assigns)";
const APPOINTEE: &str = "appointee (accepts)";
const APPROVER: &str = "approver";
const STAFF: &str = "staff member";

/// Whether record `i`, a record of the slot's sheet, is a signature for the slot.
fn matches(model: &Model, i: usize, party: &str, person: PersonIdx) -> bool {
    let s = &model.signatures[i];
    match &s.sheet {
        // Any member of top management may sign the assignment for it; the
        // printed name is a suggestion.
        Sheet::Assignment {
            person: appointee, ..
        } => {
            (party == APPOINTEE) == (s.signer == *appointee)
                && (party == ASSIGNER || s.signer == person)
        }
        Sheet::PolicyApproval | Sheet::AllStaff { .. } => s.signer == person,
    }
}

/// The status of one slot, and the record deciding it: the latest signature for
/// the current content, else the latest for an older one.
/// `records` are the indices of the records of this slot's sheet.
fn status(
    model: &Model,
    records: &[usize],
    party: &'static str,
    person: PersonIdx,
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

/// Warnings for outdated signatures (RC074, at the record) and, once the model
/// records any signature, outstanding ones (RC075, one per sheet).
pub fn diagnostics(model: &Model, register: &Register) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let name = |p: PersonIdx| format!("{} (`{}`)", model.people[p].name, model.people[p].id);
    for slot in register
        .slots
        .iter()
        .filter(|s| s.status == Status::Outdated)
    {
        let Some(i) = slot.record else { continue };
        let s = &model.signatures[i];
        out.push(
            Diagnostic::new(
                &rules::SIGNATURE_OUTDATED,
                format!(
                    "`{}` was signed by {} on {} for digest {}, but {} now has digest {}",
                    slot.sheet_id,
                    name(s.signer),
                    s.date,
                    s.digest,
                    slot.document,
                    short(&slot.digest)
                ),
            )
            .at(s.location.clone())
            .hint(format!(
                "print {} from a new bundle, have it signed and record the signature with digest {}",
                slot.sheet_path,
                short(&slot.digest)
            )),
        );
    }
    // Where the next record goes: after the last one.
    let last = model.signatures.last().and_then(|s| s.location.clone());
    if !model.signatures.is_empty() {
        let mut sheets: Vec<&str> = Vec::new();
        for s in &register.slots {
            if !sheets.contains(&s.sheet_path.as_str()) {
                sheets.push(&s.sheet_path);
            }
        }
        for path in sheets {
            let missing: Vec<&Slot> = register
                .slots
                .iter()
                .filter(|s| s.sheet_path == path && s.status == Status::Outstanding)
                .collect();
            let total = register
                .slots
                .iter()
                .filter(|s| s.sheet_path == path)
                .count();
            if missing.is_empty() {
                continue;
            }
            let mut who: Vec<String> = missing
                .iter()
                .take(5)
                .map(|s| format!("{} ({})", model.people[s.person].name, s.party))
                .collect();
            if missing.len() > 5 {
                who.push(format!("and {} more", missing.len() - 5));
            }
            out.push(
                Diagnostic::new(
                    &rules::SIGNATURE_OUTSTANDING,
                    format!(
                        "{path}: {} of {total} signatures outstanding: {}",
                        missing.len(),
                        who.join(", ")
                    ),
                )
                .at(last.clone())
                .hint(
                    "have the sheet signed, then record each signature under `[[signatures]]`"
                        .to_string(),
                ),
            );
        }
    }
    out.retain(|d| !model.allow.contains(d.rule.code));
    out
}
