//! SHA-256 digests: content digests on signature sheets, the manifest and `SHA256SUMS`.

use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Length of the short digest printed for people to compare by eye.
pub const SHORT_LEN: usize = 12;

/// The first [`SHORT_LEN`] hex digits of a digest.
pub fn short(digest: &str) -> &str {
    digest.get(..SHORT_LEN).unwrap_or(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(short("ba7816bf8f01cfea4141"), "ba7816bf8f01");
    }
}
