#!/bin/bash
# What shimrun costs a pod, measured on the Kubernetes path: one private
# containerd with its CRI plugin, two runtime classes on the same runc v2
# shim and the same runc - "runc" (plain runc) and "shim" (shimrun in
# front of that runc, with tests/integration/cri.sh's policy) - driven
# over the CRI gRPC API as the kubelet drives it.  One pod cycle, start
# to gone, is
#
#   run     RunPodSandbox (the pause container: a busybox sleep)
#   create  CreateContainer (a busybox app container: sh -c 'sleep 300')
#   start   StartContainer
#   stop    StopContainer (timeout 0: SIGKILL at once; the sleep, pid 1
#           of its pid namespace, would ignore SIGTERM) + StopPodSandbox
#   remove  RemovePodSandbox (sandbox, container, network all gone)
#
# timed in-process by tests/bench/cri_bench.py (one python process, one
# gRPC channel, requests built before the clock starts: the time is the
# CRI calls', not python's start-up or JSON parsing), for each row:
#
#   a  runc              an ordinary pod, runtime class runc
#   b  shim              the same pod, runtime class shim
#   c  runc-userns       a pod with hostUsers: false (userns_options mode
#                        POD, 65536 ids inside the kubelet's range that
#                        shimrun's policy names, as cri.sh's section 4b),
#                        runtime class runc
#   d  shim-userns       the same pod, runtime class shim
#
# (c) and (d) only on containerd 2.x: 1.6 ignores userns_options.  Each pod
# is removed before the next starts, so every hostUsers: false pod gets the
# same ids.  The rows alternate cycle by cycle (round-robin: in each of
# ROUNDS rounds, ITERATIONS times a, b, c, d), so that a slow second on the
# host hits every row alike; one untimed cycle per row first, which checks
# that the app container runs and notes the uid_map and Seccomp mode of
# pause and app.  The table gives each row's median over all its cycles,
# in total and per phase, and the shim rows' ratio to runc with the same
# pod; below it each ratio's spread: the min..max of the per-round
# ratios (each round's median over its runc median).
#
# containerd's state (the bundles, which shimrun rewrites), runc's root
# and shimrun's state are on tmpfs mounts, as under /run on a node;
# containerd's root (snapshots, metadata) on the disk of /tmp.
#
# Environment: top_builddir (default .), top_srcdir (default: two
# directories above this script), SHIMRUN (default
# $top_builddir/runtime/shimrun), ROUNDS (default 5), ITERATIONS (pod
# cycles per row and round, default 5), CNI_BIN_DIR (default
# /usr/lib/cni, else /opt/cni/bin), CRI_TIMEOUT (seconds a CRI call may
# take, default 60), PYTHON (default /usr/bin/python3), BENCH_OUT (the
# results file, default ./bench-pods.txt).  Run it through
# tests/lib/on-stack.sh STACK to pick the node stack (`make bench-pods
# STACK=debian12`; default current).
#
# Needs root, containerd, ctr, runc, umoci, protoc, ip, jq, busybox-static,
# python3 with grpcio and protobuf, CNI's bridge, host-local and loopback
# plugins; exits 77 (skip) without them.  Exits 1 when a pod that must run
# did not (infrastructure failure, or shimrun refusing it), never because
# of the numbers: this is a benchmark, not a test.
set -eu
export LC_ALL=C
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMRUN=${SHIMRUN:-$top_builddir/runtime/shimrun}
ROUNDS=${ROUNDS:-5}
ITERATIONS=${ITERATIONS:-5}
BENCH_OUT=${BENCH_OUT:-./bench-pods.txt}
CRI_BENCH=$top_srcdir/tests/bench/cri_bench.py

