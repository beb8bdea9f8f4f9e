"""What a user of the wheel writes: the seed guide's required SMS enrollment, then a TOTP step-up
on the live session, through the official SDK, with nothing but the `stytch_mock` fixtures.
Run by ../test-package.sh in a fresh venv holding only the wheel, pytest and the pinned SDK."""

import os


def test_required_sms_enrollment_then_totp_step_up(stytch_mock_fresh):
    mock, client = stytch_mock_fresh, stytch_mock_fresh.client()
    org = client.organizations.create(organization_name="Acme", organization_slug="acme", mfa_policy="REQUIRED_FOR_ALL").organization
    client.organizations.members.create(organization_id=org.organization_id, email_address="ada@acme.test")
    client.magic_links.email.login_or_signup(organization_id=org.organization_id, email_address="ada@acme.test")
    primary = client.magic_links.authenticate(magic_links_token=mock.magic_link_token("ada@acme.test"))
    assert primary.member_authenticated is False and primary.intermediate_session_token
    ist, member_id = primary.intermediate_session_token, primary.member_id

    client.otps.sms.send(organization_id=org.organization_id, member_id=member_id, mfa_phone_number="+14155550100", intermediate_session_token=ist)
    enrolled = client.otps.sms.authenticate(organization_id=org.organization_id, member_id=member_id, code=mock.latest_code("+14155550100"), intermediate_session_token=ist)
    assert enrolled.session_token and enrolled.member.mfa_phone_number_verified

    session = enrolled.session_token
    client.totps.create(organization_id=org.organization_id, member_id=member_id, session_token=session)
    stepped = client.totps.authenticate(organization_id=org.organization_id, member_id=member_id, code=mock.totp_code(org.organization_id, member_id), session_token=session)
    factors = [f.type for f in stepped.member_session.authentication_factors]
    assert "totp" in [str(getattr(t, "value", t)) for t in factors], factors


def test_codes_and_clock_are_the_mocks(stytch_mock_fresh):
    assert stytch_mock_fresh.outbox() == []
    before = stytch_mock_fresh.clock()["offset_seconds"]
    assert stytch_mock_fresh.advance(90)["offset_seconds"] == before + 90


def test_tls_instance_through_custom_base_url(stytch_mock_factory):
    mock = stytch_mock_factory.start(tls=True)
    assert mock.base_url.startswith("https://127.0.0.1:") and mock.ca_file.is_file()
    org = mock.client().organizations.create(organization_name="Tls", organization_slug="tls", mfa_policy="OPTIONAL").organization
    assert org.organization_slug == "tls"
    # Trusted through the fixture's client only, not through this process's environment.
    assert str(mock.ca_file) not in os.environ.get("REQUESTS_CA_BUNDLE", "") + os.environ.get("SSL_CERT_FILE", "")


def test_a_fixture_world_a_fault_and_a_snapshot(stytch_mock_fresh, tmp_path):
    from stytch.core.response_base import StytchError  # noqa: PLC0415

    mock, client = stytch_mock_fresh, stytch_mock_fresh.client()
    loaded = mock.load_fixtures(
        "organizations:\n  acme: {mfa_policy: REQUIRED_FOR_ALL}\n"
        "members:\n  ada: {org: acme, email: ada@acme.test, mfa_phone_number: '+14155550100', mfa_phone_number_verified: true}\n"
    )
    org_id = loaded["organizations"]["acme"]["organization_id"]
    ada = loaded["members"]["ada"]["member_id"]
    assert client.organizations.members.get(organization_id=org_id, member_id=ada).member.mfa_phone_number_verified

    # One 429 on the next member read, then the rule is used up.
    rule = mock.add_fault({"path": "/v1/b2b/organizations/*/member", "action": {"kind": "too_many_requests"}, "times": 1})
    try:
        client.organizations.members.get(organization_id=org_id, member_id=ada)
        raise AssertionError("the fault did not fire")
    except StytchError as e:
        assert e.details.status_code == 429 and e.details.error_type == "too_many_requests"
    assert client.organizations.members.get(organization_id=org_id, member_id=ada).member.member_id == ada
    assert [f["hits"] for f in mock.faults() if f["id"] == rule["id"]] == [1]
    mock.clear_faults()

    # A snapshot, a member created after it, the restore: the member is gone again.
    assert mock.snapshot_to(tmp_path / "world.sqlite")["size_bytes"] > 0
    bob = client.organizations.members.create(organization_id=org_id, email_address="bob@acme.test").member.member_id
    mock.restore_from(tmp_path / "world.sqlite")
    try:
        client.organizations.members.get(organization_id=org_id, member_id=bob)
        raise AssertionError("the restore kept a member created after the snapshot")
    except StytchError as e:
        assert e.details.error_type == "member_not_found"
