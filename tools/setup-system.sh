#!/bin/sh
# Install the Debian packages the pipeline needs; safe to rerun (installs only what is missing).
# Runs apt-get as root, or through sudo when not root.
set -eu

# libvoikko1 + voikko-fi: Voikko and its Finnish dictionary (segmentation, Finnish checks).
# wamerican + wbritish: English word lists (untranslated-English detection).
# dict-freedict-fin-eng + dict-freedict-eng-fin: the Finnish-English dictionary (sentence alignment).
# python3-venv: `python3 -m venv`, which bootstraps the locked toolchain on Debian's Python.
# chromium: headless browser the report test opens report.html in (pipeline/testing/browser.py).
PACKAGES="libvoikko1 voikko-fi wamerican wbritish dict-freedict-fin-eng dict-freedict-eng-fin python3-venv chromium"

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        "install ok installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done

# LanguageTool 6.x (English checks) runs on Java >= 17 and is assembled with Maven where its own
# download is not possible (make languagetool). Checked by command, not package name: any Java >= 17
# will do. default-jre-headless is Java 17 on Debian 12 (21 on Debian 13).
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
if [ "${java_major:-0}" -lt 17 ]; then
    missing="$missing default-jre-headless"
fi
if ! command -v mvn >/dev/null 2>&1; then
    missing="$missing maven"
fi
PACKAGES="$PACKAGES java>=17 mvn"

if [ -z "$missing" ]; then
    echo "setup: Debian packages present:$(printf ' %s' $PACKAGES)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "setup: need root or sudo to install Debian packages:$missing" >&2
    exit 1
fi

echo "setup: installing Debian packages:$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
