// SPEC §4: the owner's sign-in, services and their credentials through the admin API, the
// lifecycle rules (each refusal its own 409), concurrency, the audit log, and who may call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, hostOf, assertError, cookieValue, freshClient } from '../support/client.mjs';
import { SECRETS } from '../support/env.mjs';
import { ownerSession, adminCall, createService } from '../support/admin.mjs';
import { countRows } from '../support/storage.mjs';

const whoamiByKey = (key, account = 'acme') => request('GET', '/v1/whoami', { host: hostOf(account), headers: { 'X-Service-Key': key } });
const PASSWORD = SECRETS.acme_admin_password;

test('the owner signs in with the admin password and gets an owner session with both cookies', async () => {
  const res = await request('POST', '/apis/admin/session/password', {
    headers: { 'CF-Connecting-IP': freshClient() }, body: { username: 'owner', password: PASSWORD },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.user.role, 'owner');
  assert.equal(res.json.user.platform, 'console');
  assert.equal(res.cookies.length, 2);
  for (const c of res.cookies) assert.match(c, /; Secure; HttpOnly; Path=\/; SameSite=None; Partitioned; Max-Age=\d+$/);
});

test('a wrong owner password, a wrong username and an account without an admin password are one 401', async () => {
  const tries = [
    ['acme', { username: 'owner', password: 'wrong' }],
    ['acme', { username: 'root', password: PASSWORD }],
    ['initech', { username: 'owner', password: PASSWORD }],
  ];
  const answers = [];
  for (const [account, body] of tries) {
    answers.push(await request('POST', '/apis/admin/session/password/', { host: hostOf(account), headers: { 'CF-Connecting-IP': freshClient() }, body }));
  }
  for (const res of answers) assertError(res, 401, 'invalid_credentials');
  assert.equal(new Set(answers.map((r) => r.text)).size, 1);
});

test('repeated wrong owner passwords are throttled', async () => {
  const headers = { 'CF-Connecting-IP': freshClient() };
  for (let i = 0; i < 10; i++) {
    await request('POST', '/apis/admin/session/password/', { headers, body: { username: 'owner', password: `guess-${i}` } });
  }
  const res = await request('POST', '/apis/admin/session/password/', { headers, body: { username: 'owner', password: PASSWORD } });
  assertError(res, 429, 'too_many_attempts');
});

test('creating a service returns one active credential of each kind with its secret, once', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner, 'billing');
  assert.match(svc.id, /^svc_[0-9a-f]{16}$/);
  assert.equal(svc.body.name, 'billing');
  const kinds = svc.body.credentials.map((c) => [c.kind, c.status]).sort();
  assert.deepEqual(kinds, [['jwt', 'active'], ['service_key', 'active']]);
  assert.match(svc.key, /^dgsk_[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(svc.jwtSecret, 'base64').length, 32);
  for (const c of svc.body.credentials) assert.ok(c.masked.endsWith(c.secret.slice(-4)));

  const listed = await adminCall(owner, 'GET', `/services/${svc.id}/credentials`);
  assert.equal(listed.status, 200);
  assert.equal(listed.json.credentials.length, 2);
  for (const c of listed.json.credentials) {
    assert.equal(c.secret, undefined, 'secrets are never shown again');
    assert.ok(!listed.text.includes(svc.key) && !listed.text.includes(svc.jwtSecret));
    assert.match(c.masked, /…/);
  }
  const services = await adminCall(owner, 'GET', '/services');
  assert.ok(services.json.services.some((s) => s.id === svc.id && s.name === 'billing'));
});

