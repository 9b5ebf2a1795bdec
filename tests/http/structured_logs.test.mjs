// SPEC §8, "logs are structured": a run full of refusals, each carrying some secret of
// edge/.dev.vars.example where a careless worker would log it (the query, headers, the body, as a
// wrong key or password), and then workerd's log of the whole run so far (run.mjs has `wrangler
// dev --log-level log` write wrangler.log): one JSON line per refused or failed request with its
// route, status, error code, account and request id — and not one secret. Paths carry a marker
// instead of a secret: the local proxy's access log prints every path as sent (as a platform's
// request log would), so a secret put in a path by a client is that client's leak; what the test
// shows is that the worker's own line never repeats path text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request, hostOf, freshClient } from '../support/client.mjs';
import { SECRETS, PORT } from '../support/env.mjs';
import { jsonLines, logText, waitForLines } from '../support/log.mjs';
import { signHs256 } from '../support/jwt.mjs';

const S = SECRETS;
const run = randomBytes(4).toString('hex');
const marker = `path-text-${run}`;
const basic = (id, secret) => ({ Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
const now = Math.floor(Date.now() / 1000);
const forged = signHs256({ alg: 'HS256', typ: 'JWT', kid: 'hs256-0000000000000000' },
  { iss: 'https://acme.localhost', aud: 'deskgate', sub: S.acme_admin_password, iat: now, exp: now + 60 }, S.acme_jwt_signing_key);

// [what, method, path, options, expected status, code, account]
const REFUSALS = [
  ['a wrong API key that is another account\'s', 'POST', '/apis/admin/session/api-key', {
    body: { api_key: S.globex_integration_api_key, agent_id: S.initech_integration_api_key, agent_name: 'Eve', platform: 'liveengage' },
  }, 401, 'invalid_api_key', 'acme'],
  ['a wrong owner password that is a signing key', 'POST', '/apis/admin/session/password/', {
    body: { username: 'owner', password: S.acme_jwt_signing_key },
  }, 401, 'invalid_credentials', 'acme'],
  ['text in the path, a key in the query', 'GET', `/v2/widget/${marker}?apikey=${S.acme_integration_api_key}`, {}, 404, 'unknown_platform', 'acme'],
  ['text as a service id in the path', 'GET', `/apis/admin/services/${marker}/credentials`, {
    headers: { Cookie: `__Host-deskgate_session=${S.globex_admin_password}` },
  }, 401, 'invalid_token', 'acme'],
  ['a signing key as a bearer token', 'GET', '/v1/whoami', { headers: { Authorization: `Bearer ${S.JWT_SIGNING_KEY}` } }, 401, 'invalid_token', 'acme'],
  ['a forged JWT in the query', 'GET', `/v1/whoami?access_token=${forged}`, {}, 401, 'invalid_token', 'acme'],
  ['a secret as a service key', 'GET', '/v1/whoami', { headers: { 'X-Service-Key': S.globex_jwt_signing_key } }, 401, 'invalid_token', 'acme'],
  ['a client secret at the token endpoint', 'POST', '/oauth/token', {
    headers: { ...basic('svc_0123456789abcdef', S.CREDENTIALS_KEY), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_secret=${S.acme_admin_password}`,
  }, 400, 'invalid_request', 'acme'],
  ['a gateway call with text in its path', 'GET', `/api/${marker}?key=${S.CREDENTIALS_KEY}`, {
    headers: { 'X-Service-Key': S.acme_integration_api_key },
  }, 401, 'invalid_token', 'acme'],
  ['a sign-in on an account that signs with a short key (a failure)', 'POST', '/apis/admin/session/api-key', {
    account: 'shortkey',
    body: { api_key: S.shortkey_integration_api_key, agent_id: '1', agent_name: 'S', platform: 'genesys' },
  }, 500, 'server_error', 'shortkey'],
  ['a host of no account', 'GET', `/v1/whoami?k=${S.globex_admin_password}`, { host: `${S.acme_integration_api_key}.example:${PORT}` }, 404, 'unknown_host', null],
  ['a method deskgate does not serve', 'PROPFIND', '/apis/admin/sessions', {}, 405, 'method_not_allowed', null],
];

test('every refused or failed request is one JSON line with its route, status, code, account and request id', async () => {
  const ids = [];
  for (const [what, method, path, { account = 'acme', host, headers = {}, body }, status, code] of REFUSALS) {
    const id = `logtest-${run}-${ids.length}`;
    ids.push(id);
    const res = await request(method, path, {
      host: host ?? hostOf(account), body, headers: { 'CF-Connecting-IP': freshClient(), 'cf-ray': id, ...headers },
    });
    assert.equal(res.status, status, `${what}: ${res.text}`);
    assert.equal(res.json?.error, code, what);
  }
  // One without a request id of the runtime's gets one made up.
  const anonymous = await request('GET', '/v1/whoami', { headers: { 'X-Service-Key': `${run}-unknown` } });
  assert.equal(anonymous.status, 401);

  const lines = await waitForLines((all) => {
    const mine = ids.map((id) => all.filter((l) => l.request_id === id));
    return mine.every((m) => m.length > 0) ? mine : null;
  });
  lines.forEach((found, i) => {
    const [what, method, path, , status, code, account] = REFUSALS[i];
    assert.equal(found.length, 1, `${what}: exactly one line`);
    const line = found[0];
    assert.deepEqual(Object.keys(line).sort(), ['account', 'error', 'event', 'level', 'method', 'request_id', 'route', 'status']);
    assert.deepEqual([line.status, line.error, line.account], [status, code, account], what);
    assert.equal(line.method, method === 'PROPFIND' ? 'OTHER' : method, what);
    assert.deepEqual([line.level, line.event], status >= 500 ? ['error', 'request.failed'] : ['warn', 'request.refused'], what);
    assert.ok(line.route.startsWith('/') && !line.route.includes('?'), what);
    assert.ok(!path.startsWith('/api/') || line.route === '/api/*', what);
  });
  assert.equal(lines[2][0].route, '/v2/widget/*', 'a path segment that is not a route word is *');
  assert.equal(lines[3][0].route, '/apis/admin/services/*/credentials');
  const workerLines = JSON.stringify(jsonLines().filter((l) => l.event?.startsWith('request.')));
  assert.ok(!workerLines.includes(marker), 'no line repeats text of a path');
  const generated = jsonLines().filter((l) => l.event === 'request.refused' && /^deskgate-[0-9a-f]{16}$/.test(l.request_id));
  assert.ok(generated.length > 0, 'a made-up request id');
});

test("workerd's log of the run holds no value of .dev.vars.example", async () => {
  // The lines of the first test are in by now; everything before them is every suite so far.
  const text = logText();
  assert.ok(text.includes('request.refused'), 'the log is the worker log of this run');
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!text.includes(value), `the value of ${name} is in the log`);
    // Encoded forms a careless line might carry.
    assert.ok(!text.includes(encodeURIComponent(value)), `${name}, URL-encoded, is in the log`);
    assert.ok(!text.includes(Buffer.from(value).toString('base64')), `${name}, base64, is in the log`);
  }
});
