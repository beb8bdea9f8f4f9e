#!/usr/bin/env python3
"""Compatibility checks: the official Python SDK `stytch==15.3.0` against mock-stytch.

Driven by tests/tests/sdk (the Rust harness), which installs the SDK into target/sdk-venv,
starts a fresh mock and passes, through the environment:

  MOCK_BASE_URL       http://127.0.0.1:PORT, given to the SDK as `environment=` (CONTRACT §5)
  STYTCH_PROJECT_ID   project id / Basic-auth user
  STYTCH_SECRET       secret / Basic-auth password
  COMPAT_CHECKS       comma-separated check names or group prefixes (`totp`); empty: all
  STYTCH_SCHEMAS_DIR  shared/stytch-b2b/schemas: every success body is validated against it
  COMPAT_DUMP         optional file: every SDK request's method, path, status and body is
                      appended to it as one JSON line (for reading the wire by hand)

Only the SDK's public methods talk to the Stytch API. Codes, tokens and the clock come from
the mock's control API (`/_mock/...`), which is plain HTTP with the same Basic credentials.

Every success body is validated strictly, on top of the SDK's own parsing: the raw JSON is
checked against the SDK's pydantic response model in strict mode (no coercion: a number where
a string is required, a null where `""` is required, a missing key all fail) and against the
JSON Schema of that response in STYTCH_SCHEMAS_DIR.

Output: one `PASS <check>` / `FAIL <check>: <why>` line per check, then
`python: N passed, N failed`. Exit status 1 when any check failed. Tracebacks go to stderr.
A line `@@restart` asks the harness to restart the mock on the same database; it answers on
stdin with the new base URL.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import struct
import sys
import traceback
import uuid
from typing import Any, Callable, Dict, List, Optional

import jsonschema
import pydantic
import requests
import stytch
from stytch.core.response_base import StytchError

BASE_URL = os.environ["MOCK_BASE_URL"].rstrip("/")
PROJECT_ID = os.environ["STYTCH_PROJECT_ID"]
SECRET = os.environ["STYTCH_SECRET"]
SCHEMAS_DIR = os.environ.get("STYTCH_SCHEMAS_DIR", "")
DUMP = os.environ.get("COMPAT_DUMP", "")
CURRENT_CHECK = ""
SELECTED = [s.strip() for s in os.environ.get("COMPAT_CHECKS", "").split(",") if s.strip()]

# A bcrypt hash (cost 10) of MIGRATED_PASSWORD, for passwords.migrate.
MIGRATED_PASSWORD = "Compat-Migrated-Pass-4417!"
MIGRATED_HASH = "$2b$10$hYql.4/QX8Sf0tFMIZ4JiO.UpRvRw.9ueR9lXUyoYkJMA334btSO6"
STRONG_PASSWORD = "quartz-Meridian-lantern-0592-violet"
STRONG_PASSWORD_2 = "harbor-Tungsten-orchid-7731-saffron"
PHONE = "+14155550123"
PHONE_2 = "+14155550124"
# A TOTP secret of our own (32 base32 chars, 160 bits) for totps.migrate.
MIGRATED_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
EMAIL_DOMAIN = "compat-py.example.com"


def totp_at(secret_b32: str, ts: int) -> str:
    """RFC 6238 TOTP (SHA1, 6 digits, 30 s), computed here to prove the mock uses our secret."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", ts // 30), hashlib.sha1).digest()
    off = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[off : off + 4])[0] & 0x7FFFFFFF) % 1_000_000)

# --------------------------------------------------------------------------------------------
# Strict validation of every success body


class RecordingSession(requests.Session):
    """A requests.Session (the SDK's public `sync_session=` hook) that keeps the last response,
    so its raw body can be validated strictly and quoted in failure reports."""

    def __init__(self) -> None:
        super().__init__()
        self.last: Optional[requests.Response] = None

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        resp = super().request(method, url, *args, **kwargs)
        self.last = resp
        if DUMP:
            with open(DUMP, "a", encoding="utf-8") as f:
                req = resp.request
                f.write(
                    json.dumps(
                        {
                            "check": CURRENT_CHECK,
                            "method": method,
                            "path": req.path_url if req is not None else url,
                            "request": kwargs.get("json"),
                            "status": resp.status_code,
                            "body": resp.text,
                        }
                    )
                    + "\n"
                )
        return resp


class StrictValidationError(AssertionError):
    pass


_schema_cache: Dict[str, Optional[dict]] = {}


def _schema_for(model: type) -> Optional[dict]:
    name = f"{model.__module__.rsplit('.', 1)[-1]}.{model.__name__}"
    if name not in _schema_cache:
        path = os.path.join(SCHEMAS_DIR, f"{name}.json")
        if SCHEMAS_DIR and os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                _schema_cache[name] = json.load(f)
        else:
            _schema_cache[name] = None
    return _schema_cache[name]


def describe_last(session: RecordingSession, limit: int = 1500) -> str:
    r = session.last
    if r is None:
        return "(no HTTP response recorded)"
    path = r.request.path_url if r.request is not None else r.url
    body = r.text
    if len(body) > limit:
        body = body[:limit] + "...(truncated)"
    return f"{r.request.method if r.request is not None else '?'} {path} -> {r.status_code} body={body}"


# --------------------------------------------------------------------------------------------
# Context: SDK client, control API, helpers


