//! Validation of the `[[signatures]]` records: part of the model stage.
//!
//! After the rest of the model is resolved, each record is matched with a sheet
//! the model's bundle prints (RC070), a signer who is a party to it (RC071), a
//! date that can be true (RC072) and a digest (RC073); a record that repeats
//! another is an error (RC078); and its evidence file, when it names one, is
//! read from the model's directory and examined: it must be a PDF, PNG or JPEG
//! whose text, for a PDF with text, carries the record's digest (RC076, RC077).
//! Each diagnostic points at its own record. Whether a record is for the
//! current content is the register's question (`crate::signatures`), once the
//! documents exist.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::super::hints::suggest;
use super::super::raw::RawSignature;
use super::super::sheet::SheetId;
use super::*;
use crate::evidence as examine;

/// Most bytes of evidence one model may bring (distinct files together): what
/// `rolecall verify` keeps in memory of a bundle's `model/` stays within its limit.
pub const MAX_EVIDENCE_TOTAL: u64 = 192 * 1024 * 1024;

/// One evidence file as read and examined, by path and digest.
type Examined = std::result::Result<(Arc<[u8]>, EvidenceKind), ()>;

/// What the records of one model have read so far.
#[derive(Default)]
struct Reading {
    /// Each file's bytes (or `None` when it could not be read), by path.
    files: BTreeMap<String, Option<Arc<[u8]>>>,
    /// What each file said of each digest.
    examined: BTreeMap<(String, String), Examined>,
    /// Bytes of the distinct files read.
    total: u64,
}

impl Validator {
    /// Resolves every record against the model, in file order.
    pub(super) fn signatures(
        &mut self,
        raw: &[Item<RawSignature>],
        m: &Model,
        complete: &Complete,
    ) -> Vec<Signature> {
        let assigners = m.assigners();
        let mut reading = Reading::default();
        let mut out: Vec<Signature> = Vec::new();
        // Where each record was first written, by what makes two records the same.
        let mut first: BTreeMap<(SheetId, Signer, Date, String), Option<Location>> =
            BTreeMap::new();
        for item in raw {
            let file = item.file;
            let Some(mut sig) = self.signature(file, item, m, complete, &assigners) else {
                continue;
            };
            // A short and a full digest of the same content are the same digest.
            let key = (
                sig.sheet_id.clone(),
                sig.signer,
                sig.date,
                crate::digest::short(&sig.digest).to_string(),
            );
            let at = loc(file, &item.sheet);
            if let Some(earlier) = first.get(&key) {
                let d = self.push(
                    &rules::SIGNATURE_DUPLICATE,
                    at,
                    format!(
                        "`{}` signed by {} on {} with digest {} is recorded twice",
                        sig.sheet_id,
                        signer_name(m, sig.signer),
                        sig.date,
                        sig.digest
                    ),
                );
                d.hint = Some("remove one of the two records".into());
                if let Some(earlier) = earlier {
                    d.labels.push(crate::diag::Label {
                        location: earlier.clone(),
                        message: "first recorded here".into(),
                    });
                }
                continue;
            }
            first.insert(key, at);
            if let Some(path) = &item.evidence {
                sig.evidence = self.signature_evidence(file, path, &sig, m, &mut reading);
            }
            out.push(sig);
        }
        out
    }

