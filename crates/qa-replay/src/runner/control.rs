//! The mock's control API (outbox, TOTP code of the moment, virtual clock, SSO/OAuth tokens,
//! request log, fault rules), through the shared typed client [`mock_control::MockControl`]. Only mock
//! targets have it; these calls are never made against a target where [`has_control_api`] said
//! no, and they must never stand in for an engine or Stytch call a scenario is testing.

use mock_control::{ControlError, MockControl};

use super::{Conn, Run, StepResult};

/// Whether the target answers the control API with these credentials.
pub(super) async fn has_control_api(base_url: &str, project_id: &str, secret: &str) -> bool {
    MockControl::new(base_url, project_id, secret)
        .is_available()
        .await
}

/// The client for a run's target.
pub(super) fn client(conn: &Conn) -> MockControl {
    MockControl::new(&conn.base_url, &conn.project_id, &conn.secret)
}

/// A control-API failure as a step error: the mock's `error_type` (`outbox_empty` when the
/// outbox had nothing, `control_api` when the mock could not be read) and a message naming
/// the path.
pub(super) fn control_error(e: ControlError) -> (String, String) {
    (e.error_type().to_owned(), e.to_string())
}

impl Run {
    /// Move the mock's virtual clock (the engine's clock is moved by the caller).
    pub(super) async fn advance_mock_clock(&self, seconds: i64) -> StepResult {
        self.control
            .advance_clock(seconds)
            .await
            .map(drop)
            .map_err(control_error)
    }

    pub(super) async fn totp_code(
        &self,
        org_id: &str,
        member_id: &str,
    ) -> Result<String, (String, String)> {
        self.control
            .totp_code(org_id, member_id)
            .await
            .map_err(control_error)
    }

    /// Add a fault rule (the scenario's `fault:` step); the mock refuses a bad rule with 400.
    pub(super) async fn add_fault(&self, rule: &mock_control::FaultRule) -> StepResult {
        self.control
            .add_fault(rule)
            .await
            .map(drop)
            .map_err(control_error)
    }

    /// Remove every fault rule (`clear_faults`).
    pub(super) async fn clear_faults(&self) -> StepResult {
        self.control
            .clear_faults()
            .await
            .map(drop)
            .map_err(control_error)
    }

    /// The code of the newest SMS the mock sent this member.
    pub(super) async fn sms_code(&self, member_id: &str) -> Result<String, (String, String)> {
        self.control
            .member_sms_code(member_id)
            .await
            .map_err(control_error)
    }
}
