// SPEC "Errors": bad input is a 4xx with a specific code, never a 5xx, never a panic, never a
// partial write. Every route of edge/src/routes/mod.rs × every method, then mutated, truncated
// and mistyped bodies of every JSON and form endpoint, tokens of every kind malformed inside,
// hostile headers (huge, many, twice, not UTF-8), hostile queries and paths, odd Host values and
// absurd Content-Lengths, each answered by the worker on workerd. Every answer must be the JSON
// error body with `Cache-Control: no-store` and no cookie, and storage must afterwards hold
// exactly what it held before, but for what wrong credentials legitimately leave: the
// throttle's counts and the audit entry of a refused credential delete.
//
// Requests go out over raw sockets (tests/support/raw_http.mjs), since node:http refuses to send
// much of this. Left out, because workerd refuses it before any Worker code runs, with an answer
// of its own (and Cloudflare's edge never forwards it to a Worker):
// - a Host kj's URL code cannot serialize: with `@`, a tab, a space, `/ ? # \ ; , *`, non-ASCII
//   or non-UTF-8 bytes, a port that is not a number of at most 65535; two Host headers; a
//   request target that is not origin-form (`*`, `http://…`, a path without its leading `/`):
//   a plain-text 500;
// - a Content-Length that is not a plain decimal number (`-1`, `+5`, `0x10`, `1e3`, `2 `,
//   `2, 3`): kj's HTTP parser throws, a plain-text 500;
// - `CONNECT`: "Incoming CONNECT on a worker not supported", a 500;
// - NUL or a lone CR in a header value: kj's own plain-text 400;
// - a body cut short (declared longer, then the client half-closes), a body over the 64 KiB the
//   worker drains before it answers 413, and a declared length over that limit sent with part
//   of the body without waiting for `100 Continue`: wrangler dev's proxy loses the connection it
//   feeds the body into and cuts the answer short or replaces it with its own 503 "Your worker
//   restarted mid-request" (about one in ten; against workerd's own socket, without the proxy,
//   the worker answered 400 and 413 every time);
// - static assets (`/`, `/desktop/…`): Cloudflare's asset layer serves them before the worker.
// Method names kj does not know (`patch`, `Get`, `FOO`) are answered by kj itself with a 501
// text; the suite checks that they never reach the Worker. `authcore::method` unit-tests that the
// Worker refuses them with 405 should a runtime pass them on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { hostOf, originOf, freshClient, request, cookieValue } from '../support/client.mjs';
import { PORT, SECRETS } from '../support/env.mjs';
import { ownerSession, createService } from '../support/admin.mjs';
import { rawRequest, inParallel } from '../support/raw_http.mjs';
import { snapshot } from '../support/storage.mjs';

// Wrong credentials are sent to this account only (any name under BASE_DOMAIN is an account to
// the throttle, known or not), so its per-account ceiling never touches another suite's. Only
// a credential delete needs an owner with a password: that is globex's, with two wrong tries.
const WRONG = 'hostile-input';
const ACME = hostOf('acme');
const WIDTH = 4; // requests in flight at once: enough to keep wrangler's proxy busy on 2 cores

const stats = { requests: 0, cases: 0, started: Date.now() };
const counted = new Map(); // account → { attempts, clients: Set } of deliberate wrong credentials
let auth; // sessions and a service, made before the storage snapshot
let before_;

/** Sends one request (see rawRequest), counted. */
async function send(spec) {
  stats.requests++;
  return rawRequest({ host: ACME, ...spec });
}

/** Why `res` is not the JSON error `status`/`code` (either may be undefined: any 4xx / code). */
function fault(res, status, code, head = false) {
  const seen = `${res.status} ${res.header('content-type')} ${res.text.slice(0, 160)}`;
  if (!(res.status >= 400 && res.status < 500)) return `not a 4xx: ${seen}`;
  if (status !== undefined && res.status !== status) return `expected ${status}: ${seen}`;
  if (!/^application\/json/.test(res.header('content-type') ?? '')) return `not JSON: ${seen}`;
  if (res.header('cache-control') !== 'no-store') return `Cache-Control ${res.header('cache-control')}: ${seen}`;
  if (res.headers['set-cookie']) return `sets a cookie: ${res.header('set-cookie')}`;
  if (res.status === 401 && !res.header('www-authenticate')) return `a 401 without WWW-Authenticate: ${seen}`;
  if (head) return res.body.length === 0 ? undefined : `a HEAD answer with a body: ${seen}`;
  const keys = Object.keys(res.json ?? {}).sort().join(',');
  if (keys !== 'error,error_description') return `not {error, error_description}: ${seen}`;
  if (!res.json.error || typeof res.json.error_description !== 'string' || !res.json.error_description) return `empty error: ${seen}`;
  if (code !== undefined && res.json.error !== code) return `expected ${code}: ${seen}`;
  return undefined;
}

/**
 * Runs `cases` ({ what, spec, status?, code? }) WIDTH at a time and fails with every case whose
 * answer is not its JSON error, so one run shows them all.
 */
async function expectRefusals(cases) {
  const answers = await inParallel(cases.map((c) => () => send(c.spec).catch((e) => ({ failed: e }))), WIDTH);
  stats.cases += cases.length;
  const faults = [];
  answers.forEach((res, i) => {
    const c = cases[i];
    const why = res.failed ? `no answer: ${res.failed.message}` : fault(res, c.status, c.code, c.spec.method === 'HEAD');
    if (why) faults.push(`${c.what}: ${why}`);
  });
  assert.deepEqual(faults, [], `${faults.length} of ${cases.length} answers were not their JSON error:\n${faults.slice(0, 25).join('\n')}`);
  return answers;
}

const json = (value) => JSON.stringify(value);
const cookieOf = (token) => `__Host-deskgate_session=${token}`;

