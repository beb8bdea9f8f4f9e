//! The dashboard's one-click fault rules: each preset is a named [`NewRule`], added through the
//! same check and store as `POST /_mock/faults` ([`crate::faults`]). The wire names (the form's
//! `preset` field, `data-preset` on the buttons) are a contract with the tests; a preset never
//! builds a rule the control API would refuse.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::faults::{FaultAction, NewRule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Preset {
    #[serde(rename = "sms_send_429")]
    SmsSend429,
    #[serde(rename = "sms_authenticate_500")]
    SmsAuthenticate500,
    #[serde(rename = "sessions_authenticate_lose_answer")]
    SessionsAuthenticateLoseAnswer,
    #[serde(rename = "delay_all_2s")]
    DelayAll2s,
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Preset::SmsSend429,
        Preset::SmsAuthenticate500,
        Preset::SessionsAuthenticateLoseAnswer,
        Preset::DelayAll2s,
    ];

    /// The form value (the serde name above).
    pub fn key(self) -> &'static str {
        match self {
            Preset::SmsSend429 => "sms_send_429",
            Preset::SmsAuthenticate500 => "sms_authenticate_500",
            Preset::SessionsAuthenticateLoseAnswer => "sessions_authenticate_lose_answer",
            Preset::DelayAll2s => "delay_all_2s",
        }
    }

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            Preset::SmsSend429 => "Next SMS send fails with 429",
            Preset::SmsAuthenticate500 => "Next SMS authenticate answers 500",
            Preset::SessionsAuthenticateLoseAnswer => "Next sessions/authenticate loses its answer",
            Preset::DelayAll2s => "Add 2 s delay to every request",
        }
    }

    pub fn rule(self) -> NewRule {
        let (method, path, action, times) = match self {
            Preset::SmsSend429 => (
                Some("POST"),
                "/v1/b2b/otps/sms/send",
                FaultAction::TooManyRequests,
                Some(1),
            ),
            Preset::SmsAuthenticate500 => (
                Some("POST"),
                "/v1/b2b/otps/sms/authenticate",
                FaultAction::Error {
                    error_type: "internal_server_error".to_owned(),
                    status: None,
                    error_message: None,
                },
                Some(1),
            ),
            Preset::SessionsAuthenticateLoseAnswer => (
                Some("POST"),
                "/v1/b2b/sessions/authenticate",
                FaultAction::LoseAnswer,
                Some(1),
            ),
            Preset::DelayAll2s => (None, "/**", FaultAction::Delay { ms: 2000 }, None),
        };
        NewRule {
            method: method.map(str::to_owned),
            path: path.to_owned(),
            body: BTreeMap::new(),
            action,
            times,
            probability: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_passes_the_control_apis_checks_and_round_trips_its_key() {
        for p in Preset::ALL {
            assert!(p.rule().check().is_ok(), "{p:?}");
            let back: Preset = serde_json::from_value(serde_json::json!(p.key())).unwrap();
            assert_eq!(back, p);
        }
    }
}