    /// Resolves one record against the model (RC070-RC073).
    fn signature(
        &mut self,
        file: usize,
        s: &RawSignature,
        m: &Model,
        complete: &Complete,
        assigners: &Assigners,
    ) -> Option<Signature> {
        let person = |id: &str| m.people.iter().position(|p| p.id == id);
        let role = |id: &str| m.roles.iter().position(|r| r.id == id);
        let sheet_id = s.sheet.get_ref().as_str();
        let parsed = sheet_id.parse::<SheetId>();
        let signed_by = s.signed_by.get_ref().as_str();
        // A sheet of a person or role that failed to load is that error.
        let failed_person = |p: &str| self.failed.may_hold("people", p);
        let failed_role = |r: &str| self.failed.may_hold("roles", r);
        let quiet = match &parsed {
            Ok(SheetId::AllStaffLine { person: p }) => person(p).is_none() && failed_person(p),
            Ok(SheetId::Assignment { role: r, person: p }) => {
                (role(r).is_none() && failed_role(r)) || (person(p).is_none() && failed_person(p))
            }
            _ => false,
        };
        if quiet || (person(signed_by).is_none() && failed_person(signed_by)) {
            return None;
        }
        let sheet = match &parsed {
            Ok(SheetId::PolicyApproval) => Ok(Sheet::PolicyApproval),
            Ok(SheetId::BoardResolution) if m.organisation.board_resolution => {
                Ok(Sheet::BoardResolution)
            }
            Ok(SheetId::BoardResolution) => Err(
                "the model has no board resolution (`board-resolution = true` in [organisation])"
                    .to_string(),
            ),
            Ok(SheetId::AllStaffLine { person: p }) => match person(p) {
                None => Err(format!("unknown person `{p}`")),
                Some(i) if m.people[i].party.is_some() => Err(format!(
                    "`{p}` belongs to an external party, which acknowledges the policy through its agreement, not on the all-staff sheet"
                )),
                Some(person) => Ok(Sheet::AllStaff { person }),
            },
            Ok(SheetId::Assignment { role: r, person: p }) => match (role(r), person(p)) {
                (None, _) => Err(format!("unknown role `{r}`")),
                (_, None) => Err(format!("unknown person `{p}`")),
                (Some(role), _) if m.roles[role].all_staff => Err(format!(
                    "`{r}` is an all-staff role: its holders sign the all-staff acknowledgement"
                )),
                (Some(role), Some(person)) => Ok(Sheet::Assignment { role, person }),
            },
            Ok(SheetId::AllStaff) | Err(_) => Err("not a sheet id".to_string()),
        };
        let sheet = match sheet {
            Ok(sheet) => sheet,
            Err(why) => {
                self.push(
                    &rules::SIGNATURE_SHEET,
                    loc(file, &s.sheet),
                    format!("no sheet `{sheet_id}`: {why}"),
                )
                .hint = Some("sheet ids are `role/<role-id>/<person-id>`, `policy-approval`, `all-staff/<person-id>` or `board-resolution`; signatures/register.md in the bundle lists them".into());
                return None;
            }
        };
        let signer = match person(signed_by) {
            Some(p) => Signer::Person(p),
            None if signed_by == GOVERNING_BODY => Signer::GoverningBody,
            None => {
                let hint = match suggest(signed_by, m.people.iter().map(|p| &p.id)) {
                    Some(id) => format!("did you mean `{id}`?"),
                    None => format!(
                        "`signed-by` is the id of a person in the model, or `{GOVERNING_BODY}`"
                    ),
                };
                self.push(
                    &rules::SIGNATURE_SIGNER,
                    loc(file, &s.signed_by),
                    format!("unknown person `{signed_by}`"),
                )
                .hint = Some(hint);
                return None;
            }
        };
        let date = self.date(file, &s.date)?;
        if sheet == Sheet::PolicyApproval && m.policy.approver == usize::MAX {
            // The policy did not load or its approver did not resolve: reported.
            return None;
        }
        if let (Some(signatory), Signer::Person(p)) = (&s.signatory, signer) {
            self.push(
                &rules::SIGNATURE_SIGNER,
                loc(file, signatory),
                format!(
                    "`signatory` names who signed for the governing body, but {} (`{}`) signed this record",
                    m.people[p].name, m.people[p].id
                ),
            )
            .hint = Some(format!(
                "remove `signatory`, or write `signed-by = \"{GOVERNING_BODY}\"` if the governing body signed"
            ));
            return None;
        }
        // Who is a party depends on every role's holders.
        if !self.party(&sheet, signer, m, assigners) && complete.holders {
            let who = match &sheet {
                Sheet::Assignment { role, person } => match assigners.of(*role, *person) {
                    Assigner::GoverningBody => {
                        "the appointee or the governing body (`signed-by = \"governing-body\"`)"
                    }
                    Assigner::Resolution | Assigner::TopManagement { .. } => {
                        "the appointee or a member of top management"
                    }
                },
                Sheet::PolicyApproval => "a holder of the policy's approver role",
                Sheet::AllStaff { .. } => "the person whose line it is",
                Sheet::BoardResolution => "the members of top management",
            };
            self.push(
                &rules::SIGNATURE_SIGNER,
                loc(file, &s.signed_by),
                format!(
                    "{} is not a party to sheet `{sheet_id}`",
                    signer_name(m, signer)
                ),
            )
            .hint = Some(format!("this sheet is signed by {who}"));
            return None;
        }
        if date > m.date {
            self.push(
                &rules::SIGNATURE_DATE,
                loc(file, &s.date),
                format!("signature dated {date}, after the bundle date {}", m.date),
            )
            .hint =
                Some("use the date written on the sheet; a future date cannot be evidence".into());
            return None;
        }
        if let Some(p) = signer.person()
            && let Some(left) = m.people[p].left.filter(|&l| date > l)
        {
            self.push(
                &rules::SIGNATURE_DATE,
                loc(file, &s.date),
                format!(
                    "signature dated {date}, after {} left on {left}",
                    m.people[p].name
                ),
            )
            .hint = Some("use the date written on the sheet".into());
            return None;
        }
        let digest = s.digest.get_ref().to_ascii_lowercase();
        if !matches!(digest.len(), 12 | 64) || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.push(
                &rules::SIGNATURE_DIGEST,
                loc(file, &s.digest),
                format!("`{}` is not a content digest", s.digest.get_ref()),
            )
            .hint = Some("copy the 12 hex digits printed as the short digest on the sheet".into());
            return None;
        }
        let Ok(sheet_id) = parsed else {
            return None;
        };
        Some(Signature {
            sheet,
            sheet_id,
            signer,
            signatory: s.signatory.as_ref().map(|x| x.get_ref().clone()),
            date,
            digest,
            location: loc(file, &s.digest),
            evidence: None,
        })
    }

    /// Whether `signer` may sign `sheet`. Someone who has left may have been in
    /// top management when they signed: their record is history, not an error.
    fn party(&self, sheet: &Sheet, signer: Signer, m: &Model, assigners: &Assigners) -> bool {
        let Signer::Person(p) = signer else {
            return matches!(sheet, Sheet::Assignment { role, person }
                if assigners.of(*role, *person) == Assigner::GoverningBody);
        };
        let holds = |r: RoleIdx| m.roles[r].holders.contains(&p);
        let top = (0..m.roles.len()).any(|r| m.roles[r].top_management && holds(r));
        let left = m.people[p].left.is_some();
        match sheet {
            Sheet::Assignment { person, .. } => *person == p || top || left,
            Sheet::PolicyApproval => holds(m.policy.approver) || left,
            Sheet::AllStaff { person } => *person == p,
            Sheet::BoardResolution => top || left,
        }
    }

    /// Reads and examines the evidence a record names (RC076, RC077).
    fn signature_evidence(
        &mut self,
        file: usize,
        path: &Spanned<String>,
        sig: &Signature,
        m: &Model,
        reading: &mut Reading,
    ) -> Option<SignatureEvidence> {
        let at = loc(file, path);
        let rel = path.get_ref();
        if !reading.files.contains_key(rel) {
            let read = match paths::read_evidence(&m.root, rel) {
                Ok((_, bytes)) if reading.total + bytes.len() as u64 > MAX_EVIDENCE_TOTAL => {
                    self.push(
                        &rules::SIGNATURE_EVIDENCE,
                        at.clone(),
                        format!(
                            "evidence `{rel}` brings the model's evidence files past {MAX_EVIDENCE_TOTAL} bytes"
                        ),
                    )
                    .hint = Some("scan at a lower resolution or in black and white; one signed page needs a few hundred kilobytes".into());
                    None
                }
                Ok((_, bytes)) => {
                    reading.total += bytes.len() as u64;
                    Some(Arc::from(bytes))
                }
                Err(refused) => {
                    self.push(&rules::SIGNATURE_EVIDENCE, at.clone(), refused.message)
                        .hint = Some(refused.hint);
                    None
                }
            };
            reading.files.insert(rel.clone(), read);
        }
        let bytes = reading.files.get(rel).cloned().flatten()?;
        let key = (rel.clone(), sig.digest.clone());
        if let Some(done) = reading.examined.get(&key) {
            // Reported for the first record that named it with this digest.
            return done.clone().ok().map(|(bytes, kind)| SignatureEvidence {
                path: rel.clone(),
                bytes,
                kind,
            });
        }
        let judged = self.judge(at, rel, sig, &bytes);
        reading
            .examined
            .insert(key, judged.map(|kind| (bytes.clone(), kind)).ok_or(()));
        judged.map(|kind| SignatureEvidence {
            path: rel.clone(),
            bytes,
            kind,
        })
    }

    /// What the evidence `bytes` show of the record's digest; a diagnostic
    /// for a file that is no evidence of it.
    fn judge(
        &mut self,
        at: Option<Location>,
        rel: &str,
        sig: &Signature,
        bytes: &[u8],
    ) -> Option<EvidenceKind> {
        let found = match examine::examine(bytes, &sig.digest) {
            Ok(found) => found,
            Err(e) => {
                self.push(
                    &rules::SIGNATURE_EVIDENCE,
                    at,
                    format!("evidence `{rel}`: {e}"),
                )
                .hint = e.hint().map(str::to_string);
                return None;
            }
        };
        match (EvidenceKind::of(&found), found) {
            (_, examine::Evidence::PdfOtherDigest { found }) => {
                let shown: Vec<&str> = found.iter().take(3).map(String::as_str).collect();
                self.push(
                    &rules::SIGNATURE_EVIDENCE,
                    at,
                    format!(
                        "evidence `{rel}` shows the digest {} but the record says {}: the signed PDF is of another version of `{}`",
                        shown.join(", "),
                        sig.digest,
                        sig.sheet_id
                    ),
                )
                .hint = Some("record the digest the signed PDF shows (the register then says whether it is current), or have the current sheet signed".into());
                None
            }
            (Some(EvidenceKind::PdfWithoutDigest), _) => {
                self.push(
                    &rules::EVIDENCE_WITHOUT_DIGEST,
                    at,
                    format!(
                        "evidence `{rel}` is a PDF with text, but its text does not carry the digest {}",
                        sig.digest
                    ),
                )
                .hint = Some("name the signed sheet itself (rolecall prints the digest on it), or a scan of it".into());
                Some(EvidenceKind::PdfWithoutDigest)
            }
            (kind, _) => kind,
        }
    }
}

/// How messages name a signer.
fn signer_name(m: &Model, s: Signer) -> String {
    match s {
        Signer::Person(p) => format!("{} (`{}`)", m.people[p].name, m.people[p].id),
        Signer::GoverningBody => "the governing body".to_string(),
    }
}