before(async () => {
  const owner = await ownerSession('acme');
  const globex = await ownerSession('globex');
  const svc = await createService(owner, 'hostile-input');
  const agent = await request('POST', '/apis/admin/session/api-key', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'h-1', agent_name: 'Mallory', platform: 'genesys' },
  });
  assert.equal(agent.status, 200, agent.text);
  // One token of each kind, for the malformed ones made from them (an access token is a row).
  const token = await request('POST', '/oauth/token', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${svc.id}&client_secret=${svc.key}`,
  });
  const integration = await request('POST', '/apis/admin/session/integration-token', {
    headers: { Authorization: `Bearer ${agent.json.access_token}` }, body: { app_id: 'crm.app' },
  });
  assert.equal(token.status, 200, token.text);
  assert.equal(integration.status, 200, integration.text);
  const now = Math.floor(Date.now() / 1000);
  const launch = jws(json({ alg: 'HS256', typ: 'JWT' }), json({
    iss: SECRETS.acme_launch_issuer, aud: 'https://acme.localhost', sub: 'h-5', name: 'Launched',
    jti: `hostile-${process.pid}`, iat: now, exp: now + 300,
  }), SECRETS.acme_launch_secret);
  auth = {
    owner: owner.Cookie, globex: globex.Cookie, svc, launch,
    agentCookie: cookieOf(cookieValue(agent.cookies, '__Host-deskgate_session')),
    agentJwt: agent.json.access_token, renewal: agent.json.renewal_token,
    accessToken: token.json.access_token, integrationToken: integration.json.token,
  };
  before_ = snapshot(STORAGE_QUERIES);
});

// What the last test compares: every table's count, the throttle's windows, the audit log's
// newest entries.
const STORAGE_QUERIES = {
  windows: 'SELECT account, client, started_at, failures FROM signin_failures',
  audit: 'SELECT id, account, action, target FROM audit_log ORDER BY id DESC LIMIT 50',
};

// ---------------------------------------------------------------------------------------------
// Every route × every method.

// The seven methods deskgate serves (authcore::Method), then names workerd passes on that are none of
// ours: they are 405 before anything reads the request, on the gateway too.
const SERVED = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'];
const METHODS = [...SERVED, 'PROPFIND', 'TRACE', 'MKCOL', 'PURGE'];
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The route table of edge/src/routes/mod.rs, with ids of the right shape. `anon`: the answer of
 * each method the route serves to a request with no credential and no body; every other method
 * is 405. `served`: methods that succeed for anyone (the widget pages), checked apart. `cookie`:
 * the answer to an unsafe method carrying the owner's cookie from another site: 403 wherever a
 * cookie would authenticate the request, else what `anon` says.
 */
function routes() {
  const { id: sid, keyId: cid } = auth.svc;
  const svcPath = `/apis/admin/services/${sid}`;
  const unauthenticated = [401, 'unauthenticated'];
  const csrf = [403, 'origin_not_allowed'];
  const all = (answer) => Object.fromEntries(SERVED.map((m) => [m, answer]));
  return [
    { path: '/widget/liveengage?apikey=k', served: { GET: 302 } },
    { path: '/widget/salesforce', anon: { GET: [404, 'unknown_platform'] } },
    { path: '/v2/widget/genesys', served: { GET: 200 } },
    { path: '/v2/widget/salesforce?apikey=k', anon: { GET: [404, 'unknown_platform'] } },
    { path: '/apis/admin/session/api-key', anon: { POST: [415, 'unsupported_media_type'] } },
    { path: '/apis/admin/session/api-key/', anon: { POST: [415, 'unsupported_media_type'] } },
    { path: '/apis/admin/session/password/', anon: { POST: [415, 'unsupported_media_type'] } },
    { path: '/apis/admin/session/launch', anon: { POST: [415, 'unsupported_media_type'] } },
    { path: '/apis/admin/session/launch/', anon: { POST: [415, 'unsupported_media_type'] } },
    { path: '/.well-known/jwks.json', served: { GET: 200 } },
    { path: '/.well-known/openid-configuration', notFound: true },
    { path: '/apis/admin/session/renew', anon: { POST: unauthenticated } },
    { path: '/apis/admin/session/integration-token', anon: { POST: unauthenticated }, cookie: { POST: csrf } },
    { path: '/apis/admin/session/', anon: { GET: unauthenticated, DELETE: unauthenticated }, cookie: { DELETE: csrf } },
    { path: '/apis/admin/session/nope', anon: {} },
    { path: '/apis/admin/services', anon: { GET: unauthenticated, POST: unauthenticated }, cookie: { POST: csrf } },
    { path: `${svcPath}/credentials`, anon: { GET: unauthenticated, POST: unauthenticated }, cookie: { POST: csrf } },
    ...['discard', 'reactivate', 'regenerate', 'explode'].map((action) => (
      { path: `${svcPath}/credentials/${cid}/${action}`, anon: { POST: unauthenticated }, cookie: { POST: csrf } })),
    { path: `${svcPath}/credentials/${cid}`, anon: { DELETE: unauthenticated }, cookie: { DELETE: csrf } },
    { path: `${svcPath}/testing-token`, anon: { POST: unauthenticated }, cookie: { POST: csrf } },
    { path: `${svcPath}/testing-tokens`, anon: { GET: unauthenticated } },
    { path: `${svcPath}/testing-tokens/${'0'.repeat(32)}`, anon: { DELETE: unauthenticated }, cookie: { DELETE: csrf } },
    { path: '/apis/admin/services/svc_nope/what/ever', anon: {} },
    { path: '/apis/admin/audit', anon: { GET: unauthenticated } },
    { path: '/v1/whoami', anon: { GET: unauthenticated } },
    { path: '/v1/users/me', anon: { GET: unauthenticated } },
    { path: '/v1/customer-ids', anon: { POST: unauthenticated }, cookie: { POST: csrf } },
    { path: '/oauth/token', anon: { POST: [400, 'invalid_request'] } },
    { path: '/oauth/introspect', anon: { POST: [400, 'invalid_request'] } },
    { path: '/oauth/revoke', anon: { POST: [400, 'invalid_request'] } },
    { path: '/oauth/authorize', anon: {} },
    { path: '/v2/authenticate/login', anon: { POST: [401, 'invalid_client'] } },
    { path: '/api/orders/1?x=1', anon: all(unauthenticated), cookie: Object.fromEntries(UNSAFE.map((m) => [m, csrf])) },
    { path: '/api/', notFound: true },
    { path: '/nope', notFound: true },
    { path: '/apis/admin', notFound: true },
    { path: '/v1', notFound: true },
  ];
}

/** What a request of `method` with no credential gets on `route`. */
function anonAnswer(route, method) {
  // A method that is none of ours is refused before the path is looked at.
  if (!SERVED.includes(method)) return [405, 'method_not_allowed'];
  if (route.notFound) return [404, 'not_found'];
  return route.anon?.[method] ?? [405, 'method_not_allowed'];
}

test('every route answers every method it does not serve with 405, and every other without a credential with its own 4xx', async () => {
  const cases = [];
  const served = [];
  for (const route of routes()) {
    for (const method of METHODS) {
      if (route.served?.[method]) { served.push([route, method]); continue; }
      const [status, code] = anonAnswer(route, method);
      // A sign-in endpoint must not be reached by the throttle with a body of its own: none is sent.
      cases.push({ what: `${method} ${route.path}`, spec: { method, target: route.path, headers: [['CF-Connecting-IP', freshClient()]] }, status, code });
    }
  }
  await expectRefusals(cases);
  // The widget pages are served to anyone: the redirect and the page, nothing else.
  for (const [route, method] of served) {
    const res = await send({ method, target: route.path });
    stats.cases++;
    assert.equal(res.status, route.served[method], `${method} ${route.path}`);
  }
});

test('a method name workerd does not know never reaches the worker', async () => {
  // kj's HTTP parser answers these itself (see the top of this file); nothing of ours runs.
  const cases = [];
  for (const method of ['patch', 'Get', 'post', 'FOO', 'M-SEARCH2']) {
    for (const target of ['/v1/whoami', '/apis/admin/session/api-key', '/api/orders/1', '/nope']) cases.push({ method, target });
  }
  const answers = await inParallel(cases.map((spec) => () => send({ ...spec, headers: [['Cookie', auth.owner]] })), WIDTH);
  stats.cases += cases.length;
  answers.forEach((res, i) => {
    assert.equal(res.status, 501, `${cases[i].method} ${cases[i].target}: ${res.text}`);
    assert.equal(res.text, 'ERROR: Unrecognized request method.');
  });
});

test('an unsafe method carrying the owner\'s cookie from another site is 403 wherever the cookie would authenticate it', async () => {
  const crossSite = [
    ['Origin', 'https://evil.example'],
    ['Origin', 'null'],
    ['Origin', originOf('globex')],
    ['Sec-Fetch-Site', 'cross-site'],
    ['Sec-Fetch-Site', 'same-site'],
  ];
  const cases = [];
  let turn = 0;
  for (const route of routes()) {
    for (const method of [...UNSAFE, 'PROPFIND']) {
      if (route.notFound) continue;
      const [status, code] = route.cookie?.[method] ?? anonAnswer(route, method);
      // The sign-in endpoints read no cookie: they judge the body first (`{}` lacks every field).
      const signIn = method === 'POST' && /\/session\/(api-key|password|launch)/.test(route.path);
      // Where the cookie would authenticate, every cross-site signal; elsewhere one of them, in turn.
      for (const header of route.cookie?.[method] ? crossSite : [crossSite[turn++ % crossSite.length]]) {
        cases.push({
          what: `${method} ${route.path} with ${header.join(': ')}`,
          spec: { method, target: route.path, headers: [['Cookie', auth.owner], header, ['Content-Type', 'application/json']], body: '{}' },
          status: signIn ? 400 : status,
          code: signIn ? 'invalid_request' : code,
        });
      }
    }
  }
  await expectRefusals(cases);
});

// ---------------------------------------------------------------------------------------------
// JSON bodies.

/**
 * Every JSON endpoint, with a body it would accept (`body`, its fields in order) and who is
 * calling. The bodies carry the right secrets where there are some, so a malformed body that
 * were taken for a good one would leave a row behind (a session, a service, a credential, a
 * throttle window): the last test would see it. `optional`: fields that may be left out.
 */
function jsonEndpoints() {
  const { id: sid, keyId: cid, key } = auth.svc;
  const own = ['Origin', originOf('acme')];
  return [
    {
      name: 'api-key sign-in', path: '/apis/admin/session/api-key/', headers: () => [['CF-Connecting-IP', freshClient()]],
      body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'h-2', agent_name: 'Eve', platform: 'liveengage' },
    },
    {
      name: 'api-key sign-in (apikey)', path: '/apis/admin/session/api-key', headers: () => [['CF-Connecting-IP', freshClient()]],
      body: { apikey: SECRETS.acme_integration_api_key, agent_id: 'h-2', agent_name: 'Eve', platform: 'genesys' },
    },
    {
      name: 'password sign-in', path: '/apis/admin/session/password/', headers: () => [['CF-Connecting-IP', freshClient()], own],
      body: { username: 'owner', password: SECRETS.acme_admin_password },
    },
    {
      // A launch token good for acme: its jti is never used, as no body here is taken for good.
      name: 'launch sign-in', path: '/apis/admin/session/launch/', headers: () => [['CF-Connecting-IP', freshClient()]],
      body: { launch: auth.launch, platform: 'genesys' },
      // Any string is a launch token to be judged (and counted): only other types are no field.
      wrong: { launch: ['null', '0', '1.5', 'true', '[]', '{}', '["x"]', '""', json('x'.repeat(4097)), '"\\ud800"'] },
    },
    {
      name: 'integration token', path: '/apis/admin/session/integration-token', headers: () => [['Authorization', `Bearer ${auth.agentJwt}`]],
      body: { app_id: 'crm.app' },
    },
    {
      name: 'create service', path: '/apis/admin/services', headers: () => [['Cookie', auth.owner], own],
      body: { name: 'hostile', scopes: 'api.read' }, optional: ['scopes'],
    },
    {
      name: 'create credential', path: `/apis/admin/services/${sid}/credentials`, headers: () => [['Cookie', auth.owner], own],
      body: { kind: 'jwt' },
    },
    {
      // The active key: a body taken for good would still be refused by the rules (409), but
      // its password would have been judged, leaving a throttle window the last test would see.
      name: 'delete credential', method: 'DELETE', path: `/apis/admin/services/${sid}/credentials/${cid}`,
      headers: () => [['Cookie', auth.owner], own, ['CF-Connecting-IP', freshClient()]],
      body: { password: SECRETS.acme_admin_password },
    },
    {
      name: 'customer id', path: '/v1/customer-ids', headers: () => [['X-Service-Key', key]],
      body: { customer_id: '2209-118' },
    },
  ];
}

/** A deterministic PRNG (mulberry32), so a failing sample can be run again. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const SEED = 0x0d15ea5e;

/** `n` distinct integers of [0, max], always with both ends. */
function sample(random, max, n) {
  const picks = new Set([0, max]);
  while (picks.size < Math.min(n, max + 1)) picks.add(Math.floor(random() * (max + 1)));
  return [...picks].sort((a, b) => a - b);
}

/** Bodies that are no JSON object of the endpoint's, each certainly so whatever its fields. */
function mutations(text, random) {
  const body = Buffer.from(text);
  const out = [];
  // Every strict prefix of an object lacks its closing brace.
  for (const n of sample(random, body.length - 1, 10)) out.push([`first ${n} bytes`, body.subarray(0, n)]);
  // Bytes that are invalid wherever they land: not UTF-8, or a control character (raw in a
  // string or between tokens).
  const bad = [[0xff], [0x00], [0x1f], [0xc3], [0x80], [0xed, 0xa0, 0x80], [0xc0, 0xaf]];
  for (const at of sample(random, body.length, 8)) {
    const bytes = bad[Math.floor(random() * bad.length)];
    out.push([`${Buffer.from(bytes).toString('hex')} inserted at ${at}`, Buffer.concat([body.subarray(0, at), Buffer.from(bytes), body.subarray(at)])]);
  }
  const first = text.slice(1, text.indexOf(',') > 0 ? text.indexOf(',') : -1);
  out.push(
    ['an array of it', `[${text}]`],
    ['it twice', `${text}${text}`],
    ['a trailing comma', `${text},`],
    ['a comma before the brace', `${text.slice(0, -1)},}`],
    ['its first field twice', `{${first},${text.slice(1)}`],
    ['a byte-order mark first', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body])],
    ['a comment first', `/*x*/${text}`],
    ['single quotes', text.replaceAll('"', "'")],
    ['unquoted keys', text.replace(/"(\w+)":/g, '$1:')],
    ['UTF-16', Buffer.from(text, 'utf16le')],
    ['null', 'null'], ['true', 'true'], ['a number', '12'], ['a string', json(text)], ['an empty object', '{}'],
    ['NaN', 'NaN'], ['only whitespace', ' \n\t '], ['nothing', ''],
    ['arrays 4000 deep', `${'['.repeat(4000)}${']'.repeat(4000)}`],
    ['objects 1000 deep', `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`],
    ['padded to 8193 bytes', text + ' '.repeat(8193 - body.length)],
    ['padded to 60000 bytes', text + ' '.repeat(60000 - body.length)],
  );
  return out;
}

/** JSON texts that are no value of any field: a wrong type, or a string no field accepts. */
const WRONG_VALUES = [
  'null', '0', '-1', '1.5', '1e400', '123456789012345678901234567890', 'true', 'false',
  '[]', '["x"]', '{}', '{"x":"y"}', '""', '" "', '"\\t"', '"a\\u0000b"', '"a\\nb"', '"\\u007f"',
  '"\\u0085x"', '"\\ud800"', '"\\udc00x"', json('x'.repeat(257)), json('é'.repeat(129)),
];

/** The endpoint's body text with `field` set to the JSON text `value` (or left out: undefined). */
function withField(body, field, value) {
  return `{${Object.entries(body)
    .filter(([k]) => k !== field || value !== undefined)
    .map(([k, v]) => `${json(k)}:${k === field ? value : json(v)}`)
    .join(',')}}`;
}

const PAYLOAD_TOO_LARGE = [413, 'payload_too_large'];
const INVALID = [400, 'invalid_request'];
/** The answer a mutated body must get. */
const answerFor = (what) => (what.startsWith('padded') ? PAYLOAD_TOO_LARGE : INVALID);

test('mutated and truncated bodies of every JSON endpoint are 400 (413 past 8 KiB)', async () => {
  const random = prng(SEED);
  const cases = [];
  for (const e of jsonEndpoints()) {
    for (const [what, body] of mutations(json(e.body), random)) {
      const [status, code] = answerFor(what);
      cases.push({
        what: `${e.name}, ${what}`, status, code,
        spec: { method: e.method ?? 'POST', target: e.path, headers: [...e.headers(), ['Content-Type', 'application/json']], body },
      });
    }
  }
  await expectRefusals(cases);
});

test('a wrong type or value in any field of any JSON endpoint, or a missing field, is 400', async () => {
  const cases = [];
  for (const e of jsonEndpoints()) {
    for (const field of Object.keys(e.body)) {
      const optional = e.optional?.includes(field);
      // An optional field may be null or absent: that is its default, not a wrong value.
      const wrong = e.wrong?.[field] ?? WRONG_VALUES;
      const values = optional ? wrong.filter((v) => v !== 'null') : [...wrong, undefined];
      for (const value of values) {
        cases.push({
          what: `${e.name}, ${field}: ${value === undefined ? 'missing' : value.slice(0, 40)}`, status: 400, code: 'invalid_request',
          spec: { method: e.method ?? 'POST', target: e.path, headers: [...e.headers(), ['Content-Type', 'application/json']], body: withField(e.body, field, value) },
        });
      }
    }
  }
  // The platforms are the two named ones, whatever the case or spacing.
  for (const platform of ['LiveEngage', ' genesys', 'salesforce', 'liveengage\u0000']) {
    const e = jsonEndpoints()[0];
    cases.push({
      what: `api-key sign-in, platform ${json(platform)}`, status: 400, code: 'invalid_request',
      spec: { method: 'POST', target: e.path, headers: [...e.headers(), ['Content-Type', 'application/json']], body: json({ ...e.body, platform }) },
    });
  }
  await expectRefusals(cases);
});

test('a body that is not declared JSON is 415 on every JSON endpoint', async () => {
  const cases = [];
  for (const e of jsonEndpoints()) {
    for (const contentType of [undefined, 'text/plain', 'application/jsonx', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'json', 'application/json\u00ff', 'application/json, text/plain']) {
      const headers = [...e.headers(), ...(contentType === undefined ? [] : [['Content-Type', Buffer.from(contentType, 'latin1')]])];
      cases.push({ what: `${e.name}, Content-Type ${contentType}`, status: 415, code: 'unsupported_media_type', spec: { method: e.method ?? 'POST', target: e.path, headers, body: json(e.body) } });
    }
    // Two Content-Type headers are one list to the worker, which is no JSON media type.
    cases.push({
      what: `${e.name}, Content-Type twice`, status: 415, code: 'unsupported_media_type',
      spec: { method: e.method ?? 'POST', target: e.path, headers: [...e.headers(), ['Content-Type', 'application/json'], ['Content-Type', 'application/json']], body: json(e.body) },
    });
  }
  await expectRefusals(cases);
});

// ---------------------------------------------------------------------------------------------
// Form bodies (RFC 6749 §4.4, RFC 7662, RFC 7009) and Basic client authentication.

test('malformed token, introspection, revocation and login requests are their RFC 6749 errors', async () => {
  const { id, key } = auth.svc;
  const form = ['Content-Type', 'application/x-www-form-urlencoded'];
  const basic = (v) => ['Authorization', Buffer.concat([Buffer.from('Basic '), Buffer.isBuffer(v) ? v : Buffer.from(v)])];
  const b64 = (s) => Buffer.from(s).toString('base64');
  const client = `client_id=${id}&client_secret=${key}`;
  // The secret comes last, so every strict prefix of the whole loses some of it.
  const token = `grant_type=client_credentials&scope=api.read&${client}`;
  const cases = [];
  const add = (target, what, status, code, headers, body) => cases.push({ what: `${target} ${what}`, status, code, spec: { method: 'POST', target, headers, body } });

  const random = prng(SEED + 1);
  for (const n of sample(random, token.length - 1, 16)) {
    const cut = token.slice(0, n);
    // Cut inside the grant type, it is a missing or another grant (400); past it, the client is
    // missing or its secret cut short (401).
    const answer = n < 'grant_type=client_credentials'.length ? [400, undefined] : [401, 'invalid_client'];
    add('/oauth/token', `first ${n} bytes`, ...answer, [form], cut);
  }
  for (const at of sample(random, key.length - 1, 6)) {
    const body = Buffer.concat([Buffer.from(token.slice(0, token.length - key.length + at)), Buffer.from([0xff]), Buffer.from(key.slice(at))]);
    add('/oauth/token', `0xff in the secret at ${at}`, 401, 'invalid_client', [form], body);
  }
  for (const [what, body, status, code] of [
    ['grant_type twice', `grant_type=client_credentials&${token}`, 400, 'invalid_request'],
    ['scope twice', `scope=api.read&${token}`, 400, 'invalid_request'],
    ['client_id twice', `client_id=${id}&${token}`, 400, 'invalid_request'],
    ['no grant_type', `scope=api.read&${client}`, 400, 'invalid_request'],
    ['another grant', `grant_type=password&${client}`, 400, 'unsupported_grant_type'],
    ['a grant not UTF-8', Buffer.concat([Buffer.from('grant_type=client_credentials'), Buffer.from([0xff]), Buffer.from(`&${client}`)]), 400, 'unsupported_grant_type'],
    ['an escaped grant not UTF-8', `grant_type=client_credentials%FF&${client}`, 400, 'unsupported_grant_type'],
    // (`scope=` is no case: RFC 6749 §3.2 has a parameter without a value treated as omitted.)
    ['an unknown scope', `grant_type=client_credentials&scope=api.admin&${client}`, 400, 'invalid_scope'],
    ['a scope with NUL', `grant_type=client_credentials&scope=api.read%00&${client}`, 400, 'invalid_scope'],
    ['a scope with a quote', `grant_type=client_credentials&scope=api%22read&${client}`, 400, 'invalid_scope'],
    ['a secret of 257 bytes', `grant_type=client_credentials&client_id=${id}&client_secret=${'k'.repeat(257)}`, 401, 'invalid_client'],
    ['a client id not shaped as one', `grant_type=client_credentials&client_id=svc_%27--&client_secret=${key}`, 401, 'invalid_client'],
    ['an empty secret', `grant_type=client_credentials&client_id=${id}&client_secret=`, 401, 'invalid_client'],
    ['broken escapes', `grant_type=client_credentials&%zz=%&&==&${client}x`, 401, 'invalid_client'],
    ['a body over 8 KiB', `${token}&pad=${'x'.repeat(8200)}`, 413, 'payload_too_large'],
  ]) add('/oauth/token', what, status, code, [form], body);
  for (const [what, headers] of [
    ['without a Content-Type', []], ['as JSON', [['Content-Type', 'application/json']]], ['as text', [['Content-Type', 'text/plain']]],
    ['as multipart', [['Content-Type', 'multipart/form-data; boundary=x']]],
  ]) add('/oauth/token', what, 400, 'invalid_request', headers, token);
  for (const [what, header, status, code] of [
    ['Basic and form client', basic(b64(`${id}:${key}`)), 400, 'invalid_request'],
    ['Basic that is not base64', basic('%%%'), 400, 'invalid_request'],
    ['Basic without a colon', basic(b64(`${id}${key}`)), 400, 'invalid_request'],
    ['Basic not UTF-8', basic(b64(Buffer.from([0xff, 0x3a, 0xfe]))), 400, 'invalid_request'],
    ['Basic with raw bytes', basic(Buffer.from([0xff, 0xfe])), 400, 'invalid_request'],
  ]) add('/oauth/token', what, status, code, [form, header], token);

  for (const target of ['/oauth/introspect', '/oauth/revoke']) {
    for (const [what, body, status, code, headers = [form]] of [
      ['without a token', client, 400, 'invalid_request'],
      ['token twice', `token=a&token=b&${client}`, 400, 'invalid_request'],
      ['without a client', 'token=abc', 401, 'invalid_client'],
      ['a wrong secret', `token=abc&client_id=${id}&client_secret=${key}x`, 401, 'invalid_client'],
      ['as JSON', json({ token: 'abc', client_id: id, client_secret: key }), 400, 'invalid_request', [['Content-Type', 'application/json']]],
      ['a body over 8 KiB', `token=${'t'.repeat(8200)}&${client}`, 413, 'payload_too_large'],
      ['Basic and form client', `token=abc&${client}`, 400, 'invalid_request', [form, basic(b64(`${id}:${key}`))]],
    ]) add(target, what, status, code, headers, body);
  }

  for (const [what, headers, status, code] of [
    ['without Authorization', [], 401, 'invalid_client'],
    ['Bearer instead of Basic', [['Authorization', `Bearer ${key}`]], 401, 'invalid_client'],
    ['Basic that is not base64', [basic('***')], 400, 'invalid_request'],
    ['Basic without a colon', [basic(b64(id))], 400, 'invalid_request'],
    ['Basic with a wrong secret', [basic(b64(`${id}:${key}x`))], 401, 'invalid_client'],
    ['Basic with an empty id', [basic(b64(`:${key}`))], 401, 'invalid_client'],
    ['Basic not UTF-8', [basic(b64(Buffer.from([0xc3, 0x28, 0x3a, 0x61])))], 400, 'invalid_request'],
    ['Basic twice', [basic(b64(`${id}:${key}x`)), basic(b64(`${id}:${key}`))], 400, 'invalid_request'],
  ]) add('/v2/authenticate/login', what, status, code, headers, undefined);
  await expectRefusals(cases);
});

// ---------------------------------------------------------------------------------------------
// Headers.

test('huge, many, repeated and non-UTF-8 headers are refused like any other bad credential', async () => {
  const { key } = auth.svc;
  const raw = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
  const junk = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]);
  const ownerToken = auth.owner.split('=')[1];
  const cases = [];
  const add = (what, target, headers, status, code, method = 'GET', body) => cases.push({ what, status, code, spec: { method, target, headers, body } });
  const unauthenticated = [401, 'unauthenticated'];
  const invalidToken = [401, 'invalid_token'];

  for (const target of ['/v1/whoami', '/apis/admin/session/', '/api/orders/1', '/apis/admin/services']) {
    add(`${target}: a 60 KB header`, target, [['X-Junk', 'j'.repeat(60_000)]], ...unauthenticated);
    add(`${target}: 1000 headers`, target, Array.from({ length: 1000 }, (_, i) => [`X-Junk-${i}`, String(i)]), ...unauthenticated);
    add(`${target}: 300 cookies in 30 KB`, target, [['Cookie', Array.from({ length: 300 }, (_, i) => `c${i}=${'v'.repeat(90)}`).join('; ')]], ...unauthenticated);
    add(`${target}: a 30 KB session cookie`, target, [['Cookie', cookieOf('s'.repeat(30_000))]], ...invalidToken);
    add(`${target}: a 60 KB bearer token`, target, [['Authorization', `Bearer ${'a'.repeat(60_000)}`]], ...invalidToken);
    add(`${target}: a session cookie not UTF-8`, target, [['Cookie', raw('__Host-deskgate_session=', junk)]], ...invalidToken);
    add(`${target}: a bearer token not UTF-8`, target, [['Authorization', raw('Bearer ', junk)]], ...invalidToken);
    // Two Cookie lines, two values of one cookie, or a good value beside a bad one: no session.
    add(`${target}: two Cookie headers, one good`, target, [['Cookie', auth.owner], ['Cookie', cookieOf('forged')]], ...invalidToken);
    add(`${target}: two Cookie headers, the good one last`, target, [['Cookie', cookieOf('forged')], ['Cookie', auth.owner]], ...invalidToken);
    add(`${target}: two session values, one good`, target, [['Cookie', `${auth.owner}; ${cookieOf('forged')}`]], ...invalidToken);
    add(`${target}: two good session values of two sessions`, target, [['Cookie', `${auth.owner}; ${auth.agentCookie}`]], ...invalidToken);
    add(`${target}: the session value twice and a third`, target, [['Cookie', `${auth.owner}; ${auth.owner}; __Host-deskgate_session=${ownerToken}x`]], ...invalidToken);
    add(`${target}: two Authorization headers, one good`, target, [['Authorization', `Bearer ${auth.agentJwt}`], ['Authorization', 'Bearer forged']], ...invalidToken);
    add(`${target}: one Authorization with two tokens`, target, [['Authorization', `Bearer ${auth.agentJwt} ${auth.agentJwt}`]], ...invalidToken);
  }
  // The service key, the integration token and the CSRF headers.
  add('whoami: two X-Service-Key headers, one good', '/v1/whoami', [['X-Service-Key', key], ['X-Service-Key', 'dgsk_forged']], ...invalidToken);
  add('whoami: a 60 KB service key', '/v1/whoami', [['X-Service-Key', 'k'.repeat(60_000)]], ...invalidToken);
  add('whoami: a service key not UTF-8', '/v1/whoami', [['X-Service-Key', raw('dgsk_', junk)]], ...invalidToken);
  add('users/me: an integration token not UTF-8', '/v1/users/me', [['accessToken', junk]], ...invalidToken);
  add('users/me: two accessToken headers', '/v1/users/me', [['accessToken', 'a.b.c'], ['accessToken', 'd.e.f']], ...invalidToken);
  add('users/me: accessToken and Authorization', '/v1/users/me', [['accessToken', 'a.b.c'], ['Authorization', 'Bearer d.e.f']], 400, 'invalid_request');
  for (const origin of [junk, raw(originOf('acme'), junk), Buffer.from(`${originOf('acme')}, https://evil.example`)]) {
    add(`create service: an owner cookie with Origin ${origin.toString('latin1')}`, '/apis/admin/services', [['Cookie', auth.owner], ['Origin', origin], ['Content-Type', 'application/json']], 403, 'origin_not_allowed', 'POST', '{"name":"x"}');
  }
  add('create service: an owner cookie with two Origin headers, one own', '/apis/admin/services', [['Cookie', auth.owner], ['Origin', originOf('acme')], ['Origin', 'https://evil.example'], ['Content-Type', 'application/json']], 403, 'origin_not_allowed', 'POST', '{"name":"x"}');
  add('sign-in: an Origin not UTF-8', '/apis/admin/session/api-key', [['Origin', junk], ['Content-Type', 'application/json'], ['CF-Connecting-IP', freshClient()]], 403, 'origin_not_allowed', 'POST',
    json({ api_key: SECRETS.acme_integration_api_key, agent_id: 'h-3', agent_name: 'Eve', platform: 'genesys' }));
  add('whoami: CF-Connecting-IP not an address', '/v1/whoami', [['CF-Connecting-IP', junk]], ...unauthenticated);
  add('whoami: obs-fold in a header', '/v1/whoami', [['X-Service-Key', 'dgsk_a\r\n b']], ...invalidToken);
  add('whoami: a header name not a token', '/v1/whoami', [[Buffer.from([0xff, 0x41]), 'x']], ...unauthenticated);
  await expectRefusals(cases);
});

