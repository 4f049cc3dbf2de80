#!/bin/bash
# What the hardening costs a container, measured: tests/bench/syscalls
# (system calls and a compute loop, ns per operation) runs in one busybox
# container under each configuration below, round-robin for ROUNDS rounds,
# so that a slow minute on the host hits every configuration alike.  The
# table gives each operation's median over the rounds and its ratio to
# plain runc (a).
#
#   a  runc            runc spec's config, no seccomp filter
#   b  runc+ctr        (a) with containerd's default seccomp profile (the
#                      linux.seccomp of tests/fixtures/ctr-seccomp.json)
#   c  hardened        what `shimctl harden` makes of (a)
#   d  shimrun         (a) run by $SHIMRUN, which hardens it itself
#                      (only when SHIMRUN names an executable)
#   e  hard+specallow  (c) with SECCOMP_FILTER_FLAG_SPEC_ALLOW: the filter
#                      does not force the Spectre v4 mitigation (SSBD) on,
#                      for the cpu row
#   f  runsc           (a) under gVisor (skipped, with the reason, when
#                      runsc cannot run a container on this host)
#
# Environment: top_builddir (default .), top_srcdir (default: two
# directories above this script), SYSCALLS_BIN (default
# $top_builddir/tests/bench/syscalls; when that default does not exist it
# is compiled from the source with ${CC:-cc} -static), SHIMCTL (default
# $top_builddir/runtime/shimctl), SHIMRUN (unset: no column d), ROUNDS
# (default 5), RUNSC_PLATFORM (default ptrace: works without KVM),
# BENCH_OUT (the results file, default ./bench-syscalls.txt).
#
# Needs root, runc, jq and a static busybox at /bin/busybox; exits 77
# (skip) without them.  Exits 1 when a container that must run did not
# (infrastructure failure), never because of the numbers: this is a
# benchmark, not a test.
set -eu
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMCTL=${SHIMCTL:-$top_builddir/runtime/shimctl}
SHIMRUN=${SHIMRUN:-}
ROUNDS=${ROUNDS:-5}
RUNSC_PLATFORM=${RUNSC_PLATFORM:-ptrace}
BENCH_OUT=${BENCH_OUT:-./bench-syscalls.txt}

skip() { echo "bench-syscalls: SKIP: $*"; exit 77; }
die() { echo "bench-syscalls: FAIL: $*" >&2; exit 1; }
# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
# shellcheck source=tests/lib/bench.sh
. "$top_srcdir/tests/lib/bench.sh"
require_containers bench-syscalls
[ -x "$SHIMCTL" ] || die "no shimctl at $SHIMCTL"
bench_counts bench-syscalls ROUNDS

