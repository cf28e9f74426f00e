//! The change report: what changed between two models (issue 4).
//!
//! Beside the pipeline: `build --previous` and `diff` load two sides (a model,
//! or the model copy inside a bundle: [`load`]), and [`compute`], the one
//! entry point, compares them into a [`ChangeSet`] of resolved names in a fixed
//! order. `render::changes` prints it through the `changes.md` template;
//! `diff --format json` prints it as JSON (the shape is documented in
//! docs/templates.md).
//!
//! Items are matched by id. An old and a new item with different ids are the
//! same item when they have exactly the same name and no other unmatched item
//! on either side has that name: the report says the id changed. Everything else
//! is an addition or a removal.

pub mod load;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::bundle::manifest::SignatureEntry as Slot;
use crate::model::{Model, PersonIdx, Role, RoleIdx, Signer};
use crate::render::documents;

/// The bundle path of the row `id` of the table of documents.
fn spec(id: &str) -> &'static str {
    documents::spec(id).path
}

/// Version of the JSON shape; it changes when the shape does.
pub const FORMAT_VERSION: u32 = 1;

/// Document digests of one side: the SHA-256 of each document a sheet binds,
/// by bundle-relative path (`roles/<role-id>.md`, `policy.md`, `policy-for-staff.md`).
pub type Digests = BTreeMap<String, String>;

/// Where one side of the comparison comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SideKind {
    /// The model copy inside an evidence bundle.
    Bundle,
    /// A model file or directory.
    Model,
}

/// What the report says about one side.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SideInfo {
    /// How the report names the side: a bundle's name, or the path as given.
    pub label: String,
    /// A bundle or a model.
    pub kind: SideKind,
    /// A bundle's date (`YYYY-MM-DD`); `None` for a model.
    pub bundle_date: Option<String>,
    /// The date the model was validated as of (`YYYY-MM-DD`).
    pub date: String,
    /// The model digest (SHA-256 of the model copy's `SHA256SUMS` lines).
    pub model_digest: String,
}

/// One side of the comparison.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The validated model.
    pub model: &'a Model,
    /// Where it comes from.
    pub info: &'a SideInfo,
    /// Its documents' digests.
    pub digests: &'a Digests,
    /// Every signature its sheets ask for, as its register lists them (empty for
    /// a bundle of a rolecall that did not list them in its manifest).
    pub signatures: &'a [Slot],
}

/// A role, person or activity, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ref {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A value that changed. `old` or `new` is `None` where the model leaves it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The model key (`version`, `reports-to`, ...).
    pub field: String,
    /// The value before.
    pub old: Option<String>,
    /// The value after.
    pub new: Option<String>,
    /// A long Markdown text (`purpose`, `scope`, a section body): reports say
    /// that it changed rather than printing it.
    pub text: bool,
}

/// A list whose entries changed, compared as sets of entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListChange {
    /// The model key (`responsibilities`, `authorities`, ...).
    pub field: String,
    /// Entries that are new, in the new order.
    pub added: Vec<String>,
    /// Entries that are gone, in the old order.
    pub removed: Vec<String>,
    /// The same entries in another order (only when nothing was added or removed).
    pub reordered: bool,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ChangeSet {
    /// Always `rolecall-changes`.
    pub format: &'static str,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The side compared against.
    pub old: SideInfo,
    /// The side compared.
    pub new: SideInfo,
    /// Anything at all is reported below.
    pub changed: bool,
    /// The model changed (everything but `sign-again`, which can also come from
    /// other templates or another rolecall version).
    pub model_changed: bool,
    /// `[organisation]` values.
    pub organisation: Vec<FieldChange>,
    /// `[policy]`.
    pub policy: PolicyChanges,
    /// `[[roles]]`.
    pub roles: RoleChanges,
    /// `[[people]]`.
    pub people: PeopleChanges,
    /// `[[activities]]`, apart from their RACI letters.
    pub activities: ActivityChanges,
    /// RACI cells whose letters changed, in activities present on both sides.
    pub raci: Vec<CellChange>,
    /// `[[signatures]]` records added and removed.
    pub signatures: SignatureChanges,
    /// Documents whose signatures no longer cover their text.
    pub sign_again: SignAgain,
    /// The tables of model v2; left out when neither model uses them, so that the
    /// report of two v1 models stays what it was.
    #[serde(skip_serializing_if = "V2Changes::is_empty")]
    pub v2: V2Changes,
}

/// Changes of the model v2 tables, and the exceptions the new model accepts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct V2Changes {
    /// One entry per table whose entries changed: `parties`, `competences`,
    /// `controls`, `exceptions`.
    pub tables: Vec<TableChange>,
    /// The accepted exceptions of the new model (all of them, changed or not:
    /// an auditor reads the report with them).
    pub exceptions: Vec<ExceptionEntry>,
}

impl V2Changes {
    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.exceptions.is_empty()
    }
}

/// The entries of one model v2 table that were added, removed or changed, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableChange {
    /// The table: `parties`, `competences`, `controls`, `exceptions`.
    pub table: String,
    /// Ids of new entries, in the new order.
    pub added: Vec<String>,
    /// Ids of entries that are gone, in the old order.
    pub removed: Vec<String>,
    /// Ids of entries on both sides whose values differ, in the new order.
    pub changed: Vec<String>,
}

/// One accepted exception of the new model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExceptionEntry {
    /// Its id.
    pub id: String,
    /// The internal auditor.
    pub person: Ref,
    /// The clause 5.3 a) or b) role they also hold, or `None`.
    pub role: Option<Ref>,
    /// The control-implementing activity they are also R or A for, or `None`.
    pub activity: Option<Ref>,
    /// What compensates.
    pub compensating_control: String,
    /// The approving top-management role.
    pub approved_by: Ref,
    /// When it is reviewed again, `YYYY-MM-DD`.
    pub review_by: String,
}

/// Changes of the recorded signatures (`[[signatures]]`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignatureChanges {
    /// Records that are new, in model order.
    pub added: Vec<SignatureEntry>,
    /// Records that are gone or were rewritten, in the old model order.
    pub removed: Vec<SignatureEntry>,
}

/// One recorded signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureEntry {
    /// The sheet's id (`role/<role>/<person>`, `policy-approval`, `all-staff/<person>`).
    pub sheet: String,
    /// Who signed.
    pub signer: Ref,
    /// When, `YYYY-MM-DD`.
    pub date: String,
    /// The digest written down.
    pub digest: String,
}

/// Changes of `[policy]`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PolicyChanges {
    /// `version` and `effective` first, then the other document-control values.
    pub fields: Vec<FieldChange>,
    /// Titles of new `[[policy.sections]]`.
    pub sections_added: Vec<String>,
    /// Titles of removed sections.
    pub sections_removed: Vec<String>,
    /// Titles of sections whose text changed.
    pub sections_changed: Vec<String>,
    /// New `[[policy.history]]` rows.
    pub history_added: Vec<HistoryRow>,
    /// History rows that are gone or were rewritten.
    pub history_removed: Vec<HistoryRow>,
}