test('the gateway refuses a GET or HEAD with a body, and forwards no header of the client\'s own hop', async () => {
  const key = ['X-Service-Key', auth.svc.key];
  await expectRefusals([
    ['GET with a body', 'GET', [], 'abc'],
    ['HEAD with a body', 'HEAD', [], 'abc'],
    ['GET with an empty chunked body', 'GET', [['Transfer-Encoding', 'chunked']], '0\r\n\r\n'],
    ['GET with a chunked body', 'GET', [['Transfer-Encoding', 'chunked']], '3\r\nabc\r\n0\r\n\r\n'],
  ].map(([what, method, headers, body]) => ({ what, status: 400, code: 'invalid_request', spec: { method, target: '/api/orders/1', headers: [key, ...headers], body } })));
  // Forwarded, `Expect: 100-continue` had the runtime cancel the request as hung (a 500).
  const hop = [['Expect', '100-continue'], ['TE', 'trailers'], ['Keep-Alive', 'timeout=5'], ['Proxy-Connection', 'keep-alive'], ['Upgrade', 'h2c'], ['Trailer', 'X-Sum']];
  for (const [method, body] of [['GET'], ['POST', 'abc'], ['DELETE']]) {
    const res = await send({ method, target: '/api/orders/1', headers: [key, ...hop], body });
    stats.cases++;
    assert.equal(res.status, 200, `${method} with ${hop.map(([n]) => n).join(', ')}: ${res.status} ${res.text.slice(0, 200)}`);
    assert.equal(res.json.method, method);
    const forwarded = Object.keys(res.json.headers);
    assert.deepEqual(forwarded.filter((h) => ['expect', 'te', 'keep-alive', 'proxy-connection', 'upgrade', 'trailer'].includes(h)), []);
  }
});

