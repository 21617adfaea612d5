// Package packaging holds no code: it is the home of the installers'
// sources (nfpm.yaml, systemd units, the OpenWrt procd script, maintainer
// scripts, build.sh) and of the tests that build the .deb, .rpm and .ipk
// packages and check what they install.
package packaging