/// A version history row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryRow {
    /// Version.
    pub version: String,
    /// Date, `YYYY-MM-DD`.
    pub date: String,
    /// Author.
    pub author: Ref,
    /// What changed, in the organisation's words.
    pub summary: String,
}

/// Changes of `[[roles]]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RoleChanges {
    /// New roles, in model order.
    pub added: Vec<RoleEntry>,
    /// Removed roles, in the old model order.
    pub removed: Vec<RoleEntry>,
    /// Roles on both sides that changed, in model order.
    pub changed: Vec<RoleChange>,
}

/// A role added or removed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RoleEntry {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Held by every active person.
    pub all_staff: bool,
    /// Holders (empty for all-staff roles).
    pub holders: Vec<Ref>,
}

/// A role present on both sides, and what changed about it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RoleChange {
    /// Id (the new one).
    pub id: String,
    /// Name (the new one).
    pub name: String,
    /// The old id, when the id changed (same name).
    pub id_changed_from: Option<String>,
    /// The old name, when the role was renamed (same id).
    pub renamed_from: Option<String>,
    /// Changed values: `version`, `short-name`, `top-management`,
    /// `isms-conformity`, `isms-reporting`, `all-staff`, `reports-to`,
    /// `assigned`, `purpose`.
    pub fields: Vec<FieldChange>,
    /// New holders (not compared for all-staff roles).
    pub holders_added: Vec<Ref>,
    /// Holders no longer holding the role.
    pub holders_removed: Vec<Ref>,
    /// New deputies.
    pub deputies_added: Vec<Ref>,
    /// Deputies no longer deputising.
    pub deputies_removed: Vec<Ref>,
    /// Changed lists: `responsibilities`, `authorities`, `owns`, `competence`,
    /// `refs`, `conflicts`.
    pub lists: Vec<ListChange>,
}

/// Changes of `[[people]]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeopleChanges {
    /// People new to the model, in model order.
    pub joined: Vec<PersonEntry>,
    /// People who left: a `left` date now set, or removed from the model.
    pub left: Vec<Leaver>,
    /// People on both sides whose details changed.
    pub changed: Vec<PersonChange>,
}

/// A person new to the model.
#[derive(Debug, Clone, Serialize)]
pub struct PersonEntry {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Job title.
    pub title: String,
    /// Last working day, if the model already gives one.
    pub left: Option<String>,
}

/// A person who left.
#[derive(Debug, Clone, Serialize)]
pub struct Leaver {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Job title.
    pub title: String,
    /// Last working day, when the model gives it.
    pub left: Option<String>,
    /// No longer in the model at all.
    pub removed: bool,
}

/// A person on both sides whose details changed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PersonChange {
    /// Id (the new one).
    pub id: String,
    /// Name (the new one).
    pub name: String,
    /// The old id, when the id changed (same name).
    pub id_changed_from: Option<String>,
    /// Changed values: `name`, `title`, `email`, `department`, `left` (a left
    /// date changed or removed; a new one makes the person a leaver).
    pub fields: Vec<FieldChange>,
}

/// Changes of `[[activities]]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ActivityChanges {
    /// New activities, in model order.
    pub added: Vec<Ref>,
    /// Removed activities, in the old model order.
    pub removed: Vec<Ref>,
    /// Activities on both sides that changed (apart from RACI letters).
    pub changed: Vec<ActivityChange>,
}

/// An activity on both sides, and what changed about it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ActivityChange {
    /// Id (the new one).
    pub id: String,
    /// Name (the new one).
    pub name: String,
    /// The old id, when the id changed (same name).
    pub id_changed_from: Option<String>,
    /// The old name, when the activity was renamed (same id).
    pub renamed_from: Option<String>,
    /// Changed values: `group`.
    pub fields: Vec<FieldChange>,
    /// Changed lists: `refs`, `segregate-from`.
    pub lists: Vec<ListChange>,
}

/// One RACI cell whose letters changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellChange {
    /// The activity (new id and name).
    pub activity: Ref,
    /// The role (new id and name; the old ones for a removed role).
    pub role: Ref,
    /// Letters before (`R`, `A`, `A/R`, `C`, `I`, or empty).
    pub old: String,
    /// Letters after.
    pub new: String,
}

/// Documents to be signed again: those whose digest changed, so that the
/// signatures on the previous sheets do not cover their current text.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignAgain {
    /// Role descriptions whose digest changed (or that are new), with the
    /// assignment sheets that need a signature, in model order.
    pub roles: Vec<RoleSheets>,
    /// `policy.md`, when its digest changed: the policy approval needs signing again.
    pub policy: Option<DocumentDigest>,
    /// What all staff are asked to read (`policy-for-staff.md`), when its digest
    /// changed: every member of staff acknowledges it again.
    pub staff: Option<DocumentDigest>,
    /// The board resolution (`role-assignments.md`), when its digest changed.
    pub resolution: Option<DocumentDigest>,
    /// Every signature the sheets binding these documents ask for, every party
    /// of every sheet, with its status, in the order of the new side's register.
    pub signatures: Vec<Collect>,
}

/// One signature to collect again (or for the first time).
#[derive(Debug, Clone, Serialize)]
pub struct Collect {
    /// The sheet id the signature is recorded under.
    pub sheet: String,
    /// Bundle-relative path of the sheet.
    pub file: String,
    /// In what capacity: `assigner`, `governing-body`, `appointee`, `approver`,
    /// `staff` or `resolution`.
    pub party: String,
    /// Who signs (`governing-body` for the governing body).
    pub signer: Ref,
    /// Where it stands in the new side's register: `signed` (already signed for
    /// the new text), `outdated` or `outstanding`.
    pub status: String,
    /// The sheet is new for an appointee who did not hold the role before.
    pub first: bool,
}

/// A document whose digest changed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DocumentDigest {
    /// Bundle-relative path of the document.
    pub document: String,
    /// SHA-256 before (`None` when the document is new).
    pub old_digest: Option<String>,
    /// SHA-256 now.
    pub new_digest: String,
    /// Version before.
    pub old_version: Option<String>,
    /// Version now.
    pub new_version: String,
    /// The text changed but the version did not (document control, 7.5, asks
    /// for a new version).
    pub version_unchanged: bool,
}

/// A role description to be signed again, and by whom.
#[derive(Debug, Clone, Serialize)]
pub struct RoleSheets {
    /// The role.
    pub role: Ref,
    /// Its description's digests and versions.
    pub description: DocumentDigest,
    /// The assignment sheets to sign: one per holder (none for a vacant role).
    pub sheets: Vec<Sheet>,
}

/// One role assignment sheet to sign.
#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    /// The appointee.
    pub person: Ref,
    /// The sheet's id, as `[[signatures]] sheet` names it.
    pub sheet: String,
    /// Bundle-relative path of the sheet.
    pub file: String,
    /// The person did not hold the role before: a first signature, not a renewal.
    pub first: bool,
}

/// Which old item each new item continues, and the other way round.
#[derive(Debug, Clone)]
struct Pairing {
    new_old: Vec<Option<usize>>,
    old_new: Vec<Option<usize>>,
}