test('hostile queries and paths are refused, and the admin API takes no token from the query', async () => {
  const raw = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
  const junk = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
  const { id: sid } = auth.svc;
  const cases = [];
  const add = (what, target, status, code, headers = [], method = 'GET') => cases.push({ what, status, code, spec: { method, target, headers } });
  add('whoami: a query token not UTF-8', raw('/v1/whoami?access_token=', junk), 401, 'invalid_token');
  add('whoami: an escaped query token not UTF-8', '/v1/whoami?access_token=%FF%FE%C3%28', 401, 'invalid_token');
  add('whoami: the query token twice', '/v1/whoami?access_token=a.b.c&access_token=a.b.c', 400, 'invalid_request');
  add('whoami: an empty query token', '/v1/whoami?access_token=', 400, 'invalid_request');
  add('whoami: a query token and a header token', '/v1/whoami?access_token=a.b.c', 400, 'invalid_request', [['Authorization', 'Bearer a.b.c']]);
  add('whoami: broken escapes', '/v1/whoami?%zz&%&&==&a=%FF&=x', 401, 'unauthenticated');
  add('whoami: a 60 KB query', `/v1/whoami?x=${'q'.repeat(60_000)}`, 401, 'unauthenticated');
  add('gateway: a query token not UTF-8', raw('/api/orders?access_token=', junk), 401, 'invalid_token');
  add('gateway: bytes not UTF-8 in the path and query', raw('/api/', junk, '?', junk), 401, 'unauthenticated');
  // A session JWT in the query is no credential on the admin and session endpoints.
  for (const target of ['/apis/admin/services', '/apis/admin/audit', '/apis/admin/session/', `/apis/admin/services/${sid}/credentials`]) {
    add(`${target}: a session JWT in the query`, `${target}?access_token=${auth.agentJwt}`, 401, 'unauthenticated');
  }
  add('path not UTF-8', raw('/v1/who', junk, 'ami'), 404, 'not_found');
  add('widget platform not UTF-8', raw('/widget/', junk, '?apikey=', junk), 404, 'unknown_platform');
  add('widget page platform escaped', '/v2/widget/%00liveengage', 404, 'unknown_platform');
  add('service id not UTF-8', raw(`/apis/admin/services/svc_`, junk, '/credentials'), 401, 'unauthenticated', []);
  add('service id not UTF-8, as the owner', raw(`/apis/admin/services/svc_`, junk, '/credentials'), 404, 'not_found', [['Cookie', auth.owner]]);
  add('credential id escaped, as the owner', `/apis/admin/services/${sid}/credentials/cred_%2e%2e%00/discard`, 404, 'not_found', [['Cookie', auth.owner]], 'POST');
  // Ids the owner sends that name nothing of theirs: never looked up when misshapen, 404 either way.
  const owner = [['Cookie', auth.owner]];
  const other = 'svc_0123456789abcdef';
  for (const [method, target] of [
    ['GET', `/apis/admin/services/${encodeURIComponent("svc_' OR 1=1 --")}/credentials`],
    ['GET', `/apis/admin/services/${other}/credentials`],
    ['GET', `/apis/admin/services/${sid.toUpperCase()}/credentials`],
    ['POST', `/apis/admin/services/${other}/credentials/${auth.svc.keyId}/discard`],
    ['POST', `/apis/admin/services/${sid}/credentials/${auth.svc.keyId}/explode`],
    ['POST', `/apis/admin/services/${sid}/credentials/cred_${'0'.repeat(16)}/regenerate`],
    ['POST', `/apis/admin/services/${other}/testing-token`],
    ['GET', `/apis/admin/services/${other}/testing-tokens`],
    ['DELETE', `/apis/admin/services/${sid}/testing-tokens/${'0'.repeat(32)}`],
    ['DELETE', `/apis/admin/services/${sid}/testing-tokens/${'g'.repeat(32)}`],
    ['DELETE', `/apis/admin/services/${sid}/testing-tokens/${'0'.repeat(33)}`],
  ]) add(`as the owner, ${method} ${target}`, target, 404, 'not_found', owner, method);
  add('a 60 KB path', `/apis/admin/${'p/'.repeat(30_000)}`, 404, 'not_found');
  add('dot segments out of the gateway', '/api/../apis/admin/audit?access_token=x', 401, 'unauthenticated');
  add('double slashes', '//v1//whoami', 404, 'not_found');
  await expectRefusals(cases);
});

