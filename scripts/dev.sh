#!/usr/bin/env bash
# Runs deskgate locally on the embedded default: `wrangler dev` on workerd, local D1, the demo
# accounts of edge/.dev.vars, and prints the demo desktop pages to open.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
scripts/build-widget.sh
cd edge
[ -f .dev.vars ] || cp .dev.vars.example .dev.vars
npx wrangler d1 migrations apply DB --local >/dev/null
key=$(sed -n 's/^acme_integration_api_key=//p' .dev.vars)
cat <<MSG

  deskgate is starting on http://127.0.0.1:8787 (account acme at http://acme.localhost:8787)

  Demo desktops (the API key rides in the fragment, which never leaves the browser):
    LiveEngage: http://127.0.0.1:8787/desktop/liveengage.html#account=acme&apikey=${key}&agent_id=1&agent_name=Ada%20Lovelace
    Genesys:    http://127.0.0.1:8787/desktop/genesys.html#account=acme&apikey=${key}&agent_id=2&agent_name=Grace%20Hopper

MSG
exec npx wrangler dev --port 8787 --ip 127.0.0.1 --show-interactive-dev-session=false
