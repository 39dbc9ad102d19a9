#!/bin/sh
# Installs the Debian packages fleetmind needs beyond PyPI: Chromium for the
# browser device (Playwright drives /usr/bin/chromium; it never downloads a browser),
# a C/C++ compiler for llama-cpp-python's build, and Tesseract with its English data for
# reading screens that have no element tree (canvas pages, games).
# Idempotent: does nothing when all are already there.
set -eu

# fonts-liberation is only a Recommends of chromium, and we skip recommends (printer and
# notification daemons); pages need real fonts to render like a desktop browser.
PACKAGES=""
if [ ! -x /usr/bin/chromium ]; then
    PACKAGES="chromium chromium-driver fonts-liberation"
fi
# llama-cpp-python compiles llama.cpp on install: it needs a C/C++ compiler.
if ! command -v cc >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
    PACKAGES="$PACKAGES build-essential"
fi

# OCR of screens without an element tree: pytesseract runs the tesseract program.
if ! command -v tesseract >/dev/null 2>&1; then
    PACKAGES="$PACKAGES tesseract-ocr tesseract-ocr-eng"
elif ! tesseract --list-langs 2>/dev/null | grep -qx eng; then
    PACKAGES="$PACKAGES tesseract-ocr-eng"
fi

if [ -z "$PACKAGES" ]; then
    echo "install-system-deps: nothing to install ($(/usr/lib/chromium/chromium --version 2>/dev/null || echo chromium), $(cc --version | head -n 1), $(tesseract --version 2>/dev/null | head -n 1))"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    echo "install-system-deps: missing packages ($PACKAGES) and this user cannot install them; run as root:" >&2
    echo "    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: apt-get not found; install these with your system's package manager: $PACKAGES" >&2
    echo "    (fleetmind looks for /usr/lib/chromium/chromium, /usr/bin/chromium or chromium on PATH," >&2
    echo "    and for tesseract on PATH with its English data)" >&2
    exit 1
fi

echo "install-system-deps: installing $PACKAGES"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES
echo "install-system-deps: done"
