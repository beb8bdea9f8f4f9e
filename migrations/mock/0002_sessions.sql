-- Member sessions, intermediate sessions (ISTs) and SMS OTP codes.
-- Times are epoch seconds on the mock's virtual clock.

CREATE TABLE member_sessions (
    member_session_id TEXT PRIMARY KEY NOT NULL,
    session_token     TEXT NOT NULL UNIQUE,
    member_id         TEXT NOT NULL REFERENCES members(member_id) ON DELETE CASCADE,
    organization_id   TEXT NOT NULL,
    started_at        INTEGER NOT NULL,
    last_accessed_at  INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    revoked_at        INTEGER,                    -- set by sessions.revoke; a revoked session never works again
    factors           TEXT NOT NULL CHECK (json_valid(factors) AND json_type(factors) = 'array'),
    custom_claims     TEXT NOT NULL CHECK (json_valid(custom_claims) AND json_type(custom_claims) = 'object'),
    CHECK (expires_at >= started_at)
);
CREATE INDEX member_sessions_by_member ON member_sessions (member_id);

-- An IST carries the factors proven so far (the "factor bag"). Organization-scoped ISTs name
-- their member; discovery ISTs name only the email address until exchanged.
CREATE TABLE intermediate_sessions (
    token           TEXT PRIMARY KEY NOT NULL,
    member_id       TEXT REFERENCES members(member_id) ON DELETE CASCADE,
    organization_id TEXT,
    email_address   TEXT NOT NULL,
    factors         TEXT NOT NULL CHECK (json_valid(factors) AND json_type(factors) = 'array'),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed_at     INTEGER,                      -- spent on a session: never usable again
    CHECK (member_id IS NULL OR organization_id IS NOT NULL)
);

-- One live SMS code per member: a new send replaces the row (the old code dies with it).
CREATE TABLE sms_codes (
    member_id     TEXT PRIMARY KEY NOT NULL REFERENCES members(member_id) ON DELETE CASCADE,
    phone_number  TEXT NOT NULL,
    code          TEXT NOT NULL,
    sends         INTEGER NOT NULL,               -- per-member send counter the code derives from
    expires_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,     -- wrong tries on this code
    consumed_at   INTEGER
);
