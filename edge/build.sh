#!/usr/bin/env bash
# Builds the worker with the locally installed wasm-bindgen and esbuild: worker-build would
# otherwise download both from GitHub, which these machines cannot reach. wrangler runs this.
set -euo pipefail
cd "$(dirname "$0")"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export ESBUILD_BIN="${ESBUILD_BIN:-$PWD/../node_modules/.bin/esbuild}"
worker-build --release --no-opt
node ../scripts/strip-wasm-names.mjs build/index_bg.wasm
