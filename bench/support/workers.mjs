// Starts a Worker on workerd through Miniflare's own HTTP socket: no `wrangler dev` proxy in front
// (that proxy caps even a hello-world Worker at a few hundred requests/s here), so the load
// generator measures the Worker and the runtime. Both Workers get the same vars (wrangler.toml)
// and secrets (edge/.dev.vars.example, as the test tiers read them).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { REPO, SECRETS } from '../../tests/support/env.mjs';
import { applyMigrations } from './d1_recorder.mjs';

export { REPO, SECRETS };
export const OUTPUT = join(REPO, 'bench', 'output');

/** deskgate's Miniflare options as wrangler reads edge/wrangler.toml. */
const wranglerOptions = () => unstable_getMiniflareWorkerOptions(join(REPO, 'edge', 'wrangler.toml'));

/** The `[vars]` of edge/wrangler.toml (upper-case names; the secrets are the lower-case ones). */
export function wranglerVars() {
  return Object.fromEntries(Object.entries(wranglerOptions().workerOptions.bindings).filter(([k]) => /^[A-Z_]+$/.test(k)));
}

/** Bundles the jose reference Worker into `outfile` the way wrangler would deploy it (esbuild,
 *  jose inlined). */
export function bundleReference(outfile) {
  return bundle(join(REPO, 'bench', 'reference', 'jose_worker.mjs'), outfile);
}

/** Bundles the workers-oauth-provider peer (bench/peers/) into `outfile`, the library inlined. */
export function bundlePeer(outfile) {
  return bundle(join(REPO, 'bench', 'peers', 'workers-oauth-provider', 'worker.mjs'), outfile);
}

function bundle(entry, outfile) {
  const run = spawnSync(join(REPO, 'node_modules', '.bin', 'esbuild'), [
    entry, '--bundle', '--format=esm', '--platform=neutral', '--external:cloudflare:*',
    '--main-fields=module,main', '--conditions=workerd,worker,browser', `--outfile=${outfile}`, '--log-level=warning',
  ], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`esbuild failed: ${run.stderr}`);
  return outfile;
}

/**
 * deskgate's worker as wrangler.toml describes it (vars, D1), migrations applied; `vars` are laid
 * over wrangler.toml's (strict mode: `REVOCATION_DELAY_SECONDS: '0'`), `scriptPath` runs another
 * build than edge/build. Static assets only when `assetsDirectory` is given: locally they go
 * through Miniflare's JS asset router on every request (about 1 ms of CPU each here), which on
 * Cloudflare runs outside the Worker, so the load runs leave it out and only the browser run
 * serves pages.
 */
export async function startDeskgate(name, { assetsDirectory, inspectorPort, vars: extra = {}, scriptPath } = {}) {
  const { workerOptions, main } = wranglerOptions();
  const vars = { ...wranglerVars(), ...extra };
  const options = {
    ...workerOptions,
    name: 'deskgate',
    modules: true,
    scriptPath: scriptPath ?? main,
    modulesRules: [...workerOptions.modulesRules, { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
    bindings: { ...vars, ...SECRETS },
    assets: assetsDirectory ? { ...workerOptions.assets, directory: assetsDirectory } : undefined,
    ...(inspectorPort ? { inspectorPort } : {}),
  };
  const worker = await start(name, options);
  await applyMigrations(await worker.mf.getD1Database('DB'), MIGRATIONS);
  return { ...worker, vars };
}

/** deskgate's schema: the jose reference is given the same database (`startScript`'s
 *  `migrations`). */
export const MIGRATIONS = join(REPO, 'edge', 'migrations');

/** A plain JavaScript Worker (an esbuild bundle) with the same vars, secrets, a D1 database (with
 *  `migrations` applied, if given), the KV namespaces named in `kv` (in memory, like D1) and the
 *  given compatibility flags. */
export async function startScript(name, scriptPath, { migrations, vars = {}, kv = [], flags = [] } = {}) {
  const worker = await start(name, {
    name,
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: '2025-09-01',
    compatibilityFlags: flags,
    d1Databases: ['DB'],
    kvNamespaces: kv,
    bindings: { ...vars, ...SECRETS },
  });
  if (migrations) await applyMigrations(await worker.mf.getD1Database('DB'), migrations);
  return worker;
}

// D1 and KV are kept in memory: on disk, SQLite's fsyncs put stalls of hundreds of milliseconds into
// the latency tail of whichever Worker happens to be running, which says nothing about either.
async function start(name, options) {
  const before = workerdPids();
  const mf = new Miniflare({ ...options, host: '127.0.0.1', port: 0, d1Persist: false, kvPersist: false });
  const url = await mf.ready;
  const pid = workerdPids().find((p) => !before.includes(p));
  return { name, mf, url: url.origin, port: Number(url.port), pid, dispose: () => mf.dispose() };
}

/** workerd processes that are children of this process. */
function workerdPids() {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && stat.includes('(workerd)');
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
