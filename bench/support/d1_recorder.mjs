// Runs a Worker in Miniflare with every D1 round trip it makes recorded, per request: each
// `first()` / `all()` / `run()` / `raw()` of a statement is one round trip, and so is one
// `batch([...])` (one transaction, however many statements) or `exec()`. The answer carries the
// record in an `x-d1-log` header. bench/reference/check.mjs compares the jose reference with
// deskgate on it, and bench/round-trips.mjs counts deskgate's round trips per endpoint.
//
// The record is made by patching the D1 binding's statement and database prototypes inside the
// Worker's own isolate (the first time a request touches the binding), so both Workers run their
// code unchanged: no Proxy stands between them and the binding.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';

/** The wrapper module: imports the Worker's default export from `inner` and records its D1 use. */
const wrapper = (inner) => `
import Inner from ${JSON.stringify(inner)};
const sqlOf = new WeakMap();
let log = null;
const clean = (sql) => String(sql).replace(/\\s+/g, ' ').trim();
function patch(db) {
  const dbProto = Object.getPrototypeOf(db);
  if (dbProto.__recorded) return;
  dbProto.__recorded = true;
  const prepare = dbProto.prepare;
  dbProto.prepare = function (sql) { const s = prepare.call(this, sql); sqlOf.set(s, clean(sql)); patchStatement(s); return s; };
  const batch = dbProto.batch;
  dbProto.batch = function (stmts) { log?.push('batch[' + stmts.map((s) => sqlOf.get(s) ?? '?').join(' ; ') + ']'); return batch.call(this, stmts); };
  const exec = dbProto.exec;
  dbProto.exec = function (sql) { log?.push('exec: ' + clean(sql)); return exec.call(this, sql); };
}
function patchStatement(s) {
  const proto = Object.getPrototypeOf(s);
  if (proto.__recorded) return;
  proto.__recorded = true;
  const bind = proto.bind;
  proto.bind = function (...args) { const out = bind.apply(this, args); sqlOf.set(out, sqlOf.get(this)); return out; };
  for (const name of ['first', 'all', 'run', 'raw']) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    proto[name] = function (...args) { log?.push(name + ': ' + (sqlOf.get(this) ?? '?')); return original.apply(this, args); };
  }
}
export default {
  async fetch(request, env, ctx) {
    patch(env.DB);
    // Requests are sent one at a time, so one log per isolate is this request's.
    log = [];
    const res = typeof Inner === 'function' ? await new Inner(ctx, env).fetch(request) : await Inner.fetch(request, env, ctx);
    const out = new Response(res.body, res);
    out.headers.set('x-d1-log', encodeURIComponent(JSON.stringify(log)));
    log = null;
    return out;
  },
};`;

/**
 * A Miniflare instance running `modules` (`[{ type, path }]`, the first being the Worker's entry,
 * all under `root`) behind the recording wrapper, with `bindings` and an in-memory D1 database
 * `DB` with every `.sql` file of `migrations` applied in order.
 */
export async function recordingWorker({ root, modules, bindings, migrations }) {
  const entry = `./${modules[0].path.slice(root.length + 1)}`;
  const mf = new Miniflare({
    modules: true,
    compatibilityDate: '2025-09-01',
    d1Databases: ['DB'],
    d1Persist: false,
    bindings,
    modulesRoot: root,
    modules: [
      { type: 'ESModule', path: join(root, '__d1_recorder.mjs'), contents: wrapper(entry) },
      ...modules,
    ],
  });
  const db = await mf.getD1Database('DB');
  await applyMigrations(db, migrations);
  return { mf, db };
}

/** Every `.sql` file of `dir`, in name order, one statement at a time (`--` comments dropped;
 *  no `;` or `--` inside literals), as wrangler's `d1 migrations apply` runs them. */
export async function applyMigrations(db, dir) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const statements = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .map((line) => line.replace(/--.*$/, ''))
      .join('\n')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const statement of statements) await db.prepare(statement).run();
  }
}

/** The round trips recorded in an answer's `x-d1-log` header. */
export const d1Log = (headers) => JSON.parse(decodeURIComponent(headers.get('x-d1-log') ?? '%5B%5D'));
