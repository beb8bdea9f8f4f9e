//! The rules the compiler enforces, one tiny file each under `tests/compile_fail/`, with the
//! expected error in the `.stderr` beside it. Regenerate with `TRYBUILD=overwrite` after a
//! toolchain change, then re-read every diff.

#[test]
fn typestate_rules_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
