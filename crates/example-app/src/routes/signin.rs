//! Sign-in (password or emailed magic link), the magic-link callback, and sign-out.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use mfa_engine::ServiceError;
use minijinja::context;
use serde::Deserialize;

use super::{Purpose, notice, start_flow, step_location};
use crate::cookies::{self, FLOW_COOKIE};
use crate::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, THIS_PAGE};
use crate::state::AppState;
use crate::views::Page;

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// `/`: continue a flow in progress, or sign in.
pub async fn root(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(flow_id) = cookies::flow_id(&headers) else {
        return Redirect::to("/login").into_response();
    };
    match state.mfa.resume(flow_id).await {
        Ok(step) => Redirect::to(&step_location(&step, Purpose::Login)).into_response(),
        Err(e) if e.is_client_error() => (
            [(header::SET_COOKIE, cookies::clear(FLOW_COOKIE))],
            Redirect::to("/login"),
        )
            .into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

pub async fn login_page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let demo = state.demo.as_ref();
    page.render(
        "login.html",
        context! {
            notice => notice(q.notice.as_deref()),
            organizations => &state.organizations,
            demo_members => demo.map(|d| &d.data.members),
            demo_password => demo.map(|d| &d.data.password),
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    organization_id: String,
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login_password(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    if form.password.is_empty() {
        return Ok(Redirect::to("/login?notice=missing-password").into_response());
    }
    let result = state
        .mfa
        .login_with_password(
            form.organization_id.trim(),
            form.email.trim(),
            form.password.into(),
        )
        .await;
    match result {
        Ok(step) => {
            forget_previous_flow(&state, &headers).await;
            Ok(start_flow(&step))
        }
        Err(ServiceError::Rejected(api)) if api.status == 401 || api.status == 404 => {
            Ok(Redirect::to("/login?notice=bad-credentials").into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct MagicLinkForm {
    organization_id: String,
    email: String,
}

pub async fn send_magic_link(
    State(state): State<AppState>,
    page: Page,
    CsrfForm(form): CsrfForm<MagicLinkForm>,
) -> Result<Html<String>, AppError> {
    let redirect = format!("{}/authenticate", state.public_url);
    state
        .mfa
        .send_magic_link_to(
            form.organization_id.trim(),
            form.email.trim(),
            Some(&redirect),
        )
        .await?;
    page.render("check_email.html", context! { email => form.email.trim() })
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    stytch_token_type: Option<String>,
    token: Option<String>,
}

/// The page an emailed magic link opens (Stytch appends `stytch_token_type` and `token`).
pub async fn authenticate(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let token_type = q
        .stytch_token_type
        .as_deref()
        .unwrap_or("multi_tenant_magic_links");
    if token_type != "multi_tenant_magic_links" {
        return Err(AppError::UnsupportedLink);
    }
    let token = q.token.ok_or(AppError::BadForm)?;
    let step = state
        .mfa
        .login_with_magic_link(token.into())
        .await
        .map_err(AppError::retry_at(THIS_PAGE))?;
    forget_previous_flow(&state, &headers).await;
    Ok(start_flow(&step))
}

pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if let Some(flow_id) = cookies::flow_id(&headers) {
        match state.mfa.logout(flow_id).await {
            Ok(()) | Err(ServiceError::NotFound(_) | ServiceError::Expired(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((
        [(header::SET_COOKIE, cookies::clear(FLOW_COOKIE))],
        Redirect::to("/login?notice=signed-out"),
    )
        .into_response())
}

/// A new sign-in replaces the browser's previous flow: end that one (best effort).
async fn forget_previous_flow(state: &AppState, headers: &axum::http::HeaderMap) {
    if let Some(old) = cookies::flow_id(headers)
        && let Err(e) = state.mfa.logout(old).await
    {
        tracing::debug!(error = %e, "previous flow already gone");
    }
}
