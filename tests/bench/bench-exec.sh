#!/bin/bash
# What a process exec'd into a running container costs (what containerd
# does for ExecSync and `kubectl exec`: `exec --process FILE ID`), measured
# side by side: /bin/true exec'd into a running busybox container under
# each configuration below, round-robin (in each of ROUNDS rounds,
# ITERATIONS execs each of a, c, d, e), so that a slow second hits every
# configuration alike; runsc after them.  The table gives each configuration's median
# and its ratio to (e), runc given containerd's default profile.
#
#   d  runc            the container from runc spec's config, no seccomp
#   e  runc+ctr        (d) with containerd's default seccomp profile: runc
#                      compiles it again for every exec
#   a  runc+hardened   runc, exec'ing into (c)'s container the process as
#                      shimrun hands it over (hardened, through the seccomp
#                      loader): the wrapper's share is (c - a)
#   c  shimrun         $SHIMRUN exec --process: the process judged and
#                      hardened against its container, then runc
#   f  runsc           (d) under gVisor, measured after the others
#                      (BENCH_RUNSC=0, or runsc unable to run a container
#                      here: skipped, with the reason)
#
# Environment: top_builddir, top_srcdir, SHIMRUN, ROUNDS (default 5),
# ITERATIONS (default 20), RUNSC_PLATFORM (default ptrace), BENCH_OUT
# (default ./bench-exec.txt).  Needs root, runc, jq and busybox-static;
# exits 77 (skip) without them.  A benchmark, not a test: exits 1 only when
# an exec that must work fails.
set -eu
export LC_ALL=C
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMRUN=${SHIMRUN:-$top_builddir/runtime/shimrun}
ROUNDS=${ROUNDS:-5}
ITERATIONS=${ITERATIONS:-20}
RUNSC_PLATFORM=${RUNSC_PLATFORM:-ptrace}
BENCH_OUT=${BENCH_OUT:-./bench-exec.txt}

die() { echo "bench-exec: FAIL: $*" >&2; exit 1; }
# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
# shellcheck source=tests/lib/bench.sh
. "$top_srcdir/tests/lib/bench.sh"
bench_prepare bench-exec
bench_tmpfs bench-exec
export SHIMRUN_STATE_DIR=$tmp/state SHIMRUN_AUDIT_LOG=$tmp/audit.log
runsc_rt=(runsc --root "$tmp/root.runsc" --platform="$RUNSC_PLATFORM" --network=none)
cleanup() {
	set +e
	"$SHIMRUN" --delegate "$RUNC" --root "$tmp/root.shimrun" delete -f c >/dev/null 2>&1
	delete_containers "$RUNC" "$tmp/root.runc"
	[ -d "$tmp/root.runsc" ] && "${runsc_rt[@]}" delete -force f >/dev/null 2>&1
	unmount_below "$tmp"
	umount "$tmp" && rmdir "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the containers -----------------------------------------------------------------
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/tmp" "$rootfs/etc"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in true sleep sh; do ln -s busybox "$rootfs/bin/$applet"; done
(cd "$tmp" && "$RUNC" spec && mv config.json spec.json)
jq --arg root "$rootfs" '.process.terminal = false | .process.args = ["/bin/sleep", "100000"]
	| .root.path = $root | del(.linux.seccomp)' "$tmp/spec.json" >"$tmp/unhardened.json"
for c in c d e f; do mkdir -p "$tmp/$c"; done
cp "$tmp/unhardened.json" "$tmp/d/config.json"
cp "$tmp/unhardened.json" "$tmp/f/config.json"
cp "$tmp/unhardened.json" "$tmp/c/config.json"
jq --slurpfile ctr "$top_srcdir/tests/fixtures/ctr-seccomp.json" \
	'.linux.seccomp = $ctr[0].linux.seccomp' "$tmp/unhardened.json" >"$tmp/e/config.json"
# The exec'd process, as containerd writes it: the container's user, cwd
# and environment, /bin/true.
jq '.process | .args = ["/bin/true"]' "$tmp/unhardened.json" >"$tmp/process.json"

# rt CFG: the runtime's command line for CFG, in ${rt[@]}.
rt() {
	case $1 in
	d | e) rt=("$RUNC" --root "$tmp/root.runc") ;;
	a) rt=("$RUNC" --root "$tmp/root.shimrun") ;;
	c) rt=("$SHIMRUN" --delegate "$RUNC" --root "$tmp/root.shimrun") ;;
	f) rt=("${runsc_rt[@]}") ;;
	esac
}
configs=(a c d e)
declare -A label=([a]=runc+hardened [c]=shimrun [d]=runc [e]=runc+ctr [f]=runsc)
start() { # CFG
	rt "$1"
	"${rt[@]}" run --detach --bundle "$tmp/$1" "$1" </dev/null >/dev/null 2>"$tmp/err"
}
start c || die "shimrun cannot start the container: $(cat "$tmp/err")"
# (a): the process shimrun hands runc, caught by a delegate that keeps a
# copy of its --process file.
cat >"$tmp/catch" <<EOF
#!/bin/sh
prev=
for a; do [ "\$prev" = --process ] && cp "\$a" "$tmp/process-a.json"; prev=\$a; done
exec "$RUNC" "\$@"
EOF
chmod 755 "$tmp/catch"
"$SHIMRUN" --delegate "$tmp/catch" --root "$tmp/root.shimrun" exec --process "$tmp/process.json" c \
	</dev/null >/dev/null 2>"$tmp/err" && [ -s "$tmp/process-a.json" ] ||
	die "cannot catch the process shimrun hands runc: $(cat "$tmp/err")"
