#!/bin/bash
# Install a signed kiosk release on a Linux kiosk PC:
#
#   sudo ./install.sh --pub release.pub [--update-root root.json] timeclock-kiosk-VERSION-linux-x86_64.tar.gz
#        [--no-start] [--replace-key]
#   ./install.sh --root DIR --pub release.pub ARCHIVE        (lay the files out under DIR instead of /)
#
# Nothing is installed unless the archive's manifest is signed by the release key and every unpacked file matches it.
# The check trusts nothing inside the archive: the signature is checked with openssl and the files with sha256sum.
#
# Lays out:
#   /opt/timeclock-kiosk/VERSION/              the release (root's, read-only to others), one folder per version
#   /opt/timeclock-kiosk/current               a link to the installed version, switched in one step
#                                              (the folder is the kiosk user's to stage updates in, sticky: it can
#                                              add versions and move its links, never change what root put there)
#   /usr/local/lib/timeclock-kiosk/launch      starts the current version, rolls back a new one that fails
#   /usr/local/bin/timeclock-kiosk             the command line (selftest, verify, provision, secrets, ...)
#   /etc/timeclock-kiosk/release.pub           the pinned release key (`timeclock-kiosk verify` checks against it)
#   /etc/timeclock-kiosk/update-root.json      the update repository's root metadata the kiosk trusts (--update-root)
#   /etc/timeclock-kiosk/kiosk.env             the kiosk's options (kept on upgrades)
#   /etc/systemd/system/timeclock-kiosk.service, /etc/pam.d/timeclock-kiosk
#   /var/lib/timeclock-kiosk                   the data folder, the kiosk user's only (0700)
#   /var/lib/timeclock-kiosk-secrets           the last-resort secrets key's folder, apart from the data (0700)
#   /var/cache/timeclock-kiosk                 caches (fonts, shaders)
# and the system user `timeclock-kiosk`. On the real root it also seals a secrets key with systemd-creds (when the
# machine has it and none is sealed yet), enables the service and (re)starts it.
set -euo pipefail

APP=timeclock-kiosk
USER_NAME=timeclock-kiosk
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=/
PUB=
ARCHIVE=
START=yes
REPLACE_KEY=no
UPDATE_ROOT=

fail() { echo "install: $*" >&2; exit 1; }
say() { echo "install: $*"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
        --pub) PUB=${2:?--pub needs the release public key}; shift 2 ;;
        --no-start) START=no; shift ;;
        --replace-key) REPLACE_KEY=yes; shift ;;
        --update-root) UPDATE_ROOT=${2:?--update-root needs the root metadata file}; shift 2 ;;
        -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) fail "unknown option $1 (see --help)" ;;
        *) [ -z "$ARCHIVE" ] || fail "one archive at a time ($ARCHIVE, $1)"; ARCHIVE=$1; shift ;;
    esac
done
[ -n "$ARCHIVE" ] || fail "give the release archive (see --help)"
[ -n "$PUB" ] || fail "give the release public key with --pub FILE"
[ -f "$ARCHIVE" ] || fail "$ARCHIVE does not exist"
[ -f "$PUB" ] || fail "the release public key $PUB does not exist"
if [ -n "$UPDATE_ROOT" ]; then
    [ -f "$UPDATE_ROOT" ] || fail "the update repository's root metadata $UPDATE_ROOT does not exist"
    grep -q '"_type": *"root"' "$UPDATE_ROOT" || fail "$UPDATE_ROOT is not TUF root metadata (made by \`main.py release-repo init\`)"
fi
[ "$(id -u)" = 0 ] || fail "run as root (sudo), to create the kiosk's user and its folders"
for program in tar gzip sha256sum openssl useradd find sort comm; do
    command -v "$program" >/dev/null || fail "$program is needed (apt-get install coreutils tar gzip openssl passwd findutils)"
