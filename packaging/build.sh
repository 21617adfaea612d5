#!/usr/bin/env bash
# Builds the installable packages into $OUT (default dist/):
#   .deb and .rpm for amd64 and arm64 (systemd),
#   .ipk for common OpenWrt targets (procd),
#   gui: flexvpn-gui as .deb and .rpm for the host's architecture (cgo).
# Usage: packaging/build.sh [deb] [rpm] [ipk] [gui]   (default: all four)
# Environment: VERSION (default from git), OUT, GO, NFPM, DEB_ARCHES,
# IPK_TARGETS. Run from the repository root (make package does).
set -euo pipefail

GO=${GO:-go}
OUT=${OUT:-dist}
# nFPM writes deb, rpm and ipk from one description without dpkg-deb,
# rpmbuild or the OpenWrt SDK; run at a pinned version, it never enters
# go.mod or the binary.
NFPM=${NFPM:-"$GO run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2"}
DEB_ARCHES=${DEB_ARCHES:-"amd64 arm64"}
# OpenWrt architecture=GOARCH[/GOARM]. MIPS routers have no FPU (softfloat).
IPK_TARGETS=${IPK_TARGETS:-"x86_64=amd64 aarch64_cortex-a53=arm64 aarch64_generic=arm64 arm_cortex-a7_neon-vfpv4=arm/7 arm_cortex-a9=arm/5 mips_24kc=mips mipsel_24kc=mipsle"}

version() {
	if [ -n "${VERSION:-}" ]; then
		echo "$VERSION"
		return
	fi
	# No release tags yet: 0.0.0+git<commits>.<hash> sorts upwards in dpkg,
	# rpm and opkg alike.
	local n h
	n=$(git rev-list --count HEAD 2>/dev/null || echo 0)
	h=$(git rev-parse --short=8 HEAD 2>/dev/null || echo unknown)
	echo "0.0.0+git${n}.${h}"
}

# build GOARCH GOARM: a static, stripped binary; prints its path.
build() {
	local arch=$1 arm=${2:-} bin="$OUT/bin/flexvpn-linux-$1${2:+v$2}"
	mkdir -p "$OUT/bin"
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch GOARM=$arm GOMIPS=softfloat \
		$GO build -trimpath -ldflags "-s -w -X main.version=$VER" -o "$bin" ./cmd/flexvpn
	echo "$bin"
}

# buildGUI: flexvpn-gui for the host (Fyne needs cgo and the host's GL and
# X11 libraries); prints its path. No -trimpath: the cgo packages then
# come from the cache `go test` filled.
buildGUI() {
	local bin="$OUT/bin/flexvpn-gui-linux-$($GO env GOARCH)"
	mkdir -p "$OUT/bin"
	CGO_ENABLED=1 $GO build -tags gui -ldflags "-s -w -X main.version=$VER" -o "$bin" ./cmd/flexvpn-gui
	echo "$bin"
}

# pack PACKAGER ARCH BINARY [CONFIG]
pack() {
	ARCH=$2 BINARY=$3 VERSION=$VER $NFPM package --config "${4:-packaging/nfpm.yaml}" --packager "$1" --target "$OUT/" >&2
}

VER=$(version)
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(deb rpm ipk gui)
mkdir -p "$OUT"
for f in "${formats[@]}"; do
	case $f in
	deb | rpm)
		for a in $DEB_ARCHES; do pack "$f" "$a" "$(build "$a")"; done
		;;
	ipk)
		for t in $IPK_TARGETS; do
			owrt=${t%%=*} spec=${t#*=}
			goarch=${spec%%/*} goarm=""
			[ "$spec" = "$goarch" ] || goarm=${spec#*/}
			pack ipk "$owrt" "$(build "$goarch" "$goarm")"
		done
		;;
	gui)
		bin=$(buildGUI)
		for p in deb rpm; do pack "$p" "$($GO env GOARCH)" "$bin" packaging/nfpm-gui.yaml; done
		;;
	*)
		echo "build.sh: unknown format $f (want deb, rpm, ipk or gui)" >&2
		exit 2
		;;
	esac
done
ls -l "$OUT"/*.deb "$OUT"/*.rpm "$OUT"/*.ipk 2>/dev/null || true
