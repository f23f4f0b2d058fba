# Berth: `make run` serves the host with the example addons; `make test` runs the whole suite.
.PHONY: deps build run test bench clean

deps:
	@tools/scripts/install-deps.sh

build: deps
	swift build -c release

run: build
	tools/scripts/run-dev.sh

test: deps
	swift build --build-tests
	swift test --skip-build

bench: deps
	tools/bench/run.sh

clean:
	rm -rf .build
