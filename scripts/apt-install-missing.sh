#!/usr/bin/env bash
# Installs those of the named Debian packages that are not installed yet, without letting their
# services start (dbtwin and its tests run their own servers). Silent when nothing is missing;
# runs `apt-get update` only when something is.
# Usage: scripts/apt-install-missing.sh LABEL PACKAGE...   (LABEL prefixes the one line it prints)
set -euo pipefail
label=$1
shift

missing=()
for p in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
((${#missing[@]})) || exit 0

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
echo "$label: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
# Debian starts a packaged server on install (PostgreSQL, MariaDB, sshd); policy-rc.d says no.
printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
"${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
trap '"${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
