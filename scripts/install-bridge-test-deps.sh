#!/usr/bin/env bash
# Installs what the bridge tests (tests/integration/bridge/) need: an OpenSSH server for the SFTP
# bridge, the aws CLI for S3 interoperability, and npm's s3rver (a local S3-compatible server)
# into DBTWIN_NODE_DIR (default /var/cache/dbtwin/node), where tests/support/s3rver.cc looks for
# it. Idempotent and silent when everything is present.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")

# An aws CLI from elsewhere (AWS's own installer, pip) will do as well as Debian's.
packages=(openssh-server)
command -v aws >/dev/null || packages+=(awscli)
"$here/apt-install-missing.sh" install-bridge-test-deps "${packages[@]}"
# s3rver 3.7.1 is the last release; it runs on Node 14+ (checked on Node 20).
"$here/npm-install-pinned.sh" install-bridge-test-deps s3rver 3.7.1
