// Reads the worker's local D1 directly (the same SQLite file workerd writes), so the black-box
// suites can check that a refused request wrote nothing. Read-only: tests never write here.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './env.mjs';

/** The number of rows in `table` of the worker's local D1. */
export function countRows(table) {
  const run = spawnSync(join(REPO, 'node_modules', '.bin', 'wrangler'),
    ['d1', 'execute', 'DB', '--local', '--persist-to', process.env.DESKGATE_STATE, '--json', '--command', `SELECT COUNT(*) AS n FROM ${table}`],
    { cwd: join(REPO, 'edge'), encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  if (run.status !== 0) throw new Error(`wrangler d1 execute failed: ${run.stderr}`);
  return JSON.parse(run.stdout)[0].results[0].n;
}
