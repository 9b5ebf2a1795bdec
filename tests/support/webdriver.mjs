// A small W3C WebDriver client over Node's fetch, and the engines of the cross-engine tier with
// their drivers: Chromium (chromedriver; as it comes, with third-party cookies blocked, and with
// cookies blocked for the widget's site), Firefox ESR (geckodriver) and WebKitGTK
// (WebKitWebDriver driving MiniBrowser on an Xvfb display). Every engine is told to accept the
// test run's self-signed certificate.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './env.mjs';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const MINIBROWSER = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/libexec/webkit2gtk-4.1/MiniBrowser']
  .find((p) => existsSync(p));

const chromiumArgs = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--window-size=1280,720'];

const chromium = (prefs = {}) => ({
  browserName: 'chrome', 'goog:chromeOptions': { binary: '/usr/bin/chromium', args: chromiumArgs, prefs },
});

/** The engines, each with how to start its driver, the capabilities of a new session, and the
 *  mode the widget must end up in there. */
export const ENGINES = [
  {
    name: 'Chromium', mode: 'cookies',
    driver: (port) => ['chromedriver', [`--port=${port}`]],
    capabilities: () => chromium(),
  },
  {
    // Blocking third-party cookies (the setting, and Chromium's default here already) leaves
    // partitioned cookies alone: CHIPS is how a framed widget keeps cookies then.
    name: 'Chromium, third-party cookies blocked', mode: 'cookies', thirdPartyBlocked: true,
    driver: (port) => ['chromedriver', [`--port=${port}`]],
    capabilities: () => chromium({ 'profile.cookie_controls_mode': 1, 'profile.block_third_party_cookies': true }),
  },
  {
    // A desktop whose browser blocks cookies for the widget's site outright (a policy, WebView2
    // with strict tracking prevention) keeps none, partitioned or not.
    name: "Chromium, cookies blocked for the widget's site", mode: 'memory',
    driver: (port) => ['chromedriver', [`--port=${port}`]],
    capabilities: ({ widgetOrigin }) => chromium({
      'profile.content_settings.exceptions.cookies': { [`${widgetOrigin},*`]: { setting: 2 } },
    }),
  },
  {
    name: 'Firefox ESR', mode: 'cookies',
    driver: (port) => ['geckodriver', ['--host', '127.0.0.1', '--port', String(port)]],
    capabilities: () => ({
      browserName: 'firefox',
      'moz:firefoxOptions': {
        binary: '/usr/bin/firefox-esr', args: ['-headless', '-width', '1280', '-height', '720'],
        prefs: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false,
          'network.captive-portal-service.enabled': false, 'browser.shell.checkDefaultBrowser': false },
      },
    }),
  },
  {
    name: 'WebKitGTK', mode: 'memory', display: true,
    driver: (port) => ['WebKitWebDriver', [`--port=${port}`]],
    capabilities: () => ({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    }),
  },
];

/** Starts an Xvfb display for engines that need one; resolves to `{ display, stop() }`. */
export async function startDisplay() {
  for (let n = 90 + (process.pid % 50); n < 200; n += 1) {
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const xvfb = spawn('Xvfb', [`:${n}`, '-screen', '0', '1280x720x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    for (let i = 0; i < 50 && !existsSync(`/tmp/.X11-unix/X${n}`); i += 1) await sleep(100);
    if (existsSync(`/tmp/.X11-unix/X${n}`)) return { display: `:${n}`, stop: () => xvfb.kill() };
    xvfb.kill();
  }
  throw new Error('no free X display for Xvfb');
}

/** Starts an engine's driver; resolves to `{ url, stop() }` once it answers `/status`. */
export async function startDriver(engine, { display } = {}) {
  const port = await freePort();
  const [command, args] = engine.driver(port);
  // Each driver gets a home of its own: browser profiles and caches stay out of the machine's.
  const home = mkdtempSync(join(tmpdir(), 'deskgate-driver-'));
  const env = { ...process.env, HOME: home, ...(display ? { DISPLAY: display } : {}) };
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => { child.kill(); try { rmSync(home, { recursive: true, force: true }); } catch { /* busy */ } };
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/status`)).ok) return { url, stop };
    } catch { /* not up yet */ }
    await sleep(100);
  }
  stop();
  throw new Error(`${command} did not start: ${stderr}`);
}

/** One WebDriver session. Every call throws with the driver's own error on failure. */
export class Session {
  static async create(driverUrl, capabilities) {
    const session = new Session(driverUrl, null);
    const value = await session.command('POST', '/session', {
      capabilities: { alwaysMatch: { acceptInsecureCerts: true, ...capabilities } },
    });
    session.id = value.sessionId;
    session.capabilities = value.capabilities;
    await session.command('POST', `/session/${session.id}/timeouts`, { script: 30_000, pageLoad: 60_000, implicit: 0 });
    return session;
  }

  constructor(driverUrl, id) {
    this.driverUrl = driverUrl;
    this.id = id;
  }

  async command(method, path, body) {
    const res = await fetch(`${this.driverUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok || json.value?.error) {
      throw new Error(`WebDriver ${method} ${path}: ${res.status} ${json.value?.error ?? ''} ${json.value?.message ?? ''}`.trim());
    }
    return json.value;
  }

  s(path) { return `/session/${this.id}${path}`; }

  navigate(url) { return this.command('POST', this.s('/url'), { url }); }

  /** Runs `script` (a function body; `arguments` as usual) in the current frame. */
  execute(script, args = []) { return this.command('POST', this.s('/execute/sync'), { script, args }); }

  /** Runs `script` whose last argument is the callback that ends it. */
  executeAsync(script, args = []) { return this.command('POST', this.s('/execute/async'), { script, args }); }

  /** Awaits the promise `expression` makes in the current frame: `{ value }` or `{ error }`. */
  awaitPromise(expression) {
    return this.executeAsync(`const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => ${expression}).then((value) => done({ value }), (e) => done({ error: String(e) }));`);
  }

  async find(css) {
    const found = await this.command('POST', this.s('/element'), { using: 'css selector', value: css });
    return found[ELEMENT];
  }

  click(element) { return this.command('POST', this.s(`/element/${element}/click`), {}); }

  async switchToFrame(css) {
    const element = await this.find(css);
    return this.command('POST', this.s('/frame'), { id: { [ELEMENT]: element } });
  }

  switchToTop() { return this.command('POST', this.s('/frame'), { id: null }); }

  /** The top-level viewport as PNG bytes. */
  async screenshot() { return Buffer.from(await this.command('GET', this.s('/screenshot')), 'base64'); }

  /** Polls `script` (given `args`) in the current frame until it returns something truthy;
   *  returns that. `before`, when given, runs ahead of each poll (to select a frame, say). */
  async waitFor(script, timeoutMs, what, { args = [], before } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      try {
        await before?.();
        last = await this.execute(script, args);
        if (last) return last;
      } catch (e) {
        last = e.message;
      }
      await sleep(200);
    }
    throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
  }

  async close() {
    if (this.id) await this.command('DELETE', this.s('')).catch(() => {});
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
