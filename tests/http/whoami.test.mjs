// SPEC §4–§5: calls authenticated by a service key or a caller-signed JWT, and /v1/whoami for
// every method with its precedence (bearer JWT, then service key, then cookies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, hostOf, assertError, cookieValue, freshClient } from '../support/client.mjs';
import { SECRETS } from '../support/env.mjs';
import { signHs256 } from '../support/jwt.mjs';
import { ownerSession, adminCall, createService } from '../support/admin.mjs';

const whoami = (headers, account = 'acme') => request('GET', '/v1/whoami', { host: hostOf(account), headers });
const now = () => Math.floor(Date.now() / 1000);
/** A caller JWT as seed 004 describes it: HS256 under the base64-decoded secret. */
const callerJwt = (svc, claims = {}, secret = Buffer.from(svc.jwtSecret, 'base64')) =>
  signHs256({ alg: 'HS256', typ: 'JWT' }, { iss: svc.id, iat: now(), ...claims }, secret);

let svc;
let owner;
test('set-up: a service', async () => {
  owner = await ownerSession();
  svc = await createService(owner, 'whoami-tests');
});

test('a service key authenticates as its service', async () => {
  const res = await whoami({ 'X-Service-Key': svc.key });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { kind: 'service_key', id: svc.id, account: 'acme', role: 'service', credential_id: svc.keyId, scope: 'api.read api.write' });
  assert.equal(res.headers['cache-control'], 'no-store');
});

test('a caller JWT signed with the decoded secret authenticates, with or without exp', async () => {
  for (const claims of [{}, { exp: now() + 600 }]) {
    const res = await whoami({ Authorization: `Bearer ${callerJwt(svc, claims)}` });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { kind: 'caller_jwt', id: svc.id, account: 'acme', role: 'service', credential_id: svc.jwtId, scope: 'api.read api.write' });
  }
});

test('caller JWTs are refused when expired, too old, from the future, unsigned, mis-signed or of another kind', async () => {
  const [, payload] = callerJwt(svc).split('.');
  const cases = {
    expired: callerJwt(svc, { iat: now() - 600, exp: now() - 60 }),
    'older than 60 minutes': callerJwt(svc, { iat: now() - 3700 }),
    'older than 60 minutes despite exp': callerJwt(svc, { iat: now() - 3700, exp: now() + 600 }),
    'issued in the future': callerJwt(svc, { iat: now() + 600 }),
    'secret not base64-decoded': callerJwt(svc, {}, svc.jwtSecret),
    'signed with the service key': callerJwt(svc, {}, svc.key),
    'alg none': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`,
    'alg HS512': signHs256({ alg: 'HS512' }, { iss: svc.id, iat: now() }, Buffer.from(svc.jwtSecret, 'base64')),
    'unknown service': signHs256({ alg: 'HS256' }, { iss: 'svc_0000000000000000', iat: now() }, Buffer.from(svc.jwtSecret, 'base64')),
    'no iat': signHs256({ alg: 'HS256' }, { iss: svc.id }, Buffer.from(svc.jwtSecret, 'base64')),
  };
  for (const [what, token] of Object.entries(cases)) {
    const res = await whoami({ Authorization: `Bearer ${token}` });
    assert.equal(res.status, 401, `${what}: ${res.text}`);
    assert.match(res.headers['www-authenticate'], /error="invalid_token"/, what);
  }
});

test('when a JWT and a service key are both sent, the JWT decides alone', async () => {
  const both = await whoami({ Authorization: `Bearer ${callerJwt(svc)}`, 'X-Service-Key': svc.key });
  assert.equal(both.json.kind, 'caller_jwt');
  const badJwt = await whoami({ Authorization: 'Bearer x.y.z', 'X-Service-Key': svc.key });
  assertError(badJwt, 401, 'invalid_token');
});

test('a discarded JWT credential stops verifying at once; a regenerated one needs the new secret', async () => {
  const path = `/services/${svc.id}/credentials`;
  const second = await adminCall(owner, 'POST', path, { kind: 'jwt' });
  const secondSvc = { ...svc, jwtSecret: second.json.secret };
  assert.equal((await whoami({ Authorization: `Bearer ${callerJwt(secondSvc)}` })).json.credential_id, second.json.id);
  await adminCall(owner, 'POST', `${path}/${second.json.id}/discard`);
  assertError(await whoami({ Authorization: `Bearer ${callerJwt(secondSvc)}` }), 401, 'invalid_token');
  const regenerated = await adminCall(owner, 'POST', `${path}/${svc.jwtId}/regenerate`);
  assertError(await whoami({ Authorization: `Bearer ${callerJwt(svc)}` }), 401, 'invalid_token');
  assert.equal((await whoami({ Authorization: `Bearer ${callerJwt({ ...svc, jwtSecret: regenerated.json.secret })}` })).status, 200);
});

test('a service key of account acme is refused on account globex', async () => {
  assertError(await whoami({ 'X-Service-Key': svc.key }, 'globex'), 401, 'invalid_token');
});

test('sessions answer whoami by cookie or session JWT, and nothing at all is 401', async () => {
  const res = await request('POST', '/apis/admin/session/api-key/', {
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: '5', agent_name: 'Ann', platform: 'liveengage' },
  });
  const want = { kind: 'session', id: '5', account: 'acme', role: 'agent', name: 'Ann', platform: 'liveengage', amr: ['api_key'] };
  const session = cookieValue(res.cookies, '__Host-deskgate_session');
  for (const headers of [{ Cookie: `__Host-deskgate_session=${session}` }, { Authorization: `Bearer ${res.json.access_token}` }]) {
    assert.deepEqual((await whoami(headers)).json, want);
  }
  // A service key outranks cookies.
  const withKey = await whoami({ Cookie: `__Host-deskgate_session=${session}`, 'X-Service-Key': svc.key });
  assert.equal(withKey.json.kind, 'service_key');
  assertError(await whoami({}), 401, 'unauthenticated');
  assertError(await whoami({ 'X-Service-Key': 'dgsk_nope' }), 401, 'invalid_token');
});
