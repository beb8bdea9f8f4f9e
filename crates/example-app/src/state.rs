//! What every handler shares: the engine, the CSRF key, and in demo mode the embedded mock's
//! control client and seeded data. Cheap to clone (one `Arc`).
//!
//! Holds no per-user state: a user's progress lives only in the engine's flow store, keyed by
//! the flow cookie. Must never hold a Stytch token or code.

use std::ops::Deref;
use std::sync::Arc;

use mfa_engine::MfaService;
use mfa_engine::store::AnyFlowStore;
use mock_control::MockControl;
use serde::Serialize;

use crate::csrf::CsrfKey;
use crate::seed::DemoData;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub mfa: MfaService<AnyFlowStore>,
    pub csrf_key: CsrfKey,
    /// `Some` in demo mode: the dashboard proxy and the demo accounts box need it.
    pub demo: Option<Demo>,
    /// Offered on the sign-in page; empty: the page asks for an organization id.
    pub organizations: Vec<OrgChoice>,
    /// Origin browsers use; magic links are sent to `{public_url}/authenticate`.
    pub public_url: String,
}

pub struct Demo {
    pub control: MockControl,
    pub data: DemoData,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrgChoice {
    pub organization_id: String,
    pub name: String,
    pub policy: String,
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        AppState(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
