#!/bin/bash
# What shimrun costs a container's start-up, measured: /bin/true in a
# busybox bundle goes through its whole lifecycle as containerd's runc
# shim drives it - `create --bundle B ID`, `start ID`, `state ID` until it
# says stopped (polled every POLL seconds, the same for all), `delete ID` -
# under each configuration below.  The configurations alternate
# lifecycle by lifecycle (round-robin: in each of ROUNDS rounds, ITERATIONS
# times a, b, c, ..., each time starting one further on), so that a slow
# second on the host hits every configuration alike.  The table gives each configuration's median over
# all its lifecycles, in total and per phase, and its ratio to (a).
# runsc (f) runs after the others, on its own (its sandbox's teardown
# slowed whatever followed it).
#
#   a  runc+hardened   runc, running what shimrun makes of (d) (written
#                      once by `shimrun --delegate /bin/true create`: the
#                      hardened spec with shimrun's metadata-block hook,
#                      which runc then runs too)
#   b  shimrun         $SHIMRUN in front of runc with (a)'s hardened spec
#                      as input: it checks, re-hardens (idempotent, writes
#                      nothing), audits and execs runc - the wrapper's
#                      share; every command goes through it
#   c  shimrun+rewrite $SHIMRUN with the unhardened spec (d) as input,
#                      restored before each create (untimed): what shimrun
#                      does for real, config.json.orig and the rewrite
#                      included
#   d  runc            runc spec's config running /bin/true, no seccomp
#                      filter
#   e  runc+ctr        (d) with containerd's default seccomp profile (the
#                      linux.seccomp of tests/fixtures/ctr-seccomp.json)
#   n  runc+hardened-no-userns
#                      runc, running what shimrun makes of (d) with the
#                      user-namespace control off
#   g  shimrun-no-userns (c) with the user-namespace control off (and
#                      run-as-root a warning): no id range claimed, no
#                      idmapped root file system; (c - g) / g is what user
#                      namespaces add to a start, and (g - n) / n the
#                      wrapper's share without them
#   s  runc+hardened-no-seccomp
#                      (a) without its seccomp filter (no loader, no
#                      linux.seccomp): (a - s) is what installing the
#                      filter through shimrun's loader costs each start
#   r  runc+hardened-runc-seccomp
#                      (a) with its profile as linux.seccomp instead of
#                      through the loader, as before issue 21: (r - a) is
#                      what runc's compiling it at every start cost
#   m  shimrun-cache-miss
#                      (c) with its seccomp cache emptied before each create
#                      (untimed; its own state directory): (m - c) is a
#                      cache miss, shimrun compiling the filter once
#   k  runc+hardened-no-hook
#                      (a) without shimrun's metadata-block hook: (a - k)
#                      is what the hook (shimrun run by runc, netlink)
#                      costs each start
#   p  shimrun-gpu-policy (c) under profiles/policy/gpu.json: what the GPU
#                      policy's longer lists cost a start (the spec has no
#                      GPU: its devices, binds and hooks are runc's and the
#                      driver's work, not shimrun's)
#   f  runsc           (d) under gVisor, --platform=$RUNSC_PLATFORM and
#                      --network=none on every command (skipped, with the
#                      reason, when runsc cannot run a container here)
#
# The headline is shimrun's share over runc given the same hardened spec,
# (b - a) / a of the median lifecycle; the target is 5% at most.
#
# Then shimrun's peak memory per lifecycle command: `shimrun --delegate
# /bin/true CMD ...` for create (the real bundle, unhardened and then
# already hardened), start, state and delete, read as the child's
# ru_maxrss by /usr/bin/time (GNU time) or, without it, python3.
#
# When SHIMRUN is libtool's wrapper script (a shared build tree), the
# program it wraps is measured (.libs/NAME, LD_LIBRARY_PATH set as
# `libtool --mode=execute` sets it): the wrapper runs a bash on every
# command, which no installed shimrun does.
#
# Environment: top_builddir (default .), top_srcdir (default: two
# directories above this script), SHIMRUN (default
# $top_builddir/runtime/shimrun), ROUNDS (default 5), ITERATIONS
# (lifecycles per configuration and round, default 20), POLL (seconds
# between two `state` calls, default 0.01), RUNSC_PLATFORM (default
# ptrace: works without KVM), BENCH_OUT (the results file, default
# ./bench-lifecycle.txt).
#
# Needs root, runc, jq and a static busybox at /bin/busybox; exits 77
# (skip) without them.  Exits 1 when a container that must run did not
# (infrastructure failure), never because of the numbers: this is a
# benchmark, not a test.
set -eu
export LC_ALL=C # EPOCHREALTIME with a '.', awk's numbers alike
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMRUN=${SHIMRUN:-$top_builddir/runtime/shimrun}
ROUNDS=${ROUNDS:-5}
ITERATIONS=${ITERATIONS:-20}
POLL=${POLL:-0.01}
RUNSC_PLATFORM=${RUNSC_PLATFORM:-ptrace}
BENCH_OUT=${BENCH_OUT:-./bench-lifecycle.txt}

