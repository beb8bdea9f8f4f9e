//! Members of an organization (CONTRACT §2.2): create, get, update, delete, reactivate,
//! search (factor removal is in `member_factors.rs`). Every answer about one member is `{member_id, member, organization}`.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::Value;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Params, Reply};
use crate::model::policy::{self, MfaMethod};
use crate::model::validate;
use crate::model::{Member, Organization, lockout};
use crate::routes::search::{Page, Query, any_eq, any_fuzzy};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/organizations/members/search", post(search))
        .route(
            "/v1/b2b/organizations/members/dangerously_get/{member_id}",
            get(dangerously_get),
        )
        .route(
            "/v1/b2b/organizations/{organization_id}/members",
            post(create),
        )
        .route("/v1/b2b/organizations/{organization_id}/member", get(fetch))
        .route(
            "/v1/b2b/organizations/{organization_id}/members/{member_id}",
            put(update).delete(remove),
        )
        .route(
            "/v1/b2b/organizations/{organization_id}/members/{member_id}/reactivate",
            put(reactivate),
        )
        .merge(super::member_factors::routes())
}

/// `{member_id, member, organization}`: the answer of every single-member call.
pub fn member_reply(member: &Member, org: &Organization) -> Reply {
    Reply::empty()
        .with("member_id", &member.member_id)
        .with("member", member)
        .with("organization", org)
}

#[derive(Deserialize)]
struct CreateRequest {
    email_address: String,
    name: Option<String>,
    trusted_metadata: Option<Value>,
    untrusted_metadata: Option<Value>,
    create_member_as_pending: Option<bool>,
    is_breakglass: Option<bool>,
    mfa_phone_number: Option<String>,
    mfa_enrolled: Option<bool>,
    roles: Option<Vec<String>>,
    external_id: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    Path(org_key): Path<String>,
    Body(req): Body<CreateRequest>,
) -> ApiResult<Reply> {
    let email = validate::email(&req.email_address)?;
    let phone = req
        .mfa_phone_number
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(validate::phone_number)
        .transpose()?;
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &org_key).await?;
    let now = crate::clock::rfc3339(state.clock.now_ts());
    let status = if req.create_member_as_pending == Some(true) {
        "pending"
    } else {
        "active"
    };
    let mut m = Member::new(
        &org.organization_id,
        state.ids.id("member"),
        email,
        status,
        &now,
    );
    if let Some(name) = req.name {
        m.name = name;
    }
    m.trusted_metadata = object_or_default(req.trusted_metadata, "trusted_metadata")?;
    m.untrusted_metadata = object_or_default(req.untrusted_metadata, "untrusted_metadata")?;
    m.is_breakglass = req.is_breakglass.unwrap_or(false);
    m.mfa_phone_number = phone.unwrap_or_default();
    m.mfa_enrolled = req.mfa_enrolled.unwrap_or(false);
    m.set_roles(&req.roles.unwrap_or_default());
    m.external_id = req.external_id.filter(|e| !e.is_empty());
    m.insert(&mut tx, state.ids.counter()).await?;
    tx.commit(&state.ids).await?;
    Ok(member_reply(&m, &org))
}

#[derive(Deserialize)]
struct GetParams {
    member_id: Option<String>,
    email_address: Option<String>,
}

async fn fetch(
    State(state): State<AppState>,
    Path(org_key): Path<String>,
    Params(q): Params<GetParams>,
) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let org = Organization::get(&mut conn, &org_key).await?;
    let member = match (
        q.member_id.filter(|s| !s.is_empty()),
        q.email_address.filter(|s| !s.is_empty()),
    ) {
        (Some(id), _) => Member::find(&mut conn, &org.organization_id, &id).await?,
        (None, Some(email)) => {
            Member::find_by_email(&mut conn, &org.organization_id, &email).await?
        }
        (None, None) => {
            return Err(ApiError::invalid_argument(
                "Either member_id or email_address is required.",
            ));
        }
    }
    .ok_or_else(ApiError::member_not_found)?;
    let mut member = member;
    lockout::reflect_expiry(&state, &mut member);
    Ok(member_reply(&member, &org))
}

