// mock-stytch for Node tests: start the bundled binary, talk to its control API, hand out an
// official `stytch.B2BClient` pointed at it. Types: index.d.ts. CommonJS, so both `require` and
// `import` work.
//
// `startMockStytch()` runs the binary on a free loopback port (`--listen 127.0.0.1:0`; the port
// is read from its start banner), in memory with seed 42 unless told otherwise, and waits for
// `/_mock/health`. `connectMockStytch()` attaches to a mock started elsewhere (Jest/Vitest
// `globalSetup`) through the variables `mock.env` holds. Nothing here talks to anything but
// that mock; the user's MOCK_STYTCH_* variables are not passed to the binary.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const https = require("node:https");
const os = require("node:os");
const path = require("node:path");

const DEFAULT_PROJECT_ID = "project-test-11111111-2222-4333-8444-555555555555";
const DEFAULT_SECRET = "secret-test-mock-stytch-local-only-000000000";
const DEFAULT_SEED = 42;
const BANNER = /mock-stytch listening on (https?:\/\/\S+)/;

/** `explicit`, else $STYTCH_MOCK_BIN, else the binary inside this package. */
function findBinary(explicit) {
  const candidate = explicit || process.env.STYTCH_MOCK_BIN || path.join(__dirname, "bin", "mock-stytch");
  if (!fs.existsSync(candidate)) throw new Error(`mock-stytch binary ${candidate} does not exist`);
  return candidate;
}

class MockStytch {
  constructor({ url, projectId, secret, caFile, child, log, workdir }) {
    this.url = url.replace(/\/+$/, "");
    this.projectId = projectId;
    this.secret = secret;
    this.caFile = caFile || null;
    this._child = child || null;
    this._log = log || [];
    this._workdir = workdir || null;
    this._ca = this.caFile ? fs.readFileSync(this.caFile) : null;
    this.control = makeControl(this);
  }

  /** Variables for another process (globalSetup → workers): url, credentials, CA trust. */
  get env() {
    const env = { STYTCH_MOCK_URL: this.url, STYTCH_MOCK_PROJECT_ID: this.projectId, STYTCH_MOCK_SECRET: this.secret };
    if (this.caFile) Object.assign(env, { STYTCH_MOCK_CA_FILE: this.caFile, NODE_EXTRA_CA_CERTS: this.caFile });
    return env;
  }

  /** Everything the mock printed (banner, one line per request); empty when only connected. */
  log() {
    return this._log.join("");
  }

  /**
   * An official `stytch.B2BClient` for this mock (the `stytch` package must be installed).
   * Plain HTTP goes through `env:`; TLS through `custom_base_url:`, which needs the CA trusted
   * by this process: NODE_EXTRA_CA_CERTS=caFile set before node started (globalSetup does it
   * for Jest/Vitest workers; see README), or your own undici `dispatcher` in `options`.
   */
  client(options = {}) {
    let stytch;
    try {
      stytch = require(require.resolve("stytch", { paths: [process.cwd(), __dirname] }));
    } catch (e) {
      throw new Error(`client() needs the official SDK: npm install stytch (${e.message})`);
    }
    const base = { project_id: this.projectId, secret: this.secret };
    if (!this.caFile) return new stytch.B2BClient({ ...base, env: `${this.url}/`, ...options });
    if (!options.dispatcher && process.env.NODE_EXTRA_CA_CERTS !== this.caFile) {
      throw new Error(
        `the mock serves TLS: start node with NODE_EXTRA_CA_CERTS=${this.caFile} ` +
          "(read once at start; set it in globalSetup before test workers start) or pass a dispatcher",
      );
    }
    return new stytch.B2BClient({ ...base, custom_base_url: this.url, ...options });
  }

  /** SIGTERM (graceful), SIGKILL after `timeoutMs`; resolves with the exit code. */
  async stop(timeoutMs = 10000) {
    const child = this._child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    if (this._workdir) fs.rmSync(this._workdir, { recursive: true, force: true });
    this._workdir = null;
    return child ? child.exitCode : null;
  }
}

