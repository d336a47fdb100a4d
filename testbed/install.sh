#!/usr/bin/env bash
# Install the Debian packages the MediaWiki testbed needs (see /work/shared/TESTBED.md §1).
# Idempotent: does nothing (and needs no root) when every package is already installed.
# nginx and php8.2-fpm are only there to satisfy the dependencies of `mediawiki` without
# pulling in apache2; they are never started (a temporary policy-rc.d blocks autostart).
set -euo pipefail

# chromium + fonts: the browser end-to-end tests drive Debian's Chromium (no browser download works);
# the Noto fonts render Arabic, Hebrew and the Indic scripts in its screenshots.
PACKAGES=(mediawiki php8.2-cli php8.2-fpm nginx php-sqlite3 php-intl php-mbstring php-xml
  php-gd php-curl php-apcu librsvg2-bin chromium fonts-noto-core)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "testbed/install.sh: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "testbed/install.sh: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "testbed/install.sh: installing ${missing[*]}"

# Keep nginx / php-fpm from starting on a normal systemd host.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() {
  if [ "$created_policy" -eq 1 ]; then
    "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d
  fi
}
trap cleanup EXIT

"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"

# If a service still got enabled (e.g. policy-rc.d already existed and allowed it), stop it.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  "${SUDO[@]}" systemctl disable --now nginx php8.2-fpm >/dev/null 2>&1 || true
fi
echo "testbed/install.sh: done"