impl Pairing {
    /// Pairs by id, then by exactly equal name where that name is unique among
    /// the unpaired items of both sides.
    fn new(old: &[(&str, &str)], new: &[(&str, &str)]) -> Pairing {
        let mut p = Pairing {
            new_old: vec![None; new.len()],
            old_new: vec![None; old.len()],
        };
        let by_id: BTreeMap<&str, usize> = old
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        for (j, (id, _)) in new.iter().enumerate() {
            if let Some(&i) = by_id.get(id) {
                p.new_old[j] = Some(i);
                p.old_new[i] = Some(j);
            }
        }
        let unpaired = |items: &[(&str, &str)], paired: &[Option<usize>]| {
            let mut names: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (i, (_, name)) in items.iter().enumerate() {
                if paired[i].is_none() {
                    names.entry((*name).to_string()).or_default().push(i);
                }
            }
            names
        };
        let old_names = unpaired(old, &p.old_new);
        let new_names = unpaired(new, &p.new_old);
        for (name, olds) in &old_names {
            if let (&[i], Some(&[j])) = (olds.as_slice(), new_names.get(name).map(Vec::as_slice)) {
                p.new_old[j] = Some(i);
                p.old_new[i] = Some(j);
            }
        }
        p
    }

    /// Whether old item `i` and new item `j` are the same.
    fn same(&self, i: Option<usize>, j: Option<usize>) -> bool {
        match (i, j) {
            (None, None) => true,
            (Some(i), Some(j)) => self.old_new[i] == Some(j),
            _ => false,
        }
    }

    /// Old references that are gone and new references that are new, each in
    /// its side's order.
    fn diff_refs(&self, old: &[usize], new: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let new_set: BTreeSet<usize> = new.iter().copied().collect();
        let old_mapped: BTreeSet<usize> = old.iter().filter_map(|&i| self.old_new[i]).collect();
        let removed = old
            .iter()
            .copied()
            .filter(|&i| self.old_new[i].is_none_or(|j| !new_set.contains(&j)))
            .collect();
        let added = new
            .iter()
            .copied()
            .filter(|j| !old_mapped.contains(j))
            .collect();
        (removed, added)
    }
}

/// Compares two sides: everything that changed from `old` to `new`.
pub fn compute(old: &Side, new: &Side) -> ChangeSet {
    let (om, nm) = (old.model, new.model);
    let people = Pairing::new(
        &pairs(om.people.iter().map(|p| (&p.id, &p.name))),
        &pairs(nm.people.iter().map(|p| (&p.id, &p.name))),
    );
    let roles = Pairing::new(
        &pairs(om.roles.iter().map(|r| (&r.id, &r.name))),
        &pairs(nm.roles.iter().map(|r| (&r.id, &r.name))),
    );
    let activities = Pairing::new(
        &pairs(om.activities.iter().map(|a| (&a.id, &a.name))),
        &pairs(nm.activities.iter().map(|a| (&a.id, &a.name))),
    );
    let cx = Cx {
        om,
        nm,
        people,
        roles,
        activities,
    };
    let organisation = cx.organisation();
    let policy = cx.policy();
    let role_changes = cx.roles();
    let people_changes = cx.people();
    let activity_changes = cx.activities();
    let raci = cx.raci();
    let signatures = cx.signatures();
    let sign_again = cx.sign_again(old.digests, new.digests, new.signatures);
    let v2 = cx.v2();
    let model_changed = !organisation.is_empty()
        || !v2.tables.is_empty()
        || !policy.fields.is_empty()
        || !policy.sections_added.is_empty()
        || !policy.sections_removed.is_empty()
        || !policy.sections_changed.is_empty()
        || !policy.history_added.is_empty()
        || !policy.history_removed.is_empty()
        || !role_changes.added.is_empty()
        || !role_changes.removed.is_empty()
        || !role_changes.changed.is_empty()
        || !people_changes.joined.is_empty()
        || !people_changes.left.is_empty()
        || !people_changes.changed.is_empty()
        || !activity_changes.added.is_empty()
        || !activity_changes.removed.is_empty()
        || !activity_changes.changed.is_empty()
        || !raci.is_empty()
        || !signatures.added.is_empty()
        || !signatures.removed.is_empty();
    let changed = model_changed
        || !sign_again.roles.is_empty()
        || sign_again.policy.is_some()
        || sign_again.staff.is_some()
        || sign_again.resolution.is_some();
    ChangeSet {
        format: "rolecall-changes",
        format_version: FORMAT_VERSION,
        old: old.info.clone(),
        new: new.info.clone(),
        changed,
        model_changed,
        organisation,
        policy,
        roles: role_changes,
        people: people_changes,
        activities: activity_changes,
        raci,
        signatures,
        sign_again,
        v2,
    }
}

/// `(id, name)` pairs, for [`Pairing::new`].
fn pairs<'a>(items: impl Iterator<Item = (&'a String, &'a String)>) -> Vec<(&'a str, &'a str)> {
    items
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect()
}

/// Both models and how their items pair up.
struct Cx<'a> {
    om: &'a Model,
    nm: &'a Model,
    people: Pairing,
    roles: Pairing,
    activities: Pairing,
}

impl Cx<'_> {
    /// The model v2 tables compared entry by entry (by id, each entry as the JSON
    /// export writes it), and the new model's accepted exceptions.
    fn v2(&self) -> V2Changes {
        let (old, new) = (
            serde_json::to_value(crate::export::json::export(self.om)).unwrap_or_default(),
            serde_json::to_value(crate::export::json::export(self.nm)).unwrap_or_default(),
        );
        let entries = |doc: &serde_json::Value, table: &str| -> Vec<(String, serde_json::Value)> {
            doc[table]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| (e["id"].as_str().unwrap_or_default().to_string(), e.clone()))
                .collect()
        };
        let mut tables = Vec::new();
        for table in ["parties", "competences", "controls", "exceptions"] {
            let (o, n) = (entries(&old, table), entries(&new, table));
            let find = |list: &[(String, serde_json::Value)], id: &str| {
                list.iter().find(|(i, _)| i == id).map(|(_, v)| v.clone())
            };
            let change = TableChange {
                table: table.to_string(),
                added: n
                    .iter()
                    .filter(|(id, _)| find(&o, id).is_none())
                    .map(|(id, _)| id.clone())
                    .collect(),
                removed: o
                    .iter()
                    .filter(|(id, _)| find(&n, id).is_none())
                    .map(|(id, _)| id.clone())
                    .collect(),
                changed: n
                    .iter()
                    .filter(|(id, v)| find(&o, id).is_some_and(|ov| ov != *v))
                    .map(|(id, _)| id.clone())
                    .collect(),
            };
            if !(change.added.is_empty() && change.removed.is_empty() && change.changed.is_empty())
            {
                tables.push(change);
            }
        }
        let nm = self.nm;
        let person = |p: PersonIdx| Ref {
            id: nm.people[p].id.clone(),
            name: nm.people[p].name.clone(),
        };
        let role = |r: RoleIdx| Ref {
            id: nm.roles[r].id.clone(),
            name: nm.roles[r].name.clone(),
        };
        let exceptions = nm
            .exceptions
            .iter()
            .map(|e| ExceptionEntry {
                id: e.id.clone(),
                person: person(e.person),
                role: e.role().map(role),
                activity: e.activity().map(|a| Ref {
                    id: nm.activities[a].id.clone(),
                    name: nm.activities[a].name.clone(),
                }),
                compensating_control: e.compensating_control.clone(),
                approved_by: role(e.approved_by),
                review_by: e.review_by.to_string(),
            })
            .collect();
        V2Changes { tables, exceptions }
    }
}