test('odd Host values are unknown_host, or the account they name once the runtime has normalized them', async () => {
  const unknown = [404, 'unknown_host'];
  const acme = [401, 'unauthenticated']; // whoami without a credential, on an account
  const cases = [];
  for (const [host, [status, code]] of [
    ['localhost', unknown], [`localhost:${PORT}`, unknown], [`.localhost:${PORT}`, unknown], [`acme..localhost:${PORT}`, unknown],
    [`acme.localhost.:${PORT}`, unknown], [`acme.evil.localhost:${PORT}`, unknown], ['evil.example', unknown],
    [`acme.localhost.evil.example:${PORT}`, unknown], [`[::1]:${PORT}`, unknown], [`127.0.0.1:${PORT}`, unknown],
    [`-acme.localhost:${PORT}`, unknown], [`a_b.localhost:${PORT}`, unknown], [`${'a'.repeat(64)}.localhost:${PORT}`, unknown],
    [`${'a.'.repeat(200)}localhost:${PORT}`, unknown], [`${'x'.repeat(5000)}.localhost`, unknown],
    [`ACME.LOCALHOST:${PORT}`, acme], ['acme.localhost', acme], ['acme.localhost:0', acme], ['acme.localhost:', acme],
    [`acme.localhost:0${PORT}`, acme], ['acme.localhost:65535', acme], [`${'a'.repeat(63)}.localhost:${PORT}`, acme],
    [`xn--80ak6aa92e.localhost:${PORT}`, acme],
  ]) {
    cases.push({ what: `Host ${host.slice(0, 60)}`, status, code, spec: { target: '/v1/whoami', host } });
    cases.push({ what: `Host ${host.slice(0, 60)}, a sign-in`, status: status === 404 ? 404 : 415, code: status === 404 ? code : 'unsupported_media_type', spec: { method: 'POST', target: '/apis/admin/session/api-key', host } });
  }
  cases.push({ what: 'no Host at all', status: 400, spec: { target: '/v1/whoami', host: null } });
  const answers = await inParallel(cases.map((c) => () => send(c.spec)), WIDTH);
  stats.cases += cases.length;
  const faults = [];
  answers.forEach((res, i) => {
    const c = cases[i];
    // Without a Host, HTTP/1.1 has no request to route: kj answers 400 itself (RFC 9112 §3.2).
    const why = c.spec.host === null ? (res.status === 400 ? undefined : `${res.status} ${res.text}`) : fault(res, c.status, c.code);
    if (why) faults.push(`${c.what}: ${why}`);
  });
  assert.deepEqual(faults, []);
});

