//! The catalogue of validation rules: one entry per diagnostic code.
//!
//! `model::load` and `model::validate` raise diagnostics by naming an entry here
//! (`fonts` the font-coverage one); `rolecall explain`, the SARIF driver and
//! `docs/rules.md` print the same entries, so they never drift apart.
//! `intro.md` is the prose of docs/rules.md: how findings are reported and in
//! which formats.

use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The model is usable but an auditor may raise a finding; `[lint] allow` may silence it.
    Warning,
    /// The model cannot be built into evidence.
    Error,
}

impl Severity {
    /// The word printed before a diagnostic.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One validation rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable code, e.g. `RC011`.
    pub code: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What the rule checks.
    pub checks: &'static str,
    /// Why an auditor cares, with the clause or control.
    pub why: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
}

macro_rules! rules {
    ($( $ident:ident = $code:literal $name:literal $sev:ident {
        checks: $checks:literal, why: $why:literal, fix: $fix:literal $(,)?
    } )*) => {
        $(
            #[doc = $checks]
            pub static $ident: Rule = Rule {
                code: $code,
                name: $name,
                severity: Severity::$sev,
                checks: $checks,
                why: $why,
                fix: $fix,
            };
        )*
        /// Every rule, in code order.
        pub static ALL: &[&Rule] = &[$(&$ident),*];
    };
}

