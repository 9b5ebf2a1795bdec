// The isolate survives a panic: a test build of the worker (`edge/build.sh --features
// test-panic`, routes that panic on purpose: edge/src/test_panic.rs) on workerd, through
// Miniflare with wrangler.toml's bindings, D1 in memory. After a panic the next request is
// answered by a fresh wasm instance (edge/entry.mjs says how), whose state the panic did not touch;
// without a panic nothing is re-instantiated. Builds the test build itself (edge/build-test-panic).
//   node --test tests/panic/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { REPO, SECRETS } from '../support/env.mjs';

const edge = join(REPO, 'edge');
let mf;
let port;
let runtimeLog = ''; // workerd's stdout and stderr: the panics' messages land here

before(async () => {
  const build = spawnSync(join(edge, 'build.sh'), ['--features', 'test-panic', '--out-dir', 'build-test-panic'], { encoding: 'utf8' });
  assert.equal(build.status, 0, `test build failed:\n${build.stdout}\n${build.stderr}`);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(edge, 'wrangler.toml'));
  mf = new Miniflare({
    ...workerOptions,
    name: 'deskgate',
    modules: true,
    scriptPath: join(edge, 'build-test-panic', 'worker', 'shim.mjs'),
    modulesRules: [...workerOptions.modulesRules, { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
    bindings: { ...workerOptions.bindings, ...SECRETS },
    assets: undefined,
    d1Persist: false,
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) stream.on('data', (chunk) => { runtimeLog += chunk; });
    },
  });
  port = Number((await mf.ready).port);
  const db = await mf.getD1Database('DB');
  for (const file of readdirSync(join(edge, 'migrations')).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = readFileSync(join(edge, 'migrations', file), 'utf8').split('\n').map((l) => l.replace(/--.*$/, '')).join('\n');
    for (const statement of sql.split(';').map((s) => s.trim()).filter(Boolean)) await db.prepare(statement).run();
  }
});

after(() => mf?.dispose());

/** One request as the `acme` account's host: `{ status, text }`. */
function call(path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { Host: `acme.localhost:${port}`, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const signIn = () => call('/apis/admin/session/api-key/', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Origin: `http://acme.localhost:${port}` },
  body: JSON.stringify({ api_key: SECRETS.acme_integration_api_key, agent_id: 'agent-7', agent_name: 'Ada Agent', platform: 'genesys' }),
});
const instance = async () => {
  const res = await call('/__test/instance');
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text);
};

/** A request that needs the whole worker: D1 read and write, a JWT, cookies. */
async function assertServes() {
  const redirect = await call('/widget/genesys?apikey=x&agent_id=1');
  assert.equal(redirect.status, 302);
  const signedIn = await signIn();
  assert.equal(signedIn.status, 200, signedIn.text);
  assert.equal(JSON.parse(signedIn.text).user.name, 'Ada Agent');
}

for (const [route, when] of [['/__test/panic-now', "before any future exists (where a redirect is answered)"], ['/__test/panic', "in the request's first poll"], ['/__test/panic-after-await', 'after an await, in a microtask']]) {
  test(`a panic ${when} fails that request, and the next is served by a fresh instance`, async () => {
    await assertServes();
    const { instance: first } = await instance();
    const logged = runtimeLog.length;
    const panicked = await call(route);
    assert.equal(panicked.status, 500);
    // It was the panic that failed it (the worker crate's panic hook logs it), nothing else.
    await new Promise((r) => setTimeout(r, 50));
    assert.match(runtimeLog.slice(logged), /Rust panic: panicked at .*test_panic\.rs.*\n.*a panic on purpose/);
    assert.deepEqual(await instance(), { instance: first + 1, consistent: true });
    await assertServes();
    // and again: every panic is recovered from, not only the first
    assert.equal((await call(route)).status, 500);
    assert.deepEqual(await instance(), { instance: first + 2, consistent: true });
    await assertServes();
  });
}

test('without a panic nothing is re-instantiated', async () => {
  const { instance: first } = await instance();
  for (let i = 0; i < 10; i += 1) await assertServes();
  assert.deepEqual(await instance(), { instance: first, consistent: true });
});

test('requests in flight when another one panics finish or fail; then the isolate serves again', async () => {
  const { instance: first } = await instance();
  const panics = 5;
  for (let i = 0; i < panics; i += 1) {
    // Two sign-ins waiting on D1 while a third request panics in the same isolate.
    const answers = await Promise.all([signIn(), signIn(), new Promise((r) => setTimeout(r, i)).then(() => call('/__test/panic'))]);
    assert.equal(answers[2].status, 500);
    for (const res of answers.slice(0, 2)) {
      // A stale closure is refused (edge/guard-glue.mjs): the request fails, it never answers wrongly.
      assert.ok(res.status === 500 || (res.status === 200 && JSON.parse(res.text).user.name === 'Ada Agent'), `${res.status} ${res.text}`);
    }
  }
  assert.deepEqual(await instance(), { instance: first + panics, consistent: true });
  await assertServes();
});
