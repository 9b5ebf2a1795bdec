// SPEC §1.7 and issue 10: a cookie never authorizes a cross-site write, on any path, the
// gateway included; the check runs where cookies become a principal, so bearer tokens and
// service keys (no ambient authority) are not subject to it. Also: each platform's sign-in takes
// its own desktop origins, and `?access_token=` counts only at the gateway and whoami.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, hostOf, originOf, assertError, cookieValue, freshClient, DESKTOP_ORIGIN } from '../support/client.mjs';
import { SECRETS, UPSTREAM_PORT, LIVEENGAGE_ONLY_ORIGIN, GENESYS_ONLY_ORIGIN } from '../support/env.mjs';
import { countRows } from '../support/storage.mjs';
import { ownerSession, createService } from '../support/admin.mjs';

const EVIL = { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' };

async function agentSession() {
  const res = await request('POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'csrf-1', agent_name: 'Ann', platform: 'liveengage' },
  });
  assert.equal(res.status, 200, res.text);
  return {
    cookie: { Cookie: `__Host-deskgate_session=${cookieValue(res.cookies, '__Host-deskgate_session')}` },
    jwtCookie: { Cookie: `__Host-deskgate_jwt=${cookieValue(res.cookies, '__Host-deskgate_jwt')}` },
    jwt: res.json.access_token,
  };
}

/** How many requests the demo upstream has received so far. */
async function upstreamReceived() {
  const res = await fetch(`http://127.0.0.1:${UPSTREAM_PORT}/_demo/received`);
  return (await res.json()).received;
}

test('a cross-site write through the gateway with a cookie is 403 and nothing is forwarded', async () => {
  const s = await agentSession();
  const before = await upstreamReceived();
  const attempts = [
    ['POST', '/api/orders/delete', { ...s.cookie, ...EVIL }],
    ['DELETE', '/api/orders/1', { ...s.cookie, ...EVIL }],
    ['PUT', '/api/x', { ...s.cookie, ...EVIL }],
    ['PATCH', '/api/x', { ...s.jwtCookie, ...EVIL }],
    // A form posted cross-site by an older engine: no Origin, but Sec-Fetch-Site says it all.
    ['POST', '/api/orders', { ...s.cookie, 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['POST', '/api/orders', { ...s.cookie, 'Sec-Fetch-Site': 'same-site' }],
    ['POST', '/api/orders', { ...s.cookie, Origin: 'null' }],
    // A desktop may frame the widget and sign an agent in; it may not write with the cookies.
    ['POST', '/api/orders', { ...s.cookie, Origin: DESKTOP_ORIGIN }],
  ];
  for (const [method, path, headers] of attempts) {
    const res = await request(method, path, { headers, body: 'id=1' });
    assertError(res, 403, 'origin_not_allowed');
  }
  assert.equal(await upstreamReceived(), before, 'nothing reached the upstream');
  // The same writes from the account's own origin (the widget frame) go through.
  const own = await request('POST', '/api/orders', { headers: { ...s.cookie, Origin: originOf('acme') }, body: 'id=1' });
  assert.equal(own.status, 200, own.text);
  assert.equal(await upstreamReceived(), before + 1);
});

test('a cross-site read with a cookie passes: safe methods change nothing', async () => {
  const s = await agentSession();
  for (const method of ['GET', 'HEAD', 'OPTIONS']) {
    const res = await request(method, '/api/orders/1', { headers: { ...s.cookie, ...EVIL } });
    assert.equal(res.status, 200, `${method}: ${res.text}`);
  }
  assert.equal((await request('GET', '/v1/whoami', { headers: { ...s.cookie, ...EVIL } })).status, 200);
});

test('session writes with a cookie from another site are 403 and change nothing', async () => {
  const s = await agentSession();
  assertError(await request('POST', '/apis/admin/session/integration-token', { headers: { ...s.cookie, ...EVIL }, body: { app_id: 'crm' } }), 403, 'origin_not_allowed');
  assertError(await request('DELETE', '/apis/admin/session/', { headers: { ...s.cookie, ...EVIL } }), 403, 'origin_not_allowed');
  assert.equal((await request('GET', '/apis/admin/session/', { headers: s.cookie })).status, 200, 'still signed in');
});

test('admin writes with the owner cookie from another site are 403 and write nothing', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner, 'csrf-target');
  const before = [countRows('services'), countRows('credentials'), countRows('audit_log')];
  const writes = [
    ['POST', '/apis/admin/services', { name: 'planted' }],
    ['POST', `/apis/admin/services/${svc.id}/credentials`, { kind: 'service_key' }],
    ['POST', `/apis/admin/services/${svc.id}/credentials/${svc.keyId}/regenerate`, undefined],
    ['POST', `/apis/admin/services/${svc.id}/testing-token`, undefined],
    ['DELETE', `/apis/admin/services/${svc.id}/credentials/${svc.keyId}`, { password: SECRETS.acme_admin_password }],
    ['POST', '/v1/customer-ids', { customer_id: '1' }],
  ];
  for (const [method, path, body] of writes) {
    assertError(await request(method, path, { headers: { ...owner, ...EVIL }, body }), 403, 'origin_not_allowed');
  }
  assert.deepEqual([countRows('services'), countRows('credentials'), countRows('audit_log')], before);
});

