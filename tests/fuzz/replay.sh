#!/bin/sh
# For `make check`: builds the fuzz targets and replays the regression
# inputs and the seeds, without fuzzing (a few seconds).  77 (skipped)
# without clang/libFuzzer.  Real fuzzing: tests/fuzz/run.sh or `make fuzz`.
FUZZ_SECONDS=0
export FUZZ_SECONDS
exec "$(dirname "$0")/run.sh" "$@"
