-- mock-stytch core schema: configuration facts, organizations, members, outbox.
-- Entities keep their searchable keys in columns and the full wire object in `data` (JSON):
-- the wire shape is wide and grows with Stytch, the keys are what constraints and lookups need.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,   -- seed, id_counter, boot, clock_offset, signing key
    value TEXT NOT NULL
);

CREATE TABLE organizations (
    organization_id   TEXT PRIMARY KEY NOT NULL,
    organization_slug TEXT NOT NULL UNIQUE,
    external_id       TEXT UNIQUE,                 -- organization_external_id, NULL when unset
    created_seq       INTEGER NOT NULL,            -- creation order, for stable search pages
    data              TEXT NOT NULL CHECK (json_valid(data))
);

CREATE TABLE members (
    member_id       TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(organization_id) ON DELETE CASCADE,
    email_address   TEXT NOT NULL,                 -- lower-cased
    external_id     TEXT,
    password_hash   TEXT,                          -- PHC / bcrypt string; never leaves the mock
    created_seq     INTEGER NOT NULL,
    data            TEXT NOT NULL CHECK (json_valid(data)),
    UNIQUE (organization_id, email_address),
    UNIQUE (organization_id, external_id)
);
CREATE INDEX members_by_org ON members (organization_id, created_seq);

-- Every email and SMS the real Stytch would have sent; read by tests via /_mock/outbox.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,
    organization_id TEXT,
    member_id       TEXT,
    kind            TEXT NOT NULL,
    token           TEXT,
    code            TEXT,
    sent_at         INTEGER NOT NULL,              -- epoch seconds, virtual clock
    CHECK (token IS NOT NULL OR code IS NOT NULL)
);
CREATE INDEX outbox_by_recipient ON outbox (recipient, seq);
