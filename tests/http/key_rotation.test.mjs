// SPEC §8, the README's rotation runbook, each step on workerd: three workers of this test's own,
// started one after another on one D1 (as one database outlives every deploy), each with the
// secrets of one step.
//   before: the old keys only;
//   during: the new keys current and the old ones as `…_previous` (tokens of the old signing key
//           still verify by kid, new ones are signed with the new key, the old widget key still
//           signs in and says so in the audit log);
//   after:  the previous keys removed (what the old signing key signed is refused; sessions made
//           before the rotation live on).
// Nobody is signed out by putting the new keys in; only what still rides on the old signing key
// when it is removed stops working, which is what the runbook's wait is for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { request, cookieValue, freshClient, assertError } from '../support/client.mjs';
import { SECRETS } from '../support/env.mjs';
import { startWorker } from '../support/worker.mjs';
import { signHs256 } from '../support/jwt.mjs';

const fresh = (what) => `${what}-${randomBytes(24).toString('base64url')}`;
const OLD = { acme_jwt: fresh('old-acme-signing'), fallback: fresh('old-fallback-signing'), acme_widget: fresh('old-acme-widget') };
const NEW = { acme_jwt: fresh('new-acme-signing'), fallback: fresh('new-fallback-signing'), acme_widget: fresh('new-acme-widget') };
// initech has no signing key of its own: its tokens are signed with JWT_SIGNING_KEY.
const common = {
  acme_admin_password: SECRETS.acme_admin_password,
  initech_integration_api_key: SECRETS.initech_integration_api_key,
  CREDENTIALS_KEY: SECRETS.CREDENTIALS_KEY,
};
const STEPS = {
  before: { ...common, acme_integration_api_key: OLD.acme_widget, acme_jwt_signing_key: OLD.acme_jwt, JWT_SIGNING_KEY: OLD.fallback },
  during: {
    ...common,
    acme_integration_api_key: NEW.acme_widget, acme_integration_api_key_previous: OLD.acme_widget,
    acme_jwt_signing_key: NEW.acme_jwt, acme_jwt_signing_key_previous: OLD.acme_jwt,
    JWT_SIGNING_KEY: NEW.fallback, JWT_SIGNING_KEY_PREVIOUS: OLD.fallback,
  },
  after: { ...common, acme_integration_api_key: NEW.acme_widget, acme_jwt_signing_key: NEW.acme_jwt, JWT_SIGNING_KEY: NEW.fallback },
};

let worker;
let passed = false;
// Each step redeploys onto the previous step's storage (and log), as a deploy keeps its D1.
async function deploy(step) {
  await worker?.halt();
  worker = await startWorker('rotation', { prebuilt: true, restart: worker, secrets: STEPS[step] });
}
before(() => deploy('before'));
after(() => { worker?.stop(passed); });

const call = (method, path, { account = 'acme', headers = {}, body } = {}) =>
  request(method, path, { port: worker.port, host: `${account}.localhost:${worker.port}`, headers, body });
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

async function agentSignIn(apiKey, agentId, account = 'acme') {
  return call('POST', '/apis/admin/session/api-key', {
    account, headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: apiKey, agent_id: agentId, agent_name: 'Rita Rotation', platform: 'liveengage' },
  });
}

async function ownerCookie() {
  const res = await call('POST', '/apis/admin/session/password/', {
    headers: { 'CF-Connecting-IP': freshClient() }, body: { username: 'owner', password: SECRETS.acme_admin_password },
  });
  assert.equal(res.status, 200, res.text);
  return { Cookie: `__Host-deskgate_session=${cookieValue(res.cookies, '__Host-deskgate_session')}` };
}

const kidOf = (token) => decodeProtectedHeader(token).kid;
const verifiesWith = async (token, key) => {
  try { await jwtVerify(token, new TextEncoder().encode(key)); return true; } catch { return false; }
};

