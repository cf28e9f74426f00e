//! Validation: raw model items in, a resolved [`Model`] or diagnostics out.
//!
//! Second stage of the pipeline. Takes the items `load` read from every file,
//! merges the tables, resolves ids into indices and runs every rule of
//! `crate::rules`, collecting all findings before deciding. Only a model
//! without errors is handed on.
//!
//! One root cause, one error: an item `load` left out (and reported) is
//! remembered by id, so a reference to it is not reported as unknown; and a
//! rule whose input is incomplete because of an earlier error (a role whose
//! holder did not load, a model missing a role that failed) says nothing,
//! rather than report what the earlier error explains.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;
use toml::value::Datetime;

use super::hints::{id_hint, suggest};
use super::load::Loaded;
use super::paths;
use super::raw::{
    Failed, Item, RawActivity, RawControl, RawException, RawModel, RawOrganisation, RawParty,
    RawPerson, RawPolicy, RawRole,
};
use super::*;
use crate::diag::Location;
use crate::rules::{self, Rule, Severity};

mod audit;
mod competence;
mod controls;
mod parties;
mod plausibility;
mod records;
mod tables;

use self::tables::V2;

/// How many roles one person may hold before RC061 warns.
const MAX_ROLES_PER_PERSON: usize = 5;

/// Parses, merges and checks the loaded sources as of `date`.
pub fn validate(loaded: Loaded, date: Date) -> Checked {
    let (mut raw, diags) = super::load::parse(&loaded.sources);
    let mut v = Validator {
        diags,
        failed: std::mem::take(&mut raw.failed),
    };
    let model = v.build(&raw, &loaded, date);
    let mut diagnostics = v.diags;
    if let Some(allow) = model.as_ref().map(|(_, allow)| allow) {
        diagnostics.retain(|d| d.is_error() || !allow.contains(d.rule.code));
    }
    // Stable order: by file and position, then unlocated ones.
    diagnostics.sort_by_key(|d| {
        d.location
            .as_ref()
            .map_or((usize::MAX, 0), |l| (l.file, l.span.start))
    });
    let has_errors = diagnostics.iter().any(|d| d.is_error());
    Checked {
        model: model.filter(|_| !has_errors).map(|(m, _)| m),
        diagnostics,
        sources: loaded.sources,
    }
}

/// Which id space a reference points into.
#[derive(Clone, Copy)]
enum Kind {
    Person,
    Role,
    Activity,
    Party,
    Competence,
    Control,
    Exception,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Role => "role",
            Kind::Activity => "activity",
            Kind::Party => "party",
            Kind::Competence => "competence",
            Kind::Control => "control",
            Kind::Exception => "exception",
        }
    }

    /// The table its items are in.
    fn table(self) -> &'static str {
        match self {
            Kind::Person => "people",
            Kind::Role => "roles",
            Kind::Activity => "activities",
            Kind::Party => "parties",
            Kind::Competence => "competences",
            Kind::Control => "controls",
            Kind::Exception => "exceptions",
        }
    }
}

/// Ids of one kind, with where each was defined.
#[derive(Default)]
struct Ids {
    index: BTreeMap<String, usize>,
    locations: Vec<Option<Location>>,
}

struct Validator {
    diags: Vec<Diagnostic>,
    /// Items left out for an error already reported (ids that failed the id
    /// pattern are added as they are found).
    failed: Failed,
}

fn loc<T>(file: usize, s: &Spanned<T>) -> Option<Location> {
    Some(Location {
        file,
        span: s.span(),
    })
}

/// The place of an item's header.
fn item_loc<T>(item: &Item<T>) -> Option<Location> {
    Some(Location {
        file: item.file,
        span: item.span.clone(),
    })
}

/// Whether `id` matches `^[a-z0-9][a-z0-9-]{0,63}$`.
pub fn is_valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Whether an entry says nothing: `none`, `n/a`, `-`, an empty string and the like.
pub fn is_placeholder(s: &str) -> bool {
    let t = s.trim().trim_end_matches('.').to_lowercase();
    matches!(
        t.as_str(),
        "" | "none"
            | "n/a"
            | "na"
            | "n.a"
            | "-"
            | "--"
            | "–"
            | "—"
            | "tbd"
            | "todo"
            | "keine"
            | "k.a"
    )
}

/// Whether a clause reference looks like `5.3`, `6.1.2` or `A.5.2`.
fn is_valid_clause_ref(r: &str) -> bool {
    let body = r.strip_prefix("A.").unwrap_or(r);
    !body.is_empty()
        && body
            .split('.')
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()))
}