test('the whole lifecycle: a second key, discard, reactivate, regenerate, delete', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner);
  const path = `/services/${svc.id}/credentials`;
  const second = await adminCall(owner, 'POST', path, { kind: 'service_key' });
  assert.equal(second.status, 201, second.text);
  assert.equal(second.json.status, 'active');
  assert.equal((await whoamiByKey(second.json.secret)).status, 200);
  assertError(await adminCall(owner, 'POST', path, { kind: 'service_key' }), 409, 'credential_limit_reached');

  const discarded = await adminCall(owner, 'POST', `${path}/${svc.keyId}/discard`);
  assert.equal(discarded.status, 200, discarded.text);
  assert.equal(discarded.json.status, 'inactive');
  assert.equal(discarded.json.secret, undefined);
  assertError(await whoamiByKey(svc.key), 401, 'invalid_token');
  assertError(await adminCall(owner, 'POST', `${path}/${second.json.id}/discard`), 409, 'last_active_credential');
  assertError(await adminCall(owner, 'POST', `${path}/${svc.keyId}/discard`), 409, 'credential_is_inactive');
  assertError(await adminCall(owner, 'DELETE', `${path}/${second.json.id}`, { password: PASSWORD }), 409, 'credential_is_active');

  const reactivated = await adminCall(owner, 'POST', `${path}/${svc.keyId}/reactivate`);
  assert.equal(reactivated.json.status, 'active');
  assert.equal((await whoamiByKey(svc.key)).status, 200, 'a reactivated key works again');
  assertError(await adminCall(owner, 'POST', `${path}/${svc.keyId}/reactivate`), 409, 'credential_is_active');

  const regenerated = await adminCall(owner, 'POST', `${path}/${svc.keyId}/regenerate`);
  assert.equal(regenerated.status, 200, regenerated.text);
  assert.notEqual(regenerated.json.secret, svc.key);
  assertError(await whoamiByKey(svc.key), 401, 'invalid_token');
  assert.equal((await whoamiByKey(regenerated.json.secret)).status, 200);

  await adminCall(owner, 'POST', `${path}/${svc.keyId}/discard`);
  assertError(await adminCall(owner, 'DELETE', `${path}/${svc.keyId}`, {}), 400, 'invalid_request');
  assertError(await adminCall(owner, 'DELETE', `${path}/${svc.keyId}`, { password: 'wrong' }), 403, 'invalid_password');
  const deleted = await adminCall(owner, 'DELETE', `${path}/${svc.keyId}`, { password: PASSWORD });
  assert.equal(deleted.status, 204);
  const after = await adminCall(owner, 'GET', path);
  assert.deepEqual(after.json.credentials.map((c) => c.id).sort(), [second.json.id, svc.jwtId].sort());
  assertError(await adminCall(owner, 'POST', `${path}/${svc.keyId}/reactivate`), 404, 'not_found');
});

test('twenty concurrent discards leave exactly one active key', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner);
  const path = `/services/${svc.id}/credentials`;
  const second = await adminCall(owner, 'POST', path, { kind: 'service_key' });
  const ids = [svc.keyId, second.json.id];
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => adminCall(owner, 'POST', `${path}/${ids[i % 2]}/discard`)));
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(answers.map((r) => r.json)));
  for (const r of answers.filter((x) => x.status !== 200)) {
    assert.equal(r.status, 409);
    assert.ok(['last_active_credential', 'credential_is_inactive', 'concurrent_modification'].includes(r.json.error), r.text);
  }
  const after = (await adminCall(owner, 'GET', path)).json.credentials.filter((c) => c.kind === 'service_key');
  assert.deepEqual(after.map((c) => c.status).sort(), ['active', 'inactive']);
});

test('concurrent creates never pass the limit of two per kind', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner);
  const path = `/services/${svc.id}/credentials`;
  const answers = await Promise.all(Array.from({ length: 10 }, () => adminCall(owner, 'POST', path, { kind: 'jwt' })));
  assert.equal(answers.filter((r) => r.status === 201).length, 1, answers.map((r) => r.text).join('\n'));
  const jwts = (await adminCall(owner, 'GET', path)).json.credentials.filter((c) => c.kind === 'jwt');
  assert.equal(jwts.length, 2);
});

