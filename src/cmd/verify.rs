//! `rolecall verify`: check a bundle and print one line per problem and a verdict.

use std::process::ExitCode;

use crate::bundle_sig::{self, AllowedSigners};
use crate::cli::{DiagFormat, VerifyArgs};
use crate::error::{Context, Result};
use crate::term::printable;
use crate::verify::{self, Kind, Report, SignatureCheck};

/// Prints the report; exit 0 when the bundle verifies, 1 on any problem.
pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    let signers = args
        .allowed_signers
        .as_deref()
        .map(|path| AllowedSigners::read(path).map_err(crate::error::Error::into_usage))
        .transpose()?;
    let report = verify::verify(&args.bundle, signers.as_ref(), args.require_signatures)?;
    match args.format {
        DiagFormat::Human => crate::term::out(render_human(&report))?,
        DiagFormat::Json => crate::term::out(
            serde_json::to_string_pretty(&report).context("failed to write the report")? + "\n",
        )?,
    }
    Ok(if report.verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One `path: message` line per problem, then the verdict.
fn render_human(report: &Report) -> String {
    let mut out = String::new();
    for p in &report.problems {
        let tampering = if p.kind == Kind::Tampering {
            "tampering: "
        } else {
            ""
        };
        // Names come from the bundle, which is not trusted.
        out.push_str(&printable(&format!("{}: {tampering}{}", p.path, p.message)));
        out.push('\n');
    }
    out.push_str(&signature_line(&report.signature));
    let bundle = printable(&report.bundle);
    let verdict = if report.verified {
        format!(
            "verified: {} files match manifest.json and SHA256SUMS; {} signature sheets bind their documents; {}; the model copy has the model digest ({bundle})",
            report.files,
            report.signature_sheets,
            counts(report)
        )
    } else {
        let n = report.problems.len();
        format!(
            "FAILED: {n} problem{} in {bundle}",
            if n == 1 { "" } else { "s" }
        )
    };
    out.push_str(&verdict);
    out.push('\n');
    out
}

/// How many signatures are current, as the register counts them.
fn counts(report: &Report) -> String {
    match report.signatures {
        Some(c) => format!(
            "{} of {} signatures current, {} for an older version, {} outstanding (as signatures/register.md lists them)",
            c.current,
            c.total(),
            c.outdated,
            c.outstanding
        ),
        None => "its signatures are not listed (a bundle of an earlier rolecall; signatures/register.md shows them)".to_string(),
    }
}

/// What became of `SHA256SUMS.sig`, as a line (none for an unsigned bundle).
fn signature_line(check: &SignatureCheck) -> String {
    let file = bundle_sig::FILE;
    match check {
        SignatureCheck::Absent | SignatureCheck::Refused => String::new(),
        SignatureCheck::Unchecked => format!(
            "{file}: the bundle is signed, but the signature was not checked (hint: pass --allowed-signers FILE to check it and name the signer)\n"
        ),
        SignatureCheck::Verified {
            signer,
            allowed_signers,
        } => {
            printable(&format!(
                "{file}: signed by {} ({} key {}, {allowed_signers}:{})",
                signer.principals.join(","),
                signer.algorithm,
                signer.fingerprint,
                signer.line
            ))
            .into_owned()
                + "\n"
        }
    }
}
