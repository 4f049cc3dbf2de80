#!/bin/sh
# Every test, as CI runs it: a -Werror build with `make check`, the unit
# tests, shimctl and shimrun under valgrind, an ASan/UBSan build with
# `make check`, a short libFuzzer run, and `make distcheck`.  Builds go to
# build/ (out of tree).  VERBOSE=yes prints a failing test's log, so that
# CI's output says which check failed and why.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
# A checkout configured in place (README's quick start) cannot also be
# built out of tree: test a copy of its sources (what git tracks, and new
# files it does not ignore) in build/src instead, leaving that build alone.
if [ -f config.status ]; then
  rm -rf build && mkdir -p build/src
  if [ -d .git ]; then
    git ls-files -z --cached --others --exclude-standard |
      xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
      tar --null -T - -cf - | tar -xf - -C build/src
  else
    echo "run-all: configured in place and not a git checkout: run 'make distclean' first" >&2
    exit 1
  fi
  exec sh build/src/tests/run-all.sh
fi
[ -x configure ] || autoreconf -fi

step() { printf '\n==== %s\n' "$*"; }

# Adds a build's automake test summary to the totals.
passed=0
failed=0
count() {
  p=$(sed -n 's/^# PASS: *//p' "$1/test-suite.log")
  f=$(sed -n 's/^# FAIL: *//p' "$1/test-suite.log")
  passed=$((passed + p))
  failed=$((failed + f))
}

step "build with -Werror, make check"
rm -rf build && mkdir -p build/plain build/asan
(cd build/plain && ../../configure -q --enable-werror && make -s -j"$jobs" && make -s -j"$jobs" check VERBOSE=yes)
count build/plain

step "valgrind: unit tests and shimctl"
(cd build/plain && make -s check-valgrind)

step "ASan + UBSan build, make check"
(cd build/asan && ../../configure -q --enable-werror --enable-sanitizers && make -s -j"$jobs" && \
  ASAN_OPTIONS=detect_leaks=1 make -s -j"$jobs" check VERBOSE=yes)
count build/asan

step "libFuzzer: regressions, then ${FUZZ_SECONDS:-60} s per target"
FUZZ_SECONDS=${FUZZ_SECONDS:-60} tests/fuzz/run.sh

step "make distcheck"
(cd build/plain && make -s distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror VERBOSE=yes)

step "all tests passed"
echo "tests: $passed passed, $failed failed"
