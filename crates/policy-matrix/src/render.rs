//! The decision table as Markdown (docs/policy-matrix.md) and JSON. Pure text from a
//! [`Matrix`]; deterministic, so a snapshot of it shows every behaviour change in review.
//! Must never add anything not derived from the model (no dates, no paths).

use std::fmt::Write;

use crate::space::{DefaultMfa, Invalid, Phone, Totp};
use crate::table::{Matrix, complete_text, engine_text, response_text};

/// The command that regenerates docs/policy-matrix.md (quoted by the docs test).
pub const REGENERATE: &str =
    "cargo run -p policy-matrix -- --format md --out docs/policy-matrix.md";

pub fn json(m: &Matrix) -> String {
    let mut s = serde_json::to_string_pretty(m).expect("the matrix serialises");
    s.push('\n');
    s
}

pub fn markdown(m: &Matrix) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# MFA policy matrix\n");
    let _ = writeln!(
        w,
        "Generated from the reference model in `crates/policy-matrix/src/model.rs` (CONTRACT §3); \
         do not edit. Regenerate with `{REGENERATE}`.\n"
    );
    let invalid: usize = m.invalid.values().sum();
    let _ = writeln!(
        w,
        "The space: `mfa_policy` (2) × `mfa_methods` with `allowed_mfa_methods` (2 × 4) × \
         `auth_methods` (4) × member `mfa_enrolled` (2) × phone (3) × TOTP (3) × \
         `default_mfa_method` (3) × entry point (7) × same-member session passed in (2) = \
         **{}** combinations: **{}** valid, **{}** invalid.\n",
        m.product, m.valid, invalid
    );
    let _ = writeln!(w, "## Invalid combinations\n");
    let _ = writeln!(w, "| reason | combinations | what the API does |");
    let _ = writeln!(w, "|---|---:|---|");
    for (reason, n) in &m.invalid {
        let _ = writeln!(
            w,
            "| `{}` | {n} | {} |",
            reason_name(*reason),
            reason_text(*reason)
        );
    }
    let _ = writeln!(w, "\n## Requests that never reach the MFA decision\n");
    let _ = writeln!(
        w,
        "| situation | requests | combinations | response | engine |"
    );
    let _ = writeln!(w, "|---|---|---:|---|---|");
    for g in &m.before_mfa {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            g.situation,
            g.requests,
            g.combinations,
            response_text(&g.outcome.response),
            engine_text(&g.outcome.engine)
        );
    }
    let _ = writeln!(
        w,
        "\n## MFA decisions (no session passed in, primary method allowed)\n\n\
         Each row holds for every entry point and every `auth_methods` value that lets it \
         through, unless its *requests* column says otherwise. *complete with*: the methods \
         that can finish MFA with this IST (after enrolling, on the enrollment path); \
         **stuck**: MFA is demanded and nothing can satisfy it.\n"
    );
    for sec in &m.sections {
        let allowed = if sec.mfa_methods == "RESTRICTED" {
            format!(" {}", sec.allowed_mfa_methods.label())
        } else if sec.allowed_mfa_methods.is_empty() {
            String::new()
        } else {
            format!(" (list {} not enforced)", sec.allowed_mfa_methods.label())
        };
        let _ = writeln!(
            w,
            "### `{}`, `{}`{allowed}\n",
            sec.mfa_policy.wire(),
            sec.mfa_methods
        );
        let _ = writeln!(
            w,
            "| enrolled | phone | TOTP | default | requests | response | complete with | engine |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|---|---|");
        for r in &sec.rows {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                if r.member.mfa_enrolled { "yes" } else { "no" },
                phone(r.member.phone),
                totp(r.member.totp),
                default(r.member.default_mfa_method),
                r.requests,
                response_text(&r.outcome.response),
                complete_text(&r.outcome),
                engine_text(&r.outcome.engine)
            );
        }
        let _ = writeln!(w);
    }
    s
}

fn phone(p: Phone) -> &'static str {
    match p {
        Phone::None => "—",
        Phone::Unverified => "unverified",
        Phone::Verified => "verified",
    }
}

fn totp(t: Totp) -> &'static str {
    match t {
        Totp::None => "—",
        Totp::Pending => "pending",
        Totp::Active => "active",
    }
}

fn default(d: DefaultMfa) -> &'static str {
    match d {
        DefaultMfa::None => "—",
        DefaultMfa::Sms => "sms_otp",
        DefaultMfa::Totp => "totp",
    }
}

pub fn reason_name(r: Invalid) -> &'static str {
    match r {
        Invalid::RestrictedMfaMethodsWithEmptyList => "restricted_mfa_methods_with_empty_list",
        Invalid::RestrictedAuthMethodsWithEmptyList => "restricted_auth_methods_with_empty_list",
        Invalid::DefaultSmsWithoutPhone => "default_sms_without_phone",
        Invalid::DefaultTotpWithoutActiveTotp => "default_totp_without_active_totp",
        Invalid::ExchangeHasNoSecondSessionSlot => "exchange_has_no_second_session_slot",
    }
}

fn reason_text(r: Invalid) -> &'static str {
    match r {
        Invalid::RestrictedMfaMethodsWithEmptyList => {
            "organizations create/update: 400 `allowed_mfa_methods_required_for_restricted`"
        }
        Invalid::RestrictedAuthMethodsWithEmptyList => {
            "organizations create/update: 400 `allowed_auth_methods_required_for_restricted`"
        }
        Invalid::DefaultSmsWithoutPhone => {
            "members.update: 400 `default_mfa_member_missing_factor`"
        }
        Invalid::DefaultTotpWithoutActiveTotp => {
            "members.update: 400 `default_mfa_member_missing_factor` (a pending registration is not on the member)"
        }
        Invalid::ExchangeHasNoSecondSessionSlot => {
            "not expressible: `sessions.exchange` takes one session, the source organization's"
        }
    }
}
