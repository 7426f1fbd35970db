#!/bin/bash
# Remove the kiosk from a Linux kiosk PC:
#
#   sudo ./uninstall.sh [--purge] [--root DIR]
#
# Stops and disables the service and removes the releases, the unit, the PAM service and the command line. The
# kiosk's data stays: the data folder (its punches), the secrets key's folder, /etc/timeclock-kiosk (the pinned release
# key, the options and the sealed secrets key, without which the secrets in the data folder cannot be opened) and the
# system user that owns them. --purge removes those too.
set -euo pipefail

APP=timeclock-kiosk
USER_NAME=timeclock-kiosk
ROOT=/
PURGE=no
fail() { echo "uninstall: $*" >&2; exit 1; }
say() { echo "uninstall: $*"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
        --purge) PURGE=yes; shift ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown argument $1 (see --help)" ;;
    esac
done
[ "$(id -u)" = 0 ] || fail "run as root (sudo)"
ROOT=$(cd "$ROOT" && pwd) || fail "$ROOT is not a folder"
R=${ROOT%/}

if [ -z "$R" ] && [ -d /run/systemd/system ]; then
    systemctl disable --now "$APP.service" 2>/dev/null || true
fi
rm -rf "$R/opt/$APP" "$R/etc/systemd/system/$APP.service" "$R/etc/systemd/system/$APP.service.d" \
    "$R/etc/pam.d/$APP" "$R/usr/local/bin/$APP" "$R/usr/local/lib/$APP"
if [ -z "$R" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
if [ "$PURGE" = yes ]; then
    rm -rf "$R/var/lib/$APP" "$R/var/lib/$APP-secrets" "$R/var/cache/$APP" "$R/etc/$APP"
    if grep -q "^$USER_NAME:" "$R/etc/passwd" 2>/dev/null; then
        if [ -z "$R" ]; then userdel "$USER_NAME"; else userdel --prefix "$ROOT" "$USER_NAME"; fi
    fi
    say "removed $APP, its data, its keys and its user"
else
    rm -rf "$R/var/cache/$APP"
    say "removed $APP; kept its data in $R/var/lib/$APP, $R/var/lib/$APP-secrets and $R/etc/$APP (--purge removes them)"
fi