/// Pushes a [`FieldChange`] when the values differ.
fn field(out: &mut Vec<FieldChange>, name: &str, old: Option<String>, new: Option<String>) {
    if old != new {
        out.push(FieldChange {
            field: name.to_string(),
            old,
            new,
            text: false,
        });
    }
}

/// Pushes a [`FieldChange`] marked `text` when a long Markdown text differs:
/// reports say that it changed, the JSON carries both texts.
fn text_field(out: &mut Vec<FieldChange>, name: &str, old: &str, new: &str) {
    if old != new {
        out.push(FieldChange {
            field: name.to_string(),
            old: Some(old.to_string()),
            new: Some(new.to_string()),
            text: true,
        });
    }
}

/// `yes` or `no`.
fn yes_no(b: bool) -> Option<String> {
    Some(if b { "yes" } else { "no" }.to_string())
}

/// Pushes a [`ListChange`] of plain strings when the lists differ.
fn list(out: &mut Vec<ListChange>, name: &str, old: &[String], new: &[String]) {
    if old == new {
        return;
    }
    let old_set: BTreeSet<&String> = old.iter().collect();
    let new_set: BTreeSet<&String> = new.iter().collect();
    let added: Vec<String> = new
        .iter()
        .filter(|x| !old_set.contains(x))
        .cloned()
        .collect();
    let removed: Vec<String> = old
        .iter()
        .filter(|x| !new_set.contains(x))
        .cloned()
        .collect();
    let reordered = added.is_empty() && removed.is_empty();
    out.push(ListChange {
        field: name.to_string(),
        added,
        removed,
        reordered,
    });
}

/// `Name (id)`, how field values name a role, person or activity.
fn named(name: &str, id: &str) -> String {
    format!("{name} ({id})")
}

