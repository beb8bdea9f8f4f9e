// What a user of the npm package writes with node:test: the seed guide's required SMS
// enrollment, then a TOTP step-up on the live session, through the official SDK, with nothing
// but startMockStytch(). Run by ../../test-packages.sh in a fresh project.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import stytch from "stytch";
import { startMockStytch } from "mock-stytch";

let mock;
before(async () => { mock = await startMockStytch(); });
after(() => mock.stop());

test("required SMS enrollment, then a TOTP step-up", async () => {
  const client = mock.client();
  const { organization: org } = await client.organizations.create({ organization_name: "Acme", organization_slug: "acme", mfa_policy: "REQUIRED_FOR_ALL" });
  await client.organizations.members.create({ organization_id: org.organization_id, email_address: "ada@acme.test" });
  await client.magicLinks.email.loginOrSignup({ organization_id: org.organization_id, email_address: "ada@acme.test" });
  const primary = await client.magicLinks.authenticate({ magic_links_token: await mock.control.magicLinkToken("ada@acme.test") });
  assert.equal(primary.member_authenticated, false);
  const ist = primary.intermediate_session_token, memberId = primary.member_id, orgId = org.organization_id;

  await client.otps.sms.send({ organization_id: orgId, member_id: memberId, mfa_phone_number: "+14155550100", intermediate_session_token: ist });
  const enrolled = await client.otps.sms.authenticate({ organization_id: orgId, member_id: memberId, code: await mock.control.latestCode("+14155550100"), intermediate_session_token: ist });
  assert.ok(enrolled.session_token);

  await client.totps.create({ organization_id: orgId, member_id: memberId, session_token: enrolled.session_token });
  const stepped = await client.totps.authenticate({ organization_id: orgId, member_id: memberId, code: await mock.control.totpCode(orgId, memberId), session_token: enrolled.session_token });
  assert.ok(stepped.member_session.authentication_factors.some((f) => f.type === "totp"));
});

test("the control API resets and moves the clock", async () => {
  await mock.control.reset();
  assert.deepEqual(await mock.control.outbox(), []);
  const before = (await mock.control.clock()).offset_seconds;
  assert.equal((await mock.control.advance(90)).offset_seconds, before + 90);
});

test("a fixture world, a fault and a snapshot", async () => {
  await mock.control.reset();
  const client = mock.client();
  const loaded = await mock.control.loadFixtures(
    "organizations:\n  acme: {mfa_policy: REQUIRED_FOR_ALL}\nmembers:\n  ada: {org: acme, email: ada@acme.test}\n",
  );
  const orgId = loaded.organizations.acme.organization_id, ada = loaded.members.ada.member_id;
  const get = (memberId) => client.organizations.members.get({ organization_id: orgId, member_id: memberId });

  const rule = await mock.control.addFault({ path: "/v1/b2b/organizations/*/member", action: { kind: "too_many_requests" }, times: 1 });
  await assert.rejects(get(ada), (e) => e instanceof stytch.StytchError && e.status_code === 429 && e.error_type === "too_many_requests");
  assert.equal((await get(ada)).member.member_id, ada);
  assert.deepEqual((await mock.control.faults()).filter((f) => f.id === rule.id).map((f) => f.hits), [1]);
  await mock.control.clearFaults();

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "snap-")), "world.sqlite");
  assert.ok((await mock.control.snapshotTo(file)).size_bytes > 0);
  const { member: bob } = await client.organizations.members.create({ organization_id: orgId, email_address: "bob@acme.test" });
  await mock.control.restoreFrom(file);
  await assert.rejects(get(bob.member_id), (e) => e instanceof stytch.StytchError && e.error_type === "member_not_found");
});
