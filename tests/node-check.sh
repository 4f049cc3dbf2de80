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
	# The bridge and the directory go however the run ends.
	trap 'ip link del "$bridge" 2>/dev/null; rm -rf --one-file-system "$D"' EXIT
	trap 'exit 143' TERM INT
	NODE_CHECK_D=$D NODE_CHECK_BRIDGE=$bridge CNI_BIN_DIR=$CNI_BIN_DIR \
		unshare -m --propagation private "$0" "$@"
	exit
fi

# ---- inside the namespace ------------------------------------------------------
D=$NODE_CHECK_D
sock=/run/containerd/containerd.sock
k3s_dir=/var/lib/rancher/k3s/agent/etc/containerd
# k3s runs its containerd on the config it writes and a socket of its own
# (the second part, from a file written when it begins).
[ -e "$D/k3s" ] && sock=/run/k3s/containerd/containerd.sock
# containerd by its pid file: the installer's entrypoint restarts it too,
# through this script (--restart-containerd UNIT, in this namespace).
start_containerd() {
	local args=()
	[ ! -e "$D/k3s" ] || args=(--config "$k3s_dir/config.toml" --address "$sock")
	setsid containerd "${args[@]}" >>"$D/containerd.log" 2>&1 </dev/null &
	echo $! >"$D/containerd.pid"
	for _ in $(seq 100); do
		ctr --address "$sock" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "$name: containerd did not start:"; tail -5 "$D/containerd.log"
	return 1
}
stop_containerd() {
	local pid
	pid=$(cat "$D/containerd.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$D/containerd.pid"
}
. "$top_srcdir/tests/lib/k3s.sh"
if [ "${1:-}" = --restart-containerd ]; then
	echo "${2:-}" >>"$D/restarted"
	case ${2:-} in
	k3s-agent.service) stop_containerd && k3s_render "$k3s_dir" "$D/k3s.base" && start_containerd ;;
	*) stop_containerd && start_containerd ;;
	esac
	exit
fi
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

# The node as it runs before shim, with the pause image its pods use.
start_containerd || { bad "containerd on the node's config"; summary "$name"; exit; }
ln -s "$sock" "$D/img/containerd.sock"
CTRD_NAMESPACE=k8s.io busybox_image "$D/img" "$pause" /bin/sleep 2147483647 >/dev/null ||
	{ bad "pause image"; summary "$name"; exit; }
sleep 1 # the CRI plugin learns of imported images from events

# The installer image, made as `make image` makes it, and its entrypoint
# run from it as the DaemonSet runs it: install, containerd restarted,
# node check; its status file says "ready".  A sanitizer build's programs
# are not static and cannot go into the image: shimctl then installs.
entrypoint() {
	env SHIM_ONESHOT=1 SHIM_DEFAULT="${SHIM_DEFAULT:-1}" SHIM_HOST_ROOT=/ SHIM_BIN="$rootfs/opt/shim/bin" SHIM_STATUS_DIR="$D/status" \
		SHIM_RESTART_CONTAINERD="$0 --restart-containerd" SHIM_CHECK_TRIES=15 \
		"$rootfs/bin/sh" "$rootfs/opt/shim/bin/shim-node-install" "$@"
}
rootfs=
if LC_ALL=C readelf -l "$top_builddir/runtime/shimrun" | grep -q INTERP; then
	echo "  skip: the installer image: this build's programs are not static (a sanitizer build)"
	expect "install" 0 "$shimctl" node install --from "$from"
	stop_containerd && start_containerd || { bad "containerd on the installed config"; summary "$name"; exit; }
elif sh "$top_srcdir/examples/kubernetes/install/build-image.sh" "$top_builddir" "$D/installer" test >/dev/null &&
	umoci unpack --image "$D/installer/layout:test" "$D/installer/bundle" >/dev/null; then
	rootfs=$D/installer/bundle/rootfs
	expect "the installer's entrypoint" 0 entrypoint install
	check "  status: ready" test "$(cat "$D/status/status")" = ready
	check "  containerd restarted by its unit" test "$(tail -n 1 "$D/restarted")" = containerd.service
	has "  it checked the node" "$CHECK_DIR/out" "ok hardened:"
	check "  shimrun from the image" cmp "$rootfs/opt/shim/bin/shimrun" /usr/local/bin/shimrun
	check "  shim is containerd's default (SHIM_DEFAULT=1)" sh -c \
		"containerd config dump | grep -Eq \"default_runtime_name = ['\\\"]shim\""
else
	bad "the installer image"
	summary "$name"
	exit
fi

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

