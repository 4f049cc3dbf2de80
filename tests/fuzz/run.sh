#!/bin/sh
# Flag lists ($cflags, $objs, $common, ...) are split into words on purpose.
# shellcheck disable=SC2086
# Builds the libFuzzer targets against the library sources and runs them.
#
# Usage: tests/fuzz/run.sh [TARGET...]      (default: all three)
#   fuzz_spec     OCI specs: load, render, check, harden (+ property)
#   fuzz_policy   policy overlays: load, render, reload (+ property)
#   fuzz_seccomp  seccomp profiles: load, compile, explain, harden
#   fuzz_cli      shimrun's command line (argv split at NUL bytes)
#
# Environment:
#   top_srcdir    the source tree (default: two levels above this script)
#   FUZZ_SECONDS  seconds of fuzzing per target (default 60); 0 only
#                 replays the seeds and the regression inputs
#   FUZZ_WORKDIR  where to build and keep corpora and artifacts (default: a
#                 new temporary directory, removed on success)
#   FUZZ_CORPUS   a directory kept between runs: each target's corpus is
#                 read from and grown in FUZZ_CORPUS/<target>
#   FUZZ_FLAGS    extra libFuzzer flags
#   CC            clang with libFuzzer (default: clang)
#
#   FUZZ_STRICT   set: an accepted spec that shim_harden cannot fix fails
#                 too (fuzz_common.h); always set for the regression inputs
#
# Each target is first run over tests/fuzz/regressions/<target>/* (inputs
# that once failed: they must pass now), then fuzzed from the seeds
# (tests/fuzz/seeds.sh) for FUZZ_SECONDS.  One target at a time.
#
# Exit status: 0 when nothing was found, 1 on any crash, leak, timeout,
# sanitizer report or property failure (the reproducer's path is printed),
# 77 (automake's "skipped") when clang cannot build a libFuzzer target.
set -eu

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top=$(cd "$top" && pwd)
here=$top/tests/fuzz
seconds=${FUZZ_SECONDS:-60}
cc=${CC:-clang}
targets=${*:-fuzz_spec fuzz_policy fuzz_seccomp fuzz_cli}
# Leaks inside libseccomp itself are not ours (lsan.supp says which).
LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
case $cc in *clang*) ;; *) cc=clang ;; esac # configure's CC may be gcc

say() { printf 'fuzz: %s\n' "$*"; }

# ---- can we build a fuzzer at all?
if ! command -v "$cc" >/dev/null 2>&1; then
  say "$cc not found: skipped"
  exit 77
fi
if [ -n "${FUZZ_WORKDIR:-}" ]; then
  work=$FUZZ_WORKDIR
  mkdir -p "$work"
  keep=1
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/shim-fuzz.XXXXXX")
  keep=0
fi
build=$work/build
mkdir -p "$build"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' > "$build/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$build/probe.c" -o "$build/probe" >/dev/null 2>&1; then
  say "$cc cannot build libFuzzer targets (-fsanitize=fuzzer): skipped"
  [ "$keep" = 1 ] || rm -rf "$work"
  exit 77
fi

# ---- dependencies
deps="jansson libseccomp libcap-ng"
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists $deps; then
  dep_cflags=$(pkg-config --cflags $deps)
  dep_libs=$(pkg-config --libs $deps)
else
  dep_cflags=
  dep_libs="-ljansson -lseccomp -lcap-ng"
fi

