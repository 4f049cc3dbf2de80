# shellcheck shell=bash
# tests/lib/cri.sh - what scripts that drive a private containerd's CRI
# plugin share (tests/integration/cri.sh, tests/bench/bench-pods.sh).
# Source it with containers.sh and containerd.sh; do not execute it.
#
#   require_cri NAME        exit 77 (skip) unless containerd, ctr, umoci,
#                           protoc, ip, $PYTHON with grpc and protobuf, and
#                           CNI's bridge, host-local and loopback plugins in
#                           $CNI_BIN_DIR (set here when unset)
#   cri METHOD [JSON]       tests/integration/cri/cri.py against the
#                           containerd ctrd_start started
#   cri_version             "NAME VERSION, CRI API-VERSION" of the runtime
#   cri_policy FILE NAME DIR
#                           shimrun's policy NAME for that containerd in DIR
#   cri_config DIR PAUSE NETWORK BRIDGE SUBNET DEFAULT [CLASS BINARY ROOT]...
#                           the CRI plugin's tables for ctrd_start in
#                           DIR/cri.toml, with the runtime classes CLASS,
#                           and the CNI bridge network the pods hang on
#   cri_start DIR PAUSE BUSYBOX
#                           containerd with DIR/cri.toml, the pause and
#                           busybox images, the CRI plugin ready; on failure
#                           returns 1 with the reason in $cri_error
#   remove_pods             stop and remove every pod sandbox
#   cri_begin PREFIX BRIDGE-PREFIX
#                           sets D, a new directory /tmp/PREFIX.XXXXXX for
#                           containerd and all else, and BRIDGE, the name of
#                           the pods' bridge; notes which host directories
#                           CNI and the CRI plugin use are not there yet
#   cri_teardown NAME DIR BRIDGE
#                           the clean-up after a run, whatever its end:
#                           pods, containerd and DIR, what the pods left on
#                           the host, the bridge, the noted directories
#
# Environment: PYTHON (default /usr/bin/python3: Debian's, whatever else
# PATH offers, as grpcio comes from the archive), CRI_TIMEOUT (seconds a
# CRI call may take, default 60; kubelet's default is 2 minutes),
# CNI_BIN_DIR (default /usr/lib/cni, Debian's, else /opt/cni/bin).

PYTHON=${PYTHON:-/usr/bin/python3}
CRI_TIMEOUT=${CRI_TIMEOUT:-60}
CRI_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")/../integration/cri" && pwd)/cri.py
# Kubernetes' containerd namespace: the CRI plugin works in no other.
# shellcheck disable=SC2034 # containerd.sh's functions read it
CTRD_NAMESPACE=k8s.io
# The kubelet's ids for hostUsers: false pods (what a node's /etc/subuid
# gives the user kubelet) lie beyond shimrun's pool: 1024 pods of 65536
# ids from 2^30.
KUBELET_IDS=1073741824
# kubelet's masked and read-only paths for procMount: Default, which it
# always sends: containerd's CRI plugin clears its own defaults for app
# containers (not for sandboxes), so a container without them has /proc
# unmasked (procMount: Unmasked).
# shellcheck disable=SC2034 # for the scripts that source this
MASKED_PATHS='["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware"]'
# shellcheck disable=SC2034 # for the scripts that source this
READONLY_PATHS='["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]'

require_cri() {
	local name=$1 tool plugin
	for tool in containerd ctr umoci protoc ip; do
		command -v "$tool" >/dev/null || { echo "$name: SKIP: $tool not installed"; exit 77; }
	done
	"$PYTHON" -c 'import grpc, google.protobuf' 2>/dev/null || {
		echo "$name: SKIP: $PYTHON cannot import grpc and google.protobuf (python3-grpcio)"
		exit 77
	}
	if [ -z "${CNI_BIN_DIR:-}" ]; then
		CNI_BIN_DIR=/usr/lib/cni
		[ -x $CNI_BIN_DIR/bridge ] || CNI_BIN_DIR=/opt/cni/bin
	fi
	for plugin in bridge host-local loopback; do
		[ -x "$CNI_BIN_DIR/$plugin" ] || {
			echo "$name: SKIP: no CNI plugin $CNI_BIN_DIR/$plugin (containernetworking-plugins)"
			exit 77
		}
	done
}

