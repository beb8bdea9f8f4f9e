//! The policy space as a type: every organization setting, member shape and entry point that
//! decides a Stytch B2B MFA login (issue 6), and which points of it the API refuses.
//!
//! [`Combination::all`] enumerates the full product in a fixed order; [`Combination::validity`]
//! names why a point is not a login anyone can perform. Nothing here knows what Stytch answers:
//! that is [`crate::model`]. This module must never drop a point silently — an invalid point is
//! returned with its [`Invalid`] reason, so counts add up to the product.

use serde::{Deserialize, Serialize};

use crate::methods::Methods;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MfaPolicy {
    #[serde(rename = "REQUIRED_FOR_ALL")]
    RequiredForAll,
    #[serde(rename = "OPTIONAL")]
    Optional,
}

impl MfaPolicy {
    pub const ALL: [MfaPolicy; 2] = [MfaPolicy::RequiredForAll, MfaPolicy::Optional];

    pub fn wire(self) -> &'static str {
        match self {
            MfaPolicy::RequiredForAll => "REQUIRED_FOR_ALL",
            MfaPolicy::Optional => "OPTIONAL",
        }
    }
}

/// `mfa_methods` plus `allowed_mfa_methods` (the list is stored either way; only enforced when
/// RESTRICTED).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct MfaMethodRule {
    pub restricted: bool,
    pub allowed_list: Methods,
}

impl MfaMethodRule {
    pub fn all() -> impl Iterator<Item = MfaMethodRule> {
        [false, true].into_iter().flat_map(|restricted| {
            Methods::subsets().map(move |allowed_list| MfaMethodRule {
                restricted,
                allowed_list,
            })
        })
    }

    pub fn wire_setting(self) -> &'static str {
        if self.restricted {
            "RESTRICTED"
        } else {
            "ALL_ALLOWED"
        }
    }
}

/// `auth_methods` / `allowed_auth_methods`. The two restricted lists partition the primary
/// methods of the seven entry points, so every entry point is allowed under exactly one of them
/// (and whether a password reset counts as `password` or `magic_link` cannot matter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum AuthMethods {
    #[serde(rename = "ALL_ALLOWED")]
    AllAllowed,
    /// RESTRICTED to `magic_link`, `password`.
    #[serde(rename = "RESTRICTED[magic_link,password]")]
    RestrictedEmail,
    /// RESTRICTED to `sso`, `google_oauth`.
    #[serde(rename = "RESTRICTED[sso,google_oauth]")]
    RestrictedIdp,
    /// RESTRICTED with an empty list: refused by the API.
    #[serde(rename = "RESTRICTED[]")]
    RestrictedEmpty,
}

impl AuthMethods {
    pub const ALL: [AuthMethods; 4] = [
        AuthMethods::AllAllowed,
        AuthMethods::RestrictedEmail,
        AuthMethods::RestrictedIdp,
        AuthMethods::RestrictedEmpty,
    ];

