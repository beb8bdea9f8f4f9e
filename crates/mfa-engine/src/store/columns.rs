//! The `login_flows` columns as the SQL backends bind and read them: one column list, the SQL
//! built from it once per backend (only the placeholder syntax differs: `?` or `$n`), and two
//! macros that bind a [`FlowRecord`](super::FlowRecord) in that order and read a row back. The
//! macros work on any sqlx query/row type, so SQLite and Postgres share them instead of two
//! copies of a 24-column list. Must never log a bound value (they hold session secrets).

/// Every column, in the order [`bind_record!`] binds them.
pub(super) const COLUMNS: [&str; 24] = [
    "flow_id",
    "version",
    "state",
    "organization_id",
    "member_id",
    "sms_allowed",
    "totp_allowed",
    "created_at",
    "expires_at",
    "intermediate_session_token",
    "session_token",
    "session_jwt",
    "member_session_id",
    "sms_enrolled",
    "totp_enrolled",
    "phone_number",
    "offer_sms",
    "offer_totp",
    "enroll_method",
    "totp_registration_id",
    "set_mfa_enrollment",
    "challenge_method",
    "sms_sent",
    "failures",
];

/// The statements of one backend, built once from [`COLUMNS`].
pub(super) struct Statements {
    pub insert: String,
    pub select: String,
    /// `SET` every column `WHERE flow_id = <25th> AND version = <26th>`: the compare-and-set.
    pub update: String,
    pub delete: String,
    pub exists: String,
    pub purge: String,
}

impl Statements {
    /// `placeholder(n)` is the backend's n-th (1-based) parameter: `?` or `$n`.
    pub fn new(placeholder: fn(usize) -> String) -> Statements {
        let names = COLUMNS.join(", ");
        let values = (1..=COLUMNS.len())
            .map(placeholder)
            .collect::<Vec<_>>()
            .join(", ");
        let assignments = COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = {}", placeholder(i + 1)))
            .collect::<Vec<_>>()
            .join(", ");
        let (id, version) = (
            placeholder(COLUMNS.len() + 1),
            placeholder(COLUMNS.len() + 2),
        );
        Statements {
            insert: format!("INSERT INTO login_flows ({names}) VALUES ({values})"),
            select: format!(
                "SELECT {names} FROM login_flows WHERE flow_id = {}",
                placeholder(1)
            ),
            update: format!(
                "UPDATE login_flows SET {assignments} WHERE flow_id = {id} AND version = {version}"
            ),
            delete: format!(
                "DELETE FROM login_flows WHERE flow_id = {} AND version = {}",
                placeholder(1),
                placeholder(2)
            ),
            exists: format!(
                "SELECT COUNT(*) FROM login_flows WHERE flow_id = {}",
                placeholder(1)
            ),
            purge: format!(
                "DELETE FROM login_flows WHERE expires_at <= {}",
                placeholder(1)
            ),
        }
    }
}

/// Bind every column of a `&FlowRecord` to a sqlx query, in [`COLUMNS`] order.
macro_rules! bind_record {
    ($query:expr, $r:expr) => {{
        let r: &$crate::store::FlowRecord = $r;
        $query
            .bind(&r.flow_id)
            .bind(r.version)
            .bind(r.state.as_str())
            .bind(&r.organization_id)
            .bind(&r.member_id)
            .bind(r.sms_allowed)
            .bind(r.totp_allowed)
            .bind(r.created_at)
            .bind(r.expires_at)
            .bind(
                r.intermediate_session_token
                    .as_ref()
                    .map(|t| t.expose_secret()),
            )
            .bind(r.session_token.as_ref().map(|t| t.expose_secret()))
            .bind(r.session_jwt.as_ref().map(|t| t.expose_secret()))
            .bind(&r.member_session_id)
            .bind(r.sms_enrolled)
            .bind(r.totp_enrolled)
            .bind(&r.phone_number)
            .bind(r.offer_sms)
            .bind(r.offer_totp)
            .bind(&r.enroll_method)
            .bind(&r.totp_registration_id)
            .bind(r.set_mfa_enrollment)
            .bind(&r.challenge_method)
            .bind(r.sms_sent)
            .bind(r.failures)
    }};
}

/// Read a row of every column into a `FlowRecord`: a sqlx row (`Result<_, sqlx::Error>`), or
/// with the getter, error type and decode-error constructor given, any row type whose getter
/// takes a column name (the SQLite reader's `rusqlite::Row`: `get`, `rusqlite::Error`).
macro_rules! read_record {
    ($row:expr) => {{
        use sqlx::Row as _;
        $crate::store::columns::read_record!(
            $row,
            try_get,
            sqlx::Error,
            |column: &str, message: String| {
                sqlx::Error::ColumnDecode {
                    index: column.into(),
                    source: message.into(),
                }
            }
        )
    }};
    ($row:expr, $get:ident, $error:ty, $decode_error:expr) => {{
        let row = $row;
        (|| -> Result<$crate::store::FlowRecord, $error> {
            let state: String = row.$get("state")?;
            let flow_id: String = row.$get("flow_id")?;
            let state = $crate::store::StoredState::parse(&state).ok_or_else(|| {
                ($decode_error)(
                    "state",
                    format!("unknown state {state:?} in flow {flow_id}"),
                )
            })?;
            Ok($crate::store::FlowRecord {
                flow_id,
                version: row.$get("version")?,
                state,
                organization_id: row.$get("organization_id")?,
                member_id: row.$get("member_id")?,
                sms_allowed: row.$get("sms_allowed")?,
                totp_allowed: row.$get("totp_allowed")?,
                created_at: row.$get("created_at")?,
                expires_at: row.$get("expires_at")?,
                intermediate_session_token: {
                    let secret: Option<String> = row.$get("intermediate_session_token")?;
                    secret.map(Into::into)
                },
                session_token: {
                    let secret: Option<String> = row.$get("session_token")?;
                    secret.map(Into::into)
                },
                session_jwt: {
                    let secret: Option<String> = row.$get("session_jwt")?;
                    secret.map(Into::into)
                },
                member_session_id: row.$get("member_session_id")?,
                sms_enrolled: row.$get("sms_enrolled")?,
                totp_enrolled: row.$get("totp_enrolled")?,
                phone_number: row.$get("phone_number")?,
                offer_sms: row.$get("offer_sms")?,
                offer_totp: row.$get("offer_totp")?,
                enroll_method: row.$get("enroll_method")?,
                totp_registration_id: row.$get("totp_registration_id")?,
                set_mfa_enrollment: row.$get("set_mfa_enrollment")?,
                challenge_method: row.$get("challenge_method")?,
                sms_sent: row.$get("sms_sent")?,
                failures: row.$get("failures")?,
            })
        })()
    }};
}

pub(super) use {bind_record, read_record};

/// A flow id read back from a record, or the record is corrupt.
pub(super) fn parse_id(s: &str) -> Result<crate::flow::FlowId, super::StoreError> {
    crate::flow::FlowId::parse(s).ok_or_else(|| super::StoreError::Corrupt {
        id: s.to_owned(),
        reason: "flow_id is not a UUID".into(),
    })
}
