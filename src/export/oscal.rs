//! The policy as an OSCAL 1.2.1 component definition, for GRC platforms.
//!
//! One component of type `policy` (the roles-and-responsibilities policy), with
//! `metadata.roles` from the model's roles, `metadata.parties` (the organisation
//! and every active person, with a `job-title` prop and `member-of-organizations`;
//! then each external party of model v2 as an organization, its people its members),
//! `metadata.responsible-parties` (each held role once, with its holders), an
//! `approval` action by the policy's approving role, and one control
//! implementation whose `implemented-requirements` are the Annex A controls that
//! roles and activities reference (`A.5.2`) and, with a Statement of
//! Applicability, its applicable controls, each with its `responsible-roles`
//! and their RACI letters (and the control's owner) as props in the [`NS`] namespace.
//!
//! No ISO text is shipped: controls appear by id only, described with the model's
//! own names. The control implementation's `source` is [`SOURCE`], the RFC 5141
//! URN of ISO/IEC 27001:2022, since no public OSCAL catalog of it exists. UUIDs are
//! version 5, derived from the organisation's slug and stable ids under
//! [`namespace`], so a re-export of the same model has the same UUIDs and diffs
//! cleanly; `last-modified` is the bundle date.
//!
//! Text enters the document through two functions only: [`plain`] for OSCAL's
//! string type (one line, trimmed, non-empty) and `escape_markdown` for its
//! Markdown `markup-line` fields; ids pass through [`token`].

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Context, Error, Result};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::model::{Model, PersonIdx, RoleIdx};
use crate::render::Locale;
use crate::render::filters::escape_markdown;

/// The OSCAL version the document conforms to (the vendored NIST schema's).
pub const OSCAL_VERSION: &str = "1.2.1";

/// Namespace of rolecall's props (`ns`), and the name of its UUID namespace. An
/// identifier under the project's repository address, not a page.
pub const NS: &str = "https://github.com/rolecall/rolecall/ns/oscal";

/// The control implementation's `source`: the RFC 5141 URN of ISO/IEC 27001,
/// edition 3 (2022), whose Annex A the control ids refer to.
pub const SOURCE: &str = "urn:iso:std:iso-iec:27001:ed-3";

/// OSCAL's own namespace, the `system` of its `approval` action type.
const OSCAL_NS: &str = "http://csrc.nist.gov/ns/oscal";

/// rolecall's UUID namespace: the version 5 UUID of [`NS`] in the URL namespace.
pub fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, NS.as_bytes())
}

/// The document as written to `oscal/component-definition.json`.
#[derive(Debug, Serialize)]
pub struct Document {
    /// The one root of an OSCAL component-definition document.
    #[serde(rename = "component-definition")]
    pub component_definition: ComponentDefinition,
}

/// `component-definition`.
#[derive(Debug, Serialize)]
pub struct ComponentDefinition {
    uuid: String,
    metadata: Metadata,
    components: Vec<Component>,
}

/// `metadata`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {
    title: String,
    last_modified: String,
    version: String,
    oscal_version: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<RoleDef>,
    parties: Vec<Party>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_parties: Vec<ResponsibleParty>,
    actions: Vec<Action>,
}

/// `metadata.roles[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct RoleDef {
    id: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
}

/// `metadata.parties[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Party {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    member_of_organizations: Vec<String>,
}

/// `responsible-parties[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResponsibleParty {
    role_id: String,
    party_uuids: Vec<String>,
}

/// `metadata.actions[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Action {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    system: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_parties: Vec<ResponsibleParty>,
    remarks: String,
}

/// `components[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Component {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    description: String,
    purpose: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_roles: Vec<ResponsibleRole>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    control_implementations: Vec<ControlImplementation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

/// `control-implementations[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControlImplementation {
    uuid: String,
    source: &'static str,
    description: String,
    implemented_requirements: Vec<ImplementedRequirement>,
}

/// `implemented-requirements[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ImplementedRequirement {
    uuid: String,
    control_id: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_roles: Vec<ResponsibleRole>,
}

/// `responsible-roles[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResponsibleRole {
    role_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    party_uuids: Vec<String>,
}