cri() {
	"$PYTHON" "$CRI_PY" --address "${CTRD_ADDRESS:?ctrd_start not called}" \
		--pb-dir "$CTRD_DIR/pb" --timeout "$CRI_TIMEOUT" "$@"
}

cri_version() {
	cri Version '{}' | jq -r '"\(.runtime_name) \(.runtime_version), CRI \(.runtime_api_version)"'
}

# The default policy allows bind mounts from containerd's default CRI
# directories (the pod's hosts, hostname, resolv.conf and /dev/shm); this
# containerd keeps them under DIR, which a node with another root would
# have to allow the same way; DIR/volumes stands in for the kubelet's pod
# volumes.  The kubelet's id range is $KUBELET_IDS's.
cri_policy() {
	local file=$1 name=$2 dir=$3
	jq -n --arg name "$name" --arg root "$dir/root/io.containerd.grpc.v1.cri/sandboxes" \
		--arg state "$dir/state/io.containerd.grpc.v1.cri/sandboxes" --arg vol "$dir/volumes" \
		--argjson kubelet "$KUBELET_IDS" '
		{version: 1, name: $name,
		 controls: {"host-mounts": {allowedSources: ["/var/lib/kubelet/pods", $root, $state, $vol]},
		            "user-namespace": {kubeletIDStart: $kubelet, kubeletIDs: (65536 * 1024)}}}' \
		>"$file"
}

# The network NETWORK: the pods' veths on bridge BRIDGE, their addresses
# from SUBNET.  No gateway address and no masquerading: the host's routes
# and iptables stay as they were.  Each runtime class CLASS runs the runc
# v2 shim with BinaryName BINARY and runc's state (Root) in ROOT; DEFAULT
# is the class of pods that name none.  The stream server (ExecSync)
# listens on a free loopback port.
# restrict_oom_score_adj: the CRI plugin gives pause containers
# oom_score_adj -998, which needs CAP_SYS_RESOURCE in the initial user
# namespace; where the script runs in a container or VM sandbox without
# it, runc init dies ("failed to update /proc/self/oom_score_adj") before
# shimrun's hardening matters.  Restricted, it is never lower than
# containerd's own.  The tables are config version 2's (ctrd_start writes
# version = 2): containerd 2.x migrates them.
cri_config() {
	local dir=$1 pause=$2 network=$3 bridge=$4 subnet=$5 default=$6
	shift 6
	mkdir -p "$dir/cni" || return 1
	jq -n --arg bridge "$bridge" --arg name "$network" --arg subnet "$subnet" --arg ipam "$dir/cni-ipam" '
		{cniVersion: "0.4.0", name: $name,
		 plugins: [{type: "bridge", bridge: $bridge, isGateway: false, ipMasq: false,
		            ipam: {type: "host-local", subnet: $subnet, dataDir: $ipam}}]}' \
		>"$dir/cni/10-$network.conflist" || return 1
	{
		cat <<TOML
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "$default"
TOML
		while [ $# -ge 3 ]; do
			cat <<TOML
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$1]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$1.options]
        BinaryName = "$2"
        Root = "$3"
TOML
			shift 3
		done
		cat <<TOML
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$dir/cni"
    max_conf_num = 1
TOML
	} >"$dir/cri.toml"
}

# shellcheck disable=SC2034 # cri_error is for the caller's message
cri_start() {
	local dir=$1 pause=$2 busybox=$3
	cri_error=
	ctrd_start "$dir" "$dir/cri.toml" >/dev/null || { cri_error="containerd did not start"; return 1; }
	# The pause container only has to stay up; busybox's sleep does (the
	# CRI plugin kills it with SIGKILL).  Nothing is pulled: both images
	# are built here and imported.
	busybox_image "$dir" "$pause" /bin/sleep 2147483647 >/dev/null || { cri_error="no pause image"; return 1; }
	busybox_image "$dir" "$busybox" >/dev/null || { cri_error="no busybox image"; return 1; }
	CRI_TIMEOUT=30 cri wait "$pause" "$busybox" >"$dir/out" || {
		cri_error="the CRI plugin is not ready: $(cat "$dir/out")"
		return 1
	}
}

