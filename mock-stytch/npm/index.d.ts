// Types for mock-stytch's Node API (index.js).

export const DEFAULT_PROJECT_ID: string;
export const DEFAULT_SECRET: string;

export interface StartOptions {
  /** The mock-stytch binary; default $STYTCH_MOCK_BIN, else the one in this package. */
  binary?: string;
  /** Serve HTTPS with the mock's local CA (`--tls`); `caFile` is the CA to trust. */
  tls?: boolean;
  /** Seed of every id, token and code; default 42, `null` lets the mock choose one. */
  seed?: number | null;
  /** A SQLite file to use and keep; default in memory. */
  db?: string;
  projectId?: string;
  secret?: string;
  /** More `mock-stytch` flags, e.g. `["--frozen-clock", "2030-01-01T00:00:00Z"]`. */
  args?: string[];
  /** How long to wait for the banner and `/_mock/health`; default 30000. */
  startupTimeoutMs?: number;
  /** Called with every chunk the mock prints. */
  onLog?: (chunk: string) => void;
}

export interface OutboxMessage {
  id: string;
  channel: "email" | "sms";
  to: string;
  organization_id: string | null;
  member_id: string | null;
  kind: string;
  token: string | null;
  code: string | null;
  sent_at: string;
  [field: string]: unknown;
}

export interface OutboxFilter {
  to?: string;
  channel?: "email" | "sms";
  organization_id?: string;
  member_id?: string;
  kind?: string;
  limit?: number;
}

export interface Clock {
  now: string;
  offset_seconds: number;
  frozen: boolean;
}

export interface Control {
  /** Any request to the mock with its Basic credentials; resolves with the JSON body. */
  request(method: string, path: string, opts?: { params?: Record<string, string | number>; json?: unknown; auth?: boolean }): Promise<any>;
  health(): Promise<{ ok: boolean; now: string }>;
  /** Messages the mock "sent", newest first. */
  outbox(filter?: OutboxFilter): Promise<OutboxMessage[]>;
  /** The newest OTP code sent to `to` (phone number or email), waiting up to `timeoutMs` (5000). */
  latestCode(to: string, opts?: { channel?: "email" | "sms"; timeoutMs?: number }): Promise<string>;
  /** The token of the newest magic-link (or reset) email to `email`. */
  magicLinkToken(email: string, opts?: { timeoutMs?: number }): Promise<string>;
  /** The member's current TOTP code on the virtual clock. */
  totpCode(organizationId: string, memberId: string): Promise<string>;
  clock(): Promise<Clock>;
  /** Move the virtual clock forward. */
  advance(seconds: number): Promise<Clock>;
  /** Wipe all data, restart the id sequence and the clock offset. */
  reset(): Promise<void>;
  /** A single-use `sso_token` for `sso.authenticate`. */
  ssoToken(organizationId: string, emailAddress: string, connectionId?: string): Promise<string>;
  /** A single-use `oauth_token` for `oauth.authenticate`. */
  oauthToken(organizationId: string, emailAddress: string, provider?: "google" | "microsoft" | "hubspot" | "slack" | "github"): Promise<string>;
  /** Recent requests (bodies redacted), newest first. */
  requests(limit?: number): Promise<Array<Record<string, unknown>>>;
  /** Add a fault rule (README "Faults"), e.g. `{ path: "/v1/b2b/otps/sms/send", action: { kind: "too_many_requests" }, times: 1 }`; resolves with it and its `id`. */
  addFault(rule: FaultRule): Promise<FaultRule & { id: string; hits: number }>;
  /** The fault rules with their `hits` and `remaining`. */
  faults(): Promise<Array<FaultRule & { id: string; hits: number; remaining: number | null }>>;
  removeFault(id: string): Promise<void>;
  clearFaults(): Promise<void>;
  /** Load a fixture document (an object, or YAML text; README "Fixtures"): what was created, updated or unchanged, ids by alias. */
  loadFixtures(doc: Record<string, unknown> | string): Promise<any>;
  /** Write a consistent copy of the whole state to `file` (README "Snapshots"). */
  snapshotTo(file: string): Promise<{ path: string; size_bytes: number }>;
  /** Replace the state by a snapshot's: the same requests then get the same answers. */
  restoreFrom(file: string): Promise<{ restored: boolean; now: string }>;
}

export interface FaultRule {
  method?: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  /** Exact, or with `*` (one segment) and a last `**` (any rest). */
  path: string;
  /** Top-level JSON body fields that must be equal. */
  body?: Record<string, string>;
  action:
    | { kind: "error"; error_type: string; status?: number; error_message?: string }
    | { kind: "too_many_requests" }
    | { kind: "delay"; ms: number }
    | { kind: "drop" }
    | { kind: "lose_answer" };
  times?: number;
  probability?: number;
}

export interface MockStytch {
  /** `http://127.0.0.1:PORT`, or `https://…` with `tls`. */
  readonly url: string;
  readonly projectId: string;
  readonly secret: string;
  /** The CA certificate to trust with `tls`, else null. */
  readonly caFile: string | null;
  readonly control: Control;
  /** For another process (globalSetup → workers): STYTCH_MOCK_URL, credentials, NODE_EXTRA_CA_CERTS. */
  readonly env: Record<string, string>;
  /** An official `stytch.B2BClient` pointed at the mock (`env:`, or `custom_base_url:` with TLS). */
  client(options?: Record<string, unknown>): any;
  /** Everything the mock printed so far. */
  log(): string;
  /** Graceful stop (SIGTERM, then SIGKILL); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Start the bundled binary on a free loopback port and wait until it is healthy. */
export function startMockStytch(opts?: StartOptions): Promise<MockStytch>;
/** Attach to a mock started elsewhere, from `mock.env` (default `process.env`). */
export function connectMockStytch(env?: Record<string, string | undefined>): MockStytch;
export function findBinary(explicit?: string): string;
