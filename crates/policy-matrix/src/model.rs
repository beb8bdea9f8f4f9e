//! The reference model: what Stytch answers to one valid [`Combination`], and where the engine
//! must go next — a pure function written from CONTRACT §3 (R1–R6) alone. [`step_up`] is the
//! same reading for a step-up from a live session (R4 preference, R5 session path).
//!
//! It must never read the mock's or the engine's code or types (`mock-stytch/src/mfa/`,
//! `mfa_engine::routing`): the point is a second, independent reading of the contract. Where the
//! contract leaves a rule UNCONFIRMED, the choice made here is written next to the rule.

use serde::Serialize;

use crate::methods::Methods;
use crate::space::{AuthMethods, Combination, DefaultMfa, EntryPoint, MfaPolicy, Phone, Totp};

/// What the primary-auth response says (CONTRACT §2.6).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// `member_authenticated: true`, session tokens, `intermediate_session_token: ""`.
    Session,
    /// `member_authenticated: false`, an IST, `primary_required.allowed_auth_methods`.
    PrimaryRequired { allowed_auth_methods: Vec<String> },
    /// `member_authenticated: false`, an IST, `mfa_required`.
    MfaRequired {
        /// `None`: `member_options: null` (must enroll). `Some`: which of the two fields is
        /// non-empty.
        member_options: Option<MemberOptions>,
        /// `secondary_auth_initiated: "sms_otp"` (an SMS code went out with this response).
        sms_auto_sent: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MemberOptions {
    pub mfa_phone_number: bool,
    pub totp_registration_id: bool,
}

/// The engine's next state (what `MfaService` returns for this response).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum EngineStep {
    SignedIn,
    Enroll {
        offered: Methods,
    },
    Challenge {
        method: &'static str,
        available: Methods,
        sms_sent: bool,
        recovery_code: bool,
    },
    /// `ServiceError::PrimaryRequired`: not an MFA flow.
    PrimaryRequired,
}

/// Everything the model says about one combination.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Outcome {
    pub response: Response,
    /// Methods that can complete MFA with this IST (after enrolling, on the enrollment path).
    /// Empty with an IST means the member is stuck (see [`Outcome::stuck`]).
    pub complete_with: Methods,
    /// A TOTP recovery code can complete MFA with this IST.
    pub recovery_code: bool,
    pub engine: EngineStep,
}

impl Outcome {
    /// MFA is demanded but no method can satisfy it: the enrollment guard (R6) blocks enrolling
    /// an allowed method while the member's existing factor is not allowed.
    pub fn stuck(&self) -> bool {
        matches!(self.response, Response::MfaRequired { .. }) && self.complete_with.is_empty()
    }
}

/// MFA methods the organization lets members use (`allowed_mfa_methods` only when RESTRICTED).
/// Break-glass members are outside the space.
pub fn allowed_mfa(c: &Combination) -> Methods {
    if c.org.mfa_methods.restricted {
        c.org.mfa_methods.allowed_list
    } else {
        Methods::ALL
    }
}

/// R1: `mfa_policy == REQUIRED_FOR_ALL || member.mfa_enrolled`.
pub fn mfa_required(c: &Combination) -> bool {
    c.org.mfa_policy == MfaPolicy::RequiredForAll || c.member.mfa_enrolled
}

/// R2.2: does `auth_methods` let this entry point's primary factor through? A session exchange
/// carries the source session's factor, which the test suite makes a magic link; the password
/// resets prove `password` (the email reset also the inbox) — both in the same restricted list.
pub fn primary_allowed(c: &Combination) -> bool {
    let email_side = matches!(
        c.entry,
        EntryPoint::MagicLink
            | EntryPoint::Password
            | EntryPoint::PasswordResetByEmail
            | EntryPoint::PasswordResetByExistingPassword
            | EntryPoint::SessionExchange
    );
    match c.org.auth_methods {
        AuthMethods::AllAllowed => true,
        AuthMethods::RestrictedEmail => email_side,
        AuthMethods::RestrictedIdp => !email_side,
        AuthMethods::RestrictedEmpty => false,
    }
}

