// Over TLS: the SDK's custom_base_url = https://127.0.0.1:PORT, trusted through the
// NODE_EXTRA_CA_CERTS that tls-setup.mjs exported. Without that variable it must fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { connectMockStytch } from "mock-stytch";

const mock = connectMockStytch();

test("custom_base_url over https with the mock's CA", async () => {
  assert.match(mock.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const { organization } = await mock.client().organizations.create({ organization_name: "Tls", organization_slug: "tls" });
  assert.equal(organization.organization_slug, "tls");
});

test("without NODE_EXTRA_CA_CERTS the certificate is refused", () => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const probe = `fetch(${JSON.stringify(mock.url + "/_mock/health")}).then(() => console.log("trusted"), (e) => console.log(e.cause?.code))`;
  const out = spawnSync(process.execPath, ["-e", probe], { env, encoding: "utf8" });
  assert.match(out.stdout, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
});
