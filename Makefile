# Kinerja: the two commands a newcomer needs are `make run` and `make test`.
# Both install what is missing (Debian packages) on their own.

SWIFT        ?= swift
PREFIX       ?= /usr/local
DESTDIR      ?=
SYSCONFDIR   ?= /etc
BUILD_FLAGS  ?=
# Configuration `make install` builds and installs (release for real installs).
CONFIG       ?= release
BINDIR        = $(PREFIX)/bin
UNITDIR       = $(PREFIX)/lib/systemd/system
SYSUSERSDIR   = $(PREFIX)/lib/sysusers.d
PLUGINDIR     = $(PREFIX)/lib/kinerja/plugins
# The program each plugin runs in (kinerja-plugin-host: the shared Swift runtime, as the plugins link it).
LIBEXECDIR    = $(PREFIX)/lib/kinerja
AGENCY_PLUGINS = gajahmungkur aceh bukittinggi kotalama kupang
DOCDIR        = $(PREFIX)/share/doc/kinerja
PORTALDIR     = $(PREFIX)/share/kinerja/portal
MANDIR        = $(PREFIX)/share/man/man1
BASHCOMPDIR   = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR    = $(PREFIX)/share/zsh/vendor-completions
APT_PACKAGES := libsqlite3-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler systemd util-linux python3-venv chromium chromium-driver help2man lintian patchelf
# The Python packages some tests drive the daemon with (a hostile HTTP/2 client), in a venv of Debian's python3 that
# other users can run (the tests start it under other uids).
VENV         := .build-venv
# kinerjad and kinerjactl as `make install` (release) and `make bench` use them: the Swift runtime and Foundation
# linked into the program, no symbols exported to shared objects, and linked by the toolchain's lld with packed
# relative relocations (RELR), so that a process neither loads and binds the runtime as shared libraries nor reads
# 3.8 MB of relocation records at start: `kinerjactl status` starts in about three quarters of the time, and kinerjad
# idles in 34 MB instead of 44. The plugins, which link the shared runtime, run in kinerja-plugin-host from the
# shared build. Built in a folder of its own, so that the shared build is not rebuilt each way.
STATIC_SCRATCH := .build-static
STATIC_TOOLSET = $(STATIC_SCRATCH)/toolset.json
STATIC_FLAGS  := -c release --static-swift-stdlib --toolset $(STATIC_TOOLSET) -Xlinker --no-export-dynamic \
                 -Xlinker -z -Xlinker pack-relative-relocs --scratch-path $(STATIC_SCRATCH)
STATIC_CTL    = $(STATIC_SCRATCH)/release/kinerjactl
STATIC_DAEMON = $(STATIC_SCRATCH)/release/kinerjad
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps venv build run portal demo test deb static proto proto-check rpc-table rpc-table-check format format-check systemd-check install-check bench install uninstall clean

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

## The test venv, made again when scripts/requirements-test.txt changes.
venv: deps $(VENV)/.installed
$(VENV)/.installed: scripts/requirements-test.txt
	/usr/bin/python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
	chmod -R a+rX $(VENV)
	touch $@

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --product kinerjad
	$(SWIFT) build $(BUILD_FLAGS) --product kinerjactl
	$(SWIFT) build $(BUILD_FLAGS) --product kinerja-plugin-host
	$(SWIFT) build $(BUILD_FLAGS) --product kinerja-portal

## Start kinerjad in the foreground on ./.kinerja (database and socket there). Ctrl-C stops it.
run: build
	exec "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/kinerjad" --state-dir .kinerja --gateway-socket .kinerja/gateway.sock

## The portal next to `make run`'s daemon (in another terminal): http://127.0.0.1:8080
portal: build
	exec "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/kinerja-portal" --socket .kinerja/gateway.sock --listen 127.0.0.1:8080

## A sample agency with its own daemon and portal on http://127.0.0.1:8080, printing activation codes to sign in with.
demo: build venv
	$(VENV)/bin/python scripts/demo.py "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

