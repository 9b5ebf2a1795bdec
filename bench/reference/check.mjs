// Self-check of the reference worker: bundles it, runs it and (when edge/build holds a build) our
// Rust worker side by side in Miniflare with the same vars and secrets, deskgate in strict mode
// (`REVOCATION_DELAY_SECONDS=0`), drives both with the same requests, and compares what they
// answer (status, headers, body shape, cookies, JWT headers and claims) and the D1 round trips
// each request made, statement by statement (bench/support/d1_recorder.mjs). Exits 1 on any
// difference.
//
//   node bench/reference/check.mjs
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { jwtVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { REPO, SECRETS, bundleReference, wranglerVars } from '../support/workers.mjs';
import { d1Log, recordingWorker } from '../support/d1_recorder.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'deskgate-ref-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// ---- bundle, and the configuration both Workers run with: wrangler.toml [vars] in strict mode
// (the reference is like-for-like with strict mode: every check reads storage), .dev.vars.example
const bundled = bundleReference(join(tmp, 'ref.mjs'));
const bindings = { ...wranglerVars(), REVOCATION_DELAY_SECONDS: '0', ...SECRETS };
// Both databases are edge/migrations applied: the reference writes and reads our tables.
const migrations = join(REPO, 'edge', 'migrations');

const { mf: ref, db: refDb } = await recordingWorker({
  root: tmp, modules: [{ type: 'ESModule', path: bundled }], bindings, migrations,
});
const build = join(REPO, 'edge', 'build');
const haveOurs = existsSync(join(build, 'index.js')) && existsSync(join(build, 'index_bg.wasm'));
const { mf: ours, db: oursDb } = haveOurs
  ? await recordingWorker({
    root: build,
    modules: [{ type: 'ESModule', path: join(build, 'index.js') }, { type: 'CompiledWasm', path: join(build, 'index_bg.wasm') }],
    bindings,
    migrations,
  })
  : {};
if (!haveOurs) console.log('edge/build has no build of our worker: checking the reference alone');

// ---- requests
const HOST = 'acme.localhost:8787';
// A new client address for each sign-in, one /64 each (the throttle counts an IPv6 client by its
// /64); each side counts its own, so both see the same addresses in the same order.
const freshIp = (side) => `2001:db8:${(++side.ips).toString(16)}::7`;
// The owner's sign-in that creates our worker's service (the reference seeds it directly).
const OWNER_IP = '198.51.100.1';

async function call(mf, method, path, { host = HOST, headers = {}, body } = {}) {
  const h = { ...headers };
  let payload = body;
  if (body !== undefined && typeof body !== 'string') {
    payload = JSON.stringify(body);
    h['Content-Type'] ??= 'application/json';
  }
  const res = await mf.dispatchFetch(`http://${host}${path}`, { method, headers: h, body: payload, redirect: 'manual' });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return {
    status: res.status,
    headers: res.headers,
    cookies: res.headers.getSetCookie(),
    text,
    json,
    d1: d1Log(res.headers),
  };
}

// ---- fixtures: one service per worker, one session per worker
async function seed(side) {
  if (side === 'ref') {
    const res = await call(ref, 'POST', '/__bench/seed');
    if (res.status !== 201) throw new Error(`seed: ${res.status} ${res.text}`);
    return res.json;
  }
  const owner = await call(ours, 'POST', '/apis/admin/session/password/', {
    headers: { 'CF-Connecting-IP': OWNER_IP }, body: { username: 'owner', password: SECRETS.acme_admin_password },
  });
  const cookie = owner.cookies.find((c) => c.startsWith('__Host-deskgate_session=')).split(';')[0];
  const res = await call(ours, 'POST', '/apis/admin/services', { headers: { Cookie: cookie }, body: { name: 'bench' } });
  if (res.status !== 201) throw new Error(`create service: ${res.status} ${res.text}`);
  const key = res.json.credentials.find((c) => c.kind === 'service_key');
  const jwt = res.json.credentials.find((c) => c.kind === 'jwt');
  return { id: res.json.id, key: key.secret, keyId: key.id, jwtSecret: jwt.secret, jwtId: jwt.id };
}

const now = () => Math.floor(Date.now() / 1000);
const b64url = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
function hs256(header, payload, key) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
const callerJwt = (svc, claims = {}, key = Buffer.from(svc.jwtSecret, 'base64')) =>
  hs256({ alg: 'HS256', typ: 'JWT' }, { iss: svc.id, iat: now(), ...claims }, key);
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const signInBody = (over = {}) => ({ api_key: SECRETS.acme_integration_api_key, agent_id: '42', agent_name: 'Ada Lovelace', platform: 'liveengage', ...over });
const cookieOf = (res, name) => res.cookies.find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1).split(';')[0];

