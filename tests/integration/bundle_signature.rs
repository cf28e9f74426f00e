//! `build --sign-key` and `verify --allowed-signers` (issue 13): the bundle
//! signature `SHA256SUMS.sig` round-trips with OpenSSH's own `ssh-keygen -Y sign`
//! and `-Y verify`, run exactly as docs/auditor.md tells the auditor to.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{Run, build_bundle, example, read, rolecall};

const DATE: &str = "2026-11-23";

/// Runs `program args` in `dir` with `stdin`.
fn run_in(dir: &Path, program: &str, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}); hint: apt-get install openssh-client")
        });
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// An ed25519 key pair `dir/name`, `dir/name.pub` made by `ssh-keygen`, and an
/// `allowed_signers` file admitting it as `principal` for namespace `rolecall`.
fn key_pair(dir: &Path, name: &str, passphrase: &str, principal: &str) -> (PathBuf, PathBuf) {
    let args = [
        "-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", name,
    ];
    let out = run_in(dir, "ssh-keygen", &args, b"");
    assert!(out.status.success(), "{out:?}");
    let public = std::fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap();
    let allowed = dir.join(format!("{name}.allowed_signers"));
    std::fs::write(
        &allowed,
        format!("{principal} namespaces=\"rolecall\" {public}"),
    )
    .unwrap();
    (dir.join(name), allowed)
}