impl Validator {
    fn push(
        &mut self,
        rule: &'static Rule,
        location: Option<Location>,
        message: String,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(rule, message).at(location));
        self.diags.last_mut().expect("just pushed")
    }

    fn date(&mut self, file: usize, d: &Spanned<Datetime>) -> Option<Date> {
        let value = d.get_ref();
        let parsed = match (value.date, value.time, value.offset) {
            (Some(date), None, None) => Date::new(date.year as i32, date.month, date.day),
            _ => None,
        };
        if parsed.is_none() {
            self.push(
                &rules::SCHEMA,
                loc(file, d),
                format!("`{value}` is not a calendar date"),
            )
            .hint = Some("write a TOML date without time, like 2026-01-15".into());
        }
        if let Some(why) = parsed.and_then(super::limits::date_problem) {
            self.push(&rules::SCHEMA, loc(file, d), why).hint = Some(
                "write the real date; a model's dates are between 1900 and 2100 (leave out a date that is not known)".into(),
            );
            return None;
        }
        parsed
    }

    fn register(&mut self, kind: Kind, ids: &mut Ids, file: usize, id: &Spanned<String>) -> bool {
        let location = loc(file, id);
        if !is_valid_id(id.get_ref()) {
            self.push(
                &rules::INVALID_ID,
                location,
                format!("invalid {} id `{}`", kind.noun(), id.get_ref()),
            )
            .hint = Some(id_hint(id.get_ref()));
            // Left out: references to it are this error, not unknown ids.
            self.failed
                .ids
                .entry(kind.table())
                .or_default()
                .insert(id.get_ref().clone());
            return false;
        }
        if let Some(&first) = ids.index.get(id.get_ref()) {
            let first_at = ids.locations[first].clone();
            let d = self.push(
                &rules::DUPLICATE_ID,
                location,
                format!("duplicate {} id `{}`", kind.noun(), id.get_ref()),
            );
            d.hint = Some("rename one of them, or merge them".into());
            if let Some(first_at) = first_at {
                d.labels.push(crate::diag::Label {
                    location: first_at,
                    message: "first defined here".into(),
                });
            }
            return false;
        }
        ids.index.insert(id.get_ref().clone(), ids.locations.len());
        ids.locations.push(location);
        true
    }

    /// The index of the item `r` names. An id that is not defined is RC012,
    /// unless an item that failed to load may have had it: then the error
    /// of that item is the one to fix, and the reference stays unresolved
    /// quietly.
    fn resolve(
        &mut self,
        kind: Kind,
        ids: &Ids,
        file: usize,
        r: &Spanned<String>,
    ) -> Option<usize> {
        if let Some(&i) = ids.index.get(r.get_ref()) {
            return Some(i);
        }
        if self.failed.may_hold(kind.table(), r.get_ref()) {
            return None;
        }
        let hint = match suggest(r.get_ref(), ids.index.keys()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "define a {} with id `{}`, or correct the reference",
                kind.noun(),
                r.get_ref()
            ),
        };
        self.push(
            &rules::UNKNOWN_REFERENCE,
            loc(file, r),
            format!("unknown {} `{}`", kind.noun(), r.get_ref()),
        )
        .hint = Some(hint);
        None
    }

    /// Resolves every reference of a list; the flag says whether all resolved.
    fn resolve_all(
        &mut self,
        kind: Kind,
        ids: &Ids,
        file: usize,
        refs: &[Spanned<String>],
    ) -> (Vec<usize>, bool) {
        let resolved: Vec<usize> = refs
            .iter()
            .filter_map(|r| self.resolve(kind, ids, file, r))
            .collect();
        let all = resolved.len() == refs.len();
        (resolved, all)
    }

    fn clause_refs(&mut self, file: usize, refs: &[Spanned<String>]) -> Vec<String> {
        for r in refs {
            if !is_valid_clause_ref(r.get_ref()) {
                self.push(
                    &rules::INVALID_CLAUSE_REF,
                    loc(file, r),
                    format!(
                        "`{}` is not an ISO/IEC 27001:2022 clause or Annex A id",
                        r.get_ref()
                    ),
                )
                .hint = Some(
                    "write clauses like `5.3` or `6.1.2` and Annex A controls like `A.5.2`".into(),
                );
            }
        }
        refs.iter().map(|r| r.get_ref().clone()).collect()
    }

    /// Merges the loaded items into a model and runs every rule. Returns the
    /// model (possibly incomplete when errors were found) and the allowed
    /// warning codes.
    fn build(
        &mut self,
        raw: &RawModel,
        loaded: &Loaded,
        date: Date,
    ) -> Option<(Model, BTreeSet<&'static str>)> {
        let mut allow: BTreeSet<&'static str> = BTreeSet::new();
        for lint in &raw.lint {
            for code in &lint.allow {
                match rules::find(code.get_ref()) {
                    Some(rule) if rule.severity == Severity::Warning => {
                        allow.insert(rule.code);
                    }
                    Some(rule) => {
                        self.push(
                            &rules::INVALID_LINT_ALLOW,
                            loc(lint.file, code),
                            format!(
                                "{} ({}) is an error and cannot be allowed",
                                rule.code, rule.name
                            ),
                        )
                        .hint = Some("fix the model instead; only warnings can be silenced".into());
                    }
                    None => {
                        self.push(
                            &rules::INVALID_LINT_ALLOW,
                            loc(lint.file, code),
                            format!("unknown rule `{}`", code.get_ref()),
                        )
                        .hint = Some("`rolecall explain --list` lists the rules".into());
                    }
                }
            }
        }

        let org = self.one_table("organisation", &raw.organisation);
        let policy = self.one_table("policy", &raw.policy);
        let anchor = org.and_then(item_loc);

        // Ids first, so that references can point forwards and across files.
        let mut person_ids = Ids::default();
        let mut role_ids = Ids::default();
        let mut activity_ids = Ids::default();
        let people_ok: Vec<bool> = raw
            .people
            .iter()
            .map(|p| self.register(Kind::Person, &mut person_ids, p.file, &p.id))
            .collect();
        let roles_ok: Vec<bool> = raw
            .roles
            .iter()
            .map(|r| self.register(Kind::Role, &mut role_ids, r.file, &r.id))
            .collect();
        let activities_ok: Vec<bool> = raw
            .activities
            .iter()
            .map(|a| self.register(Kind::Activity, &mut activity_ids, a.file, &a.id))
            .collect();
        let v2 = self.register_v2(raw);
        let competences = self.competences(&v2);

        // People.
        let mut people = Vec::new();
        let mut person_locs = Vec::new();
        let mut person_raw: Vec<&Item<RawPerson>> = Vec::new();
        for (p, ok) in raw.people.iter().zip(&people_ok) {
            let left = p.left.as_ref().and_then(|d| self.date(p.file, d));
            let party = p
                .party
                .as_ref()
                .and_then(|x| self.resolve(Kind::Party, &v2.parties, p.file, x));
            let evidence = self.evidence(p, &v2.competences, &competences);
            if !ok {
                continue;
            }
            person_locs.push(loc(p.file, &p.id));
            person_raw.push(p);
            people.push(Person {
                id: p.id.get_ref().clone(),
                name: p.name.clone(),
                title: p.title.clone(),
                email: p.email.clone(),
                department: p.department.clone(),
                left,
                active: left.is_none_or(|l| l > date),
                party,
                evidence,
                location: loc(p.file, &p.id),
            });
        }
        // All-staff roles are held by active staff: people of external parties
        // acknowledge through their party.
        let active: Vec<PersonIdx> = (0..people.len())
            .filter(|&i| people[i].active && people[i].party.is_none())
            .collect();

        // Roles.
        let mut roles = Vec::new();
        let mut role_meta = Vec::new();
        for (r, ok) in raw.roles.iter().zip(&roles_ok) {
            let file = r.file;
            let (holders, holders_resolved) =
                self.resolve_all(Kind::Person, &person_ids, file, &r.holders);
            let (deputies, _) = self.resolve_all(Kind::Person, &person_ids, file, &r.deputies);
            let reports_to = r
                .reports_to
                .as_ref()
                .and_then(|t| self.resolve(Kind::Role, &role_ids, file, t));
            let (conflicts, _) = self.resolve_all(Kind::Role, &role_ids, file, &r.conflicts);
            let assigned = r.assigned.as_ref().and_then(|d| self.date(file, d));
            let refs = self.clause_refs(file, &r.refs);
            let tracked: Vec<CompetenceIdx> = r
                .competence
                .iter()
                .filter_map(|c| v2.competences.index.get(c.get_ref()).copied())
                .collect();
            if r.all_staff && (!r.holders.is_empty() || !r.deputies.is_empty()) {
                let at = r
                    .holders
                    .first()
                    .or(r.deputies.first())
                    .and_then(|h| loc(file, h));
                self.push(
                    &rules::ALL_STAFF_HOLDERS,
                    at,
                    format!("all-staff role `{}` lists holders or deputies", r.id.get_ref()),
                )
                .hint = Some("an all-staff role is held by every active person; remove `holders` and `deputies`".into());
            }
            // Duplicates within one list would double-count.
            let dedup = |v: Vec<usize>| -> Vec<usize> {
                let mut seen = BTreeSet::new();
                v.into_iter().filter(|x| seen.insert(*x)).collect()
            };
            if !ok {
                continue;
            }
            // An all-staff role is held by everyone who loaded; a missing
            // person could have been its only active holder.
            let holders_complete = if r.all_staff {
                self.failed.complete("people")
            } else {
                holders_resolved
            };
            role_meta.push(RoleMeta {
                file,
                raw: r,
                holders_complete,
            });
            roles.push(Role {
                id: r.id.get_ref().clone(),
                name: r.name.clone(),
                short_name: r.short_name.clone().unwrap_or_else(|| r.name.clone()),
                version: r.version.clone().unwrap_or_else(|| "1.0".to_string()),
                top_management: r.top_management,
                holders: if r.all_staff {
                    active.clone()
                } else {
                    dedup(holders)
                },
                deputies: dedup(deputies),
                reports_to,
                purpose: r.purpose.clone(),
                responsibilities: r.responsibilities.clone(),
                authorities: r.authorities.clone(),
                owns: r.owns.clone(),
                competence: r.competence.iter().map(|c| c.get_ref().clone()).collect(),
                tracked,
                refs,
                isms_conformity: r.isms_conformity,
                isms_reporting: r.isms_reporting,
                conflicts: dedup(conflicts),
                all_staff: r.all_staff,
                assigned,
            });
        }

        // Activities.
        let mut activities: Vec<Activity> = Vec::new();
        let mut activity_meta = Vec::new();
        // Whether every activity loaded with every role it names.
        let mut activities_complete = self.failed.complete("activities");
        // Registered activity index -> index in `activities` (None: dropped for an error).
        let mut remap: Vec<Option<ActivityIdx>> = Vec::new();
        for (a, ok) in raw.activities.iter().zip(&activities_ok) {
            let file = a.file;
            let mut all = true;
            let mut roles_of = |v: &mut Self, list: &[Spanned<String>]| {
                let (resolved, complete) = v.resolve_all(Kind::Role, &role_ids, file, list);
                all &= complete;
                resolved
            };
            let responsible = roles_of(self, &a.responsible);
            let consulted = roles_of(self, &a.consulted);
            let informed = roles_of(self, &a.informed);
            let (segregate_from, _) =
                self.resolve_all(Kind::Activity, &activity_ids, file, &a.segregate_from);
            let refs = self.clause_refs(file, &a.refs);
            let accountable = self.accountable(file, a, &role_ids);
            if a.responsible.is_empty() {
                self.push(
                    &rules::NO_RESPONSIBLE,
                    loc(file, &a.id),
                    format!("activity `{}` has no responsible role", a.id.get_ref()),
                )
                .hint = Some("add `responsible = [\"role-id\"]` (the accountable role may also be responsible)".into());
            }
            self.letter_conflicts(file, a);
            activities_complete &= all && accountable.is_some();
            if !ok {
                activities_complete = false;
                continue;
            }
            let Some(accountable) = accountable else {
                remap.push(None);
                continue;
            };
            remap.push(Some(activities.len()));
            activity_meta.push(ActivityMeta { file, raw: a });
            activities.push(Activity {
                id: a.id.get_ref().clone(),
                name: a.name.clone(),
                group: a.group.clone(),
                refs,
                responsible,
                accountable,
                consulted,
                informed,
                segregate_from,
            });
        }

        for a in &mut activities {
            a.segregate_from = a.segregate_from.iter().filter_map(|&j| remap[j]).collect();
        }
        // A model without [organisation] or [policy] has an error already; the
        // stand-ins let the other rules run (it is never handed on).
        let organisation = match org {
            Some(o) => self.organisation(o.file, o, &loaded.sources, &loaded.root),
            None => Organisation {
                name: String::new(),
                short_name: String::new(),
                slug: slugify(""),
                scope: String::new(),
                logo: None,
                paper: Paper::default(),
                date_format: DateFormat::default(),
                language: "en".into(),
                governing_body: None,
                board_resolution: false,
            },
        };
        let (policy_model, policy_resolved) = match policy {
            Some(p) => self.policy(p.file, p, &role_ids, &person_ids),
            None => (placeholder_policy(), false),
        };
        self.diags.extend(paths::font_problems(&loaded.root));

        let parties = self.parties(&v2, &role_ids);
        let controls = self.controls(&v2, &role_ids, &activities);
        let exceptions = self.exceptions(&v2, &person_ids, &role_ids, &activity_ids, &remap);
        let mut model = Model {
            organisation,
            policy: policy_model,
            people,
            roles,
            activities,
            parties,
            competences,
            controls,
            exceptions,
            sources: loaded.sources.clone(),
            root: loaded.root.clone(),
            date,
            signatures: Vec::new(),
            allow: allow.clone(),
            places: Places::default(),
        };
        let role_locs: Vec<_> = role_meta.iter().map(|r| loc(r.file, &r.raw.id)).collect();
        let activity_locs: Vec<_> = activity_meta
            .iter()
            .map(|a| loc(a.file, &a.raw.id))
            .collect();
        self.diags.extend(super::limits::check(
            &model,
            &super::limits::Places {
                people: &person_locs,
                roles: &role_locs,
                activities: &activity_locs,
            },
        ));
        let complete = Complete {
            roles: self.failed.complete("roles"),
            holders: self.failed.complete("people")
                && self.failed.complete("roles")
                && role_meta.iter().all(|r| r.holders_complete),
            activities: activities_complete,
        };
        model.places = Places {
            roles: role_meta.iter().map(|r| loc(r.file, &r.raw.id)).collect(),
            approver: policy.and_then(|p| loc(p.file, &p.approver)),
            organisation: anchor.clone(),
        };
        model.signatures = self.signatures(&raw.signatures, &model, &complete);
        let ctx = RuleCtx {
            model: &model,
            roles: &role_meta,
            activities: &activity_meta,
            people: &person_locs,
            person_raw: &person_raw,
            v2: &v2,
            anchor,
            policy: policy
                .filter(|_| policy_resolved)
                .map(|p| (p.file, &p.value)),
            complete,
        };
        self.rules(&ctx);
        self.party_rules(&ctx);
        self.competence_rules(&ctx);
        self.control_rules(&ctx);
        self.audit_rules(&ctx);
        self.plausibility_rules(&ctx);
        Some((model, allow))
    }

    /// The one item of a table a model has one of (`[organisation]`,
    /// `[policy]`): RC003 when there is none (unless an item of it failed to
    /// load: that error says so) or more than one.
    fn one_table<'t, T>(&mut self, table: &str, found: &'t [Item<T>]) -> Option<&'t Item<T>> {
        match found {
            [] => {
                if self.failed.complete(table) {
                    self.push(
                        &rules::MODEL_STRUCTURE,
                        None,
                        format!("the model has no [{table}] table"),
                    )
                    .hint = Some(format!(
                        "add [{table}] to one of the model's files (see examples/minimal/model.toml)"
                    ));
                }
                None
            }
            [one] => Some(one),
            [first, rest @ ..] => {
                for t in rest {
                    let d = self.push(
                        &rules::MODEL_STRUCTURE,
                        item_loc(t),
                        format!("second [{table}] table"),
                    );
                    d.hint = Some(format!(
                        "a model has one [{table}]: merge the two, or remove one"
                    ));
                    if let Some(first_at) = item_loc(first) {
                        d.labels.push(crate::diag::Label {
                            location: first_at,
                            message: "first defined here".into(),
                        });
                    }
                }
                Some(first)
            }
        }
    }

    fn accountable(&mut self, file: usize, a: &RawActivity, roles: &Ids) -> Option<RoleIdx> {
        let id = a.id.get_ref();
        let Some(value) = &a.accountable else {
            self.push(
                &rules::ACCOUNTABLE_COUNT,
                loc(file, &a.id),
                format!("activity `{id}` has no accountable role"),
            )
            .hint = Some(
                "add `accountable = \"role-id\"`: exactly one role answers for the outcome".into(),
            );
            return None;
        };
        let at = loc(file, value);
        match value.get_ref() {
            toml::Value::String(s) => {
                let spanned = Spanned::new(value.span(), s.clone());
                self.resolve(Kind::Role, roles, file, &spanned)
            }
            toml::Value::Array(items) if items.len() == 1 && items[0].is_str() => {
                let s = items[0].as_str().unwrap_or_default().to_string();
                let hint = format!("write `accountable = \"{s}\"` (a single role, not a list)");
                self.push(
                    &rules::ACCOUNTABLE_COUNT,
                    at,
                    format!("accountable of `{id}` must be a single role id"),
                )
                .hint = Some(hint);
                None
            }
            toml::Value::Array(items) => {
                self.push(
                    &rules::ACCOUNTABLE_COUNT,
                    at,
                    format!("activity `{id}` has {} accountable roles", items.len()),
                )
                .hint = Some(
                    "exactly one role is accountable; make the others responsible or consulted"
                        .into(),
                );
                None
            }
            other => {
                self.push(
                    &rules::SCHEMA,
                    at,
                    format!("accountable must be a role id, found {}", other.type_str()),
                )
                .hint = Some("write `accountable = \"role-id\"`".into());
                None
            }
        }
    }

    fn letter_conflicts(&mut self, file: usize, a: &RawActivity) {
        let accountable = a
            .accountable
            .as_ref()
            .and_then(|v| v.get_ref().as_str().map(|s| s.to_string()));
        let mut seen: BTreeMap<&str, &'static str> = BTreeMap::new();
        if let Some(acc) = &accountable {
            seen.insert(acc.as_str(), "A");
        }
        let lists: [(&'static str, &Vec<Spanned<String>>); 3] = [
            ("R", &a.responsible),
            ("C", &a.consulted),
            ("I", &a.informed),
        ];
        for (letter, list) in lists {
            for r in list {
                let role = r.get_ref().as_str();
                match seen.get(role) {
                    None => {
                        seen.insert(role, letter);
                    }
                    Some(&"A") if letter == "R" => {
                        seen.insert(role, "A/R");
                    }
                    Some(&prev) => {
                        let msg = if prev == letter || (prev == "A/R" && letter == "R") {
                            format!(
                                "role `{role}` is listed twice as {letter} in activity `{}`",
                                a.id.get_ref()
                            )
                        } else {
                            format!(
                                "role `{role}` is both {prev} and {letter} in activity `{}`",
                                a.id.get_ref()
                            )
                        };
                        self.push(&rules::CONFLICTING_LETTERS, loc(file, r), msg)
                            .hint = Some(
                            "give each role one letter per activity (only A and R may be combined)"
                                .into(),
                        );
                    }
                }
            }
        }
    }

    fn organisation(
        &mut self,
        file: usize,
        o: &RawOrganisation,
        sources: &[SourceFile],
        root: &Path,
    ) -> Organisation {
        let short_name = o.short_name.clone().unwrap_or_else(|| o.name.clone());
        let logo = o.logo.as_ref().map(|l| {
            let base = sources[file].path.parent().unwrap_or(Path::new("."));
            let path = base.join(l.get_ref());
            if let Err(refused) = paths::check_logo(root, &path) {
                self.push(&rules::SCHEMA, loc(file, l), refused.message)
                    .hint = Some(refused.hint);
            }
            path
        });
        Organisation {
            name: o.name.clone(),
            slug: slugify(&short_name),
            short_name,
            scope: o.scope.clone(),
            logo,
            paper: o.paper,
            date_format: o.date_format,
            language: self.language(file, o.language.as_ref()),
            governing_body: o.governing_body.clone().filter(|g| !g.trim().is_empty()),
            board_resolution: o.board_resolution,
        }
    }

    /// `organisation.language`: a language tag (`en`, `de`, `pt-BR`); whether a
    /// locale exists for it is checked where the templates are loaded.
    fn language(&mut self, file: usize, lang: Option<&Spanned<String>>) -> String {
        let Some(lang) = lang else {
            return "en".to_string();
        };
        let tag = lang.get_ref();
        let mut parts = tag.split('-');
        let primary = parts.next().unwrap_or_default();
        let ok = (2..=3).contains(&primary.len())
            && primary.bytes().all(|b| b.is_ascii_lowercase())
            && parts.all(|p| {
                (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
            });
        if !ok {
            self.push(
                &rules::SCHEMA,
                loc(file, lang),
                format!("`{tag}` is not a language tag"),
            )
            .hint = Some("use a lowercase ISO 639 code such as `en` or `de` (built in), or the tag of a locale file in --templates DIR/locales/".into());
            return "en".to_string();
        }
        tag.clone()
    }

    fn policy(&mut self, file: usize, p: &RawPolicy, roles: &Ids, people: &Ids) -> (Policy, bool) {
        let owner = self.resolve(Kind::Role, roles, file, &p.owner);
        let approver = self.resolve(Kind::Role, roles, file, &p.approver);
        let effective = self.date(file, &p.effective);
        let last_review = p.last_review.as_ref().and_then(|d| self.date(file, d));
        let review_months = p.review_months.as_ref().map_or(12, |m| *m.get_ref());
        if let Some((m, why)) = p
            .review_months
            .as_ref()
            .zip(super::limits::review_months_problem(review_months))
        {
            self.push(&rules::SCHEMA, loc(file, m), why).hint =
                Some("ISO/IEC 27001 expects a review at least yearly: use 12 or less".into());
        }
        let review_months = review_months.clamp(
            *super::limits::REVIEW_MONTHS.start(),
            *super::limits::REVIEW_MONTHS.end(),
        );
        let mut history = Vec::new();
        for h in &p.history {
            let d = self.date(file, &h.date);
            let author = self.resolve(Kind::Person, people, file, &h.author);
            if let (Some(date), Some(author)) = (d, author) {
                history.push(HistoryEntry {
                    version: h.version.clone(),
                    date,
                    author,
                    summary: h.summary.clone(),
                });
            }
        }
        // Unresolved parts are reported already; placeholders let the other rules
        // run (the model is never handed on with errors), and `resolved` tells the
        // rules that need them to stay quiet.
        let resolved = owner.is_some() && approver.is_some() && effective.is_some();
        let effective = effective.unwrap_or(Date::new(1970, 1, 1).expect("valid date"));
        let base = last_review.unwrap_or(effective);
        let policy = Policy {
            id: p.id.clone(),
            // Left out: the locale's default, filled in by `Model::fill_defaults`.
            title: p.title.clone().unwrap_or_default(),
            title_given: p.title.is_some(),
            version: p.version.get_ref().clone(),
            classification: p.classification.clone().unwrap_or_default(),
            classification_given: p.classification.is_some(),
            owner: owner.unwrap_or(usize::MAX),
            approver: approver.unwrap_or(usize::MAX),
            effective,
            review_months: review_months.max(1),
            last_review,
            next_review: base.add_months(review_months.max(1)),
            sections: p
                .sections
                .iter()
                .map(|s| Section {
                    title: s.title.clone(),
                    body: s.body.clone(),
                })
                .collect(),
            history,
        };
        (policy, resolved)
    }
}

/// A clause 5.3 rule: the rule, which roles satisfy it, the message and the hint.
type KeyRule = (&'static Rule, fn(&Role) -> bool, &'static str, &'static str);

/// Where a role came from, for pointing at it.
struct RoleMeta<'r> {
    file: usize,
    raw: &'r RawRole,
    /// Whether every holder it names loaded: if not, a vacancy may be an
    /// earlier error's doing.
    holders_complete: bool,
}

/// Which inputs of the model-wide rules are whole: a rule that needs one
/// that is not stays quiet, as the error that made it incomplete was reported.
struct Complete {
    /// Every role loaded (with a valid id).
    roles: bool,
    /// Every role and person loaded and every holder of every role resolved.
    holders: bool,
    /// Every activity loaded and names only roles that resolved.
    activities: bool,
}

/// The stand-in `[policy]` of a model whose policy failed to load.
fn placeholder_policy() -> Policy {
    let epoch = Date::new(1970, 1, 1).expect("valid date");
    Policy {
        id: String::new(),
        title: String::new(),
        title_given: false,
        version: String::new(),
        classification: String::new(),
        classification_given: false,
        owner: usize::MAX,
        approver: usize::MAX,
        effective: epoch,
        review_months: 12,
        last_review: None,
        next_review: epoch,
        sections: Vec::new(),
        history: Vec::new(),
    }
}

/// Where an activity came from.
struct ActivityMeta<'r> {
    file: usize,
    raw: &'r RawActivity,
}

