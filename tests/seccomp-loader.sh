#!/bin/bash
# The seccomp loader (runtime/seccomp_loader.c, libshim/loader.c) on real
# runc: a container shimrun hardens gets its filter from the loader, not
# from runc, and that filter is provably its profile's.
#  - The container's process has exactly one filter (/proc/PID/status),
#    and the program the kernel holds (PTRACE_SECCOMP_GET_FILTER, read by
#    python's ctypes) is byte for byte the one in shimrun's cache, which
#    is libseccomp's compile of the spec's dev.shim.seccomp profile
#    (shimctl seccomp compile).
#  - The workload sees its own argv and /proc/self/exe; a command found in
#    PATH runs; one that is not found fails the container, saying why.
#  - Processes exec'd into the container (--process, as containerd does,
#    and plain arguments) get the same filter.
#  - An image that brings its own /dev/.shim/seccomp-loader still runs
#    shimrun's.
#  - The cache: compiled once (a second create writes nothing); a
#    truncated, corrupt or foreign entry is compiled again; a cache
#    directory someone else owns, or one that is full, refuses the
#    container and leaves nothing behind.
#  - The loader alone: no filter file, a broken one, a kernel that
#    refuses the filter: the command never runs (status 127).
#
# Environment: top_builddir, top_srcdir.  Needs root, runc, jq, python3
# and busybox-static; exits 77 (skip) without them.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
SHIMRUN=$(realpath "$top_builddir/runtime/shimrun")
SHIMCTL=$(realpath "$top_builddir/runtime/shimctl")
LOADER=$top_builddir/runtime/shim-seccomp-loader

# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
# shellcheck source=tests/lib/checks.sh
. "$top_srcdir/tests/lib/checks.sh"
require_containers seccomp-loader
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
[ -x "$LOADER" ] || { echo "SKIP: no seccomp loader (built on x86_64 only)"; exit 77; }

tmp=$(mktemp -d /tmp/seccomp-loader.XXXXXX)
chmod 711 "$tmp"
CHECK_OUT=$tmp/out
CHECK_DIR=$tmp
export SHIMRUN_STATE_DIR=$tmp/state SHIMRUN_AUDIT_LOG=$tmp/audit.log
export SHIMRUN_CONFIG=$tmp/shimrun.json
echo '{"delegate": "'"$(command -v runc)"'"}' >"$SHIMRUN_CONFIG"
trap 'remove_test_dir "$SHIMRUN" "$tmp/runc" "$tmp"' EXIT
cache=$tmp/state/seccomp

runc_bundle "$tmp/proto"
# bundle NAME ARGS-JSON: a fresh bundle whose process is ARGS.
bundle() {
	rm -rf "${tmp:?}/$1"
	cp -a "$tmp/proto" "$tmp/$1"
	jq --argjson a "$2" '.process.args = $a' "$tmp/proto/config.json" >"$tmp/$1/config.json"
}
shimrun() { "$SHIMRUN" --root "$tmp/runc" "$@"; }
pid_of() { shimrun state "$1" | jq -r .pid; }
records() { find "$tmp/state/userns" -type f ! -name lock 2>/dev/null | wc -l; }

# The filter the kernel holds for PID (its only one), as bytes on stdout.
kernel_filter() {
	python3 - "$1" <<'EOF'
import ctypes, os, sys
pid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SECCOMP_GET_FILTER = 16, 17, 0x420c
if libc.ptrace(PTRACE_ATTACH, pid, None, None) < 0:
    sys.exit("attach: %s" % os.strerror(ctypes.get_errno()))
os.waitpid(pid, 0x40000000)  # __WALL
n = libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, None, None)
buf = ctypes.create_string_buffer(max(n, 1) * 8)
got = libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, None, buf)
err = ctypes.get_errno()
libc.ptrace(PTRACE_DETACH, pid, None, None)
if got < 0:
    sys.exit("PTRACE_SECCOMP_GET_FILTER: %s" % os.strerror(err))
sys.stdout.buffer.write(buf.raw[:got * 8])
EOF
}
HEADER=144 # runtime/seccomp_filter.h: magic 8, flags 4, count 4, key 64, sum 64

