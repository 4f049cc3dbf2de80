#!/bin/bash
# shimctl harden, proved on real containers: a busybox container is run by
# runc with an unhardened spec and with what `shimctl harden` made of it,
# and tests/probe/probe reports from inside what the kernel let it do
# (seccomp mode, no_new_privs, capabilities, denied and allowed syscalls,
# cgroup namespace, pids limit, masked paths).  Ordinary commands must
# still work under the hardening.
#
# Environment: top_builddir (runtime/shimctl, tests/probe/probe; default .),
# top_srcdir (default: the directory above this script), SHIMCTL and PROBE
# to override the two programs.  Needs root, runc, jq and a static busybox
# at /bin/busybox (busybox-static); exits 77 (skip) without them.
#
# The unhardened spec is `runc spec`'s with two hardening targets put back:
# noNewPrivileges false and CAP_NET_RAW + CAP_CHOWN added, so that setting
# the one and dropping to the baseline set are both visible.
set -eu
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
SHIMCTL=${SHIMCTL:-$top_builddir/runtime/shimctl}
PROBE=${PROBE:-$top_builddir/tests/probe/probe}
export top_builddir top_srcdir

# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
require_containers harden-runc
[ -x "$PROBE" ] || { echo "harden-runc: FAIL: no probe at $PROBE"; exit 1; }
[ -x "$SHIMCTL" ] || { echo "harden-runc: FAIL: no shimctl at $SHIMCTL"; exit 1; }

tmp=$(mktemp -d /tmp/harden-runc.XXXXXX)
# Searchable by all: should the hardening map root to another uid (user
# namespace), that uid must still reach the bundles' roots.
chmod 755 "$tmp"
runc_root=$tmp/runc
# Only containers under our private runc root are ours; runc deletes each
# on exit, so this only finds ones left by a killed run.
cleanup() {
	set +e
	delete_containers runc "$runc_root"
	rm -rf --one-file-system -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$top_srcdir/tests/lib/checks.sh"
# A failure that makes the rest meaningless (no container starts).
give_up() {
	echo "harden-runc: giving up: $*"
	summary harden-runc
	exit 1
}

# ---- capability masks --------------------------------------------------------
# Index = capability number (linux/capability.h).
cap_names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID
	SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW
	IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT
	SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
	AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM
	BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
# The default policy's capabilities.allowed: the Kubernetes Pod Security
# Standards baseline set less CAP_MKNOD and CAP_SYS_CHROOT.
baseline=(CAP_AUDIT_WRITE CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID
	CAP_KILL CAP_NET_BIND_SERVICE CAP_SETFCAP CAP_SETGID CAP_SETPCAP
	CAP_SETUID)

# cap_mask NAME...: /proc/PID/status's 16-digit hex mask of the names.
cap_mask() {
	local m=0 n i
	for n in "$@"; do
		for i in "${!cap_names[@]}"; do
			[ "CAP_${cap_names[$i]}" = "$n" ] && m=$((m | (1 << i)))
		done
	done
	printf '%016x\n' "$m"
}

# spec_caps FILE SET: the names in process.capabilities.SET of a spec.
spec_caps() { jq -r --arg s "$2" '.process.capabilities[$s] // [] | .[]' "$1"; }

# in_baseline NAME...: those of the names that are in the baseline set.
in_baseline() {
	local n
	for n in "$@"; do
		case " ${baseline[*]} " in *" $n "*) echo "$n" ;; esac
	done
}

# ---- bundles and runs --------------------------------------------------------
# A root with busybox (every applet linked in /bin), the probe at /probe
# and the directories runc and the probes mount over.
make_rootfs() {
	local r=$1 a
	mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/mnt" "$r/etc"
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	install -m 0755 "$PROBE" "$r/probe"
}

