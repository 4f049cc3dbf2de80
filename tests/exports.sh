#!/bin/sh
# libshim.so exports shim_* and nothing else, under a versioned soname.
set -u
lib=$(ls "$top_builddir"/libshim/.libs/libshim.so.* 2>/dev/null | head -n 1)
[ -n "$lib" ] || { echo "FAIL: libshim.so not built"; exit 1; }
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRVW]/ {print $3}' | grep -v '^shim_' | grep -v '^SHIM_')
if [ -n "$bad" ]; then echo "FAIL: exported beyond shim_*:"; echo "$bad"; exit 1; fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
case "$soname" in libshim.so.[0-9]*) ;; *) echo "FAIL: soname '$soname'"; exit 1 ;; esac
echo "exports: 2 passed, 0 failed"
