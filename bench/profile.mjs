// Where one endpoint's CPU goes inside workerd: loads deskgate's worker under wrk for a few
// seconds with V8's sampling profiler on (through workerd's inspector), prints self time by
// function and writes bench/output/<scenario>.cpuprofile (open it in Chrome DevTools).
//   node bench/profile.mjs oauth-token [build dir]     (ids: see bench/support/scenarios.mjs;
//   the build dir, as edge/build.sh --out-dir writes it, defaults to edge/build)
//   REVOCATION_DELAY_SECONDS=0 node bench/profile.mjs session-jwt-cookie   (strict mode)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { runWrk } from './support/load.mjs';
import { checkScenarios, deskgateFixtures, scenarios } from './support/scenarios.mjs';
import { OUTPUT, startDeskgate } from './support/workers.mjs';
import { freePort } from '../tests/support/env.mjs';

const id = process.argv[2] ?? 'oauth-token';
const inspectorPort = await freePort();
const build = process.argv[3];
// The mode: wrangler.toml's vars, or REVOCATION_DELAY_SECONDS from the environment over them.
const vars = process.env.REVOCATION_DELAY_SECONDS === undefined ? {} : { REVOCATION_DELAY_SECONDS: process.env.REVOCATION_DELAY_SECONDS };
const worker = await startDeskgate('profile', { inspectorPort, vars, ...(build ? { scriptPath: resolve(build, 'worker', 'shim.mjs') } : {}) });
try {
  const scenario = scenarios(await deskgateFixtures(worker)).find((s) => s.id === id);
  if (!scenario) throw new Error(`no scenario ${id}`);
  await checkScenarios(worker, [scenario]);
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const ws = new WebSocket(targets.find((t) => t.id === 'core:user:deskgate').webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  let next = 0;
  const pending = new Map();
  ws.on('message', (m) => {
    const msg = JSON.parse(m);
    pending.get(msg.id)?.(msg.result);
    pending.delete(msg.id);
  });
  const send = (method, params = {}) => new Promise((resolve) => {
    next += 1;
    pending.set(next, resolve);
    ws.send(JSON.stringify({ id: next, method, params }));
  });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 100 });
  await send('Profiler.start');
  const load = runWrk(worker, scenario, { seconds: 3, connections: 10 });
  const { profile } = await send('Profiler.stop');
  ws.close();
  mkdirSync(OUTPUT, { recursive: true });
  writeFileSync(join(OUTPUT, `${id}.cpuprofile`), JSON.stringify(profile));

  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map();
  profile.samples.forEach((sample, i) => {
    const f = nodes.get(sample);
    const key = `${f.functionName || '(anonymous)'}  ${f.url.split('/').pop()}${f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([key]) => key.startsWith('(idle) ')).reduce((a, [, us]) => a + us, 0);
  console.log(`${id}: ${load.rps.toFixed(0)} req/s under profiling; the isolate busy ${((total - idle) / load.requests).toFixed(1)} µs per request; self time by function:`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
} finally {
  await worker.dispose();
}
