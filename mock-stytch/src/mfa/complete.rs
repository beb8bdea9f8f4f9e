//! What the three MFA endpoints (SMS OTP, TOTP, recovery codes) share: who is asking (an IST or
//! a session of this member), whether the organization allows the method, the enrollment guard
//! of §3 R6, and completing MFA (§3 R5) — written once, so the three cannot drift apart.
//!
//! Completing MFA is the only way this crate turns a proven MFA factor into a session: with an
//! IST, the IST is consumed and a session is minted with the IST's factors plus the new one; with
//! a session (step-up), the factor is added to that session. A failed attempt goes through
//! [`refuse`], which counts it towards the user lock and COMMITS before answering. Nothing here
//! compares codes; the factor checks in `crate::model` do, and hand over a [`FactorProven`]
//! only when a code matched.

use crate::db::Conn;
use serde::Deserialize;
use serde_json::Value;

use crate::db::WriteTx;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::Reply;
use crate::jwt::SignLater;
use crate::model::intermediate::Intermediate;
use crate::model::policy::{MfaMethod, MfaPolicy};
use crate::model::proven::FactorProven;
use crate::model::session::{Session, SessionOptions};
use crate::model::{Member, Organization, factor, lockout};
use crate::state::AppState;

/// The MFA factor a request proves (one per MFA endpoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    SmsOtp,
    Totp,
    /// A TOTP backup: restricted like TOTP, never becomes a default method itself.
    RecoveryCode,
}

impl Method {
    /// The method `allowed_mfa_methods` must name for this factor.
    pub fn allowed_as(self) -> MfaMethod {
        match self {
            Method::SmsOtp => MfaMethod::SmsOtp,
            Method::Totp | Method::RecoveryCode => MfaMethod::Totp,
        }
    }

    /// The value `default_mfa_method` takes after success with this method, if any.
    fn becomes_default(self) -> Option<MfaMethod> {
        match self {
            Method::SmsOtp => Some(MfaMethod::SmsOtp),
            Method::Totp => Some(MfaMethod::Totp),
            Method::RecoveryCode => None,
        }
    }
}

/// The three ways a request names who is completing MFA (all optional on the wire).
#[derive(Debug, Default, Deserialize)]
pub struct Tokens {
    pub intermediate_session_token: Option<String>,
    pub session_token: Option<String>,
    pub session_jwt: Option<String>,
}

/// Whose proof this is: a primary-authenticated IST or an existing session.
#[derive(Debug)]
pub enum Holder {
    Ist(Intermediate),
    Session(Session),
}

impl Holder {
    /// The factor bag proven so far.
    pub fn factors(&self) -> &[Value] {
        match self {
            Holder::Ist(i) => &i.factors,
            Holder::Session(s) => &s.factors,
        }
    }

    pub fn has_mfa(&self) -> bool {
        self.factors().iter().any(factor::is_mfa)
    }
}

fn not_this_member() -> ApiError {
    ApiError::worded(
        catalog::SESSION_AUTHORIZATION_ERROR,
        "The intermediate session or session given does not belong to this member_id and organization_id.",
    )
}

/// Resolve at most one of IST / session token / session JWT to a live holder belonging to
/// `member` (§3 R6 "any token supplied must belong to member_id"). Dead or unknown tokens are
/// `intermediate_session_not_found` / `session_not_found` (404); live ones of someone else are
/// 403 `session_authorization_error`; more than one is `too_many_session_arguments`.
pub async fn holder(
    conn: &mut Conn,
    state: &AppState,
    member: &Member,
    org: &Organization,
    tokens: &Tokens,
) -> ApiResult<Option<Holder>> {
    fn present(t: &Option<String>) -> Option<&str> {
        t.as_deref().filter(|s| !s.is_empty())
    }
    let (ist, token, jwt) = (
        present(&tokens.intermediate_session_token),
        present(&tokens.session_token),
        present(&tokens.session_jwt),
    );
    let given = [ist.is_some(), token.is_some(), jwt.is_some()]
        .into_iter()
        .filter(|g| *g)
        .count();
    if given > 1 {
        return Err(ApiError::of(catalog::TOO_MANY_SESSION_ARGUMENTS));
    }
    if let Some(ist) = ist {
        let ist = Intermediate::live(conn, state, ist).await?;
        if !ist.belongs_to(
            &member.member_id,
            &org.organization_id,
            &member.email_address,
        ) {
            return Err(not_this_member());
        }
        return Ok(Some(Holder::Ist(ist)));
    }
    if token.is_some() || jwt.is_some() {
        let s = Session::from_args(conn, state, token, jwt).await?;
        if s.member_id != member.member_id || s.organization_id != org.organization_id {
            return Err(not_this_member());
        }
        return Ok(Some(Holder::Session(s)));
    }
    Ok(None)
}

/// Like [`holder`], but one of the three is required (MFA authenticate endpoints).
pub async fn required_holder(
    conn: &mut Conn,
    state: &AppState,
    member: &Member,
    org: &Organization,
    tokens: &Tokens,
) -> ApiResult<Holder> {
    holder(conn, state, member, org, tokens)
        .await?
        .ok_or_else(|| ApiError::of(catalog::NO_SESSION_ARGUMENTS))
}