// ---- what is compared
const SHOWN_HEADERS = ['content-type', 'cache-control', 'x-content-type-options', 'www-authenticate', 'location',
  'referrer-policy', 'pragma'];
const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
function shape(value, key) {
  if (Array.isArray(value)) return value.map((v) => shape(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v, k)]));
  if (typeof value === 'string' && JWT_RE.test(value)) return '<jwt>';
  if (typeof value === 'string' && /^svc_[0-9a-f]{16}$/.test(value)) return '<svc>';
  if (typeof value === 'string' && /^cred_[0-9a-f]{16}$/.test(value)) return '<cred>';
  if (typeof value === 'number' && ['expires_at', 'access_token_expires_at', 'iat', 'exp'].includes(key)) return '<time>';
  return value;
}
function jwtView(token) {
  if (!token) return undefined;
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  return {
    header: { ...header, kid: header.kid?.replace(/[0-9a-f]{16}$/, '<16 hex>') },
    claimKeys: Object.keys(claims).sort(),
    lifetime: claims.exp - claims.iat,
    ids: ['sid', 'jti'].filter((k) => k in claims).map((k) => `${k}:${claims[k].length}`),
  };
}
function view(res) {
  const token = res.json?.access_token ?? cookieOf(res, '__Host-deskgate_jwt');
  return {
    status: res.status,
    headers: Object.fromEntries(SHOWN_HEADERS.filter((h) => res.headers.has(h)).map((h) => [h, res.headers.get(h)])),
    retryAfter: res.headers.has('retry-after') ? 'set' : undefined,
    body: res.json === undefined ? res.text : shape(res.json),
    cookies: res.cookies.map((c) => c.replace(/=[^;]*/, '=<value>')).sort(),
    jwt: token && JWT_RE.test(token) ? jwtView(token) : undefined,
    renewal: res.json?.renewal_token ? jwtView(res.json.renewal_token) : undefined,
    d1: res.d1.map((s) => s.replace(/\s+/g, ' ')),
  };
}

// ---- the scenarios: each returns the response to compare
const sides = { ref: { mf: ref, db: refDb, ips: 0 } };
if (ours) sides.ours = { mf: ours, db: oursDb, ips: 0 };
for (const [name, side] of Object.entries(sides)) {
  side.svc = await seed(name);
  const signIn = await call(side.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'CF-Connecting-IP': freshIp(side) }, body: signInBody() });
  side.session = cookieOf(signIn, '__Host-deskgate_session');
  side.jwt = cookieOf(signIn, '__Host-deskgate_jwt');
  const token = await call(side.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(side.svc.id, side.svc.key) }, body: 'grant_type=client_credentials' });
  side.accessToken = token.json.access_token;
}

let differences = 0;

// Byte-identical credential derivations: our worker's service rows, copied into the reference's
// database, authenticate at the reference with the secrets our worker handed out.
if (ours) {
  const svc = sides.ours.svc;
  const copy = async (table, where) => {
    for (const row of (await oursDb.prepare(`SELECT * FROM ${table} WHERE ${where} = ?1`).bind(svc.id).all()).results) {
      const cols = Object.keys(row);
      await refDb.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `?${i + 1}`).join(', ')})`).bind(...Object.values(row)).run();
    }
  };
  await copy('services', 'id');
  await copy('credentials', 'service_id');
  const byKey = await call(ref, 'GET', '/v1/whoami', { headers: { 'X-Service-Key': svc.key } });
  const byJwt = await call(ref, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(svc)}` } });
  const ok = byKey.json?.credential_id === svc.keyId && byJwt.json?.credential_id === svc.jwtId;
  if (!ok) differences++;
  console.log(`${ok ? 'same' : 'DIFF'}  our service key and JWT secret authenticate at the reference (same HMAC derivations)`);
}

