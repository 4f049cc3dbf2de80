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
