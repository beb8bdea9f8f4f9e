"""Run mock-stytch (a stateful mock of the Stytch B2B API) from Python tests.

`MockStytch.start()` launches the `mock-stytch` binary shipped in this wheel on a free loopback
port (`--listen 127.0.0.1:0`, the port is read from its start banner), in memory with a fixed
seed unless told otherwise, and waits for `/_mock/health`. The object it returns knows the base
URL and credentials, builds an official `stytch.B2BClient` pointed at the mock, and wraps the
control API (`/_mock/...`: outbox, virtual clock, reset, TOTP codes, SSO/OAuth tokens) with the
standard library only. `tls=True` serves HTTPS with the mock's local CA (`mock-stytch --tls`).

The pytest fixtures are in `mock_stytch.pytest_plugin` (loaded automatically by pytest).
This module never talks to anything but the mock it started, and never reads the user's
MOCK_STYTCH_* / STYTCH_* variables into the child (every setting is passed explicitly).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sysconfig
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

__all__ = ["MockStytch", "MockStytchError", "find_binary", "DEFAULT_PROJECT_ID", "DEFAULT_SECRET"]

DEFAULT_PROJECT_ID = "project-test-11111111-2222-4333-8444-555555555555"
DEFAULT_SECRET = "secret-test-mock-stytch-local-only-000000000"
DEFAULT_SEED = 42
_BANNER = re.compile(r"mock-stytch listening on (https?://\S+)")
# Variables the binary reads (clap `env =`): stripped from the child so only our args count.
_BINARY_ENV = ("STYTCH_PROJECT_ID", "STYTCH_SECRET")


class MockStytchError(RuntimeError):
    """The mock did not start, or a control-API call failed; the message carries the log tail."""


def find_binary(explicit: Optional[str] = None) -> str:
    """`explicit`, else $STYTCH_MOCK_BIN, else the binary this wheel installed, else PATH."""
    for candidate in (explicit, os.environ.get("STYTCH_MOCK_BIN")):
        if candidate:
            if not Path(candidate).is_file():
                raise MockStytchError(f"mock-stytch binary {candidate!r} does not exist")
            return str(candidate)
    # The wheel's scripts folder: found even when the venv is not activated.
    name = "mock-stytch.exe" if os.name == "nt" else "mock-stytch"
    scripts = Path(sysconfig.get_path("scripts")) / name
    if scripts.is_file():
        return str(scripts)
    found = shutil.which("mock-stytch")
    if found:
        return found
    raise MockStytchError("no mock-stytch binary: pip install mock-stytch, or set STYTCH_MOCK_BIN")


class MockStytch:
    """One running mock-stytch process. Use `MockStytch.start(...)`; stop with `stop()`."""

    def __init__(self) -> None:
        raise TypeError("use MockStytch.start()")

    @classmethod
    def start(
        cls,
        *,
        binary: Optional[str] = None,
        tls: bool = False,
        seed: Optional[int] = DEFAULT_SEED,
        db: Optional[Union[str, Path]] = None,
        project_id: str = DEFAULT_PROJECT_ID,
        secret: str = DEFAULT_SECRET,
        extra_args: Optional[List[str]] = None,
        startup_timeout: float = 30.0,
    ) -> "MockStytch":
        """Start the binary and wait until it answers `/_mock/health`.

        `db=None` keeps everything in memory; a path is a SQLite file that is kept (and reused
        on the next start). `seed=None` lets the mock choose (and store) one. `tls=True` serves
        HTTPS; the CA is `ca_file` (kept next to `db`, else in this instance's temp folder).
        """
        self = object.__new__(cls)
        self.project_id = project_id
        self.secret = secret
        self.tls = tls
        self.db = Path(db) if db is not None else None
        self.binary = find_binary(binary)
        self._workdir = tempfile.TemporaryDirectory(prefix="mock-stytch-")
        work = Path(self._workdir.name)
        self.log_path = work / "mock-stytch.log"
        args = [self.binary, "--listen", "127.0.0.1:0", "--project-id", project_id, "--secret", secret]
        args += ["--db", str(self.db)] if self.db is not None else ["--in-memory"]
        if seed is not None:
            args += ["--seed", str(seed)]
        self.ca_file: Optional[Path] = None
        if tls:
            tls_dir = Path(str(self.db) + ".tls") if self.db is not None else work / "tls"
            args += ["--tls", "--tls-dir", str(tls_dir)]
            self.ca_file = tls_dir / "ca.pem"
        args += list(extra_args or [])
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOCK_STYTCH_") and k not in _BINARY_ENV}
        env.setdefault("RUST_LOG", "mock_stytch=info")
        env["NO_COLOR"] = "1"  # the log is a file, read by people in test reports
        self.args = args
        self._log = open(self.log_path, "wb")
        self._proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        try:
            self.base_url = self._wait_for_banner(startup_timeout)
            self._opener = self._make_opener()
            self._wait_for_health(startup_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    # ---- process ------------------------------------------------------------------------------

    def _wait_for_banner(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = _BANNER.search(self.log())
            if match:
                return match.group(1)
            if self._proc.poll() is not None:
                raise MockStytchError(f"mock-stytch exited with {self._proc.returncode}:\n{self.log_tail()}")
            time.sleep(0.02)
        raise MockStytchError(f"mock-stytch printed no banner within {timeout} s:\n{self.log_tail()}")

    def _wait_for_health(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                if self.control("GET", "/_mock/health", auth=False).get("ok") is True:
                    return
            except (MockStytchError, OSError) as e:
                last = str(e)
            time.sleep(0.05)
        raise MockStytchError(f"/_mock/health never answered ({last}):\n{self.log_tail()}")

    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGTERM (graceful: in-flight requests finish, the database is closed), then SIGKILL."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()
        return self._proc.returncode

    def close(self) -> None:
        """Stop and remove the temp folder (log, in-memory instance's CA)."""
        self.stop()
        self._workdir.cleanup()

    def __enter__(self) -> "MockStytch":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def log(self) -> str:
        """Everything the mock printed so far (banner, one line per request)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    # ---- clients --------------------------------------------------------------------------------

    @property
    def ca_env(self) -> Dict[str, str]:
        """The variables that make each SDK trust the CA (for a subprocess); empty without TLS."""
        if self.ca_file is None:
            return {}
        ca = str(self.ca_file)
        return {"SSL_CERT_FILE": ca, "REQUESTS_CA_BUNDLE": ca, "NODE_EXTRA_CA_CERTS": ca}

    def client(self, **kwargs: Any) -> Any:
        """An official `stytch.B2BClient` for this mock (needs `pip install stytch`).

        Plain HTTP goes through `environment=`; with TLS through `custom_base_url=` and a
        requests session that trusts exactly `ca_file`. (`authenticate_jwt_local` fetches the
        JWKS with urllib: over TLS set SSL_CERT_FILE=`ca_file` in the test process for that.)
        """
        try:
            import stytch  # noqa: PLC0415 - optional dependency
        except ImportError as e:
            raise MockStytchError("client() needs the official SDK: pip install stytch") from e
        kwargs.setdefault("suppress_warnings", True)
        if self.ca_file is None:
            return stytch.B2BClient(project_id=self.project_id, secret=self.secret, environment=self.base_url, **kwargs)
        if "sync_session" not in kwargs:
            import requests  # noqa: PLC0415 - the SDK depends on it

            session = requests.Session()
            # trust_env=False: REQUESTS_CA_BUNDLE would override `verify` (and proxies must not
            # see loopback traffic).
            session.trust_env = False
            session.verify = str(self.ca_file)
            kwargs["sync_session"] = session
        return stytch.B2BClient(project_id=self.project_id, secret=self.secret, custom_base_url=self.base_url, **kwargs)

    def _make_opener(self) -> urllib.request.OpenerDirector:
        handlers: List[Any] = [urllib.request.ProxyHandler({})]
        if self.ca_file is not None:
            handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=str(self.ca_file))))
        return urllib.request.build_opener(*handlers)

    def control(self, method: str, path: str, body: Optional[dict] = None, params: Optional[dict] = None, auth: bool = True,
                data: Optional[bytes] = None, content_type: str = "application/json") -> Dict[str, Any]:
        """One control-API call; returns the JSON body, raises MockStytchError unless 200.
        `body` is sent as JSON; `data` as it is, with `content_type`."""
        url = self.base_url + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if query:
            url += "?" + urllib.parse.urlencode(query)
        if body is not None:
            data = json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if auth:
            import base64  # noqa: PLC0415

            token = base64.b64encode(f"{self.project_id}:{self.secret}".encode()).decode()
            req.add_header("Authorization", "Basic " + token)
        try:
            with self._opener.open(req, timeout=30) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise MockStytchError(f"{method} {path} -> {e.code}: {e.read()[:500]!r}") from e

    # ---- control API ------------------------------------------------------------------------

    def outbox(self, to: Optional[str] = None, channel: Optional[str] = None, organization_id: Optional[str] = None,
               member_id: Optional[str] = None, kind: Optional[str] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Messages the mock "sent" (emails, SMS), newest first, filtered as given."""
        params = {"to": to, "channel": channel, "organization_id": organization_id, "member_id": member_id,
                  "kind": kind, "limit": limit}
        return self.control("GET", "/_mock/outbox", params=params)["messages"]

    def _newest(self, field: str, timeout: float, **filters: Any) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.outbox(**filters):
                if msg.get(field):
                    return msg[field]
            if time.monotonic() >= deadline:
                raise MockStytchError(f"no message with a {field} in the outbox for {filters}")
            time.sleep(0.05)

    def latest_code(self, to: str, channel: Optional[str] = None, timeout: float = 5.0) -> str:
        """The newest OTP code sent to `to` (a phone number or an email), waiting up to `timeout`."""
        return self._newest("code", timeout, to=to, channel=channel)

    def magic_link_token(self, email: str, timeout: float = 5.0) -> str:
        """The token of the newest magic-link (or reset) email to `email`."""
        return self._newest("token", timeout, to=email, channel="email")

    def totp_code(self, organization_id: str, member_id: str) -> str:
        """The member's current TOTP code on the mock's virtual clock."""
        q = {"organization_id": organization_id, "member_id": member_id}
        return self.control("GET", "/_mock/totp/code", params=q)["code"]

    def clock(self) -> Dict[str, Any]:
        return self.control("GET", "/_mock/clock")

    def advance(self, seconds: int) -> Dict[str, Any]:
        """Move the virtual clock forward (expiries, TOTP windows, locks)."""
        return self.control("POST", "/_mock/clock", body={"advance_seconds": int(seconds)})

    def reset(self) -> None:
        """Wipe all data and restart the id sequence and clock offset (config is kept)."""
        self.control("POST", "/_mock/reset")

    def sso_token(self, organization_id: str, email_address: str, connection_id: Optional[str] = None) -> str:
        """A single-use `sso_token` for `sso.authenticate`, as if the IdP had answered."""
        body = {"organization_id": organization_id, "email_address": email_address}
        if connection_id is not None:
            body["connection_id"] = connection_id
        return self.control("POST", "/_mock/sso/token", body=body)["token"]

    def oauth_token(self, organization_id: str, email_address: str, provider: str = "google") -> str:
        """A single-use `oauth_token` for `oauth.authenticate` (google microsoft hubspot slack github)."""
        body = {"organization_id": organization_id, "email_address": email_address, "provider": provider}
        return self.control("POST", "/_mock/oauth/token", body=body)["token"]

    def requests(self, limit: int = 100) -> List[Dict[str, Any]]:
        """The mock's recent requests (bodies redacted), newest first."""
        return self.control("GET", "/_mock/requests", params={"limit": limit})["requests"]

    # ---- faults, fixtures, snapshots (README: Faults, Fixtures, Snapshots) -------------------

    def add_fault(self, rule: Dict[str, Any]) -> Dict[str, Any]:
        """Add a fault rule, e.g. ``{"path": "/v1/b2b/otps/sms/send", "action": {"kind":
        "too_many_requests"}, "times": 1}``; returns it with its ``id``."""
        return self.control("POST", "/_mock/faults", body=rule)["fault"]

    def faults(self) -> List[Dict[str, Any]]:
        """The fault rules with their ``hits`` and ``remaining``."""
        return self.control("GET", "/_mock/faults")["faults"]

    def remove_fault(self, fault_id: str) -> None:
        self.control("DELETE", f"/_mock/faults/{urllib.parse.quote(fault_id)}")

    def clear_faults(self) -> None:
        self.control("DELETE", "/_mock/faults")

    def load_fixtures(self, document: Union[Dict[str, Any], str]) -> Dict[str, Any]:
        """Load a fixture document (a dict, or YAML text); returns what was created, updated or
        unchanged, with the ids by alias (``["members"]["ada"]["member_id"]``)."""
        if isinstance(document, str):
            return self.control("POST", "/_mock/fixtures", data=document.encode(), content_type="application/yaml")
        return self.control("POST", "/_mock/fixtures", body=document)

    def snapshot_to(self, path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
        """Write a consistent copy of the whole state to `path` (on this machine); ``{path, size_bytes}``."""
        return self.control("POST", "/_mock/snapshot", body={"path": os.path.abspath(path)})

    def restore_from(self, path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
        """Replace the state by a snapshot's: the same requests then get the same answers."""
        return self.control("POST", "/_mock/restore", body={"path": os.path.abspath(path)})

    def __repr__(self) -> str:
        return f"MockStytch({self.base_url!r}, tls={self.tls}, running={self.running})"
