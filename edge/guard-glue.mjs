// Closes a gap in wasm-bindgen 0.2.130's re-instantiation after a trap (edge/entry.mjs): run by
// edge/build.sh on the glue before it is bundled.
//
// The glue re-instantiates inside `__wbg_call_guard()`, at the next call into wasm after a trap.
// A closure of the old instance (a request that was waiting on I/O when another request
// panicked) checks that it belongs to the current instance *before* it calls the guard, so when
// it is that next call, the check passes, the guard swaps the instance, and the closure runs on
// the new instance with the old instance's pointers: another request's memory. Objects of
// wasm-bindgen classes check in the same order. Calling the guard before each check puts the
// swap first, so the check refuses the stale call ("… from previous WASM instance") and the
// request that made it fails instead (measured: without this, after a panic with requests in
// flight, the re-instantiation was triggered by a stale closure every time).
//   node guard-glue.mjs <index.js>
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
let glue = readFileSync(file, 'utf8');
const checks = [
  // makeMutClosure / makeClosure
  /^(\s*)(if \(state\.instance !== __wbg_instance_id\) \{)$/gm,
  // class methods and accessors
  /^(\s*)(if \(this\.__wbg_inst !== undefined && this\.__wbg_inst !== __wbg_instance_id\) \{)$/gm,
];
let patched = 0;
for (const check of checks) {
  glue = glue.replace(check, (_, indent, line) => {
    patched += 1;
    return `${indent}__wbg_call_guard();\n${indent}${line}`;
  });
}
// Every stale-instance check must have been found: fail the build if wasm-bindgen's output
// changed shape (a new version) rather than ship the gap.
const stale = (glue.match(/(state\.instance|this\.__wbg_inst) !== __wbg_instance_id/g) ?? []).length;
if (!glue.includes('function __wbg_call_guard()') || stale !== patched) {
  console.error(`guard-glue: ${patched} of ${stale} stale-instance checks patched in ${file}; wasm-bindgen's glue changed, update this script`);
  process.exit(1);
}
writeFileSync(file, glue);