#[derive(Deserialize)]
struct UpdateRequest {
    name: Option<String>,
    trusted_metadata: Option<Value>,
    untrusted_metadata: Option<Value>,
    is_breakglass: Option<bool>,
    mfa_phone_number: Option<String>,
    mfa_enrolled: Option<bool>,
    roles: Option<Vec<String>>,
    default_mfa_method: Option<String>,
    email_address: Option<String>,
    external_id: Option<String>,
    #[allow(dead_code)] // accepted for fidelity; the mock keeps sessions on email change anyway
    preserve_existing_sessions: Option<bool>,
    unlink_email: Option<bool>,
}

async fn update(
    State(state): State<AppState>,
    Path((org_key, member_key)): Path<(String, String)>,
    Body(req): Body<UpdateRequest>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &org_key).await?;
    let mut m = Member::get(&mut tx, &org.organization_id, &member_key).await?;
    if let Some(name) = req.name {
        m.name = name;
    }
    if req.trusted_metadata.is_some() {
        m.trusted_metadata = object_or_default(req.trusted_metadata, "trusted_metadata")?;
    }
    if req.untrusted_metadata.is_some() {
        m.untrusted_metadata = object_or_default(req.untrusted_metadata, "untrusted_metadata")?;
    }
    if let Some(b) = req.is_breakglass {
        m.is_breakglass = b;
    }
    if let Some(phone) = req.mfa_phone_number.filter(|p| !p.is_empty()) {
        let phone = validate::phone_number(&phone)?;
        if !m.mfa_phone_number.is_empty() && m.mfa_phone_number != phone {
            return Err(ApiError::of(
                catalog::DUPLICATE_MEMBER_PHONE_NUMBER_FOR_MEMBER,
            ));
        }
        if m.mfa_phone_number != phone {
            m.mfa_phone_number = phone;
            m.mfa_phone_number_verified = false;
        }
    }
    if let Some(e) = req.mfa_enrolled {
        m.mfa_enrolled = e;
    }
    if let Some(roles) = req.roles {
        m.set_roles(&roles);
    }
    if let Some(method) = req.default_mfa_method.filter(|s| !s.is_empty()) {
        let method = policy::parse(
            &method,
            MfaMethod::from_wire,
            MfaMethod::WIRE,
            catalog::INVALID_MFA_DEFAULT_METHOD,
            "default_mfa_method",
        )?;
        let has = match method {
            MfaMethod::SmsOtp => !m.mfa_phone_number.is_empty(),
            MfaMethod::Totp => !m.totp_registration_id.is_empty(),
        };
        if !has {
            return Err(ApiError::of(catalog::DEFAULT_MFA_MEMBER_MISSING_FACTOR));
        }
        m.default_mfa_method = Some(method);
    }
    if let Some(email) = req.email_address.filter(|e| !e.is_empty()) {
        let email = validate::email(&email)?;
        if email != m.email_address {
            m.retired_email_addresses.push(serde_json::json!({
                "email_id": state.ids.id("member-email"),
                "email_address": m.email_address,
            }));
            m.email_address = email;
            m.email_address_verified = false;
        }
    }
    if req.unlink_email == Some(true) {
        return Err(ApiError::worded(
            catalog::INVALID_ARGUMENT,
            "unlink_email is not supported by the mock: a member always keeps an email address.",
        ));
    }
    if let Some(ext) = req.external_id {
        m.external_id = (!ext.is_empty()).then_some(ext);
    }
    m.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    m.save(&mut tx).await?;
    tx.commit(&state.ids).await?;
    Ok(member_reply(&m, &org))
}