/// `props[]`: a name/value pair, in rolecall's namespace unless OSCAL defines the name.
#[derive(Debug, Serialize)]
struct Prop {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ns: Option<&'static str>,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
}

impl Prop {
    /// A prop in rolecall's namespace; `None` when `value` is blank.
    fn ns(name: &'static str, value: &str) -> Option<Prop> {
        plain(value).map(|value| Prop {
            name,
            ns: Some(NS),
            value,
            group: None,
        })
    }

    /// A prop in rolecall's namespace whose value is `true`.
    fn flag(name: &'static str, set: bool) -> Option<Prop> {
        set.then(|| Prop::ns(name, "true")).flatten()
    }
}

/// Text for OSCAL's string type, which allows neither line breaks nor leading or
/// trailing white space: runs of white space become one space. `None` when blank.
pub fn plain(s: &str) -> Option<String> {
    let out = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!out.is_empty()).then_some(out)
}

/// A model id as an OSCAL token (an XML NCName): model ids are `[a-z0-9-]`, and
/// may start with a digit, which a token may not; those get a leading `_`, which
/// no model id contains, so distinct ids stay distinct.
pub fn token(id: &str) -> String {
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{id}")
    } else {
        id.to_string()
    }
}

/// Text for a one-line Markdown field (`markup-line`), or `fallback` when blank.
fn line(s: &str, fallback: &str) -> String {
    let out = escape_markdown(s);
    if out.is_empty() {
        escape_markdown(fallback)
    } else {
        out
    }
}

/// Whether a reference names an Annex A control (`A.5.2`), as opposed to a clause.
pub fn is_annex_a(r: &str) -> bool {
    r.strip_prefix("A.").is_some_and(|body| {
        body.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
    })
}

/// Numeric sort key of an Annex A id: `A.5.10` after `A.5.9`.
fn control_key(id: &str) -> (Vec<u64>, String) {
    let parts = id[2..]
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(u64::MAX))
        .collect();
    (parts, id.to_string())
}

/// Whether an e-mail address fits OSCAL's email type (`something@something`, one
/// line, no surrounding space); others are left out of the party.
fn is_email(s: &str) -> bool {
    !s.chars().any(char::is_whitespace)
        && s.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
}

/// Builds the OSCAL document of one model.
struct Builder<'m> {
    m: &'m Model,
    ns: Uuid,
    /// The words of the descriptions and remarks.
    locale: &'m Locale,
}