tmp=$(mktemp -d /tmp/bench-syscalls.XXXXXX)
# Searchable by all: should the hardening map root to another uid (user
# namespace), that uid must still reach the root file system.
chmod 755 "$tmp"
# shimrun's user namespace pool: ours, not the host's /run/shimrun.
export SHIMRUN_STATE_DIR=$tmp/shimrun-state
# Every runtime keeps its state in a private root, so that the containers
# found there are ours; each run deletes its own, so this only finds ones
# left by a killed run.
cleanup() {
	set +e
	local id
	delete_containers runc "$tmp/runc"
	[ -z "$SHIMRUN" ] || delete_containers "$SHIMRUN" "$tmp/shimrun"
	delete_runsc "$tmp/runsc"
	rm -rf --one-file-system -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# make builds it only for `make bench`; the script also runs on its own.
SYSCALLS_BIN=${SYSCALLS_BIN:-$(static_program bench-syscalls "$top_builddir/tests/bench/syscalls" \
	"$top_srcdir/tests/bench/syscalls.c" "$tmp")}
[ -x "$SYSCALLS_BIN" ] || die "no syscalls program at $SYSCALLS_BIN"

# ---- the configurations -----------------------------------------------------------
# Which of a-f run here; a skipped one is named in the results with why.
configs=(a b c)
declare -A label=([a]=runc [b]=runc+ctr [c]=hardened [d]=shimrun [e]=hard+specallow [f]=runsc)
notes=()
if [ -z "$SHIMRUN" ]; then
	notes+=("d (shimrun): skipped: SHIMRUN is not set")
elif [ -x "$SHIMRUN" ]; then
	configs+=(d)
else
	die "SHIMRUN=$SHIMRUN is not an executable"
fi
# runc before 1.2 refuses any linux.seccomp.flags ("seccomp flags are not
# yet supported by runc"); 1.2 and later list those they can apply in
# `runc features` (and set SPEC_ALLOW themselves when a spec has no flags).
if runc features 2>/dev/null |
	jq -e '.linux.seccomp.supportedFlags // [] | index("SECCOMP_FILTER_FLAG_SPEC_ALLOW")' >/dev/null; then
	configs+=(e)
else
	notes+=("e (hard+specallow): skipped: $(runc --version | head -n 1) cannot apply SECCOMP_FILTER_FLAG_SPEC_ALLOW here (runc before 1.2 takes no seccomp flags at all)")
fi
if command -v runsc >/dev/null; then
	configs+=(f)
else
	notes+=("f (runsc): skipped: runsc not installed")
fi

# ---- the bundles -----------------------------------------------------------------
# One root file system for all: busybox (for a shell to look around with)
# and the benchmark at /syscalls.  The root stays read-only (runc spec's
# default), so every configuration can share it; /tmp, where open-close
# works, is a tmpfs in every spec.
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/tmp" "$rootfs/etc"
cp /bin/busybox "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"
install -m 0755 "$SYSCALLS_BIN" "$rootfs/syscalls"

# A bundle (a directory with its config.json) for each runc configuration;
# shimrun (d) and runsc (f) run (a)'s.
mkdir -p "$tmp/a" "$tmp/b" "$tmp/c"
(cd "$tmp" && runc spec && mv config.json spec.json)
# (a): runc spec's config, running /syscalls, with no seccomp filter (runc
# spec writes none; deleted anyway, so that (a) stays the unfiltered base
# should a runc version add one).
jq --arg root "$rootfs" '.process.terminal = false
	| .process.args = ["/syscalls"]
	| .root.path = $root
	| del(.linux.seccomp)
	| .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "mode=1777", "size=16m"]}]' \
	"$tmp/spec.json" >"$tmp/a/config.json"
# (b): containerd's default profile, as `ctr run --seccomp` writes it.
jq --slurpfile ctr "$top_srcdir/tests/fixtures/ctr-seccomp.json" \
	'.linux.seccomp = $ctr[0].linux.seccomp' "$tmp/a/config.json" >"$tmp/b/config.json"
# (c): the hardened spec; what shimctl changed goes to the log.
"$SHIMCTL" harden "$tmp/a/config.json" -o "$tmp/c/config.json" >"$tmp/harden.out" 2>&1 || {
	cat "$tmp/harden.out"
	die "shimctl harden failed"
}
# (e): (c) with the flag that leaves speculative store bypass alone.
if [[ " ${configs[*]} " == *" e "* ]]; then
	mkdir -p "$tmp/e"
	jq '.linux.seccomp.flags = ((.linux.seccomp.flags // []) + ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"] | unique)' \
		"$tmp/c/config.json" >"$tmp/e/config.json"
fi

# run_ctr CFG ROUND: runs /syscalls under configuration CFG, output in
# $tmp/out.CFG.ROUND, errors in $tmp/err; returns the run's exit status.
# Every run gets a fresh id; run deletes the container when it exits.
run_ctr() {
	local cfg=$1 round=$2 id=bench-syscalls-$$-$1-$2
	local -a cmd
	case $cfg in
	# shimrun takes runc's command line and hardens spec (a) itself.
	d) cmd=("$SHIMRUN" --root "$tmp/shimrun" run --bundle "$tmp/a" "$id") ;;
	# --network=none: no network stack to set up (the benchmark needs
	# none, and (a) has an empty network namespace too).  gVisor ignores
	# linux.seccomp unless told otherwise, so (a)'s spec is the right one.
	f) cmd=(runsc --root "$tmp/runsc" --network=none --platform="$RUNSC_PLATFORM"
		run -bundle "$tmp/a" "$id") ;;
	*) cmd=(runc --root "$tmp/runc" run --bundle "$tmp/$cfg" "$id") ;;
	esac
	# -k: a process that ignores SIGTERM (container init does) is killed.
	timeout -k 5 600 "${cmd[@]}" </dev/null >"$tmp/out.$cfg.$round" 2>"$tmp/err"
}

# drop CFG: takes a configuration out of the remaining rounds and the table.
drop() {
	local c kept=()
	for c in "${configs[@]}"; do [ "$c" = "$1" ] || kept+=("$c"); done
	configs=("${kept[@]}")
}