async fn remove(
    State(state): State<AppState>,
    Path((org_key, member_key)): Path<(String, String)>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &org_key).await?;
    let m = Member::get(&mut tx, &org.organization_id, &member_key).await?;
    crate::db::sql::query("DELETE FROM members WHERE member_id = ?")
        .bind(&m.member_id)
        .execute(&mut tx)
        .await?;
    tx.commit(&state.ids).await?;
    Ok(Reply::empty().with("member_id", &m.member_id))
}

async fn reactivate(
    State(state): State<AppState>,
    Path((org_key, member_key)): Path<(String, String)>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &org_key).await?;
    let mut m = Member::get(&mut tx, &org.organization_id, &member_key).await?;
    m.status = "active".into();
    m.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    m.save(&mut tx).await?;
    tx.commit(&state.ids).await?;
    Ok(member_reply(&m, &org))
}

async fn dangerously_get(
    State(state): State<AppState>,
    Path(member_id): Path<String>,
) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let mut m = Member::find_anywhere(&mut conn, &member_id)
        .await?
        .ok_or_else(ApiError::member_not_found)?;
    lockout::reflect_expiry(&state, &mut m);
    let org = Organization::get(&mut conn, &m.organization_id).await?;
    Ok(member_reply(&m, &org))
}

#[derive(Deserialize)]
struct SearchRequest {
    organization_ids: Vec<String>,
    cursor: Option<String>,
    limit: Option<i64>,
    query: Option<Query>,
}

async fn search(State(state): State<AppState>, Body(req): Body<SearchRequest>) -> ApiResult<Reply> {
    if req.organization_ids.is_empty() {
        return Err(ApiError::invalid_argument(
            "organization_ids must name at least one organization.",
        ));
    }
    let page = Page::parse(req.cursor.as_deref(), req.limit)?;
    let query = req.query.unwrap_or_default();
    let mut conn = state.db.pool.acquire().await?;
    let mut orgs = BTreeMap::new();
    let mut matching = Vec::new();
    for key in &req.organization_ids {
        let org = Organization::get(&mut conn, key).await?;
        let rows: Vec<String> = crate::db::sql::query_scalar(
            "SELECT data FROM members WHERE organization_id = ? ORDER BY created_seq",
        )
        .bind(&org.organization_id)
        .fetch_all(&mut conn)
        .await?;
        for row in rows {
            let mut m: Member = serde_json::from_str(&row)?;
            lockout::reflect_expiry(&state, &mut m);
            let v = serde_json::to_value(&m)?;
            if query.matches(|f, value| member_filter(&v, f, value))? {
                matching.push(m);
            }
        }
        orgs.insert(org.organization_id.clone(), org);
    }
    let (members, meta) = page.slice(matching);
    Ok(Reply::empty()
        .with("members", members)
        .with("results_metadata", meta)
        .with("organizations", orgs))
}

fn member_filter(m: &Value, filter: &str, value: &Value) -> Option<bool> {
    Some(match filter {
        "member_ids" => any_eq(value, &m["member_id"]),
        "member_emails" => any_eq(value, &m["email_address"]),
        "member_email_fuzzy" => any_fuzzy(value, &m["email_address"]),
        "member_external_ids" => any_eq(value, &m["external_id"]),
        "member_is_breakglass" => value == &m["is_breakglass"],
        "member_mfa_phone_numbers" => any_eq(value, &m["mfa_phone_number"]),
        "member_mfa_phone_number_fuzzy" => any_fuzzy(value, &m["mfa_phone_number"]),
        "member_password_exists" => value.as_bool() == Some(m["member_password_id"] != ""),
        "statuses" => any_eq(value, &m["status"]),
        "member_roles" => m["roles"]
            .as_array()
            .is_some_and(|rs| rs.iter().any(|r| any_eq(value, &r["role_id"]))),
        _ => return None,
    })
}

fn object_or_default(v: Option<Value>, field: &str) -> ApiResult<Value> {
    match v {
        None | Some(Value::Null) => Ok(serde_json::json!({})),
        Some(Value::Object(o)) => Ok(Value::Object(o)),
        Some(_) => Err(ApiError::invalid_argument(format!(
            "{field} must be an object."
        ))),
    }
}
