#!/bin/bash
# tests/gpu/run.sh - a CUDA job (tests/gpu/cuda_job.py: PyTorch, a bf16
# matrix product, launch latency, pinned copies, a forking DataLoader) in a
# container under plain runc and under shimrun with the GPU policy, side by
# side, alternating; prints a table of both with ratios and fails unless
# every run completed and the shimrun runs had Seccomp 2 and NoNewPrivs 1.
#
#   bash tests/gpu/run.sh            (from the repository root, as root)
#
# Exits 77 (skip) with a one-line reason where there is no GPU to test:
# no /dev/nvidiactl, no nvidia-smi, no python3 with torch and CUDA, not
# root, no runc.
#
# Environment: SHIMRUN (default runtime/shimrun), RUNC (default
# `command -v runc`), POLICY (default profiles/policy/gpu.json), PYTHON
# (default `command -v python3`: the one with torch), REPS (runs of each
# runtime, default 3), JOB_TIMEOUT (seconds per run, default 600),
# GPU_JOB_N / GPU_JOB_LAUNCHES / GPU_JOB_COPY_MB (passed to the job),
# TMPDIR (the work directory goes there), GPU_KEEP=1 (keep it).
#
# The container needs no image: its root is an empty directory with the
# host's /usr and /etc (and the job's Python, and the driver's mounts)
# bound read-only, the host's /dev/nvidia* nodes with their real numbers,
# and a read-only bind of tests/gpu at /gpu-job (tests/gpu/gpu_bundle.py).
# shimrun gets the GPU policy plus a test-only overlay listing exactly
# those bind sources as host-mounts.readOnlySources.
#
# On a GPU machine without runc or a build of shimrun (e.g. a borrowed
# Ubuntu 24.04 box with the driver and torch but no containers): from a
# built checkout, carry both in a folder git ignores, then run there:
#
#   echo /.gpu-carry/ >>.git/info/exclude
#   mkdir -p .gpu-carry && cp runtime/shimrun "$(command -v runc)" .gpu-carry/
#   cp /lib/x86_64-linux-gnu/libseccomp.so.2 .gpu-carry/   # if the target lacks it
#   # on the GPU machine, in the copied checkout:
#   LD_LIBRARY_PATH=$PWD/.gpu-carry RUNC=$PWD/.gpu-carry/runc \
#       SHIMRUN=$PWD/.gpu-carry/shimrun bash tests/gpu/run.sh
#
# shimrun is linked statically; Debian's runc needs libseccomp.so.2 (only
# runc sees LD_LIBRARY_PATH's effect: the container's env is built here).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
skip() { echo "gpu: SKIP: $*"; exit 77; }
fail() { echo "gpu: FAIL: $*"; exit 1; }

[ -e /dev/nvidiactl ] || skip "no /dev/nvidiactl (no NVIDIA GPU or driver here)"
command -v nvidia-smi >/dev/null || skip "nvidia-smi not found"
PYTHON=${PYTHON:-$(command -v python3 || true)}
[ -n "$PYTHON" ] || skip "no python3"
"$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' \
	>/dev/null 2>&1 || skip "$PYTHON has no torch with CUDA"
[ "$(id -u)" = 0 ] || skip "must run as root (runc)"
RUNC=${RUNC:-$(command -v runc || true)}
{ [ -n "$RUNC" ] && [ -x "$RUNC" ]; } || skip "runc not found (set RUNC)"
command -v findmnt >/dev/null || skip "findmnt not found (util-linux)"
SHIMRUN=${SHIMRUN:-$top/runtime/shimrun}
[ -x "$SHIMRUN" ] || fail "no shimrun at $SHIMRUN (build it, or set SHIMRUN)"
POLICY=${POLICY:-$top/profiles/policy/gpu.json}
[ -r "$POLICY" ] || fail "cannot read the GPU policy $POLICY (set POLICY)"
REPS=${REPS:-3}
JOB_TIMEOUT=${JOB_TIMEOUT:-600}
RUNC=$(realpath "$RUNC") SHIMRUN=$(realpath "$SHIMRUN")

