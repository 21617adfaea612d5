# flexvpn build targets. `make test` is what README and .ci/run call.
GO      ?= go
PKGS    ?= ./...
FUZZTIME ?= 10s
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo development)

.PHONY: build gui test lint fuzz cross bench demo package

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/flexvpn ./cmd/flexvpn

# The desktop front end is its own binary: Fyne needs cgo and the OpenGL
# and X11 headers (the packages .ci/run installs), which the router binary
# must not link. Without the gui tag it builds as a stub that says so.
GUI_LIBS := gl x11 xcursor xrandr xinerama xi xxf86vm
HAVE_GUI_LIBS := $(shell pkg-config --exists $(GUI_LIBS) 2>/dev/null && command -v gcc >/dev/null && echo yes)

gui:
	$(GO) build -tags gui -ldflags "-X main.version=$(VERSION)" -o bin/flexvpn-gui ./cmd/flexvpn-gui

# Installers in dist/: .deb and .rpm (amd64, arm64; systemd) and .ipk for
# OpenWrt targets (procd). See packaging/build.sh for the knobs.
package:
	GO="$(GO)" bash packaging/build.sh

# Unit tests plus, when root with ip netns, the namespace interop tests;
# the GUI's real (gui-tagged) build too where its C headers are present.
test: lint
	$(GO) test -count=1 $(PKGS)
ifeq ($(HAVE_GUI_LIBS),yes)
	$(GO) test -count=1 -tags gui ./cmd/flexvpn-gui
else
	@echo "note: GL/X11 headers not found: the Fyne build of cmd/flexvpn-gui was not checked (.ci/run installs them)"
endif

lint:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
ifeq ($(HAVE_GUI_LIBS),yes)
	$(GO) vet -tags gui ./cmd/flexvpn-gui
endif

# A short run of every fuzz target, one at a time (go test allows one per run).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

cross:
	@set -e; for t in linux/amd64 linux/arm64 linux/arm linux/mips linux/mipsle windows/amd64 darwin/arm64; do \
	  os=$${t%/*}; arch=$${t#*/}; echo "== $$t"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOMIPS=softfloat $(GO) build -o /dev/null ./cmd/flexvpn; \
	done

demo: build
	./bin/flexvpn demo
