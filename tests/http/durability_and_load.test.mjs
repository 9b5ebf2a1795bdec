// Durable state lives in D1, never in isolate memory (ARCHITECTURE.md): a session, a service key
// and an access token made before a worker restart still work after it, and one revoked before
// it stays revoked. Then concurrency and load: 50 parallel sign-ins all land, each its own
// session; a sustained load at fixed concurrency ends without one unexpected answer, and every
// rule still holds afterwards.
//
// These run against a worker of their own (tests/support/worker.mjs), on a storage folder of
// their own: it is restarted, and its rows can be counted exactly, with no other suite writing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { createConnection } from 'node:net';
import { SECRETS } from '../support/env.mjs';
import { freshClient, request } from '../support/client.mjs';
import { startWorker } from '../support/worker.mjs';
import { snapshot } from '../support/storage.mjs';

let worker;
// Its folder (storage, wrangler.log) is removed only when every test here passed.
let passed = 0;
const TESTS = 3;

before(async () => {
  worker = await startWorker('durability', { prebuilt: true });
});
after(() => {
  worker?.stop(passed === TESTS);
});

/**
 * One request to the suite's own worker as account `account`. `via`: an http.Agent, else a
 * connection of its own (see tests/support/client.mjs for why).
 */
const call = (method, path, { headers = {}, body, account = 'acme', via = false } = {}) =>
  request(method, path, { port: worker.port, host: `${account}.localhost:${worker.port}`, headers, body, agent: via });

