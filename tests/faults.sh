#!/bin/bash
# Faults on real runc: shimrun killed at every step of create and delete
# (tests/shimrun_faults: shimrun with its fault points, runtime/shimrun.h),
# runc killed during create, a full and a read-only state directory,
# corrupt and foreign state, parallel creates and deletes, odd ids.  After
# each: no range held for a container that is gone, no mount left, no
# half-written config.json, and the same id creates, starts and deletes.
# Each case prints one line: the case, what was expected, what was seen.
# Runs once per node stack (tests/lib/on-stack.sh).
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/lib/containers.sh"
. "$top_srcdir/tests/lib/checks.sh"
require_containers faults
SHIMRUN=$(realpath "$top_builddir/tests/shimrun_faults")
SHIMCTL=$(realpath "$top_builddir/runtime/shimctl")
[ -x "$SHIMRUN" ] || { echo "faults: SKIP: no tests/shimrun_faults (make check builds it)"; exit 77; }

tmp=$(mktemp -d /tmp/faults.XXXXXX)
chmod 711 "$tmp" # the container's root walks through it to its rootfs
state=$tmp/state
export SHIMRUN_STATE_DIR=$state SHIMRUN_AUDIT_LOG=$tmp/audit.log
export SHIMRUN_CONFIG=$tmp/shimrun.json
echo '{"delegate": "'"$(command -v runc)"'"}' >"$SHIMRUN_CONFIG"
runc_root=$tmp/runc
# (The state directory may be a tmpfs of its own: unmount_below takes it.)
trap 'remove_test_dir "$SHIMRUN" "$runc_root" "$tmp"' EXIT

runc_bundle "$tmp/proto"
jq '.process.args = ["/bin/busybox", "sleep", "60"]' "$tmp/proto/config.json" >"$tmp/proto.json" &&
	mv "$tmp/proto.json" "$tmp/proto/config.json"
bundle() { rm -rf "${tmp:?}/$1" && cp -a "$tmp/proto" "$tmp/$1"; }
shimrun() { "$SHIMRUN" --root "$runc_root" "$@"; }

# seen NAME EXPECTED SEEN: one line per case.
seen() {
	if [ "$2" = "$3" ]; then ok "$1: expected $2, seen $3"; else bad "$1: expected $2, seen $3"; fi
}
# What a node has left of container ID with bundle B: "clean" when no range
# is held for a gone container, nothing is mounted under $tmp (but the
# state directory's own tmpfs), and config.json is the original or a whole
# spec (hardened: written beside and renamed, never half).
leftovers() {
	local id=$1 b=$2 gone mounts
	gone=$("$SHIMCTL" pool --state-dir "$state" --json | jq '[.[] | select(.state != "running")] | length')
	mounts=$(findmnt -rn -o TARGET | grep "^$tmp/" | grep -cvx "$state" || true)
	if [ "$gone" != 0 ]; then echo "held:$gone"
	elif [ "$mounts" != 0 ]; then echo "mounts:$mounts"
	elif ! cmp -s "$b/config.json" "$tmp/proto/config.json" &&
		{ "$SHIMCTL" check "$b/config.json" >/dev/null 2>&1; [ $? -gt 1 ]; }; then echo "config.json"
	else echo clean; fi
}
# The same id again: create, start, running, delete.
again() {
	local id=$1 b=$2
	shimrun create --bundle "$b" "$id" >/dev/null 2>&1 && shimrun start "$id" >/dev/null 2>&1 &&
		shimrun state "$id" 2>/dev/null | jq -e '.status == "running"' >/dev/null &&
		shimrun delete -f "$id" >/dev/null 2>&1 && echo works || echo fails
}

echo "shimrun killed at each step of create, then the runtime's clean-up (delete -f)"
for step in lock read claim check filter write rootfs mount binds sysctls audit; do
	id=kill-$step
	bundle "$id"
	SHIMRUN_FAULT=$step shimrun create --bundle "$tmp/$id" "$id" >/dev/null 2>&1
	rc=$?
	seen "killed at $step" 137 "$rc"
	shimrun delete -f "$id" >/dev/null 2>&1
	seen "  after delete -f" clean "$(leftovers "$id" "$tmp/$id")"
	seen "  the same id" works "$(again "$id" "$tmp/$id")"
	seen "  and after it" clean "$(leftovers "$id" "$tmp/$id")"
done
# Killed before the runtime's clean-up, the next create of any container
# reclaims what the dead one held.
bundle orphan
SHIMRUN_FAULT=mount shimrun create --bundle "$tmp/orphan" orphan >/dev/null 2>&1
bundle next && shimrun create --bundle "$tmp/next" next >/dev/null 2>&1 && shimrun delete -f next >/dev/null 2>&1
seen "a dead create's range, reclaimed by the next create" clean "$(leftovers orphan "$tmp/orphan")"

echo "shimrun killed during delete, after runc's"
bundle del && shimrun create --bundle "$tmp/del" del >/dev/null 2>&1 && shimrun start del >/dev/null 2>&1
SHIMRUN_FAULT=release shimrun delete -f del >/dev/null 2>&1
seen "killed at release" 137 "$?"
shimrun delete -f del >/dev/null 2>&1
seen "  a second delete" clean "$(leftovers del "$tmp/del")"
seen "  the same id" works "$(again del "$tmp/del")"

