// The console's Sessions section in headless Chromium (SPEC §8): the owner sees who is signed in
// and how, ends one session, then one agent's, then — after a confirmation, once cancelled —
// every session of the account but their own; each ends at the server (the agents' JWTs are
// refused), and the audit log shows every step. On account globex, so other suites' sessions on
// acme are not in the way. A screenshot of the full panel is saved for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { launch } from '../support/browser.mjs';
import { request, hostOf, freshClient } from '../support/client.mjs';
import { PORT, SECRETS, OUTPUT } from '../support/env.mjs';

const ACCOUNT = 'globex';
let browser;
before(async () => { browser = await launch(); mkdirSync(OUTPUT, { recursive: true }); });
after(async () => { await browser?.close(); });

async function agent(id, name, platform) {
  const res = await request('POST', '/apis/admin/session/api-key', {
    host: hostOf(ACCOUNT), headers: { 'CF-Connecting-IP': freshClient() },
    body: { api_key: SECRETS.globex_integration_api_key, agent_id: id, agent_name: name, platform },
  });
  assert.equal(res.status, 200, res.text);
  return { jwt: res.json.access_token, sid: decodeJwt(res.json.access_token).sid };
}
const alive = async (a) => (await request('GET', '/apis/admin/session/', {
  host: hostOf(ACCOUNT), headers: { Authorization: `Bearer ${a.jwt}` },
})).status === 200;
const row = (sid) => `#sessions tr[data-session-id="${sid}"]`;

test('the owner ends one session, then an agent\'s, then all but their own, from the Sessions panel', async () => {
  const ada = await agent('ada', 'Ada Lovelace', 'liveengage');
  const grace1 = await agent('grace', 'Grace Hopper', 'genesys');
  const grace2 = await agent('grace', 'Grace Hopper', 'liveengage');
  const linus = await agent('linus', 'Linus', 'genesys');
  const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
  const page = await context.newPage();
  try {
    await page.goto(`http://${ACCOUNT}.localhost:${PORT}/admin/`);
    await page.waitForSelector('#sign-in:not([hidden])');
    await page.fill('input[name=password]', SECRETS.globex_admin_password);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector(row(linus.sid));
    await page.screenshot({ path: join(OUTPUT, 'sessions-panel.png'), fullPage: true });

    // Every live session, with how it was made; the owner's own is marked and cannot be revoked here.
    const cells = await page.$$eval(`${row(ada.sid)} td`, (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(cells.slice(0, 4), ['Ada Lovelace (ada)', 'agent', 'liveengage', 'API key (shared widget key)']);
    const own = page.locator('#sessions tr', { has: page.locator('.badge', { hasText: 'this session' }) });
    assert.equal(await own.count(), 1);
    assert.match(await own.textContent(), /Password/);
    assert.equal(await own.locator('button').count(), 0);

    // One session: confirm, and it ends at the server.
    await page.click(`${row(ada.sid)} button:text-is("Revoke")`);
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.textContent('#confirm-title'), /Ada Lovelace/);
    await page.click('#confirm-ok');
    await page.waitForSelector(row(ada.sid), { state: 'detached' });
    assert.equal(await alive(ada), false);
    assert.deepEqual([await alive(grace1), await alive(grace2), await alive(linus)], [true, true, true]);

    // One agent's: both of Grace's sessions end, Linus's does not.
    await page.click(`${row(grace1.sid)} button[data-revoke-subject="grace"]`);
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.textContent('#confirm-text'), /2 sessions/);
    await page.click('#confirm-ok');
    await page.waitForSelector(row(grace2.sid), { state: 'detached' });
    assert.equal(await page.$(row(grace1.sid)), null);
    assert.deepEqual([await alive(grace1), await alive(grace2), await alive(linus)], [false, false, true]);

    // All: cancelled first (nothing ends), then confirmed.
    await page.click('#revoke-all');
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.textContent('#confirm-title'), /every session/);
    await page.click('#confirm button[value=cancel]');
    await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
    assert.equal(await alive(linus), true, 'cancelled: nothing ended');
    await page.click('#revoke-all');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForFunction(() => /sessions? ended\./.test(document.querySelector('#sessions-note').textContent));
    await page.waitForFunction(() => document.querySelectorAll('#sessions tr').length === 1);
    assert.equal(await alive(linus), false);
    assert.equal(await page.isDisabled('#revoke-all'), true, 'nothing left to revoke');
    // The console still works: the owner's own session was kept.
    assert.equal(await own.count(), 1);

    await page.waitForFunction(() => document.querySelector('#audit tr td:nth-child(3)')?.textContent === 'session.revoke_all');
    const audit = await page.$$eval('#audit tr', (trs) => trs.slice(0, 3).map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(audit.map((r) => [r[2], r[3]]), [['session.revoke_all', '*'], ['session.revoke_subject', 'grace'], ['session.revoke', ada.sid]]);
    assert.match(audit[0][5], /^revoked=\d+$/);
    assert.equal(audit[1][5], 'revoked=2');
  } finally {
    await context.close();
  }
});