const sessionCookie = (res) => res.cookies.find((c) => c.startsWith('__Host-deskgate_session='))?.split(';')[0];
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
const signIn = (agentId, client = freshClient(), via = false) => call('POST', '/apis/admin/session/api-key', {
  headers: { 'CF-Connecting-IP': client }, via,
  body: { api_key: SECRETS.acme_integration_api_key, agent_id: agentId, agent_name: `Agent ${agentId}`, platform: 'liveengage' },
});
const basic = (id, key) => `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}`;
const tokenFor = (svc, via = false) => call('POST', '/oauth/token', {
  headers: { Authorization: basic(svc.id, svc.key), 'Content-Type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials', via,
});

async function ownerCookie() {
  const res = await call('POST', '/apis/admin/session/password/', {
    headers: { 'CF-Connecting-IP': freshClient() }, body: { username: 'owner', password: SECRETS.acme_admin_password },
  });
  assert.equal(res.status, 200, res.text);
  return sessionCookie(res);
}

async function createService(owner, name) {
  const res = await call('POST', '/apis/admin/services', { headers: { Cookie: owner }, body: { name } });
  assert.equal(res.status, 201, res.text);
  const key = res.json.credentials.find((c) => c.kind === 'service_key');
  return { id: res.json.id, key: key.secret, keyId: key.id };
}

/** Whether anything still listens on `port` on loopback. */
const listening = (port) => new Promise((resolve) => {
  const s = createConnection(port, '127.0.0.1');
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

test('a session, a service key and an access token made before a restart still work after it; a revoked session stays revoked', async () => {
  const kept = await signIn('before-restart');
  assert.equal(kept.status, 200, kept.text);
  const revoked = await signIn('revoked-before-restart');
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal((await call('DELETE', '/apis/admin/session/', { headers: { Cookie: sessionCookie(revoked) } })).status, 204);
  const svc = await createService(await ownerCookie(), 'survives-restart');
  const token = await tokenFor(svc);
  assert.equal(token.status, 200, token.text);

  const checks = async () => ({
    cookie: await call('GET', '/apis/admin/session/', { headers: { Cookie: sessionCookie(kept) } }),
    bearer: await call('GET', '/apis/admin/session/', { headers: { Authorization: `Bearer ${kept.json.access_token}` } }),
    key: await call('GET', '/v1/whoami', { headers: { 'X-Service-Key': svc.key } }),
    token: await call('GET', '/v1/whoami', { headers: { Authorization: `Bearer ${token.json.access_token}` } }),
    revoked: await call('GET', '/apis/admin/session/', { headers: { Cookie: sessionCookie(revoked) } }),
    revokedJwt: await call('GET', '/apis/admin/session/', { headers: { Authorization: `Bearer ${revoked.json.access_token}` } }),
  });
  const beforeRestart = await checks();
  const oldPort = worker.port;
  const rows = snapshot({}, worker.state).counts;

  await worker.halt();
  assert.equal(await listening(oldPort), false, 'the first worker is gone');
  // A restart: the same folder and storage, nothing applied to them.
  worker = await startWorker('durability', { prebuilt: true, restart: worker });
  assert.deepEqual(snapshot({}, worker.state).counts, rows, 'the restart itself writes nothing');

  const afterRestart = await checks();
  for (const [name, res] of Object.entries(afterRestart)) {
    const was = beforeRestart[name];
    assert.equal(res.status, was.status, `${name}: ${res.text}`);
    assert.deepEqual(res.json, was.json, name);
  }
  assert.equal(afterRestart.cookie.status, 200);
  assert.equal(afterRestart.cookie.json.user.id, 'before-restart');
  assert.equal(afterRestart.key.json.id, svc.id);
  assert.equal(afterRestart.token.json.kind, 'access_token');
  assert.equal(afterRestart.revoked.status, 401);
  assert.equal(afterRestart.revokedJwt.status, 401);
  passed++;
});

test('50 concurrent sign-ins all land: 50 answers 200, 50 session rows, 50 distinct sessions and JWTs', async () => {
  const N = 50;
  const rowsBefore = snapshot({}, worker.state).counts.sessions;
  const answers = await Promise.all(Array.from({ length: N }, (_, i) => signIn(`parallel-${i}`)));
  assert.deepEqual(answers.map((r) => r.status), Array(N).fill(200), answers.find((r) => r.status !== 200)?.text);
  assert.equal(snapshot({}, worker.state).counts.sessions, rowsBefore + N);
  const jwts = answers.map((r) => claims(r.json.access_token));
  assert.equal(new Set(answers.map(sessionCookie)).size, N, 'distinct session cookies');
  assert.equal(new Set(jwts.map((c) => c.sid)).size, N, 'distinct sids');
  assert.equal(new Set(jwts.map((c) => c.jti)).size, N, 'distinct jtis');
  // Each cookie is its own agent's session, and each JWT names it.
  const reads = await Promise.all(answers.map((r) => call('GET', '/apis/admin/session/', { headers: { Cookie: sessionCookie(r) } })));
  reads.forEach((res, i) => {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.user.id, `parallel-${i}`);
    assert.equal(jwts[i].sub, `parallel-${i}`);
  });
  passed++;
});

test('a sustained load at 8 connections ends without one unexpected answer, and every rule still holds', async () => {
  const CONNECTIONS = 8;
  const SECONDS = 8;
  const owner = await ownerCookie();
  const reader = await createService(owner, 'load-reader');
  // A service with two active keys, which the load discards in parallel: the rules must leave
  // exactly one active.
  const racer = await createService(owner, 'load-racer');
  const second = await call('POST', `/apis/admin/services/${racer.id}/credentials`, { headers: { Cookie: owner }, body: { kind: 'service_key' } });
  assert.equal(second.status, 201, second.text);
  const racerKeys = [racer.keyId, second.json.id];
  const racerSecrets = { [racer.keyId]: racer.key, [second.json.id]: second.json.secret };
  const sessions = [];
  for (let i = 0; i < 4; i++) sessions.push(sessionCookie(await signIn(`reader-${i}`)));
  const start = snapshot({ windows: 'SELECT account, client, failures FROM signin_failures' }, worker.state);

  // Each operation and the answers the rules allow it.
  let discards = 0;
  const ops = {
    signIn: { expect: [200], run: (n) => signIn(`load-${n}`, freshClient(), load) },
    readSession: { expect: [200], run: (n) => call('GET', '/apis/admin/session/', { headers: { Cookie: sessions[n % sessions.length] }, via: load }) },
    whoami: { expect: [200], run: () => call('GET', '/v1/whoami', { headers: { 'X-Service-Key': reader.key }, via: load }) },
    token: { expect: [200], run: () => tokenFor(reader, load) },
    // One active key is kept by `last_active_credential`; a key already discarded is
    // `credential_is_inactive`; a write that kept losing the race is `concurrent_modification`.
    discard: {
      expect: [200, 409],
      run: (n) => { discards++; return call('POST', `/apis/admin/services/${racer.id}/credentials/${racerKeys[n % 2]}/discard`, { headers: { Cookie: owner }, via: load }); },
    },
  };
  const mix = ['signIn', 'readSession', 'whoami', 'token', 'readSession', 'whoami', 'signIn', 'token'];
  const load = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const tally = Object.fromEntries(Object.keys(ops).map((k) => [k, {}]));
  const unexpected = [];
  const deadline = Date.now() + SECONDS * 1000;
  let n = 0;
  const lane = async (lane) => {
    while (Date.now() < deadline) {
      const i = n++;
      // The discards come as a burst from every lane at once, in the middle of the load.
      const name = i >= 200 && i < 200 + 2 * CONNECTIONS ? 'discard' : mix[(i + lane) % mix.length];
      const res = await ops[name].run(i).catch((e) => ({ status: `error ${e.code ?? e.message}`, text: '' }));
      tally[name][res.status] = (tally[name][res.status] ?? 0) + 1;
      const allowed = ops[name].expect.includes(res.status)
        && (res.status !== 409 || ['last_active_credential', 'credential_is_inactive', 'concurrent_modification'].includes(res.json?.error));
      if (!allowed) unexpected.push(`${name}: ${res.status} ${res.text.slice(0, 160)}`);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, l) => lane(l)));
  const elapsed = (Date.now() - started) / 1000;
  load.destroy();
  const total = Object.values(tally).reduce((s, t) => s + Object.values(t).reduce((a, b) => a + b, 0), 0);
  console.log(`load: ${total} requests in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s) at ${CONNECTIONS} connections: ${JSON.stringify(tally)}`);
  assert.deepEqual(unexpected, [], `${unexpected.length} unexpected answers`);
  assert.ok(discards >= 2 * CONNECTIONS, 'the discard burst ran');

  // Every rule intact: one session per successful sign-in, one token row per token, one active
  // key left on the raced service, nothing counted against the right sign-ins.
  const end = snapshot({
    windows: 'SELECT account, client, failures FROM signin_failures',
    racer: `SELECT status, COUNT(*) AS n FROM credentials WHERE service_id = '${racer.id}' AND kind = 'service_key' GROUP BY status`,
  }, worker.state);
  assert.equal(end.counts.sessions, start.counts.sessions + (tally.signIn[200] ?? 0));
  assert.equal(end.counts.access_tokens, start.counts.access_tokens + (tally.token[200] ?? 0));
  // One audit entry per sign-in (SPEC §8) and per discard that won, nothing for the refused.
  assert.equal(end.counts.audit_log, start.counts.audit_log + (tally.signIn[200] ?? 0) + (tally.discard[200] ?? 0));
  assert.deepEqual(end.racer, [{ status: 'active', n: 1 }, { status: 'inactive', n: 1 }]);
  assert.equal(tally.discard[200], 1, 'exactly one discard won');
  assert.deepEqual(end.windows.filter((w) => w.failures !== 0), start.windows.filter((w) => w.failures !== 0), 'right sign-ins leave no failure counted');
  const listed = await call('GET', `/apis/admin/services/${racer.id}/credentials`, { headers: { Cookie: owner } });
  assert.deepEqual(listed.json.credentials.filter((c) => c.kind === 'service_key').map((c) => c.status).sort(), ['active', 'inactive']);
  // The key left active still works, the other does not; the throttle still refuses a client's
  // 11th wrong key.
  const active = listed.json.credentials.find((c) => c.kind === 'service_key' && c.status === 'active');
  for (const id of racerKeys) {
    const res = await call('GET', '/v1/whoami', { headers: { 'X-Service-Key': racerSecrets[id] } });
    assert.equal(res.status, id === active.id ? 200 : 401, res.text);
  }
  const client = freshClient();
  const wrong = [];
  for (let i = 0; i < 11; i++) {
    wrong.push((await call('POST', '/apis/admin/session/api-key', {
      headers: { 'CF-Connecting-IP': client },
      body: { api_key: `wrong-${i}`, agent_id: 'x', agent_name: 'x', platform: 'genesys' },
    })).status);
  }
  assert.deepEqual(wrong, [...Array(10).fill(401), 429]);
  passed++;
});
