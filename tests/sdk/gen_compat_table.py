#!/usr/bin/env python3
"""Regenerates the SDK x endpoint table of COMPATIBILITY.md from a wire dump.

    rm -f /tmp/compat.jsonl
    COMPAT_DUMP=/tmp/compat.jsonl cargo test -p stytch-mfa-tests --test sdk -- python
    python3 tests/sdk/gen_compat_table.py /tmp/compat.jsonl > /tmp/table.md

The dump (written by python/compat.py when COMPAT_DUMP is set) says which check sent which
request and what came back, so every cell names the checks that really exercised the endpoint.
The Node script has a check of the same name for each (the Rust harness requires both SDKs to
run the same list), calling the Node method named in the table.
"""

import json
import re
import sys
from collections import defaultdict

# (verb, path regex, Python method, Node method)
ENDPOINTS = [
    ("POST", r"/v1/b2b/organizations", "organizations.create", "organizations.create"),
    ("GET", r"/v1/b2b/organizations/[^/]+", "organizations.get", "organizations.get"),
    ("PUT", r"/v1/b2b/organizations/[^/]+", "organizations.update", "organizations.update"),
    ("DELETE", r"/v1/b2b/organizations/[^/]+", "organizations.delete", "organizations.delete"),
    ("POST", r"/v1/b2b/organizations/search", "organizations.search", "organizations.search"),
    ("GET", r"/v1/b2b/organizations/[^/]+/metrics", "organizations.metrics", "organizations.metrics"),
    ("POST", r"/v1/b2b/organizations/[^/]+/members", "organizations.members.create", "organizations.members.create"),
    ("GET", r"/v1/b2b/organizations/[^/]+/member", "organizations.members.get", "organizations.members.get"),
    ("PUT", r"/v1/b2b/organizations/[^/]+/members/[^/]+", "organizations.members.update", "organizations.members.update"),
    ("DELETE", r"/v1/b2b/organizations/[^/]+/members/mfa_phone_numbers/[^/]+", "organizations.members.delete_mfa_phone_number", "organizations.members.deleteMFAPhoneNumber"),
    ("DELETE", r"/v1/b2b/organizations/[^/]+/members/passwords/[^/]+", "organizations.members.delete_password", "organizations.members.deletePassword"),
    ("DELETE", r"/v1/b2b/organizations/[^/]+/members/[^/]+/totp", "organizations.members.delete_totp", "organizations.members.deleteTOTP"),
    ("DELETE", r"/v1/b2b/organizations/[^/]+/members/[^/]+", "organizations.members.delete", "organizations.members.delete"),
    ("PUT", r"/v1/b2b/organizations/[^/]+/members/[^/]+/reactivate", "organizations.members.reactivate", "organizations.members.reactivate"),
    ("POST", r"/v1/b2b/organizations/members/search", "organizations.members.search", "organizations.members.search"),
    ("GET", r"/v1/b2b/organizations/members/dangerously_get/[^/]+", "organizations.members.dangerously_get", "organizations.members.dangerouslyGet"),
    ("POST", r"/v1/b2b/magic_links/email/login_or_signup", "magic_links.email.login_or_signup", "magicLinks.email.loginOrSignup"),
    ("POST", r"/v1/b2b/magic_links/email/invite", "magic_links.email.invite", "magicLinks.email.invite"),
    ("POST", r"/v1/b2b/magic_links/authenticate", "magic_links.authenticate", "magicLinks.authenticate"),
    ("POST", r"/v1/b2b/otps/email/login_or_signup", "otps.email.login_or_signup", "otps.email.loginOrSignup"),
    ("POST", r"/v1/b2b/otps/email/authenticate", "otps.email.authenticate", "otps.email.authenticate"),
    ("POST", r"/v1/b2b/passwords/strength_check", "passwords.strength_check", "passwords.strengthCheck"),
    ("POST", r"/v1/b2b/passwords/migrate", "passwords.migrate", "passwords.migrate"),
    ("POST", r"/v1/b2b/passwords/authenticate", "passwords.authenticate", "passwords.authenticate"),
    ("POST", r"/v1/b2b/passwords/email/reset/start", "passwords.email.reset_start", "passwords.email.resetStart"),
    ("POST", r"/v1/b2b/passwords/email/reset", "passwords.email.reset", "passwords.email.reset"),
    ("POST", r"/v1/b2b/passwords/existing_password/reset", "passwords.existing_password.reset", "passwords.existingPassword.reset"),
    ("POST", r"/v1/b2b/passwords/session/reset", "passwords.sessions.reset", "passwords.sessions.reset"),
    ("POST", r"/v1/b2b/sso/authenticate", "sso.authenticate", "sso.authenticate"),
    ("POST", r"/v1/b2b/oauth/authenticate", "oauth.authenticate", "oauth.authenticate"),
    ("POST", r"/v1/b2b/discovery/intermediate_sessions/exchange", "discovery.intermediate_sessions.exchange", "discovery.intermediateSessions.exchange"),
    ("POST", r"/v1/b2b/sessions/authenticate", "sessions.authenticate", "sessions.authenticate"),
    ("GET", r"/v1/b2b/sessions", "sessions.get", "sessions.get"),
    ("POST", r"/v1/b2b/sessions/revoke", "sessions.revoke", "sessions.revoke"),
    ("POST", r"/v1/b2b/sessions/exchange", "sessions.exchange", "sessions.exchange"),
    ("GET", r"/v1/b2b/sessions/jwks/[^/]+", "sessions.get_jwks", "sessions.getJWKS"),
    ("POST", r"/v1/b2b/otps/sms/send", "otps.sms.send", "otps.sms.send"),
    ("POST", r"/v1/b2b/otps/sms/authenticate", "otps.sms.authenticate", "otps.sms.authenticate"),
    ("POST", r"/v1/b2b/totp", "totps.create", "totps.create"),
    ("POST", r"/v1/b2b/totp/authenticate", "totps.authenticate", "totps.authenticate"),
    ("POST", r"/v1/b2b/totp/migrate", "totps.migrate", "totps.migrate"),
    ("POST", r"/v1/b2b/recovery_codes/recover", "recovery_codes.recover", "recoveryCodes.recover"),
    ("GET", r"/v1/b2b/recovery_codes/[^/]+/[^/]+", "recovery_codes.get", "recoveryCodes.get"),
    ("POST", r"/v1/b2b/recovery_codes/rotate", "recovery_codes.rotate", "recoveryCodes.rotate"),
]