die() {
	echo "bench-pods: FAIL: $*" >&2
	[ -r "${D:-}/containerd.log" ] && tail -n 20 "$D/containerd.log" | sed 's/^/    /' >&2
	exit 1
}
# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
# shellcheck source=tests/lib/containerd.sh
. "$top_srcdir/tests/lib/containerd.sh"
# shellcheck source=tests/lib/cri.sh
. "$top_srcdir/tests/lib/cri.sh"
# shellcheck source=tests/lib/bench.sh
. "$top_srcdir/tests/lib/bench.sh"
require_containers bench-pods
require_cri bench-pods
[ -x "$SHIMRUN" ] || die "no shimrun at $SHIMRUN"
SHIMRUN=$(realpath "$SHIMRUN")
notes=()
# libtool's wrapper script (a shared build tree): run the program it wraps,
# LD_LIBRARY_PATH set as the wrapper would, in containerd's environment.
bench_unwrap_shimrun bench-pods
bench_counts bench-pods ROUNDS ITERATIONS
RUNC=$(command -v runc)
CTRD_VERSION=$(containerd --version | awk '{print $3}')
CTRD_MAJOR=$(sed 's/^v//; s/[.].*//' <<<"$CTRD_VERSION")

# $D: containerd's directory and all else of the run; $BRIDGE: the bridge
# the pods' veths hang on.
cri_begin bench-pods shimbench
cleanup() {
	set +e
	trap - ERR
	trap '' PIPE
	# The pods, containerd and $D (the tmpfs mounts too), what the pods
	# left on the host, the bridge.
	cri_teardown bench-pods "$D" "$BRIDGE"
	[ ! -e "$D" ] || echo "bench-pods: could not remove $D" >&2
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A Ctrl-C or kill that reaches the whole process group ends the reader of
# our output too (on-stack.sh's sed): the next write (bash's own
# "Terminated" included) would kill this script with SIGPIPE, clean-up
# and all.  Exit through the clean-up instead, which ignores SIGPIPE.
trap 'exit 141' PIPE
trap 'echo "bench-pods: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

# /run's part of a node on tmpfs: containerd's state (bundles, which
# shimrun rewrites with fsyncs), runc's root and shimrun's state.
mkdir -p "$D/state" "$D/run"
for dir in "$D/state" "$D/run"; do
	mount -t tmpfs -o size=256m,mode=0711 bench-pods "$dir" || die "cannot mount a tmpfs on $dir"
done

# ---- the runtime classes ----------------------------------------------------

# shimrun's runtime class as cri.sh's, with cri.sh's policy (containerd's
# CRI directories under $D allowed as bind sources; the kubelet's ids for
# hostUsers: false pods beyond the pool) - but BinaryName is shimrun
# itself, not a /bin/sh wrapper that sets its environment (a shell's
# start-up on each of the dozen runtime commands of a pod would be
# measured as shimrun's): the settings are in containerd's environment,
# which its shims and they the runtime inherit (runc ignores them).
# SHIMRUN_CONFIG keeps a host's /etc/shim/shimrun.json out of it.
AUDIT=$D/audit.log
echo '{}' >"$D/shimrun.json"
SHIMRUN_CONFIG=$D/shimrun.json SHIMRUN_POLICY=$D/policy.json SHIMRUN_AUDIT_LOG=$AUDIT
SHIMRUN_DELEGATE=$RUNC SHIMRUN_STATE_DIR=$D/run/shimrun
export SHIMRUN_CONFIG SHIMRUN_POLICY SHIMRUN_AUDIT_LOG SHIMRUN_DELEGATE SHIMRUN_STATE_DIR
cri_policy "$D/policy.json" bench-pods "$D"

PAUSE=registry.k8s.io/pause:shimbench
BUSYBOX=docker.io/library/busybox:shimbench
# The network shimbench-pods; both classes: the same runc v2 shim, the
# same runc (by its path, as SHIMRUN_DELEGATE), the same Root; only
# BinaryName differs.
cri_config "$D" "$PAUSE" shimbench-pods "$BRIDGE" 10.214.0.0/24 runc \
	runc "$RUNC" "$D/run/runc" \
	shim "$SHIMRUN" "$D/run/runc"

echo "bench-pods: containerd $CTRD_VERSION on $D"
cri_start "$D" "$PAUSE" "$BUSYBOX" || die "$cri_error"
CRI_VERSION=$(cri_version)

# ---- the rows ---------------------------------------------------------------

# What the kubelet sends (cri.sh's pod_config and create_container, the
# masked and read-only paths tests/lib/cri.sh's): the pod's name, uid,
# hostname and log directory (under $D/logs) are set per cycle by
# cri_bench.py.
mkdir -p "$D/logs"
HOST=$((KUBELET_IDS + 2 * 65536))
USERNS="{mode: \"POD\", uids: [{host_id: $HOST, container_id: 0, length: 65536}],
	gids: [{host_id: $HOST, container_id: 0, length: 65536}]}"