remove_pods() {
	local id
	for id in $(cri ListPodSandbox '{}' | jq -r '.items[].id'); do
		cri StopPodSandbox "{\"pod_sandbox_id\": \"$id\"}" >/dev/null
		cri RemovePodSandbox "{\"pod_sandbox_id\": \"$id\"}" >/dev/null
	done
}

cri_begin() {
	local dir
	D=$(mktemp -d "/tmp/$1.XXXXXX")
	# Traversable: the root of a pod in a user namespace (not host root)
	# walks through it to its rootfs, as through containerd's /run (0711).
	chmod 711 "$D"
	# A bridge name of ours (15 bytes at most) that no other instance uses.
	# shellcheck disable=SC2034 # for the caller
	BRIDGE=$2$(($$ % 100000))
	# Outside $D, CNI keeps its result cache in /var/lib/cni/results
	# (libcni's default; containerd 1.6 cannot move it) and the CRI plugin
	# the pods' network namespaces in /var/run/netns: both are emptied as
	# the pods go, and the directories removed at the end (cri_teardown)
	# when this run created them.
	cri_host_dirs=
	for dir in /var/lib/cni/results /var/lib/cni /var/run/netns; do
		[ -e "$dir" ] || cri_host_dirs="$cri_host_dirs $dir"
	done
}

# "ID NETNS-PATH" of every sandbox containerd still knows, from the
# metadata the CRI plugin keeps with the sandbox container (there before
# the runtime is called).  A RunPodSandbox still running when the script
# gives up (a runtime that hangs) has made its network namespace and CNI
# cache entries, and tears them down only if containerd lives long enough.
_cri_sandbox_records() {
	local c
	for c in $(ctr_ containers ls -q 2>/dev/null); do
		ctr_ containers info "$c" 2>/dev/null | jq -r '
			.Extensions["io.cri-containerd.sandbox.metadata"].value // empty
			| @base64d | fromjson | .Metadata | "\(.ID) \(.NetNSPath)"'
	done
}

# _cri_forget_sandboxes NAME RECORDS: what _cri_sandbox_records named, once
# containerd is gone: the network namespace (only where the CRI plugin
# puts them) and the CNI result cache of that sandbox id, for each network.
_cri_forget_sandboxes() {
	local name=$1 id netns
	while read -r id netns; do
		[ -n "$id" ] || continue
		case $netns in
		/var/run/netns/cni-* | /run/netns/cni-*)
			[ -e "$netns" ] && ip netns del "${netns##*/}" &&
				echo "$name: removed the network namespace $netns of sandbox $id" ;;
		esac
		rm -f /var/lib/cni/results/*-"$id"-*
	done <<<"$2"
}

# Never fails, so that it can end a script's EXIT trap.
cri_teardown() {
	local name=$1 dir=$2 bridge=$3 sandboxes=
	if [ -S "$dir/containerd.sock" ]; then
		remove_pods >/dev/null 2>&1
		sandboxes=$(_cri_sandbox_records)
	fi
	# Stops our containerd (by the pid it recorded, checked against its
	# command line), kills its shims, unmounts everything under DIR and
	# removes DIR.
	ctrd_stop "$dir" >/dev/null 2>&1
	_cri_forget_sandboxes "$name" "$sandboxes"
	# The bridge plugin creates the bridge and never removes it.
	[ -e "/sys/class/net/$bridge" ] && ip link del "$bridge" 2>/dev/null
	# shellcheck disable=SC2086 # a list of paths without blanks
	[ -z "${cri_host_dirs:-}" ] || rmdir $cri_host_dirs 2>/dev/null
	return 0
}
