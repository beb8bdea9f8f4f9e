//! The pure MFA rules (CONTRACT §3 R1–R3; the order is in [`crate::mfa`]): is MFA owed, which
//! factors the member can use, whether an SMS is auto-sent, and the verdict on a factor bag.
//! Typed in and out; no database, no side effect — [`crate::mfa::decide`] applies the verdict.
//! Must never read a wire string where an enum exists.

use serde::Serialize;
use serde_json::Value;

use crate::model::policy::{AuthMethod, MethodSetting, MfaMethod, MfaPolicy};
use crate::model::{Member, Organization, factor};

/// `mfa_required.member_options`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemberOptions {
    pub mfa_phone_number: String,
    pub totp_registration_id: String,
}

/// `mfa_required`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MfaRequired {
    pub member_options: Option<MemberOptions>,
    pub secondary_auth_initiated: Option<MfaMethod>,
}

/// `primary_required`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrimaryRequired {
    pub allowed_auth_methods: Vec<AuthMethod>,
}

/// What the rules say about a factor bag (steps 3–5 above), before any side effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Mint a session.
    Session,
    /// Another primary factor is needed.
    PrimaryRequired(PrimaryRequired),
    /// MFA is owed; `send_sms` says whether to auto-send an SMS OTP now.
    MfaRequired {
        member_options: Option<MemberOptions>,
        send_sms: bool,
    },
}

/// R1: must this member prove a second factor in this organization?
pub fn mfa_required(org: &Organization, member: &Member) -> bool {
    org.mfa_policy == MfaPolicy::RequiredForAll || member.mfa_enrolled
}

/// R3: the member's usable factors, or `None` when there is none (must enroll).
pub fn member_options(member: &Member) -> Option<MemberOptions> {
    let phone = if member.mfa_phone_number_verified {
        member.mfa_phone_number.clone()
    } else {
        String::new()
    };
    if phone.is_empty() && member.totp_registration_id.is_empty() {
        return None;
    }
    Some(MemberOptions {
        mfa_phone_number: phone,
        totp_registration_id: member.totp_registration_id.clone(),
    })
}

/// R3: does this primary authentication auto-send an SMS OTP?
pub fn auto_sends_sms(org: &Organization, member: &Member) -> bool {
    member.mfa_phone_number_verified
        && !member.mfa_phone_number.is_empty()
        && (member.is_breakglass || org.allows_mfa_method(MfaMethod::SmsOtp))
        && member.default_mfa_method != Some(MfaMethod::Totp)
}