rules! {
    TOML_SYNTAX = "RC001" "toml-syntax" Error {
        checks: "Every model file is valid TOML.",
        why: "A model that cannot be read cannot evidence anything; the error names the file, line and column.",
        fix: "Correct the TOML at the position shown (quotes around strings, `=` between key and value, unquoted dates).",
    }
    SCHEMA = "RC002" "schema" Error {
        checks: "Every key is known, every value has the expected type, and required keys are present. Dates are TOML dates (2026-01-15, unquoted). Each item (a person, a role, the policy, ...) is checked on its own: every error of every item is reported, and an item with one is left out of the model without further errors about it.",
        why: "A misspelt key would otherwise be silently ignored, and the evidence would omit what the organisation meant to record.",
        fix: "Use the key names of the model reference (docs/model.md); keys are kebab-case.",
    }
    MODEL_STRUCTURE = "RC003" "model-structure" Error {
        checks: "The model has exactly one [organisation] and one [policy] table across all its files, every file can be read (a regular UTF-8 file of at most 64 MiB, with a name a bundle can carry: no control character, backslash or colon), and the model is small enough to build (at most 20,000 people, 10,000 roles, 10,000 activities, 10,000 holders of one role and 2,000,000 RACI cells, roles × activities).",
        why: "The policy's document control (clause 7.5) and the ISMS scope (clause 4.3) come from these tables.",
        fix: "Keep [organisation] and [policy] in one file each (for example organisation.toml); remove duplicates.",
    }
    INVALID_ID = "RC010" "invalid-id" Error {
        checks: "Ids of people, roles and activities match ^[a-z0-9][a-z0-9-]{0,63}$.",
        why: "Ids become file names in the evidence bundle and must be stable and portable.",
        fix: "Use lowercase letters, digits and hyphens, starting with a letter or digit, at most 64 characters.",
    }
    DUPLICATE_ID = "RC011" "duplicate-id" Error {
        checks: "No two people, no two roles and no two activities share an id.",
        why: "Each role assignment must name exactly one role and one person (clause 5.3).",
        fix: "Rename one of the two, or merge them.",
    }
    UNKNOWN_REFERENCE = "RC012" "unknown-reference" Error {
        checks: "Every person, role, activity, party and competence id referenced from elsewhere in the model exists: a role's holders, an activity's roles, a person's `party`, a party's, control's or exception's role, the competence of a `[[people.evidence]]` entry.",
        why: "A dangling reference means the documents would name a role or person that is not defined (A.5.2).",
        fix: "Correct the id (the hint suggests the closest existing one) or define the missing entry.",
    }
    ALL_STAFF_HOLDERS = "RC013" "all-staff-holders" Error {
        checks: "A role with `all-staff = true` lists no holders or deputies.",
        why: "An all-staff role is held by every active person; a holder list would contradict that.",
        fix: "Remove `holders` and `deputies` from the all-staff role, or set `all-staff = false`.",
    }
    ACCOUNTABLE_COUNT = "RC020" "accountable-count" Error {
        checks: "Every activity names exactly one accountable role.",
        why: "RACI requires one owner who answers for the outcome; none or several means nobody does. Auditors check for one accountable owner per activity and control.",
        fix: "Set `accountable` to a single role id; move the others to `responsible` or `consulted`.",
    }
    NO_RESPONSIBLE = "RC021" "no-responsible" Error {
        checks: "Every activity names at least one responsible role.",
        why: "An activity nobody performs is a control that does not operate.",
        fix: "Add the role that does the work to `responsible` (the accountable role may also be responsible).",
    }
    CONFLICTING_LETTERS = "RC022" "conflicting-letters" Error {
        checks: "A role appears at most once in an activity's row; only the accountable role may also be responsible.",
        why: "A role both consulted and informed, or responsible and informed, makes the matrix ambiguous.",
        fix: "Keep the role in one list only (A and R may be combined).",
    }
    SHARED_ACCOUNTABILITY = "RC023" "shared-accountability" Warning {
        checks: "The accountable role of an activity has exactly one active holder (top-management and all-staff roles are exempt).",
        why: "Accountability shared between several people is accountability held by nobody; auditors look for a named owner.",
        fix: "Make the activity accountable to a role with one holder, or narrow the role to one holder and make the others deputies.",
    }
    NO_TOP_MANAGEMENT = "RC030" "no-top-management" Error {
        checks: "At least one role is marked `top-management = true`.",
        why: "Clause 5.3 requires top management to assign roles; the signature sheets need someone to assign them.",
        fix: "Mark the CEO, managing director or board role with `top-management = true`.",
    }
    NO_ISMS_CONFORMITY = "RC031" "no-isms-conformity" Error {
        checks: "At least one role is marked `isms-conformity = true`.",
        why: "Clause 5.3 a) requires an explicit assignment of the responsibility for the ISMS conforming to the standard.",
        fix: "Set `isms-conformity = true` on the ISMS manager (or CISO) role.",
    }
    NO_ISMS_REPORTING = "RC032" "no-isms-reporting" Error {
        checks: "At least one role is marked `isms-reporting = true`.",
        why: "Clause 5.3 b) requires an explicit assignment of the responsibility for reporting ISMS performance to top management.",
        fix: "Set `isms-reporting = true` on the ISMS manager (or CISO) role.",
    }
    INDIRECT_REPORTING = "RC033" "indirect-reporting" Warning {
        checks: "A role with `isms-reporting = true` reports directly (`reports-to`) to a top-management role.",
        why: "Auditors expect a direct reporting line from the ISMS manager to top management, not one buried under layers (5.3 b).",
        fix: "Set `reports-to` of the reporting role to a top-management role.",
    }
    APPROVER_NOT_TOP_MANAGEMENT = "RC034" "approver-not-top-management" Error {
        checks: "`policy.approver`, and the `approved-by` of every `[[exceptions]]` entry, is a top-management role.",
        why: "Information security policies are approved by top management (clause 5.2, A.5.1), and so is accepting a segregation conflict that the organisation cannot avoid (A.5.3).",
        fix: "Set `policy.approver` (or the exception's `approved-by`) to a role with `top-management = true`.",
    }
    PERSON_LEFT = "RC040" "person-left" Error {
        checks: "Nobody who has left (`left` on or before the bundle date) holds or deputises for a role.",
        why: "Role documents that name people who have left do not match reality, a frequent audit finding (A.5.2, A.6.5).",
        fix: "Assign the role to a current person, or remove the `left` date if the person is still here.",
    }
    VACANT_KEY_ROLE = "RC041" "vacant-key-role" Error {
        checks: "Every top-management, isms-conformity and isms-reporting role has at least one active holder.",
        why: "Clause 5.3 needs named people for top management and for the 5.3 a) and b) responsibilities.",
        fix: "Add an active person to the role's `holders`.",
    }
    VACANT_ROLE = "RC042" "vacant-role" Warning {
        checks: "Every role has at least one active holder.",
        why: "A vacant role's responsibilities are carried out by nobody; auditors ask who covers them.",
        fix: "Assign a holder, or remove the role and move its activities.",
    }
    CONFLICTING_ROLES = "RC050" "conflicting-roles" Error {
        checks: "Nobody holds two roles that list each other in `conflicts` (either side declaring it is enough).",
        why: "Segregation of duties (A.5.3): the auditor must not audit their own work, the approver must not deploy.",
        fix: "Give one of the two roles to someone else.",
    }
    SEGREGATED_ACTIVITIES = "RC051" "segregated-activities" Error {
        checks: "Nobody is responsible or accountable (through any role) for two activities linked by `segregate-from`.",
        why: "Segregation of duties (A.5.3): conflicting duties are separated so that no one person can misuse them undetected.",
        fix: "Change the R or A of one of the activities so that different people hold them.",
    }
    REPORTING_CYCLE = "RC052" "reporting-cycle" Error {
        checks: "`reports-to` links form no cycle.",
        why: "A reporting line that loops never reaches top management.",
        fix: "Break the cycle: the topmost role has no `reports-to`.",
    }
    AUDITOR_HOLDS_ISMS_ROLE = "RC053" "auditor-holds-isms-role" Error {
        checks: "Nobody who performs internal audit (an active holder of a role responsible for an activity referencing clause 9.2) also holds a clause 5.3 a) or b) role, unless an `[[exceptions]]` entry accepts it. Checked for every model, without declarations.",
        why: "Internal auditors are objective and impartial and do not audit their own work (clause 9.2); the person who makes the ISMS conform and reports on it would audit the ISMS they run.",
        fix: "Have someone else perform the internal audit (another person, or an external auditor as a party), or give the 5.3 role to someone else; where neither is possible, record the conflict with its compensating control in `[[exceptions]]`, approved by top management.",
    }
    AUDITOR_IMPLEMENTS_CONTROLS = "RC054" "auditor-implements-controls" Error {
        checks: "Nobody who performs internal audit is also responsible or accountable (through a role that is not all-staff) for an activity that implements a control: one referencing an Annex A id or clause 8. Top management being accountable for the audit programme is no conflict. An `[[exceptions]]` entry may accept one such activity.",
        why: "Segregation of duties (A.5.3) and independent audit (9.2): an auditor who also operates controls would audit their own work.",
        fix: "Move the audit, or the implementing activities, to other people; or accept the activity in `[[exceptions]]` with a compensating control (such as an independent review of that part of the audit), approved by top management.",
    }
    EXCEPTION_UNUSED = "RC055" "exception-unused" Warning {
        checks: "Every `[[exceptions]]` entry accepts a conflict the model has: its person performs internal audit and holds its `role` (a 5.3 a) or b) role) or is responsible or accountable for its `activity` (an activity implementing a control).",
        why: "An exception for a conflict that no longer exists is outdated documentation, and would silently accept the conflict should it come back.",
        fix: "Remove the exception, or correct its person, role or activity.",
    }
    EXCEPTION_REVIEW_OVERDUE = "RC056" "exception-review-overdue" Warning {
        checks: "An accepted exception's `review-by` date is not before the bundle date.",
        why: "Compensating controls for a segregation conflict are reviewed on schedule; an exception past its review is one nobody looked at again (A.5.3).",
        fix: "Review the exception with top management, then move `review-by` (or resolve the conflict and remove the exception).",
    }
    REVIEW_OVERDUE = "RC060" "review-overdue" Warning {
        checks: "The policy's next review (`last-review`, or `effective`, plus `review-months`) is not before the bundle date.",
        why: "Documented information is reviewed on schedule (clause 7.5); an overdue review is a finding.",
        fix: "Review the policy, then update `policy.last-review` (and the version history).",
    }
    CONCENTRATION = "RC061" "concentration" Warning {
        checks: "Nobody holds more than five roles (all-staff roles not counted).",
        why: "Responsibilities concentrated on one person are a common audit finding: a single point of failure and weak segregation.",
        fix: "Spread the roles, or name deputies and accept the finding with `[lint] allow`.",
    }
    UNUSED_ROLE = "RC062" "unused-role" Warning {
        checks: "Every role appears in at least one activity (R, A, C or I).",
        why: "A role with no part in any activity is a role on paper only.",
        fix: "Add the role to the activities it takes part in, or remove it.",
    }
    NO_AUTHORITY = "RC063" "no-authority" Warning {
        checks: "A role with responsibilities also lists authorities (all-staff roles are exempt); authorities that are only placeholders (`none`, `n/a`, `-`, an empty string) count as none.",
        why: "Responsibility without the authority to act on it is a classic pitfall; A.5.2 expects authorisation levels to be defined.",
        fix: "Add what the role may decide or approve to `authorities`.",
    }
    INVALID_LINT_ALLOW = "RC064" "invalid-lint-allow" Error {
        checks: "`[lint] allow` names existing warning codes only.",
        why: "Errors cannot be silenced, and a misspelt code would silence nothing.",
        fix: "Use a warning code from `rolecall explain --list`.",
    }
    INVALID_CLAUSE_REF = "RC065" "invalid-clause-ref" Warning {
        checks: "`refs` entries look like ISO/IEC 27001:2022 clause ids (5.3, 6.1.2) or Annex A ids (A.5.2, A.8.32).",
        why: "Auditors map evidence to clauses and controls by id.",
        fix: "Write the clause as digits and dots, Annex A controls with an `A.` prefix.",
    }
    ISMS_ACCOUNTABILITY_CONCENTRATION = "RC066" "isms-accountability-concentration" Warning {
        checks: "Nobody who holds a clause 5.3 a) role is also accountable (through the roles they hold, all-staff roles aside) for more than half of the activities. In addition to RC061.",
        why: "An ISMS run and answered for by one person is a single point of failure, and leaves nobody to check that person's work: auditors see it as a concentration of responsibilities.",
        fix: "Make the owners of the processes (engineering, HR, operations) accountable for their activities; the ISMS manager coordinates and reports.",
    }
    FUTURE_DATE = "RC067" "future-date" Error {
        checks: "The policy's `effective` and `last-review` dates, the roles' `assigned` dates, the version history's dates, the parties' `last-review` and the dates of competence evidence are not after the bundle date.",
        why: "Documented information records what has happened (clause 7.5): a document cannot record the future, and an auditor reads a future date as a typing error or back-dating.",
        fix: "Correct the date, or build the bundle as of a later date with `--date`.",
    }
    LONG_REVIEW_INTERVAL = "RC068" "long-review-interval" Warning {
        checks: "`policy.review-months` and each party's `review-months` are at most 12.",
        why: "Auditors expect the policy and supplier agreements to be reviewed at least once a year (clause 5.2, 7.5, A.5.22).",
        fix: "Set `review-months` to 12 or less.",
    }
    VERSION_WITHOUT_HISTORY = "RC069" "version-without-history" Warning {
        checks: "The policy's `version` has a row in the version history (`[[policy.history]]`).",
        why: "Version control of documented information (clause 7.5) means each version says when it was issued, by whom and what changed; an auditor compares the version on the cover with the history.",
        fix: "Add a `[[policy.history]]` row for the current version, or correct `policy.version`.",
    }
    SIGNATURE_SHEET = "RC070" "signature-sheet" Error {
        checks: "A `[[signatures]]` record names a sheet that exists: `role/<role-id>/<person-id>` (a role that is not all-staff), `policy-approval`, `all-staff/<person-id>` (a member of staff: people of external parties are not on that sheet) or, in a model with `board-resolution = true`, `board-resolution`, with known ids.",
        why: "A record of a signature on a sheet that was never printed is not evidence of anything.",
        fix: "Copy the sheet id from the signature register (signatures/register.md) of the bundle the sheet was printed from.",
    }
    SIGNATURE_SIGNER = "RC071" "signature-signer" Error {
        checks: "`signed-by` is a known person who is a party to the sheet, or `governing-body`: the appointee or a top-management holder on an assignment sheet (the governing body instead of top management on the sheets of top-management roles), a holder of the approver role on the policy approval, the person themself on the all-staff acknowledgement, a member of top management on the board resolution. `signatory` is only for records of the governing body.",
        why: "Clause 5.3 expects top management to assign roles; a signature by someone else does not evidence that.",
        fix: "Record the person who actually signed, by id; if the wrong person signed, have the sheet signed again.",
    }
    SIGNATURE_DATE = "RC072" "signature-date" Error {
        checks: "A signature is not dated after the bundle date, nor after the signer's `left` date.",
        why: "A signature from the future, or by someone who had already left, cannot be genuine evidence.",
        fix: "Correct the date to the one written on the sheet.",
    }
    SIGNATURE_DIGEST = "RC073" "signature-digest" Error {
        checks: "`digest` is the 12-hex-digit short digest (or the full 64-digit SHA-256) printed on the sheet.",
        why: "The digest binds the signature to one exact content of the document; without it the record proves nothing.",
        fix: "Copy the short digest printed on the signed sheet.",
    }
    SIGNATURE_OUTDATED = "RC074" "signature-outdated" Warning {
        checks: "A recorded signature's digest is that of the document as it is now. A digest that is not the current one was signed for an older version, or was mistyped; with `--previous`, a digest that the earlier bundle's sheet printed is an older version, and one found in neither bundle is unknown.",
        why: "The document changed since it was signed (A.5.2 expects roles to be reviewed and re-assigned when they change); the old signature does not cover the new content. A mistyped digest proves nothing.",
        fix: "Compare the digest with the one on the signed sheet: correct a typo; otherwise print the sheet from a new bundle, have it signed, and record the new signature with the new digest (`rolecall signatures MODEL --toml` prints the records to fill in).",
    }
    SIGNATURE_OUTSTANDING = "RC075" "signature-outstanding" Warning {
        checks: "Once the model records signatures, every sheet of the bundle is signed by each of its parties. The finding points at what asks for the sheet: the role of an assignment sheet, the policy's `approver`, the all-staff role, the `[organisation]` table for the board resolution.",
        why: "An assignment that top management has not signed, or an appointee has not accepted, is not yet evidence for clause 5.3.",
        fix: "Have the sheets in signatures/register.md marked outstanding signed and record them under `[[signatures]]` (`rolecall signatures MODEL` lists them, `--toml` prints the records to fill in).",
    }
    SIGNATURE_EVIDENCE = "RC076" "signature-evidence" Error {
        checks: "A record's `evidence` is a file inside the model's directory (after links are followed), named relative to it, of at most 64 MiB (192 MiB for all evidence files of a model), and a PDF, PNG or JPEG by its content; a PDF is not encrypted and can be read; and a PDF with text carries the record's digest, not another one.",
        why: "The evidence goes into the bundle as proof of the signature; a PDF that shows another digest was signed for another version of the document, so it does not prove the signature the record claims.",
        fix: "Put the scan or the returned PDF in the model's directory (for example signed/) and name it relative to it; for a PDF showing another digest, record that digest (or have the current sheet signed).",
    }
    EVIDENCE_WITHOUT_DIGEST = "RC077" "evidence-without-digest" Warning {
        checks: "A PDF named as `evidence` that has text carries a digest: the sheets rolecall prints do.",
        why: "A PDF with text but no digest is not one of the bundle's sheets (perhaps another document was attached), so it cannot be matched with the version signed.",
        fix: "Name the signed sheet itself, as returned by the e-signature service, or a scan of the signed paper.",
    }
    SIGNATURE_DUPLICATE = "RC078" "signature-duplicate" Error {
        checks: "No two `[[signatures]]` records say the same thing: the same sheet, signer, date and digest.",
        why: "A copied record inflates nothing in the register, but it hides which record was meant, and a model that repeats itself is not a reliable record (clause 7.5).",
        fix: "Remove one of the two records (the hint points at the first one).",
    }
    MISSING_GLYPH = "RC080" "missing-glyph" Error {
        checks: "Every character of the text the PDFs show has a glyph in a font typst is given (its embedded fonts, the model's `fonts/` folder, `--font-path`, with `--system-fonts` the machine's). `check` checks it as a PDF build would (`check --font-path DIR` and `--system-fonts` as for `build`); a Markdown-only build does not. The finding points at the model file and line the text came from.",
        why: "typst prints an empty box for a character no font has, without a warning; on a policy or a signed role description that is a defect nobody sees until the paper is signed, and documented information must be legible (clause 7.5).",
        fix: "Put a font that covers the characters (for example Noto Sans CJK for Chinese or Japanese) in the model's `fonts/` folder, or pass `--font-path DIR` (to `check` as to `build`); or build Markdown only with `--format md`.",
    }
    CONTROL_CHARACTER = "RC090" "control-character" Error {
        checks: "No text of the model holds a control character (C0 or C1, such as ESC, NUL, BEL, backspace, DEL) or a bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069). Line breaks, carriage returns and tabs are text: multi-line strings and the Markdown fields need them, and inline fields show them as a space. The finding names the character and where it is.",
        why: "Such characters act instead of being shown: an ESC sequence retitles, clears or hides a terminal, and a right-to-left override makes a PDF or web page show text reversed, so a document could read differently from what was approved (clause 7.5 asks for documented information that is legible and identifiable).",
        fix: "Remove the character. If it came from a copy and paste, retype the text around it.",
    }
    INVISIBLE_CHARACTER = "RC091" "invisible-character" Warning {
        checks: "Names and titles (`name`, `short-name`, `title`, `id`, `group`, `department`, `email`, `version`, `classification`) hold no zero-width character: U+200B zero width space, U+200C zero width non-joiner, U+200D zero width joiner, U+2060 word joiner, U+FEFF zero width no-break space.",
        why: "These characters show as nothing, so `Alex` and `Al\u{200B}ex` look the same on a signature sheet while being different names. It is a warning, not an error, because some names need one: a joiner in a Persian or Indic name, an emoji sequence.",
        fix: "Remove the character (it usually comes with text pasted from a web page or a word processor); where the script needs it, allow RC091 in `[lint]`.",
    }
    TOO_LARGE = "RC092" "too-large" Error {
        checks: "Every value fits where rolecall puts it: a name or title at most 500 characters, any other text at most 2,000,000, a heading inside a Markdown field at most 500 and a link target at most 2,048; and every cell of the RACI workbook (a role's holders and deputies, a person's roles and deputyships, an activity's references, each joined) at most Excel's 32,767 characters. docs/model.md lists every limit.",
        why: "`build` would otherwise fail halfway (Excel refuses a longer cell, a PDF/A string is at most 32,767 bytes) on a model `check` passed; evidence must be reproducible from a model that checks.",
        fix: "Shorten the value; make a role everyone holds `all-staff = true` rather than listing thousands of holders; split long text into several policy sections.",
    }
    UNSUPPORTED_MARKDOWN = "RC093" "unsupported-markdown" Error {
        checks: "The Markdown fields (`purpose`, a policy section's `body`) hold only what the PDF and Word documents can show: headings, paragraphs, emphasis, lists, tables, links, code, block quotes and footnotes; no raw HTML and no images (and nothing nested deeper than typst lays out).",
        why: "The PDF and Word writers refuse what they cannot show rather than drop it silently, so a model `check` passed would fail `build`; and raw HTML in a document an auditor opens is not text anyone approved.",
        fix: "Write the construct as text: a link instead of an image, Markdown emphasis instead of HTML tags.",
    }
    EVIDENCE_MISSING = "RC100" "evidence-missing" Warning {
        checks: "Every active holder of a role has current evidence (`[[people.evidence]]`, obtained by the bundle date and not expired) of each tracked competence the role requires: each `competence` entry that is the id of a `[[competences]]` entry.",
        why: "Clause 7.2 raises more nonconformities than any other requirement; the usual finding is required competence defined, no evidence that the holder has it.",
        fix: "Add a `[[people.evidence]]` entry under the person (certificate, course record, experience) with its date, or plan the training and accept the warning until it is done.",
    }
    EVIDENCE_EXPIRED = "RC101" "evidence-expired" Warning {
        checks: "The latest evidence a role holder has of a competence their role requires has not expired (its `expires`, or its `date` plus the competence's `renew-months`).",
        why: "Expired training or certification no longer evidences competence (clause 7.2); renewal every one to three years is common practice.",
        fix: "Renew the training or certificate and add the new evidence as another `[[people.evidence]]` entry (keep the old one as history).",
    }
    EVIDENCE_EXPIRING = "RC102" "evidence-expiring" Warning {
        checks: "The latest evidence a role holder has of a competence their role requires does not expire within 60 days of the bundle date.",
        why: "Evidence that lapses before the next audit or the next bundle leaves the role without evidenced competence; plan the renewal now (clause 7.2).",
        fix: "Book the renewal; once done, add the new evidence. Silence with `[lint] allow = [\"RC102\"]` if renewal is planned.",
    }
    CONTROL_WITHOUT_OWNER = "RC110" "control-without-owner" Error {
        checks: "With `[[controls]]`: every applicable control has one owner, given as `owner` or taken from the accountable role of the activities that reference the control (when they all have the same one).",
        why: "Each applicable control mapped to a live owner is what auditors look at first in the Statement of Applicability (6.1.3, A.5.2).",
        fix: "Set `owner` to the role that owns the control, or add an activity referencing the control with its accountable role.",
    }
    CONTROL_OWNER_VACANT = "RC111" "control-owner-vacant" Error {
        checks: "With `[[controls]]`: the owner role of every applicable control has an active holder (it is not vacant, nor held only by people who have left).",
        why: "A control owned by nobody operates on paper only; auditors ask the owner how the control works (A.5.2).",
        fix: "Give the owner role a current holder, or make another role the control's owner.",
    }
    NOT_ANNEX_A_CONTROL = "RC112" "not-annex-a-control" Error {
        checks: "The id of every `[[controls]]` entry is an ISO/IEC 27001:2022 Annex A control: A.5.1 to A.5.37, A.6.1 to A.6.8, A.7.1 to A.7.14 or A.8.1 to A.8.34.",
        why: "The Statement of Applicability is a statement about the Annex A controls (6.1.3 d); an id of the 2013 edition or a typing error makes it wrong.",
        fix: "Use the 2022 control id (the 2013 edition's A.9 to A.18 were renumbered into A.5 to A.8).",
    }
    CONTROL_NOT_JUSTIFIED = "RC113" "control-not-justified" Error {
        checks: "Every control with `applicable = false` gives a `justification`.",
        why: "The Statement of Applicability justifies each exclusion of an Annex A control (6.1.3 d); an unexplained exclusion is a nonconformity.",
        fix: "Add `justification = \"...\"` saying why the control does not apply (for example: no own premises, all offices are co-working spaces).",
    }
    EXCLUDED_CONTROL_REFERENCED = "RC114" "excluded-control-referenced" Warning {
        checks: "With `[[controls]]`: no activity, role or party references (`refs`) a control marked `applicable = false`.",
        why: "A control the organisation declares not applicable but whose activities it describes makes the Statement of Applicability contradict the roles and responsibilities.",
        fix: "Mark the control applicable (with its owner), or remove the reference.",
    }
    ROSTER_HOLDER_MISSING = "RC120" "roster-holder-missing" Warning {
        checks: "With `check --roster FILE.csv`: every active holder or deputy of a role who is staff is found in the HR export (by id, e-mail or name).",
        why: "Auditors compare the roles list with the HR directory: a role holder HR does not know is a documentation error or a person who is not employed (A.5.2, A.6.1).",
        fix: "Correct the person's id, `email` or name in the model to match the HR system, or find out why HR does not list them.",
    }
    ROSTER_HOLDER_LEFT = "RC121" "roster-holder-left" Error {
        checks: "With `check --roster FILE.csv`: no active role holder or deputy is marked as left in the HR export (an end date on or before the bundle date, or a status such as inactive or terminated).",
        why: "Role documents that name people who have left do not match reality (A.5.2, A.6.5); HR knows first.",
        fix: "Set the person's `left` date in the model and give their roles to current people.",
    }
    ROSTER_STAFF_MISSING = "RC122" "roster-staff-missing" Warning {
        checks: "With `check --roster FILE.csv`: every active person of the HR export is in the model (by id, e-mail or name).",
        why: "Everyone in scope acknowledges the policy (clause 7.3); a member of staff missing from the model is missing from the all-staff acknowledgement and from every all-staff role.",
        fix: "Add the person under `[[people]]`, or mark them as left in the HR system.",
    }
    PARTY_OWNER = "RC130" "party-owner" Error {
        checks: "The `owner` of every `[[parties]]` entry is a role with at least one active holder who is staff (not a person of an external party).",
        why: "An outsourced function keeps its accountability inside the organisation: each supplier relationship has an internal owner who agrees, monitors and reviews its security (A.5.19, A.5.22).",
        fix: "Give the owner role an active member of staff, or make another internal role the owner.",
    }
    PARTY_WITHOUT_CONTRACT = "RC131" "party-without-contract" Warning {
        checks: "Every `[[parties]]` entry names its `contract`: where the party's security responsibilities are agreed.",
        why: "Auditors ask for the agreement that binds a supplier to its information security requirements (A.5.20); forgetting third parties is a common clause 5.3 finding.",
        fix: "Set `contract` to the agreement, data processing agreement or security annex (for example `MSA-2024-017, DPA annex 3`).",
    }
    PARTY_REVIEW_OVERDUE = "RC132" "party-review-overdue" Warning {
        checks: "A party's next review (`last-review` plus `review-months`, default 12) is not before the bundle date. Parties without `last-review` are not checked.",
        why: "Supplier services are monitored and reviewed regularly (A.5.22); an overdue review is a finding.",
        fix: "Review the party's service and agreement with its owner, then update `last-review`.",
    }
}

