//! The bundle signature: `SHA256SUMS.sig`, an OpenSSH SSHSIG over `SHA256SUMS`.
//!
//! After [`crate::bundle::assemble`] has written `SHA256SUMS`, `build --sign-key`
//! signs it with [`SigningKey::sign`], exactly as `ssh-keygen -Y sign -n rolecall`
//! would (ed25519 is deterministic: the same key and checksums give the same
//! bytes). `SHA256SUMS.sig` lies outside the checksums it signs: neither
//! `SHA256SUMS` nor `manifest.json` lists it. `verify --allowed-signers` checks
//! it with [`verify`] against an OpenSSH `allowed_signers` file
//! ([`AllowedSigners::read`]) and names the signer, so that an auditor learns who
//! issued a bundle, not only that it is intact; `ssh-keygen -Y verify` alone
//! checks the same file the same way (docs/auditor.md).
//!
//! The format is OpenSSH's PROTOCOL.sshsig, implemented by RustCrypto's
//! `ssh-key`; this module adds the `allowed_signers` file (ssh-keygen(1),
//! ALLOWED SIGNERS), which that crate does not read.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::error::{Context, Error, Result};
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use crate::bundle::BundleFile;
use crate::date::Date;

/// The bundle signature's file name, beside `SHA256SUMS`.
pub const FILE: &str = "SHA256SUMS.sig";
/// The SSHSIG namespace: a signature made for another purpose (`git`, `file`)
/// never verifies as a bundle signature.
pub const NAMESPACE: &str = "rolecall";
/// The environment variable holding the signing key's passphrase. Never a
/// command-line flag: other users of the machine can read those.
pub const PASSPHRASE_ENV: &str = "ROLECALL_SIGN_PASSPHRASE";

/// Largest private key or `allowed_signers` file read (both are small text).
const MAX_KEY_BYTES: u64 = 64 * 1024;
const MAX_SIGNERS_BYTES: u64 = 4 * 1024 * 1024;
/// Largest `SHA256SUMS.sig` parsed (an ed25519 one is under 300 bytes).
const MAX_SIGNATURE_BYTES: usize = 64 * 1024;

/// An ed25519 private key, decrypted, ready to sign bundles.
pub struct SigningKey {
    key: PrivateKey,
}

impl SigningKey {
    /// Reads an OpenSSH private key file (as `ssh-keygen -t ed25519` writes it),
    /// decrypting it with `passphrase` when it has one. Read before the bundle is
    /// built, so that a wrong key or passphrase fails at once.
    pub fn read(path: &Path, passphrase: Option<&str>) -> Result<SigningKey> {
        let shown = path.display();
        let text = read_small(path, MAX_KEY_BYTES).map_err(|e| {
            Error::new(format!("cannot read signing key `{shown}` ({e})")).hint("pass the private key file of an OpenSSH ed25519 key pair (`ssh-keygen -t ed25519 -f rolecall-signing` makes one)")
        })?;
        let text = String::from_utf8_lossy(&text);
        let trimmed = text.trim_start();
        if trimmed.starts_with("ssh-") || trimmed.starts_with("ecdsa-") {
            return Err(Error::new(format!("signing key `{shown}` is a public key"))
                .hint("pass the private key, the file without `.pub`"));
        }
        if !trimmed.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
            return Err(Error::new(format!("signing key `{shown}` is not an OpenSSH private key (it lacks `-----BEGIN OPENSSH PRIVATE KEY-----`)")).hint("rolecall reads the format of `ssh-keygen -t ed25519`; `ssh-keygen -p -f KEY` rewrites an older key in it"));
        }
        let key = PrivateKey::from_openssh(trimmed).map_err(|e| {
            Error::new(format!("signing key `{shown}` cannot be read ({e})"))
                .hint("pass the private key file that `ssh-keygen -t ed25519` wrote, unchanged")
        })?;
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(Error::new(format!(
                "signing key `{shown}` is an {} key; rolecall signs with ed25519 keys only",
                key.algorithm()
            ))
            .hint("make one with `ssh-keygen -t ed25519 -f rolecall-signing`"));
        }
        let key = if key.is_encrypted() {
            let Some(passphrase) = passphrase else {
                return Err(Error::new(format!("signing key `{shown}` is protected by a passphrase")).hint(format!("set {PASSPHRASE_ENV} to it (rolecall reads the passphrase from the environment only)")));
            };
            key.decrypt(passphrase).map_err(|e| {
                Error::new(format!("cannot decrypt signing key `{shown}` ({e})"))
                    .hint(format!("{PASSPHRASE_ENV} does not hold its passphrase"))
            })?
        } else {
            key
        };
        Ok(SigningKey { key })
    }

    /// The public key's fingerprint, as `ssh-keygen -l` prints it (`SHA256:...`).
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }

    /// Signs `message` in namespace [`NAMESPACE`] with SHA-512 (ssh-keygen's
    /// default), armored as `-----BEGIN SSH SIGNATURE-----` with LF line ends.
    pub fn sign(&self, message: &[u8]) -> Result<String> {
        self.key
            .sign(NAMESPACE, HashAlg::Sha512, message)
            .and_then(|sig| sig.to_pem(LineEnding::LF))
            .map_err(|e| Error::new(format!("failed to sign {FILE} ({e})")))
    }

    /// The `SHA256SUMS.sig` file for the assembled bundle `files`.
    pub fn sign_bundle(&self, files: &[BundleFile]) -> Result<BundleFile> {
        let sums = files
            .iter()
            .find(|f| f.path == "SHA256SUMS")
            .context("the bundle has no SHA256SUMS to sign")?;
        Ok(BundleFile::text(FILE, self.sign(&sums.bytes)?))
    }
}

