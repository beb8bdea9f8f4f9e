#!/usr/bin/env python3
"""Regenerate tests/sdk/schemas/ from the pinned official Python SDK (stytch==15.3.0).

Each file is `<sdk module>.<Response>.json`: the JSON Schema (draft 2020-12) pydantic derives
from that SDK response model, i.e. exactly what the SDK accepts when it parses a success body.
The mock's tests (mock-stytch/tests/api/schema.rs) and the SDK suite (compat.py) validate every
success body against them; the SDK test group `sdk::schemas_match_pinned_sdk` runs this script
into a temporary folder and fails when the committed files differ.

Usage (with the SDK installed, e.g. the suite's venv target/sdk-venv):
    target/sdk-venv/bin/python tests/sdk/python/gen_schemas.py [OUT_DIR]
OUT_DIR defaults to tests/sdk/schemas beside this script. The set of models is MODELS below:
add a response there, run the script, commit the new file.
"""

import importlib
import json
import os
import sys

# (module under stytch.b2b.models, response class): the MFA-relevant B2B success responses.
MODELS = [
    ("discovery_intermediate_sessions", "ExchangeResponse"),
    ("magic_links", "AuthenticateResponse"),
    ("magic_links_email", "InviteResponse"),
    ("magic_links_email", "LoginOrSignupResponse"),
    ("oauth", "AuthenticateResponse"),
    ("organizations", "CreateResponse"),
    ("organizations", "DeleteResponse"),
    ("organizations", "GetResponse"),
    ("organizations", "SearchResponse"),
    ("organizations", "UpdateResponse"),
    ("organizations_members", "CreateResponse"),
    ("organizations_members", "DeleteMFAPhoneNumberResponse"),
    ("organizations_members", "DeletePasswordResponse"),
    ("organizations_members", "DeleteResponse"),
    ("organizations_members", "DeleteTOTPResponse"),
    ("organizations_members", "GetResponse"),
    ("organizations_members", "SearchResponse"),
    ("organizations_members", "UpdateResponse"),
    ("otp_sms", "AuthenticateResponse"),
    ("otp_sms", "SendResponse"),
    ("passwords", "AuthenticateResponse"),
    ("passwords", "MigrateResponse"),
    ("passwords", "StrengthCheckResponse"),
    ("passwords_email", "ResetResponse"),
    ("passwords_email", "ResetStartResponse"),
    ("passwords_existing_password", "ResetResponse"),
    ("passwords_session", "ResetResponse"),
    ("recovery_codes", "GetResponse"),
    ("recovery_codes", "RecoverResponse"),
    ("recovery_codes", "RotateResponse"),
    ("sessions", "AuthenticateResponse"),
    ("sessions", "ExchangeResponse"),
    ("sessions", "GetJWKSResponse"),
    ("sessions", "GetResponse"),
    ("sessions", "RevokeResponse"),
    ("sso", "AuthenticateResponse"),
    ("totps", "AuthenticateResponse"),
    ("totps", "CreateResponse"),
    ("totps", "MigrateResponse"),
]

PINNED_SDK = "15.3.0"


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas")
    import stytch

    if stytch.__version__ != PINNED_SDK:
        print(f"gen_schemas: stytch {stytch.__version__} is installed; the schemas come from {PINNED_SDK}", file=sys.stderr)
        return 1
    os.makedirs(out, exist_ok=True)
    for module, cls in MODELS:
        model = getattr(importlib.import_module(f"stytch.b2b.models.{module}"), cls)
        text = json.dumps(model.model_json_schema(), indent=1, sort_keys=True)
        with open(os.path.join(out, f"{module}.{cls}.json"), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"gen_schemas: wrote {len(MODELS)} schemas to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
