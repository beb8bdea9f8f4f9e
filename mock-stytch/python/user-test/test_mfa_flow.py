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
