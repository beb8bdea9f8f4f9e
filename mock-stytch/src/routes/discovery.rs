//! Discovery, the part primary authentication needs (CONTRACT §2.12, §3 R7):
//! `POST /v1/b2b/discovery/intermediate_sessions/exchange` spends an IST on an organization.
//!
//! The member is the one with the IST's email address in that organization (an invited or
//! pending member becomes active); without one, email JIT provisioning applies (domain in
//! `email_allowed_domains`, `email_jit_provisioning` RESTRICTED), else 400
//! `invalid_email_for_jit_provisioning`. The IST's factors go to [`crate::mfa::decide`], which
//! consumes the IST when the answer is a session and hands the same IST back while something is
//! still owed. Discovery never auto-sends an SMS by itself; this exchange is an organization
//! login, so R3 applies to it like to any primary authenticate.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::http::{Body, Reply};
use crate::mfa::decide::{self, Primary, SessionArgs};
use crate::model::session::SessionOptions;
use crate::model::{Member, Organization, provision};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/v1/b2b/discovery/intermediate_sessions/exchange",
        post(exchange),
    )
}

#[derive(Deserialize)]
struct ExchangeRequest {
    intermediate_session_token: String,
    organization_id: String,
    #[serde(flatten)]
    session: SessionOptions,
    locale: Option<String>,
    telemetry_id: Option<String>,
}

async fn exchange(
    State(state): State<AppState>,
    Body(req): Body<ExchangeRequest>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let args = SessionArgs {
        intermediate_session_token: Some(req.intermediate_session_token),
        session: req.session,
        locale: req.locale,
        telemetry_id: req.telemetry_id,
        ..SessionArgs::default()
    };
    let ctx = args.load(&mut tx, &state).await?;
    let email = ctx
        .ist
        .as_ref()
        .map(|i| i.email_address.clone())
        .unwrap_or_default();
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let mut member = match Member::find_by_email(&mut tx, &org.organization_id, &email).await? {
        Some(m) => m,
        None if provision::email_jit_allowed(&org, &email) => {
            provision::create_member(&mut tx, &state, &org, &email, "active").await?
        }
        None => return Err(provision::email_jit_refused()),
    };
    if member.status != "active" {
        member.status = "active".into();
        member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
        member.save(&mut tx).await?;
    }
    let d = decide::decide(
        &mut tx,
        &state,
        Primary {
            org: &org,
            member: &member,
            factor: None,
            carried: vec![],
        },
        ctx,
    )
    .await?;
    let done = tx.commit(&state.ids).await?;
    d.reply()
        .without("organization_id")
        .finish(&state, done)
        .await
}
