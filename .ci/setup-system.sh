#!/usr/bin/env bash
# Installs the real parts the tests drive: syslog-ng (Debian package), rsyslog (unpacked beside it,
# the two conflict as packages), lognormalizer, tinyproxy, openssl, and the Bicep CLI from NuGet.
# With --with-node22 it also fetches a Node 22 into .tools/node22 for `npm run test:node22` (CI).
# Idempotent: a second run only checks.
set -euo pipefail
with_node22=false
[ "${1:-}" = --with-node22 ] && with_node22=true
here=$(cd "$(dirname "$0")/.." && pwd)
tools="${RELAY_TOOLS_DIR:-$here/.tools}"
mkdir -p "$tools"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

need=()
command -v syslog-ng >/dev/null || need+=(syslog-ng-core)
command -v lognormalizer >/dev/null || need+=(liblognorm-utils)
command -v tinyproxy >/dev/null || need+=(tinyproxy)
command -v openssl >/dev/null || need+=(openssl)
command -v chattr >/dev/null || need+=(e2fsprogs)  # the immutable-directory test (chattr +i)
dpkg -s libestr0 libfastjson4 liblognorm5 libgnutls30 >/dev/null 2>&1 || need+=(libestr0 libfastjson4 liblognorm5 libgnutls30)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian package starts a system syslog-ng we do not want competing for /dev/log.
$SUDO pkill -x syslog-ng 2>/dev/null || true
command -v tinyproxy >/dev/null && $SUDO pkill -x tinyproxy 2>/dev/null || true

# rsyslog: unpacked, never installed (it conflicts with syslog-ng-core). rsyslog-relp brings imrelp,
# librelp0 its library (found through LD_LIBRARY_PATH by test/support/rsyslog.ts). Each part is
# checked on its own, so a tree unpacked before RELP was added still gains imrelp.
rs_pkgs=()
[ -x "$tools/rsyslog/usr/sbin/rsyslogd" ] || rs_pkgs+=(rsyslog rsyslog-gnutls)
[ -f "$tools/rsyslog/usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so" ] || rs_pkgs+=(rsyslog-relp)
compgen -G "$tools/rsyslog/usr/lib/x86_64-linux-gnu/librelp.so.0*" >/dev/null || rs_pkgs+=(librelp0)
if [ ${#rs_pkgs[@]} -gt 0 ]; then
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download "${rs_pkgs[@]}" >/dev/null 2>&1); then
    $SUDO apt-get update -qq
    (cd "$tmp" && apt-get download "${rs_pkgs[@]}" >/dev/null)
  fi
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tools/rsyslog"; done
  rm -rf "$tmp"
fi

# Bicep CLI from NuGet through a restore-only project.
if [ ! -x "$tools/bicep/bicep" ]; then
  proj=$(mktemp -d)
  cat > "$proj/restore.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[BICEP_VERSION]" /></ItemGroup>
</Project>
XML
  ver="${BICEP_VERSION:-0.49.2}"
  sed -i "s/BICEP_VERSION/$ver/" "$proj/restore.csproj"
  dotnet restore "$proj/restore.csproj" --packages "$proj/pkgs" >/dev/null
  exe=$(find "$proj/pkgs" -type f -name bicep | head -1)
  mkdir -p "$tools/bicep"
  cp "$exe" "$tools/bicep/bicep"
  chmod +x "$tools/bicep/bicep"
  rm -rf "$proj"
fi
# Node 22 (what Flex Consumption runs) from the npm registry: the node-linux-<arch> package carries the
# official binary in package/bin/node. Unpacked from the tarball, so no install script has to run.
node22_note=""
if $with_node22; then
  node22_ver="${NODE22_VERSION:-22.23.5}"
  if [ "$("$tools/node22/bin/node" --version 2>/dev/null)" != "v$node22_ver" ]; then
    case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "no Node 22 package for $(uname -m)" >&2; exit 1 ;; esac
    tmp=$(mktemp -d)
    npm pack --silent --ignore-scripts --pack-destination "$tmp" "node-linux-$arch@$node22_ver" >/dev/null
    rm -rf "$tools/node22"
    mkdir -p "$tools/node22"
    tar -xzf "$tmp"/node-linux-*.tgz -C "$tools/node22" --strip-components=1 package/bin/node package/LICENSE
    rm -rf "$tmp"
  fi
  node22_note=", node $("$tools/node22/bin/node" --version)"
fi
echo "system parts ready: syslog-ng $(syslog-ng --version | head -1 | awk '{print $2}'), rsyslog $("$tools/rsyslog/usr/sbin/rsyslogd" -v | head -1 | awk '{print $2}'), bicep $("$tools/bicep/bicep" --version | awk '{print $4}')$node22_note"
