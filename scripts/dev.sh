#!/usr/bin/env bash
# Runs deskgate locally on the embedded default: `wrangler dev` on workerd, local D1, the demo
# accounts of edge/.dev.vars, and prints the demo desktop pages to open.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
scripts/build-widget.sh
cd edge
[ -f .dev.vars ] || cp .dev.vars.example .dev.vars
# A .dev.vars from an older checkout gets the demo secrets it lacks (its own values are kept).
grep -E '^[A-Za-z_][A-Za-z0-9_]*=' .dev.vars.example | while IFS= read -r line; do
  grep -q "^${line%%=*}=" .dev.vars || echo "$line" >> .dev.vars
done
npx wrangler d1 migrations apply DB --local >/dev/null
key=$(sed -n 's/^acme_integration_api_key=//p' .dev.vars)
# The gateway's demo upstream (/api/<path> is forwarded there), stopped with the dev server.
node ../scripts/demo-upstream.mjs 8788 8787 >/dev/null &
upstream=$!
# The demo's signer of launch links (what an account's backend does), for the signed-launch desktop.
node ../scripts/demo-launcher.mjs 8789 8787 >/dev/null &
launcher=$!
trap 'kill $upstream $launcher 2>/dev/null' EXIT
cat <<MSG

  deskgate is starting on http://127.0.0.1:8787 (account acme at http://acme.localhost:8787)

  Demo desktops (the API key rides in the fragment, which never leaves the browser):
    LiveEngage: http://127.0.0.1:8787/desktop/liveengage.html#account=acme&apikey=${key}&agent_id=1&agent_name=Ada%20Lovelace
    Genesys:    http://127.0.0.1:8787/desktop/genesys.html#account=acme&apikey=${key}&agent_id=2&agent_name=Grace%20Hopper

  Signed launch desktop (no API key anywhere: the demo launcher on :8789 signs a link per agent):
    http://127.0.0.1:8787/desktop/launch.html#account=acme&agent_id=7&agent_name=Grace%20Hopper&role=manager
  A launch link by hand: node scripts/launch-link.mjs --account acme --agent 7 --name "Grace Hopper" --role manager

  Admin console: http://acme.localhost:8787/admin/  (user owner, password acme_admin_password in edge/.dev.vars)
  Gateway:       http://acme.localhost:8787/api/<path> → demo upstream on http://127.0.0.1:8788
  Cleanup:       curl 'http://127.0.0.1:8787/__scheduled?cron=*/5+*+*+*+*' runs the cron's handler

MSG
npx wrangler dev --port 8787 --ip 127.0.0.1 --show-interactive-dev-session=false --test-scheduled
