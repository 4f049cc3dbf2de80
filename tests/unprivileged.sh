#!/bin/sh
# libshim's unit tests as nobody: nothing in libshim may need a privilege
# or the host (its host facts are literal in the tests).  Run from a copy
# nobody can read, with the fixtures beside it.
set -eu
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: not root: test_shim already ran unprivileged in this run"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cp "$top_builddir/tests/unit/test_shim" "$tmp/"
mkdir -p "$tmp/tests"
cp -r "$top_srcdir/tests/fixtures" "$tmp/tests/fixtures"
cp -r "$top_srcdir/profiles" "$tmp/profiles"
chmod -R a+rX "$tmp"
if ! (cd "$tmp" && setpriv --reuid=65534 --regid=65534 --clear-groups \
	env SHIM_FIXTURES="$tmp/tests/fixtures" ./test_shim >"$tmp/out" 2>&1); then
	cat "$tmp/out"
	echo "FAIL: libshim's unit tests as nobody"
	exit 1
fi
grep -E '^ +(tests|asserts) ' "$tmp/out"
echo "unprivileged: 1 passed, 0 failed"
