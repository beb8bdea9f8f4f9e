//! Routing after primary authentication (CONTRACT §3 R1–R4), as pure functions.
//!
//! [`allowed_methods`] reads the organization's method rules, [`mfa_facts`] reads what Stytch
//! said about the member's factors, [`decide`] picks the next state. No I/O, no clock: the
//! tests build these inputs from parsed JSON. Must never call Stytch or the store.

use stytch_client::wire::{Member, MfaMethods, MfaRequired, Organization, SecondaryAuth};

use crate::method::{MethodSet, MfaMethod};

/// Methods this member may use in this organization: everything under `ALL_ALLOWED`, only
/// `allowed_mfa_methods` under `RESTRICTED` (or an unknown setting, read strictly).
/// Break-glass members are exempt from the restriction (CONTRACT §2.2).
pub fn allowed_methods(org: &Organization, member: &Member) -> MethodSet {
    if member.is_breakglass {
        return MethodSet::ALL;
    }
    match org.mfa_methods {
        MfaMethods::AllAllowed => MethodSet::ALL,
        MfaMethods::Restricted | MfaMethods::Unknown => org
            .allowed_mfa_methods
            .iter()
            .filter_map(|m| MfaMethod::from_wire(*m))
            .collect(),
    }
}

/// What the primary-auth response said about the member's MFA factors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaFacts {
    /// Usable factors: TOTP when a registration exists; SMS when the phone is verified, or
    /// when Stytch just sent a code to it (its own UI goes straight to code entry then).
    pub enrolled: MethodSet,
    /// Stytch already sent an SMS code with the primary response.
    pub sms_auto_sent: bool,
    pub default_method: Option<MfaMethod>,
    pub phone_number: Option<String>,
}

/// Read `mfa_required` (non-null) and the member. `member_options: null` → nothing enrolled.
pub fn mfa_facts(required: &MfaRequired, member: &Member) -> MfaFacts {
    let Some(opts) = &required.member_options else {
        return MfaFacts {
            enrolled: MethodSet::NONE,
            sms_auto_sent: false,
            default_method: None,
            phone_number: None,
        };
    };
    let sms_auto_sent = required.secondary_auth_initiated == Some(SecondaryAuth::SmsOtp);
    let phone_number = opts
        .mfa_phone_number
        .clone()
        .or_else(|| member.mfa_phone_number.clone());
    let sms = sms_auto_sent || (phone_number.is_some() && member.mfa_phone_number_verified);
    let totp = opts.totp_registration_id.is_some();
    MfaFacts {
        enrolled: MethodSet { sms, totp },
        sms_auto_sent,
        default_method: member.default_mfa_method.and_then(MfaMethod::from_wire),
        phone_number,
    }
}

/// Where a primary authentication leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `mfa_required: null`: the member has a session.
    Session,
    /// Nothing usable is enrolled: offer the allowed methods.
    Enroll { offered: MethodSet },
    /// Prove one of `available` (enrolled ∩ allowed), starting with `method`.
    Challenge {
        available: MethodSet,
        method: MfaMethod,
        sms_sent: bool,
    },
}