test('keys rotate step by step without signing anyone out, and removing the previous key ends what it signed', async () => {
  // ---- before: everything is made with the old keys.
  const agent = await agentSignIn(OLD.acme_widget, 'rot-1');
  assert.equal(agent.status, 200, agent.text);
  const oldJwt = agent.json.access_token;
  const oldRenewal = agent.json.renewal_token;
  const sessionCookie = cookieValue(agent.cookies, '__Host-deskgate_session');
  assert.ok(await verifiesWith(oldJwt, OLD.acme_jwt));
  const integration = await call('POST', '/apis/admin/session/integration-token', { headers: bearer(oldJwt), body: { app_id: 'crm.app' } });
  assert.equal(integration.status, 200, integration.text);
  const owner = await ownerCookie();
  const svc = await call('POST', '/apis/admin/services', { headers: owner, body: { name: 'rotation' } });
  assert.equal(svc.status, 201, svc.text);
  const key = svc.json.credentials.find((c) => c.kind === 'service_key').secret;
  const basic = { Authorization: `Basic ${Buffer.from(`${svc.json.id}:${key}`).toString('base64')}` };
  const token = await call('POST', '/oauth/token', {
    headers: { ...basic, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials',
  });
  assert.equal(token.status, 200, token.text);
  const oldAccessToken = token.json.access_token;
  const fallbackAgent = await agentSignIn(SECRETS.initech_integration_api_key, 'rot-f', 'initech');
  assert.equal(fallbackAgent.status, 200, fallbackAgent.text);
  const oldFallbackJwt = fallbackAgent.json.access_token;
  assert.ok(await verifiesWith(oldFallbackJwt, OLD.fallback));

  // ---- during: new keys current, old keys previous.
  await deploy('during');
  // Every token of the old key still works, each where it is taken.
  assert.equal((await call('GET', '/apis/admin/session/', { headers: bearer(oldJwt) })).status, 200);
  assert.equal((await call('GET', '/v1/whoami', { headers: bearer(oldAccessToken) })).status, 200);
  assert.equal((await call('GET', '/v1/users/me', { headers: { accessToken: integration.json.token } })).status, 200);
  assert.equal((await call('GET', '/apis/admin/session/', { account: 'initech', headers: bearer(oldFallbackJwt) })).status, 200);
  // A renewal signs the fresh JWT with the new key: the widget moves over without noticing.
  const renewed = await call('POST', '/apis/admin/session/renew', { headers: bearer(oldRenewal) });
  assert.equal(renewed.status, 200, renewed.text);
  const newJwt = renewed.json.access_token;
  assert.notEqual(kidOf(newJwt), kidOf(oldJwt));
  assert.ok(await verifiesWith(newJwt, NEW.acme_jwt));
  assert.equal(decodeJwt(newJwt).sid, decodeJwt(oldJwt).sid, 'the same session');
  // A JWT naming the old kid but signed with the new key is not tried against the new key.
  const relabelled = `${oldJwt.split('.')[0]}.${newJwt.split('.')[1]}.${newJwt.split('.')[2]}`;
  assertError(await call('GET', '/apis/admin/session/', { headers: bearer(relabelled) }), 401, 'invalid_token');
  // The fallback's previous key verifies only for accounts that sign with the fallback: it never
  // signed for acme, which has a key of its own.
  const fallbackKid = `hs256-${createHash('sha256').update(OLD.fallback).digest('hex').slice(0, 16)}`;
  const crossed = signHs256({ alg: 'HS256', typ: 'JWT', kid: fallbackKid }, decodeJwt(oldJwt), OLD.fallback);
  assertError(await call('GET', '/apis/admin/session/', { headers: bearer(crossed) }), 401, 'invalid_token');
  assert.equal(kidOf(oldFallbackJwt), fallbackKid, 'the kid is what the test computes');
  // Both widget keys sign in; a sign-in with the previous one is marked in the audit log.
  const byOldKey = await agentSignIn(OLD.acme_widget, 'rot-2');
  const byNewKey = await agentSignIn(NEW.acme_widget, 'rot-3');
  assert.equal(byOldKey.status, 200, byOldKey.text);
  assert.equal(byNewKey.status, 200, byNewKey.text);
  assert.ok(await verifiesWith(byOldKey.json.access_token, NEW.acme_jwt), 'new sessions are signed with the new key');
  const audit = await call('GET', '/apis/admin/audit', { headers: owner });
  const created = (res) => audit.json.entries.find((e) => e.action === 'session.create' && e.target === decodeJwt(res.json.access_token).sid);
  assert.equal(created(byOldKey).detail, 'method=api_key platform=liveengage key=previous');
  assert.equal(created(byNewKey).detail, 'method=api_key platform=liveengage');

  // ---- after: the previous keys are gone.
  await deploy('after');
  for (const [what, res] of [
    ['session JWT of the old key', await call('GET', '/apis/admin/session/', { headers: bearer(oldJwt) })],
    ['access token of the old key', await call('GET', '/v1/whoami', { headers: bearer(oldAccessToken) })],
    ['integration token of the old key', await call('GET', '/v1/users/me', { headers: { accessToken: integration.json.token } })],
    ['renewal token of the old key', await call('POST', '/apis/admin/session/renew', { headers: bearer(oldRenewal) })],
    ['fallback JWT of the old key', await call('GET', '/apis/admin/session/', { account: 'initech', headers: bearer(oldFallbackJwt) })],
  ]) {
    assert.equal(res.status, 401, `${what}: ${res.text}`);
    assert.equal(res.json.error, 'invalid_token', what);
  }
  assertError(await agentSignIn(OLD.acme_widget, 'rot-4'), 401, 'invalid_api_key');
  // The session made before the rotation is still signed in: by the JWT it renewed during the
  // rotation, and by its cookie, which no signing key backs (it gets a fresh JWT cookie).
  assert.equal((await call('GET', '/apis/admin/session/', { headers: bearer(newJwt) })).status, 200);
  const byCookie = await call('GET', '/apis/admin/session/', {
    headers: { Cookie: `__Host-deskgate_session=${sessionCookie}; __Host-deskgate_jwt=${oldJwt}` },
  });
  assert.equal(byCookie.status, 200, byCookie.text);
  const freshJwt = cookieValue(byCookie.cookies, '__Host-deskgate_jwt');
  assert.ok(freshJwt && (await verifiesWith(freshJwt, NEW.acme_jwt)));
  assert.equal((await agentSignIn(NEW.acme_widget, 'rot-5')).status, 200);
  assert.equal((await call('GET', '/apis/admin/session/', { headers: bearer(byOldKey.json.access_token) })).status, 200,
    'a session made with the previous widget key outlives that key');

  // No key of any step reached any of the workers' logs.
  await worker.halt();
  const text = readFileSync(join(worker.dir, 'wrangler.log'), 'utf8');
  for (const value of [...Object.values(OLD), ...Object.values(NEW), ...Object.values(common)]) {
    assert.ok(!text.includes(value), 'a secret is in a worker log');
  }
  passed = true;
});
