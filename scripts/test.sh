#!/usr/bin/env bash
# Runs every test tier, installing what is missing first:
#   1. lint: rustfmt, clippy -D warnings (native and wasm32), node --check of every script
#   2. native unit tests of the core rules (cargo test)
#   3. the widget's own tests in headless Chromium (wasm-pack test)
#   4. the production build (wrangler deploy --dry-run --env production) holds nothing of the demo
#   5. black-box HTTP tests and end-to-end browser tests against the worker on workerd (node --test)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --browser

say "lint"
for js in www/public/static/boot.js www/demo/desktop/*.js www/public/admin/*.js scripts/*.mjs tests/*/*.mjs bench/*.mjs bench/*/*.mjs bench/plain-widget/*.js; do
  node --check "$js"
done
cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings

say "tier 1: native unit tests"
cargo test --quiet -p authcore -p wire

say "tier 2: widget tests in headless Chromium"
wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" widget

scripts/build-widget.sh
say "production is production: the dry-run deploy carries no demo"
node scripts/check-production.mjs

say "tier 3: HTTP against workerd, and the browser end to end"
exec node tests/support/run.mjs
