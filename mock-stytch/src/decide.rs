//! The MFA decision rules (CONTRACT §3 R1–R3, R7), in one place, for every primary
//! authentication: magic links, email OTP, passwords (authenticate and the three resets), SSO,
//! OAuth, `sessions.exchange` and `discovery.intermediate_sessions.exchange`.
//!
//! A handler proves a factor (or carries factors from elsewhere), applies its own member side
//! effects (status, email verification, registrations), then calls [`decide`] with the request's
//! optional session / IST ([`Context`]). [`decide`] returns the §2.6 primary-auth fields and is
//! the only code that turns a primary proof into a session or an IST. The pure part, [`judge`],
//! holds the rules themselves and is unit-tested without a database.
//!
//! The rules, in order (R2):
//! 1. a live session of the **same member** passed in → no MFA asked again; the factor is added
//!    to that session (extended by `session_duration_minutes`), which is returned;
//! 2. the factor bag = factors of the IST passed in (+ factors carried from a session of the same
//!    email elsewhere) + the factor just proven. MFA factors only carry over from an IST of this
//!    very member; primary factors carry over from any IST of the same email address (R7);
//! 3. `auth_methods == RESTRICTED`, the member is not breakglass, and no factor in the bag is an
//!    allowed method → pending, `primary_required {allowed_auth_methods}`;
//! 4. MFA required (R1: `mfa_policy == REQUIRED_FOR_ALL || member.mfa_enrolled`) and no MFA factor
//!    in the bag → pending, `mfa_required`;
//! 5. otherwise a new session with the whole bag; an IST passed in is consumed.
//!
//! Pending answers carry an IST (10 minutes; the **same** token when one was passed in and is
//! still pending, R7), `session_token: ""`, `session_jwt: ""`, `member_session: null`.
//! Authenticated answers carry `intermediate_session_token: ""`, `mfa_required: null`,
//! `primary_required: null`.
//!
//! Readings of the UNCONFIRMED parts (kept here so there is one place to change them):
//! * `mfa_required.member_options` is null when the member has no usable factor, i.e. no
//!   *verified* phone and no active TOTP (`totp_registration_id == ""`); otherwise it lists
//!   `mfa_phone_number` (only a verified number, else `""`) and `totp_registration_id` (or `""`).
//!   The organization's `allowed_mfa_methods` does not filter the options: clients do that (R4).
//! * `secondary_auth_initiated: "sms_otp"` — and an SMS OTP really issued through
//!   [`crate::model::sms::issue`] — iff the member has a verified phone, SMS is allowed by the
//!   organization (`allows_mfa_method("sms_otp")`; breakglass members are exempt) and the
//!   member's `default_mfa_method` is not `"totp"`. Discovery never auto-sends (it never calls
//!   this module). The request's `locale` is accepted and ignored (the outbox has no templates).
//! * breakglass exempts from the `auth_methods` and `mfa_methods` restrictions, not from the MFA
//!   policy itself (R1).
//! * a session of another member passed in is ignored (§2.3); an IST of another email address is
//!   refused with `intermediate_session_not_found`.
//! * the email-verification trigger of `primary_required` (R2.2, e.g. non-verifying OAuth
//!   providers) is not modelled: only the `auth_methods` restriction produces it.
//!
//! This module must never mint a session for a pending verdict, and never send an SMS unless it
//! also answers `secondary_auth_initiated: "sms_otp"`.
//!
//! Longer than the house's 400 lines on purpose: the rules, the factor bag they read and the
//! one function that applies them are read together, top to bottom, against CONTRACT §3.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::clock::rfc3339;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::Reply;
use crate::jwt::{SignLater, Unsigned};
use crate::model::intermediate::{self, Intermediate};
use crate::model::policy::{MethodSetting, MfaPolicy};
use crate::model::session::{self, Session};
use crate::model::{Member, Organization, factor, lockout, sms};
use crate::state::AppState;

/// The optional fields every primary authenticate accepts besides its proof (flatten it into the
/// endpoint's request struct).
#[derive(Debug, Default, Deserialize)]
pub struct SessionArgs {
    pub session_token: Option<String>,
    pub session_jwt: Option<String>,
    pub intermediate_session_token: Option<String>,
    pub session_duration_minutes: Option<i64>,
    pub session_custom_claims: Option<Value>,
    pub locale: Option<String>,
    /// Accepted for fidelity; the mock has no device fingerprinting (`member_device` is null).
    pub telemetry_id: Option<String>,
}