# run_ctr BUNDLE ARG...: runs ARGs as the container's process, output in
# $tmp/out; returns the process's exit status.  runc's state is kept in
# our own root; every run gets a fresh id.
n_run=0
run_ctr() {
	local bundle=$1 id a args
	shift
	n_run=$((n_run + 1))
	id=harden-runc-$$-$n_run
	# One jq per argument: jq would read "-c" after --args as its own option.
	args=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -s -c .)
	jq --argjson a "$args" '.process.args = $a' <"$bundle/config.json" >"$bundle/config.json.new"
	mv "$bundle/config.json.new" "$bundle/config.json"
	# -k: a process that ignores SIGTERM (container init does) is killed.
	timeout -k 5 60 runc --root "$runc_root" run --bundle "$bundle" "$id" \
		</dev/null >"$tmp/out" 2>&1
}

# expect_run NAME WANT_EXIT WANT_LINE BUNDLE ARG...: the run must exit
# with WANT_EXIT and print WANT_LINE as a whole line (none: "").
expect_run() {
	local name=$1 want=$2 line=$3 got=0
	shift 3
	run_ctr "$@" || got=$?
	if [ "$got" -ne "$want" ]; then
		bad "$name: exit $got, want $want; output:" "$(cat "$tmp/out")"
	elif [ -n "$line" ] && ! grep -qxF -- "$line" "$tmp/out"; then
		bad "$name: no line '$line' in:" "$(cat "$tmp/out")"
	else
		ok "$name"
	fi
}

# probe MODE BUNDLE NAME WANT: WANT is "ok", an errno name, or "" to only
# report what the probe said.
probe() {
	local mode=$1 bundle=$2 name=$3 want=$4 got=0
	run_ctr "$bundle" /probe "$name" || got=$?
	printf '  %-8s %s\n' "$mode" "$(head -n 1 "$tmp/out")"
	[ -n "$want" ] || return 0
	if [ "$want" = ok ]; then
		expect_line "$mode $name" "$name: ok" "$got" 0
	else
		expect_line "$mode $name" "$name: errno=$want" "$got" 1
	fi
}

# expect_line NAME LINE GOT_EXIT WANT_EXIT: checks the last run.
expect_line() {
	if [ "$3" -eq "$4" ] && grep -qxF -- "$2" "$tmp/out"; then ok "$1"; else
		bad "$1: want '$2' (exit $4), got exit $3:" "$(cat "$tmp/out")"
	fi
}

# status_is MODE FIELD WANT: a line of the last `probe status` run.
status_is() {
	local got
	got=$(sed -n "s/^$2:[[:space:]]*//p" "$tmp/status")
	if [ "$got" = "$3" ]; then ok "$1 $2"; else bad "$1 $2: $got, want $3"; fi
}

# sysctl_in NAME DEFAULT VALUE...: the host's /proc/sys/NAME (DEFAULT where
# the kernel has no such file) is one of the values.
sysctl_in() {
	local f=/proc/sys/$1 cur=$2 v
	shift 2
	[ -r "$f" ] && cur=$(cat "$f")
	for v in "$@"; do [ "$cur" = "$v" ] && return 0; done
	return 1
}

plain=$tmp/plain
hard=$tmp/hardened
mkdir -p "$plain" "$hard" "$runc_root"
make_rootfs "$plain/rootfs"
(cd "$plain" && runc spec)
# The root stays read-only (runc spec's default); /tmp is a tmpfs.
jq '.process.terminal = false
	| .root.path = "rootfs"
	| .process.noNewPrivileges = false
	| .process.capabilities |= with_entries(.value += ["CAP_NET_RAW", "CAP_CHOWN"] | .value |= unique)
	| .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "mode=1777", "size=16m"]}]' \
	"$plain/config.json" >"$tmp/base.json"
cp "$tmp/base.json" "$plain/config.json"

# What shimctl reports it changed goes to the log, for reading failures.
echo "shimctl harden:"
if "$SHIMCTL" harden "$plain/config.json" -o "$tmp/config.hardened.json" >"$tmp/harden.out" 2>&1; then
	ok "shimctl harden"
	sed 's/^/  /' "$tmp/harden.out"
