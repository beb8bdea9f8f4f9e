"""The plugin's own behaviour, run with pytester in the venv that holds only the wheel: a failing
test gets the mock's log, `stytch_mock_fresh` isolates tests, the options reach the binary, and a
missing binary is a clear error. (test-packages.sh runs it next to the user test.)"""

import os

pytest_plugins = ["pytester"]


def test_a_failing_test_gets_the_mock_log_of_its_own_requests(pytester):
    pytester.makepyfile(
        """
        def test_passes(stytch_mock):
            stytch_mock.outbox(to="first@example.com")

        def test_fails(stytch_mock):
            stytch_mock.clock()
            assert False, "boom"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "mock-stytch log" in out
    section = out.split("mock-stytch log", 1)[1]
    assert "path=/_mock/clock" in section  # this test's request ...
    assert "path=/_mock/outbox" not in section  # ... and not the other test's


def test_fresh_resets_between_tests(pytester):
    pytester.makepyfile(
        """
        def test_one(stytch_mock_fresh):
            stytch_mock_fresh.control("POST", "/v1/b2b/organizations", body={"organization_name": "A", "organization_slug": "org-a"})
            assert len(stytch_mock_fresh.control("POST", "/v1/b2b/organizations/search", body={})["organizations"]) == 1

        def test_two(stytch_mock_fresh):
            assert stytch_mock_fresh.control("POST", "/v1/b2b/organizations/search", body={})["organizations"] == []
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_db_and_seed_options_reach_the_binary_and_the_db_is_kept(pytester):
    db = pytester.path / "kept.db"
    pytester.makepyfile(
        """
        def test_args(stytch_mock):
            assert "--db" in stytch_mock.args and "--in-memory" not in stytch_mock.args
            assert stytch_mock.args[stytch_mock.args.index("--seed") + 1] == "7"
            stytch_mock.control("POST", "/v1/b2b/organizations", body={"organization_name": "K", "organization_slug": "org-k"})
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--stytch-mock-db={db}", "--stytch-mock-seed=7")
    result.assert_outcomes(passed=1)
    assert db.is_file() and db.stat().st_size > 0


def test_a_missing_binary_is_a_clear_error(pytester, monkeypatch):
    monkeypatch.setenv("STYTCH_MOCK_BIN", os.path.join(str(pytester.path), "no-such-binary"))
    pytester.makepyfile("def test_x(stytch_mock):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert "no-such-binary" in result.stdout.str() and "does not exist" in result.stdout.str()


def test_the_tls_option_serves_https_and_the_client_trusts_only_the_ca(pytester):
    pytester.makepyfile(
        """
        import pytest, requests

        def test_tls(stytch_mock):
            assert stytch_mock.base_url.startswith("https://127.0.0.1:")
            org = stytch_mock.client().organizations.create(organization_name="T", organization_slug="org-t").organization
            assert org.organization_slug == "org-t"
            with pytest.raises(requests.exceptions.SSLError):
                requests.get(stytch_mock.base_url + "/_mock/health", verify=True)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--stytch-mock-tls")
    result.assert_outcomes(passed=1)