class Ctx:
    def __init__(self, base_url: str) -> None:
        self.set_base_url(base_url)
        self.counter = 0

    def set_base_url(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = RecordingSession()
        # CONTRACT §5: any non-standard `environment` is the base URL, plain HTTP allowed.
        self.client = stytch.B2BClient(
            project_id=PROJECT_ID,
            secret=SECRET,
            environment=self.base_url,
            suppress_warnings=True,
            sync_session=self.session,
        )
        self.http = requests.Session()
        self.http.auth = (PROJECT_ID, SECRET)

    # ---- strict validation ------------------------------------------------------------------

    def v(self, resp: Any) -> Any:
        """Validate the raw body behind the SDK response `resp` strictly; return `resp`."""
        model = type(resp)
        last = self.session.last
        if last is None:
            raise StrictValidationError("no HTTP response recorded for " + model.__name__)
        problems: List[str] = []
        if last.status_code != 200:
            problems.append(f"success HTTP status {last.status_code}, expected 200 (CONTRACT §1.4)")
        try:
            if json.loads(last.text).get("status_code") != last.status_code:
                problems.append("body status_code differs from the HTTP status")
        except ValueError as e:
            problems.append(f"success body is not JSON: {e}")
        try:
            model.model_validate_json(last.text, strict=True)
        except pydantic.ValidationError as e:
            problems.append(f"strict {model.__module__}.{model.__name__}: {e}")
        schema = _schema_for(model)
        if schema is not None:
            body = json.loads(last.text)
            validator = jsonschema.Draft202012Validator(schema)
            for err in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
                where = "/".join(str(p) for p in err.absolute_path) or "(root)"
                problems.append(f"schema {model.__name__} at {where}: {err.message}")
        if problems:
            raise StrictValidationError("; ".join(problems) + " | " + describe_last(self.session))
        return resp

    # ---- unique names ------------------------------------------------------------------------

    def uniq(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}-{uuid.uuid4().hex[:8]}"

    def email(self, tag: str = "m") -> str:
        return f"{self.uniq(tag)}@{EMAIL_DOMAIN}"

    # ---- control API ---------------------------------------------------------------------

    def control(self, method: str, path: str, **kwargs: Any) -> Dict[str, Any]:
        r = self.http.request(method, self.base_url + path, timeout=30, **kwargs)
        if r.status_code != 200:
            raise AssertionError(f"control API {method} {path} -> {r.status_code}: {r.text[:500]}")
        return r.json()

    def outbox(self, member_id: str, channel: str) -> List[Dict[str, Any]]:
        return self.control("GET", "/_mock/outbox", params={"member_id": member_id, "channel": channel})[
            "messages"
        ]

    def latest_email_token(self, member_id: str) -> str:
        for msg in self.outbox(member_id, "email"):
            if msg.get("token"):
                return msg["token"]
        raise AssertionError(f"no email with a token in the outbox for {member_id}")

    def latest_email_code(self, member_id: str) -> str:
        for msg in self.outbox(member_id, "email"):
            if msg.get("code"):
                return msg["code"]
        raise AssertionError(f"no email with a code in the outbox for {member_id}")

    def mock_now(self) -> int:
        now = self.control("GET", "/_mock/clock")["now"]
        return int(datetime.datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp())

    def latest_sms_code(self, member_id: str) -> str:
        for msg in self.outbox(member_id, "sms"):
            if msg.get("code"):
                return msg["code"]
        raise AssertionError(f"no SMS with a code in the outbox for {member_id}")

    def advance_clock(self, seconds: int) -> None:
        self.control("POST", "/_mock/clock", json={"advance_seconds": seconds})

    def sync_clock_to_wall(self) -> None:
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.control("POST", "/_mock/clock", json={"now": now})

    def totp_code(self, org_id: str, member_id: str) -> str:
        return self.control(
            "GET", "/_mock/totp/code", params={"organization_id": org_id, "member_id": member_id}
        )["code"]

    def sso_token(self, org_id: str, email: str) -> str:
        return self.control(
            "POST", "/_mock/sso/token", json={"organization_id": org_id, "email_address": email}
        )["token"]

    def oauth_token(self, org_id: str, email: str, provider: str = "google") -> str:
        return self.control(
            "POST",
            "/_mock/oauth/token",
            json={"organization_id": org_id, "email_address": email, "provider": provider},
        )["token"]

    # ---- SDK helpers -----------------------------------------------------------------------

    def new_org(self, policy: str = "OPTIONAL", **extra: Any):
        name = self.uniq("compat-py-org")
        resp = self.v(
            self.client.organizations.create(
                organization_name=name, organization_slug=name, mfa_policy=policy, **extra
            )
        )
        return resp.organization

    def new_member(self, org_id: str, email: Optional[str] = None, **extra: Any):
        resp = self.v(
            self.client.organizations.members.create(
                organization_id=org_id, email_address=email or self.email(), **extra
            )
        )
        return resp.member

    def magic_link_login(self, org_id: str, email: str, **auth_kwargs: Any):
        """Primary factor through the SDK: email magic link login_or_signup + authenticate."""
        sent = self.v(
            self.client.magic_links.email.login_or_signup(organization_id=org_id, email_address=email)
        )
        token = self.latest_email_token(sent.member_id)
        return self.v(self.client.magic_links.authenticate(magic_links_token=token, **auth_kwargs))

    def sms_enroll_required(self, policy: str = "REQUIRED_FOR_ALL"):
        """REQUIRED org, member without a factor: magic link -> IST -> SMS send + authenticate."""
        org = self.new_org(policy)
        member = self.new_member(org.organization_id)
        primary = self.magic_link_login(org.organization_id, member.email_address)
        expect_mfa_pending(primary)
        self.v(
            self.client.otps.sms.send(
                organization_id=org.organization_id,
                member_id=member.member_id,
                mfa_phone_number=PHONE,
                intermediate_session_token=primary.intermediate_session_token,
            )
        )
        code = self.latest_sms_code(member.member_id)
        done = self.v(
            self.client.otps.sms.authenticate(
                organization_id=org.organization_id,
                member_id=member.member_id,
                code=code,
                intermediate_session_token=primary.intermediate_session_token,
            )
        )
        return org, member, done

    def totp_enroll_required(self):
        """REQUIRED org, member without a factor: magic link -> IST -> TOTP create + authenticate."""
        org = self.new_org("REQUIRED_FOR_ALL")
        member = self.new_member(org.organization_id)
        primary = self.magic_link_login(org.organization_id, member.email_address)
        expect_mfa_pending(primary)
        created = self.v(
            self.client.totps.create(
                organization_id=org.organization_id,
                member_id=member.member_id,
                intermediate_session_token=primary.intermediate_session_token,
            )
        )
        code = self.totp_code(org.organization_id, member.member_id)
        done = self.v(
            self.client.totps.authenticate(
                organization_id=org.organization_id,
                member_id=member.member_id,
                code=code,
                intermediate_session_token=primary.intermediate_session_token,
            )
        )
        return org, member, created, done

    def restart_mock(self) -> None:
        print("@@restart", flush=True)
        answer = sys.stdin.readline().strip()
        if not answer or answer.startswith("@@error"):
            raise AssertionError(f"mock restart failed: {answer or 'no answer from the harness'}")
        self.set_base_url(answer)


# --------------------------------------------------------------------------------------------
# Assertions


def eq(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def ok(cond: Any, what: str) -> None:
    if not cond:
        raise AssertionError(what)


def expect_error(error_type: str, fn: Callable[..., Any], **kwargs: Any) -> StytchError:
    """The call must raise the SDK's own StytchError carrying `error_type`."""
    try:
        fn(**kwargs)
    except StytchError as e:
        d = e.details
        eq(d.error_type, error_type, f"error_type (status {d.status_code}, message {d.error_message!r})")
        ok(d.status_code >= 400, f"error status_code {d.status_code} is not >= 400")
        ok(d.request_id, "error body has no request_id")
        ok(d.error_message, "error body has no error_message")
        return e
    except pydantic.ValidationError as e:
        raise AssertionError(f"expected StytchError {error_type}, got pydantic.ValidationError: {e}")
    raise AssertionError(f"expected StytchError {error_type}, but the call succeeded")


def expect_full_session(resp: Any, member_id: str, org_id: Optional[str] = None) -> None:
    eq(resp.member_id, member_id, "member_id")
    eq(resp.member_authenticated, True, "member_authenticated")
    ok(resp.session_token, "session_token is empty on a full session")
    ok(resp.session_jwt, "session_jwt is empty on a full session")
    eq(resp.intermediate_session_token, "", "intermediate_session_token on a full session")
    ok(resp.member_session is not None, "member_session missing on a full session")
    eq(resp.member_session.member_id, member_id, "member_session.member_id")
    ok(resp.mfa_required is None, f"mfa_required should be null on a full session: {resp.mfa_required}")
    if org_id is not None:
        eq(resp.organization.organization_id, org_id, "organization.organization_id")
        eq(resp.member_session.organization_id, org_id, "member_session.organization_id")


def expect_mfa_pending(resp: Any) -> None:
    eq(resp.member_authenticated, False, "member_authenticated while MFA is pending")
    eq(resp.session_token, "", "session_token while MFA is pending")
    eq(resp.session_jwt, "", "session_jwt while MFA is pending")
    ok(resp.intermediate_session_token, "intermediate_session_token is empty while MFA is pending")
    ok(resp.member_session is None, "member_session should be null while MFA is pending")
    ok(resp.mfa_required is not None, "mfa_required missing while MFA is pending")


def expect_mfa_session(resp: Any, member_id: str, factor_type: str) -> None:
    eq(resp.member_id, member_id, "member_id")
    ok(resp.session_token, "session_token is empty after MFA")
    ok(resp.session_jwt, "session_jwt is empty after MFA")
    ok(resp.member_session is not None, "member_session missing after MFA")
    types = factor_types(resp.member_session)
    ok(factor_type in types, f"authentication_factors {types} lack {factor_type}")
    ok(len(types) >= 2, f"authentication_factors {types} should hold the primary and the MFA factor")


def factor_types(session: Any) -> List[str]:
    return [str(getattr(f.type, "value", f.type)) for f in session.authentication_factors]


# --------------------------------------------------------------------------------------------
# Check registry

CHECKS: List[tuple] = []


def check(name: str):
    def deco(fn: Callable[[Ctx], None]):
        CHECKS.append((name, fn))
        return fn

    return deco


# ---- organizations --------------------------------------------------------------------------


@check("organizations.create_each_mfa_policy")
def _(c: Ctx) -> None:
    o = c.new_org("OPTIONAL")
    eq(o.mfa_policy, "OPTIONAL", "mfa_policy")
    r = c.new_org("REQUIRED_FOR_ALL")
    eq(r.mfa_policy, "REQUIRED_FOR_ALL", "mfa_policy")
    t = c.new_org("REQUIRED_FOR_ALL", mfa_methods="RESTRICTED", allowed_mfa_methods=["totp"])
    eq(t.mfa_methods, "RESTRICTED", "mfa_methods")
    eq(t.allowed_mfa_methods, ["totp"], "allowed_mfa_methods")
    name = c.uniq("compat-py-default")
    d = c.v(c.client.organizations.create(organization_name=name, organization_slug=name)).organization
    eq(d.mfa_policy, "OPTIONAL", "default mfa_policy")
    eq(d.organization_name, name, "organization_name")
    ok(d.organization_id.startswith("organization-test-"), f"organization_id {d.organization_id}")


@check("organizations.get")
def _(c: Ctx) -> None:
    o = c.new_org("REQUIRED_FOR_ALL")
    got = c.v(c.client.organizations.get(organization_id=o.organization_id)).organization
    eq(got.organization_id, o.organization_id, "organization_id")
    eq(got.mfa_policy, "REQUIRED_FOR_ALL", "mfa_policy")
    eq(got.organization_slug, o.organization_slug, "organization_slug")
    # CONTRACT §1.3: the slug may stand in for the organization_id.
    by_slug = c.v(c.client.organizations.get(organization_id=o.organization_slug)).organization
    eq(by_slug.organization_id, o.organization_id, "organization_id fetched by slug")


@check("organizations.update_mfa_policy")
def _(c: Ctx) -> None:
    o = c.new_org("OPTIONAL")
    up = c.v(
        c.client.organizations.update(
            organization_id=o.organization_id,
            mfa_policy="REQUIRED_FOR_ALL",
            mfa_methods="RESTRICTED",
            allowed_mfa_methods=["sms_otp", "totp"],
        )
    ).organization
    eq(up.mfa_policy, "REQUIRED_FOR_ALL", "mfa_policy after update")
    eq(sorted(up.allowed_mfa_methods), ["sms_otp", "totp"], "allowed_mfa_methods after update")
    back = c.v(c.client.organizations.update(organization_id=o.organization_id, mfa_policy="OPTIONAL"))
    eq(back.organization.mfa_policy, "OPTIONAL", "mfa_policy after second update")


@check("organizations.search")
def _(c: Ctx) -> None:
    o = c.new_org("REQUIRED_FOR_ALL")
    c.new_org("OPTIONAL")
    res = c.v(
        c.client.organizations.search(
            query={
                "operator": "AND",
                "operands": [{"filter_name": "organization_ids", "filter_value": [o.organization_id]}],
            }
        )
    )
    eq([x.organization_id for x in res.organizations], [o.organization_id], "search by organization_ids")
    eq(res.results_metadata.total, 1, "results_metadata.total")


@check("organizations.delete")
def _(c: Ctx) -> None:
    o = c.new_org()
    gone = c.v(c.client.organizations.delete(organization_id=o.organization_id))
    eq(gone.organization_id, o.organization_id, "deleted organization_id")
    expect_error("organization_not_found", c.client.organizations.get, organization_id=o.organization_id)


@check("organizations.error_not_found")
def _(c: Ctx) -> None:
    expect_error(
        "organization_not_found",
        c.client.organizations.get,
        organization_id=f"organization-test-{uuid.uuid4()}",
    )


@check("organizations.error_duplicate_slug")
def _(c: Ctx) -> None:
    o = c.new_org()
    expect_error(
        "organization_slug_already_used",
        c.client.organizations.create,
        organization_name="dup",
        organization_slug=o.organization_slug,
    )


@check("organizations.metrics")
def _(c: Ctx) -> None:
    o = c.new_org()
    c.new_member(o.organization_id)
    c.new_member(o.organization_id)
    r = c.v(c.client.organizations.metrics(organization_id=o.organization_id))
    eq(r.member_count, 2, "member_count")


# ---- members --------------------------------------------------------------------------------


@check("members.create")
def _(c: Ctx) -> None:
    org = c.new_org()
    m = c.new_member(org.organization_id, name="Ada Compat", mfa_phone_number=PHONE, mfa_enrolled=True)
    eq(m.status, "active", "status")
    eq(m.name, "Ada Compat", "name")
    eq(m.mfa_phone_number, PHONE, "mfa_phone_number")
    eq(m.mfa_phone_number_verified, False, "mfa_phone_number_verified")
    eq(m.mfa_enrolled, True, "mfa_enrolled")
    eq(m.totp_registration_id, "", "totp_registration_id")
    eq(m.member_password_id, "", "member_password_id")
    ok(m.member_id.startswith("member-test-"), f"member_id {m.member_id}")
    bare = c.new_member(org.organization_id)
    eq(bare.name, "", "name when unset")
    eq(bare.mfa_phone_number, "", "mfa_phone_number when unset")
    eq(bare.default_mfa_method, "", "default_mfa_method when unset")
    pending = c.new_member(org.organization_id, create_member_as_pending=True)
    eq(pending.status, "pending", "status of create_member_as_pending")


@check("members.get_by_id_and_email")
def _(c: Ctx) -> None:
    org = c.new_org()
    # A `+` in the address must survive the SDK's query encoding (CONTRACT §1.3).
    email = c.uniq("plus") + "+tag@" + EMAIL_DOMAIN
    ext = c.uniq("ext")
    m = c.new_member(org.organization_id, email=email, external_id=ext)
    by_id = c.v(c.client.organizations.members.get(organization_id=org.organization_id, member_id=m.member_id))
    eq(by_id.member.email_address, m.email_address, "email_address by member_id")
    eq(by_id.organization.organization_id, org.organization_id, "organization in member get")
    by_email = c.v(
        c.client.organizations.members.get(organization_id=org.organization_id, email_address=m.email_address)
    )
    eq(by_email.member_id, m.member_id, "member_id by email")
    by_ext = c.v(c.client.organizations.members.get(organization_id=org.organization_id, member_id=ext))
    eq(by_ext.member_id, m.member_id, "member_id by external_id")


@check("members.update")
def _(c: Ctx) -> None:
    org = c.new_org()
    m = c.new_member(org.organization_id)
    up = c.v(
        c.client.organizations.members.update(
            organization_id=org.organization_id,
            member_id=m.member_id,
            name="Grace Compat",
            mfa_enrolled=True,
            mfa_phone_number=PHONE_2,
            untrusted_metadata={"team": "compat"},
        )
    ).member
    eq(up.name, "Grace Compat", "name after update")
    eq(up.mfa_enrolled, True, "mfa_enrolled after update")
    eq(up.mfa_phone_number, PHONE_2, "mfa_phone_number after update")
    eq(up.untrusted_metadata, {"team": "compat"}, "untrusted_metadata after update")


@check("members.search")
def _(c: Ctx) -> None:
    org = c.new_org()
    m = c.new_member(org.organization_id)
    c.new_member(org.organization_id)
    res = c.v(
        c.client.organizations.members.search(
            organization_ids=[org.organization_id],
            query={
                "operator": "AND",
                "operands": [{"filter_name": "member_emails", "filter_value": [m.email_address]}],
            },
        )
    )
    eq([x.member_id for x in res.members], [m.member_id], "search by member_emails")
    ok(org.organization_id in res.organizations, "search response lacks the organizations map entry")


@check("members.delete_mfa_phone_number")
def _(c: Ctx) -> None:
    org = c.new_org()
    m = c.new_member(org.organization_id, mfa_phone_number=PHONE)
    r = c.v(
        c.client.organizations.members.delete_mfa_phone_number(
            organization_id=org.organization_id, member_id=m.member_id
        )
    )
    eq(r.member.mfa_phone_number, "", "mfa_phone_number after delete")


@check("members.delete")
def _(c: Ctx) -> None:
    org = c.new_org()
    m = c.new_member(org.organization_id)
    r = c.v(c.client.organizations.members.delete(organization_id=org.organization_id, member_id=m.member_id))
    eq(r.member_id, m.member_id, "deleted member_id")
    expect_error(
        "member_not_found",
        c.client.organizations.members.get,
        organization_id=org.organization_id,
        member_id=m.member_id,
    )


@check("members.reactivate")
def _(c: Ctx) -> None:
    org = c.new_org()
    m = c.new_member(org.organization_id, create_member_as_pending=True)
    r = c.v(c.client.organizations.members.reactivate(organization_id=org.organization_id, member_id=m.member_id))
    eq(r.member.status, "active", "status after reactivate")


@check("members.dangerously_get")
def _(c: Ctx) -> None:
    org = c.new_org()
    m = c.new_member(org.organization_id)
    r = c.v(c.client.organizations.members.dangerously_get(member_id=m.member_id))
    eq(r.member.email_address, m.email_address, "email_address")
    eq(r.organization.organization_id, org.organization_id, "organization_id")


@check("members.error_not_found")
def _(c: Ctx) -> None:
    org = c.new_org()
    expect_error(
        "member_not_found",
        c.client.organizations.members.get,
        organization_id=org.organization_id,
        member_id=f"member-test-{uuid.uuid4()}",
    )


@check("members.error_duplicate_email")
def _(c: Ctx) -> None:
    org = c.new_org()
    m = c.new_member(org.organization_id)
    expect_error(
        "duplicate_member_email",
        c.client.organizations.members.create,
        organization_id=org.organization_id,
        email_address=m.email_address,
    )


# ---- magic links ----------------------------------------------------------------------------


@check("magic_links.login_or_signup_full_session")
def _(c: Ctx) -> None:
    # Signing up a new email needs email JIT provisioning for its domain.
    org = c.new_org("OPTIONAL", email_jit_provisioning="RESTRICTED", email_allowed_domains=[EMAIL_DOMAIN])
    email = c.email()
    sent = c.v(c.client.magic_links.email.login_or_signup(organization_id=org.organization_id, email_address=email))
    eq(sent.member_created, True, "member_created for a new email")
    eq(sent.member.status, "pending", "status before the first authenticate")
    token = c.latest_email_token(sent.member_id)
    r = c.v(c.client.magic_links.authenticate(magic_links_token=token))
    expect_full_session(r, sent.member_id, org.organization_id)
    ok(r.method_id, "method_id is empty")
    eq(r.member.status, "active", "status after authenticate")
    eq(factor_types(r.member_session), ["magic_link"], "authentication factor types")


@check("magic_links.invite_authenticate")
def _(c: Ctx) -> None:
    org = c.new_org("OPTIONAL")
    email = c.email("invitee")
    inv = c.v(c.client.magic_links.email.invite(organization_id=org.organization_id, email_address=email, name="Invitee"))
    eq(inv.member.status, "invited", "status after invite")
    token = c.latest_email_token(inv.member_id)
    r = c.v(c.client.magic_links.authenticate(magic_links_token=token))
    expect_full_session(r, inv.member_id, org.organization_id)
    eq(r.member.status, "active", "status after accepting the invite")


@check("magic_links.mfa_required_returns_ist")
def _(c: Ctx) -> None:
    org = c.new_org("REQUIRED_FOR_ALL")
    m = c.new_member(org.organization_id)
    r = c.magic_link_login(org.organization_id, m.email_address)
    expect_mfa_pending(r)
    ok(r.mfa_required.member_options is None, f"member_options should be null before enrollment: {r.mfa_required}")


@check("magic_links.error_token_reused")
def _(c: Ctx) -> None:
    org = c.new_org("OPTIONAL")
    m = c.new_member(org.organization_id)
    c.v(c.client.magic_links.email.login_or_signup(organization_id=org.organization_id, email_address=m.email_address))
    token = c.latest_email_token(m.member_id)
    c.v(c.client.magic_links.authenticate(magic_links_token=token))
    expect_error("unable_to_auth_magic_link", c.client.magic_links.authenticate, magic_links_token=token)


@check("magic_links.error_unknown_token")
def _(c: Ctx) -> None:
    bogus = base64.urlsafe_b64encode(os.urandom(32)).decode()
    expect_error("magic_link_not_found", c.client.magic_links.authenticate, magic_links_token=bogus)


# ---- passwords ------------------------------------------------------------------------------


def migrated_member(c: Ctx, policy: str = "OPTIONAL"):
    org = c.new_org(policy)
    email = c.email("pw")
    r = c.v(
        c.client.passwords.migrate(
            email_address=email, hash=MIGRATED_HASH, hash_type="bcrypt", organization_id=org.organization_id
        )
    )
    eq(r.member_created, True, "member_created by migrate")
    ok(r.member.member_password_id, "member_password_id empty after migrate")
    return org, r.member


@check("passwords.strength_check")
def _(c: Ctx) -> None:
    strong = c.v(c.client.passwords.strength_check(password=STRONG_PASSWORD))
    eq(strong.valid_password, True, "valid_password for a strong password")
    weak = c.v(c.client.passwords.strength_check(password="password"))
    eq(weak.valid_password, False, "valid_password for 'password'")


@check("passwords.migrate_authenticate")
def _(c: Ctx) -> None:
    org, m = migrated_member(c)
    r = c.v(
        c.client.passwords.authenticate(
            organization_id=org.organization_id, email_address=m.email_address, password=MIGRATED_PASSWORD
        )
    )
    expect_full_session(r, m.member_id, org.organization_id)
    eq(factor_types(r.member_session), ["password"], "authentication factor types")


@check("passwords.email_reset")
def _(c: Ctx) -> None:
    org = c.new_org("OPTIONAL")
    m = c.new_member(org.organization_id)
    start = c.v(c.client.passwords.email.reset_start(organization_id=org.organization_id, email_address=m.email_address))
    eq(start.member_id, m.member_id, "member_id of reset_start")
    token = c.latest_email_token(m.member_id)
    r = c.v(c.client.passwords.email.reset(password_reset_token=token, password=STRONG_PASSWORD))
    expect_full_session(r, m.member_id, org.organization_id)
    again = c.v(
        c.client.passwords.authenticate(
            organization_id=org.organization_id, email_address=m.email_address, password=STRONG_PASSWORD
        )
    )
    expect_full_session(again, m.member_id, org.organization_id)


@check("passwords.existing_password_reset")
def _(c: Ctx) -> None:
    org, m = migrated_member(c)
    r = c.v(
        c.client.passwords.existing_password.reset(
            email_address=m.email_address,
            existing_password=MIGRATED_PASSWORD,
            new_password=STRONG_PASSWORD,
            organization_id=org.organization_id,
        )
    )
    expect_full_session(r, m.member_id)
    expect_error(
        "unauthorized_credentials",
        c.client.passwords.authenticate,
        organization_id=org.organization_id,
        email_address=m.email_address,
        password=MIGRATED_PASSWORD,
    )


@check("passwords.session_reset")
def _(c: Ctx) -> None:
    org, m = migrated_member(c)
    login = c.v(
        c.client.passwords.authenticate(
            organization_id=org.organization_id, email_address=m.email_address, password=MIGRATED_PASSWORD
        )
    )
    r = c.v(
        c.client.passwords.sessions.reset(
            organization_id=org.organization_id, password=STRONG_PASSWORD_2, session_token=login.session_token
        )
    )
    eq(r.member_id, m.member_id, "member_id")
    ok(r.session_token, "session_token after session reset")
    c.v(
        c.client.passwords.authenticate(
            organization_id=org.organization_id, email_address=m.email_address, password=STRONG_PASSWORD_2
        )
    )


@check("passwords.delete_password")
def _(c: Ctx) -> None:
    org, m = migrated_member(c)
    r = c.v(
        c.client.organizations.members.delete_password(
            organization_id=org.organization_id, member_password_id=m.member_password_id
        )
    )
    eq(r.member.member_password_id, "", "member_password_id after delete_password")
    expect_error(
        "unauthorized_credentials",
        c.client.passwords.authenticate,
        organization_id=org.organization_id,
        email_address=m.email_address,
        password=MIGRATED_PASSWORD,
    )


@check("passwords.mfa_required_returns_ist")
def _(c: Ctx) -> None:
    org, m = migrated_member(c, "REQUIRED_FOR_ALL")
    r = c.v(
        c.client.passwords.authenticate(
            organization_id=org.organization_id, email_address=m.email_address, password=MIGRATED_PASSWORD
        )
    )
    expect_mfa_pending(r)


@check("passwords.error_wrong_password")
def _(c: Ctx) -> None:
    org, m = migrated_member(c)
    expect_error(
        "unauthorized_credentials",
        c.client.passwords.authenticate,
        organization_id=org.organization_id,
        email_address=m.email_address,
        password="not-the-password-1234",
    )


# ---- email OTP (organization-scoped, primary factor) ----------------------------------------


@check("email_otp.login_or_signup_full_session")
def _(c: Ctx) -> None:
    org = c.new_org("OPTIONAL", email_jit_provisioning="RESTRICTED", email_allowed_domains=[EMAIL_DOMAIN])
    email = c.email("eotp")
    sent = c.v(c.client.otps.email.login_or_signup(organization_id=org.organization_id, email_address=email))
    eq(sent.member_created, True, "member_created for a new email")
    code = c.latest_email_code(sent.member_id)
    r = c.v(c.client.otps.email.authenticate(organization_id=org.organization_id, email_address=email, code=code))
    expect_full_session(r, sent.member_id, org.organization_id)
    ok(r.method_id, "method_id is empty")
    eq(factor_types(r.member_session), ["email_otp"], "authentication factor types")


@check("email_otp.mfa_required_returns_ist")
def _(c: Ctx) -> None:
    org = c.new_org("REQUIRED_FOR_ALL")
    m = c.new_member(org.organization_id)
    c.v(c.client.otps.email.login_or_signup(organization_id=org.organization_id, email_address=m.email_address))
    r = c.v(
        c.client.otps.email.authenticate(
            organization_id=org.organization_id, email_address=m.email_address, code=c.latest_email_code(m.member_id)
        )
    )
    expect_mfa_pending(r)


@check("email_otp.error_wrong_code")
def _(c: Ctx) -> None:
    org = c.new_org("OPTIONAL")
    m = c.new_member(org.organization_id)
    c.v(c.client.otps.email.login_or_signup(organization_id=org.organization_id, email_address=m.email_address))
    real = c.latest_email_code(m.member_id)
    expect_error(
        "otp_code_not_found",
        c.client.otps.email.authenticate,
        organization_id=org.organization_id,
        email_address=m.email_address,
        code="000000" if real != "000000" else "111111",
    )


# ---- SSO and OAuth --------------------------------------------------------------------------


@check("sso.authenticate_full_session")
def _(c: Ctx) -> None:
    org = c.new_org("OPTIONAL")
    m = c.new_member(org.organization_id)
    token = c.sso_token(org.organization_id, m.email_address)
    r = c.v(c.client.sso.authenticate(sso_token=token))
    expect_full_session(r, m.member_id, org.organization_id)
    eq(factor_types(r.member_session), ["sso"], "authentication factor types")


@check("sso.mfa_required_returns_ist")
def _(c: Ctx) -> None:
    org = c.new_org("REQUIRED_FOR_ALL")
    m = c.new_member(org.organization_id)
    r = c.v(c.client.sso.authenticate(sso_token=c.sso_token(org.organization_id, m.email_address)))
    expect_mfa_pending(r)


@check("sso.error_unknown_token")
def _(c: Ctx) -> None:
    bogus = base64.urlsafe_b64encode(os.urandom(32)).decode()
    expect_error("sso_token_not_found", c.client.sso.authenticate, sso_token=bogus)


@check("oauth.authenticate_full_session")
def _(c: Ctx) -> None:
    org = c.new_org("OPTIONAL")
    m = c.new_member(org.organization_id)
    token = c.oauth_token(org.organization_id, m.email_address, "google")
    r = c.v(c.client.oauth.authenticate(oauth_token=token))
    expect_full_session(r, m.member_id, org.organization_id)
    eq(r.provider_type.lower(), "google", "provider_type")
    eq(factor_types(r.member_session), ["oauth"], "authentication factor types")


@check("oauth.mfa_required_returns_ist")
def _(c: Ctx) -> None:
    org = c.new_org("REQUIRED_FOR_ALL")
    m = c.new_member(org.organization_id)
    r = c.v(c.client.oauth.authenticate(oauth_token=c.oauth_token(org.organization_id, m.email_address, "google")))
    expect_mfa_pending(r)


@check("oauth.error_unknown_token")
def _(c: Ctx) -> None:
    bogus = base64.urlsafe_b64encode(os.urandom(32)).decode()
    expect_error("oauth_token_not_found", c.client.oauth.authenticate, oauth_token=bogus)


# ---- discovery (intermediate session exchange) ----------------------------------------------


@check("discovery.ist_exchange_full_session")
def _(c: Ctx) -> None:
    email = c.email("disc")
    org_a = c.new_org("REQUIRED_FOR_ALL")
    org_b = c.new_org("OPTIONAL")
    c.new_member(org_a.organization_id, email=email)
    mb = c.new_member(org_b.organization_id, email=email)
    pending = c.magic_link_login(org_a.organization_id, email)
    expect_mfa_pending(pending)
    r = c.v(
        c.client.discovery.intermediate_sessions.exchange(
            intermediate_session_token=pending.intermediate_session_token, organization_id=org_b.organization_id
        )
    )
    expect_full_session(r, mb.member_id, org_b.organization_id)


@check("discovery.ist_exchange_mfa_required")
def _(c: Ctx) -> None:
    email = c.email("disc")
    org_a = c.new_org("REQUIRED_FOR_ALL")
    org_b = c.new_org("REQUIRED_FOR_ALL")
    c.new_member(org_a.organization_id, email=email)
    mb = c.new_member(org_b.organization_id, email=email)
    pending = c.magic_link_login(org_a.organization_id, email)
    r = c.v(
        c.client.discovery.intermediate_sessions.exchange(
            intermediate_session_token=pending.intermediate_session_token, organization_id=org_b.organization_id
        )
    )
    expect_mfa_pending(r)
    eq(r.member_id, mb.member_id, "member_id in the target organization")


@check("discovery.error_expired_ist")
def _(c: Ctx) -> None:
    email = c.email("disc")
    org_a = c.new_org("REQUIRED_FOR_ALL")
    org_b = c.new_org("OPTIONAL")
    c.new_member(org_a.organization_id, email=email)
    c.new_member(org_b.organization_id, email=email)
    pending = c.magic_link_login(org_a.organization_id, email)
    c.advance_clock(11 * 60)
    expect_error(
        "intermediate_session_not_found",
        c.client.discovery.intermediate_sessions.exchange,
        intermediate_session_token=pending.intermediate_session_token,
        organization_id=org_b.organization_id,
    )


# ---- sessions -------------------------------------------------------------------------------


def logged_in(c: Ctx, policy: str = "OPTIONAL"):
    org = c.new_org(policy)
    m = c.new_member(org.organization_id)
    r = c.magic_link_login(org.organization_id, m.email_address)
    expect_full_session(r, m.member_id, org.organization_id)
    return org, m, r


@check("sessions.authenticate_token_and_jwt")
def _(c: Ctx) -> None:
    org, m, login = logged_in(c)
    by_token = c.v(c.client.sessions.authenticate(session_token=login.session_token))
    eq(by_token.member_session.member_session_id, login.member_session.member_session_id, "session id by token")
    eq(by_token.member.member_id, m.member_id, "member by token")
    ok(by_token.session_jwt, "session_jwt from sessions.authenticate")
    by_jwt = c.v(c.client.sessions.authenticate(session_jwt=login.session_jwt))
    eq(by_jwt.member_session.member_session_id, login.member_session.member_session_id, "session id by JWT")
    ext = c.v(c.client.sessions.authenticate(session_token=login.session_token, session_duration_minutes=120))
    ok(ext.member_session.expires_at >= login.member_session.expires_at, "session not extended")


@check("sessions.get")
def _(c: Ctx) -> None:
    org, m, login = logged_in(c)
    r = c.v(c.client.sessions.get(organization_id=org.organization_id, member_id=m.member_id))
    ids = [s.member_session_id for s in r.member_sessions]
    ok(login.member_session.member_session_id in ids, f"sessions.get {ids} lacks the login session")


@check("sessions.revoke")
def _(c: Ctx) -> None:
    org, m, login = logged_in(c)
    c.v(c.client.sessions.revoke(session_token=login.session_token))
    expect_error("session_not_found", c.client.sessions.authenticate, session_token=login.session_token)
    second = c.magic_link_login(org.organization_id, m.email_address)
    c.v(c.client.sessions.revoke(member_session_id=second.member_session.member_session_id))
    expect_error("session_not_found", c.client.sessions.authenticate, session_token=second.session_token)


@check("sessions.exchange")
def _(c: Ctx) -> None:
    email = c.email("xchg")
    org_a = c.new_org("OPTIONAL")
    org_b = c.new_org("OPTIONAL")
    org_c = c.new_org("REQUIRED_FOR_ALL")
    ma = c.new_member(org_a.organization_id, email=email)
    mb = c.new_member(org_b.organization_id, email=email)
    mc = c.new_member(org_c.organization_id, email=email)
    login = c.magic_link_login(org_a.organization_id, email)
    expect_full_session(login, ma.member_id, org_a.organization_id)
    full = c.v(c.client.sessions.exchange(organization_id=org_b.organization_id, session_token=login.session_token))
    expect_full_session(full, mb.member_id, org_b.organization_id)
    pending = c.v(c.client.sessions.exchange(organization_id=org_c.organization_id, session_token=login.session_token))
    expect_mfa_pending(pending)
    eq(pending.member_id, mc.member_id, "member_id in the REQUIRED_FOR_ALL organization")


@check("sessions.get_jwks")
def _(c: Ctx) -> None:
    r = c.v(c.client.sessions.get_jwks(project_id=PROJECT_ID))
    ok(r.keys, "JWKS has no keys")
    k = r.keys[0]
    eq(k.kty, "RSA", "kty")
    eq(k.alg, "RS256", "alg")
    ok(k.kid, "kid is empty")


# ---- session JWT, verified locally ----------------------------------------------------------


@check("jwt.authenticate_jwt_local")
def _(c: Ctx) -> None:
    c.sync_clock_to_wall()
    org, m, login = logged_in(c)
    s = c.client.sessions.authenticate_jwt_local(session_jwt=login.session_jwt)
    ok(s is not None, "authenticate_jwt_local returned None for a fresh session JWT")
    eq(s.member_id, m.member_id, "member_id from the JWT")
    eq(s.member_session_id, login.member_session.member_session_id, "member_session_id from the JWT")
    eq(s.organization_id, org.organization_id, "organization_id from the JWT")
    eq(s.organization_slug, org.organization_slug, "organization_slug from the JWT")
    eq(factor_types(s), ["magic_link"], "authentication factor types from the JWT")
    both = c.client.sessions.authenticate_jwt(session_jwt=login.session_jwt)
    eq(both.member_session.member_id, m.member_id, "authenticate_jwt member_id")


@check("jwt.rejects_tampered_jwt")
def _(c: Ctx) -> None:
    c.sync_clock_to_wall()
    org, m, login = logged_in(c)
    header, payload, sig = login.session_jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = f"member-test-{uuid.uuid4()}"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    s = c.client.sessions.authenticate_jwt_local(session_jwt=f"{header}.{forged}.{sig}")
    ok(s is None, "authenticate_jwt_local accepted a JWT with a forged payload")


@check("jwt.authenticate_jwt_local_after_restart")
def _(c: Ctx) -> None:
    c.sync_clock_to_wall()
    org, m, login = logged_in(c)
    before = c.client.sessions.authenticate_jwt_local(session_jwt=login.session_jwt)
    ok(before is not None, "authenticate_jwt_local failed before the restart")
    old_url = c.base_url
    c.restart_mock()
    ok(c.base_url != old_url, "the restarted mock kept its port; the check expects a new one")
    s = c.client.sessions.authenticate_jwt_local(session_jwt=login.session_jwt)
    ok(s is not None, "authenticate_jwt_local rejected a pre-restart JWT against the new JWKS")
    eq(s.member_session_id, login.member_session.member_session_id, "member_session_id after restart")
    again = c.v(c.client.sessions.authenticate(session_token=login.session_token))
    eq(again.member.member_id, m.member_id, "session survives the restart")


# ---- SMS OTP --------------------------------------------------------------------------------


@check("sms_otp.required_enrollment")
def _(c: Ctx) -> None:
    org, m, done = c.sms_enroll_required()
    expect_mfa_session(done, m.member_id, "otp")
    eq(done.member.mfa_phone_number, PHONE, "mfa_phone_number after enrollment")
    eq(done.member.mfa_phone_number_verified, True, "mfa_phone_number_verified after enrollment")
    eq(done.member.mfa_enrolled, True, "mfa_enrolled after enrollment")


@check("sms_otp.returning_login")
def _(c: Ctx) -> None:
    org, m, _ = c.sms_enroll_required()
    primary = c.magic_link_login(org.organization_id, m.email_address)
    expect_mfa_pending(primary)
    opts = primary.mfa_required.member_options
    ok(opts is not None, "member_options null for an enrolled member")
    ok(opts.mfa_phone_number, "member_options.mfa_phone_number is empty")
    # The member has a verified phone: Stytch sends the SMS itself (CONTRACT R3).
    eq(primary.mfa_required.secondary_auth_initiated, "sms_otp", "mfa_required.secondary_auth_initiated")
    code = c.latest_sms_code(m.member_id)
    done = c.v(
        c.client.otps.sms.authenticate(
            organization_id=org.organization_id,
            member_id=m.member_id,
            code=code,
            intermediate_session_token=primary.intermediate_session_token,
        )
    )
    expect_mfa_session(done, m.member_id, "otp")


@check("sms_otp.optional_enrollment")
def _(c: Ctx) -> None:
    org, m, login = logged_in(c, "OPTIONAL")
    c.v(
        c.client.otps.sms.send(
            organization_id=org.organization_id,
            member_id=m.member_id,
            mfa_phone_number=PHONE,
            session_token=login.session_token,
        )
    )
    code = c.latest_sms_code(m.member_id)
    r = c.v(
        c.client.otps.sms.authenticate(
            organization_id=org.organization_id,
            member_id=m.member_id,
            code=code,
            session_token=login.session_token,
            set_mfa_enrollment="enroll",
            set_default_mfa=True,
        )
    )
    eq(r.member.mfa_enrolled, True, "mfa_enrolled after set_mfa_enrollment=enroll")
    eq(r.member.default_mfa_method, "sms_otp", "default_mfa_method after set_default_mfa")
    eq(r.member.mfa_phone_number_verified, True, "mfa_phone_number_verified")
    ok("otp" in factor_types(r.member_session), "step-up session lacks the otp factor")
    # Enrolled in an OPTIONAL org: the next login needs MFA.
    nxt = c.magic_link_login(org.organization_id, m.email_address)
    expect_mfa_pending(nxt)
    eq(nxt.mfa_required.secondary_auth_initiated, "sms_otp", "mfa_required.secondary_auth_initiated")
    un = c.v(
        c.client.otps.sms.authenticate(
            organization_id=org.organization_id,
            member_id=m.member_id,
            code=c.latest_sms_code(m.member_id),
            intermediate_session_token=nxt.intermediate_session_token,
            set_mfa_enrollment="unenroll",
        )
    )
    eq(un.member.mfa_enrolled, False, "mfa_enrolled after set_mfa_enrollment=unenroll")
    again = c.magic_link_login(org.organization_id, m.email_address)
    expect_full_session(again, m.member_id, org.organization_id)


@check("sms_otp.error_wrong_code")
def _(c: Ctx) -> None:
    org = c.new_org("REQUIRED_FOR_ALL")
    m = c.new_member(org.organization_id)
    primary = c.magic_link_login(org.organization_id, m.email_address)
    c.v(
        c.client.otps.sms.send(
            organization_id=org.organization_id,
            member_id=m.member_id,
            mfa_phone_number=PHONE,
            intermediate_session_token=primary.intermediate_session_token,
        )
    )
    real = c.latest_sms_code(m.member_id)
    wrong = "000000" if real != "000000" else "111111"
    expect_error(
        "otp_code_not_found",
        c.client.otps.sms.authenticate,
        organization_id=org.organization_id,
        member_id=m.member_id,
        code=wrong,
        intermediate_session_token=primary.intermediate_session_token,
    )


@check("sms_otp.error_expired_ist")
def _(c: Ctx) -> None:
    org = c.new_org("REQUIRED_FOR_ALL")
    m = c.new_member(org.organization_id)
    primary = c.magic_link_login(org.organization_id, m.email_address)
    c.advance_clock(11 * 60)
    expect_error(
        "intermediate_session_not_found",
        c.client.otps.sms.send,
        organization_id=org.organization_id,
        member_id=m.member_id,
        mfa_phone_number=PHONE,
        intermediate_session_token=primary.intermediate_session_token,
    )


# ---- TOTP -----------------------------------------------------------------------------------


@check("totp.required_enrollment")
def _(c: Ctx) -> None:
    org, m, created, done = c.totp_enroll_required()
    ok(created.totp_registration_id, "totp_registration_id empty")
    ok(created.secret, "secret empty")
    ok(created.qr_code.startswith("data:image/png;base64,"), f"qr_code {created.qr_code[:40]!r}")
    eq(len(created.recovery_codes), 10, "number of recovery codes")
    expect_mfa_session(done, m.member_id, "totp")
    eq(done.member.totp_registration_id, created.totp_registration_id, "member.totp_registration_id")
    eq(done.member.mfa_enrolled, True, "mfa_enrolled after enrollment")


@check("totp.returning_login")
def _(c: Ctx) -> None:
    org, m, created, _ = c.totp_enroll_required()
    c.advance_clock(30)  # a fresh TOTP window: the enrollment code must not be replayed
    primary = c.magic_link_login(org.organization_id, m.email_address)
    expect_mfa_pending(primary)
    opts = primary.mfa_required.member_options
    ok(opts is not None, "member_options null for an enrolled member")
    eq(opts.totp_registration_id, created.totp_registration_id, "member_options.totp_registration_id")
    done = c.v(
        c.client.totps.authenticate(
            organization_id=org.organization_id,
            member_id=m.member_id,
            code=c.totp_code(org.organization_id, m.member_id),
            intermediate_session_token=primary.intermediate_session_token,
        )
    )
    expect_mfa_session(done, m.member_id, "totp")


@check("totp.optional_enrollment")
def _(c: Ctx) -> None:
    org, m, login = logged_in(c, "OPTIONAL")
    created = c.v(
        c.client.totps.create(organization_id=org.organization_id, member_id=m.member_id, session_token=login.session_token)
    )
    r = c.v(
        c.client.totps.authenticate(
            organization_id=org.organization_id,
            member_id=m.member_id,
            code=c.totp_code(org.organization_id, m.member_id),
            session_token=login.session_token,
            set_mfa_enrollment="enroll",
            set_default_mfa=True,
        )
    )
    eq(r.member.mfa_enrolled, True, "mfa_enrolled after set_mfa_enrollment=enroll")
    eq(r.member.default_mfa_method, "totp", "default_mfa_method after set_default_mfa")
    eq(r.member.totp_registration_id, created.totp_registration_id, "totp_registration_id")
    ok("totp" in factor_types(r.member_session), "step-up session lacks the totp factor")
    nxt = c.magic_link_login(org.organization_id, m.email_address)
    expect_mfa_pending(nxt)


@check("totp.delete_totp")
def _(c: Ctx) -> None:
    org, m, created, _ = c.totp_enroll_required()
    r = c.v(c.client.organizations.members.delete_totp(organization_id=org.organization_id, member_id=m.member_id))
    eq(r.member.totp_registration_id, "", "totp_registration_id after delete_totp")
    primary = c.magic_link_login(org.organization_id, m.email_address)
    expect_mfa_pending(primary)


@check("totp.migrate")
def _(c: Ctx) -> None:
    org = c.new_org("REQUIRED_FOR_ALL")
    m = c.new_member(org.organization_id)
    mig = c.v(
        c.client.totps.migrate(
            organization_id=org.organization_id,
            member_id=m.member_id,
            secret=MIGRATED_TOTP_SECRET,
            recovery_codes=[],
        )
    )
    ok(mig.totp_registration_id, "totp_registration_id empty after migrate")
    primary = c.magic_link_login(org.organization_id, m.email_address)
    expect_mfa_pending(primary)
    opts = primary.mfa_required.member_options
    ok(opts is not None, "member_options null after totps.migrate")
    eq(opts.totp_registration_id, mig.totp_registration_id, "member_options.totp_registration_id")
    done = c.v(
        c.client.totps.authenticate(
            organization_id=org.organization_id,
            member_id=m.member_id,
            code=totp_at(MIGRATED_TOTP_SECRET, c.mock_now()),
            intermediate_session_token=primary.intermediate_session_token,
        )
    )
    expect_mfa_session(done, m.member_id, "totp")


@check("totp.error_wrong_code")
def _(c: Ctx) -> None:
    org, m, _, _ = c.totp_enroll_required()
    primary = c.magic_link_login(org.organization_id, m.email_address)
    real = c.totp_code(org.organization_id, m.member_id)
    wrong = "000000" if real != "000000" else "111111"
    expect_error(
        "unable_to_authenticate_totp",
        c.client.totps.authenticate,
        organization_id=org.organization_id,
        member_id=m.member_id,
        code=wrong,
        intermediate_session_token=primary.intermediate_session_token,
    )


@check("totp.error_expired_ist")
def _(c: Ctx) -> None:
    org = c.new_org("REQUIRED_FOR_ALL")
    m = c.new_member(org.organization_id)
    primary = c.magic_link_login(org.organization_id, m.email_address)
    c.v(
        c.client.totps.create(
            organization_id=org.organization_id,
            member_id=m.member_id,
            intermediate_session_token=primary.intermediate_session_token,
        )
    )
    c.advance_clock(11 * 60)
    expect_error(
        "intermediate_session_not_found",
        c.client.totps.authenticate,
        organization_id=org.organization_id,
        member_id=m.member_id,
        code=c.totp_code(org.organization_id, m.member_id),
        intermediate_session_token=primary.intermediate_session_token,
    )


# ---- recovery codes -------------------------------------------------------------------------


@check("recovery_codes.get")
def _(c: Ctx) -> None:
    org, m, created, _ = c.totp_enroll_required()
    r = c.v(c.client.recovery_codes.get(organization_id=org.organization_id, member_id=m.member_id))
    eq(sorted(r.recovery_codes), sorted(created.recovery_codes), "recovery codes from get")


@check("recovery_codes.recover")
def _(c: Ctx) -> None:
    org, m, created, _ = c.totp_enroll_required()
    primary = c.magic_link_login(org.organization_id, m.email_address)
    expect_mfa_pending(primary)
    r = c.v(
        c.client.recovery_codes.recover(
            organization_id=org.organization_id,
            member_id=m.member_id,
            recovery_code=created.recovery_codes[0],
            intermediate_session_token=primary.intermediate_session_token,
        )
    )
    expect_mfa_session(r, m.member_id, "recovery_codes")
    eq(r.recovery_codes_remaining, 9, "recovery_codes_remaining")
    again = c.magic_link_login(org.organization_id, m.email_address)
    expect_error(
        "unable_to_authenticate_recovery_code",
        c.client.recovery_codes.recover,
        organization_id=org.organization_id,
        member_id=m.member_id,
        recovery_code=created.recovery_codes[0],
        intermediate_session_token=again.intermediate_session_token,
    )


@check("recovery_codes.rotate")
def _(c: Ctx) -> None:
    org, m, created, _ = c.totp_enroll_required()
    r = c.v(c.client.recovery_codes.rotate(organization_id=org.organization_id, member_id=m.member_id))
    eq(len(r.recovery_codes), 10, "number of rotated codes")
    ok(not set(r.recovery_codes) & set(created.recovery_codes), "rotated codes overlap the old ones")
    primary = c.magic_link_login(org.organization_id, m.email_address)
    expect_error(
        "unable_to_authenticate_recovery_code",
        c.client.recovery_codes.recover,
        organization_id=org.organization_id,
        member_id=m.member_id,
        recovery_code=created.recovery_codes[1],
        intermediate_session_token=primary.intermediate_session_token,
    )
    ok_resp = c.v(
        c.client.recovery_codes.recover(
            organization_id=org.organization_id,
            member_id=m.member_id,
            recovery_code=r.recovery_codes[0],
            intermediate_session_token=primary.intermediate_session_token,
        )
    )
    expect_mfa_session(ok_resp, m.member_id, "recovery_codes")


@check("recovery_codes.error_wrong_code")
def _(c: Ctx) -> None:
    org, m, _, _ = c.totp_enroll_required()
    primary = c.magic_link_login(org.organization_id, m.email_address)
    expect_error(
        "unable_to_authenticate_recovery_code",
        c.client.recovery_codes.recover,
        organization_id=org.organization_id,
        member_id=m.member_id,
        recovery_code="zzzz-zzzz-zzzz",
        intermediate_session_token=primary.intermediate_session_token,
    )


@check("recovery_codes.error_expired_ist")
def _(c: Ctx) -> None:
    org, m, created, _ = c.totp_enroll_required()
    primary = c.magic_link_login(org.organization_id, m.email_address)
    c.advance_clock(11 * 60)
    expect_error(
        "intermediate_session_not_found",
        c.client.recovery_codes.recover,
        organization_id=org.organization_id,
        member_id=m.member_id,
        recovery_code=created.recovery_codes[0],
        intermediate_session_token=primary.intermediate_session_token,
    )


# --------------------------------------------------------------------------------------------


def selected(name: str) -> bool:
    if not SELECTED:
        return True
    return any(name == s or name.startswith(s + ".") for s in SELECTED)


def main() -> int:
    global CURRENT_CHECK
    ctx = Ctx(BASE_URL)
    passed = failed = 0
    for name, fn in CHECKS:
        if not selected(name):
            continue
        CURRENT_CHECK = name
        try:
            fn(ctx)
        except Exception as e:  # noqa: BLE001 - every failure is reported per check
            failed += 1
            kind = type(e).__name__
            msg = str(e).replace("\n", " | ")
            if isinstance(e, (pydantic.ValidationError, StytchError)):
                msg += " || last HTTP: " + describe_last(ctx.session)
            print(f"FAIL {name}: {kind}: {msg}", flush=True)
            print(f"--- {name} ---", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
        else:
            passed += 1
            print(f"PASS {name}", flush=True)
    print(f"python: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