# row ROW LABEL HANDLER [JQ-FILTER]: one row's JSON, the filter applied to
# both the pod's and the container's namespace_options.
row() {
	jq -n --arg row "$1" --arg lab "$2" --arg handler "$3" --arg logs "$D/logs" \
		--arg image "$BUSYBOX" --argjson masked "$MASKED_PATHS" --argjson ro "$READONLY_PATHS" "
	{namespace_options: {network: \"POD\", pid: \"CONTAINER\", ipc: \"POD\"}} | ${4:-.} | .namespace_options as \$ns
	| {row: \$row, \"label\": \$lab, handler: \$handler,
	   pod: {metadata: {name: \"-\", uid: \"-\", namespace: \"shimbench\", attempt: 0},
	         hostname: \"-\", log_directory: \$logs, labels: {\"shimbench\": \"pods\"},
	         linux: {security_context: {namespace_options: \$ns}}},
	   container: {metadata: {name: \"app\", attempt: 0}, image: {image: \$image},
	         command: [\"/bin/sh\", \"-c\", \"sleep 300\"], log_path: \"app.log\",
	         linux: {security_context: {namespace_options: \$ns,
	           masked_paths: \$masked, readonly_paths: \$ro}}}}"
}
rows=(a b)
declare -A label=([a]=runc [b]=shim [c]=runc-userns [d]=shim-userns)
if [ "$CTRD_MAJOR" -ge 2 ]; then
	rows+=(c d)
else
	notes+=("c, d (hostUsers: false pods): skipped: containerd $CTRD_VERSION ignores userns_options (needs containerd 2.x and runc 1.2+)")
fi
{
	row a runc runc
	row b shim shim
	if [ "$CTRD_MAJOR" -ge 2 ]; then
		row c runc-userns runc ".namespace_options.userns_options = $USERNS"
		row d shim-userns shim ".namespace_options.userns_options = $USERNS"
	fi
} | jq -s . >"$D/rows.json"

bench() {
	"$PYTHON" "$CRI_BENCH" --address "$CTRD_ADDRESS" --pb-dir "$D/pb" --timeout "$CRI_TIMEOUT" \
		--rows "$D/rows.json" "$@"
}

# ---- warm-up and checks -----------------------------------------------------

echo "bench-pods: warm-up: ${rows[*]}"
bench --warmup >"$D/warmup" || {
	sed 's/^/bench-pods: /' "$D/warmup"
	die "a warm-up pod cycle failed (above)"
}
while IFS= read -r line; do
	notes+=("checked: $line")
	echo "bench-pods: $line"
done <"$D/warmup"
# Every pod of the shim rows went through shimrun: its audit log has a
# create per container (pause and app).
audit_creates() {
	if [ -s "$AUDIT" ]; then jq -s '[.[] | select(.command == "create")] | length' "$AUDIT"; else echo 0; fi
}
audit_decisions() {
	jq -r 'select(.command == "create") | .decision' "$AUDIT" 2>/dev/null | sort | uniq -c |
		awk '{ printf "%s%s x%s", n++ ? ", " : "", $2, $1 }'
}
shim_rows=0
for r in "${rows[@]}"; do case $r in b | d) shim_rows=$((shim_rows + 1)) ;; esac; done
[ "$(audit_creates)" -eq $((2 * shim_rows)) ] ||
	die "shimrun's audit log has $(audit_creates) creates after the warm-up, not $((2 * shim_rows)) (pause and app of each shim row)"

# ---- the rounds -------------------------------------------------------------

data=$D/data
: >"$data"
loadavg_start=$(cut -d ' ' -f 1-3 /proc/loadavg)
bench --rounds "$ROUNDS" --iterations "$ITERATIONS" --data "$data" ||
	die "a pod cycle failed (above)"
loadavg_end=$(cut -d ' ' -f 1-3 /proc/loadavg)
expected=$((2 * shim_rows * (1 + ROUNDS * ITERATIONS)))
[ "$(audit_creates)" -eq "$expected" ] ||
	notes+=("WARNING: shimrun's audit log has $(audit_creates) creates, $expected went through shimrun")
notes+=("shimrun's audit log: $(audit_decisions) (creates: pause and app of every shim pod)")
[ -z "$(cri ListPodSandbox '{}' | jq -r '.items[].id')" ] ||
	notes+=("WARNING: pods were left after the rounds")

# ---- the results ------------------------------------------------------------

# "ROW PHASE MEDIAN" over all rounds, and "ROUND:ROW PHASE MEDIAN" of each
# round, from $data.
bench_medians "$data" >"$D/median"

# The runc row each row is compared with: itself for a and c.
declare -A base=([a]=a [b]=a [c]=c [d]=c)
results() {
	local r n
	printf '# bench-pods %s; load average %s at the start, %s at the end\n' \
		"$(bench_host)" "$loadavg_start" "$loadavg_end"
	printf '# stack %s: containerd %s (%s); %s; %s; %s; %s\n' \
		"${SHIM_STACK:-as PATH has it}" "$CTRD_VERSION" "$CRI_VERSION" \
		"$(runc --version | head -n 1)" \
		"$("$SHIMRUN" --delegate /bin/true --version | head -n 1)" \
		"$(/bin/busybox | head -n 1 | cut -d ' ' -f 1-2)" \
		"$("$PYTHON" -c 'import sys, grpc; print("python %s, grpcio %s" % (sys.version.split()[0], grpc.__version__))')"
	printf '# %s rounds x %s pod cycles per row, round-robin; one cycle: RunPodSandbox, CreateContainer,\n' \
		"$ROUNDS" "$ITERATIONS"
	printf '# StartContainer, StopContainer (timeout 0) + StopPodSandbox, RemovePodSandbox, timed in-process\n'
	for n in "${notes[@]}"; do printf '# %s\n' "$n"; done
	printf '# ms per pod cycle, median over all cycles (total: of the sums, not the sum of the medians);\n'
	printf '# (ratio) of a shim row to runc with the same pod: b to a, d to c\n'
	bench_table "$D/median" row 18 "total run create start stop remove" '' label base "${rows[@]}"
	# The ratios of the total, and each round's own for their spread.
	for r in b d; do
		case " ${rows[*]} " in *" $r "*) ;; *) continue ;; esac
		awk -v r="$r" -v b="${base[$r]}" -v rounds="$ROUNDS" -v lr="${label[$r]}" -v lb="${label[${base[$r]}]}" '
			$2 == "total" { t[$1] = $3 / 1000 }
			END {
				min = max = ""
				for (k = 1; k <= rounds; k++) {
					q = t[k ":" r] / t[k ":" b]
					per = per sprintf(" %.3f", q)
					if (min == "" || q < min) min = q
					if (max == "" || q > max) max = q
				}
				printf "# %s / %s (%s / %s): %.3f (%+.1f%%, %+.2f ms per pod), spread over rounds %.3f..%.3f\n",
					lr, lb, r, b, t[r] / t[b], (t[r] - t[b]) / t[b] * 100, t[r] - t[b], min, max
				printf "#   per round:%s\n", per
			}' "$D/median"
	done
}

results | tee "$BENCH_OUT"
bench_rounds "$D/median" "pod cycle" >>"$BENCH_OUT"
echo "bench-pods: results in $BENCH_OUT"