echo "a hardened container's filter"
bundle long '["/bin/busybox", "sleep", "300"]'
shimrun run --detach --bundle "$tmp/long" long >"$tmp/out" 2>&1
check "it starts" [ "$(shimrun state long 2>/dev/null | jq -r .status)" = running ]
pid=$(pid_of long)
program_started "$pid"
cfg=$tmp/long/config.json
check "through the loader" [ "$(jq -r '.process.args[0]' "$cfg")" = /dev/.shim/seccomp-loader ]
check "runc compiles nothing (no linux.seccomp)" [ "$(jq '.linux.seccomp' "$cfg")" = null ]
grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs):' "/proc/$pid/status" >"$tmp/status"
has "in filter mode" "$tmp/status" "Seccomp:	2"
has "exactly one filter" "$tmp/status" "Seccomp_filters:	1"
has "no_new_privs" "$tmp/status" "NoNewPrivs:	1"
entry=$(jq -r '.mounts[-1].source' "$cfg")
check "the filter comes from the cache" [ -f "$entry" ] && [ "$(dirname "$entry")" = "$cache" ]
kernel_filter "$pid" >"$tmp/kernel.bpf" 2>"$tmp/out"
check "the kernel's program is read back" [ -s "$tmp/kernel.bpf" ]
tail -c +$((HEADER + 1)) "$entry" >"$tmp/cached.bpf"
check "it is byte for byte the cached one" cmp "$tmp/kernel.bpf" "$tmp/cached.bpf"
jq -r '.annotations["dev.shim.seccomp"]' "$cfg" >"$tmp/profile.json"
"$SHIMCTL" seccomp compile "$tmp/profile.json" -o "$tmp/compiled.bpf" >"$tmp/out" 2>&1
check "and libseccomp's compile of the spec's profile" cmp "$tmp/kernel.bpf" "$tmp/compiled.bpf"
check "its name is the profile's digest" \
	[ "$(basename "$entry" .bpf)" = "$(printf '%s' "$(cat "$tmp/profile.json")" | sha256sum | cut -d' ' -f1)" ]

echo "what the workload sees"
bundle sees '["/bin/busybox", "sh", "-c", "readlink /proc/self/exe; tr \"\\\\0\" \" \" </proc/$$/cmdline; echo; unshare -U true 2>&1 || echo denied"]'
shimrun run --bundle "$tmp/sees" sees >"$tmp/out" 2>&1
has "/proc/self/exe is the workload's binary" "$tmp/out" "/bin/busybox"
has "argv is the spec's" "$tmp/out" "/bin/busybox sh -c"
has "unshare is denied" "$tmp/out" "denied"
bundle path '["sh", "-c", "echo found in PATH"]'
ln -s busybox "$tmp/path/rootfs/bin/sh"
shimrun run --bundle "$tmp/path" path >"$tmp/out" 2>&1
has "a command found in PATH runs" "$tmp/out" "found in PATH"
bundle missing '["no-such-program"]'
shimrun run --bundle "$tmp/missing" missing >"$tmp/out" 2>&1
status=$?
check "a missing command fails the container (127)" [ "$status" -eq 127 ]
has "saying why" "$tmp/out" 'no-such-program: executable file not found in $PATH'
check "and gives its range back" [ "$(records)" -eq 1 ]

echo "processes exec'd into it"
jq -n '{args: ["/bin/busybox", "grep", "Seccomp", "/proc/self/status"], cwd: "/",
	user: {uid: 0, gid: 0}, env: ["PATH=/bin"]}' >"$tmp/process.json"
