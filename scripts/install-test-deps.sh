#!/usr/bin/env bash
# Installs the Debian packages the test suite talks to (openssl for certificates; Twisted, ngircd,
# haproxy, finger and PostgreSQL as interoperability peers
# and servers). Runs before `npm test`; does nothing when everything is present, so it is cheap
# to repeat.
set -euo pipefail
packages=(openssl python3-twisted ngircd haproxy finger postgresql)
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: missing Debian packages: ${need[*]} (no apt-get here; install them by hand)" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