/// Who signed a verified bundle: the `allowed_signers` line that admits the key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Signer {
    /// The line's principals, as written (patterns included).
    pub principals: Vec<String>,
    /// The signing key's fingerprint (`SHA256:...`).
    pub fingerprint: String,
    /// The key's algorithm, e.g. `ssh-ed25519`.
    pub algorithm: String,
    /// The 1-based line of `allowed_signers`.
    pub line: usize,
}

/// An OpenSSH `allowed_signers` file, parsed.
#[derive(Debug)]
pub struct AllowedSigners {
    path: PathBuf,
    entries: Vec<Entry>,
}

/// One line of `allowed_signers`: `principals [options] keytype base64 [comment]`.
#[derive(Debug)]
struct Entry {
    line: usize,
    principals: Vec<String>,
    key: PublicKey,
    options: Options,
}

/// The options of an `allowed_signers` line.
#[derive(Debug, Default)]
struct Options {
    /// The key is a certificate authority's: it admits certificates only.
    cert_authority: bool,
    /// Patterns of the namespaces the key may sign for (all when `None`).
    namespaces: Option<String>,
    /// Unix seconds before which the key is not valid.
    valid_after: Option<u64>,
    /// Unix seconds after which the key is no longer valid.
    valid_before: Option<u64>,
}