test('every change is in the audit log, newest first, without a secret', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner, 'audited');
  await adminCall(owner, 'POST', `/services/${svc.id}/credentials`, { kind: 'jwt' });
  const res = await adminCall(owner, 'GET', '/audit');
  assert.equal(res.status, 200);
  const [newest, before] = res.json.entries;
  assert.equal(newest.action, 'credential.create');
  assert.equal(before.action, 'service.create');
  assert.equal(before.target, svc.id);
  for (const e of [newest, before]) {
    assert.equal(e.actor, 'owner');
    assert.equal(typeof e.ip, 'string');
    assert.ok(Math.abs(e.at - Date.now() / 1000) < 120);
  }
  assert.ok(!res.text.includes(svc.key) && !res.text.includes(svc.jwtSecret));
});

test('agent sessions get 403 on every admin endpoint, and no session gets 401', async () => {
  const agent = await request('POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: '9', agent_name: 'Eve', platform: 'genesys', role: 'owner' },
  });
  const auth = { Cookie: `__Host-deskgate_session=${cookieValue(agent.cookies, '__Host-deskgate_session')}` };
  const calls = [['GET', '/services'], ['POST', '/services', { name: 'x' }], ['GET', '/audit'],
    ['GET', '/services/svc_0000000000000000/credentials']];
  for (const [method, path, body] of calls) {
    assertError(await adminCall(auth, method, path, body), 403, 'forbidden');
    assertError(await adminCall({}, method, path, body), 401, 'unauthenticated');
  }
});

test('unknown and malformed ids are 404; another account\'s service is unknown', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner);
  const globexOwner = await ownerSession('globex');
  const cases = [
    `/services/svc_0000000000000000/credentials`, `/services/nope/credentials`, `/services/${svc.id}'--/credentials`,
  ];
  for (const path of cases) assertError(await adminCall(owner, 'GET', path), 404, 'not_found');
  assertError(await adminCall(globexOwner, 'GET', `/services/${svc.id}/credentials`, undefined, 'globex'), 404, 'not_found');
  assertError(await adminCall(owner, 'POST', `/services/${svc.id}/credentials/cred_0000000000000000/discard`), 404, 'not_found');
  assertError(await adminCall(owner, 'POST', `/services/${svc.id}/credentials/${svc.keyId}/explode`), 404, 'not_found');
  assertError(await adminCall(owner, 'POST', `/services/${svc.id}/credentials/bad/discard`), 404, 'not_found');
});

test('bad admin bodies are specific 4xx and write nothing', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner);
  const before = [countRows('services'), countRows('credentials'), countRows('audit_log')];
  const bad = [
    [['POST', '/services', 'nope'], 400, 'invalid_request'],
    [['POST', '/services', { name: '' }], 400, 'invalid_request'],
    [['POST', '/services', { name: 'x'.repeat(300) }], 400, 'invalid_request'],
    [['POST', '/services', { name: ['a'] }], 400, 'invalid_request'],
    [['POST', `/services/${svc.id}/credentials`, { kind: 'password' }], 400, 'invalid_request'],
    [['POST', `/services/${svc.id}/credentials`, {}], 400, 'invalid_request'],
    [['POST', '/services', JSON.stringify({ name: 'x', pad: 'y'.repeat(9000) })], 413, 'payload_too_large'],
  ];
  for (const [[method, path, body], status, code] of bad) {
    const headers = { ...owner, 'Content-Type': 'application/json' };
    assertError(await request(method, `/apis/admin${path}`, { headers, body }), status, code);
  }
  assertError(await request('POST', '/apis/admin/services', { headers: { ...owner, 'Content-Type': 'text/plain' }, body: '{"name":"x"}' }), 415, 'unsupported_media_type');
  assertError(await request('POST', '/apis/admin/services', { headers: { ...owner, Origin: 'https://evil.example' }, body: { name: 'x' } }), 403, 'origin_not_allowed');
  assert.deepEqual([countRows('services'), countRows('credentials'), countRows('audit_log')], before);
});
