// A Jest/Vitest-style globalSetup: start one TLS mock and export its variables (URL,
// credentials, NODE_EXTRA_CA_CERTS) so the test processes started afterwards trust its CA.
import { startMockStytch } from "mock-stytch";

export default async function globalSetup() {
  const mock = await startMockStytch({ tls: true });
  Object.assign(process.env, mock.env);
  return () => mock.stop();
}