impl AllowedSigners {
    /// Reads and parses the file at `path`; every malformed line is reported,
    /// as `path:line: what`, in one error.
    pub fn read(path: &Path) -> Result<AllowedSigners> {
        let shown = path.display();
        let bytes = read_small(path, MAX_SIGNERS_BYTES).map_err(|e| {
            Error::new(format!("cannot read allowed signers file `{shown}` ({e})")).hint("pass an OpenSSH allowed_signers file, lines of `principal namespaces=\"rolecall\" ssh-ed25519 AAAA...`")
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::new(format!("allowed signers file `{shown}` is not UTF-8 text")))?;
        AllowedSigners::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<AllowedSigners> {
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            match parse_line(line) {
                Ok(Some(mut entry)) => {
                    entry.line = i + 1;
                    entries.push(entry);
                }
                Ok(None) => {}
                Err(e) => errors.push(format!("{}:{}: {e}", path.display(), i + 1)),
            }
        }
        if !errors.is_empty() {
            return Err(Error::new(format!("allowed signers file `{}` has {} malformed line{}:\n  {}", path.display(), errors.len(), if errors.len() == 1 { "" } else { "s" }, errors.join("\n  "))).hint("each line is `principals [options] keytype base64-key [comment]`, as in ssh-keygen(1), section ALLOWED SIGNERS"));
        }
        Ok(AllowedSigners {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The file, as named on the command line.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Checks `signature` (the armored `SHA256SUMS.sig`) over `message` (the bundle's
/// `SHA256SUMS`) and looks its key up in `signers` as of `now` (Unix seconds),
/// as `ssh-keygen -Y verify -n rolecall` does. The error is one line, for a
/// problem of `rolecall verify`'s report.
pub fn verify(
    message: &[u8],
    signature: &[u8],
    signers: &AllowedSigners,
    now: u64,
) -> Result<Signer> {
    let sig = parse_armored(signature)?;
    let algorithm = sig.public_key().algorithm();
    if algorithm.as_str().ends_with("-cert-v01@openssh.com") {
        return Err(Error::new(format!(
            "made with an OpenSSH certificate ({}), which rolecall does not check; check it with `ssh-keygen -Y verify`",
            algorithm.as_str()
        )));
    }
    if sig.namespace() != NAMESPACE {
        return Err(Error::new(format!(
            "made for the namespace \"{}\", not \"{NAMESPACE}\" (it was not made as a bundle signature)",
            shown(sig.namespace())
        )));
    }
    let key = PublicKey::new(sig.public_key().clone(), "");
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    key.verify(NAMESPACE, message, &sig).map_err(|e| match e {
        ssh_key::Error::AlgorithmUnsupported { .. } | ssh_key::Error::AlgorithmUnknown => Error::new(format!("made with a {} key, which rolecall does not check; check it with `ssh-keygen -Y verify`", algorithm.as_str())),
        _ => Error::new("does not match SHA256SUMS (the checksums were changed after signing, or it is another bundle's signature)"),
    })?;

    let mut refused = Vec::new();
    for e in signers.entries.iter().filter(|e| !e.options.cert_authority) {
        if e.key.key_data() != key.key_data() {
            continue;
        }
        let o = &e.options;
        let why = if o
            .namespaces
            .as_deref()
            .is_some_and(|ns| match_pattern_list(NAMESPACE, ns) != 1)
        {
            Some(format!("its namespaces do not include \"{NAMESPACE}\""))
        } else if o.valid_after.is_some_and(|t| now < t) {
            Some("it is not valid yet (valid-after)".to_string())
        } else if o.valid_before.is_some_and(|t| now > t) {
            Some("it has expired (valid-before)".to_string())
        } else {
            None
        };
        match why {
            None => {
                return Ok(Signer {
                    principals: e.principals.clone(),
                    fingerprint,
                    algorithm: algorithm.as_str().to_string(),
                    line: e.line,
                });
            }
            Some(why) => refused.push(format!("line {}: {why}", e.line)),
        }
    }
    let file = signers.path.display();
    if refused.is_empty() {
        let ca = signers.entries.iter().find(|e| e.options.cert_authority);
        let ca = ca.map_or(String::new(), |e| {
            format!(
                "; line {} is a cert-authority line, which admits certificates only",
                e.line
            )
        });
        return Err(Error::new(format!(
            "signed by the {} key {fingerprint}, which is not in `{file}`{ca}",
            algorithm.as_str()
        )));
    }
    Err(Error::new(format!(
        "signed by the {} key {fingerprint}, which `{file}` does not admit ({})",
        algorithm.as_str(),
        refused.join("; ")
    )))
}

/// Parses an armored SSHSIG leniently about line breaks (CRLF, any width), as
/// `ssh-keygen` does; `ssh-key` itself wants OpenSSH's exact 70 columns.
fn parse_armored(bytes: &[u8]) -> Result<SshSig> {
    const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
    const END: &str = "-----END SSH SIGNATURE-----";
    if bytes.len() > MAX_SIGNATURE_BYTES {
        return Err(Error::new(format!(
            "is {} bytes, not an SSH signature (those are under {MAX_SIGNATURE_BYTES})",
            bytes.len()
        )));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| Error::new("is not an SSH signature (not text)"))?;
    let body = text
        .trim()
        .strip_prefix(BEGIN)
        .and_then(|t| t.strip_suffix(END))
        .ok_or_else(|| {
            Error::new(format!(
                "is not an SSH signature (it does not start with `{BEGIN}`)"
            ))
        })?;
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut pem = String::with_capacity(base64.len() + 80);
    pem.push_str(BEGIN);
    pem.push('\n');
    for chunk in base64.as_bytes().chunks(70) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str(END);
    pem.push('\n');
    SshSig::from_pem(&pem).map_err(|e| Error::new(format!("is not a readable SSH signature ({e})")))
}

/// A string from a signature, for a message: control characters escaped, cut short.
fn shown(s: &str) -> String {
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    match escaped.char_indices().nth(64) {
        Some((i, _)) => format!("{}...", &escaped[..i]),
        None => escaped,
    }
}

/// Reads at most `max` bytes of `path`; a larger file is an error (the
/// cause, for a message's parentheses).
fn read_small(path: &Path, max: u64) -> std::result::Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!("larger than {max} bytes"));
    }
    Ok(bytes)
}

/// One line of `allowed_signers`, or `None` for a blank or comment line.
fn parse_line(line: &str) -> std::result::Result<Option<Entry>, String> {
    let rest = line.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let (principals, rest) = token(rest)?;
    if principals.is_empty() {
        return Err("no principals".into());
    }
    let (second, after) = token(rest)?;
    let is_option = |t: &str| {
        let lower = t.to_ascii_lowercase();
        lower.starts_with("cert-authority")
            || ["namespaces=", "valid-after=", "valid-before="]
                .iter()
                .any(|o| lower.starts_with(o))
    };
    let (options, rest) = if is_option(&second) {
        (Some(options_token(rest)?), after)
    } else {
        (None, rest)
    };
    let (keytype, rest) = token(rest)?;
    let (base64, _comment) = token(rest)?;
    if keytype.is_empty() || base64.is_empty() {
        return Err("no public key (expected `keytype base64-key` after the principals)".into());
    }
    let options = match options {
        Some(options) => parse_options(&options)?,
        None => Options::default(),
    };
    let key = PublicKey::from_openssh(&format!("{keytype} {base64}"))
        .map_err(|e| format!("the `{keytype}` public key cannot be read ({e})"))?;
    Ok(Some(Entry {
        line: 0,
        principals: principals.split(',').map(str::to_string).collect(),
        key,
        options,
    }))
}

/// The next whitespace-separated token (a leading `"` quotes it up to the next
/// `"`) and the rest after the whitespace that follows it.
fn token(s: &str) -> std::result::Result<(String, &str), String> {
    let s = s.trim_start();
    if let Some(quoted) = s.strip_prefix('"') {
        let end = quoted.find('"').ok_or("unterminated quote")?;
        return Ok((quoted[..end].to_string(), quoted[end + 1..].trim_start()));
    }
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    Ok((s[..end].to_string(), s[end..].trim_start()))
}

/// The options field as it stands (quotes kept, they may hold spaces); `s`
/// starts with it.
fn options_token(s: &str) -> std::result::Result<String, String> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return Ok(s[..i].to_string()),
            _ => {}
        }
    }
    if quoted {
        return Err("unterminated quote in the options".into());
    }
    Ok(s.to_string())
}

