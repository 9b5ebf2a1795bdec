// Where the black-box tiers find the worker and the demo secrets, and small process helpers.
import { createServer } from 'node:net';
import { get as httpsGet } from 'node:https';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where tests write what a person may want to look at (never committed). */
export const OUTPUT = join(REPO, 'tests', 'output');

/** The port of the worker under test (set by run.mjs). */
export const PORT = Number(process.env.DESKGATE_PORT || 8787);

/** The port of the demo upstream behind the gateway (set by run.mjs). */
export const UPSTREAM_PORT = Number(process.env.DESKGATE_UPSTREAM_PORT || 8788);

/** The port of the demo launcher, the demo's signer of launch links (set by run.mjs). */
export const LAUNCHER_PORT = Number(process.env.DESKGATE_LAUNCHER_PORT || 8789);

/** A desktop origin only the LiveEngage platform allows in the test run, and one only Genesys
 *  allows (beside the demo desktop's, which both allow). */
export const LIVEENGAGE_ONLY_ORIGIN = 'https://z1.le.example';
export const GENESYS_ONLY_ORIGIN = 'https://wde.genesys.example';

/** The demo secrets the worker runs with, by name. */
export const SECRETS = Object.fromEntries(
  readFileSync(join(REPO, 'edge', '.dev.vars.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(line))
    // A JSON value is single-quoted in the file (dotenv then takes it verbatim): unquote it.
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]),
);

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers at all; rejects after `timeoutMs` or when `alive()` turns false.
 *  An `https:` URL is asked without checking its certificate (the test runs' own, self-signed). */
export async function waitForHttp(url, timeoutMs, alive = () => true) {
  const deadline = Date.now() + timeoutMs;
  const ask = url.startsWith('https:')
    ? () => new Promise((resolve, reject) => {
      httpsGet(url, { rejectUnauthorized: false }, (res) => { res.resume(); resolve(); }).on('error', reject);
    })
    : () => fetch(url);
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('the server process exited');
    try {
      await ask();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
}
