#!/bin/bash
# GPU containers without a GPU: a fake device node, a fake driver directory
# and a fake hook go through containerd and shimrun the way a GPU's do
# (device plugin: --device and a read-only bind; CDI and the NVIDIA
# toolkit: a hook), under a policy made of profiles/policy/gpu.json plus
# rules for the fakes.
#
# Proves: the shipped GPU policy loads; a listed device, read-only driver
# bind and hook run, and the container gets the same hardening as any
# other (Seccomp 2, NoNewPrivs 1, its own user namespace); the device's
# cgroup rule lets the container open it (ENXIO from the driverless major,
# not EPERM from the cgroup); the hook's effect is visible inside; the
# strict default policy rejects the same container naming the setting that
# would allow each part; a device outside the rule, a writable driver bind
# and a hook outside the list are rejected.
#
# Environment: top_builddir (runtime/shimrun; default .), top_srcdir.
# Needs root, containerd, ctr, runc, umoci, jq, busybox-static; exits 77
# (skip) without them.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMRUN=$(realpath "${SHIMRUN:-$top_builddir/runtime/shimrun}")

# shellcheck source=tests/lib/containerd.sh
. "$top_srcdir/tests/lib/containerd.sh"
require_containerd gpu
skip() { echo "gpu: SKIP: $*"; exit 77; }

