// Compatibility checks: the official Node SDK `stytch@14.2.0` against mock-stytch.
//
// Driven by tests/tests/sdk (the Rust harness), which `npm ci`s package.json/package-lock.json
// from this folder into target/sdk-node, starts a fresh mock and passes, through the
// environment:
//
//   MOCK_BASE_URL      http://127.0.0.1:PORT, given to the SDK as `env:` (CONTRACT §5);
//                      https://127.0.0.1:PORT (the mock's --tls) as `custom_base_url:`, with the
//                      mock's CA in NODE_EXTRA_CA_CERTS (MOCK_CA_FILE names it)
//   STYTCH_PROJECT_ID  project id / Basic-auth user
//   STYTCH_SECRET      secret / Basic-auth password
//   COMPAT_CHECKS      comma-separated check names or group prefixes (`totp`); empty: all
//   SDK_NODE_DIR       the folder whose node_modules holds stytch@14.2.0
//
// Only the SDK's public methods talk to the Stytch API. Codes, tokens and the clock come from
// the mock's control API (`/_mock/...`), plain HTTP with the same Basic credentials. The Node
// SDK does not validate bodies, so the checks assert the fields they use (a null where a
// string belongs fails here too).
//
// Output: one `PASS <check>` / `FAIL <check>: <why>` line per check, then
// `node: N passed, N failed`; exit status 1 when any check failed. A line `@@restart` asks the
// harness to restart the mock on the same database; it answers on stdin with the new base URL.

import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import readline from "node:readline";
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = process.env.SDK_NODE_DIR || path.resolve(here, "../../../target/sdk-node");
const require = createRequire(path.join(sdkDir, "package.json"));
const stytch = require("stytch");
const SDK_VERSION = JSON.parse(readFileSync(path.join(sdkDir, "node_modules/stytch/package.json"), "utf8")).version;

const BASE_URL = process.env.MOCK_BASE_URL.replace(/\/+$/, "");
const PROJECT_ID = process.env.STYTCH_PROJECT_ID;
const SECRET = process.env.STYTCH_SECRET;
const SELECTED = (process.env.COMPAT_CHECKS || "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

const MIGRATED_PASSWORD = "Compat-Migrated-Pass-4417!";
const MIGRATED_HASH = "$2b$10$hYql.4/QX8Sf0tFMIZ4JiO.UpRvRw.9ueR9lXUyoYkJMA334btSO6";
const STRONG_PASSWORD = "quartz-Meridian-lantern-0592-violet";
const STRONG_PASSWORD_2 = "harbor-Tungsten-orchid-7731-saffron";
const PHONE = "+14155550123";
const PHONE_2 = "+14155550124";
// A TOTP secret of our own (32 base32 chars, 160 bits) for totps.migrate.
const MIGRATED_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const EMAIL_DOMAIN = "compat-node.example.com";

/** RFC 6238 TOTP (SHA1, 6 digits, 30 s), computed here to prove the mock uses our secret. */
function totpAt(secretB32, ts) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secretB32.toUpperCase().replace(/=+$/, "")) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ts / 30)));
  const digest = createHmac("sha1", key).update(counter).digest();
  const off = digest[digest.length - 1] & 0x0f;
  return String((digest.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, "0");
}

// ---------------------------------------------------------------------------------------------
// stdin lines (answers to @@restart)

const stdinLines = [];
const stdinWaiters = [];
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const w = stdinWaiters.shift();
  if (w) w(line);
  else stdinLines.push(line);
});
rl.on("close", () => {
  while (stdinWaiters.length) stdinWaiters.shift()("");
});
function nextStdinLine() {
  if (stdinLines.length) return Promise.resolve(stdinLines.shift());
  return new Promise((resolve) => stdinWaiters.push(resolve));
}

// ---------------------------------------------------------------------------------------------
// Assertions

class CheckFailure extends Error {}

