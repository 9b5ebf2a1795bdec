// SPEC §1.4 and "Session JWT": sign-in with the account's API key, its cookies and token, and
// every refusal. Black-box HTTP against the worker on workerd; the JWT is checked with `jose`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import { request, hostOf, originOf, assertError, cookieValue, freshClient, DESKTOP_ORIGIN } from '../support/client.mjs';
import { SECRETS } from '../support/env.mjs';
import { countRows } from '../support/storage.mjs';

const PATH = '/apis/admin/session/api-key/';
const ACME_KEY = SECRETS.acme_integration_api_key;
const body = (over = {}) => ({ api_key: ACME_KEY, agent_id: '42', agent_name: 'Ada Lovelace', platform: 'liveengage', ...over });
const signIn = (b = body(), { account = 'acme', headers = {} } = {}) =>
  request('POST', PATH, { host: hostOf(account), body: b, headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': freshClient(), ...headers } });

const COOKIE_ATTRIBUTES = /^(__Host-deskgate_(session|jwt))=([^;]+); Secure; HttpOnly; Path=\/; SameSite=None; Partitioned; Max-Age=(\d+)$/;

test('a right key signs the agent in with role agent, a Bearer token and both cookies', async () => {
  const res = await signIn();
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(res.json.user, { id: '42', name: 'Ada Lovelace', role: 'agent', account: 'acme', platform: 'liveengage' });
  assert.equal(res.json.token_type, 'Bearer');
  const now = Date.now() / 1000;
  assert.ok(res.json.expires_at > now && res.json.expires_at <= now + 8 * 3600 + 5);
  assert.equal(res.cookies.length, 2);
  const names = res.cookies.map((c) => c.match(COOKIE_ATTRIBUTES)?.[1]).sort();
  assert.deepEqual(names, ['__Host-deskgate_jwt', '__Host-deskgate_session'], res.cookies.join('\n'));
  assert.equal(cookieValue(res.cookies, '__Host-deskgate_jwt'), res.json.access_token);
  for (const c of res.cookies) assert.ok(Number(c.match(COOKIE_ATTRIBUTES)[4]) > 0);
});

test('the session cookie is opaque and carries at least 128 random bits', async () => {
  const values = new Set();
  for (let i = 0; i < 3; i++) {
    const v = cookieValue((await signIn()).cookies, '__Host-deskgate_session');
    assert.match(v, /^[A-Za-z0-9_-]{22,}$/);
    assert.ok(Buffer.from(v, 'base64url').length >= 16);
    assert.ok(!v.includes('.'), 'not a JWT');
    values.add(v);
  }
  assert.equal(values.size, 3);
});

test('the session JWT verifies with an independent library and carries every SPEC claim', async () => {
  const res = await signIn(body({ platform: 'genesys' }));
  const token = res.json.access_token;
  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, 'HS256');
  assert.match(header.kid, /^hs256-[0-9a-f]{16}$/);
  const key = new TextEncoder().encode(SECRETS.acme_jwt_signing_key);
  const { payload } = await jwtVerify(token, key, {
    algorithms: ['HS256'], issuer: `https://acme.localhost`, audience: 'deskgate', clockTolerance: 30,
  });
  assert.equal(payload.sub, '42');
  assert.equal(payload.name, 'Ada Lovelace');
  assert.equal(payload.acc, 'acme');
  assert.equal(payload.role, 'agent');
  assert.equal(payload.plat, 'genesys');
  assert.match(payload.sid, /^[0-9a-f]{32}$/);
  assert.match(payload.jti, /^[0-9a-f]{32}$/);
  assert.ok(payload.exp - payload.iat > 0 && payload.exp - payload.iat <= 3600);
  await assert.rejects(jwtVerify(token, new TextEncoder().encode(SECRETS.globex_jwt_signing_key)));
});

test('an account without its own signing key signs with JWT_SIGNING_KEY', async () => {
  const res = await signIn(body({ api_key: SECRETS.initech_integration_api_key }), { account: 'initech' });
  assert.equal(res.status, 200, res.text);
  await jwtVerify(res.json.access_token, new TextEncoder().encode(SECRETS.JWT_SIGNING_KEY), { algorithms: ['HS256'] });
});

test('nothing in the body can raise the role above agent', async () => {
  const res = await signIn({ ...body(), role: 'owner', user: { role: 'owner' }, acc: 'globex' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.user.role, 'agent');
  assert.equal(res.json.user.account, 'acme');
});

test('apikey is accepted as an alias of api_key, and the trailing slash is optional', async () => {
  const { api_key, ...rest } = body();
  const res = await request('POST', PATH.slice(0, -1), { body: { apikey: api_key, ...rest }, headers: { 'CF-Connecting-IP': freshClient() } });
  assert.equal(res.status, 200, res.text);
});

test('a wrong key, an unknown account and an account without a key get one identical 401', async () => {
  const answers = [
    await signIn(body({ api_key: 'wrong' })),
    await signIn(body({ api_key: ACME_KEY }), { account: 'nosuchaccount' }),
    await signIn(body({ api_key: SECRETS.acme_integration_api_key }), { account: 'globex' }),
  ];
  for (const res of answers) assertError(res, 401, 'invalid_api_key');
  assert.equal(new Set(answers.map((r) => r.text)).size, 1);
});

test('malformed bodies are 400 invalid_request', async () => {
  const long = 'x'.repeat(257);
  const bad = [
    '', 'not json', '[]', 'null', '{"api_key":', JSON.stringify({ ...body(), agent_id: 7 }),
    JSON.stringify(body({ agent_id: '' })), JSON.stringify(body({ agent_name: '   ' })),
    JSON.stringify({ agent_id: '1', agent_name: 'A', platform: 'genesys' }),
    JSON.stringify(body({ platform: 'salesforce' })), JSON.stringify(body({ agent_name: long })),
    JSON.stringify(body({ api_key: long })), JSON.stringify(body({ agent_id: 'a\u0000b' })),
  ];
  for (const b of bad) assertError(await signIn(b), 400, 'invalid_request');
});

test('a field of exactly 256 bytes is accepted', async () => {
  const res = await signIn(body({ agent_name: 'é'.repeat(128) }));
  assert.equal(res.status, 200, res.text);
});

test('a body over 8 KiB is 413, declared or not', async () => {
  const big = JSON.stringify({ ...body(), padding: 'x'.repeat(9000) });
  assertError(await signIn(big), 413, 'payload_too_large');
  assertError(await signIn(big, { headers: { 'Transfer-Encoding': 'chunked' } }), 413, 'payload_too_large');
});

test('an undeclared body far over the limit is cut off with 413, and the worker keeps serving', async () => {
  // Past 64 KiB the worker stops reading and cancels the stream; a client still sending may see
  // its connection reset instead of the answer (RFC 9112 §9.6), but never anything else.
  const huge = JSON.stringify({ ...body(), padding: 'x'.repeat(200_000) });
  try {
    assertError(await signIn(huge, { headers: { 'Transfer-Encoding': 'chunked' } }), 413, 'payload_too_large');
  } catch (e) {
    assert.match(String(e.code ?? e.message), /ECONNRESET|EPIPE|socket hang up/, String(e));
  }
  // Locally, wrangler dev's proxy answers the next request on the cut connection with its own
  // 503 "Your worker restarted mid-request" (workerd itself, driven directly, does not); the
  // worker behind it must then answer as usual.
  let res = await signIn(JSON.stringify(body()));
  if (res.status === 503) {
    assert.match(res.text, /restarted mid-request/, res.text);
    res = await signIn(JSON.stringify(body()));
  }
  assert.equal(res.status, 200, res.text);
});

test('a body that is not JSON is 415', async () => {
  const json = JSON.stringify(body());
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    assertError(await signIn(json, { headers: { 'Content-Type': type } }), 415, 'unsupported_media_type');
  }
});

test('a hostile Origin is 403 origin_not_allowed; the desktop and the account itself are allowed', async () => {
  for (const origin of ['https://evil.example', 'null', originOf('globex'), 'http://127.0.0.1:1']) {
    assertError(await signIn(body(), { headers: { Origin: origin } }), 403, 'origin_not_allowed');
  }
  assertError(await signIn(body(), { headers: { 'Sec-Fetch-Site': 'cross-site' } }), 403, 'origin_not_allowed');
  for (const origin of [DESKTOP_ORIGIN, originOf('acme')]) {
    assert.equal((await signIn(body(), { headers: { Origin: origin } })).status, 200);
  }
});

test('repeated wrong keys from one client are throttled with 429 and Retry-After, right key included', async () => {
  const client = freshClient();
  const headers = { 'CF-Connecting-IP': client };
  for (let i = 0; i < 10; i++) assertError(await signIn(body({ api_key: `guess-${i}` }), { headers }), 401, 'invalid_api_key');
  const refused = await signIn(body(), { headers });
  assertError(refused, 429, 'too_many_attempts');
  const retry = Number(refused.headers['retry-after']);
  assert.ok(retry > 0 && retry <= 600, `Retry-After ${retry}`);
  assert.equal((await signIn(body())).status, 200, 'another client is not affected');
  assert.equal((await signIn(body({ api_key: SECRETS.globex_integration_api_key }), { account: 'globex', headers })).status, 200, 'another account is not affected');
});

test('malformed requests do not count towards the throttle', async () => {
  const headers = { 'CF-Connecting-IP': freshClient() };
  for (let i = 0; i < 12; i++) assertError(await signIn('nope', { headers }), 400, 'invalid_request');
  assert.equal((await signIn(body(), { headers })).status, 200);
});

test('an account whose signing key is under 32 bytes signs nobody in', async () => {
  const res = await signIn(body({ api_key: SECRETS.shortkey_integration_api_key }), { account: 'shortkey' });
  assertError(res, 500, 'server_error');
  assert.ok(!res.text.includes(SECRETS.shortkey_jwt_signing_key));
});

test('refused sign-ins write no session', async () => {
  const before = countRows('sessions');
  await signIn(body({ api_key: 'wrong' }));
  await signIn('nope');
  await signIn(body(), { headers: { Origin: 'https://evil.example' } });
  await signIn(body({ api_key: SECRETS.shortkey_integration_api_key }), { account: 'shortkey' });
  assert.equal(countRows('sessions'), before);
  await signIn();
  assert.equal(countRows('sessions'), before + 1);
});
