//! Percent-encoding of bundle paths in URLs: the web pages' links and SARIF's file URIs.

use std::fmt::Write as _;

/// Percent-encodes every byte of a relative path but unreserved characters and `/`,
/// so that no name can start a scheme (`a:b`), a query or a fragment.
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_bytes_stay() {
        assert_eq!(percent_encode("a b/c:d#e?.toml"), "a%20b/c%3Ad%23e%3F.toml");
        assert_eq!(percent_encode("Åsa"), "%C3%85sa");
    }
}
