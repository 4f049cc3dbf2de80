#!/bin/sh
# libshim.so exports shim_* and nothing else, under a versioned soname; the
# code shimrun runs before the C library starts calls nothing outside it.
set -u
lib=$(ls "$top_builddir"/libshim/.libs/libshim.so.* 2>/dev/null | head -n 1)
[ -n "$lib" ] || { echo "FAIL: libshim.so not built"; exit 1; }
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRVW]/ {print $3}' | grep -v '^shim_' | grep -v '^SHIM_')
if [ -n "$bad" ]; then echo "FAIL: exported beyond shim_*:"; echo "$bad"; exit 1; fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
case "$soname" in libshim.so.[0-9]*) ;; *) echo "FAIL: soname '$soname'"; exit 1 ;; esac
# runtime/shimrun_fast.c: a call the compiler makes up (strlen for a loop,
# memset for a struct) would jump into the C library before its set-up.
bare="$top_builddir/runtime/libshimrun-bare.a"
[ -f "$bare" ] || { echo "FAIL: $bare not built"; exit 1; }
calls=$(nm -u "$bare" | awk 'NF == 2 {print $2}' | sort -u |
	grep -v -x -e _start -e shimrun_config_path -e shimrun_parse_globals -e shimrun_passes_through -e shimrun_push)
if [ -n "$calls" ]; then echo "FAIL: the pass-through path calls outside itself:"; echo "$calls"; exit 1; fi
echo "exports: 3 passed, 0 failed"
