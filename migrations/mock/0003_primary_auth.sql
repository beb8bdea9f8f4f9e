-- Primary authentication proofs: single-use link tokens (magic links, invites, password resets,
-- the mock's SSO and OAuth tokens) and organization-scoped email OTP codes.
-- Times are epoch seconds on the mock's virtual clock.

-- A token proves control of an inbox (links) or of an identity-provider account (SSO/OAuth).
-- Link tokens name their member; SSO/OAuth tokens may name only an email address, because the
-- member is provisioned just in time when the token is redeemed. Deleting a member revokes its
-- links (an invite is revoked by deleting the invited member).
CREATE TABLE auth_tokens (
    token           TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('magic_link_login', 'magic_link_signup', 'magic_link_invite',
                                                  'password_reset', 'sso', 'oauth')),
    organization_id TEXT NOT NULL REFERENCES organizations(organization_id) ON DELETE CASCADE,
    member_id       TEXT REFERENCES members(member_id) ON DELETE CASCADE,
    email_address   TEXT NOT NULL,                -- lower-cased
    detail          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail) AND json_type(detail) = 'object'),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed_at     INTEGER,                      -- redeemed: never accepted again
    CHECK (kind IN ('sso', 'oauth') OR member_id IS NOT NULL),
    CHECK (expires_at > created_at)
);
CREATE INDEX auth_tokens_by_member ON auth_tokens (member_id);

-- One live email OTP code per member: a new send replaces the row (the old code dies with it).
CREATE TABLE email_otp_codes (
    member_id   TEXT PRIMARY KEY NOT NULL REFERENCES members(member_id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- wrong tries on this code
    consumed_at INTEGER
);
