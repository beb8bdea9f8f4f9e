-- Issue 19: a flow is stored only in the state primary authentication routed it to. The
-- transient `primary_authed` state (and its two columns `sms_auto_sent`, `default_method`, which
-- only routing read) is gone, so every login writes its row once. SQLite cannot change a CHECK
-- in place: the table is rebuilt with the same columns minus those two. A `primary_authed` row
-- can only exist if a process died between the old insert and its routing update; it is
-- dropped (the member signs in again) rather than routed here in SQL.
DELETE FROM login_flows WHERE state = 'primary_authed';

CREATE TABLE login_flows_v2 (
    flow_id          TEXT    PRIMARY KEY NOT NULL CHECK (length(flow_id) = 36),
    -- compare-and-set: every write is `UPDATE ... WHERE version = <version read>`
    version          INTEGER NOT NULL CHECK (version >= 1),
    state            TEXT    NOT NULL CHECK (state IN
                         ('enrollment_pending', 'challenge_pending', 'member_session')),
    organization_id  TEXT    NOT NULL CHECK (length(organization_id) > 0),
    member_id        TEXT    NOT NULL CHECK (length(member_id) > 0),
    -- the organization's MFA method rules (mfa_methods / allowed_mfa_methods), fixed at login
    sms_allowed      INTEGER NOT NULL CHECK (sms_allowed IN (0, 1)),
    totp_allowed     INTEGER NOT NULL CHECK (totp_allowed IN (0, 1)),
    -- unix seconds; expires_at is the IST's (or the session's) expiry
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL CHECK (expires_at > created_at),

    -- the credential that continues the flow: exactly one of IST / session token
    intermediate_session_token TEXT CHECK (length(intermediate_session_token) > 0),
    session_token    TEXT    CHECK (length(session_token) > 0),
    session_jwt      TEXT    CHECK (length(session_jwt) > 0),
    member_session_id TEXT,

    -- challenge_pending: the methods the member may use (enrolled AND allowed)
    sms_enrolled     INTEGER CHECK (sms_enrolled IN (0, 1)),
    totp_enrolled    INTEGER CHECK (totp_enrolled IN (0, 1)),
    -- challenge_pending: the member's phone; enrollment_pending (SMS started): the new one
    phone_number     TEXT    CHECK (length(phone_number) > 0),

    -- enrollment_pending; `enroll_method` NULL: nothing chosen or sent yet
    offer_sms        INTEGER CHECK (offer_sms IN (0, 1)),
    offer_totp       INTEGER CHECK (offer_totp IN (0, 1)),
    enroll_method    TEXT    CHECK (enroll_method IN ('sms_otp', 'totp')),
    totp_registration_id TEXT CHECK (length(totp_registration_id) > 0),
    set_mfa_enrollment INTEGER CHECK (set_mfa_enrollment IN (0, 1)),

    -- challenge_pending
    challenge_method TEXT    CHECK (challenge_method IN ('sms_otp', 'totp')),
    sms_sent         INTEGER CHECK (sms_sent IN (0, 1)),

    -- enrollment_pending / challenge_pending: wrong codes so far (0 until a code was sent)
    failures         INTEGER CHECK (failures >= 0),

    -- exactly one credential; a JWT or session id only next to a session token
    CHECK ((intermediate_session_token IS NOT NULL) + (session_token IS NOT NULL) = 1),
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
        offer_sms IS NOT NULL AND offer_totp IS NOT NULL AND (offer_sms + offer_totp) >= 1
        AND offer_sms <= sms_allowed AND offer_totp <= totp_allowed
        AND set_mfa_enrollment IS NOT NULL AND failures IS NOT NULL
        AND sms_enrolled IS NULL AND totp_enrolled IS NULL
        AND challenge_method IS NULL AND sms_sent IS NULL
        -- optional enrollment (set_mfa_enrollment) only makes sense with a session
        AND (set_mfa_enrollment = 0 OR session_token IS NOT NULL)
        AND (CASE enroll_method
                  WHEN 'sms_otp' THEN offer_sms = 1 AND phone_number IS NOT NULL
                                      AND totp_registration_id IS NULL
                  WHEN 'totp'    THEN offer_totp = 1 AND totp_registration_id IS NOT NULL
                                      AND phone_number IS NULL
                  ELSE phone_number IS NULL AND totp_registration_id IS NULL AND failures = 0
             END))),

    -- challenge_pending: the current method is usable (enrolled and allowed); an SMS can only
    -- have been sent for the SMS method
    CHECK (state <> 'challenge_pending' OR (
        challenge_method IS NOT NULL AND sms_sent IS NOT NULL AND failures IS NOT NULL
        AND sms_enrolled IS NOT NULL AND totp_enrolled IS NOT NULL
        AND sms_enrolled <= sms_allowed AND totp_enrolled <= totp_allowed
        AND (challenge_method <> 'sms_otp' OR sms_enrolled = 1)
        AND (challenge_method <> 'totp' OR totp_enrolled = 1)
        AND (sms_sent = 0 OR challenge_method = 'sms_otp')
        AND offer_sms IS NULL AND offer_totp IS NULL AND enroll_method IS NULL
        AND totp_registration_id IS NULL AND set_mfa_enrollment IS NULL))
) STRICT;

-- An unstarted enrollment could carry failures from a method it left; the old code kept them
-- only while a method was started, so any such row is reset to the new rule.
INSERT INTO login_flows_v2
SELECT flow_id, version, state, organization_id, member_id, sms_allowed, totp_allowed,
       created_at, expires_at, intermediate_session_token, session_token, session_jwt,
       member_session_id, sms_enrolled, totp_enrolled, phone_number, offer_sms, offer_totp,
       enroll_method, totp_registration_id, set_mfa_enrollment, challenge_method, sms_sent,
       CASE WHEN state = 'enrollment_pending' AND enroll_method IS NULL THEN 0 ELSE failures END
FROM login_flows;

DROP TABLE login_flows;
ALTER TABLE login_flows_v2 RENAME TO login_flows;
CREATE INDEX login_flows_expires_at ON login_flows (expires_at);