# ---- build: the library's sources, straight, with the sanitizers
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
cat > "$build/config.h" <<EOF
/* Written by tests/fuzz/run.sh: what the library's sources take from
 * configure's config.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#define PACKAGE "shim"
#define PACKAGE_VERSION "${version:-0.0.0}"
#define VERSION PACKAGE_VERSION
EOF
sh "$top/build-aux/embed.sh" default_policy_json "$top/profiles/policy/default.json" > "$build/default_policy.c"
sh "$top/build-aux/embed.sh" sandbox_seccomp_json "$top/profiles/seccomp/sandbox.json" > "$build/sandbox_seccomp.c"

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 $san -std=gnu11 -Wall -Wextra -Wno-unused-parameter -I$build -I$top/libshim -I$top/libshim/include $dep_cflags"

say "building in $build"
objs=
for src in "$top"/libshim/*.c "$build/default_policy.c" "$build/sandbox_seccomp.c"; do
  # An in-tree build leaves its own copies of the generated files there.
  case $src in "$top"/libshim/default_policy.c | "$top"/libshim/sandbox_seccomp.c) continue ;; esac
  obj=$build/$(basename "$src" .c).o
  "$cc" $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
  objs="$objs $obj"
done
for t in $targets; do
  [ -f "$here/$t.c" ] || { say "unknown target $t"; exit 2; }
  # The library's targets see its public header only; fuzz_cli reads
  # shimrun's command line and config file as the pass-through path does
  # (runtime/shimrun_args.c, runtime/shimrun_fast.c).
  extra=
  if [ "$t" = fuzz_cli ]; then
    extra="-I$build -I$top/runtime -include $build/config.h $top/runtime/shimrun_args.c $top/runtime/shimrun_fast.c"
  fi
  "$cc" -g -O1 $san -fsanitize=fuzzer -std=gnu11 -Wall -Wextra \
    -I"$top/libshim/include" -I"$here" "$here/$t.c" $extra $objs $dep_libs -o "$build/$t"
done

# ---- run
"$here/seeds.sh" "$work/seeds"
failed=0
report() { # TARGET LOG
  # The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E rss: R"
  line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$2" | tail -n 1 || true)
  [ -n "$line" ] && say "$1: $line"
  return 0
}
for t in $targets; do
  art=$work/artifacts/$t/
  mkdir -p "$art"
  # Memory: the default 2 GB is plenty; no input should take 10 seconds.
  common="-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$art"
  common="$common -dict=$work/seeds/$t.dict"
  case $t in
    fuzz_spec) maxlen=65536 ;;
    *) maxlen=16384 ;;
  esac

  # Inputs that once failed: each on its own, so that every failing one
  # is named.  The target is not fuzzed while one fails.
  bad=0
  for r in $(find "$here/regressions/$t" -type f 2>/dev/null | sort); do
    log=$work/$t.regression.$(basename "$r").log
    if FUZZ_STRICT=1 "$build/$t" $common "$r" > "$log" 2>&1; then
      say "$t: regression $(basename "$r"): passes"
    else
      why=$(grep -E '^(SUMMARY|PROPERTY FAILED)|runtime error' "$log" | head -n 2 | tr '\n' ' ')
      say "$t: regression $(basename "$r"): FAILS: $why"
      say "$t:   reproduce: $build/$t $r (log: $log)"
      bad=1
    fi
  done
  if [ "$bad" = 1 ]; then
    say "$t: FAILED on regression inputs; not fuzzed"
    failed=1
    continue
  fi

  if [ -n "${FUZZ_CORPUS:-}" ]; then
    corpus=$FUZZ_CORPUS/$t
  else
    corpus=$work/corpus/$t
  fi
  mkdir -p "$corpus"
  if [ "$seconds" -gt 0 ]; then
    say "$t: fuzzing for $seconds s (max_len $maxlen)"
    runflags="-max_total_time=$seconds -max_len=$maxlen"
  else
    say "$t: replaying the seeds"
    runflags="-runs=0"
  fi
  if "$build/$t" $common $runflags ${FUZZ_FLAGS:-} "$corpus" "$work/seeds/$t" \
    > "$work/$t.log" 2>&1; then
    report "$t" "$work/$t.log"
  else
    tail -n 60 "$work/$t.log"
    for a in "$art"*; do
      [ -f "$a" ] && say "$t: reproducer: $a (run: $build/$t $a)"
    done
    say "$t: FAILED (log: $work/$t.log)"
    failed=1
  fi
done

if [ "$failed" = 1 ]; then
  say "kept $work for the reproducers"
  exit 1
fi
[ "$keep" = 1 ] || rm -rf "$work"
exit 0
