#!/bin/sh
# deb/rpm post-remove: forget the unit files.
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
