#!/usr/bin/env bash
# Installs what the bridge tests (tests/integration/bridge/) need: an OpenSSH server for the SFTP
# bridge, the aws CLI for S3 interoperability, and npm's s3rver (a local S3-compatible server)
# into DBTWIN_NODE_DIR (default /var/cache/dbtwin/node), where tests/support/s3rver.cc looks for
# it. Idempotent and silent when everything is present.
set -euo pipefail

# s3rver 3.7.1 is the last release; it runs on Node 14+ (checked on Node 20).
s3rver_version=3.7.1
dir=${DBTWIN_NODE_DIR:-/var/cache/dbtwin/node}
manifest=$dir/node_modules/s3rver/package.json

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)

missing=()
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
command -v aws >/dev/null || missing+=(awscli)
if ((${#missing[@]})); then
  echo "install-bridge-test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # Debian starts sshd on install; the tests run their own on a free port, so keep it off.
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
  trap '"${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ -f $manifest ]] && grep -q "\"version\": \"$s3rver_version\"" "$manifest"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-bridge-test-deps: npm is missing; install nodejs and npm first" >&2
  exit 1
fi
echo "install-bridge-test-deps: installing s3rver@$s3rver_version into $dir"
"${sudo_cmd[@]}" mkdir -p "$dir"
[[ -f $dir/package.json ]] ||
  echo '{"name":"dbtwin-test-deps","private":true}' | "${sudo_cmd[@]}" tee "$dir/package.json" >/dev/null
"${sudo_cmd[@]}" npm install --prefix "$dir" --no-audit --no-fund --silent --save-exact \
  "s3rver@$s3rver_version" >/dev/null
