// SPEC §1.1–§1.2 and "Accounts": the legacy redirect, the widget page and its headers, unknown
// platforms and hosts. Black-box HTTP against the worker on workerd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, hostOf, assertError, DESKTOP_ORIGIN } from '../support/client.mjs';
import { LIVEENGAGE_ONLY_ORIGIN } from '../support/env.mjs';
import { PORT } from '../support/env.mjs';

test('the legacy widget URL redirects to /v2 with the exact same raw query', async () => {
  const query = 'apikey=k%2Fy+z&agent_id=1&agent_name=Test%20User&x=%E2%9C%93&empty=&dup=1&dup=2';
  for (const platform of ['liveengage', 'genesys']) {
    const res = await request('GET', `/widget/${platform}?${query}`);
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, `/v2/widget/${platform}?${query}`);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual(res.cookies, []);
  }
});

test('the legacy widget URL without a query redirects without one', async () => {
  const res = await request('GET', '/widget/genesys');
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, '/v2/widget/genesys');
});

test('an unknown platform is 404 unknown_platform on both widget paths', async () => {
  for (const path of ['/widget/salesforce?apikey=x', '/v2/widget/salesforce?apikey=x', '/widget/LiveEngage', '/v2/widget/%00']) {
    assertError(await request('GET', path), 404, 'unknown_platform');
  }
});

test('the widget page is HTML with no-store, no-referrer, nosniff and a CSP framing only the desktops', async () => {
  const res = await request('GET', '/v2/widget/liveengage?apikey=k&agent_id=1&agent_name=A');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/html/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  const csp = res.headers['content-security-policy'];
  const ancestors = csp.match(/frame-ancestors ([^;]*)/)[1].split(' ');
  assert.deepEqual(ancestors, [DESKTOP_ORIGIN, LIVEENGAGE_ONLY_ORIGIN], 'only this platform\'s desktops');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(res.text, /<script type="module" src="\/static\/boot\.js">/);
  assert.ok(!res.text.includes('apikey=k'), 'the page never echoes the key');
  assert.deepEqual(res.cookies, []);
});

test('a host outside BASE_DOMAIN is 404 unknown_host, never a default account', async () => {
  for (const host of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `a.b.localhost:${PORT}`, `acme.example.com:${PORT}`, `-x.localhost:${PORT}`]) {
    for (const path of ['/v2/widget/liveengage', '/apis/admin/session/']) {
      assertError(await request('GET', path, { host }), 404, 'unknown_host');
    }
  }
});

test('unknown paths are 404 and wrong methods 405, as JSON errors', async () => {
  assertError(await request('GET', '/apis/admin/nothing'), 404, 'not_found');
  assertError(await request('GET', '/apis/admin/session/api-key/'), 405, 'method_not_allowed');
  assertError(await request('PUT', '/apis/admin/session/'), 405, 'method_not_allowed');
  assertError(await request('POST', '/v2/widget/genesys', { host: hostOf('acme') }), 405, 'method_not_allowed');
});

test('the admin console is served with a strict CSP and is never framed or cached', async () => {
  const res = await request('GET', '/admin/');
  assert.equal(res.status, 200);
  assert.match(res.text, /Admin console/);
  assert.match(res.headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.match(res.headers['content-security-policy'], /script-src 'self';/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal((await request('GET', '/_headers')).status === 200 && (await request('GET', '/_headers')).text.includes('Content-Security-Policy'), false, '_headers is not served');
});
