#!/usr/bin/env bash
# Debian packages that PyPI cannot provide: Java for PySpark (local mode); pango, fonts and
# HarfBuzz-subset for WeasyPrint (PDF reports); Chromium for the browser tests (Playwright drives
# /usr/bin/chromium and never downloads a browser of its own); npm for axe-core. Installed only
# when missing, so on a machine that has them this does nothing and needs no root.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
ldconfig -p 2>/dev/null | grep -q libpangoft2 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
# Font subsetting in C; without it WeasyPrint falls back to fontTools (seconds slower per PDF).
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || need+=(libharfbuzz-subset0)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
[ -x /usr/bin/chromium ] || need+=(chromium)
# npm brings axe-core for the accessibility test (scripts/test.sh); the machine usually has it.
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ "${#need[@]}" -gt 0 ]; then
  echo "Debian-pakketten installeren: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