const scenarios = {
  'widget redirect': (s) => call(s.mf, 'GET', '/widget/liveengage?apikey=k%2Bx&agent_id=1&agent_name=Ada%20L'),
  'widget redirect, genesys, no query': (s) => call(s.mf, 'GET', '/widget/genesys'),
  'widget, unknown platform': (s) => call(s.mf, 'GET', '/widget/salesforce?x=1'),
  'widget, POST': (s) => call(s.mf, 'POST', '/widget/genesys'),
  'unknown host': (s) => call(s.mf, 'GET', '/widget/genesys', { host: 'localhost:8787' }),
  'host of another domain': (s) => call(s.mf, 'GET', '/v1/whoami', { host: 'acme.example.com' }),
  'unknown path': (s) => call(s.mf, 'GET', '/nothing/here'),

  'sign-in': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'CF-Connecting-IP': freshIp(s) }, body: signInBody() }),
  'sign-in, no trailing slash, apikey alias, genesys': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key', {
    headers: { 'CF-Connecting-IP': freshIp(s) }, body: { apikey: SECRETS.acme_integration_api_key, agent_id: '7', agent_name: 'Grace', platform: 'genesys' } }),
  'sign-in, JWT_SIGNING_KEY account': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', {
    host: 'initech.localhost:8787', headers: { 'CF-Connecting-IP': freshIp(s) }, body: signInBody({ api_key: SECRETS.initech_integration_api_key }) }),
  'sign-in, allowed desktop origin': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshIp(s), Origin: 'http://127.0.0.1:8787', 'Sec-Fetch-Site': 'cross-site' }, body: signInBody() }),
  'sign-in, own origin': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshIp(s), Origin: 'http://acme.localhost:8787' }, body: signInBody() }),
  'sign-in, wrong key': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'CF-Connecting-IP': freshIp(s) }, body: signInBody({ api_key: 'nope' }) }),
  'sign-in, account without key': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { host: 'nobody.localhost:8787', headers: { 'CF-Connecting-IP': freshIp(s) }, body: signInBody() }),
  'sign-in, short signing key': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', {
    host: 'shortkey.localhost:8787', headers: { 'CF-Connecting-IP': freshIp(s) }, body: signInBody({ api_key: SECRETS.shortkey_integration_api_key }) }),
  'sign-in, hostile origin': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { Origin: 'https://evil.example' }, body: signInBody() }),
  'sign-in, cross-site without Origin': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'Sec-Fetch-Site': 'cross-site' }, body: signInBody() }),
  'sign-in, not JSON': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(signInBody()) }),
  'sign-in, over 8 KiB': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { body: signInBody({ agent_name: 'x'.repeat(9000) }) }),
  'sign-in, malformed JSON': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'Content-Type': 'application/json' }, body: 'nope' }),
  'sign-in, field missing': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { body: signInBody({ agent_id: undefined }) }),
  'sign-in, field too long': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { body: signInBody({ agent_name: 'x'.repeat(257) }) }),
  'sign-in, control character': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { body: signInBody({ agent_id: '7\n8' }) }),
  'sign-in, non-string field': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { body: signInBody({ agent_id: 7 }) }),
  'sign-in, both api_key and apikey': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { body: signInBody({ apikey: 'k' }) }),
  'sign-in, unknown platform': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { body: signInBody({ platform: 'salesforce' }) }),
  'sign-in, throttled after 10 failures (right key)': async (s) => {
    const headers = { 'CF-Connecting-IP': freshIp(s) };
    for (let i = 0; i < 10; i++) await call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers, body: signInBody({ api_key: `guess-${i}` }) });
    return call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers, body: signInBody() });
  },
  'sign-in, GET': (s) => call(s.mf, 'GET', '/apis/admin/session/api-key/'),
  'sign-in, unknown method': (s) => call(s.mf, 'PROPFIND', '/apis/admin/session/api-key/'),
  'sign-in, hostile origin, bad body': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { Origin: 'https://evil.example' }, body: signInBody({ agent_id: '' }) }),
  'sign-in, IPv4 client': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'CF-Connecting-IP': `192.0.2.${++s.ips % 250}` }, body: signInBody() }),
  'sign-in, IPv4-mapped client': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'CF-Connecting-IP': '::ffff:192.0.2.250' }, body: signInBody() }),
  'sign-in, IPv6 client written long': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'CF-Connecting-IP': '2001:0DB8:0000:0000:0001:0000:0000:0001' }, body: signInBody() }),
  'sign-in, not an address': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'CF-Connecting-IP': '192.0.2.01' }, body: signInBody() }),
  'sign-in, no client address': (s) => call(s.mf, 'POST', '/apis/admin/session/api-key/', { body: signInBody() }),

  'session by JWT cookie': (s) => call(s.mf, 'GET', '/apis/admin/session/', { headers: { Cookie: `__Host-deskgate_jwt=${s.jwt}` } }),
  'session by bearer JWT': (s) => call(s.mf, 'GET', '/apis/admin/session/', { headers: { Authorization: `Bearer ${s.jwt}` } }),
  'session by both cookies': (s) => call(s.mf, 'GET', '/apis/admin/session/', { headers: { Cookie: `__Host-deskgate_session=${s.session}; __Host-deskgate_jwt=${s.jwt}` } }),
  'session by session cookie alone (fresh JWT)': (s) => call(s.mf, 'GET', '/apis/admin/session', { headers: { Cookie: `__Host-deskgate_session=${s.session}` } }),
  'session, nothing': (s) => call(s.mf, 'GET', '/apis/admin/session/'),
  'session, garbage JWT cookie': (s) => call(s.mf, 'GET', '/apis/admin/session/', { headers: { Cookie: '__Host-deskgate_jwt=a.b.c' } }),
  'session, tampered JWT': (s) => call(s.mf, 'GET', '/apis/admin/session/', { headers: { Cookie: `__Host-deskgate_jwt=${s.jwt}x` } }),
  'session, JWT with jku': (s) => {
    const { kid } = decodeProtectedHeader(s.jwt);
    const forged = hs256({ alg: 'HS256', typ: 'JWT', kid, jku: 'https://evil' }, decodeJwt(s.jwt), SECRETS.acme_jwt_signing_key);
    return call(s.mf, 'GET', '/apis/admin/session/', { headers: { Authorization: `Bearer ${forged}` } });
  },
  'session, JWT living too long': (s) => {
    const { kid } = decodeProtectedHeader(s.jwt);
    const c = decodeJwt(s.jwt);
    return call(s.mf, 'GET', '/apis/admin/session/', { headers: { Authorization: `Bearer ${hs256({ alg: 'HS256', typ: 'JWT', kid }, { ...c, exp: c.iat + 3601 }, SECRETS.acme_jwt_signing_key)}` } });
  },
  'session, JWT from the future': (s) => {
    const { kid } = decodeProtectedHeader(s.jwt);
    const c = decodeJwt(s.jwt);
    return call(s.mf, 'GET', '/apis/admin/session/', { headers: { Authorization: `Bearer ${hs256({ alg: 'HS256', typ: 'JWT', kid }, { ...c, iat: c.iat + 600, exp: c.exp + 600 }, SECRETS.acme_jwt_signing_key)}` } });
  },
  'session, JWT of acme on globex': (s) => call(s.mf, 'GET', '/apis/admin/session/', { host: 'globex.localhost:8787', headers: { Authorization: `Bearer ${s.jwt}` } }),
  'session, access token as session': (s) => call(s.mf, 'GET', '/apis/admin/session/', { headers: { Authorization: `Bearer ${s.accessToken}` } }),
  'session, revoked': async (s) => {
    const signIn = await call(s.mf, 'POST', '/apis/admin/session/api-key/', { headers: { 'CF-Connecting-IP': freshIp(s) }, body: signInBody() });
    await s.db.prepare('UPDATE sessions SET revoked_at = ?1 WHERE id = ?2').bind(now(), decodeJwt(signIn.json.access_token).sid).run();
    return call(s.mf, 'GET', '/apis/admin/session/', { headers: { Cookie: `__Host-deskgate_jwt=${signIn.json.access_token}` } });
  },

  'whoami, service key': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { 'X-Service-Key': s.svc.key } }),
  'whoami, wrong service key': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { 'X-Service-Key': 'dgsk_nope' } }),
  'whoami, service key on globex': (s) => call(s.mf, 'GET', '/v1/whoami', { host: 'globex.localhost:8787', headers: { 'X-Service-Key': s.svc.key } }),
  'whoami, caller JWT': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc)}` } }),
  'whoami, caller JWT with exp': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc, { exp: now() + 600 })}` } }),
  'whoami, caller JWT older than 60 min': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc, { iat: now() - 3700, exp: now() + 600 })}` } }),
  'whoami, caller JWT expired': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc, { iat: now() - 600, exp: now() - 60 })}` } }),
  'whoami, caller JWT from the future': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc, { iat: now() + 600 })}` } }),
  'whoami, caller JWT exp before iat': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc, { exp: now() - 1 })}` } }),
  'whoami, caller JWT without iat': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${hs256({ alg: 'HS256' }, { iss: s.svc.id }, Buffer.from(s.svc.jwtSecret, 'base64'))}` } }),
  'whoami, caller JWT, secret not decoded': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc, {}, s.svc.jwtSecret)}` } }),
  'whoami, caller JWT alg HS512': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${hs256({ alg: 'HS512' }, { iss: s.svc.id, iat: now() }, Buffer.from(s.svc.jwtSecret, 'base64'))}` } }),
  'whoami, caller JWT of an unknown service': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt({ ...s.svc, id: 'svc_0000000000000000' })}` } }),
  'whoami, caller JWT, not a service id': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt({ ...s.svc, id: 'someone' })}` } }),
  'whoami, caller JWT beside a service key': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc)}`, 'X-Service-Key': s.svc.key } }),
  'whoami, bad bearer beside a service key': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: 'Bearer x.y.z', 'X-Service-Key': s.svc.key } }),
  'whoami, empty bearer': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: 'Bearer  ' } }),
  'whoami, access token': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${s.accessToken}` } }),
  'whoami, access token in the query': (s) => call(s.mf, 'GET', `/v1/whoami?access_token=${s.accessToken}`),
  'whoami, access token twice': (s) => call(s.mf, 'GET', `/v1/whoami?access_token=${s.accessToken}`, { headers: { Authorization: `Bearer ${s.accessToken}` } }),
  'whoami, session JWT': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${s.jwt}` } }),
  'whoami, session cookie': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Cookie: `__Host-deskgate_session=${s.session}` } }),
  'whoami, nothing': (s) => call(s.mf, 'GET', '/v1/whoami'),
  'whoami, POST': (s) => call(s.mf, 'POST', '/v1/whoami'),
  'whoami, caller JWT with an audience array': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc, { aud: ['a', 'b'] })}` } }),
  'whoami, caller JWT with typ at+jwt': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${hs256({ alg: 'HS256', typ: 'at+jwt' }, { iss: s.svc.id, iat: now() }, Buffer.from(s.svc.jwtSecret, 'base64'))}` } }),
  'whoami, caller JWT not valid yet': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${callerJwt(s.svc, { nbf: now() + 600 })}` } }),
  'whoami, session JWT as access token': (s) => {
    const { kid } = decodeProtectedHeader(s.jwt);
    return call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${hs256({ alg: 'HS256', typ: 'JWT', kid }, { ...decodeJwt(s.jwt), aud: 'deskgate-api' }, SECRETS.acme_jwt_signing_key)}` } });
  },
  'whoami, access token with an unknown kid': (s) => {
    const c = decodeJwt(s.accessToken);
    return call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${hs256({ typ: 'at+jwt', alg: 'HS256', kid: 'hs256-0000000000000000' }, c, SECRETS.acme_jwt_signing_key)}` } });
  },
  'whoami, session cookie twice, different values': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { Cookie: `__Host-deskgate_session=${s.session}; __Host-deskgate_session=other` } }),

  'token, Basic': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: 'grant_type=client_credentials' }),
  'token, form auth, narrower scope': (s) => call(s.mf, 'POST', '/oauth/token', { headers: FORM, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: s.svc.id, client_secret: s.svc.key, scope: 'api.read' }).toString() }),
  'token, repeated scope': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: 'grant_type=client_credentials&scope=api.write+api.read+api.write' }),
  'token, wrong secret': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, 'dgsk_wrong') }, body: 'grant_type=client_credentials' }),
  'token, unknown client': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic('svc_0000000000000000', s.svc.key) }, body: 'grant_type=client_credentials' }),
  'token, client id not a service id': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic('nope', s.svc.key) }, body: 'grant_type=client_credentials' }),
  'token, no client authentication': (s) => call(s.mf, 'POST', '/oauth/token', { headers: FORM, body: 'grant_type=client_credentials' }),
  'token, two methods': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: `grant_type=client_credentials&client_id=${s.svc.id}&client_secret=${s.svc.key}` }),
  'token, password grant': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: 'grant_type=password&username=a&password=b' }),
  'token, no grant type': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: '' }),
  'token, grant type twice': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: 'grant_type=client_credentials&grant_type=client_credentials' }),
  'token, JSON body': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { Authorization: basic(s.svc.id, s.svc.key) }, body: { grant_type: 'client_credentials' } }),
  'token, unknown scope': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: 'grant_type=client_credentials&scope=admin' }),
  'token, Basic not base64': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: 'Basic !!!notbase64' }, body: 'grant_type=client_credentials' }),
  'token, Basic without colon': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }, body: 'grant_type=client_credentials' }),
  'token, key of acme on globex': (s) => call(s.mf, 'POST', '/oauth/token', { host: 'globex.localhost:8787', headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: 'grant_type=client_credentials' }),
  'token, key of another service': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic('svc_0123456789abcdef', s.svc.key) }, body: 'grant_type=client_credentials' }),
  'token, GET': (s) => call(s.mf, 'GET', '/oauth/token'),

  // Last: these discard the service key, so every later use of it is refused.
  'whoami, access token of a discarded key': async (s) => {
    await s.db.prepare("UPDATE credentials SET status = 'inactive' WHERE id = ?1").bind(s.svc.keyId).run();
    return call(s.mf, 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${s.accessToken}` } });
  },
  'whoami, discarded service key': (s) => call(s.mf, 'GET', '/v1/whoami', { headers: { 'X-Service-Key': s.svc.key } }),
  'token, discarded key': (s) => call(s.mf, 'POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(s.svc.id, s.svc.key) }, body: 'grant_type=client_credentials' }),
};

