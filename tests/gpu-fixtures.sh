#!/bin/bash
# The three shapes of a GPU container's spec (tests/fixtures/gpu-*.json:
# device plugin, NVIDIA toolkit legacy mode, CDI) judged by shimctl under
# the strict default policy and under profiles/policy/gpu.json, on a host
# that looks like a GPU node: in a private mount namespace, a tmpfs /dev
# with the fixtures' NVIDIA nodes (c 195:*, nvidia-uvm on a dynamic major),
# the toolkit's hook programs in /usr/bin (an overlay) and the persistence
# daemon's socket. Nothing of it reaches the host.
#
# Proves: the strict policy rejects each shape for its GPU parts only;
# gpu.json allows each (hardening adds nosuid/nodev and the recursive
# flags to the driver binds, and the hardened spec re-checks clean); and
# gpu.json still judges the host: a node whose numbers differ from the
# spec's, a hook program others can write, a GPU spec on a host without
# the nodes are rejected, naming why.
#
# Needs root and unshare (util-linux); exits 77 (skip) without them.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
shimctl=$(realpath "$top_builddir/runtime/shimctl")
fx=$top_srcdir/tests/fixtures
gpu=$top_srcdir/profiles/policy/gpu.json

[ "$(id -u)" -eq 0 ] || { echo "gpu-fixtures: SKIP: must run as root"; exit 77; }
command -v unshare >/dev/null || { echo "gpu-fixtures: SKIP: no unshare"; exit 77; }

# shellcheck source=tests/lib/checks.sh
. "$top_srcdir/tests/lib/checks.sh"

