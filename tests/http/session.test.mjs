// SPEC §1.5–§1.7: reading the session by cookie, JWT cookie or bearer token, refreshing an
// expired JWT, signing out (which revokes the session and every JWT of it), and CSRF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { signHs256 } from '../support/jwt.mjs';
import { request, hostOf, assertError, cookieValue, freshClient } from '../support/client.mjs';
import { SECRETS } from '../support/env.mjs';

const SESSION = '/apis/admin/session/';

async function signIn(account = 'acme') {
  const res = await request('POST', '/apis/admin/session/api-key', {
    host: hostOf(account),
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS[`${account}_integration_api_key`], agent_id: 'a-7', agent_name: 'Grace Hopper', platform: 'genesys' },
  });
  assert.equal(res.status, 200, res.text);
  return {
    session: cookieValue(res.cookies, '__Host-deskgate_session'),
    jwt: cookieValue(res.cookies, '__Host-deskgate_jwt'),
    body: res.json,
  };
}
const get = (headers, account = 'acme') => request('GET', SESSION, { host: hostOf(account), headers });
const cookie = (pairs) => ({ Cookie: Object.entries(pairs).map(([k, v]) => `__Host-deskgate_${k}=${v}`).join('; ') });
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

/** A token signed with the account's real key, with claims changed by `edit` and header
 *  members added (signed by hand: `jose` rightly refuses to sign a `crit` it does not know). */
function forge(jwt, edit, { header = {} } = {}) {
  const claims = { ...decodeJwt(jwt) };
  edit(claims);
  return signHs256({ alg: 'HS256', typ: 'JWT', kid: decodeProtectedHeader(jwt).kid, ...header }, claims, SECRETS.acme_jwt_signing_key);
}

test('the session is readable by session cookie, JWT cookie or bearer token', async () => {
  const s = await signIn();
  for (const headers of [cookie({ session: s.session, jwt: s.jwt }), cookie({ jwt: s.jwt }), bearer(s.jwt)]) {
    const res = await get(headers);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { user: s.body.user, amr: ['api_key'], expires_at: s.body.expires_at });
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual(res.cookies, [], 'a valid JWT is not replaced');
  }
});

test('without any credential the answer is 401 with a Bearer challenge', async () => {
  const res = await get({});
  assertError(res, 401, 'unauthenticated');
  assert.match(res.headers['www-authenticate'], /^Bearer realm="deskgate"/);
});

test('bad credentials are 401 invalid_token with the error in the challenge', async () => {
  const s = await signIn();
  const cases = [
    bearer('garbage'), bearer('a.b.c'), bearer(`${s.jwt}x`), bearer('x'.repeat(10000)),
    cookie({ session: 'not-a-session' }), cookie({ jwt: 'a.b.c' }),
    bearer(forge(s.jwt, () => {}, { header: { jku: 'https://evil.example/keys' } })),
    bearer(forge(s.jwt, () => {}, { header: { crit: ['exp'] } })),
    bearer(forge(s.jwt, (c) => { c.aud = 'someone-else'; })),
    bearer(forge(s.jwt, (c) => { c.iss = 'https://globex.localhost'; })),
    bearer(forge(s.jwt, (c) => { c.iat -= 7200; c.exp = c.iat + 3600; })),
    bearer(forge(s.jwt, (c) => { c.iat += 3600; c.exp += 3600; })),
    bearer(forge(s.jwt, (c) => { c.exp = c.iat + 3601; })),
    bearer(forge(s.jwt, (c) => { c.sid = '0'.repeat(32); })),
  ];
  for (const headers of cases) {
    const res = await get(headers);
    assertError(res, 401, 'invalid_token');
    assert.match(res.headers['www-authenticate'], /error="invalid_token"/);
  }
});

test('an unsigned alg=none token carrying valid claims is refused', async () => {
  const s = await signIn();
  const [, payload] = s.jwt.split('.');
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
  assertError(await get(bearer(none)), 401, 'invalid_token');
  assertError(await get(cookie({ jwt: none })), 401, 'invalid_token');
});

test('a token of account acme is refused on account globex', async () => {
  const s = await signIn();
  assertError(await get(bearer(s.jwt), 'globex'), 401, 'invalid_token');
  assertError(await get(cookie({ session: s.session }), 'globex'), 401, 'invalid_token');
});

