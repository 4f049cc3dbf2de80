#!/bin/sh
# examples/check-spec.c builds against an installed libshim through
# pkg-config (headers, .pc file and shared library from `make install`)
# and gives the right verdicts.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$MAKE -s -C "$top_builddir" install DESTDIR="$tmp/root" >/dev/null
pc=$(dirname "$(find "$tmp/root" -name libshim.pc | head -n 1)")
export PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
${CC:-cc} ${SAN_FLAGS:-} "$top_srcdir/examples/check-spec.c" $(pkg-config --cflags --libs libshim) -o "$tmp/check-spec"
libdir=$(dirname "$(find "$tmp/root" -name 'libshim.so' | head -n 1)")
export LD_LIBRARY_PATH="$libdir"
"$tmp/check-spec" "$top_srcdir/tests/fixtures/ctr-default.json" | grep -qx allowed
set +e
"$tmp/check-spec" "$top_srcdir/tests/fixtures/ctr-privileged.json" >"$tmp/out"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -qx rejected "$tmp/out"
# Away from the node nothing answers the questions about the host: the
# socket is asked about and judged by its name.
set +e
"$tmp/check-spec" "$top_srcdir/tests/fixtures/ctr-socket.json" >"$tmp/out"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q '^ask file /' "$tmp/out" && grep -q '^reject runtime-sockets ' "$tmp/out"
echo "example: 3 passed, 0 failed"
