#!/usr/bin/env bash
# Prints the path of the Python the test drivers use: a virtual environment in .build/python
# (created on first use, with the system's packages visible) holding tools/requirements-test.txt.
# Usage: PY="$(tools/scripts/python-env.sh)"; "$PY" script.py
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$repo/.build/python"
requirements="$repo/tools/requirements-test.txt"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv --system-site-packages "$venv" >&2 || {
    echo "python-env: could not create $venv (install python3-venv)" >&2; exit 1; }
fi
if ! cmp -s "$requirements" "$stamp"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
echo "$venv/bin/python"
