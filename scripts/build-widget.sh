#!/usr/bin/env bash
# Builds the widget's wasm and JS glue into www/public/static/pkg (served as static assets).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p widget --target wasm32-unknown-unknown
wasm-bindgen --target web --no-typescript --out-dir www/public/static/pkg --out-name widget \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/widget.wasm"
node scripts/strip-wasm-names.mjs www/public/static/pkg/widget_bg.wasm