test('absurd Content-Lengths and broken chunking are 413 or 400', async () => {
  const base = (headers, body) => ({ method: 'POST', target: '/apis/admin/session/api-key', headers: [['Content-Type', 'application/json'], ['CF-Connecting-IP', freshClient()], ...headers], body });
  const cases = [];
  // Declared over the 64 KiB the worker would drain, so it answers at once, before any of the
  // body, which the client holds back as a client about to send that much does (`Expect:
  // 100-continue`, RFC 9110 §10.1.1). A client that sends a short body without waiting races
  // wrangler dev's proxy, which then cuts or replaces the answer (see the top of this file).
  // Past 2^64 - 1 the length is no number the worker can hold: 400 or 413, each specific.
  for (const length of ['65537', '1000000', '9007199254740993', '18446744073709551615', '18446744073709551616', '99999999999999999999999']) {
    const [status, code] = BigInt(length) < 2n ** 64n ? [413, 'payload_too_large'] : [undefined, undefined];
    const declared = [['Content-Length', length], ['Expect', '100-continue']];
    cases.push({ what: `Content-Length ${length}`, status, code, spec: base(declared) });
    cases.push({ what: `Content-Length ${length}, as the owner`, status, code, spec: { ...base([...declared, ['Cookie', auth.owner]]), target: '/apis/admin/services' } });
  }
  cases.push(
    { what: 'Content-Length 0 with a body', status: 400, code: 'invalid_request', spec: base([['Content-Length', '0']], '{"x":1}') },
    { what: 'Content-Length shorter than the body', status: 400, code: 'invalid_request', spec: base([['Content-Length', '2']], '{}{"api_key":1}') },
    { what: 'a chunk size that is no number', status: 400, code: 'invalid_request', spec: base([['Transfer-Encoding', 'chunked']], 'zz\r\n{}\r\n0\r\n\r\n') },
    { what: 'chunks past 8 KiB', status: 413, code: 'payload_too_large', spec: base([['Transfer-Encoding', 'chunked']], `4e20\r\n${' '.repeat(20000)}\r\n0\r\n\r\n`) },
    { what: 'chunks and a Content-Length', status: 400, code: 'invalid_request', spec: base([['Transfer-Encoding', 'chunked'], ['Content-Length', '5']], '2\r\n{}\r\n0\r\n\r\n') },
    { what: 'a body of 9000 bytes', status: 413, code: 'payload_too_large', spec: base([], ' '.repeat(9000)) },
    { what: 'a body of 64 KiB', status: 413, code: 'payload_too_large', spec: base([], ' '.repeat(65536)) },
  );
  await expectRefusals(cases);
});