/// `cert-authority`, `namespaces="..."`, `valid-after="..."`,
/// `valid-before="..."`, separated by commas; names are case-insensitive, as
/// in OpenSSH, and anything else is an error (as ssh-keygen treats it).
fn parse_options(options: &str) -> std::result::Result<Options, String> {
    let mut entry = Options::default();
    let mut rest = options;
    loop {
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("cert-authority") {
            entry.cert_authority = true;
            rest = &rest["cert-authority".len()..];
        } else {
            let Some((name, after)) = rest.split_once('=') else {
                return Err(format!("unknown option `{}`", cut(rest)));
            };
            let value = after
                .strip_prefix('"')
                .ok_or_else(|| format!("the value of `{name}` must be in double quotes"))?;
            let end = value
                .find('"')
                .ok_or_else(|| format!("unterminated quote in `{name}`"))?;
            let (value, after) = (&value[..end], &value[end + 1..]);
            let slot_taken = |taken: bool| {
                if taken {
                    Err(format!("`{name}` is given twice"))
                } else {
                    Ok(())
                }
            };
            match name.to_ascii_lowercase().as_str() {
                "namespaces" => {
                    slot_taken(entry.namespaces.is_some())?;
                    entry.namespaces = Some(value.to_string());
                }
                "valid-after" => {
                    slot_taken(entry.valid_after.is_some())?;
                    entry.valid_after = Some(parse_time(value)?);
                }
                "valid-before" => {
                    slot_taken(entry.valid_before.is_some())?;
                    entry.valid_before = Some(parse_time(value)?);
                }
                _ => return Err(format!("unknown option `{}`", cut(name))),
            }
            rest = after;
        }
        match rest.strip_prefix(',') {
            Some("") => return Err("options end with a comma".into()),
            Some(next) => rest = next,
            None if rest.is_empty() => break,
            None => return Err(format!("unknown option text `{}`", cut(rest))),
        }
    }
    if let (Some(after), Some(before)) = (entry.valid_after, entry.valid_before)
        && before <= after
    {
        return Err("valid-before is not after valid-after".into());
    }
    Ok(entry)
}

/// At most 40 characters of `s`, for a message.
fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}

