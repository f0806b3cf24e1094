#!/usr/bin/env bash
# System programs some tests drive: Debian's headless Chromium (web pages, the
# human-rating kit) and poppler (pdftotext/pdftoppm read our PDFs back).
# Installs only what is missing, only where apt-get is available.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "note: install ${missing[*]} with your package manager; the tests that need them will be skipped" >&2
    exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}"