## Build everything and run every test.
test: deps venv proto-check rpc-table-check format-check
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(MAKE) --no-print-directory systemd-check install-check
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --disable-xctest --skip FuzzTests
	@# The fuzz test runs on its own, so that its time (bounded: under 60 s) is its own and not the whole suite's.
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --disable-xctest --filter FuzzTests
	@# The portal in a real browser (chromium + chromium-driver, selenium): screenshots in .build/browser-screenshots.
	$(VENV)/bin/python tests/browser/test_portal.py "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@# The Debian package installed, served, removed and purged: it changes the machine, so only in CI or as root.
	@if [ "$$(id -u)" = 0 ]; then scripts/check-deb.sh; elif [ "$$CI" = true ]; then $(SUDO) scripts/check-deb.sh; \
	else echo "deb-check: skipped (installs a package into this machine: runs with CI=true or as root)"; fi

## The Debian package kinerja_<version>_<arch>.deb from the release build (CONFIG=debug for a quick one).
deb: deps
	@CONFIG=$(CONFIG) scripts/make-deb.sh .

# The hand-written Swift files (the generated protobuf/gRPC code keeps the generator's layout).
SWIFT_SOURCES = $(shell git ls-files -co --exclude-standard '*.swift' ':!:*.pb.swift' ':!:*.grpc.swift' 2>/dev/null || \
	find Package.swift Sources Tests Plugins -name '*.swift' ! -name '*.pb.swift' ! -name '*.grpc.swift')

## Every hand-written Swift file is as `swift format` (configured by .swift-format) leaves it.
format-check:
	@$(SWIFT) format lint --strict --parallel $(SWIFT_SOURCES) && echo "format-check: $(words $(SWIFT_SOURCES)) files as swift format leaves them"

## Rewrite the Swift files in place as .swift-format says.
format:
	$(SWIFT) format format -i --parallel $(SWIFT_SOURCES)

## systemd-analyze verify prints nothing for the units, and the sandbox's exposure is 2.0 or lower.
systemd-check:
	scripts/check-systemd.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

## make install / uninstall into a scratch DESTDIR (debug binaries) behave.
install-check:
	scripts/check-install.sh