# An upgrade keeps running containers: a container that shimrun runs, a
# new shimrun installed over the one that started it (written beside and
# renamed) and containerd restarted, as the DaemonSet's rolling update
# does; the container still runs and goes away normally.  (The new
# program is the same with a byte appended: a different file.)
ctrk() { ctr --address "$sock" -n k8s.io "$@"; }
if ctrk run -d --runc-binary /usr/local/bin/shimrun "$pause" upgrade-test >"$D/ctr.out" 2>&1; then
	has "  started by shimrun" /var/log/shimrun/audit.log '"id":"upgrade-test"'
	mkdir -p "$D/new"
	cp /usr/local/bin/shimrun /usr/local/bin/shimctl /usr/local/bin/shim-seccomp-loader "$D/new/" &&
		printf '\0' >>"$D/new/shimrun"
	expect "upgrade with a container running" 0 "$shimctl" node install --from "$D/new"
	has "  a new shimrun" "$CHECK_DIR/out" "changed /usr/local/bin/shimrun"
	"$0" --restart-containerd
	check "  the container still runs" sh -c "ctr --address $sock -n k8s.io task ls | grep -q 'upgrade-test .* RUNNING'"
	ctrk task kill -s KILL upgrade-test >/dev/null 2>&1
	for _ in $(seq 50); do ctrk task delete upgrade-test >/dev/null 2>&1 && break; sleep 0.1; done
	check "  and goes away" sh -c "ctrk() { ctr --address $sock -n k8s.io \"\$@\"; }; ctrk container delete upgrade-test && ! ctrk task ls | grep -q upgrade-test"
	expect "  node check on the new shimrun" 0 "$shimctl" node check
else
	bad "a container through shimrun (ctr run)" "$(cat "$D/ctr.out")"
fi

# Uninstall as the DaemonSet does it: the labeller (here its loop without
# kubectl) takes the label off once the status is no longer "ready" and
# says so; only then is the node put back and containerd restarted.
if [ -n "$rootfs" ]; then
	(while :; do
		grep -qx ready "$D/status/status" || touch "$D/status/unlabelled"
		sleep 0.5
	done) &
	labeller=$!
	expect "the entrypoint uninstalls" 0 entrypoint uninstall
	kill "$labeller"
	check "  status: uninstalled" test "$(cat "$D/status/status")" = uninstalled
else
	expect "uninstall" 0 "$shimctl" node uninstall
fi
check "  the class is gone from containerd" sh -c "! containerd config dump | grep -q 'runtimes.shim'"
check "  no shim drop-in" test ! -e /etc/containerd/conf.d/shim.toml

# The same node run by k3s: its containerd (this stack's, at k3s's path)
# on the config.toml k3s writes at every start, here the node's own config
# (in version 2, as k3s writes it for containerd 1.7), on k3s's socket;
# k3s's start emulated (tests/lib/k3s.sh).  Its unit restarts it.  Not the
# default class: k3s writes containerd's CRI table itself (see
# node-install.sh).
stop_containerd
mkdir -p "$k3s_dir" /var/lib/rancher/k3s/data/4f2a/bin
ln -s 4f2a /var/lib/rancher/k3s/data/current
ln -s "$(command -v containerd)" /var/lib/rancher/k3s/data/current/bin/containerd
mv /etc/containerd/config.toml "$D/k3s.base"
rm /etc/systemd/system/containerd.service
printf '[Service]\nExecStart=/usr/local/bin/k3s agent\n' >/etc/systemd/system/k3s-agent.service
k3s_render "$k3s_dir" "$D/k3s.base"
: >"$D/k3s"
sock=/run/k3s/containerd/containerd.sock
start_containerd || { bad "containerd as k3s runs it"; summary "$name"; exit; }
if [ -n "$rootfs" ]; then
	SHIM_DEFAULT=0 expect "k3s: the installer's entrypoint" 0 entrypoint install
	check "  status: ready" test "$(cat "$D/status/status")" = ready
	check "  k3s restarted by its unit" test "$(tail -n 1 "$D/restarted")" = k3s-agent.service
else
	expect "k3s: install" 0 "$shimctl" node install --from "$from"
	"$0" --restart-containerd k3s-agent.service
fi
check "  a k3s template" test -e "$k3s_dir/config.toml.tmpl"
expect "  node check finds k3s's socket" 0 "$shimctl" node check --timeout 60
has "  on k3s's socket" "$CHECK_DIR/out" "answers on /run/k3s/containerd/containerd.sock"
has "  hardened" "$CHECK_DIR/out" "ok hardened:"
expect "  uninstall" 0 "$shimctl" node uninstall
"$0" --restart-containerd k3s-agent.service
check "  no template" test ! -e "$k3s_dir/config.toml.tmpl"
check "  k3s's config as before" cmp "$k3s_dir/config.toml" "$D/k3s.base"
finish
trap - EXIT
summary "$name"
