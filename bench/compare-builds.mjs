// Two builds of deskgate's worker against each other, in one run, on the benchmark's scenarios:
// for a change that only a measurement can judge (an entry shim, a dependency, a profile).
// Both run at once on workerd (as bench/run.mjs runs them), in alternating rounds.
//   node bench/compare-builds.mjs <build dir A> <build dir B> [scenario id…]
// A build dir is what edge/build.sh writes (`--out-dir`): worker/shim.mjs, index.js, index_bg.wasm.
// BENCH_SECONDS, BENCH_ROUNDS and BENCH_CONNECTIONS as for bench/run.mjs.
import { resolve } from 'node:path';
import { runWrk } from './support/load.mjs';
import { median } from './support/measure.mjs';
import { checkScenarios, deskgateFixtures, scenarios } from './support/scenarios.mjs';
import { cpuSeconds, startDeskgate } from './support/workers.mjs';

const [a, b, ...ids] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/compare-builds.mjs <build dir A> <build dir B> [scenario id…]');
  process.exit(2);
}
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);

const builds = [];
try {
  for (const [name, dir] of [['A', a], ['B', b]]) {
    builds.push({ name, dir, worker: await startDeskgate(name, { scriptPath: resolve(dir, 'worker', 'shim.mjs') }) });
  }
  for (const build of builds) {
    build.list = scenarios(await deskgateFixtures(build.worker)).filter((s) => !ids.length || ids.includes(s.id));
    await checkScenarios(build.worker, build.list);
  }
  console.log(`A = ${a}\nB = ${b}\nwrk -t1 -c${CONNECTIONS} -d${SECONDS}s, median of ${ROUNDS} alternating runs\n`);
  console.log('| endpoint | A req/s | B req/s | B / A | CPU ms/req A / B |');
  console.log('|---|---:|---:|---:|---:|');
  for (let i = 0; i < builds[0].list.length; i += 1) {
    const runs = builds.map((build) => ({ build, scenario: build.list[i], results: [] }));
    for (const run of runs) runWrk(run.build.worker, run.scenario, { seconds: 1, connections: CONNECTIONS }); // warm-up
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const run of round % 2 ? [...runs].reverse() : runs) {
        const before = cpuSeconds(run.build.worker.pid);
        const r = runWrk(run.build.worker, run.scenario, { seconds: SECONDS, connections: CONNECTIONS });
        run.results.push({ ...r, cpuMs: ((cpuSeconds(run.build.worker.pid) - before) * 1000) / r.requests });
      }
    }
    const [ra, rb] = runs.map((run) => ({
      rps: median(run.results.map((r) => r.rps)),
      cpuMs: median(run.results.map((r) => r.cpuMs)),
      bad: run.results.reduce((n, r) => n + r.bad + r.statuses.length, 0),
    }));
    const flag = ra.bad || rb.bad ? ` (unexpected answers: A ${ra.bad}, B ${rb.bad})` : '';
    console.log(`| ${runs[0].scenario.label} | ${ra.rps.toFixed(0)} | ${rb.rps.toFixed(0)} | ${(rb.rps / ra.rps).toFixed(2)} | ${ra.cpuMs.toFixed(3)} / ${rb.cpuMs.toFixed(3)} |${flag}`);
  }
} finally {
  await Promise.all(builds.map((build) => build.worker.dispose()));
}
