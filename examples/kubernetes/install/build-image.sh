#!/bin/sh
# build-image.sh BUILDDIR OUT VERSION: the installer image, as an OCI image
# layout OUT/layout (tag VERSION) and the same as OUT/shim-installer.tar,
# made with Debian's umoci from files of this machine: busybox-static for
# the entrypoint's shell, shimrun and shimctl (both static) from BUILDDIR,
# the entrypoint from here.  No registry: push it with e.g.
#   skopeo copy oci:OUT/layout:VERSION docker://REGISTRY/shim-installer:VERSION
set -eu
builddir=${1:?usage: build-image.sh BUILDDIR OUT VERSION}
out=${2:?usage: build-image.sh BUILDDIR OUT VERSION}
version=${3:?usage: build-image.sh BUILDDIR OUT VERSION}
here=$(cd "$(dirname "$0")" && pwd)
for tool in umoci tar readelf; do
	command -v "$tool" >/dev/null || { echo "build-image.sh: $tool is needed" >&2; exit 1; }
done
# The image has no C library: each program must be static.
for prog in /bin/busybox "$builddir/runtime/shimrun" "$builddir/runtime/shimctl" \
	"$builddir/runtime/shim-seccomp-loader"; do
	if [ ! -x "$prog" ] || LC_ALL=C readelf -l "$prog" | grep -q INTERP; then
		echo "build-image.sh: $prog is not a static program (busybox-static; not a sanitizer build)" >&2
		exit 1
	fi
done
rm -rf "$out" && mkdir -p "$out/rootfs/bin" "$out/rootfs/opt/shim/bin" "$out/rootfs/tmp" "$out/rootfs/run"
chmod 1777 "$out/rootfs/tmp"
cp /bin/busybox "$out/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$out/rootfs/bin/$applet"
done
install -m 755 "$builddir/runtime/shimrun" "$builddir/runtime/shimctl" \
	"$builddir/runtime/shim-seccomp-loader" "$here/shim-node-install" "$out/rootfs/opt/shim/bin/"
umoci init --layout "$out/layout"
umoci new --image "$out/layout:$version"
umoci insert --image "$out/layout:$version" "$out/rootfs" /
umoci config --image "$out/layout:$version" \
	--config.entrypoint /opt/shim/bin/shim-node-install --config.cmd install \
	--config.env PATH=/opt/shim/bin:/bin --config.workingdir / \
	--config.label org.opencontainers.image.title=shim-installer \
	--config.label "org.opencontainers.image.version=$version"
umoci gc --layout "$out/layout"
tar -C "$out/layout" -cf "$out/shim-installer.tar" oci-layout index.json blobs
rm -rf "$out/rootfs"
echo "build-image.sh: $out/layout:$version and $out/shim-installer.tar"