# judge NAME WANT-EXIT WANT-REJECTS POLICY-ARGS... FIXTURE: shimctl check
# --format json; WANT-REJECTS is the rejecting findings' count per control
# as jq writes {"control": n, ...} sorted ({} for none).
judge() {
	local name=$1 want=$2 rejects=$3 got status
	shift 3
	"$shimctl" check --format json "$@" >"$tmp/out" 2>&1
	status=$?
	got=$(jq -c -S '[.findings[] | select(.verdict == "reject") | .control]
		| group_by(.) | map({(.[0]): length}) | add // {}' "$tmp/out" 2>/dev/null)
	if [ "$status" -eq "$want" ] && [ "$got" = "$rejects" ]; then
		ok "$name"
	else
		bad "$name: exit $status (want $want), rejects $got (want $rejects)" "$(head -c 1500 "$tmp/out")"
	fi
}
# message NAME TEXT: the last judgement has a finding whose message holds TEXT.
message() {
	if jq -e --arg t "$2" 'any(.findings[]; .message | contains($t))' "$tmp/out" >/dev/null; then
		ok "$1"
	else
		bad "$1: no finding says '$2'" "$(jq -r '.findings[] | .message' "$tmp/out" | head -20)"
	fi
}

if [ -z "${GPU_FIXTURES_INSIDE:-}" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "on this host (no GPU): gpu.json judges the host's nodes"
	judge "device plugin: rejected, no host nodes" 1 '{"host-devices":8}' --policy "$gpu" "$fx/gpu-device-plugin.json"
	message "names the missing node" "the host has no node /dev/nvidia0"
	# The rest in a namespace of our own, where the host looks like a GPU node.
	GPU_FIXTURES_INSIDE=1 unshare -m --propagation private bash "$0"
	inner=$?
	echo "gpu-fixtures (outside): $passed passed, $failed failed"
	[ $failed -eq 0 ] && [ $inner -eq 0 ]
	exit
fi

tmp=$(mktemp -d)
# The fake GPU node: /dev, /run and /usr/bin as such a node has them.
mount -t tmpfs -o mode=755 gpu-dev /dev &&
	mknod -m 666 /dev/null c 1 3 &&
	mknod -m 666 /dev/nvidia0 c 195 0 &&
	mknod -m 666 /dev/nvidiactl c 195 255 &&
	mknod -m 666 /dev/nvidia-modeset c 195 254 &&
	mknod -m 666 /dev/nvidia-uvm c 235 0 &&
	mknod -m 666 /dev/nvidia-uvm-tools c 235 1 || { echo "gpu-fixtures: FAIL: cannot make /dev"; exit 1; }
mount -t tmpfs gpu-run /run && mkdir /run/nvidia-persistenced &&
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("/run/nvidia-persistenced/socket")' ||
	{ echo "gpu-fixtures: FAIL: cannot make the persistenced socket"; exit 1; }
mkdir "$tmp/up" "$tmp/work" &&
	mount -t overlay gpu-bin -o "lowerdir=/usr/bin,upperdir=$tmp/up,workdir=$tmp/work" /usr/bin &&
	for hook in nvidia-cdi-hook nvidia-container-runtime-hook; do
		printf '#!/bin/sh\nexit 0\n' >"/usr/bin/$hook" && chmod 755 "/usr/bin/$hook" || exit 1
	done || { echo "gpu-fixtures: FAIL: cannot add hook programs to /usr/bin"; exit 1; }

echo "the strict default policy: rejected for the GPU parts only"
judge "device plugin" 1 '{"host-devices":8,"host-mounts":2}' "$fx/gpu-device-plugin.json"
message "names the setting for devices" "not listed in controls.host-devices.allowed"
judge "legacy toolkit" 1 '{"hooks":1}' "$fx/gpu-toolkit-legacy.json"
message "names the setting for hooks" "not listed in controls.hooks.allowed"
judge "CDI" 1 '{"hooks":4,"host-devices":10,"host-mounts":19,"runtime-sockets":1}' "$fx/gpu-cdi.json"
message "names the settings for mounts" "not under controls.host-mounts.allowedSources or readOnlySources"

echo "gpu.json: allowed, hardened"
for shape in device-plugin toolkit-legacy cdi; do
	judge "$shape allowed" 0 '{}' --policy "$gpu" "$fx/gpu-$shape.json"
	"$shimctl" harden --policy "$gpu" -o "$tmp/$shape.json" "$fx/gpu-$shape.json" >/dev/null 2>&1 ||
		bad "$shape: harden failed"
	judge "$shape hardened re-checks clean" 0 '{}' --policy "$gpu" "$tmp/$shape.json"
	if jq -e '[.findings[] | select(.verdict == "harden" and .control == "host-mounts")] | length == 0' "$tmp/out" >/dev/null; then
		ok "$shape: nothing left to harden on its mounts"
	else
		bad "$shape: hardening left host-mounts findings"
	fi
done
# What hardening made of the driver binds: CDI's ro,nosuid,nodev,rbind and
# the plugin's rbind,rprivate,ro both end up recursive read-only.
for shape in device-plugin cdi; do
	if jq -e '[.mounts[] | select(.source | test("nvidia")) | .options
		| (index("ro") and index("nosuid") and index("nodev") and index("rro") and index("rnosuid") and index("rnodev"))]
		| length > 0 and all' "$tmp/$shape.json" >/dev/null; then
		ok "$shape: driver binds ro, nosuid, nodev, recursively"
	else
		bad "$shape: driver bind options" "$(jq -c '[.mounts[] | select(.source | test("nvidia")) | .options]' "$tmp/$shape.json")"
	fi
done

echo "gpu.json still judges the host"
rm /dev/nvidia-uvm && mknod -m 666 /dev/nvidia-uvm c 236 0
judge "a node on another major" 1 '{"host-devices":2}' --policy "$gpu" "$fx/gpu-device-plugin.json"
message "says which numbers the host has" "the host's /dev/nvidia-uvm is c 236:0, not 235:0"
rm /dev/nvidia-uvm && mknod -m 666 /dev/nvidia-uvm c 235 0
# The nodes right, but in a directory another user may write: runc binds
# them by name later, so one could be swapped in between.
chmod 777 /dev
judge "device nodes in a directory others can write" 1 '{"host-devices":8}' --policy "$gpu" "$fx/gpu-device-plugin.json"
message "says so" "the node could be replaced after this check"
chmod 755 /dev
chmod 775 /usr/bin/nvidia-cdi-hook
judge "a hook program others can write" 1 '{"hooks":4}' --policy "$gpu" "$fx/gpu-cdi.json"
message "says so" "writable by root alone"
chmod 755 /usr/bin/nvidia-cdi-hook
# The program root's alone, but in a directory another user may write:
# it could be swapped between the check and runc's run of it.
chmod 777 /usr/bin
judge "a hook program in a directory others can write" 1 '{"hooks":4}' --policy "$gpu" "$fx/gpu-cdi.json"
message "says so" "could be replaced after this check"
chmod 1777 /usr/bin
judge "  sticky (as /tmp): allowed" 0 '{}' --policy "$gpu" "$fx/gpu-cdi.json"
chmod 755 /usr/bin
jq '.hooks.createContainer[0].env += ["LD_PRELOAD=/tmp/evil.so"]' "$fx/gpu-cdi.json" >"$tmp/preload.json"
judge "a hook with LD_PRELOAD" 1 '{"hooks":1}' --policy "$gpu" "$tmp/preload.json"
jq '.linux.devices += [{"path": "/dev/nvidia1", "type": "c", "major": 195, "minor": 1}]' \
	"$fx/gpu-device-plugin.json" >"$tmp/extra.json"
judge "a GPU the host does not have" 1 '{"host-devices":1}' --policy "$gpu" "$tmp/extra.json"

rm -rf "$tmp" # the mounts go with this namespace
echo "gpu-fixtures: $passed passed, $failed failed"
[ $failed -eq 0 ]