/** One control-API (or any) request; resolves with the parsed JSON, rejects unless 200. */
function request(mock, method, p, { params, json, text, contentType, auth = true } = {}) {
  const url = new URL(mock.url + p);
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
  const body = json !== undefined ? JSON.stringify(json) : text;
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = json !== undefined ? "application/json" : contentType || "text/plain";
  if (auth) headers.Authorization = "Basic " + Buffer.from(`${mock.projectId}:${mock.secret}`).toString("base64");
  const lib = url.protocol === "https:" ? https : http;
  const tls = url.protocol === "https:" ? { ca: mock._ca } : {};
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, timeout: 30000, ...tls }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`${method} ${p} -> ${res.statusCode}: ${text.slice(0, 500)}`));
        try {
          resolve(text ? JSON.parse(text) : {});
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function makeControl(mock) {
  const call = (method, p, opts) => request(mock, method, p, opts);
  async function newest(field, filter, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const m of await control.outbox(filter)) if (m[field]) return m[field];
      if (Date.now() >= deadline) throw new Error(`no message with a ${field} in the outbox for ${JSON.stringify(filter)}`);
      await sleep(50);
    }
  }
  const control = {
    request: call,
    health: () => call("GET", "/_mock/health", { auth: false }),
    outbox: async (filter = {}) => (await call("GET", "/_mock/outbox", { params: filter })).messages,
    latestCode: (to, { channel, timeoutMs } = {}) => newest("code", { to, channel }, timeoutMs),
    magicLinkToken: (email, { timeoutMs } = {}) => newest("token", { to: email, channel: "email" }, timeoutMs),
    totpCode: async (organizationId, memberId) =>
      (await call("GET", "/_mock/totp/code", { params: { organization_id: organizationId, member_id: memberId } })).code,
    clock: () => call("GET", "/_mock/clock"),
    advance: (seconds) => call("POST", "/_mock/clock", { json: { advance_seconds: seconds } }),
    reset: async () => {
      await call("POST", "/_mock/reset");
    },
    ssoToken: async (organizationId, emailAddress, connectionId) =>
      (
        await call("POST", "/_mock/sso/token", {
          json: { organization_id: organizationId, email_address: emailAddress, ...(connectionId ? { connection_id: connectionId } : {}) },
        })
      ).token,
    oauthToken: async (organizationId, emailAddress, provider = "google") =>
      (await call("POST", "/_mock/oauth/token", { json: { organization_id: organizationId, email_address: emailAddress, provider } })).token,
    requests: async (limit = 100) => (await call("GET", "/_mock/requests", { params: { limit } })).requests,
    addFault: async (rule) => (await call("POST", "/_mock/faults", { json: rule })).fault,
    faults: async () => (await call("GET", "/_mock/faults")).faults,
    removeFault: async (id) => {
      await call("DELETE", `/_mock/faults/${encodeURIComponent(id)}`);
    },
    clearFaults: async () => {
      await call("DELETE", "/_mock/faults");
    },
    loadFixtures: (doc) =>
      typeof doc === "string"
        ? call("POST", "/_mock/fixtures", { text: doc, contentType: "application/yaml" })
        : call("POST", "/_mock/fixtures", { json: doc }),
    snapshotTo: (file) => call("POST", "/_mock/snapshot", { json: { path: path.resolve(file) } }),
    restoreFrom: (file) => call("POST", "/_mock/restore", { json: { path: path.resolve(file) } }),
  };
  return control;
}

/** Start the bundled mock; see index.d.ts for the options. */
async function startMockStytch(opts = {}) {
  const projectId = opts.projectId || DEFAULT_PROJECT_ID;
  const secret = opts.secret || DEFAULT_SECRET;
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "mock-stytch-"));
  const args = ["--listen", "127.0.0.1:0", "--project-id", projectId, "--secret", secret];
  args.push(...(opts.db ? ["--db", opts.db] : ["--in-memory"]));
  const seed = opts.seed === undefined ? DEFAULT_SEED : opts.seed;
  if (seed !== null) args.push("--seed", String(seed));
  let caFile = null;
  if (opts.tls) {
    const tlsDir = opts.db ? `${opts.db}.tls` : path.join(workdir, "tls");
    args.push("--tls", "--tls-dir", tlsDir);
    caFile = path.join(tlsDir, "ca.pem");
  }
  args.push(...(opts.args || []));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("MOCK_STYTCH_") && k !== "STYTCH_PROJECT_ID" && k !== "STYTCH_SECRET"),
  );
  env.RUST_LOG = env.RUST_LOG || "mock_stytch=info";
  env.NO_COLOR = "1";
  const child = spawn(findBinary(opts.binary), args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const log = [];
  const timeoutMs = opts.startupTimeoutMs || 30000;
  const url = await new Promise((resolveBanner, reject) => {
    let resolve = resolveBanner;
    const timer = setTimeout(() => fail(new Error(`mock-stytch printed no banner within ${timeoutMs} ms`)), timeoutMs);
    function fail(e) {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${e.message}\n${log.join("").slice(-4000)}`));
    }
    const onData = (d) => {
      log.push(d.toString());
      if (opts.onLog) opts.onLog(d.toString());
      const m = BANNER.exec(log.join(""));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    const onExit = (code) => fail(new Error(`mock-stytch exited with ${code}`));
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", fail);
    child.once("exit", onExit);
    const done = resolve;
    resolve = (v) => {
      child.removeListener("exit", onExit);
      done(v);
    };
  });
  // A test that forgets stop() neither hangs the runner (unref) nor leaks the process (exit hook).
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  const mock = new MockStytch({ url, projectId, secret, caFile, child, log, workdir });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await mock.control.health()).ok === true) return mock;
    } catch (e) {
      if (Date.now() >= deadline) {
        await mock.stop();
        throw new Error(`/_mock/health never answered: ${e.message}\n${mock.log().slice(-4000)}`);
      }
    }
    await sleep(50);
  }
}

/** Attach to a mock started elsewhere, from `mock.env` (default: process.env). Does not own it. */
function connectMockStytch(env = process.env) {
  if (!env.STYTCH_MOCK_URL) throw new Error("STYTCH_MOCK_URL is not set: start the mock in globalSetup and export mock.env");
  return new MockStytch({
    url: env.STYTCH_MOCK_URL,
    projectId: env.STYTCH_MOCK_PROJECT_ID || DEFAULT_PROJECT_ID,
    secret: env.STYTCH_MOCK_SECRET || DEFAULT_SECRET,
    caFile: env.STYTCH_MOCK_CA_FILE,
  });
}

module.exports = { startMockStytch, connectMockStytch, findBinary, MockStytch, DEFAULT_PROJECT_ID, DEFAULT_SECRET };
