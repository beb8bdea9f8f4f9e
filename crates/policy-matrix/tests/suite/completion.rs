//! The model's `complete_with` / `recovery_code` (which methods can finish MFA with the IST a
//! login returned) checked by trying each one, through the engine, on its own fresh member:
//! SMS, TOTP and a recovery code, for every organization MFA rule × member shape where the
//! login demands MFA. A method succeeds iff the model lists it — including the **stuck** rows,
//! where nothing may succeed.
//!
//! One entry point (magic link) stands for all seven: completing MFA (`otps.sms.authenticate`,
//! `totps.authenticate`, `recovery_codes.recover`, R5) takes the IST, not the primary factor,
//! and the exhaustive test already shows every entry point yields the same IST outcome.

use futures_util::{StreamExt, stream};
use mfa_engine::{LoginStep, MfaMethod, ServiceError};
use policy_matrix::{
    AuthMethods, Combination, DefaultMfa, EngineStep, EntryPoint, MemberShape, OrgPolicy, Phone,
    Response, Totp, decide,
};
use serde_json::json;
use stytch_client::secret::ExposeSecretStr;

use crate::exhaustive::org_settings;
use crate::harness::{Env, PHONE, TOTP_SECRET, totp_at};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Try {
    Sms,
    Totp,
    Recovery,
}

