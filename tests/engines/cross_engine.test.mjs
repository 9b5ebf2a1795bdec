// The widget in every engine the desktops run (issue 11, SPEC §1.8): the same end-to-end flow in
// Chromium, Chromium with cookies blocked for the widget, Firefox ESR and WebKitGTK, each driven
// over W3C WebDriver, over local TLS. A demo desktop on one site (127.0.0.1) frames the widget
// from another (acme.localhost) with the key in the widget URL. Each engine must sign in, drop
// the key from the URL, run in the mode its cookie policy allows (cookies where they stick,
// memory where they do not), answer whoami() and getIntegrationToken() (checked by the app's
// backend call), renew the short-lived JWT, sign out so that the old JWT is refused, and show
// the refusal of a wrong key. What reached the server is read from a recording proxy.
//
// The table of issue 11 is rebuilt from the run and printed (and kept in
// tests/output/engines.md); a screenshot per engine lands in tests/output/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINES, Session, sleep, startDisplay, startDriver } from '../support/webdriver.mjs';
import { startRecordingProxy } from '../support/recording_proxy.mjs';
import { OUTPUT, SECRETS } from '../support/env.mjs';
import { request } from '../support/client.mjs';

const PORT = Number(process.env.DESKGATE_PORT);
const WORKER_PORT = Number(process.env.DESKGATE_WORKER_PORT);
const JWT_TTL = Number(process.env.DESKGATE_JWT_TTL);
const TLS = { key: process.env.DESKGATE_TLS_KEY, cert: process.env.DESKGATE_TLS_CERT };
const WIDGET_ORIGIN = `https://acme.localhost:${PORT}`;
const SESSION_PATH = '/apis/admin/session/';

let proxy;
let display;
const rows = [];

before(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  proxy = await startRecordingProxy({ port: PORT, target: WORKER_PORT, tls: TLS });
});

after(() => {
  proxy?.stop();
  display?.stop();
  const table = render(rows);
  writeFileSync(join(OUTPUT, 'engines.md'), `${table}\n`);
  console.log(`\n${table}\n`);
});

/** A call to the worker as an app's backend makes it (not through a browser). */
const backend = (method, path, headers = {}) =>
  request(method, path, { port: WORKER_PORT, host: `acme.localhost:${PORT}`, headers, tls: true });

const desktopUrl = (apikey) => {
  const fragment = new URLSearchParams({ account: 'acme', apikey, agent_id: '1', agent_name: 'Ada Lovelace', port: String(PORT) });
  return `https://127.0.0.1:${PORT}/desktop/liveengage.html#${fragment}`;
};

/** The widget's card once it left "signing in", in the widget's document (`arguments[0]` is
 *  the widget's origin); `null` before. */
const CARD_SETTLED = `const card = location.origin === arguments[0] && document.getElementById('deskgate');
  return card && card.dataset.state !== 'signing-in' ? { state: card.dataset.state, failure: card.dataset.failure || null,
    text: card.querySelector('.status').textContent, name: card.querySelector('.agent-name').textContent,
    href: location.href, handedOver: typeof window.deskgateLaunch } : null;`;

/** Opens the desktop with `apikey` and waits in the widget's frame until its card settles. */
async function openDesktop(session, apikey) {
  await session.switchToTop();
  await session.navigate(desktopUrl(apikey));
  await session.waitFor("return document.querySelector('#deskgate-frame') !== null", 30_000, 'the desktop page');
  // The frame is selected afresh on every poll: it may still hold its first document (the
  // desktop sets its address from a script) when first selected, and an engine that switches
  // the frame to another process for the widget's site need not keep a stale selection live.
  try {
    return await session.waitFor(CARD_SETTLED, 30_000, 'the widget card to settle', {
      args: [WIDGET_ORIGIN],
      before: async () => { await session.switchToTop(); await session.switchToFrame('#deskgate-frame'); },
    });
  } catch (e) {
    e.message += `\n${await diagnosis(session)}`;
    throw e;
  }
}

/** What the frame and the server saw, for a frame that never settled: the frame's document as
 *  the engine has it, every exchange that reached the worker, in order, and any still unanswered. */
async function diagnosis(session) {
  const frame = await session.execute(`return { href: location.href, readyState: document.readyState,
    title: document.title, deskgate: typeof window.deskgate, text: (document.body?.innerText ?? '').slice(0, 300) };`)
    .catch((e) => e.message);
  const seen = proxy.exchanges.map((e) => `${e.at} ${e.method} ${e.path.split('?')[0]} ${e.status}${e.error ? ` ${e.error}` : ''}`);
  const hung = [...proxy.inFlight].map((e) => `${e.at} ${e.method} ${e.path.split('?')[0]}`);
  return `frame: ${JSON.stringify(frame)}\nexchanges:\n  ${seen.join('\n  ') || '(none)'}\nunanswered: ${hung.join(', ') || '(none)'}`;
}

