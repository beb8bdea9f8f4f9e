//! `/_mock/faults`: add, list and remove fault rules ([`crate::faults`]). Same Basic
//! credentials as the rest of the control API. A rule that fails a check is a 400
//! `invalid_argument` saying why, and nothing is added. Nothing here exists on real Stytch.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{delete, get};

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::faults::NewRule;
use crate::http::{Body, Reply};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/faults", get(list).post(add).delete(clear))
        .route("/_mock/faults/{id}", delete(remove))
}

/// `POST /_mock/faults`: the rule with its `id`, `hits: 0` and `remaining`.
async fn add(State(state): State<AppState>, Body(rule): Body<NewRule>) -> ApiResult<Reply> {
    let checked = rule.check()?;
    let view = state.faults.add(checked, &state.ids);
    Ok(Reply::empty().with("fault", view))
}

/// `GET /_mock/faults`: every rule in the order it is checked, with `hits` and `remaining`.
async fn list(State(state): State<AppState>) -> Reply {
    Reply::empty().with("faults", state.faults.list())
}

/// `DELETE /_mock/faults/{id}`: 404 `fault_not_found` for an id that is not there.
async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Reply> {
    if state.faults.remove(&id) {
        Ok(Reply::empty().with("removed", 1))
    } else {
        Err(ApiError::of(catalog::FAULT_NOT_FOUND))
    }
}

/// `DELETE /_mock/faults`: remove every rule; ids start again at `fault-1`.
async fn clear(State(state): State<AppState>) -> Reply {
    Reply::empty().with("removed", state.faults.clear())
}
