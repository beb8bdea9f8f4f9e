//! Persistence of flows behind a small trait, [`FlowStore`], with two backends: SQLite (one
//! machine; the default) and PostgreSQL (shared by an app's replicas), and [`AnyFlowStore`] to
//! pick one at run time.
//!
//! A backend stores [`FlowRecord`]s (one row per flow: state kind plus that state's columns)
//! and implements five raw operations (the SQL backends share their column list and row
//! mapping, `columns.rs`); the typed layer (`insert_flow`, `load_flow`,
//! `save_flow`, `discard_flow`) is provided once, here, for every backend. A flow is inserted
//! once, in the state primary authentication routed it to ([`AfterPrimary`]); every later
//! write is compare-and-set on `version`, so two submissions of the same flow cannot both
//! advance. The mapping between typestates and rows is in `record.rs`, on this side only.
//! A backend must never log a record: it holds session secrets.

mod any;
mod columns;
mod migrations;
mod postgres;
pub(crate) mod record;
mod sqlite;
mod sqlite_direct;

use std::future::Future;

use chrono::{DateTime, Utc};

pub use any::{AnyFlowStore, FlowStoreLocation, POSTGRES_POOL_SIZE};
pub use postgres::PgFlowStore;
pub use record::{FlowRecord, StoredState};
pub use sqlite::SqliteFlowStore;

use crate::flow::{
    AfterPrimary, AnyChallenge, AnyLoginFlow, Exhausted, FlowId, FlowState, LoginFlow,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("login flow {0} not found")]
    NotFound(FlowId),
    #[error("login flow {0} has expired")]
    Expired(FlowId),
    /// Another writer advanced the flow since it was read (compare-and-set lost).
    #[error("login flow {0} was changed by another request")]
    Stale(FlowId),
    #[error("login flow {0} already exists")]
    Duplicate(FlowId),
    /// A stored row breaks the flow rules (only possible if written behind the engine's back).
    #[error("stored login flow {id} is corrupt: {reason}")]
    Corrupt { id: String, reason: String },
    /// The database refused a row (a CHECK constraint): a bug, never user input.
    #[error("the database rejected the row: {0}")]
    Rejected(String),
    #[error("flow store backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A record of a just-routed flow; only [`FlowStore::insert_flow`] makes one.
pub struct NewFlow(FlowRecord);

impl NewFlow {
    pub fn record(&self) -> &FlowRecord {
        &self.0
    }
}

/// A record to write if (and only if) the stored version is still `expected_version`.
/// `record().version` is `expected_version + 1`. Only [`FlowStore::save_flow`] makes one.
pub struct FlowUpdate {
    record: FlowRecord,
    expected_version: i64,
}

impl FlowUpdate {
    pub fn record(&self) -> &FlowRecord {
        &self.record
    }

    pub fn expected_version(&self) -> i64 {
        self.expected_version
    }
}

pub trait FlowStore: Send + Sync {
    /// Insert a new row; an existing id is [`StoreError::Duplicate`].
    fn insert(&self, new: &NewFlow) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Read a row, expired or not.
    fn load(&self, id: FlowId) -> impl Future<Output = Result<FlowRecord, StoreError>> + Send;

    /// Replace the row if its version is still `change.expected_version()`, else
    /// [`StoreError::Stale`] (or [`StoreError::NotFound`] when it is gone).
    fn update(&self, change: &FlowUpdate) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Delete the row if its version is still `expected_version`, else [`StoreError::Stale`].
    fn delete(
        &self,
        id: FlowId,
        expected_version: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Delete every row with `expires_at <= now`; returns how many.
    fn purge_expired(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Store a flow that has just been routed: its first and only insert, at version 1.
    fn insert_flow(
        &self,
        routed: AfterPrimary,
    ) -> impl Future<Output = Result<AfterPrimary, StoreError>> + Send
    where
        Self: Sized,
    {
        async move {
            let mut routed = routed;
            routed.core_mut().version = 1;
            let record = match &routed {
                AfterPrimary::Session(f) => FlowRecord::of(f),
                AfterPrimary::Enroll(f) => FlowRecord::of(f),
                AfterPrimary::Challenge(AnyChallenge::Sms(f)) => FlowRecord::of(f),
                AfterPrimary::Challenge(AnyChallenge::Totp(f)) => FlowRecord::of(f),
            };
            self.insert(&NewFlow(record)).await?;
            Ok(routed)
        }
    }

    /// Load a flow in whatever state it is in; expired flows are refused.
    fn load_flow(
        &self,
        id: FlowId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<AnyLoginFlow, StoreError>> + Send
    where
        Self: Sized,
    {
        async move {
            let record = self.load(id).await?;
            if record.expires_at <= now.timestamp() {
                return Err(StoreError::Expired(id));
            }
            record.into_flow()
        }
    }

    /// Write a flow after a transition, if nobody else did since it was read. Returns the flow
    /// at its new version.
    fn save_flow<S: FlowState>(
        &self,
        flow: LoginFlow<S>,
    ) -> impl Future<Output = Result<LoginFlow<S>, StoreError>> + Send
    where
        Self: Sized,
    {
        async move {
            let mut flow = flow;
            let expected_version = flow.core.version;
            flow.core.version = expected_version + 1;
            let change = FlowUpdate {
                record: FlowRecord::of(&flow),
                expected_version,
            };
            self.update(&change).await?;
            Ok(flow)
        }
    }

    /// Remove a flow (logout, or attempts used up), if nobody else changed it since.
    fn discard_flow(&self, spent: Exhausted) -> impl Future<Output = Result<(), StoreError>> + Send
    where
        Self: Sized,
    {
        self.delete(spent.id, spent.version)
    }
}

#[cfg(test)]
mod migration_tests;
#[cfg(test)]
mod tests;