/// What a request brought besides its proof, resolved and checked.
#[derive(Debug, Default)]
pub struct Context {
    /// A live session named by `session_token` / `session_jwt` (any member; [`decide`] ignores
    /// one of another member).
    pub session: Option<Session>,
    /// A live IST named by `intermediate_session_token`.
    pub ist: Option<Intermediate>,
    pub duration_minutes: Option<i64>,
    pub custom_claims: Option<Value>,
    pub locale: Option<String>,
}

impl SessionArgs {
    /// Check the arguments: at most one of token / JWT, both live if given; a live IST if given;
    /// `session_duration_minutes` in range. Errors are the documented Stytch ones.
    /// Takes `&self` so a request that retries its transaction can load again.
    pub async fn load(&self, conn: &mut SqliteConnection, state: &AppState) -> ApiResult<Context> {
        let duration_minutes = session::duration(self.session_duration_minutes)?;
        let token = self.session_token.as_deref().filter(|t| !t.is_empty());
        let jwt = self.session_jwt.as_deref().filter(|t| !t.is_empty());
        let session = if token.is_some() || jwt.is_some() {
            Some(Session::from_args(conn, state, token, jwt).await?)
        } else {
            None
        };
        let ist = match self
            .intermediate_session_token
            .as_deref()
            .filter(|t| !t.is_empty())
        {
            Some(t) => Some(Intermediate::live(conn, state, t).await?),
            None => None,
        };
        if let Some(c) = &self.session_custom_claims {
            // Validate early so a bad claim set fails before anything is consumed.
            session::merge_claims(&mut Default::default(), Some(c))?;
        }
        Ok(Context {
            session,
            ist,
            duration_minutes,
            custom_claims: self.session_custom_claims.clone(),
            locale: self.locale.clone(),
        })
    }
}

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
    pub secondary_auth_initiated: Option<String>,
}

/// `primary_required`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrimaryRequired {
    pub allowed_auth_methods: Vec<String>,
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

/// The `allowed_auth_methods` name of the primary method a factor proves (`None` for MFA factors).
pub fn auth_method_of(f: &Value) -> Option<String> {
    match (
        f["type"].as_str()?,
        f["delivery_method"].as_str().unwrap_or(""),
    ) {
        ("magic_link", _) => Some("magic_link".into()),
        ("email_otp", _) => Some("email_otp".into()),
        ("password", _) => Some("password".into()),
        ("sso", _) => Some("sso".into()),
        ("oauth", d) => {
            let provider = d
                .strip_prefix("oauth_exchange_")
                .or_else(|| d.strip_prefix("oauth_"))?;
            Some(format!("{provider}_oauth"))
        }
        _ => None,
    }
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
        && (member.is_breakglass || org.allows_mfa_method("sms_otp"))
        && member.default_mfa_method != "totp"
}

/// Steps 3–5: the verdict on a factor bag (no session of the member was passed in).
pub fn judge(org: &Organization, member: &Member, bag: &[Value]) -> Verdict {
    let restricted = org.auth_methods == MethodSetting::Restricted && !member.is_breakglass;
    if restricted
        && !bag
            .iter()
            .filter_map(auth_method_of)
            .any(|m| org.allows_auth_method(&m))
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

/// The §2.6 primary-auth fields. Endpoints add their own (`method_id`, `reset_sessions`, ...)
/// to [`Decision::reply`], and finish it (sign the session JWT) after the commit.
#[derive(Debug, Serialize)]
pub struct Decision {
    pub member_id: String,
    pub organization_id: String,
    pub member: Member,
    pub organization: Organization,
    pub session_token: String,
    /// `""` here; an authenticated answer's JWT is signed after the commit from `unsigned`.
    pub session_jwt: String,
    pub member_session: Option<Value>,
    pub intermediate_session_token: String,
    pub intermediate_session_token_expires_at: Option<String>,
    pub member_authenticated: bool,
    pub mfa_required: Option<MfaRequired>,
    pub primary_required: Option<PrimaryRequired>,
    pub member_device: Option<Value>,
    /// The session now backing the answer (authenticated only).
    #[serde(skip)]
    pub session: Option<Session>,
    /// The claims of the session JWT (authenticated only).
    #[serde(skip)]
    unsigned: Option<Unsigned>,
}

impl Decision {
    /// The answer, its `session_jwt` still to be signed ([`SignLater::finish`] after the commit).
    pub fn reply(mut self) -> SignLater {
        let unsigned = self.unsigned.take();
        SignLater::new(Reply::of(&self), unsigned)
    }
}

/// A primary authentication to decide on.
pub struct Primary<'a> {
    pub org: &'a Organization,
    /// The member as the handler saved it (status, verification already applied).
    pub member: &'a Member,
    /// The factor this request just proved; `None` for exchanges, which only carry factors.
    pub factor: Option<Value>,
    /// Factors carried from a session of the same email in another organization
    /// (`sessions.exchange`); only their primary factors count here.
    pub carried: Vec<Value>,
}

