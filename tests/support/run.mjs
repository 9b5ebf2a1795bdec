// Runs the black-box tiers (or those named as arguments): starts the worker on workerd
// (tests/support/worker.mjs), runs every tests/{http,browser}/*.test.mjs with node's test runner
// against it, and stops it. Exits with the test runner's status.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, freePort, LIVEENGAGE_ONLY_ORIGIN, GENESYS_ONLY_ORIGIN } from './env.mjs';
import { startWorker } from './worker.mjs';

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

let worker;
try {
  // Each platform also allows one origin of its own beside the demo desktop's, so a test can
  // tell the lists apart.
  const port = await freePort();
  const desktop = `http://127.0.0.1:${port}`;
  worker = await startWorker('run', {
    port,
    vars: {
      DESKTOP_ORIGINS_LIVEENGAGE: `${desktop} ${LIVEENGAGE_ONLY_ORIGIN}`,
      DESKTOP_ORIGINS_GENESYS: `${desktop} ${GENESYS_ONLY_ORIGIN}`,
    },
  });
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

// `node tests/support/run.mjs http` runs one tier; no argument runs both.
const tiers = process.argv.length > 2 ? process.argv.slice(2) : ['http', 'browser'];
const suites = tiers.flatMap((dir) =>
  readdirSync(join(REPO, 'tests', dir)).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join('tests', dir, f)));
// DESKGATE_TEST_PATTERN=<regex> runs only the tests whose names match (node --test-name-pattern).
const only = process.env.DESKGATE_TEST_PATTERN ? [`--test-name-pattern=${process.env.DESKGATE_TEST_PATTERN}`] : [];
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...only, ...suites], {
  cwd: REPO, stdio: 'inherit',
  env: {
    ...process.env,
    DESKGATE_PORT: String(worker.port),
    DESKGATE_STATE: worker.state,
    DESKGATE_UPSTREAM_PORT: String(worker.upstreamPort),
    DESKGATE_LAUNCHER_PORT: String(worker.launcherPort),
  },
});
worker.stop(run.status === 0);
process.exit(run.status ?? 1);