// ---------------------------------------------------------------------------------------------
// Tokens of every kind, signed with the right key but malformed inside.

const b64url = (text) => Buffer.from(text).toString('base64url');
/** A JWS of the raw JSON texts `header` and `payload` (duplicate keys and all), HS256 under `key`. */
const jws = (header, payload, key) => {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
};
const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
const headerOf = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url'));

/** JSON object text of `entries` ([key, JSON text] pairs, in order, repeats kept). */
const objectText = (entries) => `{${entries.map(([k, v]) => `${json(k)}:${v}`).join(',')}}`;

/**
 * Tokens that are no valid token of the kind `header`/`claims` describe, each signed with the
 * key that would verify the real one: every claim given a wrong type, left out (unless
 * `optional`, which may also be null), or given twice with two values; headers a verifier must
 * refuse; no object; broken framing. (What a claim says, as long as it has its type, is the
 * signer's word: with the right key, `"sub":""` is a token its signer made.)
 */
function forgeries(header, claims, key, { numeric = ['iat', 'exp'], optional = [] } = {}) {
  const h = Object.entries(header).map(([k, v]) => [k, json(v)]);
  const c = Object.entries(claims).map(([k, v]) => [k, json(v)]);
  const sign = (hText, cText) => jws(hText, cText, key);
  const out = [];
  for (const [name] of c) {
    const wrong = Array.isArray(claims[name])
      ? ['1', 'null', 'true', '{}', json(String(claims[name][0])), '[1]', '[null]', '[[]]']
      : numeric.includes(name)
      // (1.5 is a NumericDate of 1970: a wrong iat or exp, but a good nbf.)
      ? ['"1796115426"', 'null', 'true', '[]', '{}', '1e300', '-1', '9007199254740993', '"NaN"', ...(name === 'nbf' ? [] : ['1.5'])]
      : ['1', 'null', 'true', '[]', '{}', '["x"]', json('x'.repeat(10_000))];
    for (const value of wrong.filter((v) => v !== 'null' || !optional.includes(name))) out.push([`${name}: ${value.slice(0, 20)}`, sign(objectText(h), objectText(c.map(([k, v]) => [k, k === name ? value : v])))]);
    if (!optional.includes(name)) out.push([`${name} left out`, sign(objectText(h), objectText(c.filter(([k]) => k !== name)))]);
    const other = numeric.includes(name) ? '1' : '"https://evil.example"';
    out.push([`${name} twice, the other last`, sign(objectText(h), objectText([...c, [name, other]]))]);
    out.push([`${name} twice, the other first`, sign(objectText(h), objectText([[name, other], ...c]))]);
  }
  for (const [what, hText] of [
    ['alg none', objectText([...h.filter(([k]) => k !== 'alg'), ['alg', '"none"']])],
    ['alg HS512', objectText([...h.filter(([k]) => k !== 'alg'), ['alg', '"HS512"']])],
    ['alg hs256', objectText([...h.filter(([k]) => k !== 'alg'), ['alg', '"hs256"']])],
    ['alg left out', objectText(h.filter(([k]) => k !== 'alg'))],
    ['alg twice, none last', objectText([...h, ['alg', '"none"']])],
    ['alg twice, none first', objectText([['alg', '"none"'], ...h])],
    ['crit', objectText([...h, ['crit', '["exp"]']])],
    ['jku', objectText([...h, ['jku', '"https://evil.example/jwks"']])],
    ['jwk', objectText([...h, ['jwk', '{"kty":"oct","k":"AAAA"}']])],
    ['x5u', objectText([...h, ['x5u', '"https://evil.example/c"']])],
    ['x5c', objectText([...h, ['x5c', '["MIIB"]']])],
    ['a header array', '["HS256"]'], ['a header string', '"HS256"'], ['a header not JSON', '{alg:HS256}'], ['an empty header', ''],
  ]) out.push([`header ${what}`, sign(hText, objectText(c))]);
  for (const [what, cText] of [['an array', '[]'], ['a string', '"x"'], ['null', 'null'], ['not JSON', '{iss:x}'], ['empty', ''], ['nested 1000 deep', `${'['.repeat(1000)}${']'.repeat(1000)}`]]) {
    out.push([`claims ${what}`, sign(objectText(h), cText)]);
  }
  const good = sign(objectText(h), objectText(c));
  const [p0, p1, p2] = good.split('.');
  out.push(
    ['no signature', `${p0}.${p1}.`], ['two segments', `${p0}.${p1}`], ['four segments', `${good}.${p2}`],
    ['padded segments', `${p0}==.${p1}.${p2}`], ['standard base64', `${p0}.${p1}.${p2.replaceAll('-', '+').replaceAll('_', '/')}=`],
    ['a signature of another key', jws(objectText(h), objectText(c), 'another key of at least thirty-two bytes')],
    ['bytes not base64url', `${p0}.${p1}!.${p2}`], ['an empty segment', `.${p1}.${p2}`],
  );
  // The unchanged token, re-signed, is the control: it must pass, or the cases prove nothing.
  return { good, forged: out };
}

