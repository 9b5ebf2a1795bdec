// Reads the worker's local D1 directly: the SQLite file workerd writes (Miniflare keeps each D1
// database as one under the state folder), so the black-box suites can check that a refused
// request wrote nothing. Python's sqlite3 opens it beside the running worker, as SQLite allows
// (`wrangler d1 execute --local` would start a second runtime on the same storage, and the
// worker under test was seen to drop a request while it did). Tests only read here, with one
// exception: `simulate` puts storage into a state the worker reaches only through a race, or
// only with time (rows aged past their expiry, which a test cannot wait for) — documented at
// each use — to prove what the worker then decides.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function databaseFile() {
  const dir = join(process.env.DESKGATE_STATE, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = readdirSync(dir).filter((f) => /^[0-9a-f]{64}\.sqlite$/.test(f));
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found ${files.length}`);
  return join(dir, files[0]);
}

const PROGRAM = `
import json, sqlite3, sys
mode, path, sql = sys.argv[1:4]
uri = "file:" + path + ("?mode=ro" if mode == "read" else "")
db = sqlite3.connect(uri, uri=True, timeout=10)
rows = db.execute(sql).fetchall()
db.commit()
print(json.dumps(rows))
`;

function execute(mode, sql) {
  const run = spawnSync('python3', ['-c', PROGRAM, mode, databaseFile(), sql], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sqlite3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The number of rows in `table` of the worker's local D1. */
export function countRows(table) {
  return execute('read', `SELECT COUNT(*) FROM ${table}`)[0][0];
}

/** The rows `sql` selects from the worker's local D1, as arrays of column values. */
export function select(sql) {
  return execute('read', sql);
}

/** Writes `sql` to the worker's local D1, to reproduce the outcome of a race or of time. */
export function simulate(sql) {
  execute('write', sql);
}
