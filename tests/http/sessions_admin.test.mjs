// SPEC §8, the sessions panel's API: the owner sees every live session (who, how it was made,
// from where, until when), ends one, one agent's, or all of them; owner only, CSRF-checked,
// audited; refused requests end nothing. On account globex, so other suites' sessions on acme
// are not in the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { request, hostOf, originOf, assertError, cookieValue, freshClient } from '../support/client.mjs';
import { ownerSession, adminCall } from '../support/admin.mjs';
import { SECRETS } from '../support/env.mjs';
import { countRows } from '../support/storage.mjs';

const ACCOUNT = 'globex';
const call = (auth, method, path, body) => adminCall(auth, method, path, body, ACCOUNT);

async function agent(id, platform = 'liveengage') {
  const ip = freshClient();
  const res = await request('POST', '/apis/admin/session/api-key', {
    host: hostOf(ACCOUNT), headers: { 'CF-Connecting-IP': ip },
    body: { api_key: SECRETS.globex_integration_api_key, agent_id: id, agent_name: `Agent ${id}`, platform },
  });
  assert.equal(res.status, 200, res.text);
  return {
    id, ip, jwt: res.json.access_token, sid: decodeJwt(res.json.access_token).sid,
    cookie: { Cookie: `__Host-deskgate_session=${cookieValue(res.cookies, '__Host-deskgate_session')}` },
  };
}
const alive = async (a) => (await request('GET', '/apis/admin/session/', { host: hostOf(ACCOUNT), headers: a.cookie })).status === 200;
const aliveByJwt = async (a) => (await request('GET', '/apis/admin/session/', { host: hostOf(ACCOUNT), headers: { Authorization: `Bearer ${a.jwt}` } })).status === 200;
const ownerSid = async (auth) => (await call(auth, 'GET', '/sessions')).json.sessions.find((s) => s.current).id;

test('the owner sees every live session, newest first, with how and where it was made', async () => {
  const owner = await ownerSession(ACCOUNT);
  const first = await agent('list-1', 'genesys');
  const second = await agent('list-2');
  const res = await call(owner, 'GET', '/sessions');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['cache-control'], 'no-store');
  const { sessions } = res.json;
  const ids = sessions.map((s) => s.id);
  assert.ok(ids.indexOf(second.sid) < ids.indexOf(first.sid), 'newest first');
  const row = sessions.find((s) => s.id === first.sid);
  assert.deepEqual(Object.keys(row).sort(), ['amr', 'created_at', 'expires_at', 'id', 'ip', 'name', 'platform', 'role', 'subject']);
  assert.deepEqual({ ...row, created_at: 0, expires_at: 0 }, {
    id: first.sid, subject: 'list-1', name: 'Agent list-1', role: 'agent', platform: 'genesys', amr: ['api_key'],
    created_at: 0, expires_at: 0, ip: first.ip,
  });
  assert.equal(row.expires_at - row.created_at, 28800);
  const mine = sessions.filter((s) => s.current);
  assert.equal(mine.length, 1);
  assert.deepEqual([mine[0].role, mine[0].amr, mine[0].platform], ['owner', ['password'], 'console']);
  assert.ok(!res.text.includes(first.jwt) && !res.text.includes(first.cookie.Cookie.split('=')[1]), 'no token is shown');
});

test('ending one session refuses its cookie and every JWT of it at once, and is audited', async () => {
  const owner = await ownerSession(ACCOUNT);
  const [a, b] = [await agent('one-1'), await agent('one-2')];
  const res = await call(owner, 'DELETE', `/sessions/${a.sid}`);
  assert.equal(res.status, 204, res.text);
  assert.equal(await alive(a), false);
  assert.equal(await aliveByJwt(a), false);
  assert.equal(await alive(b), true, 'the other session lives');
  assertError(await call(owner, 'DELETE', `/sessions/${a.sid}`), 404, 'not_found');
  assertError(await call(owner, 'DELETE', `/sessions/${'0'.repeat(32)}`), 404, 'not_found');
  assertError(await call(owner, 'DELETE', '/sessions/not-a-session-id'), 404, 'not_found');
  const audit = (await call(owner, 'GET', '/audit')).json.entries;
  assert.deepEqual(audit.filter((e) => e.action === 'session.revoke').map((e) => e.target).slice(0, 1), [a.sid]);
  assert.equal(audit.filter((e) => e.action === 'session.revoke' && e.target === a.sid).length, 1, 'only the one that ended something');
  const listed = (await call(owner, 'GET', '/sessions')).json.sessions.map((s) => s.id);
  assert.ok(!listed.includes(a.sid) && listed.includes(b.sid));
});

