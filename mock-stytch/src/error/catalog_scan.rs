//! The catalog's guards. That every error is *in* the catalog is the type system's job (an
//! [`crate::error::ApiError`] is only built from an [`Entry`]); these tests check the other
//! direction and the table itself: the catalog is sorted and unique, and every entry is one the
//! source really answers with (its constant is named somewhere outside the table), so a
//! fault rule cannot inject an error the mock never sends. Reads this crate's own `src/` only.

use std::path::Path;

use super::{CATALOG, Entry, lookup};

fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.ends_with("error/catalog.rs") {
            // The table itself names every entry; the rest of the file counts.
            let text = std::fs::read_to_string(&path).expect("read catalog.rs");
            let table = text.find("catalog! {").expect("the catalog table");
            let end = table + text[table..].find("\n}\n").expect("the table's end");
            out.push_str(&text[..table]);
            out.push_str(&text[end..]);
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("error/catalog_scan.rs")
        {
            out.push_str(&std::fs::read_to_string(&path).expect("read source file"));
        }
    }
}

/// Is `name` used as an identifier (not as part of a longer one) in `text`?
fn names(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let before = text[..at].chars().next_back().is_some_and(ident);
        let after = text[at + name.len()..].chars().next().is_some_and(ident);
        !before && !after
    })
}

fn const_name(entry: &Entry) -> String {
    entry.error_type.to_ascii_uppercase()
}

#[test]
fn every_catalog_entry_is_answered_somewhere() {
    let mut text = String::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut text,
    );
    assert!(text.len() > 100_000, "the scan read too little of src/");
    let unused: Vec<String> = CATALOG
        .iter()
        .map(const_name)
        .filter(|name| !names(&text, name))
        .collect();
    assert!(
        unused.is_empty(),
        "catalog entries no code answers with: {}",
        unused.join(", ")
    );
}

#[test]
fn catalog_is_sorted_unique_and_worded() {
    for pair in CATALOG.windows(2) {
        assert!(
            pair[0].error_type < pair[1].error_type,
            "{} then {}",
            pair[0].error_type,
            pair[1].error_type
        );
    }
    for entry in CATALOG {
        assert!(entry.status.is_client_error() || entry.status.is_server_error());
        assert!(!entry.message.is_empty());
        assert_eq!(lookup(entry.error_type), Some(entry));
    }
}