const api = (predicate) => proxy.exchanges.filter(predicate);
const lastOf = (predicate) => api(predicate).at(-1);
const isSessionGet = (e) => e.method === 'GET' && e.path === SESSION_PATH;

// DESKGATE_ENGINE=<name prefix> runs only the engines whose name starts with it.
const only = process.env.DESKGATE_ENGINE;
for (const engine of ENGINES.filter((e) => !only || e.name.startsWith(only))) {
  test(`${engine.name}: framed cross-site, the widget signs in (${engine.mode} mode), renews, and signs out`, async () => {
    const row = { engine: engine.name, mode: engine.mode, cells: {} };
    rows.push(row);
    // Each cell is filled by one step; the first step that fails says why, the rest are not run.
    const step = async (cell, run) => {
      try {
        row.cells[cell] = await run();
      } catch (e) {
        row.cells[cell] = `**fails**: ${e.message.split('\n')[0]}`;
        throw e;
      }
    };
    if (engine.display && !display) display = await startDisplay();
    const driver = await startDriver(engine, { display: display?.display });
    let session;
    try {
      session = await Session.create(driver.url, engine.capabilities({ widgetOrigin: WIDGET_ORIGIN }));
      row.version = session.capabilities?.browserVersion;
      proxy.clear();

      let card;
      await step('frame loads', async () => {
        try {
          card = await openDesktop(session, SECRETS.acme_integration_api_key);
          return 'yes';
        } catch (e) {
          // Seen about once in 40 runs, Firefox right after the Chromium sessions: the frame's
          // card never left "Signing you in…". Not understood yet, so the desktop is loaded once
          // more, the table says so, and what the frame and the server saw is printed.
          console.log(`# ${engine.name}: the widget's frame did not settle on the first load; loading the desktop again.`);
          console.log(e.message.replace(/^/gm, '# '));
          proxy.clear();
          card = await openDesktop(session, SECRETS.acme_integration_api_key);
          return 'yes, on the second load (the first never settled)';
        }
      });

      await step('shows signed in', async () => {
        assert.equal(card.state, 'signed-in', card.text);
        assert.equal(card.name, 'Ada Lovelace');
        const url = new URL(card.href);
        assert.equal(url.origin, WIDGET_ORIGIN);
        assert.equal(url.searchParams.has('apikey'), false, `the key left the address bar: ${card.href}`);
        assert.equal(card.handedOver, 'undefined', 'the hand-over of the launch URL is gone');
        // Shown only after an authenticated call: the last one before it answered 200.
        const proof = lastOf((e) => isSessionGet(e));
        assert.equal(proof?.status, 200, 'a GET of the session succeeded');
        return 'yes, after an authenticated call';
      });

      const signIn = lastOf((e) => e.method === 'POST' && e.path === '/apis/admin/session/api-key/');
      const firstJwt = signIn?.json?.access_token;
      await step('cookies kept', async () => {
        assert.equal(signIn?.status, 200);
        assert.deepEqual(signIn.setCookies, ['__Host-deskgate_jwt', '__Host-deskgate_session']);
        // The proof after sign-in sends cookies only: did the engine send them back?
        const byCookies = api((e) => isSessionGet(e) && e.bearer === null)[0];
        const kept = byCookies.cookies.includes('__Host-deskgate_session');
        assert.equal(kept, engine.mode === 'cookies', `cookies ${kept ? 'kept' : 'refused'}, expected ${engine.mode} mode`);
        // What the engine does with a script's own third-party cookies in the frame, plain and
        // partitioned: the policy the widget's cookies met.
        const probe = await session.execute(`const set = (c) => { document.cookie = c + '; SameSite=None; Secure; Path=/'; };
          set('probe_plain=1'); set('probe_partitioned=1; Partitioned');
          const jar = document.cookie;
          set('probe_plain=; Max-Age=0'); set('probe_partitioned=; Max-Age=0; Partitioned');
          return { plain: jar.includes('probe_plain=1'), partitioned: jar.includes('probe_partitioned=1') };`);
        if (engine.thirdPartyBlocked) {
          assert.deepEqual(probe, { plain: false, partitioned: true }, 'plain third-party cookies are blocked, CHIPS kept');
          return 'yes, partitioned (plain third-party cookies refused)';
        }
        if (kept) return 'yes, sent back in the frame';
        const byBearer = api((e) => isSessionGet(e) && e.bearer === firstJwt)[0];
        assert.equal(byBearer?.status, 200, 'proven with the bearer JWT instead');
        return 'no: refused by the engine, so memory mode';
      });

      await step('whoami()', async () => {
        const who = await session.awaitPromise('window.deskgate.whoami()');
        assert.deepEqual(who.value, {
          id: '1', name: 'Ada Lovelace', role: 'agent', account: 'acme', platform: 'liveengage', mode: engine.mode,
        }, JSON.stringify(who));
        return `the agent, \`mode: "${engine.mode}"\``;
      });

      let integration;
      await step('getIntegrationToken()', async () => {
        const minted = await session.awaitPromise("window.deskgate.getIntegrationToken('crm.app')");
        assert.equal(typeof minted.value?.token, 'string', JSON.stringify(minted));
        integration = minted.value.token;
        const me = await backend('GET', '/v1/users/me', { accessToken: integration });
        assert.equal(me.status, 200, me.text);
        assert.deepEqual([me.json.id, me.json.appId], ['1', 'crm.app']);
        return 'works (`/v1/users/me` 200)';
      });

      let lastJwt = firstJwt;
      await step('JWT renewal', async () => {
        if (engine.mode === 'memory') {
          // Renewed by the widget's timer at 4/5 of the JWT's life, with the renewal token.
          const deadline = Date.now() + JWT_TTL * 1000 + 10_000;
          let renewal;
          while (!(renewal = lastOf((e) => e.path === '/apis/admin/session/renew' && e.status === 200)) && Date.now() < deadline) {
            await sleep(250);
          }
          assert.ok(renewal, 'the widget renewed its JWT');
          assert.equal(renewal.bearer, signIn.json.renewal_token, 'with the renewal token');
          assert.deepEqual(renewal.setCookies, [], 'renewal sets no cookie');
          lastJwt = renewal.json.access_token;
          assert.notEqual(lastJwt, firstJwt);
          const who = await session.awaitPromise('window.deskgate.whoami()');
          assert.equal(who.value?.mode, 'memory', JSON.stringify(who));
          assert.equal(lastOf(isSessionGet).bearer, lastJwt, 'the fresh JWT is the one in use');
          return 'renewed in memory (`POST …/session/renew`)';
        }
        // Cookie mode: once the JWT cookie has expired, the session cookie alone is sent and the
        // worker answers with a fresh JWT cookie.
        await sleep(JWT_TTL * 1000 + 1_000);
        const who = await session.awaitPromise('window.deskgate.whoami()');
        assert.equal(who.value?.mode, 'cookies', JSON.stringify(who));
        const refreshed = lastOf(isSessionGet);
        assert.deepEqual(refreshed.cookies, ['__Host-deskgate_session'], 'the expired JWT cookie is gone');
        assert.deepEqual(refreshed.setCookies, ['__Host-deskgate_jwt'], 'a fresh JWT cookie');
        return 'renewed as a fresh JWT cookie';
      });

      // The whole desktop, from the top document (a frame's own screenshot is refused by some).
      await session.switchToTop();
      writeFileSync(join(OUTPUT, `engine-${slug(engine.name)}-signed-in.png`), await session.screenshot());
      await session.switchToFrame('#deskgate-frame');

      await step('sign-out', async () => {
        await session.click(await session.find('#sign-out'));
        const out = await session.waitFor(
          "const c = document.getElementById('deskgate'); return c.dataset.state !== 'signed-in' && c.dataset.state;",
          15_000, 'the card after sign-out',
        );
        const deleted = lastOf((e) => e.method === 'DELETE' && e.path === SESSION_PATH);
        assert.equal(deleted?.status, 204, JSON.stringify(deleted));
        assert.equal(out, 'signed-out');
        for (const jwt of new Set([firstJwt, lastJwt])) {
          const old = await backend('GET', SESSION_PATH, { Authorization: `Bearer ${jwt}` });
          assert.equal(old.status, 401, 'the old JWT is refused');
          assert.equal(old.json?.error, 'invalid_token');
        }
        assert.equal((await backend('GET', '/v1/users/me', { accessToken: integration })).status, 401);
        const who = await session.awaitPromise('window.deskgate.whoami()');
        assert.equal(who.value, null, JSON.stringify(who));
        return 'works (`DELETE` 204; old JWT 401)';
      });

      await step('wrong key', async () => {
        const refused = await openDesktop(session, 'wrong-key');
        assert.equal(refused.state, 'failed');
        assert.equal(refused.failure, 'key_refused');
        assert.match(refused.text, /API key was refused/);
        assert.equal(new URL(refused.href).searchParams.has('apikey'), false);
        return 'refused, says so';
      });
    } finally {
      await session?.close();
      driver.stop();
    }
  });
}

const COLUMNS = ['frame loads', 'shows signed in', 'cookies kept', 'whoami()', 'getIntegrationToken()', 'JWT renewal', 'sign-out', 'wrong key'];

function render(all) {
  const head = `| engine | version | mode | ${COLUMNS.map((c) => (c.endsWith(')') ? `\`${c}\`` : c)).join(' | ')} |`;
  const rule = `|${'---|'.repeat(COLUMNS.length + 3)}`;
  const body = all.map((r) => `| ${r.engine} | ${r.version ?? '?'} | ${r.mode} | ${COLUMNS.map((c) => r.cells[c] ?? 'not reached').join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