impl Cx<'_> {
    fn role_ref(m: &Model, r: RoleIdx) -> Ref {
        Ref {
            id: m.roles[r].id.clone(),
            name: m.roles[r].name.clone(),
        }
    }

    fn person_ref(m: &Model, p: PersonIdx) -> Ref {
        Ref {
            id: m.people[p].id.clone(),
            name: m.people[p].name.clone(),
        }
    }

    fn activity_ref(m: &Model, a: usize) -> Ref {
        Ref {
            id: m.activities[a].id.clone(),
            name: m.activities[a].name.clone(),
        }
    }

    fn role_named(m: &Model, r: RoleIdx) -> String {
        named(&m.roles[r].name, &m.roles[r].id)
    }

    fn organisation(&self) -> Vec<FieldChange> {
        let (o, n) = (&self.om.organisation, &self.nm.organisation);
        let mut out = Vec::new();
        field(&mut out, "name", Some(o.name.clone()), Some(n.name.clone()));
        field(
            &mut out,
            "short-name",
            Some(o.short_name.clone()),
            Some(n.short_name.clone()),
        );
        text_field(&mut out, "scope", &o.scope, &n.scope);
        out
    }

    fn policy(&self) -> PolicyChanges {
        let (om, nm) = (self.om, self.nm);
        let (o, n) = (&om.policy, &nm.policy);
        let mut fields = Vec::new();
        field(
            &mut fields,
            "version",
            Some(o.version.clone()),
            Some(n.version.clone()),
        );
        field(
            &mut fields,
            "effective",
            Some(o.effective.to_string()),
            Some(n.effective.to_string()),
        );
        field(&mut fields, "id", Some(o.id.clone()), Some(n.id.clone()));
        field(
            &mut fields,
            "title",
            Some(o.title.clone()),
            Some(n.title.clone()),
        );
        field(
            &mut fields,
            "classification",
            Some(o.classification.clone()),
            Some(n.classification.clone()),
        );
        for (name, or, nr) in [
            ("owner", o.owner, n.owner),
            ("approver", o.approver, n.approver),
        ] {
            if !self.roles.same(Some(or), Some(nr)) {
                field(
                    &mut fields,
                    name,
                    Some(Self::role_named(om, or)),
                    Some(Self::role_named(nm, nr)),
                );
            }
        }
        field(
            &mut fields,
            "review-months",
            Some(o.review_months.to_string()),
            Some(n.review_months.to_string()),
        );
        field(
            &mut fields,
            "last-review",
            o.last_review.map(|d| d.to_string()),
            n.last_review.map(|d| d.to_string()),
        );

        let old_sections: BTreeMap<&str, &str> = o
            .sections
            .iter()
            .rev()
            .map(|s| (s.title.as_str(), s.body.as_str()))
            .collect();
        let new_sections: BTreeMap<&str, &str> = n
            .sections
            .iter()
            .rev()
            .map(|s| (s.title.as_str(), s.body.as_str()))
            .collect();
        let mut sections_added = Vec::new();
        let mut sections_changed = Vec::new();
        let mut seen = BTreeSet::new();
        for s in &n.sections {
            if !seen.insert(s.title.as_str()) {
                continue;
            }
            match old_sections.get(s.title.as_str()) {
                None => sections_added.push(s.title.clone()),
                Some(body) if *body != new_sections[s.title.as_str()] => {
                    sections_changed.push(s.title.clone())
                }
                Some(_) => {}
            }
        }
        let mut seen = BTreeSet::new();
        let sections_removed = o
            .sections
            .iter()
            .filter(|s| seen.insert(s.title.as_str()))
            .filter(|s| !new_sections.contains_key(s.title.as_str()))
            .map(|s| s.title.clone())
            .collect();

        let row = |m: &Model, h: &crate::model::HistoryEntry| HistoryRow {
            version: h.version.clone(),
            date: h.date.to_string(),
            author: Self::person_ref(m, h.author),
            summary: h.summary.clone(),
        };
        let same_row = |a: &crate::model::HistoryEntry, b: &crate::model::HistoryEntry| {
            a.version == b.version
                && a.date == b.date
                && a.summary == b.summary
                && self.people.same(Some(a.author), Some(b.author))
        };
        let history_added = n
            .history
            .iter()
            .filter(|h| !o.history.iter().any(|x| same_row(x, h)))
            .map(|h| row(nm, h))
            .collect();
        let history_removed = o
            .history
            .iter()
            .filter(|h| !n.history.iter().any(|x| same_row(h, x)))
            .map(|h| row(om, h))
            .collect();
        PolicyChanges {
            fields,
            sections_added,
            sections_removed,
            sections_changed,
            history_added,
            history_removed,
        }
    }

    fn role_entry(m: &Model, r: RoleIdx) -> RoleEntry {
        let role = &m.roles[r];
        RoleEntry {
            id: role.id.clone(),
            name: role.name.clone(),
            all_staff: role.all_staff,
            holders: if role.all_staff {
                Vec::new()
            } else {
                role.holders
                    .iter()
                    .map(|&p| Self::person_ref(m, p))
                    .collect()
            },
        }
    }

    fn roles(&self) -> RoleChanges {
        let (om, nm) = (self.om, self.nm);
        let mut out = RoleChanges::default();
        for (j, role) in nm.roles.iter().enumerate() {
            match self.roles.new_old[j] {
                None => out.added.push(Self::role_entry(nm, j)),
                Some(i) => {
                    if let Some(c) = self.role_change(&om.roles[i], role) {
                        out.changed.push(c);
                    }
                }
            }
        }
        for i in 0..om.roles.len() {
            if self.roles.old_new[i].is_none() {
                out.removed.push(Self::role_entry(om, i));
            }
        }
        out
    }

    fn role_change(&self, o: &Role, n: &Role) -> Option<RoleChange> {
        let (om, nm) = (self.om, self.nm);
        let mut fields = Vec::new();
        field(
            &mut fields,
            "version",
            Some(o.version.clone()),
            Some(n.version.clone()),
        );
        field(
            &mut fields,
            "short-name",
            Some(o.short_name.clone()),
            Some(n.short_name.clone()),
        );
        for (name, a, b) in [
            ("top-management", o.top_management, n.top_management),
            ("isms-conformity", o.isms_conformity, n.isms_conformity),
            ("isms-reporting", o.isms_reporting, n.isms_reporting),
            ("all-staff", o.all_staff, n.all_staff),
        ] {
            field(&mut fields, name, yes_no(a), yes_no(b));
        }
        if !self.roles.same(o.reports_to, n.reports_to) {
            fields.push(FieldChange {
                field: "reports-to".into(),
                old: o.reports_to.map(|r| Self::role_named(om, r)),
                new: n.reports_to.map(|r| Self::role_named(nm, r)),
                text: false,
            });
        }
        field(
            &mut fields,
            "assigned",
            o.assigned.map(|d| d.to_string()),
            n.assigned.map(|d| d.to_string()),
        );
        text_field(&mut fields, "purpose", &o.purpose, &n.purpose);

        let people_refs = |m: &Model, v: Vec<usize>| -> Vec<Ref> {
            v.into_iter().map(|p| Self::person_ref(m, p)).collect()
        };
        // An all-staff role's holders are everyone: joiners and leavers say it.
        let (holders_removed, holders_added) = if o.all_staff || n.all_staff {
            (Vec::new(), Vec::new())
        } else {
            self.people.diff_refs(&o.holders, &n.holders)
        };
        let (deputies_removed, deputies_added) = self.people.diff_refs(&o.deputies, &n.deputies);

        let mut lists = Vec::new();
        list(
            &mut lists,
            "responsibilities",
            &o.responsibilities,
            &n.responsibilities,
        );
        list(&mut lists, "authorities", &o.authorities, &n.authorities);
        list(&mut lists, "owns", &o.owns, &n.owns);
        list(&mut lists, "competence", &o.competence, &n.competence);
        list(&mut lists, "refs", &o.refs, &n.refs);
        let (gone, new) = self.roles.diff_refs(&o.conflicts, &n.conflicts);
        if !gone.is_empty() || !new.is_empty() {
            lists.push(ListChange {
                field: "conflicts".into(),
                added: new.iter().map(|&r| Self::role_named(nm, r)).collect(),
                removed: gone.iter().map(|&r| Self::role_named(om, r)).collect(),
                reordered: false,
            });
        }

        let change = RoleChange {
            id: n.id.clone(),
            name: n.name.clone(),
            id_changed_from: (o.id != n.id).then(|| o.id.clone()),
            renamed_from: (o.name != n.name).then(|| o.name.clone()),
            fields,
            holders_added: people_refs(nm, holders_added),
            holders_removed: people_refs(om, holders_removed),
            deputies_added: people_refs(nm, deputies_added),
            deputies_removed: people_refs(om, deputies_removed),
            lists,
        };
        let unchanged = change.id_changed_from.is_none()
            && change.renamed_from.is_none()
            && change.fields.is_empty()
            && change.holders_added.is_empty()
            && change.holders_removed.is_empty()
            && change.deputies_added.is_empty()
            && change.deputies_removed.is_empty()
            && change.lists.is_empty();
        (!unchanged).then_some(change)
    }

    fn people(&self) -> PeopleChanges {
        let (om, nm) = (self.om, self.nm);
        let date = |d: Option<crate::date::Date>| d.map(|d| d.to_string());
        let mut out = PeopleChanges::default();
        for (j, p) in nm.people.iter().enumerate() {
            let Some(i) = self.people.new_old[j] else {
                out.joined.push(PersonEntry {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    title: p.title.clone(),
                    left: date(p.left),
                });
                continue;
            };
            let o = &om.people[i];
            let mut fields = Vec::new();
            field(
                &mut fields,
                "name",
                Some(o.name.clone()),
                Some(p.name.clone()),
            );
            field(
                &mut fields,
                "title",
                Some(o.title.clone()),
                Some(p.title.clone()),
            );
            field(&mut fields, "email", o.email.clone(), p.email.clone());
            field(
                &mut fields,
                "department",
                o.department.clone(),
                p.department.clone(),
            );
            if o.left.is_none() && p.left.is_some() {
                out.left.push(Leaver {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    title: p.title.clone(),
                    left: date(p.left),
                    removed: false,
                });
            } else {
                field(&mut fields, "left", date(o.left), date(p.left));
            }
            if !fields.is_empty() || o.id != p.id {
                out.changed.push(PersonChange {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    id_changed_from: (o.id != p.id).then(|| o.id.clone()),
                    fields,
                });
            }
        }
        for (i, o) in om.people.iter().enumerate() {
            if self.people.old_new[i].is_none() {
                out.left.push(Leaver {
                    id: o.id.clone(),
                    name: o.name.clone(),
                    title: o.title.clone(),
                    left: date(o.left),
                    removed: true,
                });
            }
        }
        out
    }

    fn activities(&self) -> ActivityChanges {
        let (om, nm) = (self.om, self.nm);
        let mut out = ActivityChanges::default();
        for (j, a) in nm.activities.iter().enumerate() {
            let Some(i) = self.activities.new_old[j] else {
                out.added.push(Self::activity_ref(nm, j));
                continue;
            };
            let o = &om.activities[i];
            let mut fields = Vec::new();
            field(&mut fields, "group", o.group.clone(), a.group.clone());
            let mut lists = Vec::new();
            list(&mut lists, "refs", &o.refs, &a.refs);
            let (gone, new) = self
                .activities
                .diff_refs(&o.segregate_from, &a.segregate_from);
            if !gone.is_empty() || !new.is_empty() {
                let name = |m: &Model, x: usize| named(&m.activities[x].name, &m.activities[x].id);
                lists.push(ListChange {
                    field: "segregate-from".into(),
                    added: new.iter().map(|&x| name(nm, x)).collect(),
                    removed: gone.iter().map(|&x| name(om, x)).collect(),
                    reordered: false,
                });
            }
            if o.id != a.id || o.name != a.name || !fields.is_empty() || !lists.is_empty() {
                out.changed.push(ActivityChange {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    id_changed_from: (o.id != a.id).then(|| o.id.clone()),
                    renamed_from: (o.name != a.name).then(|| o.name.clone()),
                    fields,
                    lists,
                });
            }
        }
        for i in 0..om.activities.len() {
            if self.activities.old_new[i].is_none() {
                out.removed.push(Self::activity_ref(om, i));
            }
        }
        out
    }

    fn raci(&self) -> Vec<CellChange> {
        let (om, nm) = (self.om, self.nm);
        let mut out = Vec::new();
        for (j, a) in nm.activities.iter().enumerate() {
            let Some(i) = self.activities.new_old[j] else {
                continue;
            };
            let o = &om.activities[i];
            let activity = Self::activity_ref(nm, j);
            for r in 0..nm.roles.len() {
                let old = self.roles.new_old[r].map_or("", |or| om.letters(o, or));
                let new = nm.letters(a, r);
                if old != new {
                    out.push(CellChange {
                        activity: activity.clone(),
                        role: Self::role_ref(nm, r),
                        old: old.to_string(),
                        new: new.to_string(),
                    });
                }
            }
            for or in 0..om.roles.len() {
                let old = om.letters(o, or);
                if self.roles.old_new[or].is_none() && !old.is_empty() {
                    out.push(CellChange {
                        activity: activity.clone(),
                        role: Self::role_ref(om, or),
                        old: old.to_string(),
                        new: String::new(),
                    });
                }
            }
        }
        out
    }

    /// Who signed a record: the person, or the governing body.
    fn signer_ref(m: &Model, s: Signer) -> Ref {
        match s {
            Signer::Person(p) => Self::person_ref(m, p),
            Signer::GoverningBody => Ref {
                id: crate::model::GOVERNING_BODY.to_string(),
                name: m.governing_body("governing body").to_string(),
            },
        }
    }

    fn signatures(&self) -> SignatureChanges {
        let (om, nm) = (self.om, self.nm);
        let same = |a: &crate::model::Signature, b: &crate::model::Signature| {
            a.sheet_id == b.sheet_id
                && a.date == b.date
                && a.digest == b.digest
                && match (a.signer, b.signer) {
                    (Signer::Person(x), Signer::Person(y)) => self.people.same(Some(x), Some(y)),
                    (x, y) => x == y,
                }
        };
        let entry = |m: &Model, s: &crate::model::Signature| SignatureEntry {
            sheet: s.sheet_id.to_string(),
            signer: Self::signer_ref(m, s.signer),
            date: s.date.to_string(),
            digest: s.digest.clone(),
        };
        SignatureChanges {
            added: nm
                .signatures
                .iter()
                .filter(|s| !om.signatures.iter().any(|o| same(o, s)))
                .map(|s| entry(nm, s))
                .collect(),
            removed: om
                .signatures
                .iter()
                .filter(|o| !nm.signatures.iter().any(|s| same(o, s)))
                .map(|o| entry(om, o))
                .collect(),
        }
    }

    fn sign_again(&self, old: &Digests, new: &Digests, slots: &[Slot]) -> SignAgain {
        let (om, nm) = (self.om, self.nm);
        let mut out = SignAgain::default();
        for (j, role) in nm.roles.iter().enumerate() {
            if role.all_staff {
                continue; // no assignment sheets: the all-staff acknowledgement covers it
            }
            let document = format!("roles/{}.md", role.id);
            let Some(new_digest) = new.get(&document) else {
                continue;
            };
            let before = self.roles.new_old[j].map(|i| &om.roles[i]);
            let old_digest = before.and_then(|o| old.get(&format!("roles/{}.md", o.id)));
            let changed = old_digest != Some(new_digest);
            let held_before = |p: PersonIdx| {
                before.is_some_and(|o| {
                    !o.all_staff && self.people.new_old[p].is_some_and(|op| o.holders.contains(&op))
                })
            };
            let sheets: Vec<Sheet> = role
                .holders
                .iter()
                .filter(|&&p| changed || !held_before(p))
                .map(|&p| Sheet {
                    person: Self::person_ref(nm, p),
                    sheet: format!("role/{}/{}", role.id, nm.people[p].id),
                    file: format!("signatures/{}--{}.md", role.id, nm.people[p].id),
                    first: !held_before(p),
                })
                .collect();
            if changed || !sheets.is_empty() {
                let old_version = before.map(|o| o.version.clone());
                out.roles.push(RoleSheets {
                    role: Self::role_ref(nm, j),
                    description: DocumentDigest {
                        document,
                        old_digest: old_digest.cloned(),
                        new_digest: new_digest.clone(),
                        version_unchanged: changed
                            && old_digest.is_some()
                            && old_version.as_deref() == Some(role.version.as_str()),
                        old_version,
                        new_version: role.version.clone(),
                    },
                    sheets,
                });
            }
        }
        // The policy, the staff text and the resolution carry the policy's version.
        let site = |document: &str| {
            let new_digest = new.get(document)?;
            let old_digest = old.get(document);
            (old_digest != Some(new_digest)).then(|| DocumentDigest {
                document: document.into(),
                old_digest: old_digest.cloned(),
                new_digest: new_digest.clone(),
                version_unchanged: old_digest.is_some() && om.policy.version == nm.policy.version,
                old_version: Some(om.policy.version.clone()),
                new_version: nm.policy.version.clone(),
            })
        };
        out.policy = site(spec(documents::POLICY));
        out.staff = site(spec(documents::STAFF));
        out.resolution = site(spec(documents::RESOLUTION));
        // Every party of every sheet whose document changed, and of the sheets
        // of new appointees, as the new register has them.
        let first: BTreeMap<&str, bool> = out
            .roles
            .iter()
            .flat_map(|r| r.sheets.iter().map(|s| (s.file.as_str(), s.first)))
            .collect();
        out.signatures = slots
            .iter()
            .filter(|s| {
                old.get(&s.document) != Some(&s.digest) || first.contains_key(s.path.as_str())
            })
            .map(|s| Collect {
                sheet: s.sheet.clone(),
                file: s.path.clone(),
                party: s.party.clone(),
                signer: Ref {
                    id: s.signer.clone(),
                    name: s.name.clone(),
                },
                status: s.status.clone(),
                first: s.party == "appointee" && first.get(s.path.as_str()) == Some(&true),
            })
            .collect();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::render::{self, Templates};

    /// A model v1: the starter as it was before model v2 (the v2 one has an
    /// exception and evidence that these tests' edits would invalidate).
    const MINIMAL: &str = include_str!("../tests/fixtures/valid/model-v1/model.toml");

    /// A model loaded from `text`, with its digests, as of 2026-02-01.
    struct Built {
        model: Model,
        info: SideInfo,
        digests: Digests,
        signatures: Vec<Slot>,
    }

    fn build(text: &str) -> Built {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("model.toml"), text).unwrap();
        let checked = crate::model::check(dir.path(), Date::parse("2026-02-01").unwrap());
        let model = checked.model.unwrap_or_else(|| {
            panic!(
                "{}",
                crate::diag::render_human(&checked.diagnostics, &checked.sources, "model")
            )
        });
        let templates = Templates::load(None, "en").unwrap();
        let rendered = render::render(&model, &templates).unwrap();
        let digests = load::document_digests(&rendered.documents);
        let signatures =
            crate::signatures::entries(&model, &rendered.register, "the governing body");
        Built {
            signatures,
            model,
            info: SideInfo {
                label: "model".into(),
                kind: SideKind::Model,
                bundle_date: None,
                date: "2026-02-01".into(),
                model_digest: "0".repeat(64),
            },
            digests,
        }
    }

    fn side(b: &Built) -> Side<'_> {
        Side {
            model: &b.model,
            info: &b.info,
            digests: &b.digests,
            signatures: &b.signatures,
        }
    }

    /// The change set from the minimal example to `edit` applied to it.
    fn changes(edit: impl Fn(&str) -> String) -> ChangeSet {
        let old = build(MINIMAL);
        let new = build(&edit(MINIMAL));
        compute(&side(&old), &side(&new))
    }

    /// `text` with `from` replaced (once, and it must be there) by `to`.
    fn replace(text: &str, from: &str, to: &str) -> String {
        assert!(text.contains(from), "{from:?} not in the model");
        text.replacen(from, to, 1)
    }

    fn r(id: &str, name: &str) -> Ref {
        Ref {
            id: id.into(),
            name: name.into(),
        }
    }

    /// Role ids of the role descriptions to sign again.
    fn resign(c: &ChangeSet) -> Vec<&str> {
        c.sign_again
            .roles
            .iter()
            .map(|s| s.role.id.as_str())
            .collect()
    }

    #[test]
    fn the_same_model_has_no_changes() {
        let c = changes(str::to_string);
        assert!(!c.changed && !c.model_changed);
        assert!(c.roles.changed.is_empty() && c.raci.is_empty());
        assert!(c.sign_again.roles.is_empty() && c.sign_again.policy.is_none());
    }

    #[test]
    fn a_holder_and_a_raci_cell() {
        let c = changes(|m| {
            let m = replace(m, "holders = [\"ruth\"]", "holders = [\"jo\"]");
            replace(
                &m,
                "consulted = [\"internal-auditor\"]\ninformed = [\"all-staff\"]",
                "informed = [\"all-staff\", \"internal-auditor\"]",
            )
        });
        assert!(c.changed && c.model_changed);
        assert_eq!(c.roles.changed.len(), 1);
        let auditor = &c.roles.changed[0];
        assert_eq!(auditor.id, "internal-auditor");
        assert_eq!(auditor.holders_added, [r("jo", "Jo Patel")]);
        assert_eq!(auditor.holders_removed, [r("ruth", "Ruth Lindgren")]);
        assert!(auditor.fields.is_empty() && auditor.lists.is_empty());
        assert_eq!(
            c.raci,
            [CellChange {
                activity: r("management-review", "Hold the management review"),
                role: r("internal-auditor", "Internal Auditor"),
                old: "C".into(),
                new: "I".into(),
            }]
        );
        assert!(c.people.joined.is_empty() && c.people.left.is_empty());
        assert!(c.policy.fields.is_empty() && c.organisation.is_empty());
        assert!(c.activities.changed.is_empty());
        // The auditor's description names its holder and its letters.
        assert_eq!(resign(&c), ["internal-auditor"]);
        let sheets = &c.sign_again.roles[0].sheets;
        assert_eq!(sheets.len(), 1);
        assert_eq!(sheets[0].person, r("jo", "Jo Patel"));
        assert!(sheets[0].first);
        assert_eq!(sheets[0].sheet, "role/internal-auditor/jo");
        assert!(c.sign_again.roles[0].description.version_unchanged);
        // The policy lists every role's holders.
        assert!(c.sign_again.policy.is_some());
    }

    #[test]
    fn a_renamed_role_is_one_change_and_references_to_it_are_not() {
        let c = changes(|m| {
            replace(
                m,
                "name = \"Managing Director\"",
                "name = \"Chief Executive\"",
            )
        });
        assert!(c.roles.added.is_empty() && c.roles.removed.is_empty());
        let ids: Vec<&str> = c.roles.changed.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["ceo"]);
        assert_eq!(
            c.roles.changed[0].renamed_from.as_deref(),
            Some("Managing Director")
        );
        assert!(c.raci.is_empty());
        // The roles reporting to it name it in their descriptions.
        assert_eq!(resign(&c), ["ceo", "isms-manager", "internal-auditor"]);
    }

    #[test]
    fn a_changed_id_with_the_same_name_is_the_same_role() {
        let c = changes(|m| m.replace("\"internal-auditor\"", "\"auditor\""));
        assert!(c.roles.added.is_empty() && c.roles.removed.is_empty());
        assert_eq!(c.roles.changed.len(), 1);
        let x = &c.roles.changed[0];
        assert_eq!(
            (x.id.as_str(), x.id_changed_from.as_deref()),
            ("auditor", Some("internal-auditor"))
        );
        assert!(x.holders_added.is_empty() && x.fields.is_empty() && x.lists.is_empty());
        assert!(c.raci.is_empty(), "{:?}", c.raci);
        // A new id is a new document and new sheets: sign again, not first.
        assert_eq!(resign(&c), ["auditor"]);
        assert!(!c.sign_again.roles[0].sheets[0].first);
    }

    #[test]
    fn roles_added_and_removed_with_their_cells() {
        let c = changes(|m| {
            let m = replace(
                m,
                "[[activities]]\nid = \"risk-assessment\"",
                "[[roles]]\nid = \"dpo\"\nname = \"Data Protection Officer\"\nholders = [\"jo\"]\nreports-to = \"ceo\"\nauthorities = [\"Stop processing\"]\n\n[[activities]]\nid = \"risk-assessment\"",
            );
            replace(
                &m,
                "accountable = \"isms-manager\"",
                "accountable = \"isms-manager\"\nconsulted = [\"dpo\"]",
            )
        });
        assert_eq!(c.roles.added.len(), 1);
        assert_eq!(c.roles.added[0].id, "dpo");
        assert_eq!(c.roles.added[0].holders, [r("jo", "Jo Patel")]);
        assert!(c.roles.removed.is_empty());
        assert_eq!(c.raci.len(), 1);
        assert_eq!(c.raci[0].role.id, "dpo");
        assert_eq!((c.raci[0].old.as_str(), c.raci[0].new.as_str()), ("", "C"));
        let dpo = c
            .sign_again
            .roles
            .iter()
            .find(|s| s.role.id == "dpo")
            .unwrap();
        assert!(dpo.description.old_digest.is_none() && dpo.sheets[0].first);

        // The other way round: a removed role, and its cells emptied.
        let old = build(&{
            let m = replace(
                MINIMAL,
                "[[activities]]\nid = \"risk-assessment\"",
                "[[roles]]\nid = \"dpo\"\nname = \"Data Protection Officer\"\nholders = [\"jo\"]\nreports-to = \"ceo\"\nauthorities = [\"Stop processing\"]\n\n[[activities]]\nid = \"risk-assessment\"",
            );
            replace(
                &m,
                "accountable = \"isms-manager\"",
                "accountable = \"isms-manager\"\nconsulted = [\"dpo\"]",
            )
        });
        let new = build(MINIMAL);
        let c = compute(&side(&old), &side(&new));
        assert_eq!(c.roles.removed.len(), 1);
        assert_eq!(c.roles.removed[0].id, "dpo");
        assert_eq!(c.raci.len(), 1);
        assert_eq!((c.raci[0].old.as_str(), c.raci[0].new.as_str()), ("C", ""));
    }

    #[test]
    fn leavers_joiners_and_changed_details() {
        let c = changes(|m| {
            let m = replace(
                m,
                "department = \"Development\"",
                "department = \"Development\"\nleft = 2026-01-31",
            );
            let m = replace(&m, "title = \"Managing Director\"", "title = \"CEO\"");
            replace(
                &m,
                "[[roles]]",
                "[[people]]\nid = \"kim\"\nname = \"Kim Lee\"\ntitle = \"Developer\"\n\n[[roles]]",
            )
        });
        assert_eq!(c.people.left.len(), 1);
        let jo = &c.people.left[0];
        assert_eq!(
            (jo.id.as_str(), jo.left.as_deref(), jo.removed),
            ("jo", Some("2026-01-31"), false)
        );
        let joined: Vec<&str> = c.people.joined.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(joined, ["kim"]);
        assert_eq!(c.people.changed.len(), 1);
        assert_eq!(c.people.changed[0].id, "alex");
        assert_eq!(
            c.people.changed[0].fields,
            [FieldChange {
                field: "title".into(),
                old: Some("Managing Director".into()),
                new: Some("CEO".into()),
                text: false,
            }]
        );
        // All-staff holders follow joiners and leavers; they are not listed twice.
        assert!(c.roles.changed.is_empty());
    }

    #[test]
    fn a_person_removed_from_the_model_left() {
        let old = build(&replace(
            MINIMAL,
            "[[roles]]",
            "[[people]]\nid = \"kim\"\nname = \"Kim Lee\"\ntitle = \"Developer\"\n\n[[roles]]",
        ));
        let new = build(MINIMAL);
        let c = compute(&side(&old), &side(&new));
        assert_eq!(c.people.left.len(), 1);
        assert!(c.people.left[0].removed && c.people.left[0].left.is_none());
    }

    #[test]
    fn policy_version_and_effective_date() {
        let c = changes(|m| {
            let m = replace(
                m,
                "version = \"1.0\"\nclassification",
                "version = \"1.1\"\nclassification",
            );
            let m = replace(&m, "effective = 2026-01-15", "effective = 2026-02-01");
            replace(
                &m,
                "[[people]]",
                "[[policy.history]]\nversion = \"1.1\"\ndate = 2026-02-01\nauthor = \"sam\"\nsummary = \"Annual review\"\n\n[[people]]",
            )
        });
        let fields: Vec<(&str, Option<&str>, Option<&str>)> = c
            .policy
            .fields
            .iter()
            .map(|f| (f.field.as_str(), f.old.as_deref(), f.new.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("version", Some("1.0"), Some("1.1")),
                ("effective", Some("2026-01-15"), Some("2026-02-01"))
            ]
        );
        assert_eq!(c.policy.history_added.len(), 1);
        assert_eq!(c.policy.history_added[0].author, r("sam", "Sam Okoye"));
        let policy = c.sign_again.policy.as_ref().unwrap();
        assert_eq!(
            (policy.old_version.as_deref(), policy.new_version.as_str()),
            (Some("1.0"), "1.1")
        );
        assert!(!policy.version_unchanged);
        // Role descriptions carry the policy id, not its version.
        assert!(c.sign_again.roles.is_empty());
        assert!(c.roles.changed.is_empty());
    }

    #[test]
    fn responsibilities_and_authorities_added_and_removed() {
        let c = changes(|m| {
            let m = replace(
                m,
                "  \"Chair the management review\",\n",
                "  \"Chair the management review every year\",\n",
            );
            replace(
                &m,
                "\"Assign ISMS roles\"",
                "\"Assign ISMS roles\", \"Sign contracts\"",
            )
        });
        let ceo = &c.roles.changed[0];
        assert_eq!(ceo.id, "ceo");
        assert_eq!(
            ceo.lists,
            [
                ListChange {
                    field: "responsibilities".into(),
                    added: vec!["Chair the management review every year".into()],
                    removed: vec!["Chair the management review".into()],
                    reordered: false,
                },
                ListChange {
                    field: "authorities".into(),
                    added: vec!["Sign contracts".into()],
                    removed: vec![],
                    reordered: false,
                }
            ]
        );
    }

    #[test]
    fn a_recorded_signature() {
        let c = changes(|m| {
            format!(
                "{m}\n[[signatures]]\nsheet = \"role/isms-manager/sam\"\nsigned-by = \"alex\"\ndate = 2026-01-20\ndigest = \"0123456789ab\"\n"
            )
        });
        assert!(c.model_changed);
        assert_eq!(
            c.signatures.added,
            [SignatureEntry {
                sheet: "role/isms-manager/sam".into(),
                signer: r("alex", "Alex Morgan"),
                date: "2026-01-20".into(),
                digest: "0123456789ab".into(),
            }]
        );
        assert!(c.signatures.removed.is_empty() && c.roles.changed.is_empty());
        assert!(c.sign_again.roles.is_empty() && c.sign_again.policy.is_none());
    }

    #[test]
    fn pairing_by_name_needs_one_candidate_on_each_side() {
        let p = Pairing::new(
            &[("a", "Same"), ("b", "Same"), ("c", "Solo"), ("d", "Twice")],
            &[
                ("x", "Same"),
                ("y", "Solo"),
                ("a", "Other"),
                ("t1", "Twice"),
                ("t2", "Twice"),
            ],
        );
        // `a` keeps its id; among the others, one `Same` and one `Solo` on each
        // side pair up; two new `Twice` for one old one are ambiguous.
        assert_eq!(p.new_old, [Some(1), Some(2), Some(0), None, None]);
        assert_eq!(p.old_new, [Some(2), Some(0), Some(1), None]);
    }

    #[test]
    fn reordered_lists_say_so() {
        let mut out = Vec::new();
        list(
            &mut out,
            "refs",
            &["a".into(), "b".into()],
            &["b".into(), "a".into()],
        );
        assert!(out[0].reordered && out[0].added.is_empty() && out[0].removed.is_empty());
    }
}