/// Apply the rules: touch or mint a session, or issue / reuse an IST (and auto-send an SMS).
/// The answer's member shows a lock whose time is up as lifted.
pub async fn decide(
    conn: &mut SqliteConnection,
    state: &AppState,
    p: Primary<'_>,
    ctx: Context,
) -> ApiResult<Decision> {
    let mut d = apply_rules(conn, state, p, ctx).await?;
    lockout::reflect_expiry(state, &mut d.member);
    Ok(d)
}

async fn apply_rules(
    conn: &mut SqliteConnection,
    state: &AppState,
    p: Primary<'_>,
    ctx: Context,
) -> ApiResult<Decision> {
    let (org, member) = (p.org, p.member);
    let claims = ctx.custom_claims.as_ref();

    // Step 1: a live session of this very member: MFA is not demanded again.
    if let Some(mut s) = ctx.session.filter(|s| s.member_id == member.member_id) {
        let jwt = s
            .touch(
                conn,
                state,
                member,
                org,
                ctx.duration_minutes,
                p.factor,
                claims,
            )
            .await?;
        if let Some(ist) = &ctx.ist {
            ist.consume(conn, state).await?;
        }
        return Ok(authenticated(member, org, s, jwt));
    }

    // Step 2: the factor bag.
    let mut bag: Vec<Value> = Vec::new();
    if let Some(ist) = &ctx.ist {
        let same_member = ist.member_id.as_deref() == Some(member.member_id.as_str());
        if !same_member
            && !ist
                .email_address
                .eq_ignore_ascii_case(&member.email_address)
        {
            return Err(intermediate::not_found());
        }
        bag.extend(
            ist.factors
                .iter()
                .filter(|f| same_member || !factor::is_mfa(f))
                .cloned(),
        );
    }
    for f in p.carried.into_iter().filter(|f| !factor::is_mfa(f)) {
        factor::merge(&mut bag, f);
    }
    if let Some(f) = p.factor {
        factor::merge(&mut bag, f);
    }
    if bag.is_empty() {
        // Never a session (or an IST) without a factor that justifies it.
        return Err(ApiError::of(catalog::NO_PRIMARY_FACTOR));
    }

    // Steps 3–5.
    match judge(org, member, &bag) {
        Verdict::Session => {
            let minted =
                Session::mint(conn, state, member, org, bag, ctx.duration_minutes, claims).await?;
            if let Some(ist) = &ctx.ist {
                ist.consume(conn, state).await?;
            }
            Ok(authenticated(member, org, minted.session, minted.jwt))
        }
        Verdict::PrimaryRequired(primary) => {
            let ist = pending_ist(conn, state, member, bag, ctx.ist.as_ref()).await?;
            Ok(pending(member, org, &ist, None, Some(primary)))
        }
        Verdict::MfaRequired {
            member_options,
            send_sms,
        } => {
            let ist = pending_ist(conn, state, member, bag, ctx.ist.as_ref()).await?;
            if send_sms {
                sms::issue(conn, state, member, &member.mfa_phone_number).await?;
            }
            let mfa = MfaRequired {
                member_options,
                secondary_auth_initiated: send_sms.then(|| "sms_otp".to_owned()),
            };
            Ok(pending(member, org, &ist, Some(mfa), None))
        }
    }
}

