//! The MFA rules of CONTRACT §3, in one module: what a primary authentication leads to (R1–R3,
//! R7) and how an MFA factor completes a login (R5, R6).
//!
//! * [`rules`] — the pure part: R1 (is MFA owed), R3 (the member's options, the SMS auto-send)
//!   and the verdict on a factor bag ([`rules::judge`]); unit-tested without a database. It takes
//!   and returns types ([`MfaPolicy`](crate::model::policy::MfaPolicy),
//!   [`AuthMethod`](crate::model::policy::AuthMethod), [`rules::Verdict`]), never wire strings.
//! * [`decide`] — every primary authentication (magic links, email OTP, passwords and the three
//!   resets, SSO, OAuth, `sessions.exchange`, `discovery.intermediate_sessions.exchange`): a
//!   handler proves a factor, applies its own member side effects, then calls [`decide::decide`]
//!   with the request's optional session / IST ([`decide::Context`]). It returns the §2.6
//!   primary-auth fields and is the only code that turns a primary proof into a session or an IST.
//! * [`complete`] — what the three MFA endpoints (SMS OTP, TOTP, recovery codes) share: who is
//!   asking, whether the organization allows the method, the R6 enrollment guard, and
//!   [`complete::complete`], the only code that turns an MFA proof into a session. It takes a
//!   [`FactorProven`](crate::model::proven::FactorProven), which only the code checks in
//!   `crate::model` can build.
//!
//! The rules, in order (R2):
//! 1. a live session of the **same member** passed in → no MFA asked again; the factor is added
//!    to that session (extended by `session_duration_minutes`), which is returned;
//! 2. the factor bag = factors of the IST passed in (+ factors carried from a session of the same
//!    email elsewhere) + the factor just proven. MFA factors only carry over from an IST of this
//!    very member; primary factors carry over from any IST of the same email address (R7);
//! 3. `auth_methods == RESTRICTED`, the member is not breakglass, and no factor in the bag is an
//!    allowed method → pending, `primary_required {allowed_auth_methods}`;
//! 4. MFA required (R1: `mfa_policy == REQUIRED_FOR_ALL || member.mfa_enrolled`) and no MFA factor
//!    in the bag → pending, `mfa_required`;
//! 5. otherwise a new session with the whole bag; an IST passed in is consumed.
//!
//! Pending answers carry an IST (10 minutes; the **same** token when one was passed in and is
//! still pending, R7), `session_token: ""`, `session_jwt: ""`, `member_session: null`.
//! Authenticated answers carry `intermediate_session_token: ""`, `mfa_required: null`,
//! `primary_required: null`.
//!
//! Readings of the UNCONFIRMED parts (kept here so there is one place to change them):
//! * `mfa_required.member_options` is null when the member has no usable factor, i.e. no
//!   *verified* phone and no active TOTP (`totp_registration_id == ""`); otherwise it lists
//!   `mfa_phone_number` (only a verified number, else `""`) and `totp_registration_id` (or `""`).
//!   The organization's `allowed_mfa_methods` does not filter the options: clients do that (R4).
//! * `secondary_auth_initiated: "sms_otp"` — and an SMS OTP really issued through
//!   [`crate::model::sms::issue`] — iff the member has a verified phone, SMS is allowed by the
//!   organization (`allows_mfa_method(MfaMethod::SmsOtp)`; breakglass members are exempt) and the
//!   member's `default_mfa_method` is not `totp`. Discovery never auto-sends (it never calls
//!   this module). The request's `locale` is accepted and ignored (the outbox has no templates).
//! * breakglass exempts from the `auth_methods` and `mfa_methods` restrictions, not from the MFA
//!   policy itself (R1).
//! * a session of another member passed in is ignored (§2.3); an IST of another email address is
//!   refused with `intermediate_session_not_found`.
//! * the email-verification trigger of `primary_required` (R2.2, e.g. non-verifying OAuth
//!   providers) is not modelled: only the `auth_methods` restriction produces it.
//!
//! [`decide`] must never mint a session for a pending verdict, and never send an SMS unless it
//! also answers `secondary_auth_initiated: "sms_otp"`.
//! [`complete`] must never mint a session without a [`FactorProven`](crate::model::proven::FactorProven).

pub mod complete;
pub mod decide;
pub mod rules;

pub use complete::{
    Holder, Method, Options, Tokens, complete, ensure_allowed, ensure_may_enroll, holder, refuse,
    required_holder,
};
