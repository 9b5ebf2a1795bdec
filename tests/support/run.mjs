// Runs the black-box tiers (or those named as arguments): starts the worker on workerd
// (tests/support/worker.mjs), runs every tests/{http,browser}/*.test.mjs with node's test runner
// against it, and stops it. Exits with the test runner's status.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './env.mjs';
import { startWorker } from './worker.mjs';

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

let worker;
try {
  worker = await startWorker('run');
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

// `node tests/support/run.mjs http` runs one tier; no argument runs both.
const tiers = process.argv.length > 2 ? process.argv.slice(2) : ['http', 'browser'];
const suites = tiers.flatMap((dir) =>
  readdirSync(join(REPO, 'tests', dir)).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join('tests', dir, f)));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...suites], {
  cwd: REPO, stdio: 'inherit',
  env: { ...process.env, DESKGATE_PORT: String(worker.port), DESKGATE_STATE: worker.state },
});
worker.stop(run.status === 0);
process.exit(run.status ?? 1);