/// R7: the IST passed in (same token, same expiry, bag updated), or a new 10-minute one.
async fn pending_ist(
    conn: &mut SqliteConnection,
    state: &AppState,
    member: &Member,
    bag: Vec<Value>,
    reuse: Option<&Intermediate>,
) -> ApiResult<Intermediate> {
    Intermediate::issue(
        conn,
        state,
        Some(&member.member_id),
        Some(&member.organization_id),
        &member.email_address,
        bag,
        reuse,
    )
    .await
}

fn authenticated(member: &Member, org: &Organization, s: Session, jwt: Unsigned) -> Decision {
    Decision {
        member_id: member.member_id.clone(),
        organization_id: org.organization_id.clone(),
        member: member.clone(),
        organization: org.clone(),
        session_token: s.session_token.clone(),
        session_jwt: String::new(),
        member_session: Some(s.wire(member, org)),
        intermediate_session_token: String::new(),
        intermediate_session_token_expires_at: None,
        member_authenticated: true,
        mfa_required: None,
        primary_required: None,
        member_device: None,
        session: Some(s),
        unsigned: Some(jwt),
    }
}

fn pending(
    member: &Member,
    org: &Organization,
    ist: &Intermediate,
    mfa: Option<MfaRequired>,
    primary: Option<PrimaryRequired>,
) -> Decision {
    Decision {
        member_id: member.member_id.clone(),
        organization_id: org.organization_id.clone(),
        member: member.clone(),
        organization: org.clone(),
        session_token: String::new(),
        session_jwt: String::new(),
        member_session: None,
        intermediate_session_token: ist.token.clone(),
        intermediate_session_token_expires_at: Some(rfc3339(ist.expires_at)),
        member_authenticated: false,
        mfa_required: mfa,
        primary_required: primary,
        member_device: None,
        session: None,
        unsigned: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Ids;
    use crate::model::organization::OrgSettings;

    fn org(policy: &str, sms_allowed: bool, restricted_to: Option<&[&str]>) -> Organization {
        let mut o = Organization::create(
            "organization-test-1".into(),
            "2030-01-01T00:00:00Z",
            OrgSettings {
                organization_name: Some("Acme".into()),
                ..Default::default()
            },
        )
        .unwrap();
        o.mfa_policy = MfaPolicy::from_wire(policy).unwrap();
        if !sms_allowed {
            o.mfa_methods = MethodSetting::Restricted;
            o.allowed_mfa_methods = vec!["totp".into()];
        }
        if let Some(methods) = restricted_to {
            o.auth_methods = MethodSetting::Restricted;
            o.allowed_auth_methods = methods.iter().map(|m| m.to_string()).collect();
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
            judge(&org("OPTIONAL", true, None), &m, &[ml()]),
            Verdict::Session
        );
    }

    #[test]
    fn required_policy_without_factors_asks_to_enroll() {
        let v = judge(&org("REQUIRED_FOR_ALL", true, None), &member(), &[ml()]);
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
            judge(&org("OPTIONAL", true, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: opts.clone(),
                send_sms: true
            }
        );
        assert_eq!(
            judge(&org("OPTIONAL", false, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: opts.clone(),
                send_sms: false
            }
        );
        m.is_breakglass = true;
        assert_eq!(
            judge(&org("OPTIONAL", false, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: opts.clone(),
                send_sms: true
            },
            "breakglass is exempt from mfa_methods"
        );
        m.default_mfa_method = "totp".into();
        assert_eq!(
            judge(&org("OPTIONAL", true, None), &m, &[ml()]),
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
            judge(&org("REQUIRED_FOR_ALL", true, None), &m, &[ml()]),
            Verdict::MfaRequired {
                member_options: None,
                send_sms: false
            }
        );
    }

    #[test]
    fn restricted_auth_methods_come_before_mfa_and_accumulate() {
        let o = org("REQUIRED_FOR_ALL", true, Some(&["sso"]));
        let v = judge(&o, &member(), &[ml()]);
        assert_eq!(
            v,
            Verdict::PrimaryRequired(PrimaryRequired {
                allowed_auth_methods: vec!["sso".into()]
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
            judge(&org("REQUIRED_FOR_ALL", true, None), &member(), &bag),
            Verdict::Session
        );
    }

    #[test]
    fn oauth_factors_name_their_provider_method() {
        assert_eq!(
            auth_method_of(&factor::oauth("google", "r", "s", 0)).as_deref(),
            Some("google_oauth")
        );
        assert_eq!(auth_method_of(&factor::totp("t", 0)), None);
    }
}
