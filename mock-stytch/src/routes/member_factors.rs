//! Removing one MFA factor or the password of a member (CONTRACT §2.2): the MFA phone number,
//! the TOTP registration (with its recovery codes), the password by its id. Each answers the
//! member as `members.get` does. A removal must never leave `default_mfa_method` naming the
//! factor it removed.

use crate::db::Conn;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::delete;

use super::members::member_reply;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::Reply;
use crate::model::policy::MfaMethod;
use crate::model::{Member, Organization};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/b2b/organizations/{organization_id}/members/mfa_phone_numbers/{member_id}",
            delete(delete_mfa_phone_number),
        )
        .route(
            "/v1/b2b/organizations/{organization_id}/members/{member_id}/totp",
            delete(delete_totp),
        )
        .route(
            "/v1/b2b/organizations/{organization_id}/members/passwords/{member_password_id}",
            delete(delete_password),
        )
}

/// Load, change and save one member; for the factor-removal routes.
async fn change_member(
    state: &AppState,
    org_key: &str,
    member_key: &str,
    change: impl AsyncFnOnce(&mut Conn, &mut Member) -> ApiResult<()>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, org_key).await?;
    let mut m = Member::get(&mut tx, &org.organization_id, member_key).await?;
    change(&mut tx, &mut m).await?;
    m.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    m.save(&mut tx).await?;
    tx.commit(&state.ids).await?;
    Ok(member_reply(&m, &org))
}

async fn delete_mfa_phone_number(
    State(state): State<AppState>,
    Path((org_key, member_key)): Path<(String, String)>,
) -> ApiResult<Reply> {
    change_member(&state, &org_key, &member_key, async |_, m| {
        if m.mfa_phone_number.is_empty() {
            return Err(ApiError::of(catalog::MEMBER_PHONE_NUMBER_NOT_FOUND));
        }
        m.mfa_phone_number.clear();
        m.mfa_phone_number_verified = false;
        if m.default_mfa_method == Some(MfaMethod::SmsOtp) {
            m.default_mfa_method = None;
        }
        Ok(())
    })
    .await
}

async fn delete_totp(
    State(state): State<AppState>,
    Path((org_key, member_key)): Path<(String, String)>,
) -> ApiResult<Reply> {
    change_member(&state, &org_key, &member_key, async |conn, m| {
        // Registration rows (pending ones too) and, by cascade, their recovery codes go with it.
        let deleted = crate::model::totp::delete_for_member(conn, &m.member_id).await?;
        if m.totp_registration_id.is_empty() && deleted == 0 {
            return Err(ApiError::of(catalog::TOTP_NOT_FOUND));
        }
        m.totp_registration_id.clear();
        if m.default_mfa_method == Some(MfaMethod::Totp) {
            m.default_mfa_method = None;
        }
        Ok(())
    })
    .await
}

async fn delete_password(
    State(state): State<AppState>,
    Path((org_key, password_id)): Path<(String, String)>,
) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let org = Organization::get(&mut conn, &org_key).await?;
    let member_id: Option<String> = crate::db::sql::query_scalar(
        "SELECT member_id FROM members WHERE organization_id = ? AND json_extract(data, '$.member_password_id') = ?",
    )
    .bind(&org.organization_id)
    .bind(&password_id)
    .fetch_optional(&mut conn)
    .await?;
    drop(conn);
    let member_id = member_id.ok_or_else(|| ApiError::of(catalog::MEMBER_PASSWORD_NOT_FOUND))?;
    change_member(&state, &org.organization_id, &member_id, async |conn, m| {
        m.set_password_hash(conn, None).await?;
        m.member_password_id.clear();
        Ok(())
    })
    .await
}
