// Headless Chromium for the browser tier (Debian's build, driven by playwright-core; Playwright's
// own browser download is not used). Flags as the machines need them: no sandbox as root, and no
// background networking on a closed network.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Launches headless Chromium, with `args` added to the usual flags; the caller closes it. */
export function launch({ args = [] } = {}) {
  const executablePath = CANDIDATES.find((p) => p && existsSync(p));
  if (!executablePath) throw new Error('Chromium is not installed: run scripts/setup.sh --browser');
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...args],
  });
}

/** Every cookie the browser holds, partitioned ones included, with their partition key
 *  (CDP `Network.getAllCookies`; `Storage.getCookies` leaves partitioned cookies out). */
export async function allCookies(page) {
  const cdp = await page.context().newCDPSession(page);
  const { cookies } = await cdp.send('Network.getAllCookies');
  await cdp.detach();
  return cookies;
}