/// Factors the member can prove today (R4): SMS iff the phone is verified, TOTP iff a
/// registration is active. A pending registration is not on the member (CONTRACT §2.2 leaves it
/// UNCONFIRMED; chosen: only an authenticated registration counts).
pub fn active_factors(c: &Combination) -> Methods {
    Methods {
        sms: c.member.phone == Phone::Verified,
        totp: c.member.totp == Totp::Active,
    }
}

/// R3 `secondary_auth_initiated`: [DOC] "member has a phone number and MFA applies". All three
/// UNCONFIRMED extra conditions are taken: SMS allowed by `mfa_methods`, `default_mfa_method`
/// not `totp`, and the phone verified (an unverified phone is an enrollment, guarded by R6 — a
/// code sent with the primary response would walk past that guard).
fn sms_auto_sent(c: &Combination) -> bool {
    c.member.phone == Phone::Verified
        && allowed_mfa(c).sms
        && c.member.default_mfa_method != DefaultMfa::Totp
}

/// The decision, rule by rule. Call only for valid combinations.
pub fn decide(c: &Combination) -> Outcome {
    debug_assert!(c.validity().is_ok(), "{c:?} is not a valid combination");
    // R2.1: a live session of the same member: MFA is not demanded again.
    if c.same_member_session {
        return no_mfa(Response::Session, EngineStep::SignedIn);
    }
    // R2.2: a primary requirement is unmet.
    if !primary_allowed(c) {
        let allowed_auth_methods = c
            .org
            .auth_methods
            .wire_list()
            .iter()
            .map(|m| m.to_string())
            .collect();
        return no_mfa(
            Response::PrimaryRequired {
                allowed_auth_methods,
            },
            EngineStep::PrimaryRequired,
        );
    }
    // R2.4: no MFA needed.
    if !mfa_required(c) {
        return no_mfa(Response::Session, EngineStep::SignedIn);
    }
    // R2.3 + R3: an IST and `mfa_required`.
    let allowed = allowed_mfa(c);
    let active = active_factors(c);
    // R3: options list usable factors; "" for the missing one. An unverified phone is not a
    // factor yet (R4: SMS counts iff verified), so it shows as "".
    let member_options = (!active.is_empty()).then_some(MemberOptions {
        mfa_phone_number: active.sms,
        totp_registration_id: active.totp,
    });
    let auto_sent = sms_auto_sent(c);
    let response = Response::MfaRequired {
        member_options,
        sms_auto_sent: auto_sent,
    };
    if member_options.is_none() {
        return enroll(response, allowed, active);
    }
    // R4: usable = proven-able factors ∩ allowed; an auto-sent code makes SMS usable.
    let usable = Methods {
        sms: active.sms || auto_sent,
        totp: active.totp,
    }
    .and(allowed);
    if usable.is_empty() {
        return enroll(response, allowed, active);
    }
    // R4 preference: auto-sent SMS → default method (if usable) → first usable (SMS, TOTP).
    let default = match c.member.default_mfa_method {
        DefaultMfa::Sms if usable.sms => Some("sms_otp"),
        DefaultMfa::Totp if usable.totp => Some("totp"),
        _ => None,
    };
    let method = if auto_sent && usable.sms {
        "sms_otp"
    } else {
        default.unwrap_or(if usable.sms { "sms_otp" } else { "totp" })
    };
    Outcome {
        response,
        complete_with: usable,
        recovery_code: usable.totp,
        engine: EngineStep::Challenge {
            method,
            available: usable,
            sms_sent: auto_sent && method == "sms_otp",
            recovery_code: usable.totp,
        },
    }
}

/// R4/R5 session path (step-up from a live session): the engine's challenge, or `None` when
/// nothing can be offered. No auto-sent SMS on this path; preference: `default_mfa_method` if
/// enrolled and allowed, then the first enrolled allowed method (SMS, TOTP); choosing SMS sends
/// a code. `entry` and `same_member_session` do not matter (the session already exists).
pub fn step_up(c: &Combination) -> Option<EngineStep> {
    let usable = active_factors(c).and(allowed_mfa(c));
    let method = match c.member.default_mfa_method {
        DefaultMfa::Sms if usable.sms => "sms_otp",
        DefaultMfa::Totp if usable.totp => "totp",
        _ if usable.sms => "sms_otp",
        _ if usable.totp => "totp",
        _ => return None,
    };
    Some(EngineStep::Challenge {
        method,
        available: usable,
        sms_sent: method == "sms_otp",
        recovery_code: usable.totp,
    })
}

