//! Validate success bodies against the JSON Schemas of what the official Python SDK accepts
//! (`../shared/stytch-b2b/schemas/`, CONTRACT.md §7). A failure here is a failure a user of the
//! SDK would see as a pydantic `ValidationError`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

fn schema_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/stytch-b2b/schemas")
}

fn validators() -> &'static Mutex<HashMap<String, &'static jsonschema::Validator>> {
    static V: OnceLock<Mutex<HashMap<String, &'static jsonschema::Validator>>> = OnceLock::new();
    V.get_or_init(Default::default)
}

/// Assert `body` is valid for `name` (a file stem such as `organizations.CreateResponse`).
#[track_caller]
pub fn assert_valid(name: &str, body: &Value) {
    let validator = {
        let mut map = validators().lock().unwrap();
        *map.entry(name.to_owned()).or_insert_with(|| {
            let path = schema_dir().join(format!("{name}.json"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("schema {}: {e}", path.display()));
            let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
            Box::leak(Box::new(
                jsonschema::validator_for(&schema).expect("schema compiles"),
            ))
        })
    };
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} rejects the body:\n{}\nbody: {body:#}",
        errors.join("\n")
    );
}