// ---- run and compare
const results = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  const got = {};
  for (const [sideName, side] of Object.entries(sides)) got[sideName] = view(await scenario(side));
  const same = !ours || JSON.stringify(got.ref) === JSON.stringify(got.ours);
  if (!same) differences++;
  results.push({ name, same, got });
}

// What the sign-ins wrote, but for ids, secrets and times: the same rows (client addresses as
// stored, throttle buckets, audit details). Our owner's sign-in and service are left out.
if (ours) {
  const rows = async (db) => {
    const q = async (sql) => (await db.prepare(sql).all()).results.map((r) => JSON.stringify(r)).sort();
    return {
      sessions: await q("SELECT account, subject, name, role, platform, method, ip, expires_at - created_at AS ttl, revoked_at IS NOT NULL AS revoked FROM sessions WHERE role <> 'owner'"),
      audit: await q("SELECT account, actor, action, ip, detail FROM audit_log WHERE action = 'session.create' AND actor <> 'owner'"),
      throttle: await q(`SELECT account, client, failures FROM signin_failures WHERE client <> '${OWNER_IP}'`),
      tokens: await q('SELECT account, scope, testing, expires_at - issued_at AS ttl, revoked_at IS NOT NULL AS revoked FROM access_tokens'),
    };
  };
  const [a, b] = [await rows(refDb), await rows(oursDb)];
  for (const table of Object.keys(a)) {
    const same = JSON.stringify(a[table]) === JSON.stringify(b[table]);
    if (!same) differences++;
    console.log(`${same ? 'same' : 'DIFF'}  rows written to ${table} (${a[table].length} on the reference, ${b[table].length} on ours)`);
    if (!same) console.log(`        ours: ${b[table].join('\n              ')}\n        ref : ${a[table].join('\n              ')}`);
  }
}

