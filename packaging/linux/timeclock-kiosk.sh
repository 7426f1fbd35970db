#!/bin/sh
# timeclock-kiosk COMMAND ...: the installed kiosk's command line (selftest, verify, provision, secrets, timesheet...).
# Run as root, the command may create files in the data folder; they are handed back to the kiosk's user afterwards,
# because the kiosk service runs as that user and must be able to write them.
export TIMECLOCK_DATA_DIR=/var/lib/timeclock-kiosk
export TIMECLOCK_SECRETS_KEY=/var/lib/timeclock-kiosk-secrets/secrets.key
export TIMECLOCK_RELEASE_PUB=/etc/timeclock-kiosk/release.pub
/opt/timeclock-kiosk/current/timeclock-kiosk "$@"
status=$?
if [ "$(id -u)" = 0 ]; then
    chown -R timeclock-kiosk:timeclock-kiosk /var/lib/timeclock-kiosk /var/lib/timeclock-kiosk-secrets 2>/dev/null
fi
exit $status
