//! Recorded signatures against the sheets of a bundle: the signature register.
//!
//! Called by the render stage once the signature sheets exist: each sheet binds a
//! document's content digest ([`Binding`]), and each party to a sheet is matched
//! with the `[[signatures]]` records of the model. [`register`] is the entry
//! point; it gives every party's status (signed for the current content, signed
//! for an older version, outstanding), which the register document shows and
//! [`diagnostics`] turns into warnings RC074 and RC075. It knows nothing of
//! templates or documents beyond their paths.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::digest::short;
use crate::model::sheet::SheetId;
use crate::model::{Model, PersonIdx, Sheet};
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
    /// Top management, assigning a role.
    Assigner,
    /// The appointee, accepting a role.
    Appointee,
    /// A holder of the policy's approver role.
    Approver,
    /// A member of staff acknowledging the policy.
    Staff,
}

impl Party {
    /// How `check` names the party (the documents name it in the model's language).
    pub fn describe(self) -> &'static str {
        match self {
            Party::Assigner => "top management (assigns)",
            Party::Appointee => "appointee (accepts)",
            Party::Approver => "approver",
            Party::Staff => "staff member",
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

/// Matches the model's signatures with the `sheets`: each sheet's bundle path
/// and what it binds, in the order the bundle lists them.
pub fn register(model: &Model, sheets: &[(&str, &Binding)]) -> Register {
    let assigning = model.assigning_roles();
    // Records by sheet id, so that a slot looks only at its own sheet's records.
    let mut by_sheet: BTreeMap<&SheetId, Vec<usize>> = BTreeMap::new();
    for (i, s) in model.signatures.iter().enumerate() {
        by_sheet.entry(&s.sheet_id).or_default().push(i);
    }
    let mut slots = Vec::new();
    for &(path, b) in sheets {
        let mut push = |sheet_id: SheetId, party: Party, person: PersonIdx| {
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
                let (Some(role), Some(person)) = (
                    model.roles.iter().position(|x| x.id == *r),
                    model.people.iter().position(|x| x.id == *p),
                ) else {
                    continue;
                };
                if model.roles[role].all_staff {
                    continue;
                }
                if let Some((assigner, _)) = model.assigner(&assigning, person) {
                    push(b.sheet.clone(), Party::Assigner, assigner);
                }
                push(b.sheet.clone(), Party::Appointee, person);
            }
            SheetId::PolicyApproval => {
                for &p in &model.roles[model.policy.approver].holders {
                    if model.people[p].active {
                        push(b.sheet.clone(), Party::Approver, p);
                    }
                }
            }
            SheetId::AllStaff => {
                // People of external parties acknowledge by party, not on this sheet.
                for (p, person) in model.active_staff() {
                    let line = SheetId::AllStaffLine {
                        person: person.id.clone(),
                    };
                    push(line, Party::Staff, p);
                }
            }
            SheetId::AllStaffLine { .. } => {}
        }
    }
    let used: std::collections::BTreeSet<usize> = slots.iter().filter_map(|s| s.record).collect();
    let earlier = (0..model.signatures.len())
        .filter(|i| !used.contains(i))
        .collect();
    Register { slots, earlier }
}

/// Whether record `i`, a record of the slot's sheet, is a signature for the slot.
fn matches(model: &Model, i: usize, party: Party, person: PersonIdx) -> bool {
    let s = &model.signatures[i];
    match &s.sheet {
        // Any member of top management may sign the assignment for it; the
        // printed name is a suggestion.
        Sheet::Assignment {
            person: appointee, ..
        } => {
            (party == Party::Appointee) == (s.signer == *appointee)
                && (party == Party::Assigner || s.signer == person)
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
    party: Party,
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
                .map(|s| format!("{} ({})", model.people[s.person].name, s.party.describe()))
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
