#!/usr/bin/env bash
# Installs or updates the session service (scripts/serve.ts, compiled into build/ by deploy.sh) on
# the stack's instance, from the suite archive deploy.sh uploaded, and proves it: the unit the
# template defines is restarted on the new release, /health must answer 200, then the doctor
# (build/scripts/doctor.js) checks every store the service uses.
# deploy.sh runs it as root over SSM:  install-session-service.sh SUITE_ARCHIVE
#
# Each release lives in $SERVICE_ROOT/releases/<archive digest>; $SERVICE_ROOT/current points at the
# one the unit runs. When the new release does not answer 200, the one before is restarted and the
# script fails; old releases are removed only once the new one is healthy.
#
# Environment: SERVICE_ROOT (default /opt/session-service), SERVICE_ENV_FILE (default
# /etc/session-service.env, written by the template), HEALTH_TIMEOUT_SECONDS (default 120),
# FIRST_BOOT_LOG (default /var/log/cloud-init-output.log).
set -euo pipefail

UNIT=session-service.service
SERVICE_ROOT="${SERVICE_ROOT:-/opt/session-service}"
SERVICE_ENV_FILE="${SERVICE_ENV_FILE:-/etc/session-service.env}"
HEALTH_TIMEOUT_SECONDS="${HEALTH_TIMEOUT_SECONDS:-120}"
FIRST_BOOT_LOG="${FIRST_BOOT_LOG:-/var/log/cloud-init-output.log}"
# Amazon Linux 2023 may have Node.js only as /usr/local/bin/node (linked by the template).
PATH="/usr/local/bin:$PATH"

fail() {
  echo "install-session-service: $*" >&2
  exit 1
}

[[ $# -eq 1 && -f "$1" ]] || fail "usage: install-session-service.sh SUITE_ARCHIVE (the suite's .tar.gz)"
archive=$1

# The first boot installs Node.js and writes the unit; an instance fresh from CloudFormation may
# still be at it. cloud-init exits 1 when it failed, and 2 (newer versions) when it finished with
# warnings only.
if command -v cloud-init >/dev/null 2>&1; then
  boot=0
  cloud-init status --wait >/dev/null || boot=$?
  if ((boot == 1)); then
    echo "The end of $FIRST_BOOT_LOG:" >&2
    tail -n 30 "$FIRST_BOOT_LOG" >&2 || true
    fail "the instance's first boot (UserData) failed; its log ends above ($FIRST_BOOT_LOG)"
  fi
fi
if ! systemctl cat "$UNIT" >/dev/null 2>&1; then
  fail "$UNIT is not defined on this instance: it was created from a template without it. Replace the stack: ./teardown.sh && ./deploy.sh"
fi
[[ -r "$SERVICE_ENV_FILE" ]] || fail "$SERVICE_ENV_FILE is missing; the template writes it at first boot."
command -v npm >/dev/null 2>&1 || fail "npm is not installed; the template installs nodejs22-npm at first boot."
# The service's settings (PORT, HSS_*), for the health check and the doctor below.
set -a
# shellcheck source=/dev/null
. "$SERVICE_ENV_FILE"
set +a

revision=$(sha256sum "$archive" | cut -c1-12)
release="$SERVICE_ROOT/releases/$revision"
if [[ -f "$release/.installed" ]]; then
  echo "Release $revision is already installed."
else
  echo "Installing release $revision into $release..."
  rm -rf "$release"
  mkdir -p "$release"
  tar -xzf "$archive" -C "$release"
  [[ -f "$release/build/scripts/serve.js" ]] ||
    fail "the archive has no build/scripts/serve.js; deploy.sh compiles the service (npm run build:service) before it uploads."
  if ! (cd "$release" && npm ci --omit=dev --no-audit --no-fund) >"$release.npm-ci.log" 2>&1; then
    tail -n 30 "$release.npm-ci.log" >&2
    fail "npm ci failed in $release (log: $release.npm-ci.log)"
  fi
  rm -f "$release.npm-ci.log"
  touch "$release/.installed"
fi

# Points `current` at a release (one rename, so the unit never sees a half-made link) and restarts.
switch_to() {
  ln -sfn "$1" "$SERVICE_ROOT/current.next"
  mv -Tf "$SERVICE_ROOT/current.next" "$SERVICE_ROOT/current"
  systemctl restart "$UNIT"
}

# Prints the HTTP status of /health; curl retries a refused connection and a 503 (neither store can
# serve yet) until the deadline.
url="http://127.0.0.1:${PORT:-8000}/health"
body="$SERVICE_ROOT/health.json"
health() {
  curl --silent --max-time 2 --retry 1000 --retry-delay 1 --retry-connrefused \
    --retry-max-time "$HEALTH_TIMEOUT_SECONDS" --output "$body" --write-out '%{http_code}' "$url" || true
}

previous=$(readlink "$SERVICE_ROOT/current" 2>/dev/null || true)
switch_to "releases/$revision"
code=$(health)
if [[ "$code" != 200 ]]; then
  if [[ "$code" == 000 ]]; then code="nothing"; fi
  journalctl --unit "$UNIT" --lines 30 --no-pager >&2 || true
  verdict="$url answered $code within ${HEALTH_TIMEOUT_SECONDS}s (the service's log is above)"
  if [[ -n "$previous" && "$previous" != "releases/$revision" && -d "$SERVICE_ROOT/$previous" ]]; then
    switch_to "$previous"
    if [[ "$(health)" == 200 ]]; then
      fail "$verdict; rolled back to $previous, which answers 200."
    fi
    fail "$verdict; rolled back to $previous, which does not answer 200 either."
  fi
  fail "$verdict."
fi
echo "The session service runs release $revision: $url answered 200 $(cat "$body")"
rm -f "$body"

for old in "$SERVICE_ROOT"/releases/*; do
  if [[ "$old" != "$release" ]]; then rm -rf "$old"; fi
done

(cd "$release" && node build/scripts/doctor.js) || fail "the doctor found a problem (above); the service runs, but a store it needs is not as expected."
