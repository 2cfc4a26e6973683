#!/usr/bin/env bash
# Builds the Debian package of ipfailoverd: `npm run package`, or
#   bash packaging/build-deb.sh [--out DIR] [--no-compile]
# Prints the path of the .deb on the last line of stdout (progress goes to stderr).
# --no-compile packages dist/src as it is instead of running `npm run build` first (the package
# test does that: tests run from dist/ while it builds).
#
# The application goes to /usr/lib/ipfailoverd: package.json, dist/src, the N-API addon and the
# production node_modules, installed with `npm ci --omit=dev` from the lock file in a staging
# copy (so the native parts are built there, for this machine's Node.js ABI and architecture).
# Needs what `bash packaging/setup.sh` installs (node, npm, a C toolchain) plus dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

out=$repo
compile=1
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --no-compile) compile=0; shift ;;
    *) echo "build-deb: unknown argument $1 (usage: build-deb.sh [--out DIR] [--no-compile])" >&2; exit 64 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { echo "build-deb: $*" >&2; }

name=ipfailoverd
semver=$(node -p 'require("./package.json").version')
# A semver pre-release (1.0.0-rc.1) sorts before its release; in Debian that takes a tilde.
version=${semver/-/\~}
arch=$(dpkg --print-architecture)
node_major=$(node -p 'process.versions.node.split(".")[0]')
node_arch=$(node -p 'process.arch')
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
build_date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
maintainer=${DEB_MAINTAINER:-ipfailoverd maintainers <maintainers@ipfailoverd.invalid>}