/// An `allowed_signers` time, `YYYYMMDD[HHMM[SS]]` with a `Z` or `UTC` suffix,
/// as Unix seconds. Without the suffix OpenSSH reads the machine's local time
/// zone; rolecall does not guess it and asks for UTC instead.
fn parse_time(s: &str) -> std::result::Result<u64, String> {
    let upper = s.to_ascii_uppercase();
    let digits = upper
        .strip_suffix("UTC")
        .or_else(|| upper.strip_suffix('Z'))
        .ok_or_else(|| {
            format!(
                "the time `{}` is in the local time zone, which rolecall does not read; write it in UTC with a trailing Z (`{}Z`), which ssh-keygen reads too",
                cut(s),
                cut(s)
            )
        })?;
    let bad = || format!("`{}` is not a time (expected YYYYMMDD[HHMM[SS]]Z)", cut(s));
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| digits.get(r).and_then(|p| p.parse::<u32>().ok());
    let field = |r: std::ops::Range<usize>| num(r).unwrap_or(0);
    let date = Date::new(
        i32::try_from(field(0..4)).map_err(|_| bad())?,
        u8::try_from(field(4..6)).map_err(|_| bad())?,
        u8::try_from(field(6..8)).map_err(|_| bad())?,
    )
    .ok_or_else(bad)?;
    let (h, m, sec) = (field(8..10), field(10..12), field(12..14));
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    let secs = date.unix_seconds() + i64::from(h * 3600 + m * 60 + sec);
    u64::try_from(secs).ok().filter(|&t| t > 0).ok_or_else(bad)
}

/// OpenSSH's `match_pattern_list`: 1 when `s` matches a pattern of the
/// comma-separated `list`, -1 when it matches a negated one (`!pattern`, which
/// wins), 0 otherwise. Patterns use `*` and `?`.
fn match_pattern_list(s: &str, list: &str) -> i32 {
    let mut matched = 0;
    for pattern in list.split(',') {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern),
        };
        if match_pattern(s.as_bytes(), pattern.as_bytes()) {
            if negated {
                return -1;
            }
            matched = 1;
        }
    }
    matched
}

