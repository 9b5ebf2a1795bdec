// The real flow in headless Chromium: a demo agent desktop on one site (127.0.0.1) embeds the
// widget from another (acme.localhost) with the API key in the widget URL, exactly as LiveEngage
// and Genesys WDE do. The widget must sign in, strip the key from its URL, and hold both cookies
// partitioned under the desktop's site; sign-out must remove them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, allCookies } from '../support/browser.mjs';
import { request } from '../support/client.mjs';
import { PORT, SECRETS, OUTPUT } from '../support/env.mjs';

const DESKTOP_SITE = 'http://127.0.0.1';
let browser;
before(async () => { browser = await launch(); mkdirSync(OUTPUT, { recursive: true }); });
after(async () => { await browser?.close(); });

/** Opens a demo desktop in a fresh profile and returns the page and the widget's frame. */
async function openDesktop(platform, { apikey = SECRETS.acme_integration_api_key, agentId = '1', agentName = 'Ada Lovelace' } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  const fragment = new URLSearchParams({ account: 'acme', agent_id: agentId, agent_name: agentName });
  if (apikey !== null) fragment.set('apikey', apikey);
  await page.goto(`http://127.0.0.1:${PORT}/desktop/${platform}.html#${fragment}`);
  const frameHandle = await page.waitForSelector('#deskgate-frame');
  const frame = await frameHandle.contentFrame();
  await frame.waitForSelector('#deskgate:not([data-state="signing-in"])', { timeout: 30_000 });
  return { context, page, frame };
}

const deskgateCookies = async (page) => (await allCookies(page)).filter((c) => c.name.startsWith('__Host-deskgate_'));

for (const platform of ['liveengage', 'genesys']) {
  test(`${platform}: the widget signs the agent in, drops the key from its URL and holds partitioned cookies`, async () => {
    const { context, page, frame } = await openDesktop(platform);
    let minted;
    try {
      assert.equal(await frame.getAttribute('#deskgate', 'data-state'), 'signed-in', await frame.textContent('#deskgate'));
      assert.equal(await frame.textContent('.agent-name'), 'Ada Lovelace');
      const url = new URL(frame.url());
      assert.equal(url.host, `acme.localhost:${PORT}`);
      assert.equal(url.pathname, `/v2/widget/${platform}`);
      assert.equal(url.searchParams.has('apikey'), false, frame.url());
      assert.equal(url.searchParams.get('agent_id'), '1');

      const cookies = await deskgateCookies(page);
      assert.deepEqual(cookies.map((c) => c.name).sort(), ['__Host-deskgate_jwt', '__Host-deskgate_session']);
      for (const c of cookies) {
        assert.equal(c.domain, 'acme.localhost');
        assert.equal(c.path, '/');
        assert.equal(c.secure, true);
        assert.equal(c.httpOnly, true);
        assert.equal(c.sameSite, 'None');
        assert.equal(c.partitionKey?.topLevelSite, DESKTOP_SITE, JSON.stringify(c));
      }
      const who = await frame.evaluate(() => window.deskgate.whoami());
      assert.deepEqual(who, { id: '1', name: 'Ada Lovelace', role: 'agent', account: 'acme', platform, mode: 'cookies' });
      assert.equal(await frame.evaluate(() => document.cookie), '', 'HttpOnly: no script reads them');

      // SPEC §3: an app in the desktop asks the widget for an integration token, and the app's
      // backend checks it with /v1/users/me.
      minted = await frame.evaluate(() => window.deskgate.getIntegrationToken('crm.app'));
      assert.ok(minted.expires_at > Date.now() / 1000 + 1700);
      const me = await request('GET', '/v1/users/me', { headers: { accessToken: minted.token } });
      assert.equal(me.status, 200, me.text);
      assert.deepEqual([me.json.id, me.json.name, me.json.appId, me.json.platform], ['1', 'Ada Lovelace', 'crm.app', platform]);
      await page.screenshot({ path: join(OUTPUT, `desktop-${platform}-signed-in.png`) });

      await frame.click('#sign-out');
      await frame.waitForSelector('#deskgate[data-state="signed-out"]');
      assert.deepEqual(await deskgateCookies(page), []);
      assert.equal(await frame.evaluate(() => window.deskgate.whoami()), null);
      assert.equal((await request('GET', '/v1/users/me', { headers: { accessToken: minted.token } })).status, 401, 'sign-out ends it');
    } finally {
      await context.close();
    }
  });
}