else
	bad "shimctl harden: exit $?:" "$(cat "$tmp/harden.out")"
	give_up "no hardened spec"
fi
cp -a "$plain/rootfs" "$hard/rootfs"
mv "$tmp/config.hardened.json" "$hard/config.json"
# Runs keep editing the bundles' process.args only; every other field is
# exactly what runc spec (plain) or shimctl harden (hardened) wrote.

host_cgroupns=$(readlink /proc/self/ns/cgroup)
# shellcheck disable=SC2016 # expanded by the container's shell
masked_check='for p in "$@"; do
	if [ -e "$p" ] && ! { [ -c "$p" ] || [ -z "$(ls -A "$p")" ]; }; then
		echo "visible $p"; fi; done; echo done'

# ---- plain: runc spec, no hardening --------------------------------------------
echo "plain (unhardened spec):"
f0=$failed
expect_run "plain status" 0 "" "$plain" /probe status
[ "$failed" -eq "$f0" ] || give_up "the plain container does not run"
cp "$tmp/out" "$tmp/status"
status_is plain Seccomp 0
status_is plain NoNewPrivs 0
# shellcheck disable=SC2046 # one name per word
status_is plain CapEff "$(cap_mask $(spec_caps "$tmp/base.json" effective))"
expect_run "plain cgroupns" 0 "$host_cgroupns" "$plain" readlink /proc/self/ns/cgroup

# Without CAP_SYS_ADMIN (runc spec grants none) these fail already; the
# hardening adds seccomp as a second layer.
for p in unshare-net clone-newns mount; do probe plain "$plain" $p EPERM; done
# These need no privilege: whatever stops them under the hardening is the
# seccomp profile.
for p in clone3 clone-plain fork thread keyctl ptrace userfaultfd; do probe plain "$plain" $p ok; done
# These depend on host sysctls; asserted where the host allows them.
w=ok
if sysctl_in user/max_user_namespaces 1 0 || sysctl_in kernel/unprivileged_userns_clone 1 0 ||
	sysctl_in kernel/apparmor_restrict_unprivileged_userns 0 1; then w=""; fi
probe plain "$plain" unshare-user "$w"
w=ok
sysctl_in kernel/io_uring_disabled 0 0 || w=""
probe plain "$plain" io-uring "$w"
w=ok # Debian's own kernels default to 3: no perf at all without privilege
sysctl_in kernel/perf_event_paranoid 2 -1 0 1 2 || w=""
probe plain "$plain" perf-event-open "$w"
# EFAULT (the null attr) on recent kernels; older ones check privilege first.
probe plain "$plain" bpf ""

for l in getppid-loop read-loop; do
	expect_run "plain $l" 0 "" "$plain" /probe $l 200000
	printf '  %-8s %s\n' plain "$(cat "$tmp/out")"
done

# ---- hardened: shimctl harden's spec ---------------------------------------------
echo "hardened (shimctl harden):"
f0=$failed
expect_run "hardened status" 0 "" "$hard" /probe status
[ "$failed" -eq "$f0" ] || give_up "the hardened container does not run"
cp "$tmp/out" "$tmp/status"
status_is hardened Seccomp 2
status_is hardened NoNewPrivs 1
# Each set is the unhardened spec's, less what is outside the baseline.
for set in effective:CapEff permitted:CapPrm bounding:CapBnd; do
	# shellcheck disable=SC2046 # one name per word
	status_is hardened "${set#*:}" "$(cap_mask $(in_baseline $(spec_caps "$tmp/base.json" "${set%:*}")))"
done
status_is hardened CapAmb 0000000000000000