fn no_mfa(response: Response, engine: EngineStep) -> Outcome {
    Outcome {
        response,
        complete_with: Methods::NONE,
        recovery_code: false,
        engine,
    }
}

/// Nothing usable: offer the allowed methods. R6 guard: with an active factor already on the
/// member (just not an allowed one), an IST without MFA cannot enroll anything.
fn enroll(response: Response, allowed: Methods, active: Methods) -> Outcome {
    Outcome {
        response,
        complete_with: if active.is_empty() {
            allowed
        } else {
            Methods::NONE
        },
        recovery_code: false,
        engine: EngineStep::Enroll { offered: allowed },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{MemberShape, MfaMethodRule, OrgPolicy};

    fn combo(policy: MfaPolicy, restricted: Option<Methods>, member: MemberShape) -> Combination {
        Combination {
            org: OrgPolicy {
                mfa_policy: policy,
                mfa_methods: MfaMethodRule {
                    restricted: restricted.is_some(),
                    allowed_list: restricted.unwrap_or(Methods::NONE),
                },
                auth_methods: AuthMethods::AllAllowed,
            },
            member,
            entry: EntryPoint::MagicLink,
            same_member_session: false,
        }
    }

    const BARE: MemberShape = MemberShape {
        mfa_enrolled: false,
        phone: Phone::None,
        totp: Totp::None,
        default_mfa_method: DefaultMfa::None,
    };

    #[test]
    fn optional_and_not_enrolled_is_a_session_even_with_factors() {
        let m = MemberShape {
            phone: Phone::Verified,
            totp: Totp::Active,
            ..BARE
        };
        assert_eq!(
            decide(&combo(MfaPolicy::Optional, None, m)).response,
            Response::Session
        );
    }

    #[test]
    fn required_without_factors_enrolls_with_every_allowed_method() {
        let o = decide(&combo(MfaPolicy::RequiredForAll, Some(Methods::TOTP), BARE));
        assert_eq!(
            o.engine,
            EngineStep::Enroll {
                offered: Methods::TOTP
            }
        );
        assert_eq!(o.complete_with, Methods::TOTP);
    }

    #[test]
    fn a_forbidden_active_factor_blocks_enrolling_an_allowed_one() {
        let m = MemberShape {
            totp: Totp::Active,
            ..BARE
        };
        let o = decide(&combo(MfaPolicy::RequiredForAll, Some(Methods::SMS), m));
        assert!(o.stuck(), "{o:?}");
    }

    #[test]
    fn auto_sent_sms_wins_over_a_totp_default_only_when_default_is_not_totp() {
        let m = MemberShape {
            mfa_enrolled: true,
            phone: Phone::Verified,
            totp: Totp::Active,
            default_mfa_method: DefaultMfa::Totp,
        };
        let o = decide(&combo(MfaPolicy::Optional, None, m));
        assert!(matches!(
            o.engine,
            EngineStep::Challenge {
                method: "totp",
                sms_sent: false,
                ..
            }
        ));
    }

    #[test]
    fn step_up_prefers_the_default_and_offers_nothing_without_an_allowed_factor() {
        let m = MemberShape {
            phone: Phone::Verified,
            totp: Totp::Active,
            default_mfa_method: DefaultMfa::Totp,
            ..BARE
        };
        let c = combo(MfaPolicy::Optional, None, m);
        assert!(matches!(
            step_up(&c),
            Some(EngineStep::Challenge {
                method: "totp",
                sms_sent: false,
                ..
            })
        ));
        let only_sms = combo(MfaPolicy::Optional, Some(Methods::SMS), m);
        assert!(matches!(
            step_up(&only_sms),
            Some(EngineStep::Challenge {
                method: "sms_otp",
                sms_sent: true,
                ..
            })
        ));
        let unverified = MemberShape {
            phone: Phone::Unverified,
            ..BARE
        };
        assert_eq!(step_up(&combo(MfaPolicy::Optional, None, unverified)), None);
    }

    #[test]
    fn a_same_member_session_is_never_asked_for_mfa() {
        let mut c = combo(MfaPolicy::RequiredForAll, None, BARE);
        c.same_member_session = true;
        c.org.auth_methods = AuthMethods::RestrictedIdp;
        assert_eq!(decide(&c).response, Response::Session);
    }
}
