#!/usr/bin/env bash
# The README's test command for a fresh Debian/Ubuntu machine: installs what the tests need
# (Debian's chromium, xvfb, ffmpeg, debootstrap, docker.io and docker-registry; npm dependencies), starts dockerd
# when no daemon answers, then runs `npm test`, whose last line is `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v xdpyinfo >/dev/null 2>&1 || need+=(x11-utils)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
# The registry the image-pull suite pushes to and pulls from (run on loopback, not as a service).
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v git >/dev/null 2>&1 || need+=(git)
# The fault suite's own Docker daemon runs in a network namespace (ip netns, nsenter).
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
# The swarm suite's nodes get TLS certificates made with openssl.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" \
    || { echo "apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
fi

if ! docker info >/dev/null 2>&1; then
  echo "No Docker daemon answers; starting dockerd in the background (log: /tmp/lancer-dockerd.log)"
  $SUDO sh -c 'nohup dockerd > /tmp/lancer-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || echo "warning: dockerd did not come up; Docker suites will fail (see /tmp/lancer-dockerd.log)"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm dependencies (npm ci)…"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

exec npm test