test('tokens of every kind signed with the right key but malformed inside are 401 invalid_token', async () => {
  const { id: sid, jwtSecret } = auth.svc;
  const signingKey = SECRETS.acme_jwt_signing_key;
  const bearer = (t) => [['Authorization', `Bearer ${t}`]];
  const now = Math.floor(Date.now() / 1000);
  const kinds = [
    { kind: 'session JWT', token: auth.agentJwt, key: signingKey, targets: [['GET', '/apis/admin/session/']], headers: bearer },
    { kind: 'access token', token: auth.accessToken, key: signingKey, targets: [['GET', '/api/orders/1']], headers: bearer },
    { kind: 'integration token', token: auth.integrationToken, key: signingKey, targets: [['GET', '/v1/users/me']], headers: (t) => [['accessToken', t]] },
    { kind: 'renewal token', token: auth.renewal, key: signingKey, targets: [['POST', '/apis/admin/session/renew']], headers: bearer },
    {
      // A caller JWT (seed 004): only iss and iat are required; exp and nbf are optional and
      // given here to have their types checked too.
      kind: 'caller JWT', header: { alg: 'HS256', typ: 'JWT' }, claims: { iss: sid, iat: now, exp: now + 600, nbf: now - 5 },
      key: Buffer.from(jwtSecret, 'base64'), targets: [['GET', '/v1/whoami']], headers: bearer, numeric: ['iat', 'exp', 'nbf'], optional: ['exp', 'nbf'],
    },
  ];
  const cases = [];
  for (const k of kinds) {
    const { good, forged } = forgeries(k.header ?? headerOf(k.token), k.claims ?? claimsOf(k.token), k.key, k);
    for (const [method, target] of k.targets) {
      const control = await send({ method, target, headers: k.headers(good) });
      assert.ok(control.status === 200, `${k.kind} re-signed unchanged on ${target}: ${control.status} ${control.text}`);
      for (const [what, t] of forged) {
        cases.push({ what: `${k.kind} on ${target}, ${what}`, status: 401, code: 'invalid_token', spec: { method, target, headers: k.headers(t) } });
      }
    }
  }
  await expectRefusals(cases);
});

// ---------------------------------------------------------------------------------------------
// Wrong credentials: the only hostile input that may leave something behind.

/** Records a deliberate wrong credential of `account` from `client`, for the last test. */
function wrongFrom(account, client) {
  const entry = counted.get(account) ?? { attempts: 0, clients: new Set() };
  entry.attempts++;
  entry.clients.add(client);
  counted.set(account, entry);
  return client;
}

let refusedDeletes = 0;

test('well-formed wrong credentials on every sign-in route are refused with one answer each, and only counted', async () => {
  const host = hostOf(WRONG);
  const cases = [];
  const sign = (what, path, body, status, code) => {
    const client = wrongFrom(WRONG, freshClient());
    cases.push({ what, status, code, spec: { method: 'POST', target: path, host, headers: [['Content-Type', 'application/json'], ['CF-Connecting-IP', client]], body: json(body) } });
  };
  const agent = { agent_id: 'h-4', agent_name: 'Trudy', platform: 'liveengage' };
  for (const api_key of ['wrong', SECRETS.acme_integration_api_key, 'k'.repeat(256), 'ключ', "' OR 1=1 --", '%00']) {
    sign(`api-key sign-in, key ${api_key.slice(0, 20)}`, '/apis/admin/session/api-key/', { api_key, ...agent }, 401, 'invalid_api_key');
  }
  sign('api-key sign-in, apikey', '/apis/admin/session/api-key', { apikey: 'wrong', ...agent }, 401, 'invalid_api_key');
  for (const launch of ['a.b.c', auth.launch, `${auth.launch.slice(0, -2)}AA`, 'x'.repeat(4096)]) {
    sign(`launch sign-in, ${launch.slice(0, 12)}…`, '/apis/admin/session/launch/', { launch, platform: 'genesys' }, 401, 'invalid_launch');
  }
  for (const [username, password] of [['owner', 'wrong'], ['owner', SECRETS.acme_admin_password], ['root', 'x'], ['owner', 'p'.repeat(256)]]) {
    sign(`password sign-in, ${username}`, '/apis/admin/session/password/', { username, password }, 401, 'invalid_credentials');
  }
  // A wrong password on a delete is the same 403 whatever the ids: real-shaped or not.
  for (const target of ['/apis/admin/services/svc_0000000000000000/credentials/cred_0000000000000000', '/apis/admin/services/x/credentials/y']) {
    const client = wrongFrom('globex', freshClient());
    refusedDeletes++;
    cases.push({
      what: `delete ${target} with a wrong password`, status: 403, code: 'invalid_password',
      spec: { method: 'DELETE', target, host: hostOf('globex'), headers: [['Cookie', auth.globex], ['Content-Type', 'application/json'], ['CF-Connecting-IP', client]], body: json({ password: 'wrong' }) },
    });
  }
  const answers = await expectRefusals(cases);
  const bodies = (code) => new Set(answers.filter((r) => r.json.error === code).map((r) => r.text));
  for (const code of ['invalid_api_key', 'invalid_launch', 'invalid_credentials', 'invalid_password']) assert.equal(bodies(code).size, 1, code);
});

// ---------------------------------------------------------------------------------------------

test('afterwards storage holds exactly what it held before, but the counts and audit entries of the wrong credentials', () => {
  const now = snapshot(STORAGE_QUERIES);
  const key = (w) => `${w.account}|${w.client}`;
  const old = new Map(before_.windows.map((w) => [key(w), w]));
  // What each window gained: a window that restarted meanwhile counts from zero.
  const gained = now.windows
    .map((w) => {
      const was = old.get(key(w));
      const delta = was && was.started_at === w.started_at ? w.failures - was.failures : w.failures;
      return { ...w, delta, isNew: !was };
    })
    .filter((w) => w.isNew || w.delta !== 0);
  const expected = [];
  for (const [account, { attempts, clients }] of counted) {
    const mine = gained.filter((w) => w.account === account);
    const accountWide = mine.find((w) => w.client === '*');
    assert.equal(accountWide?.delta, attempts, `${account}: every wrong credential counts once for the account`);
    const perClient = mine.filter((w) => w.client !== '*');
    assert.equal(perClient.length, clients.size, `${account}: one window per client that sent a wrong credential`);
    assert.equal(perClient.reduce((n, w) => n + w.delta, 0), attempts, `${account}: and once for its client`);
    expected.push(...mine);
  }
  assert.deepEqual(gained.filter((w) => !expected.includes(w)), [], 'no other throttle window changed or appeared');

  const newestBefore = before_.audit[0]?.id ?? 0;
  const audited = now.audit.filter((e) => e.id > newestBefore);
  assert.deepEqual(audited.map((e) => [e.account, e.action]), Array(refusedDeletes).fill(['globex', 'credential.delete_refused']));

  const expectedCounts = {
    ...before_.counts,
    signin_failures: before_.counts.signin_failures + gained.filter((w) => w.isNew).length,
    audit_log: before_.counts.audit_log + refusedDeletes,
  };
  assert.deepEqual(now.counts, expectedCounts);
});

after(() => {
  console.log(`hostile input: ${stats.requests} requests, ${stats.cases} cases, ${((Date.now() - stats.started) / 1000).toFixed(1)} s`);
});