/// Finds a rule by code (`RC011`) or name (`duplicate-id`), case-insensitively.
pub fn find(key: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
}

/// The full explanation of a rule, as `rolecall explain` prints it and docs/rules.md holds it.
pub fn explain(rule: &Rule) -> String {
    format!(
        "{code} {name} ({sev})\n\nChecks: {checks}\n\nWhy it matters: {why}\n\nHow to fix: {fix}\n",
        code = rule.code,
        name = rule.name,
        sev = rule.severity.as_str(),
        checks = rule.checks,
        why = rule.why,
        fix = rule.fix,
    )
}

/// One rule as a section of docs/rules.md.
pub fn explain_markdown(rule: &Rule) -> String {
    format!(
        "## {code} {name}\n\nSeverity: {sev}\n\n**Checks:** {checks}\n\n**Why it matters:** {why}\n\n**How to fix:** {fix}\n",
        code = rule.code,
        name = rule.name,
        sev = rule.severity.as_str(),
        checks = rule.checks,
        why = rule.why,
        fix = rule.fix,
    )
}

/// The prose of docs/rules.md before the table: how findings are reported
/// (one root cause, one error) and the output formats.
const INTRO: &str = include_str!("intro.md");

/// docs/rules.md: the prose, a summary table, then every rule's section, in code order.
/// The catalogue's texts are written as Markdown (backticks for keys) and hold
/// no `|` or line break, so they go into table cells as they are.
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# Rules\n\n\
         <!-- Generated from src/rules/: `rolecall explain --list --format markdown > docs/rules.md`. Do not edit by hand. -->\n\n",
    );
    out.push_str(INTRO);
    out.push_str("\n| code | name | severity | checks |\n|---|---|---|---|\n");
    for r in ALL {
        out.push_str(&format!(
            "| [{code}](#{anchor}) | {name} | {sev} | {checks} |\n",
            code = r.code,
            anchor = format!("{}-{}", r.code, r.name).to_lowercase(),
            name = r.name,
            sev = r.severity.as_str(),
            checks = r.checks,
        ));
    }
    for r in ALL {
        out.push('\n');
        out.push_str(&explain_markdown(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_fit_in_a_table_cell() {
        for r in ALL {
            for text in [r.checks, r.why, r.fix] {
                assert!(
                    !text.contains('|') && !text.contains('\n'),
                    "{}: `|` or a line break would break docs/rules.md: {text}",
                    r.code
                );
            }
        }
    }

    #[test]
    fn codes_and_names_are_unique_and_sorted() {
        for pair in ALL.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} before {}",
                pair[0].code,
                pair[1].code
            );
        }
        let mut names: Vec<_> = ALL.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }

    #[test]
    fn finds_by_code_or_name() {
        assert_eq!(find("rc011").map(|r| r.name), Some("duplicate-id"));
        assert_eq!(find("review-overdue").map(|r| r.code), Some("RC060"));
        assert!(find("RC999").is_none());
    }
}
