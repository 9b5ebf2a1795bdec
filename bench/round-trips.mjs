// How many D1 round trips deskgate makes per benchmarked endpoint, counted rather than read off
// the code: each build runs in Miniflare behind bench/support/d1_recorder.mjs (one `first()`,
// `all()`, `run()` or `raw()` is one round trip, and so is one `batch([...])`, however many
// statements it holds), and each endpoint is asked twice in a row, a second apart at most: the
// second answer shows what an isolate in default mode reuses within REVOCATION_DELAY_SECONDS.
//
//   node bench/round-trips.mjs                      # edge/build, strict and default mode
//   node bench/round-trips.mjs --before <checkout> [--label <name>]
//                       # also an older build: <checkout>/edge/build with <checkout>/edge/migrations
//                       # (e.g. `git archive <commit> | tar -x -C <checkout>`, then its edge/build.sh)
// bench/run.mjs prints the same table for edge/build (without --before).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, SECRETS, wranglerVars } from './support/workers.mjs';
import { d1Log, recordingWorker } from './support/d1_recorder.mjs';

const AGENT = { api_key: SECRETS.acme_integration_api_key, agent_id: 'agent-7', agent_name: 'Ada Agent', platform: 'genesys' };

/** The endpoints of the benchmark's table that read or write D1, as bench/support/scenarios.mjs
 *  sends them, each with the credential it checks (what an isolate may remember of it). */
