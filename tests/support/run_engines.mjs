// Runs the cross-engine tier (tests/engines/*.test.mjs): the worker on workerd over local TLS
// with a short JWT lifetime, so a renewal happens within the test.
//
// Local TLS, because WebKit refuses `Secure` cookies over plain HTTP (`localhost` included): a
// self-signed certificate for localhost, *.localhost and 127.0.0.1 is made here with openssl,
// valid one day, kept in the run's folder. `wrangler dev --local-protocol https` serves with it;
// the tests put a recording HTTPS proxy (the same certificate) in front, on the port the
// browsers use, and every engine is told to accept the certificate (WebDriver's
// `acceptInsecureCerts`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, REPO, OUTPUT } from './env.mjs';
import { startWorker } from './worker.mjs';

/** The session JWT's lifetime in this tier, in seconds: renewed after 4/5 of it. */
const JWT_TTL_SECONDS = 6;

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const tlsDir = join(OUTPUT, `engines-tls-${process.pid}`);
mkdirSync(tlsDir, { recursive: true });
const tls = { key: join(tlsDir, 'key.pem'), cert: join(tlsDir, 'cert.pem') };
const openssl = spawnSync('openssl', [
  'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
  '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,DNS:*.localhost,DNS:acme.localhost,IP:127.0.0.1',
  '-keyout', tls.key, '-out', tls.cert,
], { encoding: 'utf8' });
if (openssl.status !== 0) {
  console.error(`openssl could not make the test certificate:\n${openssl.stderr}`);
  process.exit(1);
}

// The browsers talk to the proxy's port: it is the desktop's and the widget's origin.
const proxyPort = await freePort();
let worker;
try {
  worker = await startWorker('engines', {
    desktop: `https://127.0.0.1:${proxyPort}`, tls, vars: { JWT_TTL_SECONDS: String(JWT_TTL_SECONDS) },
  });
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

// `node tests/support/run_engines.mjs <file>…` runs only those test files.
const suites = process.argv.length > 2 ? process.argv.slice(2)
  : readdirSync(join(REPO, 'tests', 'engines')).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join('tests', 'engines', f));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...suites], {
  cwd: REPO, stdio: 'inherit',
  env: {
    ...process.env,
    DESKGATE_PORT: String(proxyPort), DESKGATE_WORKER_PORT: String(worker.port),
    DESKGATE_TLS_KEY: tls.key, DESKGATE_TLS_CERT: tls.cert, DESKGATE_JWT_TTL: String(JWT_TTL_SECONDS),
  },
});
worker.stop(run.status === 0);
rmSync(tlsDir, { recursive: true, force: true });
process.exit(run.status ?? 1);