done
ROOT=$(cd "$ROOT" && pwd) || fail "$ROOT is not a folder"
R=${ROOT%/}  # prefix for every installed path: empty on the real root
if [ -z "$R" ]; then
    # Debian's cage will not start without Xwayland, though the kiosk itself talks Wayland.
    command -v cage >/dev/null && command -v Xwayland >/dev/null \
        || fail "cage and Xwayland are needed to show the kiosk full screen: apt-get install cage xwayland"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -z "${STAGING:-}" ] || rm -rf "$STAGING"' EXIT

# --- 1. the archive's shape: one top folder, only files, folders and links, nothing outside ------------------------
tar -tvzf "$ARCHIVE" >"$WORK/listing" 2>"$WORK/error" || fail "$ARCHIVE is not a readable .tar.gz: $(head -1 "$WORK/error")"
tar -tzf "$ARCHIVE" >"$WORK/names"
if grep -v '^[-dl]' "$WORK/listing" | grep -q .; then
    fail "$ARCHIVE holds entries that are neither files, folders nor links"
fi
if grep -Eq '^/|(^|/)\.\.(/|$)' "$WORK/names"; then
    fail "$ARCHIVE has entries outside its folder"
fi
TOP=$(cut -d/ -f1 "$WORK/names" | sort -u)
[ "$(printf '%s\n' "$TOP" | wc -l)" = 1 ] || fail "$ARCHIVE must hold one top folder, not: $(echo $TOP)"
[[ "$TOP" =~ ^$APP-[0-9A-Za-z.+~-]+$ ]] || fail "$ARCHIVE's folder $TOP is not $APP-VERSION"

# --- 2. the signature, by the release key, over the manifest --------------------------------------------------------
tar -xzf "$ARCHIVE" -C "$WORK" "$TOP/MANIFEST" "$TOP/MANIFEST.sig" 2>/dev/null \
    || fail "$ARCHIVE is not a signed release: it has no MANIFEST and MANIFEST.sig"
if ! openssl pkeyutl -verify -pubin -inkey "$PUB" -rawin -in "$WORK/$TOP/MANIFEST" \
        -sigfile "$WORK/$TOP/MANIFEST.sig" >"$WORK/openssl" 2>&1; then
    fail "$ARCHIVE's manifest is not signed by the release key $PUB (another key's signature, or a changed manifest)"
fi
MANIFEST=$WORK/$TOP/MANIFEST
[ "$(head -1 "$MANIFEST")" = "timeclock-kiosk release manifest 1" ] || fail "$ARCHIVE's manifest is of an unknown format"
VERSION=$(sed -n '2,/^$/s/^version //p' "$MANIFEST")
[ "$TOP" = "$APP-$VERSION" ] || fail "$ARCHIVE's folder is $TOP but its signed manifest is of version $VERSION"
sed '1,/^$/d' "$MANIFEST" >"$WORK/body"
grep -E '^[0-9a-f]{64}  ' "$WORK/body" >"$WORK/sums" || true
grep -P '^link\t' "$WORK/body" | cut -f2,3 | LC_ALL=C sort >"$WORK/links.expected" || true
if [ "$(($(wc -l <"$WORK/sums") + $(wc -l <"$WORK/links.expected")))" != "$(wc -l <"$WORK/body")" ]; then
    fail "$ARCHIVE's manifest has lines that are neither files nor links"
fi

