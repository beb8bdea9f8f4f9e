//! Turning what the mock and the engine did into the model's vocabulary ([`Response`],
//! [`EngineStep`]), so a test compares like with like. Must never guess: anything that does not
//! fit the contract's shapes is an `Err` with the reason, reported as a mismatch.

use mfa_engine::routing::{self, Route};
use mfa_engine::{LoginStep, MethodSet, ServiceError};
use policy_matrix::{EngineStep, MemberOptions, Methods, Response};
use serde_json::Value;
use stytch_client::wire::PrimaryAuthResponse;

pub fn methods(m: MethodSet) -> Methods {
    Methods {
        sms: m.sms,
        totp: m.totp,
    }
}

fn non_empty(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}

/// Read a primary-auth body (CONTRACT §2.6) straight from its JSON.
pub fn response(v: &Value) -> Result<Response, String> {
    if v["member_authenticated"] == Value::Bool(true) {
        if !non_empty(&v["session_token"]) || non_empty(&v["intermediate_session_token"]) {
            return Err("authenticated, but tokens are not session-shaped".into());
        }
        if !v["mfa_required"].is_null() {
            return Err("authenticated, yet mfa_required is set".into());
        }
        return Ok(Response::Session);
    }
    if non_empty(&v["session_token"]) || !non_empty(&v["intermediate_session_token"]) {
        return Err("not authenticated, but no IST (or a session token)".into());
    }
    if !v["primary_required"].is_null() {
        let list = v["primary_required"]["allowed_auth_methods"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        return Ok(Response::PrimaryRequired {
            allowed_auth_methods: list,
        });
    }
    let mfa = &v["mfa_required"];
    if mfa.is_null() {
        return Err("not authenticated, and nothing is required".into());
    }
    let opts = &mfa["member_options"];
    let member_options = (!opts.is_null()).then(|| MemberOptions {
        mfa_phone_number: non_empty(&opts["mfa_phone_number"]),
        totp_registration_id: non_empty(&opts["totp_registration_id"]),
    });
    Ok(Response::MfaRequired {
        member_options,
        sms_auto_sent: mfa["secondary_auth_initiated"].as_str() == Some("sms_otp"),
    })
}

/// What `MfaService` answered, in the model's terms.
pub fn engine(r: &Result<LoginStep, ServiceError>) -> Result<EngineStep, String> {
    match r {
        Ok(LoginStep::SignedIn(_)) => Ok(EngineStep::SignedIn),
        Ok(LoginStep::Enroll(p)) => Ok(EngineStep::Enroll {
            offered: methods(p.offered),
        }),
        Ok(LoginStep::Challenge(p)) => Ok(EngineStep::Challenge {
            method: p.method.as_str(),
            available: methods(p.available),
            sms_sent: p.sms_sent,
            recovery_code: p.recovery_code_allowed,
        }),
        Err(ServiceError::PrimaryRequired { .. }) => Ok(EngineStep::PrimaryRequired),
        Err(e) => Err(format!("engine error: {e}")),
    }
}

/// Where the engine would route a response it cannot be handed through `MfaService` (no entry
/// point takes a same-member session): the engine's own public routing functions, applied as
/// `LoginFlow::from_primary_response` + `route` apply them.
pub fn engine_route_of(v: &Value) -> Result<EngineStep, String> {
    let resp: PrimaryAuthResponse =
        serde_json::from_value(v.clone()).map_err(|e| format!("engine cannot parse: {e}"))?;
    if resp.member_authenticated {
        return Ok(EngineStep::SignedIn);
    }
    if let Some(required) = &resp.mfa_required {
        let allowed = routing::allowed_methods(&resp.organization, &resp.member);
        if allowed.is_empty() {
            return Err("engine: NoAllowedMfaMethod".into());
        }
        let facts = routing::mfa_facts(required, &resp.member);
        return Ok(match routing::decide(allowed, Some(&facts)) {
            Route::Session | Route::Enroll { .. } => EngineStep::Enroll {
                offered: methods(allowed),
            },
            Route::Challenge {
                available,
                method,
                sms_sent,
            } => EngineStep::Challenge {
                method: method.as_str(),
                available: methods(available),
                sms_sent,
                recovery_code: available.totp,
            },
        });
    }
    if resp.primary_required.is_some() {
        return Ok(EngineStep::PrimaryRequired);
    }
    Err("engine: not authenticated, nothing required".into())
}