test('bearer tokens and service keys are no ambient authority: cross-site writes with them pass', async () => {
  const s = await agentSession();
  const owner = await ownerSession();
  const svc = await createService(owner, 'csrf-bearer');
  const withJwt = await request('POST', '/api/orders', { headers: { Authorization: `Bearer ${s.jwt}`, ...EVIL }, body: 'x' });
  assert.equal(withJwt.status, 200, withJwt.text);
  const withKey = await request('POST', '/api/orders', { headers: { 'X-Service-Key': svc.key, ...EVIL }, body: 'x' });
  assert.equal(withKey.status, 200, withKey.text);
  const token = await request('POST', '/apis/admin/session/integration-token', { headers: { Authorization: `Bearer ${s.jwt}`, ...EVIL }, body: { app_id: 'crm' } });
  assert.equal(token.status, 200, token.text);
  // A bearer token decides alone: the cookie beside it is not read, so not checked either.
  const both = await request('POST', '/api/orders', { headers: { Authorization: `Bearer ${s.jwt}`, ...s.cookie, ...EVIL }, body: 'x' });
  assert.equal(both.status, 200, both.text);
});

test('each platform signs in from its own desktop origins only', async () => {
  const signIn = (platform, origin) => request('POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshClient(), Origin: origin },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: '1', agent_name: 'A', platform },
  });
  assert.equal((await signIn('liveengage', LIVEENGAGE_ONLY_ORIGIN)).status, 200);
  assert.equal((await signIn('genesys', GENESYS_ONLY_ORIGIN)).status, 200);
  assertError(await signIn('genesys', LIVEENGAGE_ONLY_ORIGIN), 403, 'origin_not_allowed');
  assertError(await signIn('liveengage', GENESYS_ONLY_ORIGIN), 403, 'origin_not_allowed');
  // The owner's console is on the account's own origin; no desktop signs the owner in.
  const owner = (origin) => request('POST', '/apis/admin/session/password/', {
    headers: { 'CF-Connecting-IP': freshClient(), Origin: origin },
    body: { username: 'owner', password: SECRETS.acme_admin_password },
  });
  assert.equal((await owner(originOf('acme'))).status, 200);
  assertError(await owner(DESKTOP_ORIGIN), 403, 'origin_not_allowed');
});

test('access_token in the query counts at the gateway and whoami only, never for the admin API', async () => {
  const s = await agentSession();
  const ownerJwt = await request('POST', '/apis/admin/session/password/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { username: 'owner', password: SECRETS.acme_admin_password },
  });
  const q = (jwt) => `access_token=${encodeURIComponent(jwt)}`;
  assert.equal((await request('GET', `/v1/whoami?${q(s.jwt)}`)).status, 200);
  assert.equal((await request('GET', `/api/orders?${q(s.jwt)}`)).status, 200);
  for (const path of ['/apis/admin/services', '/apis/admin/audit', '/apis/admin/session/']) {
    assertError(await request('GET', `${path}?${q(ownerJwt.json.access_token)}`), 401, 'unauthenticated');
  }
  assertError(await request('POST', `/apis/admin/session/integration-token?${q(s.jwt)}`, { body: { app_id: 'a' } }), 401, 'unauthenticated');
});
