//! `/v1/b2b/organizations`: create, get, update, delete, search, metrics (CONTRACT §2.1).

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Reply};
use crate::model::Organization;
use crate::model::organization::OrgSettings;
use crate::routes::search::{Page, Query};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/organizations", post(create))
        .route("/v1/b2b/organizations/search", post(search))
        .route(
            "/v1/b2b/organizations/{organization_id}",
            get(fetch).put(update).delete(remove),
        )
        .route(
            "/v1/b2b/organizations/{organization_id}/metrics",
            get(metrics),
        )
}

async fn create(
    State(state): State<AppState>,
    Body(settings): Body<OrgSettings>,
) -> ApiResult<Reply> {
    let now = state.clock.now();
    let mut tx = state.db.write().await?;
    let org = Organization::create(
        state.ids.id("organization"),
        &crate::clock::rfc3339(now.timestamp()),
        settings,
    )?;
    org.insert(&mut tx, state.ids.counter()).await?;
    tx.commit(&state.ids).await?;
    Ok(Reply::empty().with("organization", &org))
}

async fn fetch(State(state): State<AppState>, Path(key): Path<String>) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let org = Organization::get(&mut conn, &key).await?;
    Ok(Reply::empty().with("organization", &org))
}

async fn update(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Body(settings): Body<OrgSettings>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let mut org = Organization::get(&mut tx, &key).await?;
    org.apply(settings, &crate::clock::rfc3339(state.clock.now_ts()))?;
    org.save(&mut tx).await?;
    tx.commit(&state.ids).await?;
    Ok(Reply::empty().with("organization", &org))
}

async fn remove(State(state): State<AppState>, Path(key): Path<String>) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &key).await?;
    // Members (and, through them, their sessions and factors) go with the organization.
    crate::db::sql::query("DELETE FROM organizations WHERE organization_id = ?")
        .bind(&org.organization_id)
        .execute(&mut tx)
        .await?;
    tx.commit(&state.ids).await?;
    Ok(Reply::empty().with("organization_id", &org.organization_id))
}

async fn metrics(State(state): State<AppState>, Path(key): Path<String>) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let org = Organization::get(&mut conn, &key).await?;
    let count: i64 =
        crate::db::sql::query_scalar("SELECT COUNT(*) FROM members WHERE organization_id = ?")
            .bind(&org.organization_id)
            .fetch_one(&mut conn)
            .await?;
    Ok(Reply::empty().with("member_count", count))
}

#[derive(Deserialize)]
struct SearchRequest {
    cursor: Option<String>,
    limit: Option<i64>,
    query: Option<Query>,
}

async fn search(State(state): State<AppState>, Body(req): Body<SearchRequest>) -> ApiResult<Reply> {
    let page = Page::parse(req.cursor.as_deref(), req.limit)?;
    let query = req.query.unwrap_or_default();
    let mut conn = state.db.pool.acquire().await?;
    let rows: Vec<String> =
        crate::db::sql::query_scalar("SELECT data FROM organizations ORDER BY created_seq")
            .fetch_all(&mut conn)
            .await?;
    let mut matching = Vec::new();
    for row in rows {
        let org: Organization = serde_json::from_str(&row)?;
        let v = serde_json::to_value(&org)?;
        let member_emails = if query.mentions("member_email") {
            crate::db::sql::query_scalar(
                "SELECT email_address FROM members WHERE organization_id = ?",
            )
            .bind(&org.organization_id)
            .fetch_all(&mut conn)
            .await?
        } else {
            vec![]
        };
        if query.matches(|filter, value| org_filter(&v, &member_emails, filter, value))? {
            matching.push(org);
        }
    }
    let (items, meta) = page.slice(matching);
    Ok(Reply::empty()
        .with("organizations", items)
        .with("results_metadata", meta))
}

/// One search operand against one organization; `None` means "no such filter".
fn org_filter(org: &Value, member_emails: &[String], filter: &str, value: &Value) -> Option<bool> {
    use crate::routes::search::{any_eq, any_fuzzy, field_eq, list_overlaps};
    Some(match filter {
        "organization_ids" => any_eq(value, &org["organization_id"]),
        "organization_slugs" => any_eq(value, &org["organization_slug"]),
        "organization_external_ids" => any_eq(value, &org["organization_external_id"]),
        "organization_name_fuzzy" => any_fuzzy(value, &org["organization_name"]),
        "organization_slug_fuzzy" => any_fuzzy(value, &org["organization_slug"]),
        "allowed_domains" => list_overlaps(value, &org["email_allowed_domains"]),
        "claimed_email_domains" => list_overlaps(value, &org["claimed_email_domains"]),
        "mfa_policy" => field_eq(value, &org["mfa_policy"]),
        "member_emails" => member_emails
            .iter()
            .any(|e| any_eq(value, &Value::from(e.as_str()))),
        "member_email_fuzzy" => member_emails
            .iter()
            .any(|e| any_fuzzy(value, &Value::from(e.as_str()))),
        _ => return None,
    })
}

pub fn unknown_filter(filter: &str) -> ApiError {
    ApiError::worded(
        catalog::INVALID_SEARCH_QUERY,
        format!("Unknown search filter_name: {filter}."),
    )
}