/// `ssh-keygen -l` of a public key: its `SHA256:...` fingerprint.
fn fingerprint(public: &Path) -> String {
    let out = run_in(
        Path::new("."),
        "ssh-keygen",
        &["-l", "-f", public.to_str().unwrap()],
        b"",
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.split(' ').nth(1).unwrap().to_string()
}

/// The auditor's check, as in docs/auditor.md, in the bundle folder:
/// `ssh-keygen -Y verify -f ALLOWED -I SIGNER -n rolecall -s SHA256SUMS.sig < SHA256SUMS`.
fn openssh_verify(bundle: &Path, allowed: &Path, signer: &str) -> Output {
    let sums = std::fs::read(bundle.join("SHA256SUMS")).unwrap();
    let args = [
        "-Y",
        "verify",
        "-f",
        allowed.to_str().unwrap(),
        "-I",
        signer,
        "-n",
        "rolecall",
        "-s",
        "SHA256SUMS.sig",
    ];
    run_in(bundle, "ssh-keygen", &args, &sums)
}

fn verify_with(path: &Path, allowed: &Path) -> Run {
    rolecall(&[
        "verify",
        path.to_str().unwrap(),
        "--allowed-signers",
        allowed.to_str().unwrap(),
    ])
}

/// Builds the minimal example (Markdown only) signed with `key`.
fn signed_bundle(key: &Path) -> (tempfile::TempDir, PathBuf) {
    build_bundle(
        &example("minimal"),
        DATE,
        &["--format", "md", "--sign-key", key.to_str().unwrap()],
    )
}

#[test]
fn the_auditor_checks_a_signed_bundle_with_openssh_alone_then_sha256sum() {
    let keys = tempfile::tempdir().unwrap();
    let (key, allowed) = key_pair(keys.path(), "isms", "", "isms@example.com");
    let (_out, dir) = signed_bundle(&key);

    let good = openssh_verify(&dir, &allowed, "isms@example.com");
    let fp = fingerprint(&key.with_extension("pub"));
    assert_eq!(
        String::from_utf8_lossy(&good.stdout),
        format!("Good \"rolecall\" signature for isms@example.com with ED25519 key {fp}\n"),
        "{good:?}"
    );
    let sums = run_in(&dir, "sha256sum", &["-c", "--strict", "SHA256SUMS"], b"");
    assert!(sums.status.success(), "{sums:?}");

    // The index says so, with the key's fingerprint and the auditor's command;
    // an unsigned bundle's does not.
    for page in ["README.md", "index.html"] {
        let text = read(&dir, page);
        assert!(text.contains("SHA256SUMS.sig"), "{page}:\n{text}");
        assert!(text.contains(&fp), "{page}:\n{text}");
        assert!(
            text.contains("ssh-keygen -Y verify -f allowed_signers"),
            "{page}"
        );
    }
    let (_plain_out, plain) = build_bundle(&example("minimal"), DATE, &["--format", "md"]);
    assert!(!read(&plain, "README.md").contains("SHA256SUMS.sig"));
    assert!(!read(&plain, "index.html").contains("SHA256SUMS.sig"));

    // Outside the checksums it signs, but in the folder and in the zip.
    assert!(!read(&dir, "SHA256SUMS").contains("SHA256SUMS.sig"));
    assert!(!read(&dir, "manifest.json").contains("SHA256SUMS.sig"));
    let zip = dir.with_extension("zip");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let name = format!(
        "{}/SHA256SUMS.sig",
        dir.file_name().unwrap().to_str().unwrap()
    );
    let mut entry = archive.by_name(&name).unwrap();
    let mut in_zip = String::new();
    std::io::Read::read_to_string(&mut entry, &mut in_zip).unwrap();
    assert_eq!(in_zip, read(&dir, "SHA256SUMS.sig"));
    assert!(in_zip.starts_with("-----BEGIN SSH SIGNATURE-----\n"));

    // rolecall names the signer, from the folder and from the zip.
    for path in [&dir, &zip] {
        let run = verify_with(path, &allowed);
        assert_eq!(run.code, 0, "{}", run.all());
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{}", run.stdout);
        assert_eq!(
            lines[0],
            format!(
                "SHA256SUMS.sig: signed by isms@example.com (ssh-ed25519 key {fp}, {}:1)",
                allowed.display()
            )
        );
        assert!(lines[1].starts_with("verified: "), "{}", lines[1]);
    }
    let json = rolecall(&[
        "verify",
        zip.to_str().unwrap(),
        "--allowed-signers",
        allowed.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["signature"]["status"], "verified");
    assert_eq!(
        json["signature"]["signer"]["principals"][0],
        "isms@example.com"
    );
    assert_eq!(json["signature"]["signer"]["fingerprint"], fp.as_str());

    // Without --allowed-signers: present, not counted as unexpected, but unchecked.
    let run = rolecall(&["verify", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.starts_with(
            "SHA256SUMS.sig: the bundle is signed, but the signature was not checked (hint: pass --allowed-signers FILE to check it and name the signer)\nverified: "
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn rolecall_accepts_what_ssh_keygen_signed_and_signs_the_same_bytes() {
    let keys = tempfile::tempdir().unwrap();
    let (key, allowed) = key_pair(keys.path(), "isms", "", "isms@example.com");
    let (_out, dir) = build_bundle(&example("minimal"), DATE, &["--format", "md"]);
    let key_arg = key.to_str().unwrap();
    let signed = run_in(
        &dir,
        "ssh-keygen",
        &["-Y", "sign", "-f", key_arg, "-n", "rolecall", "SHA256SUMS"],
        b"",
    );
    assert!(signed.status.success(), "{signed:?}");
    let run = verify_with(&dir, &allowed);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .starts_with("SHA256SUMS.sig: signed by isms@example.com (ssh-ed25519 key SHA256:"),
        "{}",
        run.stdout
    );

    // ed25519 is deterministic: for the SHA256SUMS of the bundle rolecall signs
    // (whose README names the key), ssh-keygen makes rolecall's bytes.
    let (_out2, signed_dir) = signed_bundle(&key);
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::copy(
        signed_dir.join("SHA256SUMS"),
        elsewhere.path().join("SHA256SUMS"),
    )
    .unwrap();
    let again = run_in(
        elsewhere.path(),
        "ssh-keygen",
        &["-Y", "sign", "-f", key_arg, "-n", "rolecall", "SHA256SUMS"],
        b"",
    );
    assert!(again.status.success(), "{again:?}");
    assert_eq!(
        read(elsewhere.path(), "SHA256SUMS.sig"),
        read(&signed_dir, "SHA256SUMS.sig")
    );
}

#[test]
fn a_changed_sha256sums_fails_both_openssh_and_rolecall() {
    let keys = tempfile::tempdir().unwrap();
    let (key, allowed) = key_pair(keys.path(), "isms", "", "isms@example.com");
    let (_out, dir) = signed_bundle(&key);
    // A forger edits policy.md and rewrites its line of SHA256SUMS to match.
    let policy = read(&dir, "policy.md") + "\nThe CEO may approve anything.\n";
    std::fs::write(dir.join("policy.md"), &policy).unwrap();
    let hash = rolecall::digest::sha256_hex(policy.as_bytes());
    let sums: String = read(&dir, "SHA256SUMS")
        .lines()
        .map(|l| match l.split_once("  ") {
            Some((_, "policy.md")) => format!("{hash}  policy.md\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();

    let bad = openssh_verify(&dir, &allowed, "isms@example.com");
    assert!(!bad.status.success(), "{bad:?}");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("Signature verification failed"),
        "{bad:?}"
    );
    let run = verify_with(&dir, &allowed);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.lines().any(|l| l
            == "SHA256SUMS.sig: does not match SHA256SUMS (the checksums were changed after signing, or it is another bundle's signature)"),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_with_allowed_signers_fails_an_unsigned_bundle_and_a_stranger() {
    let keys = tempfile::tempdir().unwrap();
    let (_, allowed) = key_pair(keys.path(), "isms", "", "isms@example.com");
    let (stranger, _) = key_pair(keys.path(), "stranger", "", "stranger@example.com");

    let (_out, unsigned) = build_bundle(&example("minimal"), DATE, &["--format", "md"]);
    let run = verify_with(&unsigned, &allowed);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        run.stdout.lines().next(),
        Some("SHA256SUMS.sig: missing: the bundle is not signed (`build --sign-key` signs it)")
    );

    let (_out2, foreign) = signed_bundle(&stranger);
    let fp = fingerprint(&stranger.with_extension("pub"));
    let run = verify_with(&foreign, &allowed);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        run.stdout.lines().next().unwrap(),
        format!(
            "SHA256SUMS.sig: signed by the ssh-ed25519 key {fp}, which is not in `{}`",
            allowed.display()
        )
    );
    let bad = openssh_verify(&foreign, &allowed, "isms@example.com");
    assert!(!bad.status.success(), "{bad:?}");

    // A malformed allowed_signers file is the command line's problem: exit 2.
    let broken = keys.path().join("broken");
    std::fs::write(
        &broken,
        "isms@example.com namespaces=rolecall ssh-ed25519 AAAA\n",
    )
    .unwrap();
    let run = verify_with(&unsigned, &broken);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "{}:1: the value of `namespaces` must be in double quotes",
            broken.display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn build_refuses_a_key_it_cannot_sign_with_before_building() {
    let keys = tempfile::tempdir().unwrap();
    let (key, allowed) = key_pair(
        keys.path(),
        "locked",
        "s3cret passphrase",
        "isms@example.com",
    );
    let out = tempfile::tempdir().unwrap();
    let build = |key: &Path, passphrase: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rolecall"));
        cmd.args([
            "build",
            example("minimal").to_str().unwrap(),
            "--date",
            DATE,
            "--format",
            "md",
        ])
        .args([
            "-o",
            out.path().to_str().unwrap(),
            "--sign-key",
            key.to_str().unwrap(),
        ])
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("ROLECALL_SIGN_PASSPHRASE");
        if let Some(p) = passphrase {
            cmd.env("ROLECALL_SIGN_PASSPHRASE", p);
        }
        cmd.output().unwrap()
    };
    let refused = |out: &Output, expected: &str| {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    };
    refused(
        &build(&key, None),
        "is protected by a passphrase\nhint: set ROLECALL_SIGN_PASSPHRASE to it",
    );
    refused(
        &build(&key, Some("wrong")),
        "hint: ROLECALL_SIGN_PASSPHRASE does not hold its passphrase",
    );
    refused(
        &build(&key.with_extension("pub"), None),
        "is a public key\nhint: pass the private key",
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "a refused build wrote something"
    );

    let signed = build(&key, Some("s3cret passphrase"));
    assert!(signed.status.success(), "{signed:?}");
    let stdout = String::from_utf8_lossy(&signed.stdout);
    let fp = fingerprint(&key.with_extension("pub"));
    assert!(
        stdout.contains(&format!("\nSHA256SUMS.sig: signed with {fp}\n")),
        "{stdout}"
    );
    let dir = out.path().join(format!("example-evidence-{DATE}"));
    assert!(
        openssh_verify(&dir, &allowed, "isms@example.com")
            .status
            .success()
    );
}
