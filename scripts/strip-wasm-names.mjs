// Removes the debug-only custom sections ("name", "producers") from wasm-bindgen's output.
// The release profile keeps rustc's symbols so that wasm-bindgen can read the module's
// `target_features` (`strip = true` would remove those too); the names go here instead, after
// wasm-bindgen: about 170 KB of the worker's raw wasm. Code and data are left byte for byte.
//   node scripts/strip-wasm-names.mjs <file.wasm>...
import { readFileSync, writeFileSync } from 'node:fs';

const DROP = new Set(['name', 'producers']);

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

for (const file of process.argv.slice(2)) {
  const wasm = readFileSync(file);
  if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a wasm module`);
  const kept = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const [size, body] = leb(wasm, at + 1);
    const end = body + size;
    if (end > wasm.length) throw new Error(`${file}: truncated section at byte ${at}`);
    let drop = false;
    if (wasm[at] === 0) {
      const [nameLength, name] = leb(wasm, body);
      drop = DROP.has(wasm.subarray(name, name + nameLength).toString('utf8'));
    }
    if (!drop) kept.push(wasm.subarray(at, end));
    at = end;
  }
  writeFileSync(file, Buffer.concat(kept));
}