skip() { echo "bench-lifecycle: SKIP: $*"; exit 77; }
die() { echo "bench-lifecycle: FAIL: $*" >&2; exit 1; }
# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
# shellcheck source=tests/lib/bench.sh
. "$top_srcdir/tests/lib/bench.sh"
# libtool's wrapper script is unwrapped; on a tmpfs the fsyncs of
# shimrun's rewrite and records cost what they cost on a node (on this VM's
# ext4 /tmp, some 2 ms a create).
bench_prepare bench-lifecycle
bench_tmpfs bench-lifecycle
# Searchable by all, as in bench-syscalls.sh: should a spec map root to
# another uid, that uid must still reach the root file system.
chmod 755 "$tmp"
# Every runtime keeps its state in a private root, so that the containers
# found there are ours; each lifecycle deletes its own, so this only finds
# ones left by a failure or a killed run.  shimrun's root is runc's format.
cleanup() {
	set +e
	local root id
	for root in "$tmp/root.runc" "$tmp/root.shimrun" "$tmp/root.rss"; do
		[ -d "$root" ] && delete_containers "$RUNC" "$root"
	done
	if [ -d "$tmp/root.runsc" ]; then
		for id in $(runsc --root "$tmp/root.runsc" list -quiet 2>/dev/null); do
			runsc --root "$tmp/root.runsc" --platform="$RUNSC_PLATFORM" --network=none \
				delete -force "$id" >/dev/null 2>&1
		done
	fi
	unmount_below "$tmp"
	umount "$tmp" && rmdir "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shimrun's id-range pool stays ours too.
export SHIMRUN_STATE_DIR=$tmp/state

# ---- the configurations -----------------------------------------------------------
configs=(a b c m n g p d e s r k)
declare -A label=([a]=runc+hardened [b]=shimrun [c]=shimrun+rewrite [m]=shimrun-cache-miss [d]=runc [e]=runc+ctr [f]=runsc [g]=shimrun-no-userns [n]=runc-no-userns [p]=shimrun-gpu-policy [s]=runc+hard-no-seccomp [r]=runc+hard-runc-seccomp [k]=runc+hard-no-hook)
if command -v runsc >/dev/null; then
	configs+=(f)
else
	notes+=("f (runsc): skipped: runsc not installed")
fi

# rt CFG: the runtime's command line for configuration CFG, in ${rt[@]}:
# the global flags go on every command, as containerd's shim passes them.
rt() {
	case $1 in
	a | d | e | n | s | r | k) rt=("$RUNC" --root "$tmp/root.runc") ;;
	b | c | m) rt=("$SHIMRUN" --delegate "$RUNC" --audit-log "$tmp/audit.log" --root "$tmp/root.shimrun") ;;
	g) rt=("$SHIMRUN" --delegate "$RUNC" --audit-log "$tmp/audit.log" --root "$tmp/root.shimrun"
		--policy "$tmp/no-userns.json") ;;
	p) rt=("$SHIMRUN" --delegate "$RUNC" --audit-log "$tmp/audit.log" --root "$tmp/root.shimrun"
		--policy "$top_srcdir/profiles/policy/gpu.json") ;;
	f) rt=(runsc --root "$tmp/root.runsc" --platform="$RUNSC_PLATFORM" --network=none) ;;
	esac
}

# ---- the bundles -----------------------------------------------------------------
# One read-only root file system for all: busybox, /bin/true a link to it.
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/tmp" "$rootfs/etc"
cp /bin/busybox "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/true"
ln -s busybox "$rootfs/bin/sh"

