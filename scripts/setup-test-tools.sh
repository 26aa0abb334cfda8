#!/usr/bin/env bash
# Installs the system tools the tests run for real, when they are missing: Prometheus with promtool, Alertmanager
# with amtool, Chromium (driven by playwright-core in the browser tests) and PostgreSQL (the shared review store's
# tests start their own cluster), from Debian's packages. Run by `npm test` before the tests; a no-op when all are
# present.
# Nothing is downloaded from anywhere but Debian's package mirrors.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)

if [ ${#need[@]} -eq 0 ]; then exit 0; fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup-test-tools: ${need[*]} missing and not root (no sudo): install them with apt-get" >&2
    exit 1
  fi
fi

echo "setup-test-tools: installing ${need[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale.
if ! $sudo apt-get install -y --no-install-recommends "${need[@]}" >/tmp/inferwatch-apt.log 2>&1; then
  $sudo apt-get update >>/tmp/inferwatch-apt.log 2>&1
  $sudo apt-get install -y --no-install-recommends "${need[@]}" >>/tmp/inferwatch-apt.log 2>&1 || {
    cat /tmp/inferwatch-apt.log >&2
    exit 1
  }
fi
# The packages start their services where an init system runs; tests start their own instances on loopback.
for svc in prometheus prometheus-alertmanager postgresql; do
  $sudo service "$svc" stop >/dev/null 2>&1 || true
done
exit 0