/// Glob match with `*` (any run) and `?` (any one byte), iteratively.
fn match_pattern(s: &[u8], p: &[u8]) -> bool {
    let (mut si, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Output, Stdio};

    /// A directory with key pairs made by OpenSSH's own `ssh-keygen`.
    struct OpenSsh {
        dir: tempfile::TempDir,
    }

    impl OpenSsh {
        fn new() -> OpenSsh {
            OpenSsh {
                dir: tempfile::tempdir().unwrap(),
            }
        }

        fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }

        /// Runs `ssh-keygen args` with `stdin`; OpenSSH is the reference the
        /// signatures are checked against, so it must be installed.
        fn keygen(&self, args: &[&str], stdin: &[u8]) -> Output {
            use std::io::Write as _;
            let mut child = Command::new("ssh-keygen")
                .args(args)
                .current_dir(self.dir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("ssh-keygen not found (hint: apt-get install openssh-client)");
            child.stdin.take().unwrap().write_all(stdin).unwrap();
            child.wait_with_output().unwrap()
        }

        /// A new key pair `name`, `name.pub` of `kind`, protected by `passphrase`.
        fn key(&self, name: &str, kind: &str, passphrase: &str) -> PathBuf {
            let out = self.keygen(
                &["-q", "-t", kind, "-N", passphrase, "-C", name, "-f", name],
                b"",
            );
            assert!(out.status.success(), "{out:?}");
            self.path(name)
        }

        fn public(&self, name: &str) -> String {
            std::fs::read_to_string(self.path(&format!("{name}.pub"))).unwrap()
        }

        /// An `allowed_signers` file of `lines`, parsed.
        fn signers(&self, lines: &str) -> AllowedSigners {
            std::fs::write(self.path("allowed_signers"), lines).unwrap();
            AllowedSigners::read(&self.path("allowed_signers")).unwrap()
        }

        /// `ssh-keygen -Y sign -n namespace` over `message`: the armored signature.
        fn sign(&self, key: &str, namespace: &str, message: &[u8]) -> Vec<u8> {
            std::fs::write(self.path("SHA256SUMS"), message).unwrap();
            let _ = std::fs::remove_file(self.path("SHA256SUMS.sig"));
            let out = self.keygen(
                &["-Y", "sign", "-f", key, "-n", namespace, "SHA256SUMS"],
                b"",
            );
            assert!(out.status.success(), "{out:?}");
            std::fs::read(self.path("SHA256SUMS.sig")).unwrap()
        }

        /// `ssh-keygen -Y verify` of `signature` over `message` for `signer`,
        /// against the `allowed_signers` written last: its stdout, or `Err(stderr)`.
        fn verify(
            &self,
            signer: &str,
            namespace: &str,
            message: &[u8],
            signature: &[u8],
        ) -> std::result::Result<String, String> {
            std::fs::write(self.path("SHA256SUMS.sig"), signature).unwrap();
            let out = self.keygen(
                &[
                    "-Y",
                    "verify",
                    "-f",
                    "allowed_signers",
                    "-I",
                    signer,
                    "-n",
                    namespace,
                    "-s",
                    "SHA256SUMS.sig",
                ],
                message,
            );
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            if out.status.success() {
                Ok(text(&out.stdout))
            } else {
                Err(text(&out.stderr) + &text(&out.stdout))
            }
        }
    }

    const SUMS: &[u8] =
        b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  policy.md\n";
    const NOW: u64 = 1_800_000_000; // 2027-01-15

    /// Signs [`SUMS`] with rolecall and the key file `key`.
    fn rolecall_sign(key: &Path, passphrase: Option<&str>) -> Vec<u8> {
        SigningKey::read(key, passphrase)
            .unwrap()
            .sign(SUMS)
            .unwrap()
            .into_bytes()
    }

    #[test]
    fn ssh_keygen_accepts_what_rolecall_signed_and_makes_the_same_bytes() {
        let ssh = OpenSsh::new();
        let key = ssh.key("lena", "ed25519", "");
        ssh.signers(&format!("lena@example.com {}", ssh.public("lena")));
        let ours = rolecall_sign(&key, None);
        assert!(ours.starts_with(b"-----BEGIN SSH SIGNATURE-----\n"));
        let good = ssh
            .verify("lena@example.com", NAMESPACE, SUMS, &ours)
            .unwrap();
        assert!(
            good.contains("Good \"rolecall\" signature for lena@example.com"),
            "{good}"
        );
        // ed25519 signatures are deterministic: OpenSSH writes the very same file.
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(ssh.sign("lena", NAMESPACE, SUMS)).unwrap()
        );
    }

    #[test]
    fn rolecall_accepts_what_ssh_keygen_signed_and_names_the_signer() {
        let ssh = OpenSsh::new();
        ssh.key("lena", "ed25519", "");
        let signers = ssh.signers(&format!(
            "# issuers of evidence bundles\nlena@example.com,isms@example.com namespaces=\"git,rolecall\" {}",
            ssh.public("lena")
        ));
        let sig = ssh.sign("lena", NAMESPACE, SUMS);
        let signer = verify(SUMS, &sig, &signers, NOW).unwrap();
        let fingerprint = ssh.keygen(&["-l", "-f", "lena.pub"], b"");
        let fingerprint = String::from_utf8(fingerprint.stdout).unwrap();
        assert_eq!(
            signer,
            Signer {
                principals: vec!["lena@example.com".into(), "isms@example.com".into()],
                fingerprint: fingerprint.split(' ').nth(1).unwrap().to_string(),
                algorithm: "ssh-ed25519".into(),
                line: 2,
            }
        );
    }

    #[test]
    fn a_changed_message_fails_both() {
        let ssh = OpenSsh::new();
        let key = ssh.key("lena", "ed25519", "");
        let signers = ssh.signers(&format!("lena@example.com {}", ssh.public("lena")));
        let changed = [
            SUMS,
            b"0000000000000000000000000000000000000000000000000000000000000000  x.md\n",
        ]
        .concat();
        let ours = rolecall_sign(&key, None);
        let theirs = ssh.sign("lena", NAMESPACE, SUMS);
        for sig in [&ours, &theirs] {
            let err = ssh
                .verify("lena@example.com", NAMESPACE, &changed, sig)
                .unwrap_err();
            assert!(err.contains("Signature verification failed"), "{err}");
            let err = verify(&changed, sig, &signers, NOW)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("does not match SHA256SUMS"), "{err}");
        }
    }

    #[test]
    fn a_wrong_namespace_fails_both() {
        let ssh = OpenSsh::new();
        let key = ssh.key("lena", "ed25519", "");
        let signers = ssh.signers(&format!("lena@example.com {}", ssh.public("lena")));
        let for_files = ssh.sign("lena", "file", SUMS);
        let err = verify(SUMS, &for_files, &signers, NOW)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "made for the namespace \"file\", not \"rolecall\" (it was not made as a bundle signature)"
        );
        let ours = rolecall_sign(&key, None);
        let err = ssh
            .verify("lena@example.com", "file", SUMS, &ours)
            .unwrap_err();
        assert!(err.contains("namespace does not match"), "{err}");
    }

    #[test]
    fn a_signer_not_in_allowed_signers_fails_both() {
        let ssh = OpenSsh::new();
        let key = ssh.key("mallory", "ed25519", "");
        ssh.key("lena", "ed25519", "");
        let signers = ssh.signers(&format!(
            "lena@example.com {}*@example.com cert-authority {}",
            ssh.public("lena"),
            ssh.public("mallory")
        ));
        for sig in [
            rolecall_sign(&key, None),
            ssh.sign("mallory", NAMESPACE, SUMS),
        ] {
            let err = ssh
                .verify("lena@example.com", NAMESPACE, SUMS, &sig)
                .unwrap_err();
            assert!(err.contains("Could not verify signature"), "{err}");
            let err = verify(SUMS, &sig, &signers, NOW)
                .unwrap_err()
                .report()
                .replacen("error: ", "", 1);
            assert!(
                err.starts_with("signed by the ssh-ed25519 key SHA256:"),
                "{err}"
            );
            assert!(err.contains("which is not in `"), "{err}");
            assert!(err.contains("line 2 is a cert-authority line"), "{err}");
        }
    }

    #[test]
    fn namespaces_and_validity_limit_a_line_as_in_openssh() {
        let ssh = OpenSsh::new();
        let key = ssh.key("lena", "ed25519", "");
        let public = ssh.public("lena");
        let sig = rolecall_sign(&key, None);
        // NOW is 2027-01-15 for rolecall; ssh-keygen checks as of the real clock,
        // so its expectations use times far from both.
        for (options, why) in [
            (
                "namespaces=\"git,file\"",
                "its namespaces do not include \"rolecall\"",
            ),
            (
                "namespaces=\"*,!role*\"",
                "its namespaces do not include \"rolecall\"",
            ),
            (
                "valid-after=\"29990101Z\"",
                "it is not valid yet (valid-after)",
            ),
            (
                "valid-before=\"20000101Z\"",
                "it has expired (valid-before)",
            ),
        ] {
            let signers = ssh.signers(&format!("lena@example.com {options} {public}"));
            let err = verify(SUMS, &sig, &signers, NOW)
                .unwrap_err()
                .report()
                .replacen("error: ", "", 1);
            assert!(
                err.trim_end()
                    .ends_with(&format!("does not admit (line 1: {why})")),
                "{options}: {err}"
            );
            assert!(
                ssh.verify("lena@example.com", NAMESPACE, SUMS, &sig)
                    .is_err(),
                "{options}"
            );
        }
        let signers = ssh.signers(&format!(
            "lena@example.com valid-after=\"20000101Z\",valid-before=\"299901010000Z\",namespaces=\"role*\" {public}"
        ));
        assert_eq!(verify(SUMS, &sig, &signers, NOW).unwrap().line, 1);
        assert!(
            ssh.verify("lena@example.com", NAMESPACE, SUMS, &sig)
                .is_ok()
        );
    }

    #[test]
    fn an_encrypted_key_needs_its_passphrase() {
        let ssh = OpenSsh::new();
        let key = ssh.key("lena", "ed25519", "correct horse");
        let err = SigningKey::read(&key, None)
            .err()
            .unwrap()
            .report()
            .replacen("error: ", "", 1);
        assert!(err.contains("is protected by a passphrase"), "{err}");
        assert!(
            err.contains(&format!("hint: set {PASSPHRASE_ENV}")),
            "{err}"
        );
        let err = SigningKey::read(&key, Some("wrong"))
            .err()
            .unwrap()
            .report()
            .replacen("error: ", "", 1);
        assert!(
            err.starts_with(&format!("cannot decrypt signing key `{}`", key.display())),
            "{err}"
        );
        ssh.signers(&format!("lena@example.com {}", ssh.public("lena")));
        let sig = rolecall_sign(&key, Some("correct horse"));
        assert!(
            ssh.verify("lena@example.com", NAMESPACE, SUMS, &sig)
                .is_ok()
        );
    }

    #[test]
    fn keys_rolecall_cannot_sign_with_are_refused_with_a_hint() {
        let ssh = OpenSsh::new();
        let ecdsa = ssh.key("old", "ecdsa", "");
        let err = SigningKey::read(&ecdsa, None)
            .err()
            .unwrap()
            .report()
            .replacen("error: ", "", 1);
        assert!(
            err.contains(
                "is an ecdsa-sha2-nistp256 key; rolecall signs with ed25519 keys only\nhint: "
            ),
            "{err}"
        );
        ssh.key("lena", "ed25519", "");
        let err = SigningKey::read(&ssh.path("lena.pub"), None)
            .err()
            .unwrap()
            .report()
            .replacen("error: ", "", 1);
        assert!(
            err.contains("is a public key\nhint: pass the private key"),
            "{err}"
        );
        let err = SigningKey::read(&ssh.path("none"), None)
            .err()
            .unwrap()
            .report()
            .replacen("error: ", "", 1);
        assert!(
            err.starts_with(&format!(
                "cannot read signing key `{}` (",
                ssh.path("none").display()
            )),
            "{err}"
        );
        // A signature by a key type rolecall does not check is named, not misreported.
        let signers = ssh.signers(&format!("old@example.com {}", ssh.public("old")));
        let sig = ssh.sign("old", NAMESPACE, SUMS);
        let err = verify(SUMS, &sig, &signers, NOW)
            .unwrap_err()
            .report()
            .replacen("error: ", "", 1);
        assert!(
            err.starts_with("made with a ecdsa-sha2-nistp256 key, which rolecall does not check"),
            "{err}"
        );
    }

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIIn7OkbBPyyiAnIB/9JpPc17TuU1so5CErVIfsEklmg0";

    fn parse(text: &str) -> Result<AllowedSigners> {
        AllowedSigners::parse(Path::new("allowed_signers"), text)
    }

    #[test]
    fn lines_with_options_quotes_and_comments_parse() {
        let text = format!(
            "# the ISMS manager\n\n\
             lena@example.com ssh-ed25519 {KEY} lena's laptop\n\
             \"a b,c@x\" NAMESPACES=\"rolecall,file\",valid-after=\"20260101Z\" ssh-ed25519 {KEY}\n\
             *@example.com cert-authority ssh-ed25519 {KEY}\n"
        );
        let signers = parse(&text).unwrap();
        let e = &signers.entries;
        assert_eq!(e.len(), 3);
        assert_eq!(
            (e[0].line, e[0].principals.clone()),
            (3, vec!["lena@example.com".to_string()])
        );
        assert_eq!(e[1].principals, ["a b", "c@x"]);
        assert_eq!(e[1].options.namespaces.as_deref(), Some("rolecall,file"));
        assert_eq!(e[1].options.valid_after, Some(1_767_225_600));
        assert!(e[2].options.cert_authority && !e[0].options.cert_authority);
    }

    #[test]
    fn every_malformed_line_is_reported_with_its_number() {
        let text = format!(
            "a ssh-ed25519 {KEY}\n\
             b namespaces=rolecall ssh-ed25519 {KEY}\n\
             c ssh-ed25519 AAAAnotakey\n\
             d valid-before=\"20260101\" ssh-ed25519 {KEY}\n\
             e\n\
             f no-touch-required ssh-ed25519 {KEY}\n"
        );
        let err = parse(&text)
            .unwrap_err()
            .report()
            .replacen("error: ", "", 1);
        assert!(err.contains("has 5 malformed lines"), "{err}");
        for (n, what) in [
            (2, "must be in double quotes"),
            (3, "public key cannot be read"),
            (4, "local time zone"),
            (5, "no public key"),
            (6, "cannot be read"),
        ] {
            assert!(
                err.contains(&format!("allowed_signers:{n}: ")),
                "{n} in {err}"
            );
            assert!(err.contains(what), "{what} in {err}");
        }
        assert!(!err.contains("allowed_signers:1:"), "{err}");
        assert!(err.contains("hint: "), "{err}");
    }

    #[test]
    fn times_are_utc_and_checked() {
        assert_eq!(parse_time("19700102Z"), Ok(86_400));
        assert_eq!(parse_time("197001020001utc"), Ok(86_460));
        assert_eq!(parse_time("19700102000130Z"), Ok(86_490));
        for bad in [
            "20261301Z",
            "20260230Z",
            "2026010Z",
            "202601012460Z",
            "1970010100Z",
            "19700101Z",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn patterns_match_as_openssh_does() {
        assert_eq!(match_pattern_list("rolecall", "rolecall"), 1);
        assert_eq!(match_pattern_list("rolecall", "git,role*"), 1);
        assert_eq!(match_pattern_list("rolecall", "r?lecall"), 1);
        assert_eq!(match_pattern_list("rolecall", "git,file"), 0);
        assert_eq!(match_pattern_list("rolecall", "*,!role*"), -1);
        assert!(match_pattern(b"", b"*"));
        assert!(!match_pattern(b"rolecal", b"rolecall"));
        assert!(match_pattern(b"abcabd", b"*ab?"));
    }

    #[test]
    fn armor_is_read_with_any_line_breaks() {
        let err = parse_armored(
            b"-----BEGIN SSH SIGNATURE-----\r\nAAAA\r\n-----END SSH SIGNATURE-----\r\n",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("not a readable SSH signature"),
            "{err}"
        );
        let err = parse_armored(b"hello").unwrap_err();
        assert!(err.to_string().contains("does not start with"), "{err}");
        assert!(parse_armored(&vec![b'A'; MAX_SIGNATURE_BYTES + 1]).is_err());
    }

    #[test]
    fn names_from_a_signature_are_escaped_and_cut() {
        assert_eq!(shown("git\n\u{1b}[2J"), "git\\n\\u{1b}[2J");
        assert_eq!(shown(&"x".repeat(100)).len(), 67);
    }
}