# A bundle directory for each configuration, none shared: shimrun writes
# into its bundles.
mkdir -p "$tmp/a" "$tmp/b" "$tmp/c" "$tmp/m" "$tmp/d" "$tmp/e" "$tmp/f" "$tmp/g" "$tmp/p" "$tmp/s" "$tmp/r" "$tmp/k" "$tmp/rss"
(cd "$tmp" && "$RUNC" spec && mv config.json spec.json)
runc_spec_seccomp=$(jq -c '.linux.seccomp' "$tmp/spec.json")
if [ "$runc_spec_seccomp" = null ]; then
	notes+=("d (runc): checked: runc spec writes no linux.seccomp: no filter")
else
	notes+=("d (runc): runc spec wrote a linux.seccomp section; deleted for (d)")
fi
# The unhardened spec (d): runc spec's, running /bin/true.
jq --arg root "$rootfs" '.process.terminal = false
	| .process.args = ["/bin/true"]
	| .root.path = $root
	| del(.linux.seccomp)' "$tmp/spec.json" >"$tmp/unhardened.json"
cp "$tmp/unhardened.json" "$tmp/d/config.json"
cp "$tmp/unhardened.json" "$tmp/c/config.json"
cp "$tmp/unhardened.json" "$tmp/m/config.json"
cp "$tmp/unhardened.json" "$tmp/f/config.json"
cp "$tmp/unhardened.json" "$tmp/g/config.json"
cp "$tmp/unhardened.json" "$tmp/p/config.json"
echo '{"version": 1, "controls": {"user-namespace": {"mode": "off"}, "run-as-root": {"mode": "warn"}}}' \
	>"$tmp/no-userns.json"
# (e): containerd's default profile, as `ctr run --seccomp` writes it.
jq --slurpfile ctr "$top_srcdir/tests/fixtures/ctr-seccomp.json" \
	'.linux.seccomp = $ctr[0].linux.seccomp' "$tmp/unhardened.json" >"$tmp/e/config.json"
# (a) and (b): the hardened spec, as shimrun writes it (with its hook);
# (n): the same without a user namespace, as shimrun writes it for (g).
# harden POLICY-ARGS... OUT: what shimrun makes of the unhardened spec.
harden() {
	local out=${*: -1}
	rm -rf "$tmp/h" && mkdir -p "$tmp/h" && cp "$tmp/unhardened.json" "$tmp/h/config.json"
	"$SHIMRUN" "${@:1:$#-1}" --delegate /bin/true --audit-log "$tmp/h.audit" create \
		--bundle "$tmp/h" "harden-$$" >"$tmp/harden.out" 2>&1 || {
		cat "$tmp/harden.out"
		die "shimrun could not harden the spec"
	}
	cp "$tmp/h/config.json" "$tmp/$out"
	# Gives back the id range and unmounts the idmapped rootfs.
	"$SHIMRUN" "${@:1:$#-1}" --delegate /bin/true delete "harden-$$" >/dev/null 2>&1
}
harden hardened.json
harden --policy "$tmp/no-userns.json" hardened-no-userns.json
cp "$tmp/hardened.json" "$tmp/a/config.json"
cp "$tmp/hardened.json" "$tmp/b/config.json"
mkdir -p "$tmp/n" && cp "$tmp/hardened-no-userns.json" "$tmp/n/config.json"
# (s), (k): (a)'s spec less one part each; (r): its filter for runc to
# compile.  The loader's form (libshim/loader.c): the annotation, the last
# two mounts, the loader first in process.args.
[ "$(jq -r '.process.args[0]' "$tmp/hardened.json")" = /dev/.shim/seccomp-loader ] ||
	die "the hardened spec does not start through shimrun's seccomp loader"
unload='del(.annotations["dev.shim.seccomp"]) | .mounts = .mounts[:-2] | .process.args = .process.args[1:]'
jq "$unload" "$tmp/hardened.json" >"$tmp/s/config.json"
jq ".linux.seccomp = (.annotations[\"dev.shim.seccomp\"] | fromjson) | $unload" \
	"$tmp/hardened.json" >"$tmp/r/config.json"
jq 'del(.hooks)' "$tmp/hardened.json" >"$tmp/k/config.json"
[ "$(jq -c '.hooks | keys' "$tmp/hardened.json")" = '["createRuntime"]' ] &&
	notes+=("k (runc+hard-no-hook): checked: the hardened spec's only hooks are shimrun's createRuntime one") ||
	notes+=("k (runc+hard-no-hook): WARNING: the hardened spec has other hooks, which (k) drops too")

