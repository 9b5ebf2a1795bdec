// What is measured outside the load runs: bundle sizes, start-up CPU, and the widget's time to
// signed-in in headless Chromium against a hand-written JavaScript page doing the same sign-in.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch } from '../../tests/support/browser.mjs';
import { OUTPUT, REPO, SECRETS } from './workers.mjs';
import { call } from './scenarios.mjs';

/** `{ raw, gzip }` bytes of files taken together (gzip -9 of each, as a CDN would send them). */
export function sizeOf(files) {
  return files.reduce((acc, f) => {
    const bytes = readFileSync(f);
    return { raw: acc.raw + bytes.length, gzip: acc.gzip + gzipSync(bytes, { level: 9 }).length };
  }, { raw: 0, gzip: 0 });
}

/** Start-up CPU from `wrangler check startup` (a V8 CPU profile of the Worker's start) of the
 *  wrangler project in `cwd`: the sampled time that was not idle, in milliseconds. The profile
 *  samples only every few milliseconds, so this is coarse: compare medians of several runs. */
export function startupMs(name, cwd) {
  const outfile = join(OUTPUT, `startup-${name}.cpuprofile`);
  const run = spawnSync(join(REPO, 'node_modules', '.bin', 'wrangler'), ['check', 'startup', '--outfile', outfile], {
    cwd, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  });
  if (run.status !== 0) throw new Error(`wrangler check startup failed:\n${run.stdout}\n${run.stderr}`);
  const profile = JSON.parse(readFileSync(outfile, 'utf8'));
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  // As DevTools reads it: a sample lasts until the next one (timeDeltas[i + 1]).
  let busy = 0;
  profile.samples.forEach((node, i) => { if (!idle.has(node)) busy += profile.timeDeltas[i + 1] ?? 0; });
  return busy / 1000;
}

/**
 * Opens each page `runs` times (after one warm-up) in a fresh browser context (no cookies, no
 * cache) and records navigation start → `#deskgate[data-state=signed-in]`, by a MutationObserver
 * installed before any page script. Pages alternate, so both see the same machine noise.
 * Returns `{ [label]: { times: [ms], firstCall: [ms], transfer: { raw, gzip, files }, api: [path] } }`:
 * `firstCall` is when the page started its first API call (what its start-up cost), `api` the API
 * calls it made before it showed "signed in" (so a caller can check both pages did the same work).
 */
export async function timeToSignedIn(worker, pages, runs) {
  const browser = await launch();
  const results = Object.fromEntries(pages.map(([label]) => [label, { times: [], firstCall: [] }]));
  try {
    for (let i = 0; i <= runs; i += 1) {
      for (const [label, path] of pages) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.addInitScript(() => {
          new MutationObserver((_, observer) => {
            if (document.getElementById('deskgate')?.dataset.state === 'signed-in') {
              window.__signedInAt = performance.now();
              observer.disconnect();
            }
          }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
        });
        await page.goto(`http://acme.localhost:${worker.port}${path}`);
        await page.waitForFunction(() => window.__signedInAt !== undefined, null, { timeout: 15_000 })
          .catch(async () => { throw new Error(`${label} never signed in: ${await page.textContent('body')}`); });
        if (i > 0) {
          results[label].times.push(await page.evaluate(() => window.__signedInAt));
          results[label].firstCall.push(await page.evaluate(() => performance.getEntriesByType('resource')
            .find((e) => new URL(e.name).pathname.startsWith('/apis/'))?.startTime ?? NaN));
        }
        if (!results[label].transfer) {
          results[label].transfer = await transfer(worker, page);
          results[label].api = await page.evaluate(() => performance.getEntriesByType('resource')
            .filter((e) => e.startTime < window.__signedInAt && new URL(e.name).pathname.startsWith('/apis/'))
            .map((e) => new URL(e.name).pathname));
        }
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return results;
}

/** What the page downloaded to show the widget (the document and every resource but the API
 *  calls and the browser's own favicon request), raw and gzip -9. */
async function transfer(worker, page) {
  const urls = await page.evaluate(() => [
    location.href.split('#')[0],
    ...performance.getEntriesByType('resource').map((e) => e.name),
  ].filter((url) => !/^\/(apis\/|favicon\.ico)/.test(new URL(url).pathname)));
  const total = { raw: 0, gzip: 0, files: [] };
  for (const url of urls) {
    const { pathname, search } = new URL(url);
    // Re-fetch each GET the page made; the document is fetched without the key it was opened with.
    const res = await call(worker, 'GET', `${pathname}${search.replace(SECRETS.acme_integration_api_key, 'x')}`);
    const { bytes } = res;
    total.raw += bytes.length;
    total.gzip += gzipSync(bytes, { level: 9 }).length;
    total.files.push(pathname);
  }
  return total;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