## Install release binaries, systemd units, the sysusers file, the default config (never overwriting an
## existing one) and the plugin directory. PREFIX and DESTDIR are honoured.
install:
	$(SWIFT) build -c $(CONFIG) --product kinerjad
	$(SWIFT) build -c $(CONFIG) --product kinerjactl
	$(SWIFT) build -c $(CONFIG) --product kinerja-plugin-host
	@if [ "$(CONFIG)" = release ]; then $(MAKE) --no-print-directory static; fi
	$(SWIFT) build -c $(CONFIG) --product kinerja-portal
	for p in $(AGENCY_PLUGINS); do $(SWIFT) build -c $(CONFIG) --product kinerja-plugin-$$p; done
	@bin="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)"; set -e; \
	install -d -m 0755 "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" "$(DESTDIR)$(DOCDIR)"; \
	install -d -m 0755 "$(DESTDIR)$(PLUGINDIR)"; \
	install -m 0755 "$$bin/kinerja-portal" "$(DESTDIR)$(BINDIR)/"; \
	install -m 0755 "$$bin/kinerja-plugin-host" "$(DESTDIR)$(LIBEXECDIR)/"; \
	if [ "$(CONFIG)" = release ]; then install -m 0755 $(STATIC_DAEMON) $(STATIC_CTL) "$(DESTDIR)$(BINDIR)/"; \
	else install -m 0755 "$$bin/kinerjad" "$$bin/kinerjactl" "$(DESTDIR)$(BINDIR)/"; fi; \
	install -d -m 0755 "$(DESTDIR)$(PORTALDIR)"; cp -R Sources/KinerjaPortal/Resources/. "$(DESTDIR)$(PORTALDIR)/"; \
	find "$(DESTDIR)$(PORTALDIR)" -type d -exec chmod 0755 {} +; find "$(DESTDIR)$(PORTALDIR)" -type f -exec chmod 0644 {} +; \
	for p in $(AGENCY_PLUGINS); do install -m 0644 "$$bin/libkinerja-plugin-$$p.so" "$(DESTDIR)$(PLUGINDIR)/"; done; \
	install -d -m 0755 "$(DESTDIR)$(MANDIR)" "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)"; \
	"$$bin/kinerjactl" completion bash | sed '1{/^#!/d}' > "$(DESTDIR)$(BASHCOMPDIR)/kinerjactl"; \
	"$$bin/kinerjactl" completion zsh > "$(DESTDIR)$(ZSHCOMPDIR)/_kinerjactl"; \
	chmod 0644 "$(DESTDIR)$(BASHCOMPDIR)/kinerjactl" "$(DESTDIR)$(ZSHCOMPDIR)/_kinerjactl"; \
	scripts/man-pages.sh "$$bin" "$(DESTDIR)$(MANDIR)"; \
	for unit in kinerjad.service kinerjad.socket kinerjad-gateway.socket kinerjad@.service kinerjad@.socket kinerja-portal.service; do \
	  sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/share/doc/kinerja/|$(DOCDIR)/|g' -e 's|/usr/local/share/kinerja/portal|$(PORTALDIR)|g' "systemd/$$unit" > "$(DESTDIR)$(UNITDIR)/$$unit"; \
	  chmod 0644 "$(DESTDIR)$(UNITDIR)/$$unit"; \
	done; \
	install -m 0644 systemd/kinerja.sysusers "$(DESTDIR)$(SYSUSERSDIR)/kinerja.conf"; \
	install -m 0644 README.md "$(DESTDIR)$(DOCDIR)/README.md"; \
	install -m 0644 systemd/nginx-kinerja-portal.conf "$(DESTDIR)$(DOCDIR)/nginx-kinerja-portal.conf"; \
	install -d -m 0755 "$(DESTDIR)$(SYSCONFDIR)/kinerja"; \
	if [ -e "$(DESTDIR)$(SYSCONFDIR)/kinerja/kinerjad.toml" ]; then \
	  echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/kinerja/kinerjad.toml"; \
	else \
	  install -m 0644 systemd/kinerjad.toml "$(DESTDIR)$(SYSCONFDIR)/kinerja/kinerjad.toml"; \
	fi; \
	if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then systemd-sysusers "$(SYSUSERSDIR)/kinerja.conf"; fi; \
	if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	echo "installed; start with: systemctl enable --now kinerjad.socket"

