#!/usr/bin/env bash
# The console's end-to-end tests in a real headless Chromium (Debian's chromium and
# chromium-driver, Selenium from PyPI): screenshots land in .build/console-screenshots/.
# Usage: tools/scripts/console-tests.sh [unittest arguments...]   (after `swift build --build-tests`)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$repo/tools/scripts/install-deps.sh" chromium chromium-driver
python="$("$repo/tools/scripts/python-env.sh")"
exec "$python" "$repo/tools/console/console_tests.py" "$@"