shimrun exec --process "$tmp/process.json" long >"$tmp/out" 2>&1
has "--process: filtered" "$tmp/out" "Seccomp:	2"
has "--process: one filter, the container's" "$tmp/out" "Seccomp_filters:	1"
shimrun exec long /bin/busybox grep Seccomp /proc/self/status >"$tmp/out" 2>&1
has "plain arguments: filtered" "$tmp/out" "Seccomp:	2"
has "plain arguments: one filter" "$tmp/out" "Seccomp_filters:	1"
shimrun exec long /bin/busybox sh -c 'unshare -U true 2>/dev/null || echo denied' >"$tmp/out" 2>&1
has "and denied what the container is denied" "$tmp/out" "denied"
shimrun kill long KILL >/dev/null 2>&1
# runc keeps the spec's annotations as labels beside its own "bundle=":
# an annotation named "bundle" must not make shimrun judge the exec'd
# process against another config.json (one runc would compile).
bundle named '["/bin/busybox", "sleep", "300"]'
mkdir -p "$tmp/elsewhere" && cp "$tmp/proto/config.json" "$tmp/elsewhere/config.json"
jq --arg b "$tmp/elsewhere" '.annotations.bundle = $b' "$tmp/named/config.json" >"$tmp/c" &&
	mv "$tmp/c" "$tmp/named/config.json"
shimrun run --detach --bundle "$tmp/named" named >"$tmp/out" 2>&1
shimrun exec named /bin/busybox grep Seccomp_filters /proc/self/status >"$tmp/out" 2>&1
has "an annotation named bundle: the exec'd process is still filtered" "$tmp/out" "Seccomp_filters:	1"
shimrun exec --process "$tmp/process.json" named >"$tmp/out" 2>&1
has "  with --process too" "$tmp/out" "Seccomp:	2"
shimrun delete -f named >/dev/null 2>&1
sleep 0.2
shimrun delete -f long >/dev/null 2>&1

echo "a container whose filter runc loads (no no_new_privs)"
echo '{"version": 1, "controls": {"no-new-privileges": {"mode": "warn"}}}' >"$tmp/nnp-warn.json"
bundle runcform '["/bin/busybox", "sleep", "300"]'
jq '.process.noNewPrivileges = false' "$tmp/runcform/config.json" >"$tmp/c" && mv "$tmp/c" "$tmp/runcform/config.json"
shimrun --policy "$tmp/nnp-warn.json" run --detach --bundle "$tmp/runcform" runcform >"$tmp/out" 2>&1
check "runc loads its linux.seccomp" [ "$(jq -r '.process.args[0]' "$tmp/runcform/config.json")" = /bin/busybox ]
program_started "$(pid_of runcform)"
grep -E '^Seccomp_filters:' "/proc/$(pid_of runcform)/status" >"$tmp/status"
has "  one filter" "$tmp/status" "Seccomp_filters:	1"
# (one that asks for no_new_privs itself, which the loader's form needs)
jq '.noNewPrivileges = true' "$tmp/process.json" >"$tmp/process-nnp.json"
shimrun --policy "$tmp/nnp-warn.json" exec --process "$tmp/process-nnp.json" runcform >"$tmp/out" 2>&1
has "  a process exec'd into it runs (no loader to go through), filtered" "$tmp/out" "Seccomp:	2"
shimrun delete -f runcform >/dev/null 2>&1

echo "an image that brings its own loader"
bundle image '["/bin/busybox", "grep", "Seccomp_filters", "/proc/self/status"]'
mkdir -p "$tmp/image/rootfs/dev/.shim"
printf '#!/bin/busybox sh\nshift; exec "$@"\n' >"$tmp/image/rootfs/dev/.shim/seccomp-loader"
chmod 755 "$tmp/image/rootfs/dev/.shim/seccomp-loader"
# Without runc's /dev tmpfs, the image's /dev is the container's.
jq 'del(.mounts[] | select(.destination == "/dev"))' "$tmp/image/config.json" >"$tmp/c" &&
	mv "$tmp/c" "$tmp/image/config.json"
shimrun run --bundle "$tmp/image" image >"$tmp/out" 2>&1
has "shimrun's loader runs, filtered" "$tmp/out" "Seccomp_filters:	1"

