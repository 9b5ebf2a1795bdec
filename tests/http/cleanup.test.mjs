// SPEC §8: the scheduled cleanup, run on workerd exactly as the cron trigger runs it (`wrangler dev
// --test-scheduled` answers GET /__scheduled by calling the Worker's scheduled handler). Rows past
// their expiry are put into storage with `simulate` (time a test cannot wait for); live rows of
// every table, right beside them, must survive; each table loses at most 500 rows per run, and a
// run with nothing expired deletes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, hostOf, freshClient, cookieValue } from '../support/client.mjs';
import { PORT, SECRETS } from '../support/env.mjs';
import { countRows, select, simulate } from '../support/storage.mjs';
import { jsonLines, waitForLines } from '../support/log.mjs';

const TABLES = ['sessions', 'access_tokens', 'signin_failures', 'launch_jtis', 'audit_log'];
const DAY = 86_400;
const now = () => Math.floor(Date.now() / 1000);
const counts = () => Object.fromEntries(TABLES.map((t) => [t, countRows(t)]));
const delta = (before, after) => Object.fromEntries(TABLES.map((t) => [t, before[t] - after[t]]));

/** Runs the scheduled handler once; resolves to what its log line says it deleted. Nothing
 *  else triggers it (wrangler dev fires no cron by itself), so the next cleanup line is its. */
async function cleanUp() {
  const cleanups = (all) => all.filter((l) => l.event === 'cleanup');
  const seen = cleanups(jsonLines()).length;
  const res = await request('GET', '/__scheduled?cron=*/5+*+*+*+*', { host: `127.0.0.1:${PORT}` });
  assert.equal(res.status, 200, res.text);
  const line = await waitForLines((all) => cleanups(all)[seen]);
  assert.equal(line.cron, '*/5 * * * *');
  return line;
}

/** Runs the cleanup until a run deletes nothing, so this test starts from a clean slate. */
async function drain() {
  for (let i = 0; i < 10; i++) {
    const before = counts();
    await cleanUp();
    if (Object.values(delta(before, counts())).every((n) => n === 0)) return;
  }
  throw new Error('the cleanup never settled');
}

const marked = (table, column, prefix) => select(`SELECT ${column} FROM ${table} WHERE ${column} LIKE '${prefix}%' ORDER BY ${column}`).map((r) => r[0]);