# --- 3. unpack beside the installed versions and check every file against the manifest ------------------------------
PREFIX=$R/opt/$APP
mkdir -p "$PREFIX"
chmod 0755 "$PREFIX"
STAGING=$(mktemp -d "$PREFIX/.incoming-XXXXXX")
umask 022
tar -xzf "$ARCHIVE" -C "$STAGING" --no-same-owner --no-same-permissions
UNPACKED=$STAGING/$TOP
cut -c67- "$WORK/sums" | LC_ALL=C sort >"$WORK/files.expected"
(cd "$UNPACKED" && find . -type f ! -path ./MANIFEST ! -path ./MANIFEST.sig | cut -c3- | LC_ALL=C sort) >"$WORK/files.found"
(cd "$UNPACKED" && find . -type l -printf '%P\t%l\n' | LC_ALL=C sort) >"$WORK/links.found"
(cd "$UNPACKED" && find . ! -type f ! -type l ! -type d -printf '%P\n') >"$WORK/odd"
[ ! -s "$WORK/odd" ] || fail "$ARCHIVE unpacked entries that are neither files nor links: $(head -5 "$WORK/odd" | paste -sd ' ')"
ADDED=$(LC_ALL=C comm -13 "$WORK/files.expected" "$WORK/files.found" | head -10 | paste -sd ' ')
MISSING=$(LC_ALL=C comm -23 "$WORK/files.expected" "$WORK/files.found" | head -10 | paste -sd ' ')
[ -z "$ADDED" ] || fail "$ARCHIVE does not match its signed manifest; not in the manifest: $ADDED"
[ -z "$MISSING" ] || fail "$ARCHIVE does not match its signed manifest; missing: $MISSING"
cmp -s "$WORK/links.expected" "$WORK/links.found" \
    || fail "$ARCHIVE does not match its signed manifest; links differ: $(LC_ALL=C comm -3 "$WORK/links.expected" "$WORK/links.found" | cut -f1 | head -5 | tr -d '\t' | paste -sd ' ')"
(cd "$UNPACKED" && sha256sum --check --strict --quiet "$WORK/sums") >"$WORK/check" 2>/dev/null \
    || fail "$ARCHIVE does not match its signed manifest; changed: $(sed -n 's/: FAILED$//p' "$WORK/check" | head -10 | paste -sd ' ')"
say "$ARCHIVE: version $VERSION, signature and $(wc -l <"$WORK/sums") files verified"

# --- 4. the pinned release key ----------------------------------------------------------------------------------------
install -d -m 0755 -o root -g root "$R/etc/$APP"
if [ -f "$R/etc/$APP/release.pub" ] && ! cmp -s "$PUB" "$R/etc/$APP/release.pub"; then
    [ "$REPLACE_KEY" = yes ] || fail "this kiosk trusts another release key ($R/etc/$APP/release.pub); to change it on purpose, add --replace-key"
    say "replacing the pinned release key"
fi
install -m 0644 -o root -g root "$PUB" "$R/etc/$APP/release.pub"
if [ -n "$UPDATE_ROOT" ]; then
    if [ -f "$R/etc/$APP/update-root.json" ] && ! cmp -s "$UPDATE_ROOT" "$R/etc/$APP/update-root.json"; then
        # A kiosk follows the repository's key rotations by itself; another repository is a deliberate change.
        [ "$REPLACE_KEY" = yes ] || fail "this kiosk trusts another update repository ($R/etc/$APP/update-root.json); to change it on purpose, add --replace-key"
        say "replacing the trusted update repository root"
    fi
    install -m 0644 -o root -g root "$UPDATE_ROOT" "$R/etc/$APP/update-root.json"
fi

# --- 5. the system user ----------------------------------------------------------------------------------------------
PREFIX_OPTION=()
[ -z "$R" ] || PREFIX_OPTION=(--prefix "$ROOT")
if ! grep -q "^$USER_NAME:" "$R/etc/passwd" 2>/dev/null; then
    useradd "${PREFIX_OPTION[@]}" --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment "Timeclock kiosk" "$USER_NAME"
    say "created the system user $USER_NAME"
fi
USER_ID=$(grep "^$USER_NAME:" "$R/etc/passwd" | cut -d: -f3)
GROUP_ID=$(grep "^$USER_NAME:" "$R/etc/passwd" | cut -d: -f4)
for group in video render input; do
    if grep -q "^$group:" "$R/etc/group" 2>/dev/null; then
        usermod "${PREFIX_OPTION[@]}" --append --groups "$group" "$USER_NAME"
    fi
