// What a runner does with a globalSetup: run it, start the tests in a new process (which reads
// NODE_EXTRA_CA_CERTS at start), then tear down. Jest and Vitest do this for you.
import { spawnSync } from "node:child_process";
import globalSetup from "./tls-setup.mjs";

const teardown = await globalSetup();
const run = spawnSync(process.execPath, ["--test", "tls.test.mjs"], { stdio: "inherit", env: process.env });
await teardown();
process.exit(run.status ?? 1);
