#!/bin/bash
# `shimrun run` on real runc, as an admin or a script uses it (containerd
# uses create and start): the container's exit status comes back, a
# signal sent to shimrun reaches the container, and once runc has returned
# nothing is left behind: no idmapped rootfs on the host, no user
# namespace record, a bundle that can be removed.  run --detach and
# run --keep leave a container, which keeps its range until delete.  A
# rootfs that is the bundle directory itself runs; a create that runc
# refuses leaves nothing either.  update is judged against the policy as
# create is: a lifted pids limit is refused, other updates are applied.
#
# Environment: top_builddir (runtime/shimrun; default .), top_srcdir.
# Needs root, runc, jq and busybox-static; exits 77 (skip) without them.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMRUN=$(realpath "${SHIMRUN:-$top_builddir/runtime/shimrun}")

# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
# shellcheck source=tests/lib/checks.sh
. "$top_srcdir/tests/lib/checks.sh"
require_containers shimrun-run

tmp=$(mktemp -d /tmp/shimrun-run.XXXXXX)
CHECK_OUT=$tmp/out
# Traversable: the container's root (a user namespace's, not host root)
# walks through it to its rootfs.
chmod 711 "$tmp"
export SHIMRUN_STATE_DIR=$tmp/state SHIMRUN_AUDIT_LOG=$tmp/audit.log
export SHIMRUN_CONFIG=$tmp/shimrun.json
echo '{"delegate": "'"$(command -v runc)"'"}' >"$SHIMRUN_CONFIG"
trap 'remove_test_dir "$SHIMRUN" "$tmp/runc" "$tmp"' EXIT

runc_bundle "$tmp/proto"
# bundle NAME SCRIPT: a fresh bundle whose process is `sh -c SCRIPT`.
bundle() {
	rm -rf "${tmp:?}/$1"
	cp -a "$tmp/proto" "$tmp/$1"
	jq --arg s "$2" '.process.terminal = false | .process.args = ["/bin/busybox", "sh", "-c", $s]' \
		"$tmp/proto/config.json" >"$tmp/$1/config.json"
}
run() { # NAME [FLAG...]: shimrun run of bundle NAME as container NAME
	local name=$1
	shift
	exec "$SHIMRUN" --root "$tmp/runc" run --bundle "$tmp/$name" "$@" "$name"
}
records() { find "$tmp/state/userns" -type f ! -name lock | wc -l; }
mounted() { findmnt -rn -o TARGET | grep -q "^$tmp/$1/rootfs$"; }
in_userns() { jq -e '.linux.namespaces | any(.type == "user")' "$tmp/$1/config.json" >/dev/null; }

echo "a container that exits"
bundle exit 'exit 3'
(run exit) >"$tmp/out" 2>&1
check "its exit status comes back" [ $? -eq 3 ]
check "it ran in a user namespace" in_userns exit
check "no rootfs mount left" eval '! mounted exit'
check "no user namespace record left" [ "$(records)" -eq 0 ]
check "the bundle can be removed" rm -r "$tmp/exit"

echo "a signal sent to shimrun reaches the container"
# The container's process is its pid namespace's init, which the kernel
# spares signals it has no handler for: this one has one.
bundle sig 'trap "exit 7" TERM; echo ready; while :; do busybox sleep 0.1; done'
# (run ...) & is shimrun itself: the subshell execs it.
(run sig) >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$tmp/out" && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
check "the container's trap ran (exit 7)" [ $? -eq 7 ]
check "no rootfs mount left" eval '! mounted sig'
check "no user namespace record left" [ "$(records)" -eq 0 ]

echo "run --detach: the container runs on, with its range"
bundle det 'busybox sleep 60'
(run det -d) >"$tmp/out" 2>&1 </dev/null
check "run -d succeeds" [ $? -eq 0 ]
check "the container is running" sh -c "'$SHIMRUN' --root '$tmp/runc' state det | jq -e '.status == \"running\"' >/dev/null"
check "its rootfs is still mounted" mounted det
check "its record is kept" [ "$(records)" -eq 1 ]
"$SHIMRUN" --root "$tmp/runc" delete -f det >"$tmp/out" 2>&1
check "delete -f gives both back" sh -c "[ $(records) -eq 0 ] && ! findmnt -rn -o TARGET | grep -q '^$tmp/det/rootfs$'"