done

# --- 6. the release, then the link that makes it current -------------------------------------------------------------
chown -R root:root "$UNPACKED"
chmod -R u+rwX,go+rX,go-w "$UNPACKED"
if [ -e "$PREFIX/$VERSION" ]; then
    mv "$PREFIX/$VERSION" "$STAGING/previous-$VERSION"  # the same version again: replaced whole
fi
mv "$UNPACKED" "$PREFIX/$VERSION"
ln -sfn "$VERSION" "$PREFIX/.current-new"
mv -T "$PREFIX/.current-new" "$PREFIX/current"
# The kiosk stages updates beside the installed versions and moves the links itself: the folder is its group's, with
# the sticky bit, so it can add versions and replace the links it owns, never remove or change what root installed.
chown root:"$GROUP_ID" "$PREFIX"
chmod 1775 "$PREFIX"
chown -h "$USER_ID:$GROUP_ID" "$PREFIX/current"
[ ! -L "$PREFIX/previous" ] || chown -h "$USER_ID:$GROUP_ID" "$PREFIX/previous"

# --- 7. the data folders, the unit, the PAM service, the command line ------------------------------------------------
for folder in "/var/lib/$APP" "/var/lib/$APP-secrets" "/var/cache/$APP"; do
    install -d -m 0755 "$R$(dirname "$folder")"
    install -d -m 0700 -o "$USER_ID" -g "$GROUP_ID" "$R$folder"
    chown -R "$USER_ID:$GROUP_ID" "$R$folder"  # files a command run as root may have left
done
install -D -m 0644 -o root -g root "$HERE/timeclock-kiosk.service" "$R/etc/systemd/system/$APP.service"
install -D -m 0644 -o root -g root "$HERE/pam-timeclock-kiosk" "$R/etc/pam.d/$APP"
install -D -m 0755 -o root -g root "$HERE/timeclock-kiosk.sh" "$R/usr/local/bin/$APP"
install -D -m 0755 -o root -g root "$HERE/timeclock-kiosk-launch" "$R/usr/local/lib/$APP/launch"
if [ ! -f "$R/etc/$APP/kiosk.env" ]; then
    printf '%s\n' "# Options of the kiosk service: the camera (device index, video file or stream URL)." \
        "KIOSK_OPTIONS=--camera 0" >"$R/etc/$APP/kiosk.env"
    chmod 0644 "$R/etc/$APP/kiosk.env"
fi

# --- 8. on the real machine: seal the secrets key, enable and start the service ---------------------------------------
if [ -z "$R" ]; then
    CREDENTIAL=/etc/$APP/secrets-key.cred
    if [ ! -f "$CREDENTIAL" ] && command -v systemd-creds >/dev/null; then
        if ! "/usr/local/bin/$APP" secrets --data-dir "/var/lib/$APP" seal --credential "$CREDENTIAL"; then
            # The kiosk still runs, on its last-resort store, and says so in selftest and on its settings screen.
            say "WARNING: sealing the secrets key with systemd-creds failed (see above): the kiosk's secrets are" \
                "protected by file permissions only until \`timeclock-kiosk secrets seal\` succeeds"
        fi
    fi
    if [ -f "$CREDENTIAL" ]; then
        install -d -m 0755 "/etc/systemd/system/$APP.service.d"
        printf '[Service]\nLoadCredentialEncrypted=%s.secrets-key:%s\n' "$APP" "$CREDENTIAL" \
            >"/etc/systemd/system/$APP.service.d/10-secrets-key.conf"
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        systemctl enable "$APP.service"
        if [ "$START" = yes ]; then
            systemctl restart "$APP.service"
        fi
    else
        say "systemd is not running here; the service starts at the next boot"
    fi
fi
say "installed $APP $VERSION in $R/opt/$APP/$VERSION"
