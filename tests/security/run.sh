#!/bin/bash
# The escape-attempt suite: tests/security/escape tries, from inside a
# busybox container, the primitives behind known container escapes and
# kernel attacks (new namespaces, mounts, eBPF, io_uring, ptrace, kernel
# modules, raw sockets, devices, /proc, cgroup release_agent, host root,
# the metadata server, ...) under each runtime below, and the results go
# side by side in a table (BLOCKED / ALLOWED / UNKNOWN per primitive):
#
#   runc      runc spec's config: the runc defaults, no seccomp filter
#   runc+ctr  the same with what containerd adds by default: its seccomp
#             profile (the linux.seccomp of tests/fixtures/ctr-seccomp.json)
#             and its capabilities (tests/fixtures/ctr-default.json)
#   runsc     runc's spec under gVisor (--platform=$RUNSC_PLATFORM); the
#             column is skipped, with the reason, where runsc cannot run
#   shimrun   runc's spec with containerd's capabilities and
#             noNewPrivileges false, run by $SHIMRUN, which hardens it
#
# The test: every primitive is BLOCKED under shimrun, but for the known
# gaps in EXPECTED_GAPS, which are reported, not failed.  A listed gap
# that turns out BLOCKED fails too, so that the list stays honest: remove
# it from the list.  Rows where shimrun blocks less than gVisor are
# listed: each is a bug to fix (or a gap to close), not a row to hide.
#
# Environment: top_builddir (default .), top_srcdir (default: two
# directories above this script), SHIMRUN (default
# $top_builddir/runtime/shimrun), ESCAPE_BIN (default
# $top_builddir/tests/security/escape; when that does not exist it is
# compiled from escape.c with ${CC:-cc} -O2 -static), RUNSC_PLATFORM
# (default ptrace: works without KVM), SECURITY_RUNSC (0: leave gVisor
# out, e.g. for a quick `make check`), SECURITY_OUT (the table, default
# ./security-table.txt).
#
# Needs root, runc, jq and a static busybox at /bin/busybox; exits 77
# (skip) without them.  Exits 1 when a primitive is not blocked under
# shimrun (and not a listed gap), or when a container that must run
# (runc, runc+ctr, shimrun) did not.
set -eu

# Primitives shimrun does not block yet (none since user namespaces closed
# uid-map-host-root).  Remove a name once it is blocked: this test fails
# while a blocked primitive is listed.
EXPECTED_GAPS=""

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMRUN=${SHIMRUN:-$top_builddir/runtime/shimrun}
RUNSC_PLATFORM=${RUNSC_PLATFORM:-ptrace}
SECURITY_RUNSC=${SECURITY_RUNSC:-1}
SECURITY_OUT=${SECURITY_OUT:-./security-table.txt}

die() { echo "security: FAIL: $*" >&2; exit 1; }
# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
require_containers security
[ -x "$SHIMRUN" ] || die "no shimrun at $SHIMRUN"
SHIMRUN=$(realpath "$SHIMRUN")

tmp=$(mktemp -d /tmp/security.XXXXXX)
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
	delete_containers runc "$tmp/runc"
	delete_containers "$SHIMRUN" "$tmp/shimrun"
	delete_runsc "$tmp/runsc"
	rm -rf --one-file-system -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the probe ---------------------------------------------------------------
ESCAPE_BIN=${ESCAPE_BIN:-$(static_program security "$top_builddir/tests/security/escape" \
	"$top_srcdir/tests/security/escape.c" "$tmp")}
[ -x "$ESCAPE_BIN" ] || die "no escape probe at $ESCAPE_BIN"
# The primitives, in the probe's order (this only prints names).
mapfile -t prims < <("$ESCAPE_BIN" --list)
[ "${#prims[@]}" -gt 0 ] || die "$ESCAPE_BIN --list names no primitive"
for g in $EXPECTED_GAPS; do
	[[ " ${prims[*]} " == *" $g "* ]] || die "EXPECTED_GAPS names '$g', which the probe does not try"
done

# ---- the bundles ---------------------------------------------------------------
# One root file system for all, read-only (runc spec's default): busybox
# (a shell to look around with) and the probe at /escape.  /tmp, where the
# probe makes its mount points, is a tmpfs in every spec.
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/tmp" "$rootfs/etc"
cp /bin/busybox "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"
install -m 0755 "$ESCAPE_BIN" "$rootfs/escape"

(cd "$tmp" && runc spec && mv config.json spec.json)
mkdir -p "$tmp/runc-b" "$tmp/ctr-b" "$tmp/shimrun-b"
# runc: runc spec's config (its namespaces include a network namespace,
# which has loopback only), running the probe; no seccomp filter (runc
# spec writes none; deleted anyway, should a runc version add one).
jq --arg root "$rootfs" '.process.terminal = false
	| .process.args = ["/escape"]
	| .root.path = $root
	| del(.linux.seccomp)
	| .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "mode=1777", "size=16m"]}]' \
	"$tmp/spec.json" >"$tmp/runc-b/config.json"
