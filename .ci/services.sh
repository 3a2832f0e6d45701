#!/usr/bin/env bash
# System services the service tests use: Debian's Chromium (browser tests, driven by the
# `playwright` Python package; never `playwright install`) and PostgreSQL 15 (the shared-store
# backend's tests start a private cluster through `runuser -u postgres`). Idempotent; exports
# nothing. Tests that need either skip with a reason when it is missing, so a failure here is
# reported but does not stop the run.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
if [ ${#need[@]} -eq 0 ]; then
  echo "services.sh: chromium and postgresql-15 already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "services.sh: need root to apt-get install ${need[*]}; the tests that use them will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; then
  echo "services.sh: installed ${need[*]}"
else
  echo "services.sh: could not install ${need[*]}; the tests that use them will skip" >&2
fi
# the Debian package may start a cluster of its own; the tests never use it
if command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
fi
exit 0
