//! One test (or a few) per transition, built from parsed Stytch JSON — no HTTP, no database.

use chrono::Duration;
use serde_json::json;
use stytch_client::secret::ExposeSecretStr;

use super::*;
use crate::kind::{Method, RecoveryCode, Sms, Totp, VerifiedBy};
use crate::proof::{Expected, FactorVerified};
use crate::test_support::{authenticated, mfa_ok, pending, recover_ok, t0};

const HOUR: Duration = Duration::hours(1);

fn start(resp: &stytch_client::wire::PrimaryAuthResponse) -> PrimaryAuthed {
    PrimaryAuthed::from_primary_response(resp, t0(), HOUR).expect("flow starts")
}

fn expected_for(id: FlowId) -> Expected<'static> {
    Expected {
        flow_id: id,
        member_id: "mem-1",
        organization_id: "org-1",
    }
}

fn proof_for<M: Method, S: FlowState>(flow: &LoginFlow<S>) -> FactorVerified<M> {
    FactorVerified::from_mfa_response(&expected_for(flow.id()), &mfa_ok("mem-1")).expect("proof")
}

fn recovery_proof_for<S: FlowState>(flow: &LoginFlow<S>) -> FactorVerified<RecoveryCode> {
    FactorVerified::from_recover_response(&expected_for(flow.id()), &recover_ok("mem-1"))
        .expect("proof")
}

pub(crate) fn enrollment(org: serde_json::Value) -> LoginFlow<EnrollmentPending> {
    match start(&pending(org, json!({}), json!({"member_options":null}))).route() {
        AfterPrimary::Enroll(f) => f,
        other => panic!("expected enrollment, got {other:?}"),
    }
}

/// Phone verified, TOTP registered, SMS auto-sent, default TOTP.
pub(crate) fn challenge() -> LoginFlow<ChallengePending<Sms>> {
    let resp = pending(
        json!({}),
        json!({"mfa_phone_number":"+15005550006","mfa_phone_number_verified":true,"default_mfa_method":"totp"}),
        json!({"member_options":{"mfa_phone_number":"+15005550006","totp_registration_id":"t-1"},
               "secondary_auth_initiated":"sms_otp"}),
    );
    match start(&resp).route() {
        AfterPrimary::Challenge(AnyChallenge::Sms(f)) => f,
        other => panic!("expected an SMS challenge, got {other:?}"),
    }
}

pub(crate) fn session() -> LoginFlow<MemberSession> {
    match start(&authenticated()).route() {
        AfterPrimary::Session(f) => f,
        other => panic!("expected session, got {other:?}"),
    }
}

