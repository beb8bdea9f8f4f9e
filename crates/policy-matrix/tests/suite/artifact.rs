//! The decision table as a reviewed artifact: an insta snapshot of the Markdown, the committed
//! docs/policy-matrix.md equal to it, and the binary printing exactly the same.
//! Under `CI=true` insta fails on drift and writes nothing.

use std::path::Path;
use std::process::Command;

use policy_matrix::{Combination, render, table};

#[test]
fn the_decision_table_is_pinned() {
    let md = render::markdown(&table::build());
    insta::assert_snapshot!("policy_matrix_md", md);
}

#[test]
fn docs_policy_matrix_md_is_generated_from_the_model() {
    let want = render::markdown(&table::build());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy-matrix.md");
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "docs/policy-matrix.md is not the model's table; regenerate it with `{}`",
        render::REGENERATE
    );
}

#[test]
fn the_binary_prints_the_table_as_markdown_and_json() {
    let bin = env!("CARGO_BIN_EXE_policy-matrix");
    let md = Command::new(bin)
        .args(["--format", "md"])
        .output()
        .expect("runs");
    assert!(md.status.success());
    assert_eq!(
        String::from_utf8(md.stdout).expect("utf-8"),
        render::markdown(&table::build())
    );

    let json = Command::new(bin)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["product"], Combination::PRODUCT);
    assert_eq!(v["valid"], Combination::valid().count());
    let rows: u64 = v["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["rows"].as_array().expect("rows"))
        .chain(v["before_mfa"].as_array().expect("groups"))
        .map(|r| r["combinations"].as_u64().expect("count"))
        .sum();
    assert_eq!(rows as usize, Combination::valid().count());
}