# ---- one lifecycle ---------------------------------------------------------------
# lifecycle CFG ID: create, start, wait, delete of container ID under
# configuration CFG; sets create, start, wait, delete (microseconds) and
# polls (how many `state` calls the wait took).  Returns non-zero, with
# what failed in $tmp/err, when a step fails.  The timed commands run
# without a timeout(1) in front (it would add a fork and exec to each);
# the wait gives up after 3000 polls.
lifecycle() {
	local cfg=$1 id=$2 t0 t1 t2 t3 t4 out
	rt "$cfg"
	: >"$tmp/err"
	# (c), (g): shimrun rewrote config.json last time; put the original back.
	case $cfg in c | m | g | p) cp "$tmp/unhardened.json" "$tmp/$cfg/config.json" ;; esac
	# (m): its own state directory, its seccomp cache empty.
	export SHIMRUN_STATE_DIR=$tmp/state
	[ "$cfg" != m ] || { SHIMRUN_STATE_DIR=$tmp/state-m && rm -rf "$tmp/state-m/seccomp"; }
	t0=${EPOCHREALTIME/./}
	"${rt[@]}" create --bundle "$tmp/$cfg" "$id" </dev/null >/dev/null 2>>"$tmp/err" ||
		{ echo "create failed" >>"$tmp/err"; return 1; }
	t1=${EPOCHREALTIME/./}
	"${rt[@]}" start "$id" </dev/null >/dev/null 2>>"$tmp/err" ||
		{ echo "start failed" >>"$tmp/err"; return 1; }
	t2=${EPOCHREALTIME/./}
	polls=0
	while :; do
		out=$("${rt[@]}" state "$id" </dev/null 2>>"$tmp/err") ||
			{ echo "state failed" >>"$tmp/err"; return 1; }
		polls=$((polls + 1))
		[[ $out =~ \"status\":\ *\"stopped\" ]] && break
		[ "$polls" -lt 3000 ] || { echo "still not stopped after $polls polls: $out" >>"$tmp/err"; return 1; }
		sleep "$POLL"
	done
	t3=${EPOCHREALTIME/./}
	"${rt[@]}" delete "$id" </dev/null >/dev/null 2>>"$tmp/err" ||
		{ echo "delete failed" >>"$tmp/err"; return 1; }
	t4=${EPOCHREALTIME/./}
	create=$((t1 - t0)) start=$((t2 - t1)) wait=$((t3 - t2)) delete=$((t4 - t3))
}

# drop CFG: takes a configuration out of the remaining rounds and the table.
drop() {
	local c kept=()
	for c in "${configs[@]}"; do [ "$c" = "$1" ] || kept+=("$c"); done
	configs=("${kept[@]}")
}

# ---- warm-up and checks ----------------------------------------------------------
# One untimed lifecycle each: caches warm, every runtime proven to work.
# runsc failing here is a host that cannot run it: a missing column, not a
# failed benchmark.
echo "bench-lifecycle: warm-up: ${configs[*]}"
for cfg in "${configs[@]}"; do
	st=0
	lifecycle "$cfg" "bench-lc-$$-$cfg-warmup" || st=$?
	[ "$st" -eq 0 ] && continue
	if [ "$cfg" = f ]; then
		drop f
		notes+=("f (runsc): skipped: runsc --platform=$RUNSC_PLATFORM cannot run /bin/true here: $(tail -n 3 "$tmp/err" | tr '\n' ' ')")
		echo "bench-lifecycle: ${notes[-1]}"
		continue
	fi
	cat "$tmp/err" >&2
	die "${label[$cfg]} ($cfg): the warm-up lifecycle failed"
done
# What shimrun did with its inputs: (b) must be left as it was (already
# hardened: nothing written), (c) rewritten to (a)'s spec.
if cmp -s "$tmp/b/config.json" "$tmp/hardened.json" && [ ! -e "$tmp/b/config.json.orig" ]; then
	notes+=("b (shimrun): checked: the hardened input was left as it was (no rewrite, no config.json.orig)")
else
	notes+=("b (shimrun): WARNING: shimrun rewrote the already hardened config.json: (b) measures a rewrite too")
fi
if cmp -s "$tmp/c/config.json" "$tmp/hardened.json" && cmp -s "$tmp/c/config.json.orig" "$tmp/unhardened.json"; then
	notes+=("c (shimrun+rewrite): checked: shimrun wrote the same hardened config.json as (a) runs, and the original as config.json.orig")
else
	notes+=("c (shimrun+rewrite): WARNING: shimrun's config.json (or config.json.orig) differs from (a)'s (or the original)")
fi
audit_lines=$(jq -r '.decision' "$tmp/audit.log" | paste -s -d ' ' -)
[ "$audit_lines" = "hardened hardened hardened hardened hardened" ] ||
	die "the audit log after the warm-up has '$audit_lines', not one 'hardened' record each for (b), (c), (m), (g) and (p)"

# ---- the rounds ------------------------------------------------------------------
# One "ROUND CFG PHASE US" line per phase and lifecycle, in the order they
# ran; PHASE total is the sum of the four.
data=$tmp/data
: >"$data"
loadavg_start=$(cut -d ' ' -f 1-3 /proc/loadavg)
# record ROUND CFG: the last lifecycle's phases in $data.
record() {
	printf '%s %s %s %s\n' \
		"$1" "$2" create "$create" \
		"$1" "$2" start "$start" \
		"$1" "$2" wait "$wait" \
		"$1" "$2" delete "$delete" \
		"$1" "$2" total "$((create + start + wait + delete))" \
		"$1" "$2" polls "$polls" >>"$data"
}
# runsc on its own, after the others: gVisor's sandbox winds down in the
# background for seconds after its delete, and slowed the configurations
# that followed it in the round-robin by up to 10 ms.
rr=()
for cfg in "${configs[@]}"; do [ "$cfg" = f ] || rr+=("$cfg"); done
# The warm-up ended with runsc: let its sandbox go first.
[ "${#rr[@]}" -eq "${#configs[@]}" ] || sleep 3
for round in $(seq "$ROUNDS"); do
	echo "bench-lifecycle: round $round of $ROUNDS: ${rr[*]}, $ITERATIONS lifecycles each"
	for iter in $(seq "$ITERATIONS"); do
		# Each lifecycle in turn starts the round-robin, so that no
		# configuration always follows the same one.
		for k in "${!rr[@]}"; do
			cfg=${rr[$(((k + iter) % ${#rr[@]}))]}
			lifecycle "$cfg" "bench-lc-$$-$cfg-$round-$iter" || {
				cat "$tmp/err" >&2
				die "${label[$cfg]} ($cfg): lifecycle $iter of round $round failed"
			}
			record "$round" "$cfg"
		done
	done
done
if [ "${#rr[@]}" -lt "${#configs[@]}" ]; then
	notes+=("f (runsc): measured after the others, $ROUNDS rounds of $ITERATIONS")
	for round in $(seq "$ROUNDS"); do
		echo "bench-lifecycle: runsc, round $round of $ROUNDS"
		for iter in $(seq "$ITERATIONS"); do
			lifecycle f "bench-lc-$$-f-$round-$iter" || {
				cat "$tmp/err" >&2
				die "runsc (f): lifecycle $iter of round $round failed"
			}
			record "$round" f
		done
	done
fi
loadavg_end=$(cut -d ' ' -f 1-3 /proc/loadavg)
audit_count=$(wc -l <"$tmp/audit.log")
expected=$((4 + 4 * ROUNDS * ITERATIONS))
[ "$audit_count" -eq "$expected" ] ||
	notes+=("WARNING: the audit log has $audit_count records, $expected creates went through shimrun")

# ---- peak memory -----------------------------------------------------------------
# maxrss CMD...: the peak RSS (KiB) of CMD, i.e. of every program it
# exec'ed (ru_maxrss carries over exec), and of the measuring program's
# own pages that the child starts with before its exec: the "floor" row
# (/bin/true alone) shows those.
if [ -x /usr/bin/time ]; then
	rss_tool="/usr/bin/time -f %M (GNU time forks: its child starts with time's few pages)"
	maxrss() {
		/usr/bin/time -f %M -o "$tmp/rss.out" "$@" </dev/null >/dev/null 2>>"$tmp/rss.err" &&
			cat "$tmp/rss.out"
	}
elif command -v python3 >/dev/null; then
	# The child starts as a copy of python (vfork or fork, its pages count
	# at the exec): a floor of some 14 MB, above shimrun's own peak.
	rss_tool="python3 resource.getrusage(RUSAGE_CHILDREN): its child starts as a copy of python, so a figure at the floor only says shimrun stays below it (GNU time, package time, measures shimrun's own)"
	maxrss() {
		python3 -c '
import resource, subprocess, sys
if subprocess.run(sys.argv[1:]).returncode != 0:
    sys.exit(1)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@" </dev/null 2>>"$tmp/rss.err"
	}
else
	rss_tool=
fi
# rss CMD...: the median of 5 runs of maxrss CMD.  With "create" for CMD:
# shimrun's create on the bundle $tmp/rss, its config.json restored from
# $rss_input before each run (shimrun rewrites it on the first).
rss() {
	local restore=false
	if [ "$1" = create ]; then
		restore=true
		set -- "${s[@]}" create --bundle "$tmp/rss" bench-lc-rss
	fi
	: >"$tmp/rss.values"
	for _ in 1 2 3 4 5; do
		! $restore || cp "$tmp/$rss_input" "$tmp/rss/config.json"
		maxrss "$@" >>"$tmp/rss.values" || return 1
	done
	sort -n "$tmp/rss.values" | sed -n 3p
}
rss_rows=()
if [ -n "$rss_tool" ]; then
	echo "bench-lifecycle: peak RSS of shimrun's commands"
	s=("$SHIMRUN" --delegate /bin/true --audit-log "$tmp/rss-audit.log" --root "$tmp/root.rss")
	{
		rss_rows+=("floor: /bin/true alone|$(rss /bin/true)") &&
			rss_input=unhardened.json &&
			rss_rows+=("create (unhardened input: harden, rewrite, audit)|$(rss create)") &&
			rss_input=hardened.json &&
			rss_rows+=("create (hardened input: nothing written, audit)|$(rss create)") &&
			rss_rows+=("start|$(rss "${s[@]}" start bench-lc-rss)") &&
			rss_rows+=("state|$(rss "${s[@]}" state bench-lc-rss)") &&
			rss_rows+=("delete|$(rss "${s[@]}" delete bench-lc-rss)")
	} || die "shimrun --delegate /bin/true failed: $(tail -n 3 "$tmp/rss.err" | tr '\n' ' ')"
fi

# ---- the seccomp loader's own cost ---------------------------------------------
# `shim-seccomp-loader /bin/true` against /bin/true (busybox, static), run
# alternately 200 times each in a mount namespace of its own whose /dev/.shim
# holds the hardened spec's cached filter, as a container's does: the median
# of each, in microseconds (fork and exec included in both).
echo "bench-lifecycle: the seccomp loader's own cost"
loader=$(jq -r '.mounts[-2].source' "$tmp/hardened.json")
filter=$(jq -r '.mounts[-1].source' "$tmp/hardened.json")
unshare -m bash -c '
	mount -t tmpfs none /dev && mkdir /dev/.shim && cp "$2" /dev/.shim/seccomp.bpf || exit 1
	for i in $(seq 200); do
		t0=${EPOCHREALTIME/./}; "$1" "$3" true; t1=${EPOCHREALTIME/./}
		"$3" true; t2=${EPOCHREALTIME/./}
		echo "loader x $((t1 - t0))"; echo "plain x $((t2 - t1))"
	done' loader-cost "$loader" "$filter" "$rootfs/bin/busybox" >"$tmp/loader.data" ||
	die "the seccomp loader could not run /bin/true"
loader_cost=$(bench_median 0 <"$tmp/loader.data" | awk '{ v[$1] = $3 } END { printf "%d us with the loader, %d us without: %d us", v["loader"], v["plain"], v["loader"] - v["plain"] }')

# ---- the results -----------------------------------------------------------------
# "CFG PHASE MEDIAN" over all rounds, and "ROUND:CFG PHASE MEDIAN" of each
# round, from $data.
bench_medians "$data" >"$tmp/median"
# Every configuration's ratios are to (a).
declare -A base
# shellcheck disable=SC2034 # bench_table reads it by name
for cfg in "${configs[@]}"; do base[$cfg]=a; done

results() {
	local cfg n
	printf '# bench-lifecycle %s; load average %s at the start, %s at the end\n' \
		"$(bench_host)" "$loadavg_start" "$loadavg_end"
	printf '# %s; %s; %s; %s; %s\n' \
		"$(runc --version | head -n 1)" \
		"$(if command -v runsc >/dev/null; then echo "$(runsc --version | head -n 1) (--platform=$RUNSC_PLATFORM)"; else echo "runsc: none"; fi)" \
		"$("$SHIMRUN" --delegate /bin/true --version | head -n 1)" \
		"$(/bin/busybox | head -n 1 | cut -d ' ' -f 1-2)" "bash $BASH_VERSION"
	printf '# %s rounds x %s lifecycles per configuration, round-robin; wait: "state ID" every %ss until stopped\n' \
		"$ROUNDS" "$ITERATIONS" "$POLL"
	for n in "${notes[@]}"; do printf '# %s\n' "$n"; done
	printf '# ms per lifecycle of /bin/true, median over all lifecycles (total: of the sums, not the sum of the medians);\n'
	printf '# (ratio) to runc with the same hardened spec (a)\n'
	bench_table "$tmp/median" configuration 22 "total create start wait delete" polls \
		label base "${configs[@]}"
	# The headline, and each round's own figure for its spread.
	awk -v rounds="$ROUNDS" '
		$2 == "total" { t[$1] = $3 / 1000 }
		END {
			printf "# shimrun'"'"'s share over runc, same hardened spec: (b - a) / a = %+.1f%% (%.2f ms; target: 5%% at most)\n",
				(t["b"] - t["a"]) / t["a"] * 100, t["b"] - t["a"]
			printf "#   per round:"
			for (r = 1; r <= rounds; r++)
				printf " %+.1f%%", (t[r ":b"] - t[r ":a"]) / t[r ":a"] * 100
			printf "\n"
			printf "# shimrun hardening and rewriting as well, (c - a) / a = %+.1f%%; over plain runc, (c - d) / d = %+.1f%%\n",
				(t["c"] - t["a"]) / t["a"] * 100, (t["c"] - t["d"]) / t["d"] * 100
			printf "# user namespace set-up (id range claimed and released, idmapped root file system, runc creating the namespace), (c - g) / g = %+.1f%% (%.2f ms)\n",
				(t["c"] - t["g"]) / t["g"] * 100, t["c"] - t["g"]
			printf "# the wrapper'"'"'s share without user namespaces, (g - n) / n = %+.1f%% (%.2f ms)\n",
				(t["g"] - t["n"]) / t["n"] * 100, t["g"] - t["n"]
			printf "# the GPU policy over the strict one, same spec, (p - c) / c = %+.1f%% (%.2f ms; target: 5%% at most)\n",
				(t["p"] - t["c"]) / t["c"] * 100, t["p"] - t["c"]
			printf "# a hardened start over plain runc, (a - d) = %.2f ms; without its seccomp filter, %.2f ms less (a - s); without the metadata hook, %.2f ms less (a - k); the parts overlap, they do not add up\n",
				t["a"] - t["d"], t["a"] - t["s"], t["a"] - t["k"]
			printf "# the same filter compiled by runc at the start, (r - a) = %.2f ms more than through the loader\n",
				t["r"] - t["a"]
			printf "# a seccomp cache miss (shimrun compiles and writes the filter), (m - c) = %.2f ms\n",
				t["m"] - t["c"]
			printf "# the seccomp loader itself (filter read and installed, one more exec), median of 200: %s\n", loader_cost
			printf "# containerd'"'"'s profile over none, (e - d) = %.2f ms; shimrun as for real over runc with it, c / e = %.3f (issue 21: 0.90 at most); over runc without seccomp, c / d = %.3f (stretch: 1.03)\n",
				t["e"] - t["d"], t["c"] / t["e"], t["c"] / t["d"]
			printf "#   c / e per round:"
			for (r = 1; r <= rounds; r++)
				printf " %.3f", t[r ":c"] / t[r ":e"]
			printf "; c / d per round:"
			for (r = 1; r <= rounds; r++)
				printf " %.3f", t[r ":c"] / t[r ":d"]
			printf "\n"
		}' loader_cost="$loader_cost" "$tmp/median"
	if [ -n "$rss_tool" ]; then
		printf '# peak RSS of shimrun --delegate /bin/true CMD (KiB, median of 5): the maximum of shimrun and of\n'
		printf '# /bin/true it execs (ru_maxrss carries over exec); measured with %s\n' "$rss_tool"
		for n in "${rss_rows[@]}"; do printf '%-52s %8s KiB\n' "${n%%|*}" "${n##*|}"; done
	else
		printf '# peak RSS: not measured (neither /usr/bin/time nor python3)\n'
	fi
}

results | tee "$BENCH_OUT"
bench_rounds "$tmp/median" lifecycle >>"$BENCH_OUT"
echo "bench-lifecycle: results in $BENCH_OUT"