#[test]
fn authenticated_primary_routes_to_a_session_with_stytchs_expiry() {
    let f = start(&authenticated());
    assert!(!f.mfa_required());
    let s = match f.route() {
        AfterPrimary::Session(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.session().session_token().expose_secret(), "st-1");
    assert_eq!(s.session().member_session_id(), Some("ms-1"));
    assert_eq!(s.expires_at().to_rfc3339(), "2030-01-01T01:00:00+00:00");
}

#[test]
fn pending_primary_takes_the_ists_expiry_and_routes_to_enrollment() {
    let f = enrollment(json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":["sms_otp"]}));
    assert_eq!(f.expires_at().to_rfc3339(), "2030-01-01T00:10:00+00:00");
    assert_eq!(f.offered(), MethodSet::only(MfaMethod::Sms));
    assert_eq!(f.kind(), StateKind::EnrollmentPending);
    assert!(!f.holds_session());
}

#[test]
fn auto_sent_sms_routes_to_an_sms_challenge_already_sent() {
    let f = challenge();
    assert_eq!(
        (f.method(), f.sms_sent(), f.available()),
        (MfaMethod::Sms, true, MethodSet::ALL)
    );
    assert_eq!(f.phone_number(), Some("+15005550006"));
    assert!(f.recovery_code_allowed());
}

#[test]
fn responses_the_engine_cannot_start_from_are_typed_errors() {
    let mut r = pending(json!({}), json!({}), json!({"member_options":null}));
    r.mfa_required = None;
    r.primary_required = serde_json::from_value(json!({"allowed_auth_methods":["sso"]})).unwrap();
    assert_eq!(
        PrimaryAuthed::from_primary_response(&r, t0(), HOUR).unwrap_err(),
        StartError::PrimaryRequired {
            allowed_auth_methods: vec!["sso".into()]
        }
    );

    let r = pending(
        json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":[]}),
        json!({}),
        json!({}),
    );
    assert_eq!(
        PrimaryAuthed::from_primary_response(&r, t0(), HOUR).unwrap_err(),
        StartError::NoAllowedMfaMethod
    );

    let mut r = pending(json!({}), json!({}), json!({}));
    r.intermediate_session_token = None;
    assert!(matches!(
        PrimaryAuthed::from_primary_response(&r, t0(), HOUR).unwrap_err(),
        StartError::Malformed(_)
    ));
}

#[test]
fn enrollment_only_starts_an_offered_method_and_confirms_with_its_own_proof() {
    let f = enrollment(json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":["sms_otp"]}));
    let f2 = enrollment(json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":["sms_otp"]}));
    assert_eq!(
        f2.totp_created("t-9".into()).unwrap_err(),
        TransitionError::MethodNotAvailable(MfaMethod::Totp)
    );

    let p = proof_for::<Sms, _>(&f);
    let f = f.sms_code_sent("+15005550006".into()).unwrap();
    assert_eq!(
        f.started(),
        &EnrollmentStarted::Sms {
            phone_number: "+15005550006".into()
        }
    );
    assert_eq!(f.kind(), StateKind::EnrollmentCodePending(MfaMethod::Sms));
    let s = f.confirm(p).unwrap();
    assert_eq!(s.session().session_token().expose_secret(), "st-2");
    assert_eq!(s.expires_at().to_rfc3339(), "2030-01-01T01:00:00+00:00");
}

#[test]
fn enrollment_failures_reset_when_switching_method_and_exhaust_at_the_limit() {
    let f = enrollment(json!({}))
        .sms_code_sent("+15005550006".into())
        .unwrap();
    let f = match f.record_failure(3) {
        AfterFailure::Retry(f) => f,
        other => panic!("{other:?}"),
    };
    assert_eq!(f.failures(), 1);
    // A resend of the same method keeps the count.
    let f = f.sms_code_sent("+15005550006".into()).unwrap();
    assert_eq!(f.failures(), 1);
    let f = f.totp_created("t-1".into()).unwrap();
    assert_eq!(f.failures(), 0);
    let f = match f.record_failure(2) {
        AfterFailure::Retry(f) => f,
        other => panic!("{other:?}"),
    };
    let id = f.id();
    assert!(
        matches!(f.record_failure(2), AfterFailure::Exhausted(Exhausted { id: x, .. }) if x == id)
    );
}

#[test]
fn challenge_switches_only_to_available_methods_and_forgets_the_sent_sms() {
    let f = challenge().switch_to::<Totp>().unwrap();
    assert_eq!((f.method(), f.sms_sent()), (MfaMethod::Totp, false));
    let back = f.switch_to::<Sms>().unwrap();
    assert_eq!((back.method(), back.sms_sent()), (MfaMethod::Sms, false));
    let sent = back.sms_code_sent();
    assert!(sent.sms_sent());
    // Staying on the same method keeps the sent code.
    assert!(sent.switch_to::<Sms>().unwrap().sms_sent());

    let resp = pending(
        json!({}),
        json!({"default_mfa_method":"totp"}),
        json!({"member_options":{"mfa_phone_number":"","totp_registration_id":"t-1"}}),
    );
    let AfterPrimary::Challenge(AnyChallenge::Totp(only_totp)) = start(&resp).route() else {
        panic!("TOTP challenge")
    };
    assert_eq!(
        only_totp.switch_to::<Sms>().unwrap_err(),
        TransitionError::MethodNotAvailable(MfaMethod::Sms)
    );
}

#[test]
fn challenge_completes_with_its_methods_proof_or_a_recovery_code_as_totp() {
    let f = challenge();
    let p = proof_for::<Sms, _>(&f);
    assert!(f.complete(p).is_ok());

    let f = challenge().switch_to::<Totp>().unwrap();
    let p = proof_for::<Totp, _>(&f);
    let s = f.complete(p).unwrap();
    assert_eq!(s.session().session_token().expose_secret(), "st-2");

    let f = challenge().switch_to::<Totp>().unwrap();
    let p = recovery_proof_for(&f);
    assert_eq!(p.verified_by(), VerifiedBy::RecoveryCode);
    assert!(f.recover(p).is_ok());
}

#[test]
fn a_proof_for_another_flow_is_refused() {
    let other = challenge();
    let p = proof_for::<Sms, _>(&other);
    assert_eq!(
        challenge().complete(p).unwrap_err(),
        TransitionError::ProofForAnotherFlow
    );
}

#[test]
fn challenge_counts_failures_then_is_exhausted() {
    let mut f = challenge();
    for n in 1..3 {
        f = match f.record_failure(3) {
            AfterFailure::Retry(f) => f,
            other => panic!("{other:?}"),
        };
        assert_eq!(f.failures(), n);
    }
    // Switching method keeps the challenge's count (it is per challenge, not per method).
    let f = f.switch_to::<Totp>().unwrap();
    assert_eq!(f.failures(), 2);
    assert!(matches!(f.record_failure(3), AfterFailure::Exhausted(_)));
}

#[test]
fn session_can_enroll_another_factor_and_come_back() {
    let s = session();
    let id = s.id();
    // The org behind `authenticated()` allows everything; TOTP is what the member lacks.
    let f = s
        .begin_enrollment(MethodSet::only(MfaMethod::Totp), true)
        .unwrap();
    assert!(f.holds_session() && f.sets_mfa_enrollment());
    assert_eq!(f.offered(), MethodSet::only(MfaMethod::Totp));
    let f = f.totp_created("t-2".into()).unwrap();
    let p = proof_for::<Totp, _>(&f);
    let s = f.confirm(p).unwrap();
    assert_eq!(s.id(), id);
    assert_eq!(s.session().session_token().expose_secret(), "st-2");

    assert_eq!(
        s.begin_enrollment(MethodSet::NONE, false).unwrap_err(),
        TransitionError::NothingToOffer
    );
}

#[test]
fn session_steps_up_with_the_preferred_usable_method() {
    let AnyChallenge::Totp(f) = session()
        .begin_step_up(MethodSet::ALL, Some(MfaMethod::Totp))
        .unwrap()
    else {
        panic!("TOTP preferred")
    };
    assert!(f.holds_session());
    let p = proof_for::<Totp, _>(&f);
    assert!(f.complete(p).is_ok());

    let c = session()
        .begin_step_up(MethodSet::only(MfaMethod::Sms), Some(MfaMethod::Totp))
        .unwrap();
    assert_eq!(c.method(), MfaMethod::Sms);
    assert_eq!(
        session().begin_step_up(MethodSet::NONE, None).unwrap_err(),
        TransitionError::NothingToOffer
    );
}

#[test]
fn any_flow_refuses_the_wrong_state_without_panicking() {
    let any = AnyLoginFlow::from(AnyChallenge::Sms(challenge()));
    let id = any.id();
    let err = any.into_state::<EnrollmentPending>().unwrap_err();
    assert_eq!(
        err,
        UnexpectedState {
            flow_id: id,
            expected: "enrollment_pending",
            found: StateKind::ChallengePending(MfaMethod::Sms)
        }
    );
    // The method is part of the state: an SMS challenge is not a TOTP one.
    let err = AnyLoginFlow::from(AnyChallenge::Sms(challenge()))
        .into_state::<ChallengePending<Totp>>()
        .unwrap_err();
    assert_eq!(err.expected, "challenge_pending(totp)");
    assert!(
        AnyLoginFlow::from(AnyChallenge::Sms(challenge()))
            .into_state::<ChallengePending<Sms>>()
            .is_ok()
    );
}
