#!/usr/bin/env bash
# Installs the Debian packages Berth builds and tests with, if any is missing.
# Usage: tools/scripts/install-deps.sh [extra packages...]
set -euo pipefail
packages=(libmicrohttpd-dev libsqlite3-dev libarchive-dev libssl-dev libpq-dev libcurl4-openssl-dev pkg-config "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
