#!/usr/bin/env bash
# Installs what deskgate needs on a Debian machine with rustup and Node 20. Idempotent: every
# step checks first, so a second run takes seconds. `--browser` also installs what the test
# tiers need: Chromium and its driver, Python's requests-oauthlib, and for the cross-engine tier
# Firefox ESR with geckodriver (compiled from crates.io), WebKitGTK's WebDriver with MiniBrowser,
# Xvfb for it, and openssl for the tier's certificate; `--bench` adds wrk (the load generator) to
# those. Only package registries are used: nothing downloads from GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-}"
BROWSER=$([ "$MODE" = --browser ] || [ "$MODE" = --bench ] && echo yes || true)
WORKER_BUILD_VERSION=0.8.7
WASM_PACK_VERSION=0.14.0
GECKODRIVER_VERSION=0.37.1
# The CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# rust-toolchain.toml pins the toolchain and its components; rustup installs them on first use,
# but does not add a pinned target to a toolchain that is already installed, so ask for it.
rustup show active-toolchain >/dev/null
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

install_crate() { # crate version binary
  if "$3" --version 2>/dev/null | grep -q "$2"; then return; fi
  say "installing $1 $2 (compiles once, several minutes)"
  cargo install --quiet "$1" --version "=$2"
}
install_crate wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
install_crate wasm-pack "$WASM_PACK_VERSION" wasm-pack
# edge/build.sh builds the worker without worker-build; the benchmark's A/B of the two entries
# (bench/compare-builds.mjs) is the one thing that still runs it.
if [ "$MODE" = --bench ]; then
  install_crate worker-build "$WORKER_BUILD_VERSION" worker-build
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (wrangler, playwright-core, jose, workers-oauth-provider)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# A real OAuth2 client library for the HTTP tier (tests/support/oauth_client.py).
if [ -n "$BROWSER" ] && ! python3 -c 'import requests_oauthlib' 2>/dev/null; then
  say "installing requests-oauthlib (the OAuth2 client the tests use)"
  python3 -m pip install --quiet --disable-pip-version-check requests-oauthlib==2.0.0
fi
# PyJWT (with cryptography, for EdDSA/ES256/RS256): the README's Python launch-link snippet, and
# an upstream verifying identity tokens from the JWKS, as the HTTP tier runs them.
if [ -n "$BROWSER" ] && ! python3 -c 'import jwt, cryptography' 2>/dev/null; then
  say "installing PyJWT (launch links and JWKS checks in the tests)"
  python3 -m pip install --quiet --disable-pip-version-check "PyJWT[crypto]==2.10.1"
fi

apt_install() { # package...
  say "installing $* from Debian"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
if [ -n "$BROWSER" ] && ! { command -v chromium && command -v chromedriver; } >/dev/null; then
  apt_install chromium chromium-driver
fi
# The cross-engine tier (tests/engines): Firefox ESR, WebKitGTK (WebKitWebDriver drives
# MiniBrowser, which needs a display: Xvfb), and openssl for its self-signed certificate.
if [ -n "$BROWSER" ] && ! { command -v firefox-esr && command -v WebKitWebDriver && command -v Xvfb && command -v openssl; } >/dev/null; then
  apt_install firefox-esr webkit2gtk-driver xvfb openssl
fi
# geckodriver is not packaged by Debian; crates.io has it (about 3 minutes to compile once).
if [ -n "$BROWSER" ]; then install_crate geckodriver "$GECKODRIVER_VERSION" geckodriver; fi
if [ "$MODE" = --bench ] && ! command -v wrk >/dev/null; then
  apt_install wrk
fi

export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