test("ending an agent's sessions ends all of theirs and nobody else's", async () => {
  const owner = await ownerSession(ACCOUNT);
  const [x1, x2, y] = [await agent('agent-x'), await agent('agent-x', 'genesys'), await agent('agent-y')];
  const res = await call(owner, 'POST', '/sessions/revoke', { subject: 'agent-x' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { revoked: 2 });
  assert.deepEqual([await alive(x1), await alive(x2), await alive(y)], [false, false, true]);
  assert.deepEqual((await call(owner, 'POST', '/sessions/revoke', { subject: 'agent-x' })).json, { revoked: 0 });
  const entries = (await call(owner, 'GET', '/audit')).json.entries.filter((e) => e.action === 'session.revoke_subject');
  // Both are on record, the one that ended nothing too: the owner acted.
  assert.deepEqual(entries.slice(0, 2).map((e) => [e.actor, e.target, e.detail]),
    [['owner', 'agent-x', 'revoked=0'], ['owner', 'agent-x', 'revoked=2']]);
});

test("ending every session after a leak keeps only the owner's own, which is said in the list", async () => {
  const owner = await ownerSession(ACCOUNT);
  const otherOwner = await ownerSession(ACCOUNT);
  const agents = [await agent('all-1'), await agent('all-2'), await agent('all-3')];
  const live = (await call(owner, 'GET', '/sessions')).json.sessions.length;
  const res = await call(owner, 'POST', '/sessions/revoke', {});
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { revoked: live - 1 });
  for (const a of agents) assert.equal(await alive(a), false);
  assertError(await call(otherOwner, 'GET', '/sessions'), 401, 'invalid_token');
  const left = (await call(owner, 'GET', '/sessions')).json.sessions;
  assert.deepEqual(left.map((s) => s.current), [true], "the caller's own session is kept");
  const entry = (await call(owner, 'GET', '/audit')).json.entries[0];
  assert.deepEqual([entry.action, entry.target, entry.detail], ['session.revoke_all', '*', `revoked=${live - 1}`]);
  // The owner ends their own by name, or by signing out.
  assert.equal((await call(owner, 'DELETE', `/sessions/${left[0].id}`)).status, 204);
  assertError(await call(owner, 'GET', '/sessions'), 401, 'invalid_token');
});

test('refused requests end nothing and write nothing: agents, other origins, bad bodies', async () => {
  const owner = await ownerSession(ACCOUNT);
  const a = await agent('refused-1');
  const audit = countRows('audit_log');
  const cases = [
    [await call(a.cookie, 'GET', '/sessions'), 403, 'forbidden'],
    [await call(a.cookie, 'POST', '/sessions/revoke', {}), 403, 'forbidden'],
    [await call({ Authorization: `Bearer ${a.jwt}` }, 'DELETE', `/sessions/${a.sid}`), 403, 'forbidden'],
    [await call({}, 'GET', '/sessions'), 401, 'unauthenticated'],
    // CSRF: a cookie-authenticated write from another origin, or from another site without Origin.
    [await call({ ...owner, Origin: 'https://evil.example' }, 'POST', '/sessions/revoke', {}), 403, 'origin_not_allowed'],
    [await call({ ...owner, Origin: originOf('acme') }, 'DELETE', `/sessions/${a.sid}`), 403, 'origin_not_allowed'],
    [await call({ ...owner, 'Sec-Fetch-Site': 'cross-site' }, 'POST', '/sessions/revoke', { subject: 'refused-1' }), 403, 'origin_not_allowed'],
    [await call(owner, 'POST', '/sessions/revoke', { subjet: 'refused-1' }), 400, 'invalid_request'],
    [await call(owner, 'POST', '/sessions/revoke', { subject: null }), 400, 'invalid_request'],
    [await call(owner, 'POST', '/sessions/revoke', []), 400, 'invalid_request'],
    [await call(owner, 'POST', '/sessions/revoke', 'subject=refused-1'), 415, 'unsupported_media_type'],
    [await call(owner, 'PUT', '/sessions'), 405, 'method_not_allowed'],
  ];
  for (const [res, status, code] of cases) assertError(res, status, code);
  assert.equal(await alive(a), true);
  assert.equal(countRows('audit_log'), audit, 'nothing was audited');
  // The owner's own origin is fine.
  const ok = await call({ ...owner, Origin: originOf(ACCOUNT) }, 'DELETE', `/sessions/${a.sid}`);
  assert.equal(ok.status, 204, ok.text);
  assert.ok(await ownerSid(owner));
});