# The per-round results, one "CFG OP NS" line each, in the order they ran.
data=$tmp/data
: >"$data"
for round in $(seq "$ROUNDS"); do
	echo "bench-syscalls: round $round of $ROUNDS: ${configs[*]}"
	for cfg in "${configs[@]}"; do
		st=0
		run_ctr "$cfg" "$round" || st=$?
		if [ "$st" -eq 0 ]; then
			awk -v c="$cfg" '!/^#/ && NF == 2 { print c, $1, $2 }' "$tmp/out.$cfg.$round" >>"$data"
			continue
		fi
		# gVisor failing on its first run is a host that cannot run
		# it (no ptrace, old kernel, ...): a missing column, not a
		# failed benchmark.
		if [ "$cfg" = f ] && [ "$round" -eq 1 ]; then
			drop f
			notes+=("f (runsc): skipped: runsc --platform=$RUNSC_PLATFORM cannot run a container here (exit $st): $(tail -n 3 "$tmp/err" | tr '\n' ' ')")
			echo "bench-syscalls: ${notes[-1]}"
			continue
		fi
		cat "$tmp/out.$cfg.$round" "$tmp/err"
		die "${label[$cfg]} ($cfg): the container exited with $st in round $round"
	done
done

# ---- the results -----------------------------------------------------------------
# median: "CFG OP MEDIAN" for each configuration and operation in $data.
median() { bench_median 2 <"$data"; }

# The store-bypass speculation state each configuration's process saw
# (round 1; the same in every round).
ssb_inside() {
	local cfg
	for cfg in "${configs[@]}"; do
		printf '%s: %s\n' "${label[$cfg]}" \
			"$(sed -n 's/^# store-bypass speculation: //p' "$tmp/out.$cfg.1")"
	done | paste -s -d ';' - | sed 's/;/; /g'
}

# What decides whether seccomp turns SSBD on: the CPU (the host's
# vulnerabilities file) and spec_store_bypass_disable= on the command line.
ssb_cmdline=$(tr ' ' '\n' </proc/cmdline | grep -E '^(spec_store_bypass_disable|mitigations)=' | paste -s -d ' ' - || true)

results() {
	local cfg n
	printf '# bench-syscalls %s; %s; %s; rounds: %s\n' "$(bench_host)" \
		"$(runc --version | head -n 1)" \
		"$(if command -v runsc >/dev/null; then echo "$(runsc --version | head -n 1) (--platform=$RUNSC_PLATFORM)"; else echo "runsc: none"; fi)" \
		"$ROUNDS"
	printf '# host spec_store_bypass: %s; kernel command line: %s\n' \
		"$(cat /sys/devices/system/cpu/vulnerabilities/spec_store_bypass 2>/dev/null || echo unknown)" \
		"${ssb_cmdline:-no spec_store_bypass_disable= (default: prctl since Linux 5.16)}"
	printf '# store-bypass speculation inside: %s\n' "$(ssb_inside)"
	for n in "${notes[@]}"; do printf '# %s\n' "$n"; done
	printf '# ns per operation, median over rounds; (ratio) to runc without seccomp (a)\n'
	printf '%-15s' op
	for cfg in "${configs[@]}"; do printf ' %22s' "${label[$cfg]} ($cfg)"; done
	printf '\n'
	# First file: the raw data, for the order the program ran the
	# operations in; second: the medians.
	median >"$tmp/median"
	awk -v cfgs="${configs[*]}" '
		BEGIN { ncfg = split(cfgs, cfg, " ") }
		NR == FNR { if (!($2 in seen)) { seen[$2] = 1; op[++nop] = $2 }; next }
		{ ns[$1, $2] = $3 }
		END {
			for (i = 1; i <= nop; i++) {
				printf "%-15s", op[i]
				for (j = 1; j <= ncfg; j++) {
					v = ns[cfg[j], op[i]]
					if (cfg[j] == "a")
						printf " %22.2f", v
					else
						printf " %12.2f (%6.2f)", v, v / ns["a", op[i]]
				}
				printf "\n"
			}
		}' "$data" "$tmp/median"
}

# rounds: every round's figure, for judging the spread (results file only).
rounds() {
	printf '# every round, ns per operation:\n'
	awk '{ k = $1 " " $2; if (!(k in v)) key[++n] = k; v[k] = v[k] " " $3 }
		END { for (i = 1; i <= n; i++) printf "#   %-22s%s\n", key[i], v[key[i]] }' "$data"
}

results | tee "$BENCH_OUT"
rounds >>"$BENCH_OUT"
echo "bench-syscalls: results in $BENCH_OUT"
