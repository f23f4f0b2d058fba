#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server on loopback (placeholder until the
# PostgreSQL backend lands: runs the command as is).
set -euo pipefail
exec "$@"
