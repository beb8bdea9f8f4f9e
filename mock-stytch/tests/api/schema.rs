//! Validate success bodies against the JSON Schemas of what the official Python SDK accepts
//! (`tests/sdk/schemas/` in this repository, generated from `stytch==15.3.0` by
//! `tests/sdk/python/gen_schemas.py`; CONTRACT.md §7). A failure here is a failure a user of the
//! SDK would see as a pydantic `ValidationError`.
//!
//! A missing or broken schema fails only the test that asked for it: schemas are read and
//! compiled outside the cache's lock, so no panic can poison it for the rest of the binary.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde_json::Value;

fn schema_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/sdk/schemas")
}

type Cache = Mutex<HashMap<String, &'static jsonschema::Validator>>;

fn cache() -> &'static Cache {
    static V: OnceLock<Cache> = OnceLock::new();
    V.get_or_init(Default::default)
}

#[track_caller]
fn compile(name: &str) -> &'static jsonschema::Validator {
    let path = schema_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "schema file {} cannot be read: {e} (regenerate with tests/sdk/python/gen_schemas.py)",
            path.display()
        )
    });
    let schema: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("schema file {} is not JSON: {e}", path.display()));
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("schema file {} does not compile: {e}", path.display()));
    Box::leak(Box::new(validator))
}

#[track_caller]
fn validator(name: &str) -> &'static jsonschema::Validator {
    let cached = cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(name)
        .copied();
    if let Some(v) = cached {
        return v;
    }
    let compiled = compile(name);
    let mut cache = cache().lock().unwrap_or_else(PoisonError::into_inner);
    cache.entry(name.to_owned()).or_insert(compiled)
}

/// Assert `body` is valid for `name` (a file stem such as `organizations.CreateResponse`).
#[track_caller]
pub fn assert_valid(name: &str, body: &Value) {
    let errors: Vec<String> = validator(name)
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} rejects the body:\n{}\nbody: {body:#}",
        errors.join("\n")
    );
}