ctr_default=$top_srcdir/tests/fixtures/ctr-default.json
ctr_seccomp=$top_srcdir/tests/fixtures/ctr-seccomp.json
# runc+ctr: what containerd adds by default, its profile and capabilities.
jq --slurpfile s "$ctr_seccomp" --slurpfile d "$ctr_default" \
	'.linux.seccomp = $s[0].linux.seccomp
	| .process.capabilities = $d[0].process.capabilities' \
	"$tmp/runc-b/config.json" >"$tmp/ctr-b/config.json"
# shimrun: its input is the unhardened spec with containerd's
# capabilities (CAP_NET_RAW, CAP_MKNOD, ...) and noNewPrivileges false, as
# containerd's CRI writes it for a pod that leaves allowPrivilegeEscalation
# unset (Kubernetes' default): all that shimrun must fix itself.  Its own
# bundle: shimrun rewrites config.json in place.
jq --slurpfile d "$ctr_default" \
	'.process.capabilities = $d[0].process.capabilities
	| .process.noNewPrivileges = false' \
	"$tmp/runc-b/config.json" >"$tmp/shimrun-b/config.json"

# ---- the runs ---------------------------------------------------------------------
cols=(runc runc+ctr runsc shimrun)
declare -A out=() notes=()

# run_col COL: runs the probe under the column's runtime; its output in
# $tmp/out.COL, errors in $tmp/err.COL; returns the run's exit status.
run_col() {
	local col=$1 id=security-$$-${1//+/-}
	local -a cmd
	case $col in
	runc) cmd=(runc --root "$tmp/runc" run --bundle "$tmp/runc-b" "$id") ;;
	runc+ctr) cmd=(runc --root "$tmp/runc" run --bundle "$tmp/ctr-b" "$id") ;;
	# gVisor ignores linux.seccomp unless told otherwise: runc's spec is
	# the right one.  --network=none: gVisor's own network stack with
	# loopback only, what runc's containers have in the spec's new
	# network namespace (runsc's default, sandbox, wants a namespace
	# set up by CNI and refuses the root one).
	runsc) cmd=(runsc --root "$tmp/runsc" --platform="$RUNSC_PLATFORM" --network=none
		run -bundle "$tmp/runc-b" "$id") ;;
	shimrun) cmd=("$SHIMRUN" --root "$tmp/shimrun" --audit-log "$tmp/audit.log"
		run --bundle "$tmp/shimrun-b" "$id") ;;
	esac
	# -k: a process that ignores SIGTERM (container init does) is killed.
	timeout -k 5 120 "${cmd[@]}" </dev/null >"$tmp/out.$col" 2>"$tmp/err.$col"
}

for col in "${cols[@]}"; do
	if [ "$col" = runsc ]; then
		if [ "$SECURITY_RUNSC" = 0 ]; then
			notes[$col]="skipped: SECURITY_RUNSC=0"
			continue
		elif ! command -v runsc >/dev/null; then
			notes[$col]="skipped: runsc not installed"
			continue
		fi
	fi
	echo "security: running the probe under $col"
	st=0
	run_col "$col" || st=$?
	if [ "$st" -ne 0 ] || ! grep -q '^[a-z]' "$tmp/out.$col"; then
		if [ "$col" = runsc ]; then
			# A host that cannot run gVisor (no ptrace, old kernel,
			# ...): a missing column, not a failed test.
			notes[$col]="skipped: runsc --platform=$RUNSC_PLATFORM cannot run a container here (exit $st): $(tail -n 3 "$tmp/err.$col" | tr '\n' ' ')"
			echo "security: runsc ${notes[$col]}"
			continue
		fi
		cat "$tmp/out.$col" "$tmp/err.$col"
		die "$col: the container did not run (exit $st)"
	fi
	out[$col]=$tmp/out.$col
done
# Which way shimrun's filter came: its seccomp loader, or runc.
if [ "$(jq -r '.process.args[0]' "$tmp/shimrun-b/config.json")" = /dev/.shim/seccomp-loader ]; then
	notes[shimrun]="the filter installed by shimrun's seccomp loader (runc compiled none)"
else
	notes[shimrun]="the filter compiled by runc (no seccomp loader beside shimrun)"
fi

# verdict COL PRIM: the column's verdict on the primitive; "-" where the
# column was skipped, MISSING where the probe printed no line for it.
verdict() {
	local v
	[ -n "${out[$1]:-}" ] || { echo -; return; }
	v=$(awk -v p="$2" '$1 == p { print $2; exit }' "${out[$1]}")
	echo "${v:-MISSING}"
}
# strength VERDICT: how much the verdict blocks, for comparing columns.
strength() {
	case $1 in BLOCKED) echo 2 ;; UNKNOWN) echo 1 ;; *) echo 0 ;; esac
}

