// Production is production (SPEC §8). Builds the production deployment exactly as `wrangler
// deploy --env production` would upload it (`--dry-run --outdir`), and fails when it carries
// anything of the local demo — a demo desktop (a page that frames the widget), a value of
// edge/.dev.vars.example, a demo account, a loopback origin — in its bundle, its assets or its
// vars; or when it lacks what a deployment needs: the widget's assets, the admin console, the
// cleanup's cron trigger, a Genesys Cloud app origin of any region docs/genesys-cloud.md lists.
// The same scan run over the local default's assets must find the demo there, so a scan that
// cannot fail fails. Run by scripts/test.sh after scripts/build-widget.sh.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { unstable_readConfig } from 'wrangler';

const REPO = resolve(import.meta.dirname, '..');
const EDGE = join(REPO, 'edge');
const CONFIG = join(EDGE, 'wrangler.toml');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

/** The demo: every secret value and every account of edge/.dev.vars.example. */
const demoSecrets = Object.fromEntries(readFileSync(join(EDGE, '.dev.vars.example'), 'utf8').split('\n')
  .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=./.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const demoAccounts = Object.keys(demoSecrets).filter((k) => k.endsWith('_integration_api_key')).map((k) => k.slice(0, -'_integration_api_key'.length));
const LOOPBACK = /localhost|127\.0\.0\.1|\[::1\]/;

/** Every file under `dir`, symlinks followed (a deployment uploads what they point to). */
function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** What of the demo `paths` (relative to `root`) carry: one finding per file and reason. */
function scan(root, paths, { assets }) {
  const findings = [];
  for (const path of paths) {
    const rel = relative(root, path);
    const bytes = readFileSync(path);
    for (const [name, value] of Object.entries(demoSecrets)) {
      if (bytes.includes(value)) findings.push(`${rel}: holds the value of ${name} from .dev.vars.example`);
    }
    if (!assets) continue;
    if (/(^|\/)desktop\//.test(rel)) findings.push(`${rel}: a demo desktop`);
    if (/\.html?$/.test(rel) && /<iframe\b/i.test(bytes.toString('utf8'))) findings.push(`${rel}: frames a page (a demo desktop)`);
    if (/\.(html?|js|css)$/.test(rel) && LOOPBACK.test(bytes.toString('utf8'))) findings.push(`${rel}: names a loopback host`);
  }
  return findings;
}

const problems = [];

// ---- the production build, as a deploy would upload it
const outdir = mkdtempSync(join(tmpdir(), 'deskgate-production-'));
try {
  const dry = spawnSync(join(REPO, 'node_modules', '.bin', 'wrangler'),
    ['deploy', '--dry-run', '--env', 'production', '--outdir', outdir], { cwd: EDGE, env, encoding: 'utf8' });
  const said = `${dry.stdout}\n${dry.stderr}`;
  if (dry.status !== 0) {
    console.error(said);
    throw new Error('wrangler deploy --dry-run --env production failed');
  }
  const assetsDir = /Read \d+ files? from the assets directory (.+)$/m.exec(said)?.[1]?.trim();
  if (!assetsDir) throw new Error(`wrangler did not say which assets it would upload:\n${said}`);
  const bundle = files(outdir);
  const assets = files(assetsDir);
  problems.push(...scan(outdir, bundle, { assets: false }), ...scan(assetsDir, assets, { assets: true }));
  for (const [name, value] of Object.entries(demoSecrets)) {
    if (said.includes(value)) problems.push(`wrangler's output holds the value of ${name}`);
  }

  // What a deployment needs: the widget page's assets and the admin console.
  const shipped = new Set(assets.map((p) => relative(assetsDir, p)));
  for (const need of ['static/boot.js', 'static/widget.css', 'static/pkg/widget.js', 'static/pkg/widget_bg.wasm',
    'admin/index.html', 'admin/console.js', 'admin/console.css', '_headers']) {
    if (!shipped.has(need)) problems.push(`the production assets lack ${need}`);
  }

  // The production config: no demo account, key or loopback origin in a var; the cron trigger.
  const production = unstable_readConfig({ config: CONFIG, env: 'production' }, { hideWarnings: true });
  for (const [name, value] of Object.entries(production.vars ?? {})) {
    const text = String(value);
    if (LOOPBACK.test(text)) problems.push(`production var ${name} names a loopback host`);
    for (const account of demoAccounts) {
      if (new RegExp(`(^|[^a-z0-9-])${account}([^a-z0-9-]|$)`).test(text)) problems.push(`production var ${name} names the demo account ${account}`);
    }
    for (const [secret, demo] of Object.entries(demoSecrets)) {
      if (text.includes(demo)) problems.push(`production var ${name} holds the value of ${secret}`);
    }
  }
  if (!(production.triggers?.crons ?? []).length) problems.push('production has no cron trigger: nothing would be cleaned up');
  if (resolve(EDGE, production.assets?.directory ?? '') !== resolve(assetsDir)) problems.push('wrangler read other assets than the production config names');

  // Genesys Cloud frames the widget from https://apps.<region domain>: every region's origin of
  // the guide must be an exact entry of the production list.
  const guide = readFileSync(join(REPO, 'docs', 'genesys-cloud.md'), 'utf8');
  const regions = [...guide.matchAll(/^\|[^|]+\|[^|]+\| `(https:\/\/apps\.[a-z0-9.-]+)` \|$/gm)].map((m) => m[1]);
  const allowed = String(production.vars?.DESKTOP_ORIGINS_GENESYS ?? '').split(/[\s,]+/);
  if (regions.length < 10) problems.push(`docs/genesys-cloud.md lists ${regions.length} region origins: its table changed shape`);
  for (const origin of regions) {
    if (!allowed.includes(origin)) problems.push(`production DESKTOP_ORIGINS_GENESYS does not admit ${origin}`);
  }

  const size = bundle.reduce((n, p) => n + statSync(p).size, 0);
  console.log(`production build: ${bundle.length} bundle files (${(size / 1024).toFixed(0)} KiB), ${assets.length} assets from ${relative(REPO, assetsDir)}, ${regions.length} Genesys Cloud regions admitted`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

// ---- the scan must be able to fail: the local default's assets are the demo
const local = unstable_readConfig({ config: CONFIG }, { hideWarnings: true });
const localDir = resolve(EDGE, local.assets.directory);
const demo = scan(localDir, files(localDir), { assets: true });
for (const expected of ['a demo desktop', 'holds the value of acme_integration_api_key']) {
  if (!demo.some((f) => f.includes(expected))) problems.push(`the scan finds no "${expected}" in the local demo (${relative(REPO, localDir)}): it cannot fail`);
}

if (problems.length) {
  console.error(`production is not production:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`production check passed (the same scan finds ${demo.length} demo traces in the local default)`);