# shellcheck source=tests/lib/containers.sh
. "$top/tests/lib/containers.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/shim-gpu.XXXXXX") || fail "mktemp"
# Traversable: under shimrun the container's root is a user namespace's
# uid, which walks through here to its rootfs.
chmod 711 "$W"
ids=()
cleanup() {
	local id
	for id in "${ids[@]}"; do
		"$RUNC" --root "$W/runc" delete -f "$id" >/dev/null 2>&1
		SHIMRUN_CONFIG=$W/shimrun.json SHIMRUN_STATE_DIR=$W/shimrun-state \
			"$SHIMRUN" --root "$W/runc" --delegate "$RUNC" delete -f "$id" >/dev/null 2>&1
	done
	unmount_below "$W"
	if [ -n "${GPU_KEEP:-}" ]; then echo "gpu: kept $W"; else rm -rf --one-file-system "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "gpu: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -n 1)," \
	"runc $("$RUNC" --version | sed -n 's/^runc version //p'), $("$SHIMRUN" --delegate /bin/true --version 2>/dev/null | head -n 1)"

# The job directory and a prototype bundle each run copies.
mkdir -p "$W/job" "$W/shimrun-state" "$W/runc"
cp "$here/cuda_job.py" "$W/job/"
chmod -R a+rX "$W/job"
"$PYTHON" "$here/gpu_bundle.py" bundle "$W/proto" "$W/job" >"$W/binds" ||
	fail "could not describe the bundle"
echo '{}' >"$W/shimrun.json"
# shellcheck disable=SC2046 # one bind source per line, no blanks
"$PYTHON" "$here/gpu_bundle.py" policy "$POLICY" "$W/policy.json" $(cat "$W/binds") ||
	fail "could not write the test policy"
echo "gpu: read-only binds: $(paste -sd ' ' "$W/binds")"
echo "gpu: devices: $("$PYTHON" -c 'import json, sys
print(" ".join("%s %d:%d" % (d["path"], d["major"], d["minor"]) for d in json.load(open(sys.argv[1]))["linux"]["devices"]))' "$W/proto/config.json")"

# run_one RUNTIME REP: the job in a fresh copy of the bundle; one JSON
# record of the run is appended to $W/results.jsonl.
run_one() {
	local rt=$1 rep=$2 id b rc start end
	id=gpu-$rt-$rep-$$
	b=$W/$id
	ids+=("$id")
	cp -a "$W/proto" "$b"
	start=$(date +%s.%N)
	if [ "$rt" = runc ]; then
		timeout "$JOB_TIMEOUT" "$RUNC" --root "$W/runc" run --bundle "$b" "$id" \
			>"$b.out" 2>"$b.err" </dev/null
	else
		SHIMRUN_CONFIG=$W/shimrun.json SHIMRUN_STATE_DIR=$W/shimrun-state \
			timeout "$JOB_TIMEOUT" "$SHIMRUN" --root "$W/runc" --policy "$W/policy.json" \
			--delegate "$RUNC" --audit-log "$W/audit.log" run --bundle "$b" "$id" \
			>"$b.out" 2>"$b.err" </dev/null
	fi
	rc=$?
	end=$(date +%s.%N)
	# run deletes the container when the job exits (and shimrun run gives
	# back its user namespace range and idmapped rootfs); these deletes
	# are for a run that timeout killed.
	if [ "$rt" = shimrun ]; then
		SHIMRUN_CONFIG=$W/shimrun.json SHIMRUN_STATE_DIR=$W/shimrun-state \
			"$SHIMRUN" --root "$W/runc" --delegate "$RUNC" delete -f "$id" >/dev/null 2>&1
	else
		"$RUNC" --root "$W/runc" delete -f "$id" >/dev/null 2>&1
	fi
	"$PYTHON" "$here/gpu_bundle.py" record "$rt" "$rep" "$rc" \
		"$(echo "$end - $start" | awk '{ print $1 - $3 }')" "$b.out" "$b.err" >>"$W/results.jsonl"
	echo "gpu: $rt run $rep: exit $rc, $(tail -n 1 "$b.out" | cut -c 1-200)"
	[ "$rc" -eq 0 ] || sed 's/^/    /' "$b.err" | tail -n 5
}

for ((rep = 1; rep <= REPS; rep++)); do
	if ((rep % 2)); then run_one runc "$rep"; run_one shimrun "$rep"
	else run_one shimrun "$rep"; run_one runc "$rep"; fi
done
"$PYTHON" "$here/gpu_bundle.py" table "$W/results.jsonl"
