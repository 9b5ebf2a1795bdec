// A worker of a test's own, beside the one run.mjs starts: the same build (edge/build, made by
// that worker's start) on workerd, with secrets and vars the test chooses and storage in a folder
// the test names. Workers started one after another on one folder share their D1, as one
// database outlives every deploy: that is how a test redeploys with other secrets (a key
// rotation, say). The config is written for it (the build and the local vars of
// edge/wrangler.toml, no assets): running the build command again would rewrite edge/build
// under the worker that is already serving.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { REPO, freePort, waitForHttp } from './env.mjs';

const edge = join(REPO, 'edge');
const wrangler = join(REPO, 'node_modules', '.bin', 'wrangler');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

/**
 * Starts a worker named `name` with storage in `dir/state`, `secrets` (name → value) as its
 * env file and `vars` over the local vars of edge/wrangler.toml. Its log is `dir/<name>.log`.
 * Resolves to `{ port, log, stop }`; `stop()` resolves once the worker has exited.
 */
export async function startOwnWorker({ dir, name, secrets, vars = {} }) {
  const shim = join(edge, 'build', 'worker', 'shim.mjs');
  if (!existsSync(shim)) throw new Error('edge/build has no worker: start the suite with tests/support/run.mjs');
  mkdirSync(dir, { recursive: true });
  const local = unstable_readConfig({ config: join(edge, 'wrangler.toml') }, { hideWarnings: true });
  const db = local.d1_databases[0];
  const config = join(dir, 'wrangler.json');
  writeFileSync(config, JSON.stringify({
    name: `deskgate-${name}`,
    main: shim,
    compatibility_date: local.compatibility_date,
    vars: { ...local.vars, ...vars },
    d1_databases: [{ ...db, migrations_dir: join(edge, 'migrations') }],
  }, null, 1));
  const envFile = join(dir, `${name}.vars`);
  writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(''));
  const state = join(dir, 'state');
  const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state, '-c', config], {
    cwd: dir, env, encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stdout}${migrate.stderr}`);

  const port = await freePort();
  const log = join(dir, `${name}.log`);
  const out = createWriteStream(log);
  const server = spawn(wrangler, [
    'dev', '-c', config, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
    '--persist-to', state, '--env-file', envFile, '--show-interactive-dev-session=false', '--log-level', 'log',
  ], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.pipe(out);
  server.stderr.pipe(out);
  const exited = new Promise((resolve) => server.on('exit', resolve));
  const kill = () => { try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ } };
  process.on('exit', kill);
  const stop = async () => { kill(); await exited; process.off('exit', kill); };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 120_000, () => server.exitCode === null);
  } catch (e) {
    await stop();
    throw new Error(`worker ${name} did not start: ${e.message}\n${readFileSync(log, 'utf8')}`);
  }
  return { port, log, stop };
}
