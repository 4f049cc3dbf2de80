#!/bin/sh
# Installs what building and testing shim needs on Debian 12 (run as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  build-essential autoconf automake libtool pkg-config \
  libjansson-dev libseccomp-dev libcap-ng-dev libnl-3-dev libnl-route-3-dev \
  libcunit1-dev valgrind jq binutils python3 python3-yaml iproute2 strace \
  runc containerd umoci busybox-static runsc clang \
  python3-grpcio python3-protobuf protobuf-compiler containernetworking-plugins \
  patchelf
"$(dirname "$0")/stacks.sh"
# promtool, Prometheus' own check of the metrics text format (shimctl
# metrics), from Debian's prometheus package unpacked aside: installing
# the package would set up and start a Prometheus server.
tools=/var/cache/shim/tools
if [ ! -x "$tools/usr/bin/promtool" ]; then
  work=$(mktemp -d)
  if (cd "$work" && apt-get download -q prometheus >/dev/null && mkdir -p "$tools" &&
      dpkg -x prometheus_*.deb "$tools"); then :; else
    echo "deps: no promtool (Debian's prometheus package): shimctl metrics' format check will skip" >&2
  fi
  rm -rf "$work"
fi
