#!/usr/bin/env bash
# Sets a fresh Debian machine up to build ipfailoverd and, with --test, to run its tests.
# Run as root from the repository. Installs only what is missing; safe to run again.
#   bash packaging/setup.sh          Node.js ≥ 20, a C toolchain for the native parts, iproute2; npm ci
#   bash packaging/setup.sh --test   the above, plus keepalived, FRR (its vrrpd) and tcpdump for the interop tests
#                                    and the benchmark, promtool (package prometheus) for the metrics, stress-ng for its loaded-machine case,
#                                    nftables for the chaos soak,
#                                    debootstrap and systemd-analyze for the package test,
#                                    systemd-nspawn for the test under a booted systemd
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."

want_test=0
# Anything else is refused before it installs or runs anything (a --help once ran npm ci).
case "${1:-}" in
  "") ;;
  --test) want_test=1 ;;
  *) sed -n '2,9s/^# \{0,1\}//p' "$self" >&2; echo "setup.sh: unknown argument: $1" >&2; exit 64 ;;
esac
[ $# -le 1 ] || { echo "setup.sh: one argument at most (--test)" >&2; exit 64; }

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
command -v make >/dev/null 2>&1 || need+=(make)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ $want_test = 1 ]; then
  command -v keepalived >/dev/null 2>&1 || need+=(keepalived)
  # FRR's vrrpd (test/interop/frr.test.ts): the tests run zebra and vrrpd in their own namespaces,
  # from their own directories; the package's service (zebra and watchfrr on the host) is not used.
  # When we install the package, its service is masked first so that it never starts; an FRR that
  # was installed already is the administrator's and left as it is.
  if [ ! -x /usr/lib/frr/vrrpd ]; then
    need+=(frr)
    if [ -d /run/systemd/system ]; then systemctl mask frr.service >/dev/null; fi
  fi
  command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
  # promtool (Debian's prometheus): the metrics exposition and the alert rules are checked with it.
  command -v promtool >/dev/null 2>&1 || need+=(prometheus)
  # npm run bench: takeovers with every core busy (stress-ng --cpu 0).
  command -v stress-ng >/dev/null 2>&1 || need+=(stress-ng)
  # The chaos soak's isolation and packet loss (bridge-family rules; this kernel has no netem).
  command -v nft >/dev/null 2>&1 || need+=(nftables)
  # The package test: a Debian 13 root to install the .deb into, and systemd-analyze for the units.
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
  # The units under a real systemd: that root booted with systemd-nspawn (systemd-boot.test.ts).
  command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "setup: Node.js $(node --version) is too old; ipfailoverd needs Node.js 20 or newer (Debian 13 ships it)" >&2
  exit 1
fi

# Dependencies exactly as locked; native parts are built here (see allowScripts in package.json).
npm ci --no-audit --no-fund
npm run build
