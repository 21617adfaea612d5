#!/bin/sh
# deb/rpm pre-remove: stop the units so tunnels are torn down (routes,
# resolv.conf restored) while the binary is still there. On an upgrade
# postinstall restarts them with the new binary.
set -e
if [ -d /run/systemd/system ]; then
	systemctl stop flexvpn.service flexvpn-server.service >/dev/null 2>&1 || true
	case "$1" in
	remove | purge | 0) systemctl disable flexvpn.service flexvpn-server.service >/dev/null 2>&1 || true ;;
	esac
fi
exit 0
