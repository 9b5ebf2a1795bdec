// The admin console in headless Chromium (SPEC §4): the owner signs in, creates a service,
// and takes a credential through add → discard → reactivate → regenerate → delete, each behind
// a confirmation; the audit log shows every step. A screenshot is saved for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { launch } from '../support/browser.mjs';
import { request } from '../support/client.mjs';
import { PORT, SECRETS, OUTPUT } from '../support/env.mjs';

let browser;
before(async () => { browser = await launch(); mkdirSync(OUTPUT, { recursive: true }); });
after(async () => { await browser?.close(); });

const rows = (page) => page.$$eval('#credentials tr', (trs) => trs.map((tr) => ({ id: tr.dataset.credentialId, kind: tr.dataset.kind, status: tr.dataset.status })));

/** Clicks `label` in the row of credential `id`, confirms the dialog (typing `password` when asked). */
async function act(page, id, label, password) {
  await page.click(`#credentials tr[data-credential-id="${id}"] button:text-is("${label}")`);
  await page.waitForSelector('#confirm[open]');
  if (password !== undefined) await page.fill('#confirm-password', password);
  await page.click('#confirm-ok');
}

test('the owner drives a credential through its whole lifecycle in the console', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  const page = await context.newPage();
  try {
    await page.goto(`http://acme.localhost:${PORT}/admin/`);
    await page.waitForSelector('#sign-in:not([hidden])');
    await page.fill('input[name=password]', 'wrong');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#sign-in-error').textContent.length > 0);

    await page.fill('input[name=password]', SECRETS.acme_admin_password);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#console:not([hidden])');

    await page.fill('#new-service input[name=name]', 'Console demo');
    await page.click('#new-service button');
    await page.waitForSelector('#new-secret:not([hidden]) .issued[data-kind="jwt"]');
    const secrets = await page.$$eval('.secret-value', (els) => els.map((e) => e.textContent));
    assert.equal(secrets.length, 2);
    assert.match(secrets[0], /^dgsk_/);
    await page.click('#dismiss-secret');
    assert.equal(await page.$$eval('.secret-value', (els) => els.length), 0, 'the secret leaves the page');
    await page.waitForFunction(() => document.querySelectorAll('#credentials tr').length === 2);
    for (const row of await rows(page)) assert.ok(!(await page.textContent('#credentials')).includes(secrets[0].slice(5, 20)));

    // Add a second service key.
    await page.click('[data-add="service_key"]');
    await page.click('#confirm-ok');
    await page.waitForFunction(() => document.querySelectorAll('#credentials tr[data-kind="service_key"]').length === 2);
    await page.click('#dismiss-secret');
    const first = (await rows(page)).find((r) => r.kind === 'service_key').id;

    await act(page, first, 'Discard');
    await page.waitForSelector(`#credentials tr[data-credential-id="${first}"][data-status="inactive"]`);
    await act(page, first, 'Reactivate');
    await page.waitForSelector(`#credentials tr[data-credential-id="${first}"][data-status="active"]`);
    await act(page, first, 'Regenerate');
    await page.waitForSelector('#new-secret:not([hidden]) .secret-value');
    assert.match(await page.textContent('.secret-value'), /^dgsk_/);
    await page.click('#dismiss-secret');

    // The console never offers what the rules refuse: the other key is now the last active one.
    const other = (await rows(page)).find((r) => r.kind === 'service_key' && r.id !== first).id;
    await act(page, first, 'Discard');
    await page.waitForSelector(`#credentials tr[data-credential-id="${first}"][data-status="inactive"]`);
    assert.equal(await page.isDisabled(`#credentials tr[data-credential-id="${other}"] button:text-is("Discard")`), true);
    assert.equal(await page.isDisabled('[data-add="service_key"]'), true, 'two keys: no third');

    await act(page, first, 'Delete', 'wrong-password');
    await page.waitForFunction(() => /password is wrong/.test(document.querySelector('#error').textContent));
    await act(page, first, 'Delete', SECRETS.acme_admin_password);
    await page.waitForFunction((id) => !document.querySelector(`#credentials tr[data-credential-id="${id}"]`), first);

    await page.waitForFunction(() => document.querySelector('#audit tr td:nth-child(3)')?.textContent === 'credential.delete');

    // A testing token for API tools: shown once, and it works.
    await page.click('#testing-token');
    await page.click('#confirm-ok');
    await page.waitForSelector('#new-secret:not([hidden]) .issued[data-kind="testing_token"]');
    const testing = await page.textContent('.secret-value');
    const who = await request('GET', '/v1/whoami', { headers: { Authorization: `Bearer ${testing}` } });
    assert.equal(who.json.testing, true);
    await page.click('#dismiss-secret');
    // It is listed, and the owner can end it from here.
    await page.waitForSelector('#testing-tokens tr[data-token-id]');
    await page.click('#testing-tokens tr[data-token-id] button:text-is("Revoke")');
    await page.click('#confirm-ok');
    await page.waitForSelector('#no-testing-tokens:not([hidden])');
    assert.equal((await request('GET', '/v1/whoami', { headers: { Authorization: `Bearer ${testing}` } })).status, 401);
    await page.waitForFunction(() => document.querySelector('#audit tr td:nth-child(3)')?.textContent === 'token.testing_revoke');
    const actions = await page.$$eval('#audit tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent));
    // The wrong password is on record too (issue 10: a stolen session guessing the password).
    assert.deepEqual(actions.slice(0, 10), ['token.testing_revoke', 'token.testing', 'credential.delete', 'credential.delete_refused',
      'credential.discard', 'credential.regenerate', 'credential.reactivate', 'credential.discard', 'credential.create',
      'service.create']);
    await page.screenshot({ path: join(OUTPUT, 'admin-console.png'), fullPage: true });
  } finally {
    await context.close();
  }
});
