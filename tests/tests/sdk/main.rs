//! SDK compatibility suite: the OFFICIAL Stytch server SDKs, unmodified, against mock-stytch.
//!
//! * Python `stytch==15.3.0` (venv in `target/sdk-venv`) runs `tests/sdk/python/compat.py`.
//! * Node `stytch@14.2.0` (`npm ci` into `target/sdk-node` from the committed lockfile) runs
//!   `tests/sdk/node/compat.mjs`.
//!
//! Both are installed on first use ([`install`]); an install that cannot be made fails the
//! tests. Each feature module below declares its checks (the names both scripts print) and a
//! `python` and a `node` test; each test starts its own in-process mock on port 0 and runs the
//! script with that group selected ([`harness`]). The matrix in `tests/sdk/COMPATIBILITY.md`
//! is this list: every cell names one check.

mod harness;
mod install;

mod schemas {
    //! The committed response schemas (`tests/sdk/schemas/`) equal what the pinned Python SDK
    //! generates (`tests/sdk/python/gen_schemas.py`): a schema cannot drift from the SDK that
    //! the mock's tests claim to satisfy.

    use std::collections::BTreeSet;
    use std::path::Path;

    fn json_files(dir: &Path) -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json"))
            .collect()
    }

    #[test]
    fn match_pinned_sdk() {
        let python = crate::install::python();
        let script = crate::install::sdk_dir().join("python/gen_schemas.py");
        let fresh = tempfile::tempdir().expect("temp dir");
        let out = std::process::Command::new(&python)
            .arg(&script)
            .arg(fresh.path())
            .output()
            .expect("run gen_schemas.py");
        assert!(
            out.status.success(),
            "gen_schemas.py failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );

        let committed_dir = crate::harness::schemas_dir();
        let committed = json_files(&committed_dir);
        let generated = json_files(fresh.path());
        let mut problems = Vec::new();
        for name in generated.difference(&committed) {
            problems.push(format!("{}/{name} is missing", committed_dir.display()));
        }
        for name in committed.difference(&generated) {
            problems.push(format!(
                "{}/{name} is committed but the SDK no longer generates it",
                committed_dir.display()
            ));
        }
        for name in committed.intersection(&generated) {
            let a = std::fs::read(committed_dir.join(name)).expect("read committed schema");
            let b = std::fs::read(fresh.path().join(name)).expect("read generated schema");
            if a != b {
                problems.push(format!(
                    "{}/{name} differs from what stytch==15.3.0 generates",
                    committed_dir.display()
                ));
            }
        }
        assert!(
            problems.is_empty(),
            "{}\nregenerate with: target/sdk-venv/bin/python tests/sdk/python/gen_schemas.py",
            problems.join("\n")
        );
        assert!(!generated.is_empty(), "gen_schemas.py wrote no schema");
    }
}

mod organizations {
    //! Organizations: create with each MFA policy, get, update, search, delete, metrics, errors.
    crate::harness::sdk_group!(
        "organizations",
        [
            "organizations.create_each_mfa_policy",
            "organizations.get",
            "organizations.update_mfa_policy",
            "organizations.search",
            "organizations.delete",
            "organizations.error_not_found",
            "organizations.error_duplicate_slug",
            "organizations.metrics",
        ]
    );
}

mod members {
    //! Members: create, get, update, search, delete the MFA phone, delete, reactivate,
    //! dangerously_get, errors.
    crate::harness::sdk_group!(
        "members",
        [
            "members.create",
            "members.get_by_id_and_email",
            "members.update",
            "members.search",
            "members.delete_mfa_phone_number",
            "members.delete",
            "members.reactivate",
            "members.dangerously_get",
            "members.error_not_found",
            "members.error_duplicate_email",
        ]
    );
}

mod magic_links {
    //! Email magic links as a primary factor: login_or_signup, invite, MFA-pending IST, errors.
    crate::harness::sdk_group!(
        "magic_links",
        [
            "magic_links.login_or_signup_full_session",
            "magic_links.invite_authenticate",
            "magic_links.mfa_required_returns_ist",
            "magic_links.error_token_reused",
            "magic_links.error_unknown_token",
        ]
    );
}

mod passwords {
    //! Passwords as a primary factor: strength check, migrate, the three resets, delete, errors.
    crate::harness::sdk_group!(
        "passwords",
        [
            "passwords.strength_check",
            "passwords.migrate_authenticate",
            "passwords.email_reset",
            "passwords.existing_password_reset",
            "passwords.session_reset",
            "passwords.delete_password",
            "passwords.mfa_required_returns_ist",
            "passwords.error_wrong_password",
        ]
    );
}

mod email_otp {
    //! Organization-scoped email OTP as a primary factor.
    crate::harness::sdk_group!(
        "email_otp",
        [
            "email_otp.login_or_signup_full_session",
            "email_otp.mfa_required_returns_ist",
            "email_otp.error_wrong_code",
        ]
    );
}