# What the verifiers fetch themselves (no HTTP through the SDK's session, so not in the dump).
LOCAL_ROWS = [
    (
        "JWKS fetched by the local verifier (no auth)",
        "sessions.authenticate_jwt_local / authenticate_jwt",
        "sessions.authenticateJwtLocal / authenticateJwt",
        ["jwt.authenticate_jwt_local", "jwt.rejects_tampered_jwt", "jwt.authenticate_jwt_local_after_restart"],
    )
]

MAX_SHOWN = 4


def family(check: str) -> str:
    return check.split(".", 1)[0]


def main() -> None:
    rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
    hits = defaultdict(lambda: {"ok": set(), "err": defaultdict(set)})
    unmatched = set()
    for r in rows:
        path = r["path"].split("?", 1)[0]
        for i, (verb, pat, _, _) in enumerate(ENDPOINTS):
            if r["method"] == verb and re.fullmatch(pat, path):
                if r["status"] < 400:
                    hits[i]["ok"].add(r["check"])
                else:
                    etype = json.loads(r["body"]).get("error_type", "?")
                    hits[i]["err"][etype].add(r["check"])
                break
        else:
            unmatched.add((r["method"], path))
    print("| endpoint | Python `stytch==15.3.0` | Node `stytch@14.2.0` | checks (success) | checks (error path: `error_type`) |")
    print("|---|---|---|---|---|")
    for i, (verb, pat, py, node) in enumerate(ENDPOINTS):
        path = pat.replace("[^/]+", "{…}")
        h = hits.get(i)
        if not h:
            print(f"| `{verb} {path}` | `{py}` | `{node}` | **not exercised** | |")
            continue
        ok = sorted(h["ok"], key=lambda c: (family(c) not in py.replace("totps", "totp"), c))
        shown = ", ".join(f"`{c}`" for c in ok[:MAX_SHOWN]) + (f" (+{len(ok) - MAX_SHOWN} more)" if len(ok) > MAX_SHOWN else "")
        errs = "; ".join(
            f"`{e}`: " + ", ".join(f"`{c}`" for c in sorted(cs)) for e, cs in sorted(h["err"].items())
        )
        print(f"| `{verb} {path}` | ✅ `{py}` | ✅ `{node}` | {shown} | {errs} |")
    for what, py, node, checks in LOCAL_ROWS:
        print(f"| {what} | ✅ `{py}` | ✅ `{node}` | {', '.join(f'`{c}`' for c in checks)} | |")
    if unmatched:
        print("\nUnmapped requests in the dump: " + ", ".join(f"`{m} {p}`" for m, p in sorted(unmatched)), file=sys.stderr)


if __name__ == "__main__":
    main()
