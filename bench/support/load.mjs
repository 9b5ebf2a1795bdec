// Drives one endpoint with wrk at a fixed concurrency and duration and reads back requests/s,
// latency percentiles and how many answers were not the expected status class.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT } from './workers.mjs';

/**
 * One wrk run. `scenario` is `{ id, method, path, headers, body }`; returns
 * `{ rps, p50, p99, requests, bad }` with latencies in milliseconds.
 */
export function runWrk(worker, scenario, { seconds, connections }) {
  const dir = join(OUTPUT, 'wrk');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `${worker.name}-${scenario.id}.lua`);
  const headers = { Host: `${scenario.account ?? 'acme'}.localhost:${worker.port}`, ...scenario.headers };
  writeFileSync(script, [
    `wrk.method = ${lua(scenario.method)}`,
    ...(scenario.body ? [`wrk.body = ${lua(scenario.body)}`] : []),
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`),
    // Count every status that is not the expected one (per thread), and print them when done.
    `expected = ${Number(scenario.status)}`,
    'unexpected = {}',
    'local threads = {}',
    'function setup(thread) table.insert(threads, thread) end',
    'function response(status) if status ~= expected then unexpected[status] = (unexpected[status] or 0) + 1 end end',
    'function done() for _, t in ipairs(threads) do for s, n in pairs(t:get("unexpected")) do io.write("unexpected status ", s, ": ", n, "\\n") end end end',
    '',
  ].join('\n'));
  const run = spawnSync('wrk', [
    '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `${worker.url}${scenario.path}`,
  ], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr || run.stdout}`);
  return parseWrk(run.stdout);
}

/** Reads wrk's `--latency` report. */
export function parseWrk(out) {
  const percentile = (p) => {
    const m = out.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'));
    if (!m) throw new Error(`no ${p}th percentile in wrk output:\n${out}`);
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const requests = Number(out.match(/(\d+) requests in/)?.[1]);
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const bad = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0)
    + Number(out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  const statuses = [...out.matchAll(/^unexpected status (\d+): (\d+)$/gm)].map((m) => `${m[2]}× ${m[1]}`);
  return { rps, p50: percentile(50), p99: percentile(99), requests, bad, statuses };
}

const lua = (s) => JSON.stringify(String(s)); // a JSON string literal is a valid Lua string literal here
