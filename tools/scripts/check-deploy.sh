#!/usr/bin/env bash
# Checks the deployment recipes in deploy/: the systemd unit with `systemd-analyze verify` (any
# warning fails), and the container, Fly.io, Railway and Render files for their structure and the
# health check on /health. Needs a built `berth` (debug is fine).
# Usage: tools/scripts/check-deploy.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
bin="$(swift build --show-bin-path)"
[ -x "$bin/berth" ] || { echo "check-deploy: build berth first (swift build)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The unit names the installed path; verify it against the built binary instead.
sed "s#/opt/berth/bin/berth#$bin/berth#" deploy/berth.service > "$work/berth.service"
if command -v systemd-analyze >/dev/null; then
  if ! output="$(systemd-analyze verify "$work/berth.service" 2>&1)" || [ -n "$output" ]; then
    echo "check-deploy: deploy/berth.service does not verify:" >&2
    echo "$output" >&2
    exit 1
  fi
else
  echo "check-deploy: systemd-analyze not found; install systemd to verify deploy/berth.service" >&2
  exit 1
fi
"$(tools/scripts/python-env.sh)" tools/scripts/check_deploy.py deploy
echo "check-deploy: deploy/ recipes verified"