work=$(mktemp -d /tmp/ipfailoverd-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
umask 022

if [ $compile = 1 ]; then
  say "compiling TypeScript"
  npm run build --silent >&2
elif [ ! -f dist/src/cli/ipfailoverd.js ]; then
  say "dist/src is missing: run npm run build (or leave out --no-compile)"
  exit 1
fi

# --- the application, with production dependencies only --------------------------------------
app=$work/app
mkdir -p "$app"
cp package.json package-lock.json binding.gyp "$app/"
cp -r native "$app/"
say "npm ci --omit=dev in a staging copy (builds raw-socket and the addon for Node.js $node_major)"
(cd "$app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2)
mkdir -p "$app/dist"
cp -r dist/src "$app/dist/src"
find "$app/dist" -name '*.map' -delete

# Only what runs: the built addons, not their build trees; no TypeScript sources, declarations or
# source maps; the netlink prebuild for this architecture only.
addon=build/Release/ipfailoverd_native.node
mv "$app/$addon" "$work/addon.node"
rm -rf "$app/build" "$app/native" "$app/binding.gyp" "$app/package-lock.json" "$app/node_modules/.package-lock.json"
mkdir -p "$app/build/Release"
mv "$work/addon.node" "$app/$addon"
# A native package's build/ holds its node-gyp tree: keep the .node files in it, nothing else.
find "$app/node_modules" -name binding.gyp -printf '%h\0' | while IFS= read -r -d '' pkg; do
  [ -d "$pkg/build" ] || continue
  find "$pkg/build" -type d -name obj.target -prune -exec rm -rf {} +
  find "$pkg/build" -type f ! -name '*.node' -delete
  find "$pkg/build" -mindepth 1 -type d -empty -delete
done
find "$app/node_modules" -type d -name '@types' -prune -exec rm -rf {} +
find "$app/node_modules" -type f \( -name '*.ts' -o -name '*.map' \) -delete
find "$app/node_modules" -mindepth 1 -type d -empty -delete
for dir in "$app"/node_modules/*/prebuilds "$app"/node_modules/@*/*/prebuilds; do
  [ -d "$dir" ] || continue
  find "$dir" -mindepth 1 -maxdepth 1 -type d ! -name "linux-$node_arch" -exec rm -rf {} +
done
if command -v strip >/dev/null 2>&1; then
  find "$app" -name '*.node' -type f -exec strip --strip-unneeded {} +
fi

# --- the package tree ---------------------------------------------------------------------------
root=$work/root
mkdir -p "$root/usr/lib" "$root/usr/bin" "$root/usr/lib/systemd/system" "$root/usr/lib/sysctl.d" \
  "$root/usr/lib/sysusers.d" "$root/etc/$name" "$root/usr/share/man/man8" "$root/usr/share/doc/$name" "$root/DEBIAN"
mv "$app" "$root/usr/lib/$name"

for cmd in ipfailoverd ipfailoverctl; do
  cat >"$root/usr/bin/$cmd" <<EOF
#!/bin/sh
# --no-expose-wasm: nothing here uses WebAssembly, so none of it is reachable.
exec /usr/bin/node --no-expose-wasm /usr/lib/$name/dist/src/cli/$cmd.js "\$@"
EOF
  chmod 0755 "$root/usr/bin/$cmd"
done

install -m 0644 systemd/ipfailoverd.service systemd/ipfailoverd.socket "$root/usr/lib/systemd/system/"
install -m 0644 packaging/sysctl.conf "$root/usr/lib/sysctl.d/50-$name.conf"
install -m 0644 packaging/sysusers.conf "$root/usr/lib/sysusers.d/$name.conf"
install -m 0644 config.example.json "$root/etc/$name/config.json"
install -m 0644 README.md packaging/README.Debian "$root/usr/share/doc/$name/"
# For the metrics endpoint (metrics.listen): Prometheus alert rules and a Grafana dashboard, to
# copy into the monitoring stack. Under /usr/share, not doc/: minimal images drop doc/.
install -D -m 0644 packaging/prometheus/ipfailoverd-alerts.yml "$root/usr/share/$name/prometheus/ipfailoverd-alerts.yml"
install -D -m 0644 packaging/grafana/ipfailoverd-dashboard.json "$root/usr/share/$name/grafana/ipfailoverd-dashboard.json"
cat >"$root/usr/share/doc/$name/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: $name
Comment: The production npm dependencies under /usr/lib/$name/node_modules carry their own
 licence files.

Files: *
License: $(node -p 'require("./package.json").license')
EOF

# Manual pages: ipfailoverd's from its --help (man-style) plus the package's notes;
# ipfailoverctl's from its usage text.
say "manual pages"
{ node dist/src/cli/ipfailoverd.js --help; echo; cat packaging/man-systemd.txt; } |
  node packaging/help-to-man.mjs ipfailoverd 8 "$version" "$build_date" >"$work/ipfailoverd.8"
{ node dist/src/cli/ipfailoverctl.js help; printf '\nSEE ALSO\n    ipfailoverd(8)\n'; } |
  node packaging/help-to-man.mjs ipfailoverctl 8 "$version" "$build_date" --usage 'operator command line for ipfailoverd' \
  >"$work/ipfailoverctl.8"
for page in ipfailoverd ipfailoverctl; do
  gzip -9n <"$work/$page.8" >"$root/usr/share/man/man8/$page.8.gz"
done

# --- control data -------------------------------------------------------------------------------
# Depends: the native raw-socket addon is built for one Node.js ABI (NODE_MODULE_VERSION), which
# changes with every major version: the package needs the major it was built with.
installed_size=$(du -sk --apparent-size "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: nodejs (>= $node_major), nodejs (<< $((node_major + 1))), adduser
Section: net
Priority: optional
Description: in-guest VRRPv3 daemon for cloud IP failover groups
 ipfailoverd runs inside each VM of a cloud IP failover group (several VMs sharing a
 reserved public IP, as IONOS offers) and elects the VM that holds the IP with VRRPv3
 (RFC 9568), without virtual MAC addresses: the new master announces the IP from its own
 MAC with gratuitous ARP or unsolicited Neighbor Advertisements. Interoperates with
 keepalived and FRR.
 .
 Runs as a sandboxed systemd service under an unprivileged user with CAP_NET_RAW and
 CAP_NET_ADMIN only. Not enabled on installation.
EOF
echo "/etc/$name/config.json" >"$root/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"

chmod -R u+rwX,go+rX,go-w "$root"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

deb=$out/${name}_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
say "$(du -h "$deb" | cut -f1) (installed $((installed_size / 1024)) MiB): $deb"
echo "$deb"