# ---- the table ---------------------------------------------------------------------
table() {
	local p c v n
	printf '# escape-attempt suite, %s; kernel %s; %s; %s\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" "$(runc --version | head -n 1)" \
		"$(if command -v runsc >/dev/null; then echo "$(runsc --version | head -n 1) (--platform=$RUNSC_PLATFORM)"; else echo "runsc: none"; fi)"
	for c in "${cols[@]}"; do
		[ -z "${notes[$c]:-}" ] || printf '# %s: %s\n' "$c" "${notes[$c]}"
	done
	if [ -n "${out[runsc]:-}" ]; then
		cat <<-'EOF'
		# runsc: what the application sees inside gVisor: ALLOWED there reached the Sentry's own
		#   implementation (unshare, ptrace, io_uring, mknod), not the host kernel; and the Sentry
		#   runs on the host as nobody in a user namespace of its own, which uid-map-host-root
		#   cannot see from inside
		EOF
	fi
	printf '%-22s' primitive
	for c in "${cols[@]}"; do printf ' %-9s' "$c"; done
	printf '\n'
	for p in "${prims[@]}"; do
		printf '%-22s' "$p"
		for c in "${cols[@]}"; do printf ' %-9s' "$(verdict "$c" "$p")"; done
		printf '\n'
	done
	for v in BLOCKED ALLOWED UNKNOWN; do
		printf '%-22s' "# $v"
		for c in "${cols[@]}"; do
			if [ -n "${out[$c]:-}" ]; then
				n=$(awk -v v="$v" '!/^#/ && $2 == v' "${out[$c]}" | wc -l)
			else
				n=-
			fi
			printf ' %-9s' "$n"
		done
		printf '\n'
	done
}

# Every column's own lines (errno and notes), for reading the table.
details() {
	local c
	for c in "${cols[@]}"; do
		[ -n "${out[$c]:-}" ] || continue
		printf '\n# %s:\n' "$c"
		cat "${out[$c]}"
	done
}

table | tee "$SECURITY_OUT"
details >>"$SECURITY_OUT"
echo "security: the table and every column's details are in $SECURITY_OUT"

# ---- the test ------------------------------------------------------------------------
fail=0
bad() {
	echo "security: FAIL: $*"
	fail=$((fail + 1))
}
# shimrun must have hardened the container (not passed it through).
if jq -e -s --arg id "security-$$-shimrun" \
	'any(.[]; .id == $id and .decision == "hardened")' "$tmp/audit.log" >/dev/null 2>&1; then :; else
	bad "shimrun recorded no 'hardened' decision for the container in its audit log"
fi
gaps=()
for p in "${prims[@]}"; do
	v=$(verdict shimrun "$p")
	if [[ " $EXPECTED_GAPS " == *" $p "* ]]; then
		if [ "$v" = BLOCKED ]; then
			bad "$p is BLOCKED under shimrun but listed in EXPECTED_GAPS: the gap is closed, remove it from EXPECTED_GAPS in $0"
		else
			gaps+=("$p ($v)")
		fi
	elif [ "$v" != BLOCKED ]; then
		bad "$p is $v under shimrun: $(grep -m 1 "^$p " "${out[shimrun]}" || echo "no line")"
	fi
done
[ "${#gaps[@]}" -eq 0 ] || echo "security: known gaps (EXPECTED_GAPS, issue 5): ${gaps[*]}"

# Where gVisor blocks more: bugs to fix, or gaps to close.  Reported on
# every run, listed gap or not.
if [ -n "${out[runsc]:-}" ]; then
	less=()
	for p in "${prims[@]}"; do
		s=$(verdict shimrun "$p")
		g=$(verdict runsc "$p")
		[ "$g" != MISSING ] || continue
		[ "$(strength "$s")" -ge "$(strength "$g")" ] || less+=("$p")
	done
	if [ "${#less[@]}" -gt 0 ]; then
		{
			echo
			echo "# shimrun blocks LESS than runsc (gVisor) on ${#less[@]} primitive(s): bugs to fix, or listed gaps to close"
			for p in "${less[@]}"; do
				printf '#   %-22s runsc: %s\n#   %-22s shimrun: %s\n' "$p" \
					"$(grep -m 1 "^$p " "${out[runsc]}")" "" "$(grep -m 1 "^$p " "${out[shimrun]}")"
			done
		} | tee -a "$SECURITY_OUT"
	else
		echo "security: shimrun blocks at least what runsc blocks on every primitive" | tee -a "$SECURITY_OUT"
	fi
else
	echo "security: no runsc column (${notes[runsc]}): shimrun not compared with gVisor"
fi

if [ "$fail" -gt 0 ]; then
	echo "security: $fail failure(s)"
	exit 1
fi
echo "security: every primitive is blocked under shimrun but the ${#gaps[@]} known gap(s)"