echo "update, judged as create: a lifted pids limit is refused"
bundle upd 'busybox sleep 60'
(run upd -d) >"$tmp/out" 2>&1 </dev/null
check "run -d succeeds" [ $? -eq 0 ]
upd_pid=$("$SHIMRUN" --root "$tmp/runc" state upd | jq -r .pid)
pids_max() { # the container's pids.max, in its cgroup (v1 or v2)
	local rel
	rel=$(awk -F: '$2 == "pids" || $2 == "" {print $3; exit}' "/proc/$upd_pid/cgroup")
	cat "/sys/fs/cgroup/pids$rel/pids.max" 2>/dev/null || cat "/sys/fs/cgroup$rel/pids.max"
}
update() { "$SHIMRUN" --root "$tmp/runc" update "$@" upd; }
before=$(pids_max)
update --pids-limit -1 >"$tmp/out" 2>&1
check "--pids-limit -1 refused" [ $? -ne 0 ]
has "  saying why" "$tmp/out" "no pids limit"
has "  and the control" "$tmp/out" "[pids-limit]"
check "  the limit unchanged ($before)" [ "$(pids_max)" = "$before" ]
echo '{"pids": {"limit": -1}}' | update -r - >"$tmp/out" 2>&1
check "-r - with pids.limit -1 refused" [ $? -ne 0 ]
echo '{"unified": {"pids.max": "max"}}' >"$tmp/unified.json"
update --resources "$tmp/unified.json" >"$tmp/out" 2>&1
check "-r FILE with unified pids.max \"max\" refused" [ $? -ne 0 ]
has "  naming it" "$tmp/out" "unified pids.max"
update --pids-limit 100 >"$tmp/out" 2>&1
check "--pids-limit 100 allowed" [ $? -eq 0 ]
check "  and applied" [ "$(pids_max)" = 100 ]
echo '{"pids": {"limit": 90}}' | update -r - >"$tmp/out" 2>&1
check "-r - with a limit allowed" [ $? -eq 0 ]
check "  runc read the same bytes (90)" [ "$(pids_max)" = 90 ]
update --memory 64m >"$tmp/out" 2>&1
check "--memory allowed" [ $? -eq 0 ]
check "every update recorded" [ "$(grep -c '"command":"update"' "$tmp/audit.log")" = 6 ]
check "  the refusals as rejected, with their finding" [ "$(jq -s '[.[] | select(.command == "update" and
	.decision == "rejected" and any(.findings[]; .control == "pids-limit"))] | length' "$tmp/audit.log")" = 3 ]
"$SHIMRUN" --root "$tmp/runc" delete -f upd >"$tmp/out" 2>&1

echo "run --keep: the stopped container keeps its range until delete"
bundle keep 'exit 0'
(run keep --keep) >"$tmp/out" 2>&1
check "run --keep succeeds" [ $? -eq 0 ]
check "its record is kept" [ "$(records)" -eq 1 ]
"$SHIMRUN" --root "$tmp/runc" delete keep >"$tmp/out" 2>&1
check "delete gives it back" [ "$(records)" -eq 0 ]
check "and unmounts" eval '! mounted keep'

echo "a rootfs that is the bundle itself (root.path \".\")"
# The bundle holds the image and config.json side by side, as the OCI
# validation suite's bundles do.  runc must enter it (chdir) and the
# container's root use it; afterwards it is as it was.
bundle dot 'cat /config.json >/dev/null && exit 4'
mv "$tmp/dot/rootfs"/* "$tmp/dot/" && rmdir "$tmp/dot/rootfs"
jq '.root.path = "."' "$tmp/dot/config.json" >"$tmp/dot.json" && mv "$tmp/dot.json" "$tmp/dot/config.json"
chmod 700 "$tmp/dot"
before=$(stat -c %a:%u:%g "$tmp/dot")
(run dot) >"$tmp/out" 2>&1
check "it runs (exit 4)" [ $? -eq 4 ]
check "in a user namespace" in_userns dot
check "no mount left" eval '! findmnt -rn -o TARGET | grep -q "^$tmp/dot$"'
check "no user namespace record left" [ "$(records)" -eq 0 ]
check "the bundle's owner and mode as before" [ "$(stat -c %a:%u:%g "$tmp/dot")" = "$before" ]

echo "a create that runc fails gives everything back"
bundle bad 'exit 0'
jq '.process.cwd = "relative"' "$tmp/bad/config.json" >"$tmp/bad.json" && mv "$tmp/bad.json" "$tmp/bad/config.json"
before=$(stat -c %a:%u:%g "$tmp/bad")
"$SHIMRUN" --root "$tmp/runc" create --bundle "$tmp/bad" bad >"$tmp/out" 2>&1
check "runc refuses it" [ $? -ne 0 ]
check "no rootfs mount left" eval '! mounted bad'
check "no user namespace record left" [ "$(records)" -eq 0 ]
check "the bundle's group and mode as before" [ "$(stat -c %a:%u:%g "$tmp/bad")" = "$before" ]

echo "shimrun-run: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
