// The package's own behaviour, run in the fresh project that installed the tarball
// (../../test-packages.sh): stop() ends the process, start failures are clear errors, and a
// TLS mock is reachable through its CA while client() refuses a process that does not trust it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startMockStytch, connectMockStytch } from "mock-stytch";

test("stop() ends the mock and the port stops answering", async () => {
  const mock = await startMockStytch({ seed: 3 });
  assert.equal((await mock.control.health()).ok, true);
  assert.match(mock.log(), /mock-stytch listening on http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(await mock.stop(), 0); // SIGTERM is graceful: exit code 0
  await assert.rejects(mock.control.health(), /ECONNREFUSED/);
});

test("a binary that does not start is a clear error", async () => {
  await assert.rejects(startMockStytch({ binary: "/no/such/mock-stytch" }), /does not exist/);
  await assert.rejects(startMockStytch({ args: ["--no-such-flag"] }), /exited with 2[\s\S]*no-such-flag/);
});

test("TLS: the control API trusts caFile; client() needs NODE_EXTRA_CA_CERTS at start", async () => {
  const mock = await startMockStytch({ tls: true });
  try {
    assert.match(mock.url, /^https:/);
    assert.equal((await mock.control.health()).ok, true);
    assert.equal(mock.env.NODE_EXTRA_CA_CERTS, mock.caFile);
    assert.equal(connectMockStytch(mock.env).url, mock.url);
    assert.throws(() => mock.client(), /NODE_EXTRA_CA_CERTS=/);
  } finally {
    await mock.stop();
  }
});
