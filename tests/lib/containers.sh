# shellcheck shell=bash
# tests/lib/containers.sh - what scripts that run busybox containers with
# runc directly share.  Source it; do not execute it.
#
#   require_containers NAME   exit 77 (automake's skip) unless root with
#                             runc, jq and a static /bin/busybox
#   unmount_below DIR         lazily unmount everything mounted below DIR
#                             (shimrun's idmapped rootfs when no delete ran)
#   delete_containers CMD ROOT
#                             force-delete every container under a private
#                             state root of runc or shimrun (CMD)
#   runc_bundle DIR           runc spec's bundle with busybox as its rootfs
#   remove_test_dir CMD ROOT DIR
#                             what a test left in DIR: the containers of CMD
#                             under state root ROOT, every mount below DIR,
#                             then DIR itself
#   program_started PID       wait until container process PID runs its own
#                             program (not runc's init or shimrun's loader)

require_containers() {
	local name=$1 why=
	if [ "$(id -u)" -ne 0 ]; then why="must run as root"
	elif ! command -v runc >/dev/null; then why="runc not installed"
	elif ! command -v jq >/dev/null; then why="jq not installed"
	elif [ ! -x /bin/busybox ]; then why="no /bin/busybox (busybox-static)"
	# A dynamic busybox would find no libc in the container's root.
	elif ldd /bin/busybox >/dev/null 2>&1; then why="/bin/busybox is not static (busybox-static)"
	fi
	if [ -n "$why" ]; then
		echo "$name: SKIP: $why"
		exit 77
	fi
}

unmount_below() {
	findmnt -rn -o TARGET | grep "^$1/" | sort -r | xargs -r umount -l
}

delete_containers() {
	local cmd=$1 root=$2 id
	for id in $("$cmd" --root "$root" list -q 2>/dev/null); do
		"$cmd" --root "$root" delete -f "$id" >/dev/null 2>&1
	done
}

# delete_runsc ROOT [GLOBAL FLAGS...]: the same for runsc, whose flags differ
delete_runsc() {
	local root=$1 id
	shift
	command -v runsc >/dev/null || return 0
	for id in $(runsc --root "$root" "$@" list -quiet 2>/dev/null); do
		runsc --root "$root" "$@" delete -force "$id" >/dev/null 2>&1
	done
}

# static_program NAME BUILT SOURCE DIR: prints BUILT when make built it,
# else compiles SOURCE statically into DIR (as make would) and prints that;
# NAME is the script's, for messages.  The programs run inside busybox
# containers, which have no libc.
static_program() {
	local name=$1 built=$2 source=$3 dir=$4
	if [ -x "$built" ]; then
		echo "$built"
		return
	fi
	echo "$name: compiling $source" >&2
	"${CC:-cc}" -O2 -static -o "$dir/$(basename "$built")" "$source" || {
		echo "$name: FAIL: cannot compile $source statically (glibc's static libraries: libc6-dev)" >&2
		exit 1
	}
	echo "$dir/$(basename "$built")"
}

# runc_bundle DIR: `runc spec`'s bundle in DIR, its rootfs holding only
# busybox (static) at /bin/busybox and the directories runc mounts over,
# its process not on a terminal.
runc_bundle() {
	mkdir -p "$1/rootfs/bin" "$1/rootfs/proc" "$1/rootfs/dev" &&
		cp /bin/busybox "$1/rootfs/bin/busybox" &&
		(cd "$1" && runc spec) &&
		jq '.process.terminal = false' "$1/config.json" >"$1/config.json.new" &&
		mv "$1/config.json.new" "$1/config.json"
}

remove_test_dir() {
	delete_containers "$1" "$2"
	unmount_below "$3"
	rm -rf --one-file-system -- "$3"
}

# program_started PID: waits (2 s at most) until the container process PID
# runs its own program: runc start may return while runc's init
# ("runc:[2:INIT]") or shimrun's seccomp loader still runs in its place.
program_started() {
	local n=0 comm
	while comm=$(cat "/proc/$1/comm" 2>/dev/null) &&
		{ [ "$comm" = seccomp-loader ] || [ "${comm#runc:}" != "$comm" ]; } &&
		[ $((n += 1)) -lt 200 ]; do
		sleep 0.01
	done
}