/// Steps 3–5: the verdict on a factor bag (no session of the member was passed in).
pub fn judge(org: &Organization, member: &Member, bag: &[Value]) -> Verdict {
    let restricted = org.auth_methods == MethodSetting::Restricted && !member.is_breakglass;
    if restricted
        && !bag
            .iter()
            .filter_map(factor::auth_method)
            .any(|m| org.allows_auth_method(m))
    {
        return Verdict::PrimaryRequired(PrimaryRequired {
            allowed_auth_methods: org.allowed_auth_methods.clone(),
        });
    }
    if mfa_required(org, member) && !bag.iter().any(factor::is_mfa) {
        return Verdict::MfaRequired {
            member_options: member_options(member),
            send_sms: auto_sends_sms(org, member),
        };
    }
    Verdict::Session
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Ids;
    use crate::model::organization::OrgSettings;

    fn org(
        policy: MfaPolicy,
        sms_allowed: bool,
        restricted_to: Option<&[AuthMethod]>,
    ) -> Organization {
        let mut o = Organization::create(
            "organization-test-1".into(),
            "2030-01-01T00:00:00Z",
            OrgSettings {
                organization_name: Some("Acme".into()),
                ..Default::default()
            },
        )
        .unwrap();
        o.mfa_policy = policy;
        if !sms_allowed {
            o.mfa_methods = MethodSetting::Restricted;
            o.allowed_mfa_methods = vec![MfaMethod::Totp];
        }
        if let Some(methods) = restricted_to {
            o.auth_methods = MethodSetting::Restricted;
            o.allowed_auth_methods = methods.to_vec();
        }
        o
    }

    fn member() -> Member {
        Member::new(
            "organization-test-1",
            "member-test-1".into(),
            "ada@acme.com".into(),
            "active",
            "2030-01-01T00:00:00Z",
        )
    }

    fn ml() -> Value {
        factor::magic_link(&Ids::new(1, 1, 0), &member(), 0)
    }

    #[test]
    fn optional_policy_and_not_enrolled_gives_a_session_even_with_factors() {
        let mut m = member();
        m.mfa_phone_number = "+14155552671".into();
        m.mfa_phone_number_verified = true;
        m.totp_registration_id = "member-totp-test-1".into();
        assert_eq!(
            judge(&org(MfaPolicy::Optional, true, None), &m, &[ml()]),
            Verdict::Session
        );
    }

    #[test]
    fn required_policy_without_factors_asks_to_enroll() {
        let v = judge(
            &org(MfaPolicy::RequiredForAll, true, None),
            &member(),
            &[ml()],
        );
        assert_eq!(
            v,
            Verdict::MfaRequired {
                member_options: None,
                send_sms: false
            }
        );
    }

    #[test]
    fn enrolled_member_with_verified_phone_gets_an_sms_unless_totp_is_default_or_sms_barred() {
        let mut m = member();
        m.mfa_enrolled = true;
        m.mfa_phone_number = "+14155552671".into();
        m.mfa_phone_number_verified = true;
        let opts = Some(MemberOptions {
            mfa_phone_number: "+14155552671".into(),
            totp_registration_id: String::new(),
        });
        assert_eq!(
            judge(&org(MfaPolicy::Optional, true, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: opts.clone(),
                send_sms: true
            }
        );
        assert_eq!(
            judge(&org(MfaPolicy::Optional, false, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: opts.clone(),
                send_sms: false
            }
        );
        m.is_breakglass = true;
        assert_eq!(
            judge(&org(MfaPolicy::Optional, false, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: opts.clone(),
                send_sms: true
            },
            "breakglass is exempt from mfa_methods"
        );
        m.default_mfa_method = Some(MfaMethod::Totp);
        assert_eq!(
            judge(&org(MfaPolicy::Optional, true, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: opts,
                send_sms: false
            }
        );
    }

    #[test]
    fn an_unverified_phone_is_not_an_option_and_sends_nothing() {
        let mut m = member();
        m.mfa_phone_number = "+14155552671".into();
        assert_eq!(
            judge(&org(MfaPolicy::RequiredForAll, true, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: None,
                send_sms: false
            }
        );
    }

    #[test]
    fn restricted_auth_methods_come_before_mfa_and_accumulate() {
        let o = org(MfaPolicy::RequiredForAll, true, Some(&[AuthMethod::Sso]));
        let v = judge(&o, &member(), &[ml()]);
        assert_eq!(
            v,
            Verdict::PrimaryRequired(PrimaryRequired {
                allowed_auth_methods: vec![AuthMethod::Sso]
            })
        );
        let sso = factor::sso("saml", "saml-connection-test-1", "ext", "reg", 0);
        assert!(matches!(
            judge(&o, &member(), &[ml(), sso]),
            Verdict::MfaRequired { .. }
        ));
        let mut breakglass = member();
        breakglass.is_breakglass = true;
        assert!(matches!(
            judge(&o, &breakglass, &[ml()]),
            Verdict::MfaRequired { .. }
        ));
    }

    #[test]
    fn an_mfa_factor_in_the_bag_satisfies_mfa() {
        let bag = [ml(), factor::totp("member-totp-test-1", 0)];
        assert_eq!(
            judge(&org(MfaPolicy::RequiredForAll, true, None), &member(), &bag),
            Verdict::Session
        );
    }

    #[test]
    fn oauth_factors_name_their_provider_method() {
        assert_eq!(
            factor::auth_method(&factor::oauth("google", "r", "s", 0).unwrap()),
            Some(AuthMethod::GoogleOauth)
        );
        assert_eq!(factor::auth_method(&factor::totp("t", 0)), None);
    }
}
