#!/bin/sh
# deb/rpm post-install: the group that may use the daemon's control socket
# (flexvpn up/down/status without sudo), then the units. The client daemon
# starts right away (with no profiles it only waits); the gateway unit
# starts only once /etc/flexvpn/server.toml exists.
set -e
if ! getent group flexvpn >/dev/null 2>&1; then
	groupadd --system flexvpn 2>/dev/null || addgroup --system flexvpn 2>/dev/null || true
fi
install -d -m 0750 /etc/flexvpn/profiles
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl enable flexvpn.service >/dev/null 2>&1 || true
	systemctl restart flexvpn.service || true
	systemctl try-restart flexvpn-server.service || true
fi
exit 0
