#!/usr/bin/env bash
# The benchmark (not part of the tests' pass/fail): installs what is missing (wrk, Chromium),
# builds the worker and the widget in release mode, then runs bench/run.mjs, which prints its
# tables and `over budget: …` lines and writes bench/output/results.{md,json}. About 6½ minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh --bench

say "building the worker and the widget (release)"
(cd edge && ./build.sh >/dev/null)
scripts/build-widget.sh >/dev/null

say "benchmark"
exec node bench/run.mjs