test('a widget frame reloaded after the key left its address resumes the session from its cookies', async () => {
  const { context, frame } = await openDesktop('liveengage');
  try {
    assert.equal(await frame.getAttribute('#deskgate', 'data-state'), 'signed-in');
    // What a desktop's "refresh widget" does: the frame loads its own (now key-less) address.
    await frame.evaluate(() => location.reload());
    await frame.waitForSelector('#deskgate[data-state="signed-in"]', { timeout: 30_000 });
    assert.equal(await frame.textContent('.agent-name'), 'Ada Lovelace');
    assert.equal(new URL(frame.url()).searchParams.has('apikey'), false);
  } finally {
    await context.close();
  }
});

test('a wrong key shows the refusal and sets no cookie', async () => {
  const { context, page, frame } = await openDesktop('liveengage', { apikey: 'wrong-key' });
  try {
    assert.equal(await frame.getAttribute('#deskgate', 'data-state'), 'failed');
    assert.equal(await frame.getAttribute('#deskgate', 'data-failure'), 'key_refused');
    assert.match(await frame.textContent('.status'), /API key was refused/);
    assert.equal(new URL(frame.url()).searchParams.has('apikey'), false);
    assert.deepEqual(await deskgateCookies(page), []);
    await page.screenshot({ path: join(OUTPUT, 'desktop-wrong-key.png') });
  } finally {
    await context.close();
  }
});

// SPEC §1.9: an engine without WebAssembly gets a sentence, not a blank frame, and the key still
// leaves the address bar (first.js, a classic script, does it before anything else). V8 without
// its JIT has no WebAssembly, as in Edge's enhanced security mode; the older embedded engines of
// desktop clients never had it.
test('an engine without WebAssembly gets a sentence in the frame and the key still leaves the URL', async () => {
  const noWasm = await launch({ args: ['--js-flags=--jitless'] });
  try {
    const context = await noWasm.newContext();
    const page = await context.newPage();
    const wasmRequests = [];
    page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasmRequests.push(r.url()); });
    const fragment = new URLSearchParams({ account: 'acme', apikey: SECRETS.acme_integration_api_key, agent_id: '1', agent_name: 'Ada Lovelace' });
    await page.goto(`http://127.0.0.1:${PORT}/desktop/liveengage.html#${fragment}`);
    const frame = await (await page.waitForSelector('#deskgate-frame')).contentFrame();
    await frame.waitForSelector('#deskgate[data-state="failed"]', { timeout: 30_000 });
    assert.equal(await frame.evaluate(() => typeof WebAssembly), 'undefined');
    assert.equal(await frame.getAttribute('#deskgate', 'data-failure'), 'no_webassembly');
    assert.match(await frame.textContent('.status'), /WebAssembly is missing or switched off/);
    assert.equal(new URL(frame.url()).searchParams.has('apikey'), false, frame.url());
    assert.deepEqual(wasmRequests, [], 'the wasm is not even fetched');
    assert.deepEqual(await deskgateCookies(page), [], 'nothing signed in');
    await page.screenshot({ path: join(OUTPUT, 'desktop-no-webassembly.png') });
  } finally {
    await noWasm.close();
  }
});

test('a desktop that omits the key gets a message naming the missing parameter', async () => {
  const { context, page, frame } = await openDesktop('genesys', { apikey: null });
  try {
    assert.equal(await frame.getAttribute('#deskgate', 'data-failure'), 'missing_parameter');
    assert.match(await frame.textContent('.status'), /without an API key/);
    assert.deepEqual(await deskgateCookies(page), []);
  } finally {
    await context.close();
  }
});
