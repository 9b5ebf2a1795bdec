#!/usr/bin/env bash
# Builds the worker: cargo (wasm32, release), wasm-bindgen (the locally installed CLI), then
# esbuild bundles our own entry (entry.mjs) with wasm-bindgen's glue. wrangler runs this.
#   ./build.sh                                   → build/ (what wrangler.toml's main points at)
#   ./build.sh --features test-panic --out-dir build-test-panic   → a test build (never deployed)
#
# This is what worker-build 0.8 does for a fetch-only Worker, with its entry shim replaced:
# worker-build's shim wraps every request in a Proxy-wrapped WorkerEntrypoint for its panic
# recovery, which wasm-bindgen's glue already does itself (entry.mjs says how). The wasm-bindgen
# flags and WASM_BINDGEN_USE_JS_SYS are the ones worker-build passes. Nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")"

OUT=build
FEATURES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out-dir) OUT="$2"; shift 2 ;;
    --features) FEATURES=(--features "$2"); shift 2 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
ESBUILD_BIN="${ESBUILD_BIN:-$PWD/../node_modules/.bin/esbuild}"
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/../target}"

# The worker crate's #[event] macros expand to js_sys's futures when this is set (worker-build
# sets it too); the proc macro reads it at expansion time, so it is an environment variable.
WASM_BINDGEN_USE_JS_SYS=1 cargo build --quiet --lib --release --target wasm32-unknown-unknown "${FEATURES[@]}"

# Build next to the output and swap it in at the end, so a running `wrangler dev` never sees a
# half-written build.
STAGE="$OUT.tmp"
rm -rf "$STAGE"
mkdir -p "$STAGE/bindgen" "$STAGE/worker"
# --experimental-reset-state-function: the glue can re-instantiate the module (after a trap).
# --force-enable-abort-handler: with panic=abort, every call into wasm is guarded, so a trap
# marks the instance terminated and runs the worker crate's abort hook (which schedules that
# re-instantiation for the next call).
"$WASM_BINDGEN_BIN" "$TARGET_DIR/wasm32-unknown-unknown/release/edge.wasm" --out-dir "$STAGE/bindgen" \
  --out-name index --target module --no-typescript \
  --experimental-reset-state-function --force-enable-abort-handler
mv "$STAGE/bindgen/index_bg.wasm" "$STAGE/index_bg.wasm"
node ../scripts/strip-wasm-names.mjs "$STAGE/index_bg.wasm"
# workerd imports a .wasm module as a WebAssembly.Module with a plain import; the glue's
# `import source` (the source-phase proposal) means the same.
sed -i 's/^import source wasmModule from /import wasmModule from /' "$STAGE/bindgen/index.js"
node guard-glue.mjs "$STAGE/bindgen/index.js"
cp entry.mjs "$STAGE/entry.mjs"
# The glue's `./index_bg.wasm` import stays as written: it is next to the bundle.
"$ESBUILD_BIN" "$STAGE/entry.mjs" --bundle --format=esm --minify --log-level=warning \
  '--external:*.wasm' '--external:cloudflare:*' --outfile="$STAGE/index.js"
rm -rf "$STAGE/bindgen" "$STAGE/entry.mjs"
# wrangler.toml's main, as worker-build lays it out.
printf "export * from '../index.js';\nexport { default } from '../index.js';\n" >"$STAGE/worker/shim.mjs"
rm -rf "$OUT"
mv "$STAGE" "$OUT"