impl Builder<'_> {
    /// A locale string of the export (`exports.oscal.<key>`), filled with `args`
    /// (Markdown already where the field is `markup-multiline`).
    fn say(&self, key: &str, args: &[(&str, &str)]) -> Result<String> {
        self.locale.plain(&format!("exports.oscal.{key}"), args)
    }

    /// The version 5 UUID of `name` within this organisation.
    fn uuid(&self, name: &str) -> String {
        let key = format!("{}/{}", self.m.organisation.slug, name);
        Uuid::new_v5(&self.ns, key.as_bytes()).to_string()
    }

    fn org_uuid(&self) -> String {
        self.uuid("party/organisation")
    }

    fn person_uuid(&self, p: PersonIdx) -> String {
        self.uuid(&format!("party/person/{}", self.m.people[p].id))
    }

    /// The UUID of an external party (`[[parties]]`).
    fn party_uuid(&self, x: usize) -> String {
        self.uuid(&format!("party/organization/{}", self.m.parties[x].id))
    }

    /// Party UUIDs of a role's holders who are parties (active people).
    fn holder_uuids(&self, r: RoleIdx) -> Vec<String> {
        self.m.roles[r]
            .holders
            .iter()
            .filter(|&&p| self.m.people[p].active)
            .map(|&p| self.person_uuid(p))
            .collect()
    }

    fn role_name(&self, r: RoleIdx) -> String {
        let role = &self.m.roles[r];
        line(&role.name, &role.id)
    }

    fn document(&self) -> Result<Document> {
        let m = self.m;
        let date = m.date;
        if !(1900..=2999).contains(&date.year()) {
            return Err(Error::new(format!(
                "the bundle date {date} is outside the years OSCAL timestamps allow (1900 to 2999)"
            ))
            .hint("pass --date with a current date"));
        }
        let pol = &m.policy;
        let metadata = Metadata {
            title: format!(
                "{}: {}",
                line(&m.organisation.name, &m.organisation.slug),
                line(&pol.title, &pol.id)
            ),
            last_modified: format!("{date}T00:00:00Z"),
            version: plain(&pol.version).unwrap_or_else(|| "1".to_string()),
            oscal_version: OSCAL_VERSION,
            roles: (0..m.roles.len())
                .map(|r| self.role_def(r))
                .collect::<Result<_>>()?,
            parties: self.parties(),
            responsible_parties: (0..m.roles.len())
                .filter_map(|r| {
                    let party_uuids = self.holder_uuids(r);
                    (!party_uuids.is_empty()).then(|| ResponsibleParty {
                        role_id: token(&m.roles[r].id),
                        party_uuids,
                    })
                })
                .collect(),
            actions: vec![self.approval()?],
        };
        Ok(Document {
            component_definition: ComponentDefinition {
                uuid: self.uuid("component-definition"),
                metadata,
                components: vec![self.component()?],
            },
        })
    }

    fn role_def(&self, r: RoleIdx) -> Result<RoleDef> {
        let m = self.m;
        let role = &m.roles[r];
        let mut description = String::new();
        if !role.purpose.trim().is_empty() {
            description.push_str(role.purpose.trim());
            description.push_str("\n\n");
        }
        for (heading, items) in [
            ("responsibilities", &role.responsibilities),
            ("authorities", &role.authorities),
        ] {
            if items.is_empty() {
                continue;
            }
            description.push_str(&self.say(heading, &[])?);
            description.push_str(":\n\n");
            for item in items {
                description.push_str(&format!("- {}\n", escape_markdown(item)));
            }
            description.push('\n');
        }
        let description = description.trim_end().to_string();
        let props = [
            Prop::ns("version", &role.version),
            Prop::flag("top-management", role.top_management),
            Prop::flag("all-staff", role.all_staff),
            Prop::flag("isms-conformity", role.isms_conformity),
            Prop::flag("isms-reporting", role.isms_reporting),
            role.reports_to
                .and_then(|t| Prop::ns("reports-to", &token(&m.roles[t].id))),
        ];
        Ok(RoleDef {
            id: token(&role.id),
            title: self.role_name(r),
            short_name: plain(&role.short_name).filter(|s| Some(s) != plain(&role.name).as_ref()),
            description: (!description.is_empty()).then_some(description),
            props: props.into_iter().flatten().collect(),
        })
    }

    fn parties(&self) -> Vec<Party> {
        let m = self.m;
        let org = &m.organisation;
        let org_name = plain(&org.name).unwrap_or_else(|| org.slug.clone());
        let mut parties = vec![Party {
            uuid: self.org_uuid(),
            kind: "organization",
            short_name: plain(&org.short_name).filter(|s| *s != org_name),
            name: org_name,
            props: Vec::new(),
            email_addresses: Vec::new(),
            member_of_organizations: Vec::new(),
        }];
        for (p, person) in m.active_people() {
            let job_title = plain(&person.title).map(|value| Prop {
                name: "job-title",
                ns: None,
                value,
                group: None,
            });
            let props = [
                Prop::ns("person-id", &person.id),
                job_title,
                person
                    .department
                    .as_deref()
                    .and_then(|d| Prop::ns("department", d)),
            ];
            parties.push(Party {
                uuid: self.person_uuid(p),
                kind: "person",
                name: plain(&person.name).unwrap_or_else(|| person.id.clone()),
                short_name: None,
                props: props.into_iter().flatten().collect(),
                email_addresses: person
                    .email
                    .iter()
                    .filter(|e| is_email(e))
                    .cloned()
                    .collect(),
                member_of_organizations: vec![match person.party {
                    Some(x) => self.party_uuid(x),
                    None => self.org_uuid(),
                }],
            });
        }
        for (x, party) in m.parties.iter().enumerate() {
            let props = [
                Prop::ns("party-id", &party.id),
                Prop::ns("services", &party.services),
                party
                    .contract
                    .as_deref()
                    .and_then(|c| Prop::ns("contract", c)),
                Prop::ns("owner-role", &token(&m.roles[party.owner].id)),
            ];
            parties.push(Party {
                uuid: self.party_uuid(x),
                kind: "organization",
                name: plain(&party.name).unwrap_or_else(|| party.id.clone()),
                short_name: None,
                props: props.into_iter().flatten().collect(),
                email_addresses: Vec::new(),
                member_of_organizations: Vec::new(),
            });
        }
        parties
    }

    fn approval(&self) -> Result<Action> {
        let m = self.m;
        let pol = &m.policy;
        let party_uuids = self.holder_uuids(pol.approver);
        Ok(Action {
            uuid: self.uuid(&format!("action/approval/{}/{}", pol.id, pol.version)),
            kind: "approval",
            system: OSCAL_NS,
            props: [
                Prop::ns("policy-id", &pol.id),
                Prop::ns("policy-version", &pol.version),
            ]
            .into_iter()
            .flatten()
            .collect(),
            responsible_parties: if party_uuids.is_empty() {
                Vec::new()
            } else {
                vec![ResponsibleParty {
                    role_id: token(&m.roles[pol.approver].id),
                    party_uuids,
                }]
            },
            remarks: self.say(
                "approval",
                &[
                    ("id", &escape_markdown(&pol.id)),
                    ("version", &escape_markdown(&pol.version)),
                    ("role", &self.role_name(pol.approver)),
                ],
            )?,
        })
    }

    fn component(&self) -> Result<Component> {
        let m = self.m;
        let pol = &m.policy;
        let mut responsible_roles: Vec<ResponsibleRole> = Vec::new();
        for (r, what) in [(pol.owner, "owner"), (pol.approver, "approver")] {
            let prop = Prop::ns("policy-role", what);
            match responsible_roles
                .iter_mut()
                .find(|rr| rr.role_id == token(&m.roles[r].id))
            {
                Some(rr) => rr.props.extend(prop),
                None => responsible_roles.push(ResponsibleRole {
                    role_id: token(&m.roles[r].id),
                    props: prop.into_iter().collect(),
                    party_uuids: self.holder_uuids(r),
                }),
            }
        }
        let props = [
            Prop::ns("policy-id", &pol.id),
            Prop::ns("policy-version", &pol.version),
            Prop::ns("classification", &pol.classification),
            Prop::ns("effective", &pol.effective.to_string()),
            pol.last_review
                .and_then(|d| Prop::ns("last-review", &d.to_string())),
            Prop::ns("next-review", &pol.next_review.to_string()),
        ];
        let scope = escape_markdown(&m.organisation.scope);
        Ok(Component {
            uuid: self.uuid(&format!("component/policy/{}", pol.id)),
            kind: "policy",
            title: line(&pol.title, &pol.id),
            description: self.say(
                "component",
                &[
                    ("title", &line(&pol.title, &pol.id)),
                    ("org", &line(&m.organisation.name, &m.organisation.slug)),
                    ("id", &escape_markdown(&pol.id)),
                    ("version", &escape_markdown(&pol.version)),
                    ("activities", &m.activities.len().to_string()),
                    ("roles", &m.roles.len().to_string()),
                ],
            )?,
            purpose: self.say("purpose", &[])?,
            props: props.into_iter().flatten().collect(),
            responsible_roles,
            control_implementations: self.control_implementation()?.into_iter().collect(),
            remarks: if scope.is_empty() {
                None
            } else {
                Some(self.say("scope", &[("scope", &scope)])?)
            },
        })
    }

    /// The Annex A controls referenced by roles and activities, and the applicable
    /// ones of the Statement of Applicability, in numeric order; none that it marks
    /// not applicable.
    fn controls(&self) -> Vec<String> {
        let m = self.m;
        let excluded = |c: &String| m.controls.iter().any(|k| !k.applicable && &k.id == c);
        let refs: BTreeSet<&String> = m
            .roles
            .iter()
            .flat_map(|r| &r.refs)
            .chain(m.activities.iter().flat_map(|a| &a.refs))
            .filter(|r| is_annex_a(r))
            .chain(m.controls.iter().filter(|k| k.applicable).map(|k| &k.id))
            .filter(|c| !excluded(c))
            .collect();
        let mut controls: Vec<String> = refs.into_iter().cloned().collect();
        controls.sort_by_key(|c| control_key(c));
        controls
    }

    fn control_implementation(&self) -> Result<Option<ControlImplementation>> {
        let pol = &self.m.policy;
        let implemented_requirements: Vec<ImplementedRequirement> = self
            .controls()
            .iter()
            .map(|c| self.requirement(c))
            .collect::<Result<_>>()?;
        if implemented_requirements.is_empty() {
            return Ok(None);
        }
        Ok(Some(ControlImplementation {
            uuid: self.uuid(&format!("control-implementation/{}", pol.id)),
            source: SOURCE,
            description: self.say("controls", &[("id", &escape_markdown(&pol.id))])?,
            implemented_requirements,
        }))
    }

    fn requirement(&self, control: &str) -> Result<ImplementedRequirement> {
        let m = self.m;
        let activities: Vec<usize> = (0..m.activities.len())
            .filter(|&a| m.activities[a].refs.iter().any(|r| r == control))
            .collect();
        let soa = m.controls.iter().find(|k| k.id == control);
        let referenced =
            !activities.is_empty() || m.roles.iter().any(|r| r.refs.iter().any(|x| x == control));
        let mut description = self.say(
            if referenced {
                "referenced"
            } else {
                "soa.listed"
            },
            &[
                ("control", &escape_markdown(control)),
                ("id", &escape_markdown(&m.policy.id)),
            ],
        )?;
        description.push_str("\n\n");
        if let Some(owner) = soa.and_then(|k| k.owner) {
            description.push_str(&format!(
                "- {}\n",
                self.say("soa.owner", &[("role", &self.role_name(owner))])?
            ));
        }
        let names = |rs: &[RoleIdx]| -> String {
            rs.iter()
                .map(|&r| self.role_name(r))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for &a in &activities {
            let act = &m.activities[a];
            let mut parts = vec![
                self.say("accountable", &[("roles", &names(&[act.accountable]))])?,
                self.say("responsible", &[("roles", &names(&act.responsible))])?,
            ];
            if !act.consulted.is_empty() {
                parts.push(self.say("consulted", &[("roles", &names(&act.consulted))])?);
            }
            if !act.informed.is_empty() {
                parts.push(self.say("informed", &[("roles", &names(&act.informed))])?);
            }
            description.push_str(&format!(
                "- {}\n",
                self.say(
                    "activity",
                    &[
                        ("activity", &line(&act.name, &act.id)),
                        ("parts", &parts.join("; ")),
                    ]
                )?
            ));
        }
        let mut responsible_roles = Vec::new();
        for (r, role) in m.roles.iter().enumerate() {
            let mut props: Vec<Prop> = Vec::new();
            if role.refs.iter().any(|x| x == control) {
                description.push_str(&format!(
                    "- {}\n",
                    self.say("role", &[("role", &self.role_name(r))])?
                ));
                props.extend(Prop::ns("role-ref", control));
            }
            for &a in &activities {
                let letters = m.letters(&m.activities[a], r);
                if let Some(mut p) = Prop::ns("raci", letters) {
                    p.group = Some(token(&m.activities[a].id));
                    props.push(p);
                }
            }
            if soa.and_then(|k| k.owner) == Some(r) {
                props.extend(Prop::flag("control-owner", true));
            }
            if !props.is_empty() {
                responsible_roles.push(ResponsibleRole {
                    role_id: token(&role.id),
                    props,
                    party_uuids: self.holder_uuids(r),
                });
            }
        }
        let title = soa
            .and_then(|k| k.title.as_deref())
            .and_then(|t| Prop::ns("control-title", t));
        Ok(ImplementedRequirement {
            uuid: self.uuid(&format!(
                "implemented-requirement/{}/{control}",
                m.policy.id
            )),
            control_id: control.to_string(),
            description: description.trim_end().to_string(),
            props: title
                .into_iter()
                .chain(activities.iter().filter_map(|&a| {
                    let id = &m.activities[a].id;
                    Prop::ns("activity", id).map(|mut p| {
                        p.group = Some(token(id));
                        p
                    })
                }))
                .collect(),
            responsible_roles,
        })
    }
}

