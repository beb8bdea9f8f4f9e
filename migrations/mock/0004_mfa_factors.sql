-- MFA factors beyond SMS: TOTP registrations, their recovery codes, and the per-member count of
-- failed MFA attempts behind the user lock. Times are epoch seconds on the virtual clock.

-- At most one registration per member. A registration is `pending` from totps.create until its
-- first successful authenticate (and dies at `expires_at` if that never happens), then `active`.
-- Only an active registration appears in member.totp_registration_id.
CREATE TABLE totp_registrations (
    totp_registration_id TEXT PRIMARY KEY NOT NULL,
    member_id            TEXT NOT NULL UNIQUE REFERENCES members(member_id) ON DELETE CASCADE,
    organization_id      TEXT NOT NULL,
    secret               TEXT NOT NULL,            -- RFC 4648 base32, no padding (32 chars when minted here)
    status               TEXT NOT NULL CHECK (status IN ('pending', 'active')),
    created_at           INTEGER NOT NULL,
    expires_at           INTEGER,                  -- enrollment deadline; NULL once active
    last_step            INTEGER,                  -- last accepted 30 s step: replays and older steps are refused
    generation           INTEGER NOT NULL DEFAULT 0 CHECK (generation >= 0), -- recovery-code rotations so far
    CHECK ((status = 'pending') = (expires_at IS NOT NULL))
);

-- Ten single-use codes per registration; a rotation deletes the old set and mints a new one.
CREATE TABLE recovery_codes (
    recovery_code_id     TEXT PRIMARY KEY NOT NULL,  -- the factor's totp_recovery_code_id
    totp_registration_id TEXT NOT NULL REFERENCES totp_registrations(totp_registration_id) ON DELETE CASCADE,
    position             INTEGER NOT NULL,           -- order in which they were handed out
    code                 TEXT NOT NULL,              -- lower case, as handed out
    used_at              INTEGER,                    -- spent: never accepted again
    UNIQUE (totp_registration_id, code),
    UNIQUE (totp_registration_id, position)
);

-- Consecutive failed MFA attempts of a member and the lock they lead to. The member object shows
-- the lock (is_locked, lock_created_at, lock_expires_at); this row is what the checks read.
CREATE TABLE member_lockouts (
    member_id    TEXT PRIMARY KEY NOT NULL REFERENCES members(member_id) ON DELETE CASCADE,
    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_at    INTEGER,
    locked_until INTEGER,
    CHECK ((locked_at IS NULL) = (locked_until IS NULL)),
    CHECK (locked_until IS NULL OR locked_until > locked_at)
);
