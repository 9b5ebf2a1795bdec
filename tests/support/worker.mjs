// Starts the worker for a black-box tier: `wrangler dev` on workerd, local D1 in a fresh folder,
// the demo secrets of edge/.dev.vars.example, the demo echo upstream behind the gateway (which
// verifies identities from the worker's JWKS) and the demo launcher (which signs launch links).
// Used by run.mjs (plain HTTP), run_engines.mjs (local TLS, a short JWT lifetime) and the tests
// that need a worker of their own (a restart, another configuration).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, waitForHttp, REPO, OUTPUT } from './env.mjs';

const edge = join(REPO, 'edge');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
const wrangler = join(REPO, 'node_modules', '.bin', 'wrangler');

/**
 * A copy of edge/wrangler.toml, written into `dir`, that runs the worker already built in
 * edge/build without building it again. A worker a test starts beside the tier's own must not
 * run the build: it would rewrite edge/build under the first one, which watches those files.
 */
async function prebuiltConfig(dir) {
  const { experimental_readRawConfig: readRawConfig } = await import('wrangler');
  const { rawConfig } = readRawConfig({ config: join(edge, 'wrangler.toml') });
  const { build, env: environments, ...config } = rawConfig;
  config.main = resolve(edge, config.main);
  config.assets = { ...config.assets, directory: resolve(edge, config.assets.directory) };
  config.d1_databases = config.d1_databases.map((d) => ({ ...d, migrations_dir: resolve(edge, d.migrations_dir) }));
  const path = join(dir, 'wrangler.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * Starts the worker on `port` (a free one if not given). `desktop` is the allowed desktop origin
 * of both platforms (default: the worker's own `http://127.0.0.1:<port>`, where the demo
 * desktops are served); `vars` more wrangler vars; `tls` `{ key, cert }` file paths to serve
 * HTTPS with; `prebuilt` runs the worker edge/build holds without building (see
 * `prebuiltConfig`); `restart` a worker stopped with `halt()`, whose folder and storage this one
 * takes over as they are (no migration is applied: a restart applies none), as a redeploy keeps
 * its D1; `secrets` (name → value) replaces the demo secrets of edge/.dev.vars.example (a key
 * rotation's steps, say). Resolves to
 * `{ port, dir, state, upstreamPort, launcherPort, halt(), stop(passed) }` once it answers;
 * `halt` stops it and resolves once it has exited, keeping the folder; `stop` stops it and
 * removes the folder when the tests passed, keeping it (storage and wrangler.log) otherwise.
 */
export async function startWorker(name, { port, desktop, vars = {}, tls, prebuilt = false, restart, secrets } = {}) {
  // One folder per run, so two runs on one machine never share storage or a log.
  const dir = restart?.dir ?? join(OUTPUT, `${name}-${process.pid}`);
  const state = join(dir, 'state');
  if (!restart) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const config = prebuilt ? ['--config', await prebuiltConfig(dir)] : [];
  let envFile = join(edge, '.dev.vars.example');
  if (secrets) {
    envFile = join(dir, `${name}.vars`);
    writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(''));
  }
  const cwd = prebuilt ? dir : edge;

  if (!restart) {
    const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state, ...config], {
      cwd, env, encoding: 'utf8',
    });
    if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  }

  port ??= await freePort();
  // The gateway's upstream (the demo echo server) and the demo launcher, on ports of their own.
  const upstreamPort = await freePort();
  const launcherPort = await freePort();
  const helpers = [
    spawn(process.execPath, [join(REPO, 'scripts', 'demo-upstream.mjs'), String(upstreamPort), String(port)], { stdio: 'ignore' }),
    spawn(process.execPath, [join(REPO, 'scripts', 'demo-launcher.mjs'), String(launcherPort), String(port)], { stdio: 'ignore' }),
  ];

  const scheme = tls ? 'https' : 'http';
  desktop ??= `${scheme}://127.0.0.1:${port}`;
  const all = {
    DESKTOP_ORIGINS_LIVEENGAGE: desktop, DESKTOP_ORIGINS_GENESYS: desktop,
    UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}`, ...vars,
  };
  // The worker writes its log straight into the file: run.mjs is blocked in spawnSync while the
  // tests run, so a pipe through it would deliver nothing until they end (tests read the log).
  const log = openSync(join(dir, 'wrangler.log'), 'a');
  const server = spawn(wrangler, [
    'dev', ...config, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
    '--persist-to', state, '--env-file', envFile,
    // `log` level: the worker's own log lines reach wrangler.log (tests read it).
    '--show-interactive-dev-session=false', '--log-level', 'log',
    // GET /__scheduled runs the scheduled handler, as the cron trigger would (tests/http/cleanup).
    '--test-scheduled',
    ...(tls ? ['--local-protocol', 'https', '--https-key-path', tls.key, '--https-cert-path', tls.cert] : []),
    ...Object.entries(all).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ], { cwd, env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise((done) => server.once('exit', done));
  const kill = () => {
    try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
    for (const helper of helpers) helper.kill();
  };
  process.on('exit', kill);

  try {
    await waitForHttp(`${scheme}://127.0.0.1:${port}/`, 600_000, () => server.exitCode === null);
  } catch (e) {
    kill();
    throw new Error(`the worker did not start: ${e.message}\n--- wrangler.log ---\n${readFileSync(join(dir, 'wrangler.log'), 'utf8')}`);
  }
  const halt = async () => {
    process.removeListener('exit', kill);
    kill();
    if (server.exitCode === null && server.signalCode === null) await exited;
  };
  return {
    port, dir, state, upstreamPort, launcherPort, halt,
    stop(passed) {
      kill();
      if (passed) { try { rmSync(dir, { recursive: true, force: true }); } catch { /* still closing */ } }
      else console.error(`kept ${dir} (wrangler.log, storage) for a look`);
    },
  };
}