/// The OSCAL document of `model`, its descriptions worded in `locale`.
pub fn document(model: &Model, locale: &Locale) -> Result<Document> {
    Builder {
        m: model,
        ns: namespace(),
        locale,
    }
    .document()
}

/// The OSCAL component definition as pretty-printed JSON, ending with a newline.
/// Refuses to emit a document that fails [`integrity_problems`].
pub fn component_definition(model: &Model, locale: &Locale) -> Result<Vec<u8>> {
    let doc = document(model, locale)?;
    let value = serde_json::to_value(&doc).context("failed to build the OSCAL export")?;
    let problems = integrity_problems(&value);
    if !problems.is_empty() {
        return Err(Error::new(format!(
            "the OSCAL export is inconsistent (a bug in rolecall):\n{}",
            problems.join("\n")
        ))
        .hint("please report it with the model"));
    }
    let mut out = serde_json::to_vec_pretty(&doc).context("failed to write the OSCAL export")?;
    out.push(b'\n');
    Ok(out)
}

/// What the OSCAL schema cannot check: every `role-id` names a role of
/// `metadata.roles`, every party UUID (`party-uuids`, `member-of-organizations`)
/// a party of `metadata.parties`, role ids and UUIDs are unique, and a
/// `responsible-parties` list names each role once. Returns one line per problem,
/// with its JSON path; empty when the document is consistent.
pub fn integrity_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let metadata = &doc["component-definition"]["metadata"];
    let mut roles = BTreeSet::new();
    for r in metadata["roles"].as_array().into_iter().flatten() {
        let id = r["id"].as_str().unwrap_or_default();
        if !roles.insert(id.to_string()) {
            problems.push(format!("metadata.roles: role id `{id}` defined twice"));
        }
    }
    let mut parties = BTreeMap::new();
    for p in metadata["parties"].as_array().into_iter().flatten() {
        let uuid = p["uuid"].as_str().unwrap_or_default();
        let kind = p["type"].as_str().unwrap_or_default();
        if parties.insert(uuid.to_string(), kind.to_string()).is_some() {
            problems.push(format!("metadata.parties: party `{uuid}` defined twice"));
        }
    }
    let mut uuids = BTreeMap::new();
    walk(doc, "$", &mut |path, key, value| match (key, value) {
        ("role-id", Value::String(id)) if !roles.contains(id) => {
            problems.push(format!("{path}: role `{id}` is not in metadata.roles"));
        }
        ("party-uuids" | "member-of-organizations", Value::Array(items)) => {
            for u in items {
                let u = u.as_str().unwrap_or_default();
                match parties.get(u).map(String::as_str) {
                    None => {
                        problems.push(format!("{path}: party `{u}` is not in metadata.parties"))
                    }
                    Some(kind) if key == "member-of-organizations" && kind != "organization" => {
                        problems.push(format!("{path}: party `{u}` is not an organization"))
                    }
                    Some(_) => {}
                }
            }
        }
        ("responsible-parties", Value::Array(items)) => {
            let mut seen = BTreeSet::new();
            for rp in items {
                let id = rp["role-id"].as_str().unwrap_or_default();
                if !seen.insert(id) {
                    problems.push(format!("{path}: role `{id}` listed twice"));
                }
            }
        }
        ("uuid", Value::String(u)) => {
            if let Some(first) = uuids.insert(u.clone(), path.to_string()) {
                problems.push(format!("{path}: uuid `{u}` already used at {first}"));
            }
        }
        _ => {}
    });
    problems
}