# The fake GPU: character devices of a major for local/experimental use
# that no driver holds here (120-127 are never assigned dynamically; a
# machine with many drivers can hold 240, and opening the node would then
# reach a real driver), the way a driver's nodes sit in /dev; removed at exit.
MAJOR=$(awk '/^Block/ {exit} $1 ~ /^[0-9]+$/ {used[$1] = 1}
	END {for (m = 120; m <= 127; m++) if (!used[m]) {print m; exit}}' /proc/devices)
[ -n "$MAJOR" ] || skip "no free local-use character major (120-127)"
D=$(mktemp -d /tmp/shimrun-gpu.XXXXXX)
chmod 711 "$D" # the container's root (a user namespace's) walks through it
NODE=/dev/shimgpu-$$
OTHER=/dev/shimgpu-$$-x
cleanup() {
	ctrd_stop "$D" >/dev/null 2>&1
	rm -f "$NODE" "$OTHER"
}
trap cleanup EXIT
mknod -m 666 "$NODE" c "$MAJOR" 0 && mknod -m 666 "$OTHER" c "$MAJOR" 1 ||
	{ echo "gpu: FAIL: cannot make device nodes"; exit 1; }
# The driver's files, root's and read-only to others, as an installation.
mkdir -m 755 "$D/driver"
echo "fake cuda 550.90.07" >"$D/driver/libcuda.so.550.90.07"
# The hook, at createContainer as CDI's: it runs in the container's mount
# namespace before pivot_root, as the container's root, and leaves a file in
# the rootfs, found from the state runc passes on stdin.
mkdir -m 755 "$D/bin"
cat >"$D/bin/fake-cdi-hook" <<'EOF'
#!/bin/sh
bundle=$(jq -r .bundle)
root=$(jq -r .root.path "$bundle/config.json")
case $root in /*) ;; *) root=$bundle/$root ;; esac
echo "ldcache updated: $*" >"$root/etc/gpu-hook-ran"
EOF
chmod 755 "$D/bin/fake-cdi-hook"

# The policy: the shipped GPU policy plus rules for the fakes.
jq --arg node "$NODE" --argjson major "$MAJOR" --arg driver "$D/driver" --arg hook "$D/bin/fake-cdi-hook" '
	.name = "gpu-test"
	| .controls["host-devices"].allowed += [{"path": $node, "type": "c", "major": $major, "minors": [0, 0], "access": "rwm"}]
	| .controls["host-mounts"].readOnlySources += [$driver]
	| .controls.hooks.allowed += [{"path": $hook, "stages": ["createContainer"],
		"args": [["fake-cdi-hook", "update-ldcache", "..."]]}]' \
	"$top_srcdir/profiles/policy/gpu.json" >"$D/gpu-test.json"
AUDIT=$D/audit.log
for p in gpu strict; do
	policy=""
	[ $p = gpu ] && policy="--policy $D/gpu-test.json"
	cat >"$D/shimrun-$p" <<EOF
#!/bin/sh
SHIMRUN_STATE_DIR="$D/shimrun" exec "$SHIMRUN" $policy --audit-log "$AUDIT" "\$@"
EOF
	chmod 755 "$D/shimrun-$p"
done

# shellcheck source=tests/lib/checks.sh
. "$top_srcdir/tests/lib/checks.sh"
CHECK_OUT=$D/out

echo "the shipped GPU policy"
loads() { "$top_builddir/runtime/shimctl" policy show --policy "$1" >"$D/out" 2>&1; }
check "gpu.json loads" loads "$top_srcdir/profiles/policy/gpu.json"
check "gpu.json plus the test's rules loads" loads "$D/gpu-test.json"

ctrd_start "$D" >/dev/null || { echo "gpu: FAIL: containerd did not start"; exit 1; }
IMG=$(busybox_image "$D") || { echo "gpu: FAIL: no image"; exit 1; }
CTR=(ctr --address "$D/containerd.sock" --namespace "$CTRD_NAMESPACE")

# grun POLICY NAME CTR-RUN-ARGS... -- ARGS: ctr run through shimrun with
# POLICY (gpu or strict); output in $D/out, status returned.
grun() {
	local p=$1; shift
	timeout 120 "${CTR[@]}" run --rm --fifo-dir "$D/fifo" --runc-root "$D/runc" \
		--runc-binary "$D/shimrun-$p" "$@" >"$D/out" 2>&1
}
DEVICE=(--device "$NODE")
DRIVER=(--mount "type=bind,src=$D/driver,dst=/usr/local/nvidia,options=rbind:ro")

echo "device plugin shape: a device and a read-only driver bind"
# One stream inside (exec 2>&1): ctr copies the container's stdout and
# stderr through two pipes, so their lines reach $D/out in either order and
# a message the shell writes in two parts ("sh: ", then the text) could be
# glued to a line of the other stream.  The failed redirection's message is
# the subshell's, discarded: a redirection error goes to the stderr the
# command had before its own 2>/dev/null.
grun gpu "${DEVICE[@]}" "${DRIVER[@]}" "$IMG" gpu-plugin sh -c 'exec 2>&1
	grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; cat /proc/self/uid_map
	ls -l '"$NODE"'; cat '"$NODE"'; cat /usr/local/nvidia/libcuda.so.550.90.07
	(echo x >/usr/local/nvidia/new) 2>/dev/null || echo "driver read-only"
	grep " /usr/local/nvidia " /proc/self/mounts'
status=$?
check "runs under the GPU policy" [ $status -eq 0 ]
check "Seccomp 2" grep -qx "Seccomp:[[:space:]]*2" "$D/out"
check "NoNewPrivs 1" grep -qx "NoNewPrivs:[[:space:]]*1" "$D/out"
check "own user namespace" awk 'NF == 3 && $1 == 0 && $2 >= 100000 {f = 1} END {exit !f}' "$D/out"
check "the node is there, c $MAJOR,0" grep -q "^c.* $MAJOR, *0 .*$NODE" "$D/out"
# Opening it reaches the (absent) driver: the cgroup let it through.
check "the cgroup lets it open (ENXIO, not EPERM)" grep -q "No such device or address" "$D/out"
check "the driver's files are readable" grep -qx "fake cuda 550.90.07" "$D/out"
check "the driver bind is read-only" grep -qx "driver read-only" "$D/out"
check "nosuid,nodev on the driver bind" grep -q " /usr/local/nvidia .*ro,nosuid,nodev" "$D/out"

echo "CDI shape: a createContainer hook"
# ctr has no flag for hooks: hand it the whole spec (--config), as the CDI
# injection or the toolkit would leave it, on a busybox directory of ours
# (with --config, ctr takes no image).
_busybox_rootfs "$D/hook-root" || { echo "gpu: FAIL: no rootfs"; exit 1; }
(cd "$D" && runc spec >/dev/null && mv config.json base.json)
hook_spec() { # ARGS-JSON: a spec that cats the hook's file, with the hook
	jq --arg hook "$D/bin/fake-cdi-hook" --arg root "$D/hook-root" --argjson args "$1" '
		.process.terminal = false
		| .process.args = ["sh", "-c", "cat /etc/gpu-hook-ran /proc/self/uid_map"]
		| .root = {"path": $root, "readonly": false}
		| .hooks = {"createContainer": [{"path": $hook, "args": $args}]}' "$D/base.json" >"$D/hook.json"
}
hrun() { # POLICY ID: ctr run --config hook.json
	timeout 120 "${CTR[@]}" run --rm --fifo-dir "$D/fifo" --runc-root "$D/runc" \
		--runc-binary "$D/shimrun-$1" --config "$D/hook.json" "$2" >"$D/out" 2>&1
}
hook_spec '["fake-cdi-hook", "update-ldcache", "--folder", "/usr/lib"]'
hrun gpu gpu-hook
status=$?
check "runs under the GPU policy" [ $status -eq 0 ]
check "the hook ran, with its arguments, before the process" \
	grep -qx "ldcache updated: update-ldcache --folder /usr/lib" "$D/out"
check "in a user namespace of its own, hook included" \
	awk 'NF == 3 && $1 == 0 && $2 >= 100000 {f = 1} END {exit !f}' "$D/out"
rm -f "$D/hook-root/etc/gpu-hook-ran"
expect_hook_rejected() { # NAME POLICY TEXT
	hrun "$2" "rej-$1"
	local status=$?
	if [ $status -ne 0 ] && grep -q "shimrun: rejected:.*$3" "$D/out" &&
		[ ! -e "$D/hook-root/etc/gpu-hook-ran" ]; then
		ok "$1 rejected, the hook did not run"
	else
		bad "$1 rejected (status $status)" "$(head -c 800 "$D/out")"
	fi
}
expect_hook_rejected strict-hook strict "createContainer hook $D/bin/fake-cdi-hook: not listed in controls.hooks.allowed"
hook_spec '["fake-cdi-hook", "create-symlinks", "--link", "/etc/shadow::/x"]'
expect_hook_rejected hook-args gpu "its arguments match none of controls.hooks.allowed\[[0-9]*\].args"

echo "what stays rejected"
expect_rejected() { # NAME POLICY TEXT CTR-RUN-ARGS...
	local name=$1 p=$2 text=$3; shift 3
	grun "$p" "$@" "$IMG" "rej-$name" true
	local status=$?
	if [ $status -ne 0 ] && grep -q "shimrun: rejected:.*$text" "$D/out"; then
		ok "$name rejected"
	else
		bad "$name rejected (status $status)" "$(head -c 800 "$D/out")"
	fi
}
expect_rejected strict-device strict "host device $NODE (c $MAJOR:0) is not listed in controls.host-devices.allowed" "${DEVICE[@]}"
expect_rejected strict-driver strict "not under controls.host-mounts.allowedSources or readOnlySources" "${DRIVER[@]}"
expect_rejected other-device gpu "host device $OTHER (c $MAJOR:1) is not listed" --device "$OTHER"
expect_rejected writable-driver gpu "readOnlySources: its bind must be read-only" \
	--mount "type=bind,src=$D/driver,dst=/usr/local/nvidia,options=rbind:rw"

echo "audit"
audit_has() { jq -e -s "any(.[]; $1)" "$AUDIT" >/dev/null; }
check "gpu-plugin hardened under the gpu-test policy" audit_has '.id == "gpu-plugin" and .decision == "hardened"'
check "strict-device rejected" audit_has '.id == "rej-strict-device" and .decision == "rejected"'

echo "gpu: $passed passed, $failed failed"
[ $failed -eq 0 ]
