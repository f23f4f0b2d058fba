# Berth: `make run` serves the host with the example addons; `make test` runs the whole suite.
.PHONY: deps build run test bench clean

deps:
	@tools/scripts/install-deps.sh

build: deps
	swift build -c release

run: build
	tools/scripts/run-dev.sh

# The suite runs against a throw-away PostgreSQL server on loopback, started and stopped here, and
# against the real Redis, S3-compatible, SMTP and Stripe-format servers of with-test-servers.sh.
# Integration tests run after the others: they block their threads on the real `berth`
# processes, which would starve the in-process servers of the unit tests of executor threads.
# The PluginAPI check fails on a removal or change of anything public since PluginAPI 1.1.0.
test: deps
	swift build --build-tests
	tools/scripts/check-deploy.sh
	tools/scripts/plugin-api-baseline.sh check
	tools/scripts/plugin-api-baseline.sh fixture >/dev/null
	tools/scripts/install-deps.sh prometheus
	BERTH_REQUIRE_PROMETHEUS=1 tools/scripts/with-postgres.sh tools/scripts/with-test-servers.sh tools/scripts/run-tests.sh
	tools/scripts/console-tests.sh

bench: deps
	tools/bench/run.sh
	tools/scripts/with-postgres.sh tools/bench/storage.py
	python3 tools/bench/process_model.py "$$(swift build -c release --show-bin-path)" "$$(pwd)" bench/work/mhd_hello
	"$$(tools/scripts/python-env.sh)" tools/bench/policies.py "$$(swift build -c release --show-bin-path)" "$$(pwd)"
	python3 tools/bench/slots.py "$$(swift build -c release --show-bin-path)" "$$(pwd)"
	python3 tools/bench/metrics.py "$$(swift build -c release --show-bin-path)" "$$(pwd)"

clean:
	rm -rf .build