test('a live session with an expired or missing JWT gets a fresh JWT cookie', async () => {
  const s = await signIn();
  const expired = forge(s.jwt, (c) => { c.iat -= 7200; c.exp = c.iat + 3600; });
  for (const headers of [cookie({ session: s.session, jwt: expired }), cookie({ session: s.session })]) {
    const res = await get(headers);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.cookies.length, 1);
    assert.match(res.cookies[0], /^__Host-deskgate_jwt=[^;]+; Secure; HttpOnly; Path=\/; SameSite=None; Partitioned; Max-Age=\d+$/);
    const fresh = decodeJwt(cookieValue(res.cookies, '__Host-deskgate_jwt'));
    assert.equal(fresh.sid, decodeJwt(s.jwt).sid);
    assert.notEqual(fresh.jti, decodeJwt(s.jwt).jti);
    assert.equal((await get(bearer(cookieValue(res.cookies, '__Host-deskgate_jwt')))).status, 200);
  }
});

test('signing out revokes the session cookie and every JWT of the session, and expires both cookies', async () => {
  const s = await signIn();
  const refreshed = cookieValue((await get(cookie({ session: s.session }))).cookies, '__Host-deskgate_jwt');
  const res = await request('DELETE', SESSION, { headers: cookie({ session: s.session, jwt: s.jwt }) });
  assert.equal(res.status, 204);
  assert.equal(res.headers['cache-control'], 'no-store');
  const expired = res.cookies.map((c) => c.match(/^(__Host-deskgate_\w+)=; Secure; HttpOnly; Path=\/; SameSite=None; Partitioned; Max-Age=0$/)?.[1]).sort();
  assert.deepEqual(expired, ['__Host-deskgate_jwt', '__Host-deskgate_session'], res.cookies.join('\n'));
  for (const headers of [cookie({ session: s.session }), cookie({ jwt: s.jwt }), bearer(s.jwt), bearer(refreshed)]) {
    assertError(await get(headers), 401, 'invalid_token');
  }
  assertError(await request('DELETE', SESSION, { headers: bearer(s.jwt) }), 401, 'invalid_token');
});

test('signing out by bearer token works for a server without cookies', async () => {
  const s = await signIn();
  assert.equal((await request('DELETE', SESSION, { headers: bearer(s.jwt) })).status, 204);
  assertError(await get(cookie({ session: s.session })), 401, 'invalid_token');
});

test('a cross-site sign-out is refused by the CSRF check and the session lives on', async () => {
  const s = await signIn();
  for (const headers of [{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }]) {
    assertError(await request('DELETE', SESSION, { headers: { ...cookie({ session: s.session }), ...headers } }), 403, 'origin_not_allowed');
  }
  assert.equal((await get(cookie({ session: s.session }))).status, 200);
});

test('signing out without a session is 401', async () => {
  assertError(await request('DELETE', SESSION), 401, 'unauthenticated');
});

test('a session says how it was made: amr in the JWT, the session, whoami and the gateway identity', async () => {
  const s = await signIn();
  assert.deepEqual(decodeJwt(s.jwt).amr, ['api_key']);
  assert.deepEqual(s.body.amr, ['api_key']);
  const seen = await request('GET', '/api/me', { headers: bearer(s.jwt) });
  assert.deepEqual(decodeJwt(seen.json.headers['x-deskgate-identity']).amr, ['api_key']);
  const owner = await request('POST', '/apis/admin/session/password/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { username: 'owner', password: SECRETS.acme_admin_password },
  });
  assert.deepEqual(decodeJwt(owner.json.access_token).amr, ['password']);
  assert.deepEqual((await request('GET', '/v1/whoami', { headers: bearer(owner.json.access_token) })).json.amr, ['password']);
});

test('every sign-in is audited with who, how, on which platform and from where', async () => {
  const client = freshClient();
  const res = await request('POST', '/apis/admin/session/api-key', {
    headers: { 'CF-Connecting-IP': client },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'audited-9', agent_name: 'Au Dit', platform: 'liveengage' },
  });
  assert.equal(res.status, 200, res.text);
  const owner = await request('POST', '/apis/admin/session/password/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { username: 'owner', password: SECRETS.acme_admin_password },
  });
  const audit = await request('GET', '/apis/admin/audit', { headers: bearer(owner.json.access_token) });
  const entry = audit.json.entries.find((e) => e.action === 'session.create' && e.actor === 'audited-9');
  assert.ok(entry, JSON.stringify(audit.json.entries.slice(0, 3)));
  assert.equal(entry.detail, 'method=api_key platform=liveengage');
  assert.equal(entry.ip, client);
  assert.equal(entry.target, decodeJwt(res.json.access_token).sid);
  assert.ok(!audit.text.includes(SECRETS.acme_integration_api_key));
});
