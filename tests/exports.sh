#!/bin/sh
# libshim.so exports shim_* and nothing else, exactly the functions shim.h
# declares, under a versioned soname, and
# calls nothing of the C library's that looks at or changes the host; the
# code shimrun runs before the C library starts calls nothing outside it.
set -u
lib=$(ls "$top_builddir"/libshim/.libs/libshim.so.* 2>/dev/null | head -n 1)
[ -n "$lib" ] || { echo "FAIL: libshim.so not built"; exit 1; }
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRVW]/ {print $3}' | grep -v '^shim_' | grep -v '^SHIM_')
if [ -n "$bad" ]; then echo "FAIL: exported beyond shim_*:"; echo "$bad"; exit 1; fi
# Exactly what the public header declares SHIM_API, no more, no less.
declared=$(grep -v '^#define' "$top_srcdir/libshim/include/shim/shim.h" | tr '\n' ' ' |
	grep -o 'SHIM_API[^;(]*(' | sed 's/[[:space:]]*($//; s/.*[^a-z_0-9]//' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRVW]/ {print $3}' | sed 's/@.*//' | sort -u)
if [ "$declared" != "$exported" ]; then
	echo "FAIL: exported and declared (shim.h's SHIM_API) differ:"
	printf '%s\n' "$exported" >"${TMPDIR:-/tmp}/exports.$$"
	printf '%s\n' "$declared" | diff - "${TMPDIR:-/tmp}/exports.$$"
	rm -f "${TMPDIR:-/tmp}/exports.$$"
	exit 1
fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
case "$soname" in libshim.so.[0-9]*) ;; *) echo "FAIL: soname '$soname'"; exit 1 ;; esac
# The C library's calls libshim makes: memory, strings, formatting, reading
# a file its caller names (open, read, fstat), a memfd for libseccomp's
# export, the clock for audit records.  Host facts come from its caller: a
# stat, realpath, uname, ioctl or fork here would be libshim probing the
# host again.  A sanitizer build adds its runtime's hooks (__asan_*,
# __ubsan_*), which are instrumentation, not calls libshim makes.
libc=$(nm -D --undefined-only "$lib" | awk '{print $2}' | sed 's/@.*//' |
	grep -v -e '^json_' -e '^seccomp_' -e '^capng_' -e '^_ITM_' -e '^__asan_' -e '^__ubsan_' -e '^__gmon_start__$' -e '^__cxa_finalize$' |
	grep -v -x -e __ctype_b_loc -e __ctype_toupper_loc -e __errno_location -e __isoc99_sscanf \
		-e calloc -e malloc -e realloc -e free -e qsort -e memcmp -e memcpy -e memmove -e memset \
		-e strchr -e strchrnul -e strcmp -e strdup -e strlen -e strncmp -e strpbrk -e strspn -e strcspn -e strerror \
		-e strerror_r -e strtod -e strtol -e snprintf -e vsnprintf -e fprintf -e fputc -e fnmatch \
		-e inet_pton -e open -e read -e fstat -e close -e lseek -e memfd_create -e open_memstream \
		-e fclose -e clock_gettime -e gmtime_r)
if [ -n "$libc" ]; then echo "FAIL: libshim calls what touches the host:"; echo "$libc"; exit 1; fi
# runtime/shimrun_fast.c: a call the compiler makes up (strlen for a loop,
# memset for a struct) would jump into the C library before its set-up.
bare="$top_builddir/runtime/libshimrun-bare.a"
[ -f "$bare" ] || { echo "FAIL: $bare not built"; exit 1; }
calls=$(nm -u "$bare" | awk 'NF == 2 {print $2}' | sort -u |
	grep -v -x -e _start -e shimrun_config_path -e shimrun_parse_globals -e shimrun_passes_through -e shimrun_push)
if [ -n "$calls" ]; then echo "FAIL: the pass-through path calls outside itself:"; echo "$calls"; exit 1; fi
echo "exports: 5 passed, 0 failed"