/// CONTRACT §3 R4: auto-sent SMS → default method → first enrolled allowed method.
/// `facts: None` means Stytch did not require MFA. `allowed` must not be empty when MFA is
/// required (the flow constructor refuses such a response before calling this).
pub fn decide(allowed: MethodSet, facts: Option<&MfaFacts>) -> Route {
    let Some(facts) = facts else {
        return Route::Session;
    };
    let available = facts.enrolled.intersect(allowed);
    let preferred = if facts.sms_auto_sent && available.sms {
        Some(MfaMethod::Sms)
    } else {
        facts
            .default_method
            .filter(|m| available.contains(*m))
            .or_else(|| available.first())
    };
    match preferred {
        None => Route::Enroll { offered: allowed },
        Some(method) => Route::Challenge {
            available,
            method,
            sms_sent: facts.sms_auto_sent && method == MfaMethod::Sms,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use stytch_client::wire::PrimaryAuthResponse;

    use super::*;
    use crate::test_support::pending;

    fn route_of(r: &PrimaryAuthResponse) -> Route {
        let allowed = allowed_methods(&r.organization, &r.member);
        decide(
            allowed,
            r.mfa_required
                .as_ref()
                .map(|m| mfa_facts(m, &r.member))
                .as_ref(),
        )
    }

    #[test]
    fn no_mfa_required_goes_straight_to_a_session() {
        assert_eq!(decide(MethodSet::ALL, None), Route::Session);
    }

    #[test]
    fn null_member_options_offers_every_method_when_all_allowed() {
        let r = pending(
            json!({}),
            json!({}),
            json!({"member_options":null,"secondary_auth_initiated":null}),
        );
        assert_eq!(
            route_of(&r),
            Route::Enroll {
                offered: MethodSet::ALL
            }
        );
    }

    #[test]
    fn restricted_org_offers_only_allowed_methods() {
        let r = pending(
            json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":["totp"]}),
            json!({}),
            json!({"member_options":null,"secondary_auth_initiated":null}),
        );
        assert_eq!(
            route_of(&r),
            Route::Enroll {
                offered: MethodSet::only(MfaMethod::Totp)
            }
        );
    }

    #[test]
    fn breakglass_member_ignores_the_restriction() {
        let r = pending(
            json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":["totp"]}),
            json!({"is_breakglass":true}),
            json!({"member_options":null}),
        );
        assert_eq!(
            route_of(&r),
            Route::Enroll {
                offered: MethodSet::ALL
            }
        );
    }

    #[test]
    fn auto_sent_sms_wins_over_the_default_method() {
        let r = pending(
            json!({}),
            json!({"mfa_phone_number":"+15005550006","mfa_phone_number_verified":true,"default_mfa_method":"totp","totp_registration_id":"t-1"}),
            json!({"member_options":{"mfa_phone_number":"+15005550006","totp_registration_id":"t-1"},"secondary_auth_initiated":"sms_otp"}),
        );
        assert_eq!(
            route_of(&r),
            Route::Challenge {
                available: MethodSet::ALL,
                method: MfaMethod::Sms,
                sms_sent: true
            }
        );
    }

    #[test]
    fn default_method_is_used_when_nothing_was_auto_sent() {
        let r = pending(
            json!({}),
            json!({"mfa_phone_number_verified":true,"default_mfa_method":"totp"}),
            json!({"member_options":{"mfa_phone_number":"+15005550006","totp_registration_id":"t-1"},"secondary_auth_initiated":null}),
        );
        assert_eq!(
            route_of(&r),
            Route::Challenge {
                available: MethodSet::ALL,
                method: MfaMethod::Totp,
                sms_sent: false
            }
        );
    }

    #[test]
    fn default_method_that_is_not_allowed_falls_back_to_the_first_allowed() {
        let r = pending(
            json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":["totp"]}),
            json!({"mfa_phone_number_verified":true,"default_mfa_method":"sms_otp"}),
            json!({"member_options":{"mfa_phone_number":"+15005550006","totp_registration_id":"t-1"}}),
        );
        assert_eq!(
            route_of(&r),
            Route::Challenge {
                available: MethodSet::only(MfaMethod::Totp),
                method: MfaMethod::Totp,
                sms_sent: false
            }
        );
    }

    #[test]
    fn auto_sent_sms_is_ignored_when_sms_is_not_allowed() {
        let r = pending(
            json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":["totp"]}),
            json!({"mfa_phone_number_verified":true}),
            json!({"member_options":{"mfa_phone_number":"+15005550006","totp_registration_id":"t-1"},"secondary_auth_initiated":"sms_otp"}),
        );
        assert_eq!(
            route_of(&r),
            Route::Challenge {
                available: MethodSet::only(MfaMethod::Totp),
                method: MfaMethod::Totp,
                sms_sent: false
            }
        );
    }

    #[test]
    fn unverified_phone_without_auto_send_is_not_enrolled() {
        let r = pending(
            json!({}),
            json!({"mfa_phone_number_verified":false}),
            json!({"member_options":{"mfa_phone_number":"+15005550006","totp_registration_id":""}}),
        );
        assert_eq!(
            route_of(&r),
            Route::Enroll {
                offered: MethodSet::ALL
            }
        );
    }

    #[test]
    fn enrolled_only_in_a_forbidden_method_must_enroll_an_allowed_one() {
        let r = pending(
            json!({"mfa_methods":"RESTRICTED","allowed_mfa_methods":["sms_otp"]}),
            json!({}),
            json!({"member_options":{"mfa_phone_number":"","totp_registration_id":"t-1"}}),
        );
        assert_eq!(
            route_of(&r),
            Route::Enroll {
                offered: MethodSet::only(MfaMethod::Sms)
            }
        );
    }
}
