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

"$(dirname "${BASH_SOURCE[0]}")/apt-install-missing.sh" install-deps "${packages[@]}"
"$(dirname "${BASH_SOURCE[0]}")/install-ui-test-deps.sh"
"$(dirname "${BASH_SOURCE[0]}")/install-bridge-test-deps.sh"
