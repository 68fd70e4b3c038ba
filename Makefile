# Atrium — the two front-door commands are `make run` and `make test` (see README.md).

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
DATA ?= ./data
PORT ?= 8080
HOST ?= 127.0.0.1
# Debian packages the build and the tests need (the Swift toolchain itself is not from apt).
APT_PACKAGES := libwebsockets-dev libwebsockets-evlib-uv libuv1-dev libsqlite3-dev libssl-dev pkg-config sqlite3 curl \
                chromium chromium-driver python3-selenium iproute2 nodejs coturn janus

.PHONY: run test test-browser deps build build-release clean

## Install what is missing, build, and run the server with the demo school on ./data.
run: deps build-release
	.build/release/atrium demo --data $(DATA) --host $(HOST) --port $(PORT)

## Install what is missing, build, and run every test: Swift (unit + integration), the web
## client's pure modules under Node (web/tests: OT and board models), then the browser client
## in headless Chromium (tests/browser/run.sh; screenshots in artifacts/).
test: deps build
	swift test --no-parallel
	node --test web/tests/
	ATRIUM_BIN=.build/debug/atrium tests/browser/run.sh

## Only the browser tests (expects a built server: .build/debug/atrium).
test-browser:
	tests/browser/run.sh

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	  case "$$missing" in *janus*|*coturn*) \
	    echo "janus and coturn are installed for the tests, which start their own on loopback: their system services stay off"; \
	    $(SUDO) systemctl disable --now janus coturn >/dev/null 2>&1 || true;; \
	  esac; \
	fi
	@command -v swift >/dev/null || { echo "Swift 6 is required: https://www.swift.org/install/linux/ (put it on PATH)"; exit 1; }

build:
	swift build

build-release:
	swift build -c release --product atrium

clean:
	rm -rf .build
