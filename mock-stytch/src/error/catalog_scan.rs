//! The catalog's guard: every `error_type` literal the source hands to an error constructor
//! (`ApiError::new` / `bad_request` / `unauthorized` / `forbidden` / `not_found`) or to a helper
//! with an `error_type` parameter (`validate::one_of`, `policy::parse`, …) is in [`CATALOG`],
//! with the status the constructor gives. Reads this crate's own `src/` only (the catalog's
//! own files excepted).

use std::collections::BTreeMap;
use std::path::Path;

use super::{CATALOG, lookup};

/// A call found in the source: the literal passed as `error_type` and the status it implies
/// (`None` when the status is a variable).
type Found = BTreeMap<String, Vec<(Option<u16>, String)>>;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("error/catalog.rs")
            && !path.ends_with("error/catalog_scan.rs")
        {
            let text = std::fs::read_to_string(&path).expect("read source file");
            out.push((path.display().to_string(), text));
        }
    }
}

/// The top-level arguments of the call whose `(` ends at `open`, as source slices.
fn args_after(text: &str, open: usize) -> Vec<String> {
    let bytes = text.as_bytes();
    let (mut depth, mut i, mut start) = (1usize, open, open);
    let mut args = Vec::new();
    while i < bytes.len() && depth > 0 {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    args.push(text[start..i].trim().to_owned());
                }
            }
            b',' if depth == 1 => {
                args.push(text[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    args.retain(|a| !a.is_empty());
    args
}

fn literal(arg: &str) -> Option<&str> {
    let inner = arg.strip_prefix('"')?.strip_suffix('"')?;
    inner
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'_')
        .then_some(inner)
}

/// Calls of `name(` (not its definition, not a method call) with their arguments.
fn calls(text: &str, name: &str) -> Vec<Vec<String>> {
    let needle = format!("{name}(");
    text.match_indices(&needle)
        .filter_map(|(at, _)| {
            let before = text[..at].chars().next_back();
            let word_start =
                !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            let definition = text[..at].trim_end().ends_with("fn");
            (word_start && !definition).then(|| args_after(text, at + needle.len()))
        })
        .collect()
}

/// Functions with an `error_type` parameter: name → (parameter index, parameter count).
fn helpers(files: &[(String, String)]) -> BTreeMap<String, (usize, usize)> {
    let mut out = BTreeMap::new();
    for (_, text) in files {
        for (at, _) in text.match_indices("fn ") {
            let rest = &text[at + 3..];
            let Some(open) = rest.find('(') else { continue };
            let name = &rest[..open];
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.is_empty() {
                continue;
            }
            let params = args_after(rest, open + 1);
            if let Some(idx) = params.iter().position(|p| p.starts_with("error_type:")) {
                out.insert(name.to_owned(), (idx, params.len()));
            }
        }
    }
    out
}

fn scan() -> Found {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = Found::new();
    let mut add = |t: &str, status: Option<u16>, file: &str| {
        found
            .entry(t.to_owned())
            .or_default()
            .push((status, file.to_owned()));
    };
    let helper_fns = helpers(&files);
    for (file, text) in &files {
        for (ctor, idx, status) in [
            ("ApiError::new", 1, None),
            ("ApiError::bad_request", 0, Some(400)),
            ("ApiError::unauthorized", 0, Some(401)),
            ("ApiError::forbidden", 0, Some(403)),
            ("ApiError::not_found", 0, Some(404)),
        ] {
            for args in calls(text, ctor) {
                let status = status.or_else(|| {
                    let code = args.first()?.rsplit("StatusCode::").next()?;
                    code_of(code)
                });
                if let Some(t) = args.get(idx).and_then(|a| literal(a)) {
                    add(t, status, file);
                }
            }
        }
        for (name, &(idx, count)) in &helper_fns {
            for args in calls(text, name).into_iter().filter(|a| a.len() == count) {
                if let Some(t) = literal(&args[idx]) {
                    add(t, None, file);
                }
            }
        }
    }
    found
}

fn code_of(name: &str) -> Option<u16> {
    let code = match name {
        "BAD_REQUEST" => 400,
        "UNAUTHORIZED" => 401,
        "FORBIDDEN" => 403,
        "NOT_FOUND" => 404,
        "METHOD_NOT_ALLOWED" => 405,
        "PAYLOAD_TOO_LARGE" => 413,
        "UNSUPPORTED_MEDIA_TYPE" => 415,
        "TOO_MANY_REQUESTS" => 429,
        "INTERNAL_SERVER_ERROR" => 500,
        _ => return None,
    };
    Some(code)
}

#[test]
fn every_error_type_the_source_builds_is_in_the_catalog() {
    let found = scan();
    // The scan itself works: these are built in three different ways.
    for known in [
        "member_not_found",
        "user_lock_limit_reached",
        "invalid_sso_jit_provisioning",
    ] {
        assert!(found.contains_key(known), "the scan missed {known}");
    }
    assert!(
        found.len() >= 60,
        "the scan found only {} error types",
        found.len()
    );
    let mut problems = Vec::new();
    for (error_type, uses) in &found {
        match lookup(error_type) {
            None => problems.push(format!(
                "{error_type} (built in {}) is not in the catalog",
                uses[0].1
            )),
            Some(entry) => {
                for (status, file) in uses {
                    if status.is_some_and(|s| s != entry.status.as_u16()) {
                        problems.push(format!(
                            "{error_type} is built with status {status:?} in {file}, the catalog says {}",
                            entry.status
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
    }
}
