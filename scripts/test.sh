#!/usr/bin/env bash
# Runs every test tier, installing what is missing first:
#   1. lint: rustfmt, clippy -D warnings (native and wasm32), node --check of every script
#   2. native unit tests of the core rules (cargo test)
#   3. the widget's own tests in headless Chromium and Firefox (wasm-pack test), and its first
#      script as an engine without modules runs it
#   4. the isolate survives a panic: a test build of the worker on workerd (node --test)
#   5. the production build (wrangler deploy --dry-run --env production) holds nothing of the demo
#   6. black-box HTTP tests and end-to-end browser tests against the worker on workerd (node --test)
#   7. the cross-engine tier: the widget framed in Chromium (three cookie policies), Firefox ESR
#      and WebKitGTK over WebDriver and local TLS, with the table of what works where
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --browser

say "lint"
for js in www/public/static/*.js www/demo/desktop/*.js www/public/admin/*.js scripts/*.mjs edge/*.mjs tests/*/*.mjs bench/*.mjs bench/*/*.mjs bench/peers/*/*.mjs bench/plain-widget/*.js; do
  node --check "$js"
done
cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings

say "tier 1: native unit tests"
cargo test --quiet -p authcore -p wire

say "tier 2: widget tests in headless Chromium and Firefox, and its first script"
wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" widget
wasm-pack test --headless --firefox --geckodriver "$(command -v geckodriver)" widget
node --test tests/script/

say "tier 3: a panic is followed by a request that succeeds (a test build on workerd)"
node --test tests/panic/

scripts/build-widget.sh
say "tier 4: production is production: the dry-run deploy carries no demo"
node scripts/check-production.mjs

say "tier 5: HTTP against workerd, and the browser end to end"
# Both worker tiers run even when the first fails, so one run shows every failure; the script
# fails when either did.
status=0
node tests/support/run.mjs || status=$?

say "tier 6: every engine, over local TLS"
node tests/support/run_engines.mjs || status=$?
exit "$status"