echo "runc killed during create"
cat >"$tmp/dying-runc" <<EOF
#!/bin/sh
for a; do [ "\$a" = create ] && kill -9 \$\$; done
exec $(command -v runc) "\$@"
EOF
chmod 755 "$tmp/dying-runc"
bundle runckill
"$SHIMRUN" --delegate "$tmp/dying-runc" --root "$runc_root" create --bundle "$tmp/runckill" runckill >/dev/null 2>&1
seen "create with runc killed" 137 "$?"
seen "  left by itself" clean "$(leftovers runckill "$tmp/runckill")"
seen "  the same id" works "$(again runckill "$tmp/runckill")"

echo "a full state directory"
mkdir -p "$state"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$state"
dd if=/dev/zero of="$state/fill" bs=4k count=64 2>/dev/null
bundle full
shimrun create --bundle "$tmp/full" full >"$tmp/out" 2>&1
seen "create on a full disk" 1 "$?"
echo "  said: $(head -c 300 "$tmp/out")"
seen "  says which path" yes "$(grep -q "$state" "$tmp/out" && echo yes || echo no)"
seen "  leaves" clean "$(leftovers full "$tmp/full")"
rm "$state/fill"
seen "  with room again, the same id" works "$(again full "$tmp/full")"
mount -o remount,ro "$state"
shimrun create --bundle "$tmp/full" full >"$tmp/out" 2>&1
seen "create on a read-only state directory" 1 "$?"
echo "  said: $(head -c 300 "$tmp/out")"
seen "  says which path" yes "$(grep -q "$state" "$tmp/out" && echo yes || echo no)"
seen "  leaves no mount" 0 "$(findmnt -rn -o TARGET | grep -c "^$tmp/full" || true)"
umount "$state"

echo "corrupt and foreign state"
bundle corrupt && shimrun create --bundle "$tmp/corrupt" corrupt >/dev/null 2>&1
record=$(find "$state/userns" -type f ! -name lock | head -n 1)
cp "$record" "$tmp/record.good"
for garbage in truncated garbage; do
	case $garbage in
	truncated) head -c 20 "$tmp/record.good" >"$record" ;;
	garbage) printf '\001\002 not json' >"$record" ;;
	esac
	bundle other
	shimrun create --bundle "$tmp/other" other >"$tmp/out" 2>&1
	seen "create beside a $garbage record" 1 "$?"
	seen "  refused, naming it" yes "$(grep -q "is unreadable" "$tmp/out" && echo yes || echo no)"
	seen "  no range claimed" 1 "$(find "$state/userns" -type f ! -name lock | wc -l)"
done
cp "$tmp/record.good" "$record"
shimrun delete -f corrupt >/dev/null 2>&1
chmod 0777 "$state/userns"
shimrun create --bundle "$tmp/other" other >"$tmp/out" 2>&1
seen "create with a pool others may write" 1 "$?"
seen "  refused, saying so" yes "$(grep -q "the pool must be this user's alone" "$tmp/out" && echo yes || echo no)"
chmod 0700 "$state/userns"
seen "  once it is 0700 again" works "$(again other "$tmp/other")"

# FAULTS_PARALLEL (make check-faults-long: 50) creates at once, then as
# many deletes.
n=${FAULTS_PARALLEL:-20}
echo "parallel creates and deletes ($n)"
for i in $(seq 1 "$n"); do bundle "par$i"; done
for i in $(seq 1 "$n"); do
	(shimrun create --bundle "$tmp/par$i" "par$i" >/dev/null 2>&1 && shimrun start "par$i" >/dev/null 2>&1) &
done
wait
ranges=$("$SHIMCTL" pool --state-dir "$state" --json | jq '[.[] | select(.id | startswith("par")) | .hostID] | unique | length')
seen "$n parallel creates: distinct ranges" "$n" "$ranges"
for i in $(seq 1 "$n"); do shimrun delete -f "par$i" >/dev/null 2>&1 & done
wait
seen "  $n parallel deletes" clean "$(leftovers par1 "$tmp/par1")"
seen "  nothing held" 0 "$("$SHIMCTL" pool --state-dir "$state" --json | jq length)"
# One bundle, as containerd would give it: the creates queue on its lock,
# the first makes the container, the others find it there.
same=same-$$
bundle same
for i in $(seq 1 10); do shimrun create --bundle "$tmp/same" "$same" >/dev/null 2>&1 & done
wait
seen "10 parallel creates of one id: one container" 1 "$(shimrun list -q | grep -cx "$same")"
seen "  one range" 1 "$("$SHIMCTL" pool --state-dir "$state" --json | jq length)"
seen "  one rootfs mount" 1 "$(findmnt -rn -o TARGET | grep -cx "$tmp/same/rootfs")"
seen "  the container starts" 0 "$(shimrun start "$same" >/dev/null 2>&1; echo $?)"
shimrun delete -f "$same" >/dev/null 2>&1
seen "  deleted" clean "$(leftovers "$same" "$tmp/same")"

echo "odd container ids"
for id in "../escape" "a/b" "$(head -c 1100 /dev/zero | tr '\0' x)"; do
	bundle odd
	shimrun create --bundle "$tmp/odd" "$id" >/dev/null 2>&1
	seen "id ${id:0:12}... refused" 1 "$?"
	seen "  leaves" clean "$(leftovers "$id" "$tmp/odd")"
done
seen "nothing written outside the state directory" no \
	"$([ -e "$tmp/escape" ] || [ -e "$state/escape" ] || [ -e "$tmp/state/../escape" ] && echo yes || echo no)"

summary faults
