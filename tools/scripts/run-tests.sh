#!/usr/bin/env bash
# The suite in two runs: unit tests, then the integration tests that drive the real binary.
set -euo pipefail
swift test --skip-build --skip BerthIntegrationTests
swift test --skip-build --filter BerthIntegrationTests
