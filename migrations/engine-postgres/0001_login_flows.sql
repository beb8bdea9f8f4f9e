-- One row per login flow (mfa-engine), PostgreSQL. The same table and the same rules as the
-- SQLite schema in migrations/engine (as it stands after its 0002): only routed states, the
-- columns of the row's state only, every CHECK repeating a rule the typestates enforce in Rust.
-- Differences are of type only: flags are BOOLEAN (SQLite: INTEGER CHECK IN (0, 1)), so
-- `a + b >= 1` reads `a OR b` and `x = 1` reads `x`; integers are BIGINT. Secrets (IST,
-- session token/JWT) are stored because the next step needs them; the table must never be
-- logged or exported. A change to a rule here must be made in migrations/engine too.
CREATE TABLE login_flows (
    flow_id          TEXT    PRIMARY KEY CHECK (length(flow_id) = 36),
    -- compare-and-set: every write is `UPDATE ... WHERE version = <version read>`
    version          BIGINT  NOT NULL CHECK (version >= 1),
    state            TEXT    NOT NULL CHECK (state IN
                         ('enrollment_pending', 'challenge_pending', 'member_session')),
    organization_id  TEXT    NOT NULL CHECK (length(organization_id) > 0),
    member_id        TEXT    NOT NULL CHECK (length(member_id) > 0),
    -- the organization's MFA method rules (mfa_methods / allowed_mfa_methods), fixed at login
    sms_allowed      BOOLEAN NOT NULL,
    totp_allowed     BOOLEAN NOT NULL,
    -- unix seconds; expires_at is the IST's (or the session's) expiry
    created_at       BIGINT  NOT NULL,
    expires_at       BIGINT  NOT NULL CHECK (expires_at > created_at),

    -- the credential that continues the flow: exactly one of IST / session token
    intermediate_session_token TEXT CHECK (length(intermediate_session_token) > 0),
    session_token    TEXT    CHECK (length(session_token) > 0),
    session_jwt      TEXT    CHECK (length(session_jwt) > 0),
    member_session_id TEXT,

    -- challenge_pending: the methods the member may use (enrolled AND allowed)
    sms_enrolled     BOOLEAN,
    totp_enrolled    BOOLEAN,
    -- challenge_pending: the member's phone; enrollment_pending (SMS started): the new one
    phone_number     TEXT    CHECK (length(phone_number) > 0),

    -- enrollment_pending; `enroll_method` NULL: nothing chosen or sent yet
    offer_sms        BOOLEAN,
    offer_totp       BOOLEAN,
    enroll_method    TEXT    CHECK (enroll_method IN ('sms_otp', 'totp')),
    totp_registration_id TEXT CHECK (length(totp_registration_id) > 0),
    set_mfa_enrollment BOOLEAN,

    -- challenge_pending
    challenge_method TEXT    CHECK (challenge_method IN ('sms_otp', 'totp')),
    sms_sent         BOOLEAN,

    -- enrollment_pending / challenge_pending: wrong codes so far (0 until a code was sent)
    failures         BIGINT  CHECK (failures >= 0),

    -- exactly one credential; a JWT or session id only next to a session token
    CHECK (num_nonnulls(intermediate_session_token, session_token) = 1),
    CHECK (session_jwt IS NULL OR session_token IS NOT NULL),
    CHECK (member_session_id IS NULL OR session_token IS NOT NULL),

    -- member_session: a session, and nothing from the other states
    CHECK (state <> 'member_session' OR (
        session_token IS NOT NULL
        AND sms_enrolled IS NULL AND totp_enrolled IS NULL AND phone_number IS NULL
        AND offer_sms IS NULL AND offer_totp IS NULL AND enroll_method IS NULL
        AND totp_registration_id IS NULL AND set_mfa_enrollment IS NULL
        AND challenge_method IS NULL AND sms_sent IS NULL AND failures IS NULL)),

    -- enrollment_pending: something to offer; a started method was offered and has its data;
    -- nothing started means no wrong code yet
    CHECK (state <> 'enrollment_pending' OR (
        offer_sms IS NOT NULL AND offer_totp IS NOT NULL AND (offer_sms OR offer_totp)
        AND offer_sms <= sms_allowed AND offer_totp <= totp_allowed
        AND set_mfa_enrollment IS NOT NULL AND failures IS NOT NULL
        AND sms_enrolled IS NULL AND totp_enrolled IS NULL
        AND challenge_method IS NULL AND sms_sent IS NULL
        -- optional enrollment (set_mfa_enrollment) only makes sense with a session
        AND (NOT set_mfa_enrollment OR session_token IS NOT NULL)
        AND (CASE enroll_method
                  WHEN 'sms_otp' THEN offer_sms AND phone_number IS NOT NULL
                                      AND totp_registration_id IS NULL
                  WHEN 'totp'    THEN offer_totp AND totp_registration_id IS NOT NULL
                                      AND phone_number IS NULL
                  ELSE phone_number IS NULL AND totp_registration_id IS NULL AND failures = 0
             END))),

    -- challenge_pending: the current method is usable (enrolled and allowed); an SMS can only
    -- have been sent for the SMS method
    CHECK (state <> 'challenge_pending' OR (
        challenge_method IS NOT NULL AND sms_sent IS NOT NULL AND failures IS NOT NULL
        AND sms_enrolled IS NOT NULL AND totp_enrolled IS NOT NULL
        AND sms_enrolled <= sms_allowed AND totp_enrolled <= totp_allowed
        AND (challenge_method <> 'sms_otp' OR sms_enrolled)
        AND (challenge_method <> 'totp' OR totp_enrolled)
        AND (NOT sms_sent OR challenge_method = 'sms_otp')
        AND offer_sms IS NULL AND offer_totp IS NULL AND enroll_method IS NULL
        AND totp_registration_id IS NULL AND set_mfa_enrollment IS NULL))
);

CREATE INDEX login_flows_expires_at ON login_flows (expires_at);
