#!/usr/bin/env bash
# Installs the real peers the e2e tests and benchmarks run against, and the web UI's
# build and browser-test tools, from Debian's packages. Services are not started: tests
# start their own processes on 127.0.0.1.
#
# `system-deps.sh node` installs only what builds the UI, `system-deps.sh venv` only
# python3-venv: the Makefile calls them when npm or venv is missing, so `make run`
# needs nothing else on a fresh machine.
set -euo pipefail
need=()
if [ "${1:-all}" = venv ]; then
  # Debian splits venv/ensurepip out of python3 (`make` calls this when venv fails).
  need+=(python3-venv)
elif [ "${1:-all}" != node ]; then
  command -v promtool >/dev/null 2>&1 || need+=(prometheus)
  command -v victoria-metrics >/dev/null 2>&1 || need+=(victoria-metrics)
  command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
  command -v prometheus-node-exporter >/dev/null 2>&1 || need+=(prometheus-node-exporter)
  # Chromium runs the UI's browser tests.
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
# npm builds the UI (vite 6 runs on Debian 12's Node.js 18). Node.js from another
# source that brings its own npm is left alone.
if [ "${1:-all}" != venv ]; then
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: cannot install ${need[*]} (not root or no apt-get); e2e tests will skip" >&2
  [ "${1:-all}" = all ] || exit 1
  exit 0
fi
# Keep the packages' own services from starting: tests run their own instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system-deps: installed ${need[*]}"