echo "the cache"
n=$(find "$cache" -name '*.bpf' | wc -l)
check "one entry for one profile" [ "$n" -eq 1 ]
before=$(stat -c %i "$entry")
bundle again '["/bin/busybox", "true"]'
shimrun run --bundle "$tmp/again" again >"$tmp/out" 2>&1
check "a second create reuses it (same file)" [ "$(stat -c %i "$entry")" = "$before" ]
# run NAME: a container that reports its filter; sets status.
run_filtered() {
	bundle "$1" '["/bin/busybox", "grep", "Seccomp_filters", "/proc/self/status"]'
	shimrun run --bundle "$tmp/$1" "$1" >"$tmp/out" 2>&1
	status=$?
}
for damage in truncated corrupt foreign; do
	case $damage in
	truncated) truncate -s 200 "$entry" ;;
	corrupt) printf 'garbage' | dd of="$entry" bs=1 seek=300 conv=notrunc 2>/dev/null ;;
	foreign) printf 'x' | dd of="$entry" bs=1 seek=20 conv=notrunc 2>/dev/null ;; # another key
	esac
	run_filtered "$damage"
	check "a $damage entry: the container runs filtered" [ "$status" -eq 0 ]
	has "  with one filter" "$tmp/out" "Seccomp_filters:	1"
	tail -c +$((HEADER + 1)) "$entry" >"$tmp/again.bpf"
	check "  the entry compiled again" cmp "$tmp/again.bpf" "$tmp/cached.bpf"
done
chown 1000 "$cache"
run_filtered foreign-dir
check "a cache someone else owns refuses the container" [ "$status" -ne 0 ]
has "  naming it" "$tmp/out" "seccomp cache $cache is owned by uid 1000"
check "  leaving no range behind" [ "$(records)" -eq 0 ]
chown 0 "$cache"
chmod 0777 "$cache"
run_filtered open-dir
check "one anyone may write refuses it too" [ "$status" -ne 0 ]
chmod 0700 "$cache"
rm -f "$cache"/*.bpf
mount -t tmpfs -o size=4k,mode=0700 shim-full "$cache"
dd if=/dev/zero of="$cache/fill" bs=1k count=8 2>/dev/null
run_filtered full
check "a full cache refuses the container" [ "$status" -ne 0 ]
has "  saying why" "$tmp/out" "No space left on device"
check "  leaving no range behind" [ "$(records)" -eq 0 ]
check "  and no partial entry" [ -z "$(find "$cache" -name '*.bpf' -o -name '.*tmp*' | head -1)" ]
umount "$cache"

echo "the loader alone: the command never runs unfiltered"
# loader_in DIR-SETUP: runs the loader in a mount namespace of its own with
# a fresh /dev holding what DIR-SETUP puts in /dev/.shim.
loader_in() {
	unshare -m sh -c "mount -t tmpfs none /dev && mkdir /dev/.shim && $1 &&
		exec $2 $LOADER /bin/sh -c 'echo RAN; grep Seccomp_filters /proc/self/status'" >"$tmp/out" 2>&1
}
expect_loader() { # NAME STATUS TEXT
	check "$1: status $2" [ "$status" -eq "$2" ]
	has "  $3" "$tmp/out" "$3"
}
loader_in true ""
status=$?
expect_loader "no filter file" 127 "cannot open the filter"
hasnt "  the command did not run" "$tmp/out" RAN
loader_in "printf garbage >/dev/.shim/seccomp.bpf" ""
status=$?
expect_loader "a broken filter file" 127 "not a complete filter file"
hasnt "  the command did not run" "$tmp/out" RAN
run_filtered refill
good=$(find "$cache" -name '*.bpf' | head -1)
loader_in "cp $good /dev/.shim/seccomp.bpf" "setpriv --reuid 65534 --regid 65534 --clear-groups"
status=$?
expect_loader "no no_new_privs, no privilege: the kernel refuses" 127 "the kernel refused the filter"
hasnt "  the command did not run" "$tmp/out" RAN
loader_in "cp $good /dev/.shim/seccomp.bpf" "setpriv --reuid 65534 --regid 65534 --clear-groups --no-new-privs"
status=$?
expect_loader "with no_new_privs it installs the filter" 0 "Seccomp_filters:	1"
has "  and runs the command" "$tmp/out" RAN

summary seccomp-loader