test('expired rows of every table go, live rows stay, at most 500 per table per run, and a second run deletes nothing more', async () => {
  await drain();
  const t = now();
  // Sessions: ended (one revoked, one not, one long ago) go; a revoked one still within its
  // lifetime stays until it ends (it is refused anyway), a live one stays.
  const session = (id, expiresAt, revokedAt = 'NULL') =>
    `('${id}', '${id}-hash', 'acme', 'cleanup', 'C', 'agent', 'liveengage', 'api_key', 'unknown', ${t - 7200}, ${expiresAt}, ${revokedAt})`;
  simulate(`INSERT INTO sessions (id, token_hash, account, subject, name, role, platform, method, ip, created_at, expires_at, revoked_at) VALUES
    ${session('cleanup-gone-1', t - 3600)}, ${session('cleanup-gone-2', t - 60, t - 3000)}, ${session('cleanup-gone-3', t - 400 * DAY)},
    ${session('cleanup-live-1', t + 3600)}, ${session('cleanup-live-2', t + 3600, t - 10)}`);
  // Access tokens: one expired two hours ago goes; one expired 5 s ago is still inside the
  // verifier's 30 s leeway and stays, as does a live one.
  const token = (jti, expiresAt) => `('${jti}', 'acme', 'svc_cleanup', 'cred_cleanup', 'api.read', 0, ${expiresAt - 3600}, ${expiresAt})`;
  simulate(`INSERT INTO access_tokens (jti, account, service_id, credential_id, scope, testing, issued_at, expires_at) VALUES
    ${token('cleanup-gone-1', t - 7200)}, ${token('cleanup-live-1', t - 5)}, ${token('cleanup-live-2', t + 3600)}`);
  // Failure windows (600 s): a closed one goes, an open one stays.
  simulate(`INSERT INTO signin_failures (account, client, started_at, failures) VALUES
    ('acme', 'cleanup-gone-1', ${t - 700}, 4), ('acme', 'cleanup-live-1', ${t - 300}, 4)`);
  // Used launch jtis: one whose token expired an hour ago goes; one that could still be replayed stays.
  simulate(`INSERT INTO launch_jtis (account, jti, expires_at) VALUES
    ('acme', 'cleanup-gone-1', ${t - 3600}), ('acme', 'cleanup-live-1', ${t + 300})`);
  // Audit entries: 600 older than AUDIT_RETENTION_DAYS (400) — more than one run may delete —
  // and one of 399 days, which stays.
  simulate(`INSERT INTO audit_log (account, at, actor, action, target, ip, detail)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
    SELECT 'acme', ${t - 401 * DAY} - i, 'cleanup', 'test.aged', 'cleanup-gone-' || printf('%03d', i), 'unknown', '' FROM n`);
  simulate(`INSERT INTO audit_log (account, at, actor, action, target, ip, detail)
    VALUES ('acme', ${t - 399 * DAY}, 'cleanup', 'test.aged', 'cleanup-live-1', 'unknown', '')`);
  // A real session, signed in through the API, must work after every run.
  const signIn = await request('POST', '/apis/admin/session/api-key', {
    host: hostOf('acme'),
    headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.acme_integration_api_key, agent_id: 'cleanup-agent', agent_name: 'C', platform: 'genesys' },
  });
  assert.equal(signIn.status, 200);
  const cookie = { Cookie: `__Host-deskgate_session=${cookieValue(signIn.cookies, '__Host-deskgate_session')}` };

  const before = counts();
  const first = await cleanUp();
  const afterFirst = counts();
  assert.deepEqual(delta(before, afterFirst), { sessions: 3, access_tokens: 1, signin_failures: 1, launch_jtis: 1, audit_log: 500 });
  assert.deepEqual(first.deleted, delta(before, afterFirst), 'the log line says what went');
  assert.equal(first.limit_per_table, 500);
  assert.deepEqual(marked('sessions', 'id', 'cleanup-'), ['cleanup-live-1', 'cleanup-live-2']);
  assert.deepEqual(marked('access_tokens', 'jti', 'cleanup-'), ['cleanup-live-1', 'cleanup-live-2']);
  assert.deepEqual(marked('signin_failures', 'client', 'cleanup-'), ['cleanup-live-1']);
  assert.deepEqual(marked('launch_jtis', 'jti', 'cleanup-'), ['cleanup-live-1']);
  // The oldest go first: what is left of the 600 are the 100 youngest.
  const auditLeft = marked('audit_log', 'target', 'cleanup-');
  assert.equal(auditLeft.length, 101);
  assert.deepEqual([auditLeft[0], auditLeft.at(-2), auditLeft.at(-1)], ['cleanup-gone-001', 'cleanup-gone-100', 'cleanup-live-1']);

  const second = await cleanUp();
  const afterSecond = counts();
  assert.deepEqual(delta(afterFirst, afterSecond), { sessions: 0, access_tokens: 0, signin_failures: 0, launch_jtis: 0, audit_log: 100 });
  assert.equal(second.deleted.audit_log, 100);
  assert.deepEqual(marked('audit_log', 'target', 'cleanup-'), ['cleanup-live-1']);

  const third = await cleanUp();
  assert.deepEqual(delta(afterSecond, counts()), { sessions: 0, access_tokens: 0, signin_failures: 0, launch_jtis: 0, audit_log: 0 });
  assert.deepEqual(Object.values(third.deleted), [0, 0, 0, 0, 0]);

  const still = await request('GET', '/apis/admin/session/', { host: hostOf('acme'), headers: cookie });
  assert.equal(still.status, 200, 'a live session survives every run');

  simulate(`DELETE FROM sessions WHERE id LIKE 'cleanup-%'`);
  simulate(`DELETE FROM access_tokens WHERE jti LIKE 'cleanup-%'`);
  simulate(`DELETE FROM signin_failures WHERE client LIKE 'cleanup-%'`);
  simulate(`DELETE FROM launch_jtis WHERE jti LIKE 'cleanup-%'`);
  simulate(`DELETE FROM audit_log WHERE target LIKE 'cleanup-%'`);
});
