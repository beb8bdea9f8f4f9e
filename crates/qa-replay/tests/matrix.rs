//! Matrix scenarios without a server: which cases a target without the control API (a real
//! Stytch project) can run — decided from the file and the model alone, no network — and the
//! load-time rules of `matrix:`, `expect: model` and `only_if_model`.

use std::path::Path;

use qa_replay::runner::not_runnable;
use qa_replay::scenario::{Loaded, parse};

/// The returning-MFA journey over policy, phone and entry point (shared with `no_control_api.rs`).
const MATRIX: &str = include_str!("fixtures/returning-matrix.yaml");

fn cases(text: &str) -> Vec<Loaded> {
    parse(Path::new("m.yaml"), text)
        .unwrap_or_else(|e| panic!("{e}"))
        .cases()
}

fn load_error(text: &str) -> String {
    match parse(Path::new("m.yaml"), text) {
        Ok(_) => panic!("loaded:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn without_the_control_api_only_cases_whose_reached_steps_need_none_run() {
    // Arrange
    let cases = cases(MATRIX);

    // Act
    let verdicts: Vec<(String, Option<String>)> = cases
        .iter()
        .map(|c| {
            let label = c.case.as_ref().expect("a matrix case").label.clone();
            (label, not_runnable(c))
        })
        .collect();

    // Assert
    assert_eq!(verdicts.len(), 12);
    for (label, why) in &verdicts {
        let magic_link = label.ends_with("entry=magic_link");
        // A verified phone under REQUIRED_FOR_ALL is a challenge (the model): its code comes
        // from the outbox. OPTIONAL and not enrolled is a session; no factor is an enrollment:
        // both end at the guard, so a password login is all they need.
        let challenged =
            label.contains("mfa_policy=REQUIRED_FOR_ALL") && label.contains("phone=verified");
        match (magic_link, challenged, why) {
            (true, _, Some(w)) => assert!(w.contains("step 1 (login pat via matrix)"), "{w}"),
            (false, true, Some(w)) => {
                assert!(w.contains("step 4 (submit_code Right)"), "{label}: {w}");
                assert!(!w.contains("step 1"), "{label}: {w}");
            }
            (false, false, None) => {}
            _ => panic!("{label}: {why:?}"),
        }
    }
    let runnable = verdicts.iter().filter(|(_, w)| w.is_none()).count();
    assert_eq!(runnable, 6, "{verdicts:#?}");
}

#[test]
fn a_plain_scenario_with_a_member_password_still_needs_the_control_api() {
    let text = "\
name: plain
organizations:
  acme: { mfa_policy: OPTIONAL }
members:
  bo: { org: acme, email: bo@acme.test, password: \"a-Long-passphrase-77\" }
steps:
  - login: { member: bo, via: password }
  - expect: { state: signed_in }
";
    let why = not_runnable(&cases(text)[0]).expect("needs the reset email");
    assert!(why.contains("member passwords"), "{why}");
}

#[test]
fn each_case_is_named_by_the_declared_axes() {
    let names: Vec<String> = cases(MATRIX).into_iter().map(|c| c.scenario.name).collect();
    assert_eq!(
        names[0],
        "returning [mfa_policy=OPTIONAL, phone=none, entry=magic_link]"
    );
    assert_eq!(
        names[11],
        "returning [mfa_policy=REQUIRED_FOR_ALL, phone=verified, entry=existing_password_reset]"
    );
}

#[test]
fn an_invalid_combination_is_a_refused_case_with_its_reason() {
    let text = MATRIX.replace(
        "  phone: [none, verified]\n",
        "  allowed_mfa_methods: [[totp], []]\n",
    );
    let refused: Vec<String> = cases(&text)
        .into_iter()
        .filter_map(|c| c.case.and_then(|k| k.refused).map(|r| format!("{r:?}")))
        .collect();
    assert_eq!(refused.len(), 6);
    assert!(
        refused
            .iter()
            .all(|r| r == "RestrictedMfaMethodsWithEmptyList")
    );
}

#[test]
fn model_words_outside_a_matrix_are_load_errors_with_a_line() {
    let text = "\
name: plain
organizations:
  acme: {}
members:
  pat: { org: acme, email: pat@acme.test }
steps:
  - login: { member: pat, via: magic_link }
  - expect: model
";
    let e = load_error(text);
    assert!(e.starts_with("m.yaml:8:"), "{e}");
    assert!(e.contains("no `matrix:`"), "{e}");
}

#[test]
fn expect_model_after_a_step_the_model_has_no_rule_for_is_refused() {
    let text = MATRIX.replace(
        "  - submit_code: right\n  - expect: { state: signed_in }\n",
        "  - submit_code: right\n  - expect: model\n",
    );
    let e = load_error(&text);
    assert!(e.contains("must follow the matrix member's `login`"), "{e}");
}

#[test]
fn the_matrix_organization_and_member_are_shaped_only_by_the_axes() {
    let e = load_error(&MATRIX.replace("acme: {}", "acme: { mfa_policy: OPTIONAL }"));
    assert!(e.contains("set by the matrix axes"), "{e}");
    let e = load_error(&MATRIX.replace("pat@acme.test }", "pat@acme.test, mfa_enrolled: true }"));
    assert!(e.contains("shaped by the matrix axes"), "{e}");
    let e = load_error(&MATRIX.replace("existing_password_reset]", "session_exchange]"));
    assert!(
        e.contains("matrix entry `session_exchange` is not supported"),
        "{e}"
    );
    let e = load_error(&MATRIX.replace(
        "  entry:",
        "  allowed_auth_methods: [[magic_link]]\n  entry:",
    ));
    assert!(e.contains("not in the policy space"), "{e}");
}

#[test]
fn a_hand_written_key_next_to_model_is_still_checked_for_typos() {
    let e = load_error(&MATRIX.replace(
        "  - expect: model\n",
        "  - expect: { model: true, stat: x }\n",
    ));
    assert!(e.contains("unknown field `stat`"), "{e}");
    assert!(e.starts_with("m.yaml:14:"), "{e}");
}

#[test]
fn an_empty_axis_is_reported_at_its_line() {
    let e = load_error(&MATRIX.replace("  phone: [none, verified]", "  phone: []"));
    assert!(
        e.starts_with("m.yaml:6:3: matrix axis `phone` has no values"),
        "{e}"
    );
}