// Independent verification of the tokens each worker issues.
const acmeKey = new TextEncoder().encode(SECRETS.acme_jwt_signing_key);
for (const [sideName, side] of Object.entries(sides)) {
  await jwtVerify(side.jwt, acmeKey, { algorithms: ['HS256'], issuer: 'https://acme.localhost', audience: 'deskgate', typ: 'JWT' });
  await jwtVerify(side.accessToken, acmeKey, { algorithms: ['HS256'], issuer: 'https://acme.localhost', audience: 'deskgate-api', typ: 'at+jwt' });
  console.log(`${sideName}: session JWT and access token verify with jose (HS256, iss, aud, typ)`);
}

for (const { name, same, got } of results) {
  const r = got.ref;
  const summary = `${r.status} ${r.body?.error ?? (typeof r.body === 'object' ? Object.keys(r.body).join(',') : '')}`;
  console.log(`${ours ? (same ? 'same' : 'DIFF') : '    '}  ${name.padEnd(52)} ${summary}`);
  console.log(`        D1 ref : ${r.d1.join(' | ') || '-'}`);
  if (ours && JSON.stringify(r.d1) !== JSON.stringify(got.ours.d1)) console.log(`        D1 ours: ${got.ours.d1.join(' | ') || '-'}`);
  if (!same) {
    console.log('        ours:', JSON.stringify({ ...got.ours, d1: undefined }));
    console.log('        ref :', JSON.stringify({ ...got.ref, d1: undefined }));
  }
}
console.log(ours ? `\n${results.length} scenarios, ${differences} different` : `\n${results.length} scenarios run`);

await ref.dispose();
await ours?.dispose();
process.exit(differences === 0 ? 0 : 1);
