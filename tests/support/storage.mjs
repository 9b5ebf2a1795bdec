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

/** The D1 database of the worker whose --persist-to folder is `state`. */
function databaseFile(state = process.env.DESKGATE_STATE) {
  const dir = join(state, 'v3', 'd1', 'miniflare-D1DatabaseObject');
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

function execute(mode, sql, state) {
  const run = spawnSync('python3', ['-c', PROGRAM, mode, databaseFile(state), sql], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sqlite3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The number of rows in `table` of the worker's local D1. */
export function countRows(table) {
  return execute('read', `SELECT COUNT(*) FROM ${table}`)[0][0];
}

/** Writes `sql` to the local D1 of the tier's worker (or the one whose storage is `state`), to
 *  reproduce the outcome of a race or of a write another instance made. */
export function simulate(sql, state = process.env.DESKGATE_STATE) {
  execute('write', sql, state);
}

// Every table's row count and the rows of some queries, read in one go (one Python start), for
// the suites that compare all of storage before and after.
const SNAPSHOT = `
import json, sqlite3, sys
path, queries = sys.argv[1], json.loads(sys.argv[2])
c = sqlite3.connect("file:" + path + "?mode=ro", uri=True, timeout=10)
tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")]
out = {"counts": {t: c.execute('SELECT COUNT(*) FROM "%s"' % t).fetchone()[0] for t in tables}}
for name, sql in queries.items():
    cur = c.execute(sql)
    cols = [d[0] for d in cur.description]
    out[name] = [dict(zip(cols, row)) for row in cur.fetchall()]
print(json.dumps(out))
`;

/**
 * The row count of every table of a worker's local D1 (`state`: its --persist-to folder; by
 * default the worker under test's), and the rows of each query in `queries` ({name: sql}):
 * `{ counts: {table: n}, name: [rows] }`.
 */
export function snapshot(queries = {}, state = process.env.DESKGATE_STATE) {
  const run = spawnSync('python3', ['-c', SNAPSHOT, databaseFile(state), JSON.stringify(queries)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`reading ${state} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The rows `sql` selects from the worker's local D1, as arrays of column values. */
export function select(sql, state = process.env.DESKGATE_STATE) {
  return execute('read', sql, state);
}