/// Calls `f(path, key, value)` for every member of every object below `value`.
fn walk(value: &Value, path: &str, f: &mut dyn FnMut(&str, &str, &Value)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{path}.{k}");
                f(&p, k, v);
                walk(v, &p, f);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}[{i}]"), f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn consistent() -> Value {
        json!({"component-definition": {
            "uuid": "11111111-1111-5111-8111-111111111111",
            "metadata": {
                "roles": [{"id": "ceo", "title": "CEO"}, {"id": "ism", "title": "ISM"}],
                "parties": [
                    {"uuid": "22222222-2222-5222-8222-222222222222", "type": "organization", "name": "Org"},
                    {"uuid": "33333333-3333-5333-8333-333333333333", "type": "person", "name": "Ann",
                     "member-of-organizations": ["22222222-2222-5222-8222-222222222222"]}
                ],
                "responsible-parties": [
                    {"role-id": "ceo", "party-uuids": ["33333333-3333-5333-8333-333333333333"]}
                ]
            },
            "components": [{
                "uuid": "44444444-4444-5444-8444-444444444444",
                "responsible-roles": [{"role-id": "ism"}]
            }]
        }})
    }

    #[test]
    fn a_consistent_document_has_no_problems() {
        assert_eq!(integrity_problems(&consistent()), Vec::<String>::new());
    }

    #[test]
    fn every_broken_reference_is_found() {
        let mut doc = consistent();
        let cd = &mut doc["component-definition"];
        cd["components"][0]["responsible-roles"][0]["role-id"] = json!("cfo");
        cd["metadata"]["responsible-parties"][0]["party-uuids"] =
            json!(["55555555-5555-5555-8555-555555555555"]);
        cd["metadata"]["parties"][1]["member-of-organizations"] =
            json!(["33333333-3333-5333-8333-333333333333"]);
        cd["components"][0]["uuid"] = json!("11111111-1111-5111-8111-111111111111");
        cd["metadata"]["roles"][1]["id"] = json!("ceo");
        let problems = integrity_problems(&doc);
        let expect = [
            "$.component-definition.components[0].responsible-roles[0].role-id: role `cfo` is not in metadata.roles",
            "$.component-definition.metadata.responsible-parties[0].party-uuids: party `55555555-5555-5555-8555-555555555555` is not in metadata.parties",
            "$.component-definition.metadata.parties[1].member-of-organizations: party `33333333-3333-5333-8333-333333333333` is not an organization",
            "uuid `11111111-1111-5111-8111-111111111111` already used at",
            "metadata.roles: role id `ceo` defined twice",
        ];
        for e in expect {
            assert!(
                problems.iter().any(|p| p.contains(e)),
                "{e:?} not among {problems:#?}"
            );
        }
        assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    }

    #[test]
    fn a_role_listed_twice_in_responsible_parties_is_found() {
        let mut doc = consistent();
        let rp = &mut doc["component-definition"]["metadata"]["responsible-parties"];
        let first = rp[0].clone();
        rp.as_array_mut().unwrap().push(first);
        assert_eq!(
            integrity_problems(&doc),
            ["$.component-definition.metadata.responsible-parties: role `ceo` listed twice"]
        );
    }

    #[test]
    fn tokens_strings_and_controls() {
        assert_eq!(token("ceo"), "ceo");
        assert_eq!(token("2nd-line"), "_2nd-line");
        assert_eq!(plain("  a \n b\t"), Some("a b".to_string()));
        assert_eq!(plain(" \n "), None);
        assert!(is_annex_a("A.5.2") && is_annex_a("A.8.34"));
        assert!(
            !is_annex_a("5.3") && !is_annex_a("A.") && !is_annex_a("A.5.") && !is_annex_a("A.x")
        );
        let mut c = vec!["A.5.10", "A.8.1", "A.5.9", "A.5.2"];
        c.sort_by_key(|x| control_key(x));
        assert_eq!(c, ["A.5.2", "A.5.9", "A.5.10", "A.8.1"]);
        assert!(is_email("a@b") && !is_email("a b@c") && !is_email("@b") && !is_email("ab"));
    }

    #[test]
    fn the_uuid_namespace_never_changes() {
        // Pinned (Python: uuid.uuid5(uuid.NAMESPACE_URL, NS)): changing it would
        // change every UUID of every export, and re-exports would no longer diff.
        assert_eq!(
            namespace().to_string(),
            "cccfb310-843c-5eec-b31c-94ed6050b9ce"
        );
    }
}
