//! Signed evidence (issue 13): the signature sheets rolecall prints, as PDFs
//! from the real typst, are read by `rolecall::evidence` as carrying their own
//! digest, and as showing another digest when held against another sheet's.

use rolecall::evidence::{Evidence, examine};

use crate::support::{build_bundle, example};

#[test]
fn every_sheet_pdf_carries_its_own_digest_and_not_another_sheets() {
    let (_out, dir) = build_bundle(&example("minimal"), "2026-11-23", &[]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let sheets: Vec<(String, String)> = manifest["signature-sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let pdf = s["path"].as_str().unwrap().replace(".md", ".pdf");
            (pdf, s["digest"].as_str().unwrap().to_string())
        })
        .collect();
    assert!(sheets.len() >= 4, "{sheets:?}");
    for (pdf, digest) in &sheets {
        let bytes = std::fs::read(dir.join(pdf)).unwrap();
        assert_eq!(
            examine(&bytes, digest),
            Ok(Evidence::PdfWithDigest),
            "{pdf}"
        );
        assert_eq!(
            examine(&bytes, &digest[..12]),
            Ok(Evidence::PdfWithDigest),
            "{pdf}"
        );
        // Held against a sheet of another document, it shows its own digest,
        // in full and short (in the order the sheet prints them).
        let (_, other) = sheets.iter().find(|(_, d)| d != digest).unwrap();
        let Ok(Evidence::PdfOtherDigest { mut found }) = examine(&bytes, other) else {
            panic!("{pdf}: {:?}", examine(&bytes, other));
        };
        found.sort();
        assert_eq!(found, [digest[..12].to_string(), digest.clone()], "{pdf}");
    }
}
