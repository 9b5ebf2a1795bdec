// SPEC §8 "Revocation is prompt, and its bound is stated". A verifier may believe what storage
// said was live for REVOCATION_DELAY_SECONDS (default 5): revocation on the instance that made
// it is immediate; one made elsewhere (here: written into storage behind the worker's back, as
// another isolate would) takes effect within the delay; strict mode (0) reads storage every
// time; nothing is believed past its own end, and a refusal is never remembered as a success.
//
// Three workers: the tier's (default delay), a strict one, and one whose sessions last 2 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { request, assertError, freshClient, cookieValue } from '../support/client.mjs';
import { SECRETS } from '../support/env.mjs';
import { simulate } from '../support/storage.mjs';
import { startWorker } from '../support/worker.mjs';
import { ownerSession, adminCall, createService } from '../support/admin.mjs';

const DELAY = 5; // REVOCATION_DELAY_SECONDS of the tier's worker (wrangler.toml's default)
let strict;
let short;
let passed = 0;
const TESTS = 6;

before(async () => {
  [strict, short] = await Promise.all([
    startWorker('strict', { prebuilt: true, vars: { REVOCATION_DELAY_SECONDS: '0' } }),
    startWorker('short-sessions', { prebuilt: true, vars: { SESSION_TTL_SECONDS: '2' } }),
  ]);
});
after(() => {
  strict?.stop(passed === TESTS);
  short?.stop(passed === TESTS);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function signIn(port) {
  const res = await request('POST', '/apis/admin/session/api-key/', {
    port,
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'rev-1', agent_name: 'R', platform: 'genesys' },
  });
  assert.equal(res.status, 200, res.text);
  return { jwt: res.json.access_token, sid: decodeJwt(res.json.access_token).sid, cookie: cookieValue(res.cookies, '__Host-deskgate_session') };
}

const whoami = (jwt, port) => request('GET', '/v1/whoami', { port, headers: { Authorization: `Bearer ${jwt}` } });
const revokeBehindTheWorkersBack = (sid, state) =>
  simulate(`UPDATE sessions SET revoked_at = ${Math.floor(Date.now() / 1000)} WHERE id = '${sid}'`, state);

test('a revocation made elsewhere is believed within the delay, and not after it', async () => {
  const s = await signIn();
  assert.equal((await whoami(s.jwt)).status, 200, 'storage said live: remembered');
  const seen = Date.now();
  revokeBehindTheWorkersBack(s.sid);
  // Another isolate revoked it: this one may still believe the session, for at most the delay.
  const meanwhile = await whoami(s.jwt);
  assert.equal(meanwhile.status, 200, 'within the delay the isolate may still believe it');
  await sleep(seen + (DELAY + 1) * 1000 - Date.now());
  assertError(await whoami(s.jwt), 401, 'invalid_token');
  passed += 1;
});

test('on the instance that revokes, revocation is immediate: sign-out and a discarded key', async () => {
  const s = await signIn();
  assert.equal((await whoami(s.jwt)).status, 200);
  const cookie = { Cookie: `__Host-deskgate_session=${s.cookie}` };
  assert.equal((await request('GET', '/apis/admin/session/', { headers: cookie })).status, 200);
  assert.equal((await request('DELETE', '/apis/admin/session/', { headers: { Authorization: `Bearer ${s.jwt}` } })).status, 204);
  assertError(await whoami(s.jwt), 401, 'invalid_token');
  assertError(await request('GET', '/apis/admin/session/', { headers: cookie }), 401, 'invalid_token');

  const owner = await ownerSession();
  const svc = await createService(owner, 'revocation-delay');
  await adminCall(owner, 'POST', `/services/${svc.id}/credentials`, { kind: 'service_key' });
  const key = { 'X-Service-Key': svc.key };
  assert.equal((await request('GET', '/v1/whoami', { headers: key })).status, 200, 'remembered as active');
  assert.equal((await adminCall(owner, 'POST', `/services/${svc.id}/credentials/${svc.keyId}/discard`)).status, 200);
  assertError(await request('GET', '/v1/whoami', { headers: key }), 401, 'invalid_token');
  passed += 1;
});

test('strict mode (REVOCATION_DELAY_SECONDS=0) reads storage every time', async () => {
  const s = await signIn(strict.port);
  assert.equal((await whoami(s.jwt, strict.port)).status, 200);
  revokeBehindTheWorkersBack(s.sid, strict.state);
  assertError(await whoami(s.jwt, strict.port), 401, 'invalid_token');
  passed += 1;
});

test('nothing is believed past its own end: a remembered session expires on time', async () => {
  const s = await signIn(short.port);
  assert.equal((await whoami(s.jwt, short.port)).status, 200, 'remembered for up to 5 s');
  await sleep(2500);
  assertError(await whoami(s.jwt, short.port), 401, 'invalid_token');
  passed += 1;
});

test('a refusal is never remembered as a success: a reactivated key works at once', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner, 'refusal-not-remembered');
  await adminCall(owner, 'POST', `/services/${svc.id}/credentials`, { kind: 'service_key' });
  assert.equal((await adminCall(owner, 'POST', `/services/${svc.id}/credentials/${svc.keyId}/discard`)).status, 200);
  const key = { 'X-Service-Key': svc.key };
  assertError(await request('GET', '/v1/whoami', { headers: key }), 401, 'invalid_token');
  // Reactivated behind the worker's back: nothing of the refusal was remembered.
  simulate(`UPDATE credentials SET status = 'active' WHERE id = '${svc.keyId}'`);
  assert.equal((await request('GET', '/v1/whoami', { headers: key })).status, 200);
  passed += 1;
});

test('an access token is believed no longer than the delay after another instance revoked it', async () => {
  const owner = await ownerSession();
  const svc = await createService(owner, 'token-delay');
  const form = { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${svc.id}:${svc.key}`).toString('base64')}` };
  const token = (await request('POST', '/oauth/token', { headers: form, body: 'grant_type=client_credentials' })).json.access_token;
  assert.equal((await whoami(token)).status, 200);
  const seen = Date.now();
  simulate(`UPDATE access_tokens SET revoked_at = 1 WHERE jti = '${decodeJwt(token).jti}'`);
  await sleep(seen + (DELAY + 1) * 1000 - Date.now());
  assertError(await whoami(token), 401, 'invalid_token');
  passed += 1;
});
