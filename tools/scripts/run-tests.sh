#!/usr/bin/env bash
# The suite in three runs: the unit tests, then the HTTP server's own tests, then the integration
# tests that drive the real binary.
# The HTTP tests run alone: their handlers resume on Swift's cooperative threads (one per core),
# which other unit suites keep busy with blocking work (key generation, child processes), and on a
# loaded 2-core machine that made the HTTP tests' waits run out. The integration tests block their
# threads on the real `berth` processes and would starve the in-process servers of the unit tests.
set -euo pipefail
swift test --skip-build --skip BerthIntegrationTests --skip BerthHTTPTests
swift test --skip-build --filter BerthHTTPTests
swift test --skip-build --filter BerthIntegrationTests