## Remove what `make install` installed. The config file is kept when it was edited; state is never removed.
uninstall:
	@set -e; \
	if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl disable --now kinerja-portal.service kinerjad.socket kinerjad-gateway.socket kinerjad.service 2>/dev/null || true; fi; \
	rm -f "$(DESTDIR)$(BINDIR)/kinerjad" "$(DESTDIR)$(BINDIR)/kinerjactl" "$(DESTDIR)$(BINDIR)/kinerja-portal"; \
	rm -rf "$(DESTDIR)$(PORTALDIR)"; rmdir "$(DESTDIR)$(PREFIX)/share/kinerja" 2>/dev/null || true; \
	for p in $(AGENCY_PLUGINS); do rm -f "$(DESTDIR)$(PLUGINDIR)/libkinerja-plugin-$$p.so"; done; \
	rm -f "$(DESTDIR)$(LIBEXECDIR)/kinerja-plugin-host"; \
	rm -f "$(DESTDIR)$(UNITDIR)/kinerjad.service" "$(DESTDIR)$(UNITDIR)/kinerjad.socket" "$(DESTDIR)$(UNITDIR)/kinerjad-gateway.socket" "$(DESTDIR)$(UNITDIR)/kinerja-portal.service"; \
	rm -f "$(DESTDIR)$(UNITDIR)/kinerjad@.service" "$(DESTDIR)$(UNITDIR)/kinerjad@.socket"; \
	rm -f "$(DESTDIR)$(MANDIR)/kinerjad.1.gz" "$(DESTDIR)$(MANDIR)/kinerjactl.1.gz" "$(DESTDIR)$(MANDIR)/kinerja-portal.1.gz" "$(DESTDIR)$(BASHCOMPDIR)/kinerjactl" "$(DESTDIR)$(ZSHCOMPDIR)/_kinerjactl"; \
	for d in "$(MANDIR)" "$(BASHCOMPDIR)" "$(ZSHCOMPDIR)" "$(PREFIX)/share/zsh" "$(PREFIX)/share/bash-completion" "$(PREFIX)/share/man"; do rmdir "$(DESTDIR)$$d" 2>/dev/null || true; done; \
	rm -f "$(DESTDIR)$(SYSUSERSDIR)/kinerja.conf" "$(DESTDIR)$(DOCDIR)/README.md" "$(DESTDIR)$(DOCDIR)/nginx-kinerja-portal.conf"; \
	rmdir "$(DESTDIR)$(DOCDIR)" 2>/dev/null || true; \
	rmdir "$(DESTDIR)$(PLUGINDIR)" "$(DESTDIR)$(PREFIX)/lib/kinerja" 2>/dev/null || true; \
	if cmp -s systemd/kinerjad.toml "$(DESTDIR)$(SYSCONFDIR)/kinerja/kinerjad.toml"; then \
	  rm -f "$(DESTDIR)$(SYSCONFDIR)/kinerja/kinerjad.toml"; rmdir "$(DESTDIR)$(SYSCONFDIR)/kinerja" 2>/dev/null || true; \
	elif [ -e "$(DESTDIR)$(SYSCONFDIR)/kinerja/kinerjad.toml" ]; then \
	  echo "keeping edited $(DESTDIR)$(SYSCONFDIR)/kinerja/kinerjad.toml"; \
	fi; \
	if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	echo "uninstalled (state in /var/lib/kinerja is kept)"

## Regenerate the committed protobuf/gRPC code from proto/.
proto: deps
	scripts/gen-proto.sh

## Fail when the committed generated code differs from a fresh generation.
proto-check: deps
	scripts/gen-proto.sh --check

## The README's table of RPCs and their least roles, from the comments in proto/.
rpc-table:
	python3 scripts/rpc-table.py

rpc-table-check:
	@python3 scripts/rpc-table.py --check && echo "rpc-table-check: the README's RPC table matches proto/"

## Benchmarks (release build): RPC throughput and latency, JSON on stdout.
bench: deps venv
	@command -v wrk >/dev/null || { echo "installing: wrk"; $(SUDO) apt-get install -y -qq wrk; }
	$(SWIFT) build -c release --product kinerjad
	$(SWIFT) build -c release --product kinerja-portal
	$(SWIFT) build -c release --product kinerjactl
	$(SWIFT) build -c release --product kinerja-plugin-host
	$(SWIFT) build -c release --product kinerja-plugin-bukittinggi
	$(SWIFT) build -c release --product kinerja-bench
	$(MAKE) --no-print-directory static
	"$$($(SWIFT) build -c release --show-bin-path)/kinerja-bench" --bin-dir "$$($(SWIFT) build -c release --show-bin-path)" \
	  --daemon $(STATIC_DAEMON) --ctl $(STATIC_CTL)

## kinerjad and kinerjactl with the Swift runtime and Foundation linked in ($(STATIC_DAEMON), $(STATIC_CTL)), as installed.
static: deps $(STATIC_TOOLSET)
	$(SWIFT) build $(STATIC_FLAGS) --product kinerjad
	$(SWIFT) build $(STATIC_FLAGS) --product kinerjactl

## The toolset that links with the toolchain's lld (beside its swift).
$(STATIC_TOOLSET):
	@mkdir -p $(STATIC_SCRATCH)
	@printf '{"schemaVersion": "1.0", "linker": {"path": "%s/ld.lld"}}\n' "$$(dirname "$$(readlink -f "$$(command -v $(SWIFT))")")" > $@

clean:
	rm -rf .build .build-protoc $(STATIC_SCRATCH) $(VENV)
