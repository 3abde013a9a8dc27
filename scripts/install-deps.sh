#!/usr/bin/env bash
# Installs every Debian package that dbtwin's build, demo, tests and benchmarks need.
# Idempotent and silent when everything is present; runs `apt-get update` only when a
# package is missing. Must run as root (or through sudo) on Debian 12.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang-format ninja-build ccache
  # libraries
  libpq-dev libmariadb-dev libsqlite3-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev
  libspdlog-dev libfmt-dev libzstd-dev libsodium-dev libcurl4-openssl-dev libssh-dev
  libyaml-cpp-dev libarchive-dev libtomlplusplus-dev libgtest-dev libgmock-dev libbenchmark-dev
  # engines and tools the engines use
  postgresql-15 postgresql-client-15 mariadb-server mariadb-client
  # pools
  btrfs-progs xfsprogs util-linux e2fsprogs
  # dumps
  zstd gzip
  # benchmarks (peak memory)
  time
  # the web page's browser test (tests/ui/)
  chromium
)
# Node may come from elsewhere (e.g. nodesource, whose nodejs ships npm); Debian's otherwise.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # Debian starts the packaged servers on install; dbtwin runs its own, so keep them off.
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
  trap '"${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$(dirname "${BASH_SOURCE[0]}")/install-ui-test-deps.sh"
"$(dirname "${BASH_SOURCE[0]}")/install-bridge-test-deps.sh"
