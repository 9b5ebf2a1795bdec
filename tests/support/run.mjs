// Runs the black-box tiers (or those named as arguments): starts the worker on workerd (`wrangler dev`, local D1 in a fresh
// folder, the demo secrets of edge/.dev.vars.example), runs every tests/{http,browser}/*.test.mjs
// with node's test runner against it, and stops it. Exits with the test runner's status.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForHttp, REPO, OUTPUT, LIVEENGAGE_ONLY_ORIGIN, GENESYS_ONLY_ORIGIN } from './env.mjs';

const edge = join(REPO, 'edge');
// One folder per run, so two runs on one machine never share storage or a log; it is removed
// when the tests pass and kept (with wrangler.log) when they fail.
const runDir = join(OUTPUT, `run-${process.pid}`);
const state = join(runDir, 'state');
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
const wrangler = join(REPO, 'node_modules', '.bin', 'wrangler');
const vars = join(edge, '.dev.vars.example');

const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], {
  cwd: edge, env, encoding: 'utf8',
});
if (migrate.status !== 0) {
  console.error(migrate.stdout, migrate.stderr);
  process.exit(1);
}

// The gateway's upstream: the demo echo server, on a port of its own.
const upstreamPort = await freePort();
const upstream = spawn(process.execPath, [join(REPO, 'scripts', 'demo-upstream.mjs'), String(upstreamPort)], { stdio: 'ignore' });
process.on('exit', () => upstream.kill());

const port = await freePort();
const desktop = `http://127.0.0.1:${port}`;
// The worker writes its log straight into the file: this process is blocked in spawnSync while
// the tests run, so a pipe through it would deliver nothing until they end (tests read the log).
const log = openSync(join(runDir, 'wrangler.log'), 'a');
const server = spawn(wrangler, [
  'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
  '--persist-to', state, '--env-file', vars, '--show-interactive-dev-session=false', '--log-level', 'log',
  // GET /__scheduled runs the scheduled handler, as the cron trigger would (tests/http/cleanup).
  '--test-scheduled',
  // The demo desktop is served on this run's port, so it is the allowed desktop origin.
  // Each platform also allows one origin of its own, so a test can tell the lists apart.
  '--var', `DESKTOP_ORIGINS_LIVEENGAGE:${desktop} ${LIVEENGAGE_ONLY_ORIGIN}`,
  '--var', `DESKTOP_ORIGINS_GENESYS:${desktop} ${GENESYS_ONLY_ORIGIN}`,
  '--var', `UPSTREAM_URL:http://127.0.0.1:${upstreamPort}`,
], { cwd: edge, env, detached: true, stdio: ['ignore', log, log] });

const stop = () => { try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ } };
process.on('exit', stop);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

try {
  await waitForHttp(`${desktop}/`, 600_000, () => server.exitCode === null);
} catch (e) {
  console.error(`the worker did not start: ${e.message}\n--- wrangler.log ---\n${readFileSync(join(runDir, 'wrangler.log'), 'utf8')}`);
  process.exit(1);
}

// `node tests/support/run.mjs http` runs one tier; no argument runs both.
const tiers = process.argv.length > 2 ? process.argv.slice(2) : ['http', 'browser'];
const suites = tiers.flatMap((dir) =>
  readdirSync(join(REPO, 'tests', dir)).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join('tests', dir, f)));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...suites], {
  cwd: REPO, stdio: 'inherit',
  env: { ...process.env, DESKGATE_PORT: String(port), DESKGATE_STATE: state, DESKGATE_UPSTREAM_PORT: String(upstreamPort) },
});
stop();
if (run.status === 0) { try { rmSync(runDir, { recursive: true, force: true }); } catch { /* still closing */ } }
else console.error(`kept ${runDir} (wrangler.log, storage) for a look`);
process.exit(run.status ?? 1);
