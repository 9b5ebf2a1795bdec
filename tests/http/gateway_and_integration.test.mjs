// SPEC §3 and §5: integration tokens and /v1/users/me; the gateway to UPSTREAM_URL with
// credentials stripped and X-Deskgate-Identity added; opaque customer ids (seed 001).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyIdentity } from '../support/identity.mjs';
import { request, hostOf, assertError, cookieValue, freshClient } from '../support/client.mjs';
import { SECRETS } from '../support/env.mjs';
import { ownerSession, adminCall, createService } from '../support/admin.mjs';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function agent(name = 'Ann') {
  const res = await request('POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'a-1', agent_name: name, platform: 'genesys' },
  });
  return { Cookie: `__Host-deskgate_session=${cookieValue(res.cookies, '__Host-deskgate_session')}` };
}

let owner;
let svc;
test('set-up: a service', async () => {
  owner = await ownerSession();
  svc = await createService(owner, 'gateway-client');
});

test('an integration token is bound to the agent and the app, and users/me reads it back', async () => {
  const session = await agent('Ann Smith');
  const res = await request('POST', '/apis/admin/session/integration-token', { headers: session, body: { app_id: 'crm.app' } });
  assert.equal(res.status, 200, res.text);
  const now = Date.now() / 1000;
  assert.ok(Math.abs(res.json.expires_at - (now + 1800)) < 60, 'valid 30 minutes');
  for (const headers of [{ accessToken: res.json.token }, { Authorization: `Bearer ${res.json.token}` }]) {
    const me = await request('GET', '/v1/users/me', { headers });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json, { id: 'a-1', name: 'Ann Smith', account: 'acme', platform: 'genesys', role: 'agent', appId: 'crm.app', expires_at: res.json.expires_at });
  }
  assertError(await request('GET', '/v1/users/me', { host: hostOf('globex'), headers: { accessToken: res.json.token } }), 401, 'invalid_token');
  assertError(await request('GET', '/v1/whoami', { headers: { Authorization: `Bearer ${res.json.token}` } }), 401, 'invalid_token');
  await request('DELETE', '/apis/admin/session/', { headers: session });
  assertError(await request('GET', '/v1/users/me', { headers: { accessToken: res.json.token } }), 401, 'invalid_token');
});

test('users/me refuses anything but a live integration token', async () => {
  const session = await agent();
  const signIn = await request('POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'a-2', agent_name: 'B', platform: 'genesys' },
  });
  assertError(await request('GET', '/v1/users/me'), 401, 'unauthenticated');
  assertError(await request('GET', '/v1/users/me', { headers: { accessToken: signIn.json.access_token } }), 401, 'invalid_token');
  assertError(await request('GET', '/v1/users/me', { headers: { accessToken: 'garbage' } }), 401, 'invalid_token');
  assertError(await request('GET', '/v1/users/me', { headers: session }), 401, 'unauthenticated');
});

test('integration-token requests need a session and a plain app id', async () => {
  const session = await agent();
  assertError(await request('POST', '/apis/admin/session/integration-token', { body: { app_id: 'crm' } }), 401, 'unauthenticated');
  for (const app_id of ['', 'a b', '<x>', 'x'.repeat(129)]) {
    assertError(await request('POST', '/apis/admin/session/integration-token', { headers: session, body: { app_id } }), 400, 'invalid_request');
  }
  assertError(await request('POST', '/apis/admin/session/integration-token', { headers: { ...session, Origin: 'https://evil.example' }, body: { app_id: 'crm' } }), 403, 'origin_not_allowed');
});

test('the gateway forwards as the caller, with every credential stripped and the identity added', async () => {
  const session = await agent();
  const res = await request('POST', '/api/orders/42?x=1&y=two', {
    headers: { 'X-Service-Key': svc.key, ...session, 'X-Custom': 'kept' },
    body: { hello: 'world' },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['x-upstream'], 'demo');
  const seen = res.json;
  assert.equal(seen.method, 'POST');
  assert.equal(seen.path, '/orders/42');
  assert.deepEqual(seen.query, { x: '1', y: 'two' });
  assert.equal(seen.body_bytes, JSON.stringify({ hello: 'world' }).length);
  for (const h of ['cookie', 'authorization', 'x-service-key']) assert.equal(seen.headers[h], undefined, h);
  assert.equal(seen.headers['x-custom'], 'kept');
  const { payload } = await verifyIdentity(seen.headers['x-deskgate-identity']);
  assert.deepEqual([payload.sub, payload.kind, payload.role, payload.acc], [svc.id, 'service_key', 'service', 'acme']);
  assert.ok(payload.exp - payload.iat <= 60);
});

test('the gateway enforces access-token scopes by method and strips a query token', async () => {
  const reader = await adminCall(owner, 'POST', '/services', { name: 'gw-reader', scopes: 'api.read' });
  const key = reader.json.credentials.find((c) => c.kind === 'service_key').secret;
  const token = await request('POST', '/oauth/token', { headers: { ...FORM, Authorization: basic(reader.json.id, key) }, body: 'grant_type=client_credentials' });
  const at = token.json.access_token;
  const read = await request('GET', `/api/reports?access_token=${at}&page=2`);
  assert.equal(read.status, 200, read.text);
  assert.deepEqual(read.json.query, { page: '2' });
  const write = await request('POST', '/api/reports', { headers: { Authorization: `Bearer ${at}` }, body: {} });
  assertError(write, 403, 'insufficient_scope');
  assert.match(write.headers['www-authenticate'], /error="insufficient_scope", scope="api.write"/);
  assertError(await request('GET', '/api/reports'), 401, 'unauthenticated');
  assertError(await request('GET', '/api/reports', { headers: { 'X-Service-Key': 'dgsk_nope' } }), 401, 'invalid_token');
});

test('an agent session passes the gateway as itself', async () => {
  const res = await request('GET', '/api/me', { headers: await agent() });
  assert.equal(res.status, 200, res.text);
  const { payload } = await verifyIdentity(res.json.headers['x-deskgate-identity']);
  assert.deepEqual([payload.kind, payload.role, payload.sub], ['session', 'agent', 'a-1']);
});

test('opaque customer ids are stable, distinct, PII-free, and only for services and the owner', async () => {
  const ask = (headers, customer_id) => request('POST', '/v1/customer-ids', { headers, body: { customer_id } });
  const a = await ask({ 'X-Service-Key': svc.key }, 'customer-2209-118');
  assert.equal(a.status, 200, a.text);
  assert.match(a.json.opaque_id, /^cust_[A-Za-z0-9_-]{43}$/);
  assert.equal((await ask(owner, 'customer-2209-118')).json.opaque_id, a.json.opaque_id);
  assert.notEqual((await ask({ 'X-Service-Key': svc.key }, 'customer-2209-119')).json.opaque_id, a.json.opaque_id);
  assert.ok(!a.text.includes('2209'));
  assertError(await ask(await agent(), 'customer-2209-118'), 403, 'forbidden');
  assertError(await ask({}, 'x'), 401, 'unauthenticated');
  assertError(await ask({ 'X-Service-Key': svc.key }, ''), 400, 'invalid_request');
});