/// What the model-wide rules need: the model plus where each entry was written.
struct RuleCtx<'m> {
    model: &'m Model,
    roles: &'m [RoleMeta<'m>],
    activities: &'m [ActivityMeta<'m>],
    people: &'m [Option<Location>],
    /// Each person's item, by person index.
    person_raw: &'m [&'m Item<RawPerson>],
    /// The model v2 tables' ids and items.
    v2: &'m V2<'m>,
    anchor: Option<Location>,
    /// The policy's file and table, when it loaded and its owner, approver
    /// and effective date resolved.
    policy: Option<(usize, &'m RawPolicy)>,
    complete: Complete,
}

impl Validator {
    fn rules(&mut self, c: &RuleCtx) {
        let m = c.model;
        let role_loc = |i: RoleIdx| loc(c.roles[i].file, &c.roles[i].raw.id);

        // Clause 5.3: top management and the a) / b) assignments.
        let key_rules: [KeyRule; 3] = [
            (
                &rules::NO_TOP_MANAGEMENT,
                |r| r.top_management,
                "no role is marked as top management",
                "set `top-management = true` on the CEO or board role",
            ),
            (
                &rules::NO_ISMS_CONFORMITY,
                |r| r.isms_conformity,
                "no role is responsible for the ISMS conforming to ISO/IEC 27001 (clause 5.3 a)",
                "set `isms-conformity = true` on the ISMS manager role",
            ),
            (
                &rules::NO_ISMS_REPORTING,
                |r| r.isms_reporting,
                "no role reports ISMS performance to top management (clause 5.3 b)",
                "set `isms-reporting = true` on the ISMS manager role",
            ),
        ];
        for (rule, has, msg, hint) in key_rules {
            // A role that failed to load may be the one.
            if c.complete.roles && !m.roles.iter().any(has) {
                self.push(rule, c.anchor.clone(), msg.into()).hint = Some(hint.into());
            }
        }

        // Without any top-management role, no role can report to one and no
        // approver can be one: RC030 says so once.
        let any_top = m.roles.iter().any(|r| r.top_management);

        // Holders: people who left, vacancies. People by id, looked up once per
        // holder (a search of everyone for each holder was quadratic).
        let person_by_id: BTreeMap<&str, &Person> =
            m.people.iter().map(|p| (p.id.as_str(), p)).collect();
        for (i, role) in m.roles.iter().enumerate() {
            let meta = &c.roles[i];
            for (list, what) in [
                (&meta.raw.holders, "holds"),
                (&meta.raw.deputies, "deputises for"),
            ] {
                for h in list.iter() {
                    let Some(p) = person_by_id.get(h.get_ref().as_str()) else {
                        continue;
                    };
                    if let (false, Some(left)) = (p.active, p.left) {
                        self.push(
                            &rules::PERSON_LEFT,
                            loc(meta.file, h),
                            format!(
                                "`{}` left on {left} but still {what} role `{}`",
                                p.id, role.id
                            ),
                        )
                        .hint = Some(
                            "assign the role to a current person, or correct the `left` date"
                                .into(),
                        );
                    }
                }
            }
            let active_holders = role.holders.iter().filter(|&&p| m.people[p].active).count();
            // A vacant owner of a party or a control is RC130's or RC111's error.
            let owner = m.parties.iter().any(|x| x.owner == i)
                || m.controls
                    .iter()
                    .any(|k| k.applicable && k.owner == Some(i));
            let key = role.top_management || role.isms_conformity || role.isms_reporting;
            if active_holders == 0 && meta.holders_complete && (key || !owner) {
                let (rule, what) = if key {
                    (&rules::VACANT_KEY_ROLE, "key role")
                } else {
                    (&rules::VACANT_ROLE, "role")
                };
                self.push(
                    rule,
                    role_loc(i),
                    format!("{what} `{}` has no active holder", role.id),
                )
                .hint = Some("add a current person to `holders`".into());
            }
            // A `reports-to` that did not resolve is reported already.
            let unresolved = meta.raw.reports_to.is_some() && role.reports_to.is_none();
            if role.isms_reporting && !unresolved && any_top {
                let direct = role.reports_to.is_some_and(|t| m.roles[t].top_management);
                if !direct {
                    let at = meta
                        .raw
                        .reports_to
                        .as_ref()
                        .and_then(|t| loc(meta.file, t))
                        .or(role_loc(i));
                    self.push(
                        &rules::INDIRECT_REPORTING,
                        at,
                        format!("role `{}` reports ISMS performance but does not report directly to top management", role.id),
                    )
                    .hint = Some("set `reports-to` to a top-management role".into());
                }
            }
            let placeholders =
                !role.authorities.is_empty() && role.authorities.iter().all(|a| is_placeholder(a));
            if !role.all_staff
                && !role.responsibilities.is_empty()
                && (role.authorities.is_empty() || placeholders)
            {
                let message = if placeholders {
                    format!(
                        "role `{}` has responsibilities but its authorities are only a placeholder (`{}`)",
                        role.id,
                        role.authorities.join("`, `")
                    )
                } else {
                    format!("role `{}` has responsibilities but no authorities", role.id)
                };
                self.push(&rules::NO_AUTHORITY, role_loc(i), message).hint = Some(
                    "list what the role may decide, approve or enforce in `authorities`".into(),
                );
            }
        }

        // Policy approver.
        if let Some((policy_file, policy)) = c
            .policy
            .filter(|_| any_top && !m.roles[m.policy.approver].top_management)
        {
            self.push(
                &rules::APPROVER_NOT_TOP_MANAGEMENT,
                loc(policy_file, &policy.approver),
                format!(
                    "policy approver `{}` is not a top-management role",
                    m.roles[m.policy.approver].id
                ),
            )
            .hint = Some("set `policy.approver` to a role with `top-management = true`".into());
        }

        // Segregation of duties: conflicting roles.
        let mut reported = BTreeSet::new();
        for (i, role) in m.roles.iter().enumerate() {
            for (k, &other) in role.conflicts.iter().enumerate() {
                let pair = (i.min(other), i.max(other));
                for &p in &role.holders {
                    if m.roles[other].holders.contains(&p) && reported.insert((pair, p)) {
                        let at = c.roles[i]
                            .raw
                            .conflicts
                            .iter()
                            .find(|s| s.get_ref() == &m.roles[other].id)
                            .or(c.roles[i].raw.conflicts.get(k))
                            .and_then(|s| loc(c.roles[i].file, s));
                        self.push(
                            &rules::CONFLICTING_ROLES,
                            at,
                            format!(
                                "`{}` holds both `{}` and `{}`, which must be held by different people",
                                m.people[p].id, role.id, m.roles[other].id
                            ),
                        )
                        .hint = Some("give one of the two roles to someone else (segregation of duties, A.5.3)".into());
                    }
                }
            }
        }

        // Segregation of duties: segregated activities.
        let doers = |a: &Activity| -> BTreeSet<PersonIdx> {
            a.responsible
                .iter()
                .chain(std::iter::once(&a.accountable))
                .flat_map(|&r| m.roles[r].holders.iter().copied())
                .collect()
        };
        let mut reported = BTreeSet::new();
        for (i, a) in m.activities.iter().enumerate() {
            let mine = doers(a);
            for &j in &a.segregate_from {
                let theirs = doers(&m.activities[j]);
                for &p in mine.intersection(&theirs) {
                    if reported.insert(((i.min(j), i.max(j)), p)) {
                        let meta = &c.activities[i];
                        let at = meta
                            .raw
                            .segregate_from
                            .iter()
                            .find(|s| s.get_ref() == &m.activities[j].id)
                            .and_then(|s| loc(meta.file, s));
                        self.push(
                            &rules::SEGREGATED_ACTIVITIES,
                            at,
                            format!(
                                "`{}` is responsible or accountable for both `{}` and `{}`",
                                m.people[p].id, a.id, m.activities[j].id
                            ),
                        )
                        .hint = Some("make different people R and A for the two activities (segregation of duties, A.5.3)".into());
                    }
                }
            }
        }

        // Reporting cycles.
        let mut in_cycle = BTreeSet::new();
        for start in 0..m.roles.len() {
            let mut path = vec![start];
            let mut cur = start;
            while let Some(next) = m.roles[cur].reports_to {
                if let Some(pos) = path.iter().position(|&x| x == next) {
                    let cycle: Vec<RoleIdx> = path[pos..].to_vec();
                    let first = *cycle.iter().min().unwrap_or(&next);
                    if in_cycle.insert(first) {
                        let names: Vec<&str> = cycle
                            .iter()
                            .chain(std::iter::once(&next))
                            .map(|&r| m.roles[r].id.as_str())
                            .collect();
                        let link = |r: RoleIdx| {
                            let meta = &c.roles[r];
                            meta.raw.reports_to.as_ref().and_then(|t| loc(meta.file, t))
                        };
                        let mut d = Diagnostic::new(
                            &rules::REPORTING_CYCLE,
                            format!("reporting line loops: {}", names.join(" -> ")),
                        )
                        .at(link(cycle[0]))
                        .hint("the topmost role has no `reports-to`");
                        for &r in &cycle[1..] {
                            let to = m.roles[r].reports_to.map_or("", |t| m.roles[t].id.as_str());
                            let label = format!("`{}` reports to `{to}`", m.roles[r].id);
                            d = d.label(link(r), label);
                        }
                        self.diags.push(d);
                    }
                    break;
                }
                if path.len() > m.roles.len() {
                    break;
                }
                path.push(next);
                cur = next;
            }
        }

        // Review overdue.
        if let Some((policy_file, policy)) = c.policy.filter(|_| m.policy.next_review < m.date) {
            let at = policy
                .last_review
                .as_ref()
                .map(|d| loc(policy_file, d))
                .unwrap_or(loc(policy_file, &policy.effective));
            self.push(
                &rules::REVIEW_OVERDUE,
                at,
                format!(
                    "the policy review was due on {} (bundle date {})",
                    m.policy.next_review, m.date
                ),
            )
            .hint =
                Some("review the policy, then update `last-review` and the version history".into());
        }

        // Concentration.
        for (p, person) in m.people.iter().enumerate() {
            let held: Vec<&str> = m
                .roles
                .iter()
                .filter(|r| !r.all_staff && r.holders.contains(&p))
                .map(|r| r.id.as_str())
                .collect();
            if held.len() > MAX_ROLES_PER_PERSON {
                self.push(
                    &rules::CONCENTRATION,
                    c.people[p].clone(),
                    format!(
                        "`{}` holds {} roles ({})",
                        person.id,
                        held.len(),
                        held.join(", ")
                    ),
                )
                .hint = Some(format!(
                    "spread the roles (at most {MAX_ROLES_PER_PERSON} per person), or name deputies"
                ));
            }
        }

        // Unused roles and shared accountability.
        for (i, role) in m.roles.iter().enumerate() {
            let used = m.activities.iter().any(|a| !m.letters(a, i).is_empty());
            // An activity that failed to load, or a reference that did not
            // resolve, may be where the role takes part.
            if !used && c.complete.activities {
                self.push(
                    &rules::UNUSED_ROLE,
                    role_loc(i),
                    format!("role `{}` takes part in no activity", role.id),
                )
                .hint = Some(
                    "add the role to the activities it takes part in (R, A, C or I), or remove it"
                        .into(),
                );
            }
        }
        for (i, a) in m.activities.iter().enumerate() {
            let role = &m.roles[a.accountable];
            if role.top_management || role.all_staff {
                continue;
            }
            let n = role.holders.iter().filter(|&&p| m.people[p].active).count();
            if n > 1 {
                let meta = &c.activities[i];
                let at = meta
                    .raw
                    .accountable
                    .as_ref()
                    .and_then(|v| loc(meta.file, v));
                self.push(
                    &rules::SHARED_ACCOUNTABILITY,
                    at,
                    format!(
                        "activity `{}` is accountable to role `{}`, which has {n} holders",
                        a.id, role.id
                    ),
                )
                .hint = Some(
                    "make one person accountable: a role with one holder (others can be deputies)"
                        .into(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_pattern() {
        for ok in ["a", "ceo", "isms-manager", "0x", &"a".repeat(64)] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "A",
            "a_b",
            "a b",
            "é",
            &"a".repeat(65),
            "a/b",
            "..",
        ] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn clause_refs() {
        for ok in ["5.3", "6.1.2", "A.5.2", "A.8.32", "10"] {
            assert!(is_valid_clause_ref(ok), "{ok}");
        }
        for bad in ["", "A.", "5..3", "Annex A 5.2", "a.5.2", "5.3a"] {
            assert!(!is_valid_clause_ref(bad), "{bad}");
        }
    }
}
