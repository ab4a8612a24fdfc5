# Kinerja: the two commands a newcomer needs are `make run` and `make test`.
# Both install what is missing (Debian packages) on their own.

SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
BUILD_FLAGS  ?=
APT_PACKAGES := libsqlite3-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler systemd util-linux
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test proto proto-check bench clean

all: build

## Install the Debian packages the build and the tests need, only when some are missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --product kinerjad
	$(SWIFT) build $(BUILD_FLAGS) --product kinerjactl

## Start kinerjad in the foreground on ./.kinerja (database and socket there). Ctrl-C stops it.
run: build
	exec "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/kinerjad" --state-dir .kinerja

## Build everything and run every test.
test: deps proto-check
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --disable-xctest

## Regenerate the committed protobuf/gRPC code from proto/.
proto: deps
	scripts/gen-proto.sh

## Fail when the committed generated code differs from a fresh generation.
proto-check: deps
	scripts/gen-proto.sh --check

## Benchmarks (release build): RPC throughput and latency, JSON on stdout.
bench: deps
	$(SWIFT) build -c release --product kinerjad
	$(SWIFT) build -c release --product kinerjactl
	$(SWIFT) build -c release --product kinerja-bench
	"$$($(SWIFT) build -c release --show-bin-path)/kinerja-bench" --bin-dir "$$($(SWIFT) build -c release --show-bin-path)"

clean:
	rm -rf .build .build-protoc