const ENDPOINTS = [
  ['POST …/session/api-key (sign-in)', null, (fx) => ['POST', '/apis/admin/session/api-key/', { 'Content-Type': 'application/json' }, JSON.stringify(AGENT)]],
  ['GET …/session (JWT cookie)', 'session', (fx) => ['GET', '/apis/admin/session/', { Cookie: `__Host-deskgate_jwt=${fx.sessionJwt}` }]],
  ['GET /v1/whoami (service key)', 'key', (fx) => ['GET', '/v1/whoami', { 'X-Service-Key': fx.key }]],
  ['GET /v1/whoami (caller JWT)', 'jwt credential', (fx) => ['GET', '/v1/whoami', { Authorization: `Bearer ${fx.callerJwt}` }]],
  ['GET /v1/whoami (access token)', 'access token', (fx) => ['GET', '/v1/whoami', { Authorization: `Bearer ${fx.accessToken}` }]],
  ['POST /oauth/token (client credentials)', 'key', (fx) => ['POST', '/oauth/token', { Authorization: `Basic ${Buffer.from(`${fx.id}:${fx.key}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials']],
];
const TOKEN = ENDPOINTS[5][2];
const SIGN_IN = ENDPOINTS[0][2];

async function send(mf, [method, path, headers = {}, body]) {
  const res = await mf.dispatchFetch(`http://acme.localhost:8787${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { json, headers: res.headers, d1: d1Log(res.headers) };
}

/** The fixtures every endpoint needs, made through the worker's own API as a customer would. */
async function fixtures(mf) {
  const owner = await send(mf, ['POST', '/apis/admin/session/password/', { 'Content-Type': 'application/json' }, JSON.stringify({ username: 'owner', password: SECRETS.acme_admin_password })]);
  const session = owner.headers.getSetCookie().find((c) => c.startsWith('__Host-deskgate_session=')).split(';')[0];
  const created = await send(mf, ['POST', '/apis/admin/services', { 'Content-Type': 'application/json', Cookie: session }, JSON.stringify({ name: 'bench' })]);
  const secret = (kind) => created.json.credentials.find((c) => c.kind === kind).secret;
  const fx = { id: created.json.id, key: secret('service_key') };
  const { SignJWT } = await import('jose');
  fx.callerJwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(fx.id).setIssuedAt()
    .sign(Buffer.from(secret('jwt'), 'base64'));
  fx.accessToken = (await send(mf, TOKEN(fx))).json.access_token;
  const signIn = await send(mf, SIGN_IN(fx));
  fx.sessionJwt = signIn.json.access_token;
  return fx;
}

/** `{ endpoint: [first, repeat] }`, each the list of round trips one request made. */
export async function countRoundTrips({ build, migrations, vars }) {
  const { mf } = await recordingWorker({
    root: build,
    modules: [{ type: 'ESModule', path: join(build, 'index.js') }, { type: 'CompiledWasm', path: join(build, 'index_bg.wasm') }],
    bindings: { ...wranglerVars(), ...vars, ...SECRETS },
    migrations,
  });
  try {
    const fx = await fixtures(mf);
    // The fixtures' token request read the service key.
    const seen = new Set(['key']);
    const delay = Number(vars.REVOCATION_DELAY_SECONDS ?? wranglerVars().REVOCATION_DELAY_SECONDS ?? 0);
    const out = {};
    for (const [label, credential, request] of ENDPOINTS) {
      // The first request must find nothing remembered: wait out the delay if an earlier
      // request read the same credential.
      if (delay > 0 && seen.has(credential)) await new Promise((r) => setTimeout(r, (delay + 1) * 1000));
      seen.add(credential);
      const first = await send(mf, request(fx));
      const repeat = await send(mf, request(fx));
      out[label] = [first.d1, repeat.d1];
    }
    return out;
  } finally {
    await mf.dispose();
  }
}

/** One round trip in a few words: `read sessions`, `write access_tokens`, `batch of 4`. */
function describe(trip) {
  const batch = trip.match(/^batch\[(.*)\]$/);
  if (batch) return `batch of ${batch[1].split(' ; ').length}`;
  const [, call, sql] = trip.match(/^(\w+): (.*)$/) ?? [, '?', trip];
  const table = sql.match(/\b(?:FROM|INTO|UPDATE)\s+(\w+)/i)?.[1] ?? '?';
  const joined = [...sql.matchAll(/\bJOIN\s+(\w+)/gi)].map((m) => m[1]);
  return `${call === 'run' ? 'write' : 'read'} ${[table, ...joined].join('⋈')}`;
}

export const cell = (trips) => (trips.length === 0 ? '0' : `${trips.length} (${trips.map(describe).join(', ')})`);

/** The table: one row per endpoint, one column per build/mode (first request, then repeat). */
export function roundTripTable(columns) {
  const lines = [
    `| endpoint | ${columns.map((c) => c.label).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
  ];
  for (const [label] of ENDPOINTS) {
    lines.push(`| ${label} | ${columns.map((c) => {
      const [first, repeat] = c.counts[label];
      return c.repeat ? `${cell(first)}; repeat: ${cell(repeat)}` : cell(first);
    }).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** edge/build in strict and default mode, and `before` (a checkout with its own build) if given. */
export async function roundTripColumns({ before, label = before } = {}) {
  const columns = [];
  if (before) {
    columns.push({
      label: `before (${label})`,
      counts: await countRoundTrips({ build: join(before, 'edge', 'build'), migrations: join(before, 'edge', 'migrations'), vars: {} }),
    });
  }
  const now = { build: join(REPO, 'edge', 'build'), migrations: join(REPO, 'edge', 'migrations') };
  const delay = wranglerVars().REVOCATION_DELAY_SECONDS;
  columns.push({ label: 'now, strict (0)', counts: await countRoundTrips({ ...now, vars: { REVOCATION_DELAY_SECONDS: '0' } }) });
  columns.push({ label: `now, default (${delay ?? 'unset'})`, counts: await countRoundTrips({ ...now, vars: {} }), repeat: true });
  return columns;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const before = arg('--before');
  if (before && !existsSync(join(before, 'edge', 'build', 'index.js'))) throw new Error(`${before}/edge/build holds no build`);
  console.log(roundTripTable(await roundTripColumns({ before, label: arg('--label') })));
}