[ "$(jq -r '.process.args[0]' "$tmp/c/config.json")" = /dev/.shim/seccomp-loader ] ||
	notes+=("a, c: WARNING: shimrun's spec does not start through the seccomp loader")
for c in d e; do start "$c" || die "${label[$c]} ($c) cannot start the container: $(cat "$tmp/err")"; done

# exec1 CFG: one timed exec; sets us.
exec1() {
	local p=$tmp/process.json id=$1 t0 t1
	[ "$1" != a ] || p=$tmp/process-a.json id=c
	rt "$1"
	t0=${EPOCHREALTIME/./}
	"${rt[@]}" exec --process "$p" "$id" </dev/null >/dev/null 2>"$tmp/err" || return 1
	t1=${EPOCHREALTIME/./}
	us=$((t1 - t0))
}
echo "bench-exec: warm-up: ${configs[*]}"
for c in "${configs[@]}"; do exec1 "$c" || die "${label[$c]} ($c): exec failed: $(cat "$tmp/err")"; done
data=$tmp/data
: >"$data"
for round in $(seq "$ROUNDS"); do
	echo "bench-exec: round $round of $ROUNDS: ${configs[*]}, $ITERATIONS execs each"
	for iter in $(seq "$ITERATIONS"); do
		# Each exec in turn starts the round-robin.
		for k in "${!configs[@]}"; do
			c=${configs[$(((k + iter) % ${#configs[@]}))]}
			exec1 "$c" || die "${label[$c]} ($c): exec failed: $(cat "$tmp/err")"
			printf '%s %s total %s\n' "$round" "$c" "$us" >>"$data"
		done
	done
done

# runsc last, on its own: its sandbox keeps working in the background
# (ptrace platform) and slowed every exec beside it by a third.
if [ "${BENCH_RUNSC:-1}" = 0 ]; then
	notes+=("f (runsc): skipped: BENCH_RUNSC=0")
elif command -v runsc >/dev/null && start f 2>/dev/null && exec1 f; then
	configs+=(f)
	notes+=("f (runsc): measured after the others, its container started then (a running gVisor sandbox slows whatever runs beside it)")
	echo "bench-exec: runsc: $ROUNDS rounds of $ITERATIONS execs"
	for round in $(seq "$ROUNDS"); do
		for _ in $(seq "$ITERATIONS"); do
			exec1 f || die "runsc (f): exec failed: $(cat "$tmp/err")"
			printf '%s f total %s\n' "$round" "$us" >>"$data"
		done
	done
else
	notes+=("f (runsc): skipped: runsc --platform=$RUNSC_PLATFORM cannot run the container here")
fi
bench_medians "$data" >"$tmp/median"
declare -A base
# shellcheck disable=SC2034 # bench_table reads it by name
for c in "${configs[@]}"; do base[$c]=e; done
{
	printf '# bench-exec %s\n' "$(bench_host)"
	printf '# %s; %s\n' "$("$RUNC" --version | head -n 1)" \
		"$("$SHIMRUN" --delegate /bin/true --version | head -n 1)"
	printf '# %s rounds x %s execs of /bin/true per configuration, round-robin (exec --process FILE ID)\n' \
		"$ROUNDS" "$ITERATIONS"
	for n in "${notes[@]}"; do printf '# %s\n' "$n"; done
	printf '# ms per exec, median; (ratio) to runc given containerd'"'"'s profile (e)\n'
	bench_table "$tmp/median" configuration 22 total '' label base "${configs[@]}"
	awk -v rounds="$ROUNDS" '
		$2 == "total" { t[$1] = $3 / 1000 }
		END {
			printf "# shimrun exec over runc exec with containerd'"'"'s profile, c / e = %.3f (issue 21: 0.90 at most); over runc without seccomp, c / d = %.3f\n",
				t["c"] / t["e"], t["c"] / t["d"]
			printf "#   c / e per round:"
			for (r = 1; r <= rounds; r++)
				printf " %.3f", t[r ":c"] / t[r ":e"]
			printf "\n# the wrapper'"'"'s share (the container'"'"'s spec found and read, the process judged), c - a = %.2f ms\n",
				t["c"] - t["a"]
		}' "$tmp/median"
} | tee "$BENCH_OUT"
bench_rounds "$tmp/median" exec >>"$BENCH_OUT"
echo "bench-exec: results in $BENCH_OUT"