    pub fn wire_setting(self) -> &'static str {
        match self {
            AuthMethods::AllAllowed => "ALL_ALLOWED",
            _ => "RESTRICTED",
        }
    }

    /// `allowed_auth_methods` as sent to the API.
    pub fn wire_list(self) -> &'static [&'static str] {
        match self {
            AuthMethods::AllAllowed | AuthMethods::RestrictedEmpty => &[],
            AuthMethods::RestrictedEmail => &["magic_link", "password"],
            AuthMethods::RestrictedIdp => &["sso", "google_oauth"],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuthMethods::AllAllowed => "ALL_ALLOWED",
            AuthMethods::RestrictedEmail => "RESTRICTED[magic_link,password]",
            AuthMethods::RestrictedIdp => "RESTRICTED[sso,google_oauth]",
            AuthMethods::RestrictedEmpty => "RESTRICTED[]",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phone {
    None,
    Unverified,
    Verified,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Totp {
    None,
    /// `totps.create` called, never authenticated.
    Pending,
    Active,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DefaultMfa {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "sms_otp")]
    Sms,
    #[serde(rename = "totp")]
    Totp,
}

/// The seven primary authentications of the seed guide (`MfaService::login_with_*` and
/// `exchange_session`). The engine exposes no discovery or email-OTP entry point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryPoint {
    MagicLink,
    Password,
    PasswordResetByEmail,
    PasswordResetByExistingPassword,
    Sso,
    Oauth,
    SessionExchange,
}

impl EntryPoint {
    pub const ALL: [EntryPoint; 7] = [
        EntryPoint::MagicLink,
        EntryPoint::Password,
        EntryPoint::PasswordResetByEmail,
        EntryPoint::PasswordResetByExistingPassword,
        EntryPoint::Sso,
        EntryPoint::Oauth,
        EntryPoint::SessionExchange,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EntryPoint::MagicLink => "magic link",
            EntryPoint::Password => "password",
            EntryPoint::PasswordResetByEmail => "password reset (email)",
            EntryPoint::PasswordResetByExistingPassword => "password reset (existing)",
            EntryPoint::Sso => "SSO",
            EntryPoint::Oauth => "OAuth (Google)",
            EntryPoint::SessionExchange => "session exchange",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct OrgPolicy {
    pub mfa_policy: MfaPolicy,
    pub mfa_methods: MfaMethodRule,
    pub auth_methods: AuthMethods,
}

impl OrgPolicy {
    pub fn all() -> impl Iterator<Item = OrgPolicy> {
        MfaPolicy::ALL.into_iter().flat_map(|mfa_policy| {
            MfaMethodRule::all().flat_map(move |mfa_methods| {
                AuthMethods::ALL
                    .into_iter()
                    .map(move |auth_methods| OrgPolicy {
                        mfa_policy,
                        mfa_methods,
                        auth_methods,
                    })
            })
        })
    }

    /// Why the organizations API refuses these settings, if it does.
    pub fn validity(&self) -> Result<(), Invalid> {
        if self.mfa_methods.restricted && self.mfa_methods.allowed_list.is_empty() {
            return Err(Invalid::RestrictedMfaMethodsWithEmptyList);
        }
        if self.auth_methods == AuthMethods::RestrictedEmpty {
            return Err(Invalid::RestrictedAuthMethodsWithEmptyList);
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct MemberShape {
    pub mfa_enrolled: bool,
    pub phone: Phone,
    pub totp: Totp,
    pub default_mfa_method: DefaultMfa,
}

impl MemberShape {
    pub fn all() -> impl Iterator<Item = MemberShape> {
        [false, true].into_iter().flat_map(|mfa_enrolled| {
            [Phone::None, Phone::Unverified, Phone::Verified]
                .into_iter()
                .flat_map(move |phone| {
                    [Totp::None, Totp::Pending, Totp::Active]
                        .into_iter()
                        .flat_map(move |totp| {
                            [DefaultMfa::None, DefaultMfa::Sms, DefaultMfa::Totp]
                                .into_iter()
                                .map(move |default_mfa_method| MemberShape {
                                    mfa_enrolled,
                                    phone,
                                    totp,
                                    default_mfa_method,
                                })
                        })
                })
        })
    }

    /// Why `members.update` refuses to produce this member, if it does.
    pub fn validity(&self) -> Result<(), Invalid> {
        match self.default_mfa_method {
            DefaultMfa::Sms if self.phone == Phone::None => Err(Invalid::DefaultSmsWithoutPhone),
            DefaultMfa::Totp if self.totp != Totp::Active => {
                Err(Invalid::DefaultTotpWithoutActiveTotp)
            }
            _ => Ok(()),
        }
    }
}

/// One point of the space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Combination {
    pub org: OrgPolicy,
    pub member: MemberShape,
    pub entry: EntryPoint,
    /// The primary call also carries a live session of the same member (CONTRACT §3 R2.1).
    pub same_member_session: bool,
}

/// Why a point of the product is not a login that can happen. Each is checked against the mock
/// by the test suite (`invalid.rs`), never skipped silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    /// `mfa_methods: RESTRICTED` with `allowed_mfa_methods: []`: organizations create/update
    /// refuse it (400).
    RestrictedMfaMethodsWithEmptyList,
    /// `auth_methods: RESTRICTED` with `allowed_auth_methods: []`: refused (400).
    RestrictedAuthMethodsWithEmptyList,
    /// `default_mfa_method: sms_otp` for a member without a phone: members.update refuses (400).
    DefaultSmsWithoutPhone,
    /// `default_mfa_method: totp` without an active TOTP registration (a pending one is not on
    /// the member): members.update refuses (400).
    DefaultTotpWithoutActiveTotp,
    /// `sessions.exchange` has one session slot and it holds the *other* organization's
    /// session: a same-member session of the target organization cannot be passed as well.
    ExchangeHasNoSecondSessionSlot,
}

impl Invalid {
    pub const ALL: [Invalid; 5] = [
        Invalid::RestrictedMfaMethodsWithEmptyList,
        Invalid::RestrictedAuthMethodsWithEmptyList,
        Invalid::DefaultSmsWithoutPhone,
        Invalid::DefaultTotpWithoutActiveTotp,
        Invalid::ExchangeHasNoSecondSessionSlot,
    ];
}

impl Combination {
    /// The full product, valid and invalid, in a fixed order.
    pub fn all() -> impl Iterator<Item = Combination> {
        OrgPolicy::all().flat_map(|org| {
            MemberShape::all().flat_map(move |member| {
                EntryPoint::ALL.into_iter().flat_map(move |entry| {
                    [false, true]
                        .into_iter()
                        .map(move |same_member_session| Combination {
                            org,
                            member,
                            entry,
                            same_member_session,
                        })
                })
            })
        })
    }

    /// Size of the full product: 2 × (2 × 4) × 4 × 2 × 3 × 3 × 3 × 7 × 2.
    pub const PRODUCT: usize = 2 * (2 * 4) * 4 * 2 * 3 * 3 * 3 * 7 * 2;

    /// The first reason (organization, then member, then request) this point cannot happen.
    pub fn validity(&self) -> Result<(), Invalid> {
        self.org.validity()?;
        self.member.validity()?;
        if self.entry == EntryPoint::SessionExchange && self.same_member_session {
            return Err(Invalid::ExchangeHasNoSecondSessionSlot);
        }
        Ok(())
    }

    pub fn valid() -> impl Iterator<Item = Combination> {
        Combination::all().filter(|c| c.validity().is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_is_enumerated_once_each() {
        let all: Vec<_> = Combination::all().collect();
        assert_eq!(all.len(), Combination::PRODUCT);
        let unique: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
    }

    #[test]
    fn valid_count_is_the_product_of_the_valid_dimensions() {
        // 2 policies × 7 MFA method rules × 3 auth rules; 36 member shapes (54 − 6 default-SMS
        // without phone − 12 default-TOTP without an active registration); 7 + 6 requests.
        assert_eq!(Combination::valid().count(), 2 * 7 * 3 * 36 * 13);
        assert_eq!(
            MemberShape::all().filter(|m| m.validity().is_ok()).count(),
            36
        );
    }

    #[test]
    fn every_invalid_reason_occurs() {
        for reason in Invalid::ALL {
            assert!(
                Combination::all().any(|c| c.validity() == Err(reason)),
                "{reason:?} never occurs"
            );
        }
    }
}
