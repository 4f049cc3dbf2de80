#!/bin/bash
# shimctl node install, then containerd started on the result, then
# shimctl node check through its CRI socket: the proof that containerd
# runs shimrun for the class, and its named causes when it does not.
#
# The node is this machine's, seen through a private mount namespace:
# /etc (a copy), /run, /var/lib, /var/log and /usr/local/bin are
# directories of the test's own, so the installer and containerd work at
# the paths of a real node while nothing outside the test's directory
# changes (but for the pods' bridge, removed at the end).  The node's
# containerd config is version 2 (what 1.x writes; 2.x migrates it), with
# what this VM needs (restrict_oom_score_adj) and CNI's bridge.  Runs once
# per node stack (tests/lib/on-stack.sh).
set -u
name=node-check
if [ -z "${NODE_CHECK_D:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "$name: SKIP: must run as root"; exit 77; }
	for tool in containerd ctr runc umoci unshare ip; do
		command -v "$tool" >/dev/null || { echo "$name: SKIP: $tool not installed"; exit 77; }
	done
	CNI_BIN_DIR=${CNI_BIN_DIR:-/usr/lib/cni}
	for plugin in bridge host-local loopback; do
		[ -x "$CNI_BIN_DIR/$plugin" ] || { echo "$name: SKIP: no CNI plugin $CNI_BIN_DIR/$plugin"; exit 77; }
	done
	D=$(mktemp -d /tmp/node-check.XXXXXX)
	chmod 711 "$D" # a pod's root in a user namespace walks through it
	bridge=shimnc$(($$ % 100000))
	NODE_CHECK_D=$D NODE_CHECK_BRIDGE=$bridge CNI_BIN_DIR=$CNI_BIN_DIR \
		unshare -m --propagation private "$0" "$@"
	rc=$?
	ip link del "$bridge" 2>/dev/null
	rm -rf --one-file-system "$D"
	exit $rc
fi

# ---- inside the namespace ------------------------------------------------------
D=$NODE_CHECK_D
. "$top_srcdir/tests/lib/checks.sh"
. "$top_srcdir/tests/lib/containerd.sh"
CHECK_DIR=$D
shimctl="$top_builddir/runtime/shimctl"
from="$top_builddir/runtime"
cp -a /etc "$D/etc"
mkdir -p "$D/run" "$D/var-lib" "$D/var-log" "$D/bin" "$D/img"
for m in etc:/etc run:/run var-lib:/var/lib var-log:/var/log bin:/usr/local/bin; do
	mount --bind "$D/${m%%:*}" "${m#*:}" || { echo "$name: FAIL: cannot make the node ($m)"; exit 1; }
done
mkdir -p /etc/containerd /etc/cni/net.d /etc/systemd/system
rm -f /etc/containerd/* /etc/subuid /etc/subgid
# This stack's containerd is the node's (its unit says which one runs).
printf '[Service]\nExecStart=%s\n' "$(command -v containerd)" >/etc/systemd/system/containerd.service
pause=registry.k8s.io/pause:shimtest
cat >/etc/containerd/config.toml <<TOML
version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "/etc/cni/net.d"
    max_conf_num = 1
TOML
cat >/etc/cni/net.d/10-shimtest.conflist <<JSON
{"cniVersion": "0.4.0", "name": "shimtest", "plugins": [{"type": "bridge",
 "bridge": "$NODE_CHECK_BRIDGE", "isGateway": false, "ipMasq": false,
 "ipam": {"type": "host-local", "subnet": "10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).0/24"}}]}
JSON

sock=/run/containerd/containerd.sock
ctrd_pid=
start_containerd() {
	setsid containerd >"$D/containerd.log" 2>&1 </dev/null &
	ctrd_pid=$!
	for _ in $(seq 100); do
		ctr --address "$sock" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "$name: containerd did not start:"; tail -5 "$D/containerd.log"
	return 1
}
stop_containerd() {
	[ -n "$ctrd_pid" ] || return 0
	kill "$ctrd_pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$ctrd_pid" 2>/dev/null || break; sleep 0.1; done
	ctrd_pid=
}
mnt_ns=$(readlink /proc/self/ns/mnt)
finish() {
	local p
	ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null | while read -r t; do
		ctr --address "$sock" -n k8s.io tasks kill -s KILL "$t" >/dev/null 2>&1
	done
	stop_containerd
	# The shims and pods of this namespace's containerd only.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$mnt_ns" ] || continue
		[ "${p#/proc/}" = $$ ] || kill -KILL "${p#/proc/}" 2>/dev/null
	done
}
trap finish EXIT

expect "install" 0 "$shimctl" node install --from "$from"
start_containerd || { bad "containerd on the installed config"; summary "$name"; exit; }
ln -s "$sock" "$D/img/containerd.sock"
CTRD_NAMESPACE=k8s.io busybox_image "$D/img" "$pause" /bin/sleep 2147483647 >/dev/null ||
	{ bad "pause image"; summary "$name"; exit; }
sleep 1 # the CRI plugin learns of imported images from events

expect "node check" 0 "$shimctl" node check --timeout 60
for c in config cri canary shimrun hardened; do
	has "check $c" "$CHECK_DIR/out" "ok $c:"
done
has "the canary's process is filtered" "$CHECK_DIR/out" "Seccomp 2, NoNewPrivs 1"
has "shimrun's record of it" "$CHECK_DIR/out" "records the canary's create: hardened"
check "the canary is gone" test -z "$(ctr --address "$sock" -n k8s.io containers ls -q)"
expect "status" 0 "$shimctl" node status

# Causes, each named.
expect "a handler containerd does not have" 1 "$shimctl" node check --runtime-name nosuch
has "  says so" "$CHECK_DIR/out" "reads no runtime class nosuch"
cp /usr/local/bin/shimrun "$D/shimrun.good"
chmod -x /usr/local/bin/shimrun
expect "BinaryName not executable" 1 "$shimctl" node check
has "  says so" "$CHECK_DIR/out" "is not an executable file"
# A BinaryName that runs plain runc: what containerd does when it ignores
# BinaryName; only the canary can show it.
install -m 755 "$(command -v runc)" /usr/local/bin/shimrun
expect "containerd runs plain runc for the class" 1 "$shimctl" node check
has "  says so" "$CHECK_DIR/out" "containerd ran the canary without shimrun"
install -m 755 "$D/shimrun.good" /usr/local/bin/shimrun
# BinaryName where this containerd does not read it (beside runtime_type,
# not under options), then containerd restarted on that.
config=$(grep -l 'runtimes.shim.options' /etc/containerd/config.toml /etc/containerd/conf.d/*.toml 2>/dev/null | head -1)
cp "$config" "$D/config.good"
sed -i '/BinaryName = "\/usr\/local\/bin\/shimrun"/d' "$config"
sed -i '/runtimes.shim\]$/a\  BinaryName = "/usr/local/bin/shimrun"' "$config"
stop_containerd && start_containerd
expect "BinaryName where it is ignored" 1 "$shimctl" node check
has "  says so" "$CHECK_DIR/out" "has no BinaryName where containerd"
cp "$D/config.good" "$config"
stop_containerd && start_containerd
# A policy that refuses the canary: the refusal, from shimrun's record.
mkdir -p /etc/shim
echo '{"version": 1, "name": "refuse-chown", "controls": {"capabilities": {"privileged": ["CAP_CHOWN"], "allowed": ["CAP_KILL"]}}}' >/etc/shim/refuse.json
echo '{"policy": "/etc/shim/refuse.json"}' >/etc/shim/shimrun.json
expect "the canary refused" 1 "$shimctl" node check
has "  says why" "$CHECK_DIR/out" "shimrun refused the canary: privileged capability CAP_CHOWN"
rm /etc/shim/shimrun.json
expect "node check again" 0 "$shimctl" node check
expect "status names the last check" 0 "$shimctl" node status
has "  passed" "$CHECK_DIR/out" ", passed"

# What the node did, for Prometheus: counted from shimrun's audit log.
expect "metrics" 0 "$shimctl" metrics
cp "$CHECK_DIR/out" "$D/metrics"
metric() { awk -v m="$1" '$1 == m {print $2}' "$D/metrics"; }
check "hardened creates counted" test "$(metric 'shim_decisions_total{command="create",decision="hardened"}')" -ge 2
check "the refusal counted per control" test "$(metric 'shim_findings_total{control="capabilities",verdict="reject"}')" -ge 1
check "the last check passed" test "$(metric 'shim_node_check_ok{runtime_class="shim"}')" = 1
check "the canaries' ranges are free again" test "$(metric 'shim_pool_ranges{state="used"}')" = 0
promtool=${PROMTOOL:-/var/cache/shim/tools/usr/bin/promtool}
if [ -x "$promtool" ]; then
	check "promtool check metrics" "$promtool" check metrics <"$D/metrics"
else
	echo "  skip: promtool check metrics: no $promtool (tests/deps.sh unpacks it)"
fi
mkdir -p "$D/textfile"
expect "metrics --textfile" 0 "$shimctl" metrics --textfile "$D/textfile"
check "  the same text in shim.prom" cmp "$D/metrics" "$D/textfile/shim.prom"

finish
trap - EXIT
expect "uninstall" 0 "$shimctl" node uninstall
check "config as before the install" test ! -e /etc/containerd/conf.d/shim.toml
summary "$name"