mod sso {
    //! SSO authenticate with tokens minted by the control API.
    crate::harness::sdk_group!(
        "sso",
        [
            "sso.authenticate_full_session",
            "sso.mfa_required_returns_ist",
            "sso.error_unknown_token"
        ]
    );
}

mod oauth {
    //! OAuth authenticate with tokens minted by the control API.
    crate::harness::sdk_group!(
        "oauth",
        [
            "oauth.authenticate_full_session",
            "oauth.mfa_required_returns_ist",
            "oauth.error_unknown_token"
        ]
    );
}

mod discovery {
    //! Discovery: spending an intermediate session token on another organization.
    crate::harness::sdk_group!(
        "discovery",
        [
            "discovery.ist_exchange_full_session",
            "discovery.ist_exchange_mfa_required",
            "discovery.error_expired_ist",
        ]
    );
}

mod sessions {
    //! Sessions: authenticate (token, JWT), get, revoke, exchange, get_jwks.
    crate::harness::sdk_group!(
        "sessions",
        [
            "sessions.authenticate_token_and_jwt",
            "sessions.get",
            "sessions.revoke",
            "sessions.exchange",
            "sessions.get_jwks",
        ]
    );
}

mod jwt {
    //! Local session-JWT verification against the mock's JWKS, including across a restart.
    crate::harness::sdk_group!(
        "jwt",
        [
            "jwt.authenticate_jwt_local",
            "jwt.rejects_tampered_jwt",
            "jwt.authenticate_jwt_local_after_restart"
        ]
    );
}

mod sms_otp {
    //! SMS OTP as the MFA factor: required enrollment, returning login, optional enrollment.
    crate::harness::sdk_group!(
        "sms_otp",
        [
            "sms_otp.required_enrollment",
            "sms_otp.returning_login",
            "sms_otp.optional_enrollment",
            "sms_otp.error_wrong_code",
            "sms_otp.error_expired_ist",
        ]
    );
}

mod totp {
    //! TOTP as the MFA factor: required enrollment, returning login, optional enrollment,
    //! delete, migrate (a secret of our own, codes computed locally), errors.
    crate::harness::sdk_group!(
        "totp",
        [
            "totp.required_enrollment",
            "totp.returning_login",
            "totp.optional_enrollment",
            "totp.delete_totp",
            "totp.migrate",
            "totp.error_wrong_code",
            "totp.error_expired_ist",
        ]
    );
}

mod recovery_codes {
    //! Recovery codes: get, recover (completes MFA), rotate, errors.
    crate::harness::sdk_group!(
        "recovery_codes",
        [
            "recovery_codes.get",
            "recovery_codes.recover",
            "recovery_codes.rotate",
            "recovery_codes.error_wrong_code",
            "recovery_codes.error_expired_ist",
        ]
    );
}

mod faults {
    //! Fault injection (`/_mock/faults`) seen through each SDK, every kind in both: a catalog
    //! error and a 429 raise the SDK's error type with the configured `error_type` and status,
    //! `drop` and `lose_answer` (whose write is committed) are a connection error, a delay shows
    //! in the mock's logged duration, `times: 2` fails exactly twice, and `probability: 0.5`
    //! over 20 calls gives the same hits on a second fresh mock with the same seed.

    use crate::harness::{Sdk, run_group};

    pub const PYTHON_CHECKS: &[&str] = &[
        "faults.error",
        "faults.too_many_requests",
        "faults.delay",
        "faults.drop",
        "faults.lose_answer",
        "faults.times",
        "faults.probability_replays",
    ];
    pub const NODE_CHECKS: &[&str] = &[
        "faults.error",
        "faults.too_many_requests",
        "faults.delay",
        "faults.drop",
        "faults.lose_answer",
        "faults.times",
        "faults.probability_replays",
    ];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn python() {
        run_group(Sdk::Python, "faults", PYTHON_CHECKS).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn node() {
        run_group(Sdk::Node, "faults", NODE_CHECKS).await;
    }
}

mod tls {
    //! Over HTTPS: the mock with `--tls` (its local CA kept next to the database, so the JWT
    //! restart check also restarts TLS with the same CA), each SDK given `custom_base_url =
    //! "https://127.0.0.1:PORT"` and trusting the CA through its variable. Runs the SMS
    //! enrollment and JWT groups, plus `tls.ca_variable_is_what_is_trusted`: in a fresh process
    //! without the CA variable the SDK fails certificate verification, with it the same call
    //! succeeds.

    use crate::harness::{Sdk, Transport, run_group_over};

    const GROUPS: &str = "sms_otp,jwt,tls";

    fn checks() -> Vec<&'static str> {
        let mut all = Vec::new();
        all.extend_from_slice(crate::sms_otp::CHECKS);
        all.extend_from_slice(crate::jwt::CHECKS);
        all.push("tls.ca_variable_is_what_is_trusted");
        all
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn python() {
        run_group_over(Sdk::Python, Transport::Tls, GROUPS, &checks()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn node() {
        run_group_over(Sdk::Node, Transport::Tls, GROUPS, &checks()).await;
    }
}
