"""pytest plugin (entry point `pytest11`): mock-stytch as fixtures.

* `stytch_mock` (session): one mock for the whole run, started on first use, stopped at the end.
* `stytch_mock_fresh` (function): the same mock, reset (all data wiped) before the test.
* `stytch_mock_factory` (session): `start(**kwargs)` for extra instances (another seed, TLS
  next to plain HTTP; `MockStytch.start`'s arguments); all stopped at the end.

Settings (command line, else environment, else default):

  --stytch-mock-bin PATH   STYTCH_MOCK_BIN    the binary (default: the one this wheel installed)
  --stytch-mock-db PATH    STYTCH_MOCK_DB     a SQLite file, kept after the run (default: memory)
  --stytch-mock-seed N     STYTCH_MOCK_SEED   the seed (default 42; `random`: let the mock pick)
  --stytch-mock-tls        STYTCH_MOCK_TLS=1  serve HTTPS; the SDK client trusts the local CA

A failing test that used one of the fixtures gets the mock's log lines from its run attached to
its report (section "mock-stytch log"). Importing this module starts nothing.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional

import pytest

from mock_stytch import DEFAULT_SEED, MockStytch

_FIXTURES = ("stytch_mock", "stytch_mock_fresh", "stytch_mock_factory")
_LOG_LINES = 200
_STARTED = pytest.StashKey[List[MockStytch]]()
_LOG_MARK = pytest.StashKey[Dict[int, int]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock-stytch", "mock-stytch (Stytch B2B mock) fixtures")
    group.addoption("--stytch-mock-bin", default=None, help="mock-stytch binary (env STYTCH_MOCK_BIN)")
    group.addoption("--stytch-mock-db", default=None, help="SQLite file to use and keep (env STYTCH_MOCK_DB); default in memory")
    group.addoption("--stytch-mock-seed", default=None, help="seed, or 'random' (env STYTCH_MOCK_SEED); default 42")
    group.addoption("--stytch-mock-tls", action="store_true", default=None, help="serve HTTPS with a local CA (env STYTCH_MOCK_TLS=1)")


def _setting(config: pytest.Config, option: str, env: str) -> Optional[str]:
    value = config.getoption(option)
    if value is None:
        value = os.environ.get(env) or None
    return value


def settings(config: pytest.Config) -> Dict[str, Any]:
    """The keyword arguments `stytch_mock` starts with, from options and environment."""
    seed_text = _setting(config, "stytch_mock_seed", "STYTCH_MOCK_SEED")
    if seed_text is None:
        seed: Optional[int] = DEFAULT_SEED
    elif seed_text.lower() == "random":
        seed = None
    else:
        seed = int(seed_text)
    tls = _setting(config, "stytch_mock_tls", "STYTCH_MOCK_TLS")
    return {
        "binary": _setting(config, "stytch_mock_bin", "STYTCH_MOCK_BIN"),
        "db": _setting(config, "stytch_mock_db", "STYTCH_MOCK_DB"),
        "seed": seed,
        "tls": tls is True or str(tls).lower() in ("1", "true", "yes"),
    }


class Factory:
    """Starts extra mocks for this session; each is stopped when the session ends."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started: List[MockStytch] = []

    def start(self, **kwargs: Any) -> MockStytch:
        """A new mock with `MockStytch.start`'s defaults (in memory, seed 42); only the binary
        comes from the options (the database and TLS options are `stytch_mock`'s)."""
        merged = {"binary": settings(self.config)["binary"], **kwargs}
        mock = MockStytch.start(**merged)
        self.started.append(mock)
        self.config.stash.setdefault(_STARTED, []).append(mock)
        return mock

    def close(self) -> None:
        for mock in self.started:
            mock.close()


@pytest.fixture(scope="session")
def stytch_mock_factory(pytestconfig: pytest.Config) -> Iterator[Factory]:
    factory = Factory(pytestconfig)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="session")
def stytch_mock(stytch_mock_factory: Factory) -> MockStytch:
    """The session's mock: in memory, seed 42, on a free loopback port (see module doc)."""
    return stytch_mock_factory.start(**settings(stytch_mock_factory.config))


@pytest.fixture
def stytch_mock_fresh(stytch_mock: MockStytch) -> MockStytch:
    """`stytch_mock`, reset before this test: no organization, member or message of another test."""
    stytch_mock.reset()
    return stytch_mock


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not any(name in getattr(item, "fixturenames", ()) for name in _FIXTURES):
        return
    started = item.config.stash.get(_STARTED, [])
    marks = item.stash.setdefault(_LOG_MARK, {})
    if call.when == "setup" and not report.failed:
        # Log lines from here on belong to this test (a failed setup shows the whole tail).
        for mock in started:
            marks[id(mock)] = len(mock.log().splitlines())
    if not report.failed:
        return
    for mock in started:
        lines = mock.log().splitlines()[marks.get(id(mock), 0):][-_LOG_LINES:]
        title = f"mock-stytch log ({mock.base_url}, {report.when})"
        report.sections.append((title, "\n".join(lines) or "(nothing logged during this test)"))