/// 403 `operation_restricted_by_organization_mfa_methods` when the organization restricts MFA
/// methods and this is not one of them; breakglass members are exempt (§2.1).
pub fn ensure_allowed(org: &Organization, member: &Member, method: Method) -> ApiResult<()> {
    if member.is_breakglass || org.allows_mfa_method(method.allowed_as()) {
        Ok(())
    } else {
        Err(ApiError::worded(
            catalog::OPERATION_RESTRICTED_BY_ORGANIZATION_MFA_METHODS,
            format!(
                "The organization does not allow {} as an MFA method.",
                method.allowed_as().as_str()
            ),
        ))
    }
}

/// §3 R6 guard: enrolling a new factor while the member already has an active MFA factor needs
/// an IST or session that already carries an MFA factor; otherwise anyone holding only a primary
/// factor could add their own phone or authenticator and walk past MFA. Error (name UNCONFIRMED):
/// 403 `session_enforced_factor_matching_session_required`.
pub fn ensure_may_enroll(member_has_active_factor: bool, holder: Option<&Holder>) -> ApiResult<()> {
    if !member_has_active_factor || holder.is_some_and(Holder::has_mfa) {
        Ok(())
    } else {
        Err(ApiError::worded(
            catalog::SESSION_ENFORCED_FACTOR_MATCHING_SESSION_REQUIRED,
            "The member already has an MFA factor. To enroll another one, pass an intermediate session or \
             session that has already completed MFA with the existing factor.",
        ))
    }
}

/// Count a failed attempt (maybe locking the member), COMMIT it, and return `err` to answer with.
pub async fn refuse(
    mut tx: WriteTx,
    state: &AppState,
    member: &mut Member,
    err: ApiError,
) -> ApiError {
    let recorded = async {
        lockout::record_failure(&mut tx, state, member).await?;
        tx.commit(&state.ids).await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match recorded {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// What the request asks for besides the code (§2.9 / §2.10 / §2.11).
#[derive(Debug, Default, Deserialize)]
pub struct Options {
    #[serde(flatten)]
    pub session: SessionOptions,
    /// `enroll` / `unenroll`; ignored under REQUIRED_FOR_ALL.
    pub set_mfa_enrollment: Option<String>,
    pub set_default_mfa: Option<bool>,
}

impl Options {
    /// Validate before anything is touched (400s only).
    pub fn validate(&self) -> ApiResult<()> {
        self.session.duration()?;
        match self.set_mfa_enrollment.as_deref() {
            None | Some("" | "enroll" | "unenroll") => Ok(()),
            Some(_) => Err(ApiError::invalid_argument(
                "set_mfa_enrollment must be \"enroll\" or \"unenroll\".",
            )),
        }
    }
}

/// Complete MFA (§3 R5): reset the lock count, apply the member side effects, then mint a
/// session from the IST (consuming it) or add the factor to the session. Saves `member`.
/// Returns `{member_id, member, organization, session_token, session_jwt, member_session}`, the
/// JWT to be signed after the commit.
pub async fn complete(
    conn: &mut Conn,
    state: &AppState,
    member: &mut Member,
    org: &Organization,
    holder: Holder,
    proven: FactorProven,
    options: &Options,
) -> ApiResult<SignLater> {
    if proven.member_id() != member.member_id {
        // A proof for someone else completes nothing (the routes never pass one).
        tracing::error!(member_id = %member.member_id, "factor proof of another member");
        return Err(ApiError::internal());
    }
    lockout::record_success(conn, member).await?;
    if org.mfa_policy == MfaPolicy::RequiredForAll {
        member.mfa_enrolled = true;
    } else {
        match options.set_mfa_enrollment.as_deref() {
            Some("enroll") => member.mfa_enrolled = true,
            Some("unenroll") => member.mfa_enrolled = false,
            _ => {}
        }
    }
    if let Some(method) = proven.method().becomes_default()
        && (member.default_mfa_method.is_none() || options.set_default_mfa == Some(true))
    {
        member.default_mfa_method = Some(method);
    }
    member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    member.save(conn).await?;

    let minutes = options.session.duration()?;
    let claims = options.session.claims();
    let (session, jwt) = match holder {
        Holder::Ist(ist) => {
            ist.consume(conn, state).await?;
            let mut bag = ist.factors.clone();
            factor::merge(&mut bag, proven.into_factor());
            let minted = Session::mint(conn, state, member, org, bag, minutes, claims).await?;
            (minted.session, minted.jwt)
        }
        Holder::Session(mut s) => {
            let jwt = s
                .touch(
                    conn,
                    state,
                    member,
                    org,
                    minutes,
                    Some(proven.into_factor()),
                    claims,
                )
                .await?;
            (s, jwt)
        }
    };
    let reply = Reply::empty()
        .with("member_id", &member.member_id)
        .with("member", &*member)
        .with("organization", org)
        .with("session_token", &session.session_token)
        .with("session_jwt", "")
        .with("member_session", session.wire(member, org));
    Ok(SignLater::new(reply, Some(jwt)))
}