# A process of uid 1000 holds only its ambient capabilities once exec'd
# (none: the policy allows no ambient ones): the hardened spec says so,
# set by set, as the kernel shows them.
user=$tmp/user
mkdir -p "$user"
jq '.process.user = {"uid": 1000, "gid": 1000}' "$tmp/base.json" >"$tmp/user.json"
if "$SHIMCTL" harden "$tmp/user.json" -o "$user/config.json" >"$tmp/harden.out" 2>&1; then
	cp -a "$plain/rootfs" "$user/rootfs"
	expect_run "uid 1000 status" 0 "" "$user" /probe status
	cp "$tmp/out" "$tmp/status"
	for set in effective:CapEff permitted:CapPrm inheritable:CapInh ambient:CapAmb; do
		# shellcheck disable=SC2046 # one name per word
		status_is "uid 1000, as its spec says," "${set#*:}" "$(cap_mask $(spec_caps "$user/config.json" "${set%:*}"))"
	done
else
	bad "shimctl harden (uid 1000): exit $?:" "$(cat "$tmp/harden.out")"
fi

for p in unshare-user unshare-net clone-newns io-uring bpf userfaultfd \
	perf-event-open keyctl ptrace mount; do
	probe hardened "$hard" $p EPERM
done
probe hardened "$hard" clone3 ENOSYS
probe hardened "$hard" clone-plain ok
probe hardened "$hard" fork ok
probe hardened "$hard" thread ok

# The spec-level hardening shows inside too: own cgroup namespace, the
# pids limit in force, every masked path masked.
expect_run "hardened cgroupns" 0 "" "$hard" readlink /proc/self/ns/cgroup
if [ "$(cat "$tmp/out")" != "$host_cgroupns" ]; then ok "hardened: own cgroup namespace"; else bad "hardened: host cgroup namespace"; fi
limit=$(jq -r '.linux.resources.pids.limit // empty' "$hard/config.json")
if [ -n "$limit" ] && [ "$limit" -gt 0 ]; then ok "hardened: pids limit in the spec"; else bad "hardened: no pids limit in the spec"; fi
expect_run "hardened pids limit" 0 "${limit:-none}" "$hard" sh -c \
	'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'
if jq -e '.linux.maskedPaths // [] | index("/proc/interrupts")' "$hard/config.json" >/dev/null; then
	ok "hardened: /proc/interrupts in maskedPaths"
else
	bad "hardened: /proc/interrupts not in maskedPaths"; fi
# shellcheck disable=SC2046 # one path per word
expect_run "hardened masked paths" 0 "done" "$hard" sh -c "$masked_check" sh \
	$(jq -r '.linux.maskedPaths // [] | .[]' "$hard/config.json")
if grep -q '^visible' "$tmp/out"; then bad "hardened: unmasked: $(grep '^visible' "$tmp/out" | tr '\n' ' ')"; fi

# Ordinary work still runs under the profile.
expect_run "hardened echo" 0 "hi" "$hard" /bin/busybox sh -c 'echo hi'
expect_run "hardened ls" 0 "probe" "$hard" /bin/busybox ls /
expect_run "hardened cat" 0 "Seccomp:	2" "$hard" /bin/busybox cat /proc/self/status
# shellcheck disable=SC2016 # expanded by the container's shell
expect_run "hardened file i/o" 0 "200" "$hard" /bin/busybox sh -c \
	'for i in $(seq 200); do echo $i >/tmp/f; cat /tmp/f; done'
if [ "$(wc -l <"$tmp/out")" -eq 200 ]; then ok "hardened file i/o: 200 lines"; else bad "hardened file i/o: $(wc -l <"$tmp/out") lines, want 200"; fi
expect_run "hardened pipeline" 0 "3" "$hard" /bin/busybox sh -c \
	'printf "a\nb\nc\n" | sort -r | wc -l'

for l in getppid-loop read-loop; do
	expect_run "hardened $l" 0 "" "$hard" /probe $l 200000
	printf '  %-8s %s\n' hardened "$(cat "$tmp/out")"
done

summary harden-runc
