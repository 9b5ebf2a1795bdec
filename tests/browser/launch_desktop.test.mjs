// SPEC §6 in a real browser: the "signed launch" demo desktop (127.0.0.1) holds no API key; it
// gets a launch link signed for its agent from the demo's own signer and frames the widget
// (acme.localhost) with it. The widget signs in with the role the link gives, the token is gone
// from every address bar, and the same link a second time is refused with its own sentence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, allCookies } from '../support/browser.mjs';
import { PORT, LAUNCHER_PORT, SECRETS, OUTPUT } from '../support/env.mjs';

let browser;
before(async () => { browser = await launch(); mkdirSync(OUTPUT, { recursive: true }); });
after(async () => { await browser?.close(); });

async function open(fragment) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`http://127.0.0.1:${PORT}/desktop/launch.html#${fragment}`);
  const frame = await (await page.waitForSelector('#deskgate-frame')).contentFrame();
  await frame.waitForSelector('#deskgate:not([data-state="signing-in"])', { timeout: 30_000 });
  return { context, page, frame, requests };
}

test('a signed-launch desktop signs the agent in as manager with no API key anywhere', async () => {
  const { context, page, frame, requests } = await open(new URLSearchParams({
    account: 'acme', agent_id: '7', agent_name: 'Grace Hopper', role: 'manager', launcher: String(LAUNCHER_PORT),
  }).toString());
  try {
    assert.equal(await frame.getAttribute('#deskgate', 'data-state'), 'signed-in', await frame.textContent('#deskgate'));
    assert.equal(await frame.textContent('.agent-name'), 'Grace Hopper');
    assert.match(await frame.textContent('.agent-meta'), /manager/);
    const who = await frame.evaluate(() => window.deskgate.whoami());
    assert.deepEqual([who.id, who.role, who.account], ['7', 'manager', 'acme']);
    // The token is gone from the widget's address bar and the desktop's.
    assert.equal(new URL(frame.url()).hash, '');
    assert.equal(new URL(page.url()).hash, '', page.url());
    // No request anywhere carried the account's API key.
    for (const url of requests) assert.ok(!url.includes(SECRETS.acme_integration_api_key), url);
    const cookies = (await allCookies(page)).filter((c) => c.name.startsWith('__Host-deskgate_'));
    assert.equal(cookies.length, 2);
    await page.screenshot({ path: join(OUTPUT, 'desktop-signed-launch.png') });
  } finally {
    await context.close();
  }
});

test('a launch link used once is refused the second time, with its own sentence', async () => {
  const res = await fetch(`http://127.0.0.1:${LAUNCHER_PORT}/launch-link?account=acme&agent_id=8&agent_name=Ann`);
  const { token } = await res.json();
  const first = await open(`account=acme&launch=${token}`);
  try {
    assert.equal(await first.frame.getAttribute('#deskgate', 'data-state'), 'signed-in');
  } finally {
    await first.context.close();
  }
  const again = await open(`account=acme&launch=${token}`);
  try {
    assert.equal(await again.frame.getAttribute('#deskgate', 'data-failure'), 'launch_refused');
    assert.match(await again.frame.textContent('.status'), /launch link was refused/);
  } finally {
    await again.context.close();
  }
});
