//! Every primary authentication ends here (the rules and their order are in [`crate::mfa`]):
//! [`decide`] touches or mints a session, or issues / reuses an IST and maybe auto-sends an SMS,
//! as [`crate::mfa::rules::judge`] says. Must never mint a session for a pending verdict, and
//! never send an SMS unless it also answers `secondary_auth_initiated: "sms_otp"`.

use crate::db::Conn;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::rfc3339;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::Reply;
use crate::jwt::{SignLater, Unsigned};
use crate::mfa::rules::{MfaRequired, PrimaryRequired, Verdict, judge};
use crate::model::intermediate::{self, Intermediate};
use crate::model::policy::MfaMethod;
use crate::model::session::{self, Session, SessionOptions};
use crate::model::{Member, Organization, factor, lockout, sms};
use crate::state::AppState;

/// The optional fields every primary authenticate accepts besides its proof (flatten it into the
/// endpoint's request struct).
#[derive(Debug, Default, Deserialize)]
pub struct SessionArgs {
    pub session_token: Option<String>,
    pub session_jwt: Option<String>,
    pub intermediate_session_token: Option<String>,
    #[serde(flatten)]
    pub session: SessionOptions,
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
    pub async fn load(&self, conn: &mut Conn, state: &AppState) -> ApiResult<Context> {
        let duration_minutes = self.session.duration()?;
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
        if let Some(c) = self.session.claims() {
            // Validate early so a bad claim set fails before anything is consumed.
            session::merge_claims(&mut Default::default(), Some(c))?;
        }
        Ok(Context {
            session,
            ist,
            duration_minutes,
            custom_claims: self.session.session_custom_claims.clone(),
            locale: self.locale.clone(),
        })
    }
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
    conn: &mut Conn,
    state: &AppState,
    p: Primary<'_>,
    ctx: Context,
) -> ApiResult<Decision> {
    let mut d = apply_rules(conn, state, p, ctx).await?;
    lockout::reflect_expiry(state, &mut d.member);
    Ok(d)
}

async fn apply_rules(
    conn: &mut Conn,
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
                secondary_auth_initiated: send_sms.then_some(MfaMethod::SmsOtp),
            };
            Ok(pending(member, org, &ist, Some(mfa), None))
        }
    }
}

/// R7: the IST passed in (same token, same expiry, bag updated), or a new 10-minute one.
async fn pending_ist(
    conn: &mut Conn,
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
