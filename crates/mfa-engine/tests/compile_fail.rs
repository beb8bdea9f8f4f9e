//! The rules the compiler enforces, one tiny file per rule under `tests/ui/`, each with the
//! `.stderr` rustc must print. A case passes only if it fails to compile *with that error*, so it
//! cannot pass for an unrelated reason (a typo, a missing field); the first comment of each file
//! names the one-line change to the engine that would make it compile, i.e. the rule it guards.
//!
//! Regenerate the `.stderr` files after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p mfa-engine --test compile_fail`, and read the diff. Without
//! that variable trybuild only compares; under `CI=true` a missing `.stderr` fails the test.

use std::path::Path;

/// trybuild writes a `wip/` folder for a case without `.stderr` (and `TRYBUILD=overwrite`
/// rewrites them): neither may happen in CI, so there a missing `.stderr` fails first.
fn refuse_to_write_under_ci() {
    if std::env::var_os("CI").is_none() {
        return;
    }
    assert!(
        std::env::var_os("TRYBUILD").is_none(),
        "TRYBUILD must not be set under CI: the .stderr files are reviewed by hand"
    );
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let missing: Vec<_> = std::fs::read_dir(&ui)
        .expect("tests/ui")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter(|p| !p.with_extension("stderr").exists())
        .collect();
    assert!(missing.is_empty(), "cases without a .stderr: {missing:?}");
}

#[test]
fn illegal_uses_of_the_engine_do_not_compile() {
    refuse_to_write_under_ci();
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