struct Member {
    id: String,
    email: String,
    shape: MemberShape,
    attempt: Try,
    recovery_codes: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_the_methods_the_model_lists_complete_mfa() {
    let env = Env::spawn().await;
    let policies: Vec<OrgPolicy> = OrgPolicy::all()
        .filter(|p| p.validity().is_ok() && p.auth_methods == AuthMethods::AllAllowed)
        .collect();
    let mut tried = 0;
    let mut wrong = Vec::new();
    for (i, policy) in policies.iter().enumerate() {
        let org = env
            .create_org(
                &format!("completion-{i}"),
                json!({"mfa_policy": "OPTIONAL"}),
            )
            .await
            .expect("org");
        let shapes = MemberShape::all().filter(|m| {
            m.validity().is_ok()
                && matches!(
                    decide(&combo(*policy, *m)).response,
                    Response::MfaRequired { .. }
                )
        });
        let jobs: Vec<(MemberShape, Try)> = shapes
            .flat_map(|m| [Try::Sms, Try::Totp, Try::Recovery].map(|t| (m, t)))
            .collect();
        let members: Vec<Member> = stream::iter(jobs.iter().enumerate())
            .map(|(j, (shape, attempt))| build(&env, &org, j, *shape, *attempt))
            .buffered(12)
            .collect()
            .await;
        env.update_org(&org, org_settings(policy))
            .await
            .expect("policy");
        let results: Vec<(Member, Result<bool, String>)> = stream::iter(members)
            .map(|m| async {
                let r = attempt(&env, &org, &m).await;
                (m, r)
            })
            .buffer_unordered(12)
            .collect()
            .await;
        for (m, result) in results {
            tried += 1;
            let o = decide(&combo(*policy, m.shape));
            let expected = match m.attempt {
                Try::Sms => o.complete_with.sms,
                Try::Totp => o.complete_with.totp,
                Try::Recovery => o.recovery_code,
            };
            match result {
                Ok(done) if done == expected => {}
                other => wrong.push(format!(
                    "{policy:?} {:?} {:?}: model {expected}, observed {other:?}",
                    m.shape, m.attempt
                )),
            }
        }
    }
    println!("completion: {tried} attempts (method × member shape × MFA rule)");
    assert!(
        wrong.is_empty(),
        "{} attempts disagree with the model:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn combo(org: OrgPolicy, member: MemberShape) -> Combination {
    Combination {
        org,
        member,
        entry: EntryPoint::MagicLink,
        same_member_session: false,
    }
}

async fn build(env: &Env, org: &str, j: usize, shape: MemberShape, attempt: Try) -> Member {
    let email = format!("completion-{j}@example.com");
    let id = env.migrate_member(org, &email, None).await.expect("member");
    let mut recovery_codes = Vec::new();
    match shape.totp {
        Totp::None => {}
        Totp::Pending => drop(env.totp_create(org, &id).await.expect("pending")),
        Totp::Active => recovery_codes = env.totp_migrate(org, &id).await.expect("active"),
    }
    if shape.phone != Phone::None {
        env.migrate_member(org, &email, Some(shape.phone == Phone::Verified))
            .await
            .expect("phone");
    }
    let mut update = json!({ "mfa_enrolled": shape.mfa_enrolled });
    match shape.default_mfa_method {
        DefaultMfa::None => {}
        DefaultMfa::Sms => update["default_mfa_method"] = json!("sms_otp"),
        DefaultMfa::Totp => update["default_mfa_method"] = json!("totp"),
    }
    env.update_member(org, &id, update).await.expect("shape");
    Member {
        id,
        email,
        shape,
        attempt,
        recovery_codes,
    }
}

/// Log in and try to finish MFA with one method; `Ok(true)` iff a session came out.
async fn attempt(env: &Env, org: &str, m: &Member) -> Result<bool, String> {
    let s = &env.service;
    let token = env.magic_link_token(org, &m.email, &m.id).await;
    let step = s
        .login_with_magic_link(token.into())
        .await
        .map_err(|e| format!("login: {e}"))?;
    let flow = step.flow_id();
    let done: Result<LoginStep, ServiceError> = match (&step, m.attempt) {
        (LoginStep::Enroll(_), Try::Sms) => match s.enroll_sms(flow, PHONE).await {
            Ok(_) => {
                let code = env.latest_sms(&m.id).await.expect("a code").1;
                s.confirm_enrollment(flow, code.into()).await
            }
            Err(e) => Err(e),
        },
        (LoginStep::Enroll(_), Try::Totp) => match s.enroll_totp(flow).await {
            Ok(setup) => {
                let code = totp_at(setup.secret.expose_secret(), env.mock_now().await);
                s.confirm_enrollment(flow, code.into()).await
            }
            Err(e) => Err(e),
        },
        (LoginStep::Enroll(_), Try::Recovery) => return Ok(false),
        (LoginStep::Challenge(_), Try::Sms) => match s.use_method(flow, MfaMethod::Sms).await {
            Ok(_) => {
                let code = env.latest_sms(&m.id).await.expect("a code").1;
                s.submit_code(flow, code.into()).await
            }
            Err(e) => Err(e),
        },
        (LoginStep::Challenge(_), Try::Totp) => match s.use_method(flow, MfaMethod::Totp).await {
            Ok(_) => {
                let code = totp_at(TOTP_SECRET, env.mock_now().await);
                s.submit_code(flow, code.into()).await
            }
            Err(e) => Err(e),
        },
        (LoginStep::Challenge(_), Try::Recovery) => match m.recovery_codes.first() {
            Some(code) => s.submit_recovery_code(flow, code.clone().into()).await,
            None => return Ok(false),
        },
        (LoginStep::SignedIn(_), _) => return Err("signed in without MFA".into()),
    };
    match done {
        Ok(LoginStep::SignedIn(_)) => Ok(true),
        Ok(other) => Err(format!("neither a session nor a refusal: {other:?}")),
        // Refusals a member can meet: not offered, refused by Stytch, or a wrong-code answer.
        Err(
            ServiceError::Transition(_)
            | ServiceError::Rejected(_)
            | ServiceError::WrongCode { .. },
        ) => Ok(false),
        Err(e) => Err(format!("unexpected error: {e}")),
    }
}

#[test]
fn stuck_rows_exist_and_are_the_forbidden_factor_ones() {
    // The model's stuck rows: MFA demanded, the member holds an active factor the
    // organization does not allow, and the R6 guard forbids enrolling an allowed one.
    let stuck: Vec<_> = Combination::valid().filter(|c| decide(c).stuck()).collect();
    assert_eq!(stuck.len(), 378);
    assert!(
        stuck
            .iter()
            .all(|c| matches!(decide(c).engine, EngineStep::Enroll { .. }))
    );
}