function fmt(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function eq(actual, expected, what) {
  if (fmt(actual) !== fmt(expected)) {
    throw new CheckFailure(`${what}: expected ${fmt(expected)}, got ${fmt(actual)}`);
  }
}

function ok(cond, what) {
  if (!cond) throw new CheckFailure(what);
}

function isStr(v, what) {
  ok(typeof v === "string", `${what} should be a string, got ${fmt(v)}`);
}

/** The call must reject with the SDK's own StytchError carrying `errorType`. */
async function expectError(errorType, promiseFn) {
  let result;
  try {
    result = await promiseFn();
  } catch (e) {
    ok(
      e instanceof stytch.StytchError,
      `expected StytchError ${errorType}, got ${e?.constructor?.name}: ${e?.message}`,
    );
    eq(e.error_type, errorType, `error_type (status ${e.status_code}, message ${fmt(e.error_message)})`);
    ok(e.status_code >= 400, `error status_code ${e.status_code} is not >= 400`);
    ok(e.request_id, "error body has no request_id");
    ok(e.error_message, "error body has no error_message");
    return e;
  }
  throw new CheckFailure(`expected StytchError ${errorType}, but the call succeeded: ${fmt(result).slice(0, 300)}`);
}

function expectFullSession(r, memberId, orgId) {
  eq(r.member_id, memberId, "member_id");
  eq(r.member_authenticated, true, "member_authenticated");
  isStr(r.session_token, "session_token");
  ok(r.session_token, "session_token is empty on a full session");
  isStr(r.session_jwt, "session_jwt");
  ok(r.session_jwt, "session_jwt is empty on a full session");
  eq(r.intermediate_session_token, "", "intermediate_session_token on a full session");
  ok(r.member_session, "member_session missing on a full session");
  eq(r.member_session.member_id, memberId, "member_session.member_id");
  ok(r.mfa_required == null, `mfa_required should be null on a full session: ${fmt(r.mfa_required)}`);
  if (orgId !== undefined) {
    eq(r.organization.organization_id, orgId, "organization.organization_id");
    eq(r.member_session.organization_id, orgId, "member_session.organization_id");
  }
}

function expectMfaPending(r) {
  eq(r.member_authenticated, false, "member_authenticated while MFA is pending");
  eq(r.session_token, "", "session_token while MFA is pending");
  eq(r.session_jwt, "", "session_jwt while MFA is pending");
  isStr(r.intermediate_session_token, "intermediate_session_token");
  ok(r.intermediate_session_token, "intermediate_session_token is empty while MFA is pending");
  ok(r.member_session == null, "member_session should be null while MFA is pending");
  ok(r.mfa_required, "mfa_required missing while MFA is pending");
}

function factorTypes(session) {
  return (session.authentication_factors || []).map((f) => f.type);
}

function expectMfaSession(r, memberId, factorType) {
  eq(r.member_id, memberId, "member_id");
  isStr(r.session_token, "session_token");
  ok(r.session_token, "session_token is empty after MFA");
  ok(r.session_jwt, "session_jwt is empty after MFA");
  ok(r.member_session, "member_session missing after MFA");
  const types = factorTypes(r.member_session);
  ok(types.includes(factorType), `authentication_factors ${fmt(types)} lack ${factorType}`);
  ok(types.length >= 2, `authentication_factors ${fmt(types)} should hold the primary and the MFA factor`);
}

function bogusToken() {
  return randomBytes(32).toString("base64url");
}

// ---------------------------------------------------------------------------------------------
// Context: SDK client, control API, helpers

class Ctx {
  constructor(baseUrl) {
    this.counter = 0;
    this.setBaseUrl(baseUrl);
  }

  setBaseUrl(baseUrl) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    // CONTRACT §5: any non-standard `env` is used as the base URL, plain HTTP allowed. Over TLS
    // (`mock-stytch --tls`) the SDK's documented `custom_base_url` is used instead; the harness
    // makes the mock's CA trusted through NODE_EXTRA_CA_CERTS.
    const where = this.baseUrl.startsWith("https://") ? { custom_base_url: this.baseUrl } : { env: `${this.baseUrl}/` };
    this.client = new stytch.B2BClient({ project_id: PROJECT_ID, secret: SECRET, ...where });
  }

  uniq(prefix) {
    this.counter += 1;
    return `${prefix}-${this.counter}-${randomUUID().slice(0, 8)}`;
  }

  email(tag = "m") {
    return `${this.uniq(tag)}@${EMAIL_DOMAIN}`;
  }

  async control(method, p, { params, json } = {}) {
    const url = new URL(this.baseUrl + p);
    for (const [k, v] of Object.entries(params || {})) url.searchParams.set(k, v);
    const res = await fetch(url, {
      method,
      headers: {
        Authorization: "Basic " + Buffer.from(`${PROJECT_ID}:${SECRET}`).toString("base64"),
        ...(json ? { "Content-Type": "application/json" } : {}),
      },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await res.text();
    if (res.status !== 200) throw new CheckFailure(`control API ${method} ${p} -> ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text);
  }

  async outbox(memberId, channel) {
    return (await this.control("GET", "/_mock/outbox", { params: { member_id: memberId, channel } })).messages;
  }

  async latestEmailToken(memberId) {
    for (const m of await this.outbox(memberId, "email")) if (m.token) return m.token;
    throw new CheckFailure(`no email with a token in the outbox for ${memberId}`);
  }

  async latestEmailCode(memberId) {
    for (const m of await this.outbox(memberId, "email")) if (m.code) return m.code;
    throw new CheckFailure(`no email with a code in the outbox for ${memberId}`);
  }

  async mockNow() {
    return Math.floor(Date.parse((await this.control("GET", "/_mock/clock")).now) / 1000);
  }

  async latestSmsCode(memberId) {
    for (const m of await this.outbox(memberId, "sms")) if (m.code) return m.code;
    throw new CheckFailure(`no SMS with a code in the outbox for ${memberId}`);
  }

  async advanceClock(seconds) {
    await this.control("POST", "/_mock/clock", { json: { advance_seconds: seconds } });
  }

  async syncClockToWall() {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await this.control("POST", "/_mock/clock", { json: { now } });
  }

  async totpCode(orgId, memberId) {
    return (await this.control("GET", "/_mock/totp/code", { params: { organization_id: orgId, member_id: memberId } }))
      .code;
  }

  async ssoToken(orgId, email) {
    return (await this.control("POST", "/_mock/sso/token", { json: { organization_id: orgId, email_address: email } }))
      .token;
  }

  async oauthToken(orgId, email, provider = "google") {
    return (
      await this.control("POST", "/_mock/oauth/token", {
        json: { organization_id: orgId, email_address: email, provider },
      })
    ).token;
  }

  async newOrg(policy = "OPTIONAL", extra = {}) {
    const name = this.uniq("compat-node-org");
    const r = await this.client.organizations.create({
      organization_name: name,
      organization_slug: name,
      mfa_policy: policy,
      ...extra,
    });
    return r.organization;
  }

  async newMember(orgId, email, extra = {}) {
    const r = await this.client.organizations.members.create({
      organization_id: orgId,
      email_address: email || this.email(),
      ...extra,
    });
    return r.member;
  }

  /** Primary factor through the SDK: email magic link loginOrSignup + authenticate. */
  async magicLinkLogin(orgId, email, extra = {}) {
    const sent = await this.client.magicLinks.email.loginOrSignup({ organization_id: orgId, email_address: email });
    const token = await this.latestEmailToken(sent.member_id);
    return this.client.magicLinks.authenticate({ magic_links_token: token, ...extra });
  }

  async loggedIn(policy = "OPTIONAL") {
    const org = await this.newOrg(policy);
    const m = await this.newMember(org.organization_id);
    const r = await this.magicLinkLogin(org.organization_id, m.email_address);
    expectFullSession(r, m.member_id, org.organization_id);
    return { org, m, login: r };
  }

  async smsEnrollRequired() {
    const org = await this.newOrg("REQUIRED_FOR_ALL");
    const m = await this.newMember(org.organization_id);
    const primary = await this.magicLinkLogin(org.organization_id, m.email_address);
    expectMfaPending(primary);
    await this.client.otps.sms.send({
      organization_id: org.organization_id,
      member_id: m.member_id,
      mfa_phone_number: PHONE,
      intermediate_session_token: primary.intermediate_session_token,
    });
    const code = await this.latestSmsCode(m.member_id);
    const done = await this.client.otps.sms.authenticate({
      organization_id: org.organization_id,
      member_id: m.member_id,
      code,
      intermediate_session_token: primary.intermediate_session_token,
    });
    return { org, m, done };
  }

  async totpEnrollRequired() {
    const org = await this.newOrg("REQUIRED_FOR_ALL");
    const m = await this.newMember(org.organization_id);
    const primary = await this.magicLinkLogin(org.organization_id, m.email_address);
    expectMfaPending(primary);
    const created = await this.client.totps.create({
      organization_id: org.organization_id,
      member_id: m.member_id,
      intermediate_session_token: primary.intermediate_session_token,
    });
    const code = await this.totpCode(org.organization_id, m.member_id);
    const done = await this.client.totps.authenticate({
      organization_id: org.organization_id,
      member_id: m.member_id,
      code,
      intermediate_session_token: primary.intermediate_session_token,
    });
    return { org, m, created, done };
  }

  async migratedMember(policy = "OPTIONAL") {
    const org = await this.newOrg(policy);
    const r = await this.client.passwords.migrate({
      email_address: this.email("pw"),
      hash: MIGRATED_HASH,
      hash_type: "bcrypt",
      organization_id: org.organization_id,
    });
    eq(r.member_created, true, "member_created by migrate");
    ok(r.member.member_password_id, "member_password_id empty after migrate");
    return { org, m: r.member };
  }

  async restartMock() {
    process.stdout.write("@@restart\n");
    const answer = (await nextStdinLine()).trim();
    if (!answer || answer.startsWith("@@error")) {
      throw new CheckFailure(`mock restart failed: ${answer || "no answer from the harness"}`);
    }
    this.setBaseUrl(answer);
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

const CHECKS = [];
function check(name, fn) {
  CHECKS.push([name, fn]);
}

// ---- organizations ---------------------------------------------------------------------------

check("organizations.create_each_mfa_policy", async (c) => {
  eq((await c.newOrg("OPTIONAL")).mfa_policy, "OPTIONAL", "mfa_policy");
  eq((await c.newOrg("REQUIRED_FOR_ALL")).mfa_policy, "REQUIRED_FOR_ALL", "mfa_policy");
  const t = await c.newOrg("REQUIRED_FOR_ALL", { mfa_methods: "RESTRICTED", allowed_mfa_methods: ["totp"] });
  eq(t.mfa_methods, "RESTRICTED", "mfa_methods");
  eq(t.allowed_mfa_methods, ["totp"], "allowed_mfa_methods");
  const name = c.uniq("compat-node-default");
  const d = (await c.client.organizations.create({ organization_name: name, organization_slug: name })).organization;
  eq(d.mfa_policy, "OPTIONAL", "default mfa_policy");
  eq(d.organization_name, name, "organization_name");
  ok(d.organization_id.startsWith("organization-test-"), `organization_id ${d.organization_id}`);
  isStr(d.organization_logo_url, "organization_logo_url");
});

check("organizations.get", async (c) => {
  const o = await c.newOrg("REQUIRED_FOR_ALL");
  const got = (await c.client.organizations.get({ organization_id: o.organization_id })).organization;
  eq(got.organization_id, o.organization_id, "organization_id");
  eq(got.mfa_policy, "REQUIRED_FOR_ALL", "mfa_policy");
  eq(got.organization_slug, o.organization_slug, "organization_slug");
  // CONTRACT §1.3: the slug may stand in for the organization_id.
  const bySlug = (await c.client.organizations.get({ organization_id: o.organization_slug })).organization;
  eq(bySlug.organization_id, o.organization_id, "organization_id fetched by slug");
});

check("organizations.update_mfa_policy", async (c) => {
  const o = await c.newOrg("OPTIONAL");
  const up = (
    await c.client.organizations.update({
      organization_id: o.organization_id,
      mfa_policy: "REQUIRED_FOR_ALL",
      mfa_methods: "RESTRICTED",
      allowed_mfa_methods: ["sms_otp", "totp"],
    })
  ).organization;
  eq(up.mfa_policy, "REQUIRED_FOR_ALL", "mfa_policy after update");
  eq([...up.allowed_mfa_methods].sort(), ["sms_otp", "totp"], "allowed_mfa_methods after update");
  const back = await c.client.organizations.update({ organization_id: o.organization_id, mfa_policy: "OPTIONAL" });
  eq(back.organization.mfa_policy, "OPTIONAL", "mfa_policy after second update");
});

check("organizations.search", async (c) => {
  const o = await c.newOrg("REQUIRED_FOR_ALL");
  await c.newOrg("OPTIONAL");
  const res = await c.client.organizations.search({
    query: { operator: "AND", operands: [{ filter_name: "organization_ids", filter_value: [o.organization_id] }] },
  });
  eq(
    res.organizations.map((x) => x.organization_id),
    [o.organization_id],
    "search by organization_ids",
  );
  eq(res.results_metadata.total, 1, "results_metadata.total");
});

check("organizations.delete", async (c) => {
  const o = await c.newOrg();
  const gone = await c.client.organizations.delete({ organization_id: o.organization_id });
  eq(gone.organization_id, o.organization_id, "deleted organization_id");
  await expectError("organization_not_found", () => c.client.organizations.get({ organization_id: o.organization_id }));
});

check("organizations.error_not_found", async (c) => {
  await expectError("organization_not_found", () =>
    c.client.organizations.get({ organization_id: `organization-test-${randomUUID()}` }),
  );
});

check("organizations.error_duplicate_slug", async (c) => {
  const o = await c.newOrg();
  await expectError("organization_slug_already_used", () =>
    c.client.organizations.create({ organization_name: "dup", organization_slug: o.organization_slug }),
  );
});

check("organizations.metrics", async (c) => {
  const o = await c.newOrg();
  await c.newMember(o.organization_id);
  await c.newMember(o.organization_id);
  const r = await c.client.organizations.metrics({ organization_id: o.organization_id });
  eq(r.member_count, 2, "member_count");
});

// ---- members ---------------------------------------------------------------------------------

check("members.create", async (c) => {
  const org = await c.newOrg();
  const m = await c.newMember(org.organization_id, undefined, {
    name: "Ada Compat",
    mfa_phone_number: PHONE,
    mfa_enrolled: true,
  });
  eq(m.status, "active", "status");
  eq(m.name, "Ada Compat", "name");
  eq(m.mfa_phone_number, PHONE, "mfa_phone_number");
  eq(m.mfa_phone_number_verified, false, "mfa_phone_number_verified");
  eq(m.mfa_enrolled, true, "mfa_enrolled");
  eq(m.totp_registration_id, "", "totp_registration_id");
  eq(m.member_password_id, "", "member_password_id");
  ok(m.member_id.startsWith("member-test-"), `member_id ${m.member_id}`);
  const bare = await c.newMember(org.organization_id);
  eq(bare.name, "", "name when unset");
  eq(bare.mfa_phone_number, "", "mfa_phone_number when unset");
  eq(bare.default_mfa_method, "", "default_mfa_method when unset");
  const pending = await c.newMember(org.organization_id, undefined, { create_member_as_pending: true });
  eq(pending.status, "pending", "status of create_member_as_pending");
});

check("members.get_by_id_and_email", async (c) => {
  const org = await c.newOrg();
  // A `+` in the address must survive the SDK's query encoding (CONTRACT §1.3).
  const email = `${c.uniq("plus")}+tag@${EMAIL_DOMAIN}`;
  const ext = c.uniq("ext");
  const m = await c.newMember(org.organization_id, email, { external_id: ext });
  const byId = await c.client.organizations.members.get({ organization_id: org.organization_id, member_id: m.member_id });
  eq(byId.member.email_address, m.email_address, "email_address by member_id");
  eq(byId.organization.organization_id, org.organization_id, "organization in member get");
  const byEmail = await c.client.organizations.members.get({
    organization_id: org.organization_id,
    email_address: m.email_address,
  });
  eq(byEmail.member_id, m.member_id, "member_id by email");
  const byExt = await c.client.organizations.members.get({ organization_id: org.organization_id, member_id: ext });
  eq(byExt.member_id, m.member_id, "member_id by external_id");
});

check("members.update", async (c) => {
  const org = await c.newOrg();
  const m = await c.newMember(org.organization_id);
  const up = (
    await c.client.organizations.members.update({
      organization_id: org.organization_id,
      member_id: m.member_id,
      name: "Grace Compat",
      mfa_enrolled: true,
      mfa_phone_number: PHONE_2,
      untrusted_metadata: { team: "compat" },
    })
  ).member;
  eq(up.name, "Grace Compat", "name after update");
  eq(up.mfa_enrolled, true, "mfa_enrolled after update");
  eq(up.mfa_phone_number, PHONE_2, "mfa_phone_number after update");
  eq(up.untrusted_metadata, { team: "compat" }, "untrusted_metadata after update");
});

check("members.search", async (c) => {
  const org = await c.newOrg();
  const m = await c.newMember(org.organization_id);
  await c.newMember(org.organization_id);
  const res = await c.client.organizations.members.search({
    organization_ids: [org.organization_id],
    query: { operator: "AND", operands: [{ filter_name: "member_emails", filter_value: [m.email_address] }] },
  });
  eq(
    res.members.map((x) => x.member_id),
    [m.member_id],
    "search by member_emails",
  );
  ok(res.organizations && res.organizations[org.organization_id], "search response lacks the organizations map entry");
});

check("members.delete_mfa_phone_number", async (c) => {
  const org = await c.newOrg();
  const m = await c.newMember(org.organization_id, undefined, { mfa_phone_number: PHONE });
  const r = await c.client.organizations.members.deleteMFAPhoneNumber({
    organization_id: org.organization_id,
    member_id: m.member_id,
  });
  eq(r.member.mfa_phone_number, "", "mfa_phone_number after delete");
});

check("members.delete", async (c) => {
  const org = await c.newOrg();
  const m = await c.newMember(org.organization_id);
  const r = await c.client.organizations.members.delete({ organization_id: org.organization_id, member_id: m.member_id });
  eq(r.member_id, m.member_id, "deleted member_id");
  await expectError("member_not_found", () =>
    c.client.organizations.members.get({ organization_id: org.organization_id, member_id: m.member_id }),
  );
});

check("members.reactivate", async (c) => {
  const org = await c.newOrg();
  const m = await c.newMember(org.organization_id, undefined, { create_member_as_pending: true });
  const r = await c.client.organizations.members.reactivate({ organization_id: org.organization_id, member_id: m.member_id });
  eq(r.member.status, "active", "status after reactivate");
});

check("members.dangerously_get", async (c) => {
  const org = await c.newOrg();
  const m = await c.newMember(org.organization_id);
  const r = await c.client.organizations.members.dangerouslyGet({ member_id: m.member_id });
  eq(r.member.email_address, m.email_address, "email_address");
  eq(r.organization.organization_id, org.organization_id, "organization_id");
});

check("members.error_not_found", async (c) => {
  const org = await c.newOrg();
  await expectError("member_not_found", () =>
    c.client.organizations.members.get({ organization_id: org.organization_id, member_id: `member-test-${randomUUID()}` }),
  );
});

check("members.error_duplicate_email", async (c) => {
  const org = await c.newOrg();
  const m = await c.newMember(org.organization_id);
  await expectError("duplicate_member_email", () =>
    c.client.organizations.members.create({ organization_id: org.organization_id, email_address: m.email_address }),
  );
});

// ---- magic links -----------------------------------------------------------------------------

check("magic_links.login_or_signup_full_session", async (c) => {
  // Signing up a new email needs email JIT provisioning for its domain.
  const org = await c.newOrg("OPTIONAL", { email_jit_provisioning: "RESTRICTED", email_allowed_domains: [EMAIL_DOMAIN] });
  const sent = await c.client.magicLinks.email.loginOrSignup({
    organization_id: org.organization_id,
    email_address: c.email(),
  });
  eq(sent.member_created, true, "member_created for a new email");
  eq(sent.member.status, "pending", "status before the first authenticate");
  const r = await c.client.magicLinks.authenticate({ magic_links_token: await c.latestEmailToken(sent.member_id) });
  expectFullSession(r, sent.member_id, org.organization_id);
  isStr(r.method_id, "method_id");
  ok(r.method_id, "method_id is empty");
  eq(r.member.status, "active", "status after authenticate");
  eq(factorTypes(r.member_session), ["magic_link"], "authentication factor types");
});

check("magic_links.invite_authenticate", async (c) => {
  const org = await c.newOrg("OPTIONAL");
  const inv = await c.client.magicLinks.email.invite({
    organization_id: org.organization_id,
    email_address: c.email("invitee"),
    name: "Invitee",
  });
  eq(inv.member.status, "invited", "status after invite");
  const r = await c.client.magicLinks.authenticate({ magic_links_token: await c.latestEmailToken(inv.member_id) });
  expectFullSession(r, inv.member_id, org.organization_id);
  eq(r.member.status, "active", "status after accepting the invite");
});

check("magic_links.mfa_required_returns_ist", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const r = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectMfaPending(r);
  ok(r.mfa_required.member_options == null, `member_options should be null before enrollment: ${fmt(r.mfa_required)}`);
});

check("magic_links.error_token_reused", async (c) => {
  const org = await c.newOrg("OPTIONAL");
  const m = await c.newMember(org.organization_id);
  await c.client.magicLinks.email.loginOrSignup({ organization_id: org.organization_id, email_address: m.email_address });
  const token = await c.latestEmailToken(m.member_id);
  await c.client.magicLinks.authenticate({ magic_links_token: token });
  await expectError("unable_to_auth_magic_link", () => c.client.magicLinks.authenticate({ magic_links_token: token }));
});

check("magic_links.error_unknown_token", async (c) => {
  await expectError("magic_link_not_found", () => c.client.magicLinks.authenticate({ magic_links_token: bogusToken() }));
});

// ---- passwords -------------------------------------------------------------------------------

check("passwords.strength_check", async (c) => {
  const strong = await c.client.passwords.strengthCheck({ password: STRONG_PASSWORD });
  eq(strong.valid_password, true, "valid_password for a strong password");
  const weak = await c.client.passwords.strengthCheck({ password: "password" });
  eq(weak.valid_password, false, "valid_password for 'password'");
});

check("passwords.migrate_authenticate", async (c) => {
  const { org, m } = await c.migratedMember();
  const r = await c.client.passwords.authenticate({
    organization_id: org.organization_id,
    email_address: m.email_address,
    password: MIGRATED_PASSWORD,
  });
  expectFullSession(r, m.member_id, org.organization_id);
  eq(factorTypes(r.member_session), ["password"], "authentication factor types");
});

check("passwords.email_reset", async (c) => {
  const org = await c.newOrg("OPTIONAL");
  const m = await c.newMember(org.organization_id);
  const start = await c.client.passwords.email.resetStart({
    organization_id: org.organization_id,
    email_address: m.email_address,
  });
  eq(start.member_id, m.member_id, "member_id of resetStart");
  const r = await c.client.passwords.email.reset({
    password_reset_token: await c.latestEmailToken(m.member_id),
    password: STRONG_PASSWORD,
  });
  expectFullSession(r, m.member_id, org.organization_id);
  const again = await c.client.passwords.authenticate({
    organization_id: org.organization_id,
    email_address: m.email_address,
    password: STRONG_PASSWORD,
  });
  expectFullSession(again, m.member_id, org.organization_id);
});

check("passwords.existing_password_reset", async (c) => {
  const { org, m } = await c.migratedMember();
  const r = await c.client.passwords.existingPassword.reset({
    email_address: m.email_address,
    existing_password: MIGRATED_PASSWORD,
    new_password: STRONG_PASSWORD,
    organization_id: org.organization_id,
  });
  expectFullSession(r, m.member_id);
  await expectError("unauthorized_credentials", () =>
    c.client.passwords.authenticate({
      organization_id: org.organization_id,
      email_address: m.email_address,
      password: MIGRATED_PASSWORD,
    }),
  );
});

check("passwords.session_reset", async (c) => {
  const { org, m } = await c.migratedMember();
  const login = await c.client.passwords.authenticate({
    organization_id: org.organization_id,
    email_address: m.email_address,
    password: MIGRATED_PASSWORD,
  });
  const r = await c.client.passwords.sessions.reset({
    organization_id: org.organization_id,
    password: STRONG_PASSWORD_2,
    session_token: login.session_token,
  });
  eq(r.member_id, m.member_id, "member_id");
  ok(r.session_token, "session_token after session reset");
  await c.client.passwords.authenticate({
    organization_id: org.organization_id,
    email_address: m.email_address,
    password: STRONG_PASSWORD_2,
  });
});

check("passwords.delete_password", async (c) => {
  const { org, m } = await c.migratedMember();
  const r = await c.client.organizations.members.deletePassword({
    organization_id: org.organization_id,
    member_password_id: m.member_password_id,
  });
  eq(r.member.member_password_id, "", "member_password_id after deletePassword");
  await expectError("unauthorized_credentials", () =>
    c.client.passwords.authenticate({
      organization_id: org.organization_id,
      email_address: m.email_address,
      password: MIGRATED_PASSWORD,
    }),
  );
});

check("passwords.mfa_required_returns_ist", async (c) => {
  const { org, m } = await c.migratedMember("REQUIRED_FOR_ALL");
  const r = await c.client.passwords.authenticate({
    organization_id: org.organization_id,
    email_address: m.email_address,
    password: MIGRATED_PASSWORD,
  });
  expectMfaPending(r);
});

check("passwords.error_wrong_password", async (c) => {
  const { org, m } = await c.migratedMember();
  await expectError("unauthorized_credentials", () =>
    c.client.passwords.authenticate({
      organization_id: org.organization_id,
      email_address: m.email_address,
      password: "not-the-password-1234",
    }),
  );
});

// ---- email OTP (organization-scoped, primary factor) -----------------------------------------

check("email_otp.login_or_signup_full_session", async (c) => {
  const org = await c.newOrg("OPTIONAL", { email_jit_provisioning: "RESTRICTED", email_allowed_domains: [EMAIL_DOMAIN] });
  const email = c.email("eotp");
  const sent = await c.client.otps.email.loginOrSignup({ organization_id: org.organization_id, email_address: email });
  eq(sent.member_created, true, "member_created for a new email");
  const r = await c.client.otps.email.authenticate({
    organization_id: org.organization_id,
    email_address: email,
    code: await c.latestEmailCode(sent.member_id),
  });
  expectFullSession(r, sent.member_id, org.organization_id);
  ok(r.method_id, "method_id is empty");
  eq(factorTypes(r.member_session), ["email_otp"], "authentication factor types");
});

check("email_otp.mfa_required_returns_ist", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  await c.client.otps.email.loginOrSignup({ organization_id: org.organization_id, email_address: m.email_address });
  const r = await c.client.otps.email.authenticate({
    organization_id: org.organization_id,
    email_address: m.email_address,
    code: await c.latestEmailCode(m.member_id),
  });
  expectMfaPending(r);
});

check("email_otp.error_wrong_code", async (c) => {
  const org = await c.newOrg("OPTIONAL");
  const m = await c.newMember(org.organization_id);
  await c.client.otps.email.loginOrSignup({ organization_id: org.organization_id, email_address: m.email_address });
  const real = await c.latestEmailCode(m.member_id);
  await expectError("otp_code_not_found", () =>
    c.client.otps.email.authenticate({
      organization_id: org.organization_id,
      email_address: m.email_address,
      code: real === "000000" ? "111111" : "000000",
    }),
  );
});

// ---- SSO and OAuth ---------------------------------------------------------------------------

check("sso.authenticate_full_session", async (c) => {
  const org = await c.newOrg("OPTIONAL");
  const m = await c.newMember(org.organization_id);
  const r = await c.client.sso.authenticate({ sso_token: await c.ssoToken(org.organization_id, m.email_address) });
  expectFullSession(r, m.member_id, org.organization_id);
  eq(factorTypes(r.member_session), ["sso"], "authentication factor types");
});

check("sso.mfa_required_returns_ist", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const r = await c.client.sso.authenticate({ sso_token: await c.ssoToken(org.organization_id, m.email_address) });
  expectMfaPending(r);
});

check("sso.error_unknown_token", async (c) => {
  await expectError("sso_token_not_found", () => c.client.sso.authenticate({ sso_token: bogusToken() }));
});

check("oauth.authenticate_full_session", async (c) => {
  const org = await c.newOrg("OPTIONAL");
  const m = await c.newMember(org.organization_id);
  const r = await c.client.oauth.authenticate({
    oauth_token: await c.oauthToken(org.organization_id, m.email_address, "google"),
  });
  expectFullSession(r, m.member_id, org.organization_id);
  eq(String(r.provider_type).toLowerCase(), "google", "provider_type");
  eq(factorTypes(r.member_session), ["oauth"], "authentication factor types");
});

check("oauth.mfa_required_returns_ist", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const r = await c.client.oauth.authenticate({
    oauth_token: await c.oauthToken(org.organization_id, m.email_address, "google"),
  });
  expectMfaPending(r);
});

check("oauth.error_unknown_token", async (c) => {
  await expectError("oauth_token_not_found", () => c.client.oauth.authenticate({ oauth_token: bogusToken() }));
});

// ---- discovery (intermediate session exchange) -----------------------------------------------

async function twoOrgMember(c, policyA, policyB) {
  const email = c.email("disc");
  const orgA = await c.newOrg(policyA);
  const orgB = await c.newOrg(policyB);
  const ma = await c.newMember(orgA.organization_id, email);
  const mb = await c.newMember(orgB.organization_id, email);
  return { email, orgA, orgB, ma, mb };
}

check("discovery.ist_exchange_full_session", async (c) => {
  const { email, orgA, orgB, mb } = await twoOrgMember(c, "REQUIRED_FOR_ALL", "OPTIONAL");
  const pending = await c.magicLinkLogin(orgA.organization_id, email);
  expectMfaPending(pending);
  const r = await c.client.discovery.intermediateSessions.exchange({
    intermediate_session_token: pending.intermediate_session_token,
    organization_id: orgB.organization_id,
  });
  expectFullSession(r, mb.member_id, orgB.organization_id);
});

check("discovery.ist_exchange_mfa_required", async (c) => {
  const { email, orgA, orgB, mb } = await twoOrgMember(c, "REQUIRED_FOR_ALL", "REQUIRED_FOR_ALL");
  const pending = await c.magicLinkLogin(orgA.organization_id, email);
  const r = await c.client.discovery.intermediateSessions.exchange({
    intermediate_session_token: pending.intermediate_session_token,
    organization_id: orgB.organization_id,
  });
  expectMfaPending(r);
  eq(r.member_id, mb.member_id, "member_id in the target organization");
});

check("discovery.error_expired_ist", async (c) => {
  const { email, orgA, orgB } = await twoOrgMember(c, "REQUIRED_FOR_ALL", "OPTIONAL");
  const pending = await c.magicLinkLogin(orgA.organization_id, email);
  await c.advanceClock(11 * 60);
  await expectError("intermediate_session_not_found", () =>
    c.client.discovery.intermediateSessions.exchange({
      intermediate_session_token: pending.intermediate_session_token,
      organization_id: orgB.organization_id,
    }),
  );
});

// ---- sessions --------------------------------------------------------------------------------

check("sessions.authenticate_token_and_jwt", async (c) => {
  const { m, login } = await c.loggedIn();
  const byToken = await c.client.sessions.authenticate({ session_token: login.session_token });
  eq(byToken.member_session.member_session_id, login.member_session.member_session_id, "session id by token");
  eq(byToken.member.member_id, m.member_id, "member by token");
  ok(byToken.session_jwt, "session_jwt from sessions.authenticate");
  const byJwt = await c.client.sessions.authenticate({ session_jwt: login.session_jwt });
  eq(byJwt.member_session.member_session_id, login.member_session.member_session_id, "session id by JWT");
  const ext = await c.client.sessions.authenticate({ session_token: login.session_token, session_duration_minutes: 120 });
  ok(
    Date.parse(ext.member_session.expires_at) >= Date.parse(login.member_session.expires_at),
    "session not extended",
  );
});

check("sessions.get", async (c) => {
  const { org, m, login } = await c.loggedIn();
  const r = await c.client.sessions.get({ organization_id: org.organization_id, member_id: m.member_id });
  const ids = r.member_sessions.map((s) => s.member_session_id);
  ok(ids.includes(login.member_session.member_session_id), `sessions.get ${fmt(ids)} lacks the login session`);
});

check("sessions.revoke", async (c) => {
  const { org, m, login } = await c.loggedIn();
  await c.client.sessions.revoke({ session_token: login.session_token });
  await expectError("session_not_found", () => c.client.sessions.authenticate({ session_token: login.session_token }));
  const second = await c.magicLinkLogin(org.organization_id, m.email_address);
  await c.client.sessions.revoke({ member_session_id: second.member_session.member_session_id });
  await expectError("session_not_found", () => c.client.sessions.authenticate({ session_token: second.session_token }));
});

check("sessions.exchange", async (c) => {
  const email = c.email("xchg");
  const orgA = await c.newOrg("OPTIONAL");
  const orgB = await c.newOrg("OPTIONAL");
  const orgC = await c.newOrg("REQUIRED_FOR_ALL");
  const ma = await c.newMember(orgA.organization_id, email);
  const mb = await c.newMember(orgB.organization_id, email);
  const mc = await c.newMember(orgC.organization_id, email);
  const login = await c.magicLinkLogin(orgA.organization_id, email);
  expectFullSession(login, ma.member_id, orgA.organization_id);
  const full = await c.client.sessions.exchange({ organization_id: orgB.organization_id, session_token: login.session_token });
  expectFullSession(full, mb.member_id, orgB.organization_id);
  const pending = await c.client.sessions.exchange({
    organization_id: orgC.organization_id,
    session_token: login.session_token,
  });
  expectMfaPending(pending);
  eq(pending.member_id, mc.member_id, "member_id in the REQUIRED_FOR_ALL organization");
});

check("sessions.get_jwks", async (c) => {
  const r = await c.client.sessions.getJWKS({ project_id: PROJECT_ID });
  ok(r.keys && r.keys.length, "JWKS has no keys");
  eq(r.keys[0].kty, "RSA", "kty");
  eq(r.keys[0].alg, "RS256", "alg");
  ok(r.keys[0].kid, "kid is empty");
});

// ---- session JWT, verified locally -----------------------------------------------------------

check("jwt.authenticate_jwt_local", async (c) => {
  await c.syncClockToWall();
  const { org, m, login } = await c.loggedIn();
  const s = await c.client.sessions.authenticateJwtLocal({ session_jwt: login.session_jwt });
  eq(s.member_id, m.member_id, "member_id from the JWT");
  eq(s.member_session_id, login.member_session.member_session_id, "member_session_id from the JWT");
  eq(s.organization_id, org.organization_id, "organization_id from the JWT");
  eq(s.organization_slug, org.organization_slug, "organization_slug from the JWT");
  eq(factorTypes(s), ["magic_link"], "authentication factor types from the JWT");
  const both = await c.client.sessions.authenticateJwt({ session_jwt: login.session_jwt });
  eq(both.member_session.member_id, m.member_id, "authenticateJwt member_id");
});

check("jwt.rejects_tampered_jwt", async (c) => {
  await c.syncClockToWall();
  const { login } = await c.loggedIn();
  const [header, payload, sig] = login.session_jwt.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  claims.sub = `member-test-${randomUUID()}`;
  const forged = Buffer.from(JSON.stringify(claims)).toString("base64url");
  try {
    await c.client.sessions.authenticateJwtLocal({ session_jwt: `${header}.${forged}.${sig}` });
  } catch (e) {
    ok(e instanceof stytch.ClientError, `expected ClientError, got ${e?.constructor?.name}: ${e?.message}`);
    eq(e.code, "jwt_invalid", "ClientError code");
    return;
  }
  throw new CheckFailure("authenticateJwtLocal accepted a JWT with a forged payload");
});

check("jwt.authenticate_jwt_local_after_restart", async (c) => {
  await c.syncClockToWall();
  const { m, login } = await c.loggedIn();
  await c.client.sessions.authenticateJwtLocal({ session_jwt: login.session_jwt });
  const oldUrl = c.baseUrl;
  await c.restartMock();
  ok(c.baseUrl !== oldUrl, "the restarted mock kept its port; the check expects a new one");
  const s = await c.client.sessions.authenticateJwtLocal({ session_jwt: login.session_jwt });
  eq(s.member_session_id, login.member_session.member_session_id, "member_session_id after restart");
  const again = await c.client.sessions.authenticate({ session_token: login.session_token });
  eq(again.member.member_id, m.member_id, "session survives the restart");
});

// ---- SMS OTP ---------------------------------------------------------------------------------

/** The member has a verified phone: Stytch sends the SMS itself (CONTRACT R3). */
async function smsCodeFor(c, m, primary) {
  eq(primary.mfa_required.secondary_auth_initiated, "sms_otp", "mfa_required.secondary_auth_initiated");
  return c.latestSmsCode(m.member_id);
}

check("sms_otp.required_enrollment", async (c) => {
  const { m, done } = await c.smsEnrollRequired();
  expectMfaSession(done, m.member_id, "otp");
  eq(done.member.mfa_phone_number, PHONE, "mfa_phone_number after enrollment");
  eq(done.member.mfa_phone_number_verified, true, "mfa_phone_number_verified after enrollment");
  eq(done.member.mfa_enrolled, true, "mfa_enrolled after enrollment");
});

check("sms_otp.returning_login", async (c) => {
  const { org, m } = await c.smsEnrollRequired();
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectMfaPending(primary);
  const opts = primary.mfa_required.member_options;
  ok(opts, "member_options null for an enrolled member");
  ok(opts.mfa_phone_number, "member_options.mfa_phone_number is empty");
  const done = await c.client.otps.sms.authenticate({
    organization_id: org.organization_id,
    member_id: m.member_id,
    code: await smsCodeFor(c, m, primary),
    intermediate_session_token: primary.intermediate_session_token,
  });
  expectMfaSession(done, m.member_id, "otp");
});

check("sms_otp.optional_enrollment", async (c) => {
  const { org, m, login } = await c.loggedIn("OPTIONAL");
  await c.client.otps.sms.send({
    organization_id: org.organization_id,
    member_id: m.member_id,
    mfa_phone_number: PHONE,
    session_token: login.session_token,
  });
  const r = await c.client.otps.sms.authenticate({
    organization_id: org.organization_id,
    member_id: m.member_id,
    code: await c.latestSmsCode(m.member_id),
    session_token: login.session_token,
    set_mfa_enrollment: "enroll",
    set_default_mfa: true,
  });
  eq(r.member.mfa_enrolled, true, "mfa_enrolled after set_mfa_enrollment=enroll");
  eq(r.member.default_mfa_method, "sms_otp", "default_mfa_method after set_default_mfa");
  eq(r.member.mfa_phone_number_verified, true, "mfa_phone_number_verified");
  ok(factorTypes(r.member_session).includes("otp"), "step-up session lacks the otp factor");
  const nxt = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectMfaPending(nxt);
  const un = await c.client.otps.sms.authenticate({
    organization_id: org.organization_id,
    member_id: m.member_id,
    code: await smsCodeFor(c, m, nxt),
    intermediate_session_token: nxt.intermediate_session_token,
    set_mfa_enrollment: "unenroll",
  });
  eq(un.member.mfa_enrolled, false, "mfa_enrolled after set_mfa_enrollment=unenroll");
  const again = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectFullSession(again, m.member_id, org.organization_id);
});

check("sms_otp.error_wrong_code", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  await c.client.otps.sms.send({
    organization_id: org.organization_id,
    member_id: m.member_id,
    mfa_phone_number: PHONE,
    intermediate_session_token: primary.intermediate_session_token,
  });
  const real = await c.latestSmsCode(m.member_id);
  await expectError("otp_code_not_found", () =>
    c.client.otps.sms.authenticate({
      organization_id: org.organization_id,
      member_id: m.member_id,
      code: real === "000000" ? "111111" : "000000",
      intermediate_session_token: primary.intermediate_session_token,
    }),
  );
});

check("sms_otp.error_expired_ist", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  await c.advanceClock(11 * 60);
  await expectError("intermediate_session_not_found", () =>
    c.client.otps.sms.send({
      organization_id: org.organization_id,
      member_id: m.member_id,
      mfa_phone_number: PHONE,
      intermediate_session_token: primary.intermediate_session_token,
    }),
  );
});

// ---- TOTP ------------------------------------------------------------------------------------

check("totp.required_enrollment", async (c) => {
  const { m, created, done } = await c.totpEnrollRequired();
  ok(created.totp_registration_id, "totp_registration_id empty");
  ok(created.secret, "secret empty");
  ok(String(created.qr_code).startsWith("data:image/png;base64,"), `qr_code ${String(created.qr_code).slice(0, 40)}`);
  eq(created.recovery_codes.length, 10, "number of recovery codes");
  expectMfaSession(done, m.member_id, "totp");
  eq(done.member.totp_registration_id, created.totp_registration_id, "member.totp_registration_id");
  eq(done.member.mfa_enrolled, true, "mfa_enrolled after enrollment");
});

check("totp.returning_login", async (c) => {
  const { org, m, created } = await c.totpEnrollRequired();
  await c.advanceClock(30); // a fresh TOTP window: the enrollment code must not be replayed
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectMfaPending(primary);
  const opts = primary.mfa_required.member_options;
  ok(opts, "member_options null for an enrolled member");
  eq(opts.totp_registration_id, created.totp_registration_id, "member_options.totp_registration_id");
  const done = await c.client.totps.authenticate({
    organization_id: org.organization_id,
    member_id: m.member_id,
    code: await c.totpCode(org.organization_id, m.member_id),
    intermediate_session_token: primary.intermediate_session_token,
  });
  expectMfaSession(done, m.member_id, "totp");
});

check("totp.optional_enrollment", async (c) => {
  const { org, m, login } = await c.loggedIn("OPTIONAL");
  const created = await c.client.totps.create({
    organization_id: org.organization_id,
    member_id: m.member_id,
    session_token: login.session_token,
  });
  const r = await c.client.totps.authenticate({
    organization_id: org.organization_id,
    member_id: m.member_id,
    code: await c.totpCode(org.organization_id, m.member_id),
    session_token: login.session_token,
    set_mfa_enrollment: "enroll",
    set_default_mfa: true,
  });
  eq(r.member.mfa_enrolled, true, "mfa_enrolled after set_mfa_enrollment=enroll");
  eq(r.member.default_mfa_method, "totp", "default_mfa_method after set_default_mfa");
  eq(r.member.totp_registration_id, created.totp_registration_id, "totp_registration_id");
  ok(factorTypes(r.member_session).includes("totp"), "step-up session lacks the totp factor");
  expectMfaPending(await c.magicLinkLogin(org.organization_id, m.email_address));
});

check("totp.delete_totp", async (c) => {
  const { org, m } = await c.totpEnrollRequired();
  const r = await c.client.organizations.members.deleteTOTP({ organization_id: org.organization_id, member_id: m.member_id });
  eq(r.member.totp_registration_id, "", "totp_registration_id after deleteTOTP");
  expectMfaPending(await c.magicLinkLogin(org.organization_id, m.email_address));
});

check("totp.migrate", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const mig = await c.client.totps.migrate({
    organization_id: org.organization_id,
    member_id: m.member_id,
    secret: MIGRATED_TOTP_SECRET,
    recovery_codes: [],
  });
  ok(mig.totp_registration_id, "totp_registration_id empty after migrate");
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectMfaPending(primary);
  const opts = primary.mfa_required.member_options;
  ok(opts, "member_options null after totps.migrate");
  eq(opts.totp_registration_id, mig.totp_registration_id, "member_options.totp_registration_id");
  const done = await c.client.totps.authenticate({
    organization_id: org.organization_id,
    member_id: m.member_id,
    code: totpAt(MIGRATED_TOTP_SECRET, await c.mockNow()),
    intermediate_session_token: primary.intermediate_session_token,
  });
  expectMfaSession(done, m.member_id, "totp");
});

check("totp.error_wrong_code", async (c) => {
  const { org, m } = await c.totpEnrollRequired();
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  const real = await c.totpCode(org.organization_id, m.member_id);
  await expectError("unable_to_authenticate_totp", () =>
    c.client.totps.authenticate({
      organization_id: org.organization_id,
      member_id: m.member_id,
      code: real === "000000" ? "111111" : "000000",
      intermediate_session_token: primary.intermediate_session_token,
    }),
  );
});

check("totp.error_expired_ist", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  await c.client.totps.create({
    organization_id: org.organization_id,
    member_id: m.member_id,
    intermediate_session_token: primary.intermediate_session_token,
  });
  await c.advanceClock(11 * 60);
  const code = await c.totpCode(org.organization_id, m.member_id);
  await expectError("intermediate_session_not_found", () =>
    c.client.totps.authenticate({
      organization_id: org.organization_id,
      member_id: m.member_id,
      code,
      intermediate_session_token: primary.intermediate_session_token,
    }),
  );
});

// ---- recovery codes --------------------------------------------------------------------------

check("recovery_codes.get", async (c) => {
  const { org, m, created } = await c.totpEnrollRequired();
  const r = await c.client.recoveryCodes.get({ organization_id: org.organization_id, member_id: m.member_id });
  eq([...r.recovery_codes].sort(), [...created.recovery_codes].sort(), "recovery codes from get");
});

check("recovery_codes.recover", async (c) => {
  const { org, m, created } = await c.totpEnrollRequired();
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectMfaPending(primary);
  const r = await c.client.recoveryCodes.recover({
    organization_id: org.organization_id,
    member_id: m.member_id,
    recovery_code: created.recovery_codes[0],
    intermediate_session_token: primary.intermediate_session_token,
  });
  expectMfaSession(r, m.member_id, "recovery_codes");
  eq(r.recovery_codes_remaining, 9, "recovery_codes_remaining");
  const again = await c.magicLinkLogin(org.organization_id, m.email_address);
  await expectError("unable_to_authenticate_recovery_code", () =>
    c.client.recoveryCodes.recover({
      organization_id: org.organization_id,
      member_id: m.member_id,
      recovery_code: created.recovery_codes[0],
      intermediate_session_token: again.intermediate_session_token,
    }),
  );
});

check("recovery_codes.rotate", async (c) => {
  const { org, m, created } = await c.totpEnrollRequired();
  const r = await c.client.recoveryCodes.rotate({ organization_id: org.organization_id, member_id: m.member_id });
  eq(r.recovery_codes.length, 10, "number of rotated codes");
  ok(!r.recovery_codes.some((x) => created.recovery_codes.includes(x)), "rotated codes overlap the old ones");
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  await expectError("unable_to_authenticate_recovery_code", () =>
    c.client.recoveryCodes.recover({
      organization_id: org.organization_id,
      member_id: m.member_id,
      recovery_code: created.recovery_codes[1],
      intermediate_session_token: primary.intermediate_session_token,
    }),
  );
  const okResp = await c.client.recoveryCodes.recover({
    organization_id: org.organization_id,
    member_id: m.member_id,
    recovery_code: r.recovery_codes[0],
    intermediate_session_token: primary.intermediate_session_token,
  });
  expectMfaSession(okResp, m.member_id, "recovery_codes");
});

check("recovery_codes.error_wrong_code", async (c) => {
  const { org, m } = await c.totpEnrollRequired();
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  await expectError("unable_to_authenticate_recovery_code", () =>
    c.client.recoveryCodes.recover({
      organization_id: org.organization_id,
      member_id: m.member_id,
      recovery_code: "zzzz-zzzz-zzzz",
      intermediate_session_token: primary.intermediate_session_token,
    }),
  );
});

check("recovery_codes.error_expired_ist", async (c) => {
  const { org, m, created } = await c.totpEnrollRequired();
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  await c.advanceClock(11 * 60);
  await expectError("intermediate_session_not_found", () =>
    c.client.recoveryCodes.recover({
      organization_id: org.organization_id,
      member_id: m.member_id,
      recovery_code: created.recovery_codes[0],
      intermediate_session_token: primary.intermediate_session_token,
    }),
  );
});

// ---- faults (`/_mock/faults`): what the SDK throws when the mock injects a failure -------------

async function addFault(c, rule) {
  return (await c.control("POST", "/_mock/faults", { json: rule })).fault;
}

async function clearFaults(c) {
  await c.control("DELETE", "/_mock/faults");
}

/** The newest request-log entry whose path contains `part`. */
async function loggedRequest(c, part) {
  const log = await c.control("GET", "/_mock/requests", { params: { limit: "50" } });
  const e = log.requests.find((r) => (r.path || "").includes(part));
  ok(e, `no request to ${part} in the request log`);
  return e;
}

/** The call must reject with the SDK's RequestError from fetch: the mock answered nothing. */
async function expectNoAnswer(promiseFn) {
  let result;
  try {
    result = await promiseFn();
  } catch (e) {
    ok(
      e instanceof stytch.RequestError,
      `expected RequestError (no answer), got ${e?.constructor?.name}: ${e?.message} ${e?.status_code ?? ""}`,
    );
    ok(/fetch failed|other side closed|socket/i.test(e.message), `not a closed connection: ${e.message}`);
    return e;
  }
  throw new CheckFailure(`expected no answer, but the call succeeded: ${fmt(result).slice(0, 300)}`);
}

check("faults.error", async (c) => {
  const org = await c.newOrg();
  const rule = await addFault(c, {
    method: "GET",
    path: "/v1/b2b/organizations/*",
    action: { kind: "error", error_type: "organization_not_found" },
  });
  try {
    const e = await expectError("organization_not_found", () =>
      c.client.organizations.get({ organization_id: org.organization_id }),
    );
    eq(e.status_code, 404, "status_code of the catalog error");
    eq(e.error_message, "Organization could not be found.", "the catalog's message");
    const entry = await loggedRequest(c, org.organization_id);
    eq(fmt([entry.fault?.rule, entry.fault?.kind]), fmt([rule.id, "error"]), "log mark");
  } finally {
    await clearFaults(c);
  }
  const got = await c.client.organizations.get({ organization_id: org.organization_id });
  eq(got.organization.organization_id, org.organization_id, "the organization after the rule is gone");
});

check("faults.too_many_requests", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectMfaPending(primary);
  const send = {
    organization_id: org.organization_id,
    member_id: m.member_id,
    mfa_phone_number: PHONE,
    intermediate_session_token: primary.intermediate_session_token,
  };
  await addFault(c, { method: "POST", path: "/v1/b2b/otps/sms/send", action: { kind: "too_many_requests" } });
  try {
    const e = await expectError("too_many_requests", () => c.client.otps.sms.send(send));
    eq(e.status_code, 429, "status_code");
    eq((await c.outbox(m.member_id, "sms")).length, 0, "SMS sent despite the 429");
  } finally {
    await clearFaults(c);
  }
  await c.client.otps.sms.send(send);
  ok(await c.latestSmsCode(m.member_id), "the SMS is sent once the rule is gone");
});

check("faults.drop", async (c) => {
  const org = await c.newOrg();
  const email = c.email("dropped");
  await addFault(c, { method: "POST", path: "/v1/b2b/organizations/*/members", action: { kind: "drop" } });
  try {
    await expectNoAnswer(() =>
      c.client.organizations.members.create({ organization_id: org.organization_id, email_address: email }),
    );
  } finally {
    await clearFaults(c);
  }
  const entry = await loggedRequest(c, `/v1/b2b/organizations/${org.organization_id}/members`);
  eq(fmt([entry.status, entry.fault?.kind]), fmt([0, "drop"]), "log entry");
  await expectError("member_not_found", () =>
    c.client.organizations.members.get({ organization_id: org.organization_id, email_address: email }),
  );
});

check("faults.delay", async (c) => {
  await addFault(c, { path: "/v1/b2b/organizations/search", action: { kind: "delay", ms: 400 } });
  try {
    const res = await c.client.organizations.search({});
    ok(Array.isArray(res.organizations), "the delayed call still answers normally");
  } finally {
    await clearFaults(c);
  }
  const entry = await loggedRequest(c, "/v1/b2b/organizations/search");
  eq(entry.fault?.kind, "delay", "log mark");
  ok(entry.duration_us >= 400_000, `duration_us ${entry.duration_us} < the 400 ms delay`);
});

check("faults.lose_answer", async (c) => {
  const org = await c.newOrg("REQUIRED_FOR_ALL");
  const m = await c.newMember(org.organization_id);
  const primary = await c.magicLinkLogin(org.organization_id, m.email_address);
  expectMfaPending(primary);
  const send = {
    organization_id: org.organization_id,
    member_id: m.member_id,
    mfa_phone_number: PHONE,
    intermediate_session_token: primary.intermediate_session_token,
  };
  await addFault(c, { path: "/v1/b2b/otps/sms/send", body: { member_id: m.member_id }, action: { kind: "lose_answer" } });
  try {
    await expectNoAnswer(() => c.client.otps.sms.send(send));
  } finally {
    await clearFaults(c);
  }
  // Stytch did it, the app never heard: the SMS is in the outbox and its code works.
  const code = await c.latestSmsCode(m.member_id);
  ok(code, "the SMS whose answer was lost is in the outbox");
  const entry = await loggedRequest(c, "/v1/b2b/otps/sms/send");
  eq(fmt([entry.status, entry.fault?.kind]), fmt([200, "lose_answer"]), "log entry");
  const done = await c.client.otps.sms.authenticate({
    organization_id: org.organization_id,
    member_id: m.member_id,
    code,
    intermediate_session_token: primary.intermediate_session_token,
  });
  expectMfaSession(done, m.member_id, "otp");
});

check("faults.times", async (c) => {
  await addFault(c, {
    path: "/v1/b2b/organizations/search",
    action: { kind: "error", error_type: "internal_server_error" },
    times: 2,
  });
  try {
    const outcome = [];
    for (let i = 0; i < 4; i++) {
      try {
        await c.client.organizations.search({});
        outcome.push("ok");
      } catch (e) {
        ok(e instanceof stytch.StytchError, `expected StytchError, got ${e?.constructor?.name}: ${e?.message}`);
        outcome.push(e.error_type);
      }
    }
    eq(outcome, ["internal_server_error", "internal_server_error", "ok", "ok"], "times: 2");
    const listed = (await c.control("GET", "/_mock/faults")).faults;
    eq(fmt([listed[0].hits, listed[0].remaining]), fmt([2, 0]), "hits and remaining");
  } finally {
    await clearFaults(c);
  }
});

/** 20 searches under a `probability: 0.5` rule on a fresh mock: which of them were hit. */
async function probabilityPattern(c) {
  const rule = await addFault(c, {
    path: "/v1/b2b/organizations/search",
    action: { kind: "too_many_requests" },
    probability: 0.5,
  });
  eq(rule.id, "fault-1", "the first rule of a fresh mock");
  const hits = [];
  try {
    for (let i = 0; i < 20; i++) {
      try {
        await c.client.organizations.search({});
        hits.push(false);
      } catch (e) {
        ok(e instanceof stytch.StytchError, `expected StytchError, got ${e?.constructor?.name}: ${e?.message}`);
        eq(e.error_type, "too_many_requests", "the configured error");
        hits.push(true);
      }
    }
    const listed = (await c.control("GET", "/_mock/faults")).faults;
    eq(listed[0].hits, hits.filter(Boolean).length, "hits");
  } finally {
    await clearFaults(c);
  }
  return hits;
}

check("faults.probability_replays", async (c) => {
  // Fresh rule state on both runs: a restart (same database, so the same seed) clears every rule.
  await c.restartMock();
  const first = await probabilityPattern(c);
  ok(first.some(Boolean) && !first.every(Boolean), `0.5 over 20 calls should both hit and miss: ${fmt(first)}`);
  await c.restartMock();
  eq(await probabilityPattern(c), first, "the hit pattern on a second fresh mock with the same seed");
});

// ---- TLS (`mock-stytch --tls`, `custom_base_url`) -------------------------------------------

// The SDK in a fresh `node` (NODE_EXTRA_CA_CERTS is read once, at start). The SDK turns a
// network failure into RequestError("fetch failed"), so the probe also asks fetch for the cause.
const TLS_PROBE = `
const stytch = require(require("node:path").join(process.env.SDK_NODE_DIR, "node_modules/stytch"));
const url = process.env.MOCK_BASE_URL;
const client = new stytch.B2BClient({ project_id: process.env.STYTCH_PROJECT_ID, secret: process.env.STYTCH_SECRET, custom_base_url: url });
client.organizations.search({}).then(
  (r) => console.log("OK", r.organizations.length),
  async (e) => {
    let cause = "";
    try { await fetch(url + "/_mock/health"); } catch (f) { cause = f?.cause?.code || String(f?.cause); }
    console.log("ERR", e?.constructor?.name, e?.message, cause);
  });
`;

function tlsProbe(baseUrl, extra) {
  const env = { ...process.env, MOCK_BASE_URL: baseUrl, SDK_NODE_DIR: sdkDir };
  delete env.NODE_EXTRA_CA_CERTS;
  Object.assign(env, extra);
  const out = spawnSync(process.execPath, ["-e", TLS_PROBE], { env, encoding: "utf8", timeout: 120000 });
  return `${out.stdout || ""}${out.stderr || ""}`.trim();
}

check("tls.ca_variable_is_what_is_trusted", async (c) => {
  ok(c.baseUrl.startsWith("https://"), `needs the mock over TLS, MOCK_BASE_URL is ${c.baseUrl}`);
  const ca = process.env.MOCK_CA_FILE || "";
  ok(ca && existsSync(ca), `MOCK_CA_FILE ${fmt(ca)} is not a file`);
  const refused = tlsProbe(c.baseUrl, {});
  ok(
    refused.startsWith("ERR RequestError") && /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED/.test(refused),
    `without NODE_EXTRA_CA_CERTS the SDK should fail certificate verification, got: ${refused.slice(0, 400)}`,
  );
  const trusted = tlsProbe(c.baseUrl, { NODE_EXTRA_CA_CERTS: ca });
  ok(trusted.startsWith("OK "), `with NODE_EXTRA_CA_CERTS=${ca} the SDK should succeed: ${trusted.slice(0, 400)}`);
  const logged = await c.control("GET", "/_mock/requests", { params: { limit: "20" } });
  const paths = logged.requests.map((r) => r.path);
  ok(paths.some((p) => p && p.includes("organizations/search")), `search not in the request log: ${fmt(paths)}`);
});

// ---------------------------------------------------------------------------------------------

function selected(name) {
  if (!SELECTED.length) return true;
  return SELECTED.some((s) => name === s || name.startsWith(s + "."));
}

async function main() {
  if (SDK_VERSION !== "14.2.0") {
    console.log(`FAIL setup: expected stytch 14.2.0, found ${SDK_VERSION}`);
    console.log("node: 0 passed, 1 failed");
    return 1;
  }
  const ctx = new Ctx(BASE_URL);
  let passed = 0;
  let failed = 0;
  for (const [name, fn] of CHECKS) {
    if (!selected(name)) continue;
    try {
      await fn(ctx);
      passed += 1;
      console.log(`PASS ${name}`);
    } catch (e) {
      failed += 1;
      let why = `${e?.constructor?.name}: ${e?.message}`;
      if (e instanceof stytch.StytchError) {
        why = `StytchError ${e.status_code} ${e.error_type}: ${e.error_message}`;
      }
      console.log(`FAIL ${name}: ${why.replace(/\n/g, " | ")}`);
      console.error(`--- ${name} ---\n${e?.stack || e}`);
    }
  }
  console.log(`node: ${passed} passed, ${failed} failed`);
  return failed || !passed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
