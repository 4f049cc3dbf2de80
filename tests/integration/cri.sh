#!/bin/bash
# shimrun on the Kubernetes path: a private containerd with its CRI plugin,
# driven over the CRI gRPC API as kubelet drives it (tests/integration/cri/
# cri.py; there is no kubelet or crictl here), shimrun as the runtime
# class "shim" (runc v2 shim, BinaryName), CNI bridge networking, a pause
# image and a busybox image built here and imported (nothing is pulled).
#
# Proves:
#   - an ordinary pod runs: RunPodSandbox, then CreateContainer and
#     StartContainer of an app container, hardened (Seccomp 2, NoNewPrivs 1
#     in its init process and in an ExecSync'd one); a second app container
#     joins the sandbox's namespaces by path and runs too;
#   - containerd runs the sandbox's create in RunPodSandbox: a hostNetwork
#     pod fails there, with shimrun's message in the gRPC error, and leaves
#     no sandbox behind; a sandbox marked privileged (for privileged
#     containers) runs, as its pause container is not privileged;
#   - containerd runs an app container's create and start in
#     StartContainer: a container mounting the host's /, adding
#     CAP_SYS_ADMIN, with procMount Unmasked or privileged is created,
#     fails to start with shimrun's message, and its status is EXITED,
#     reason StartError, with the message;
#   - the audit log names pod, namespace and container (CRI annotations)
#     for each decision;
#   - removing the pods leaves no mount, netns or shim behind.
#
# Environment: top_builddir (runtime/shimrun; default .), top_srcdir,
# CNI_BIN_DIR (default: /usr/lib/cni, Debian's, else /opt/cni/bin);
# CRI_TIMEOUT: seconds a CRI call may take (default 60); CRI_KEEP=1 leaves
# containerd, its directory and the bridge for inspection when the test
# ends early.
# Needs root, containerd (1.6), ctr, runc, umoci, jq, busybox-static,
# protoc (protobuf-compiler), python3 with grpcio and protobuf
# (python3-grpcio), CNI's bridge, host-local and loopback plugins
# (containernetworking-plugins); exits 77 (skip) without them.
set -eu
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMRUN=$(realpath "${SHIMRUN:-$top_builddir/runtime/shimrun}")

# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
# shellcheck source=tests/lib/containerd.sh
. "$top_srcdir/tests/lib/containerd.sh"
# shellcheck source=tests/lib/cri.sh
. "$top_srcdir/tests/lib/cri.sh"

require_containers cri
require_cri cri
[ -x "$SHIMRUN" ] || { echo "cri: FAIL: no shimrun at $SHIMRUN"; exit 1; }

started=$(date +%s.%N)
HOST_PORT_START=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
# $D: containerd's directory and all else of the test; $BRIDGE: the
# bridge the pods' veths hang on.
cri_begin shim-cri shimcri
cleanup() {
	set +e
	trap - ERR
	if [ -n "${CRI_KEEP:-}" ]; then
		echo "cri: CRI_KEEP: containerd left running on $D (clean up: CTRD_NAMESPACE=k8s.io; . tests/lib/containerd.sh; ctrd_stop $D; ip link del $BRIDGE)"
		return
	fi
	cri_teardown cri "$D" "$BRIDGE"
}
trap cleanup EXIT
# set -e ends the test on an unexpected failure; say where.
trap 'echo "cri: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

# shellcheck source=tests/lib/checks.sh
. "$top_srcdir/tests/lib/checks.sh"
die() {
	echo "cri: FAIL: $*"
	[ -r "$D/containerd.log" ] && tail -n 20 "$D/containerd.log" | sed 's/^/    /'
	exit 1
}

# ---- shimrun as a runtime class ---------------------------------------------

# What the runtime class's BinaryName points at: the runc v2 shim passes no
# flags of ours, so the settings come from the environment.  SHIMRUN_CONFIG
# keeps a host's /etc/shim/shimrun.json out of the test.
AUDIT=$D/audit.log
echo '{}' >"$D/shimrun.json"
cat >"$D/shimrun-wrapper" <<EOF
#!/bin/sh
SHIMRUN_CONFIG='$D/shimrun.json' SHIMRUN_POLICY='$D/policy.json' \\
SHIMRUN_AUDIT_LOG='$AUDIT' SHIMRUN_DELEGATE='$(command -v runc)' \\
SHIMRUN_STATE_DIR='$D/shimrun-state' exec '$SHIMRUN' "\$@"
EOF
chmod 755 "$D/shimrun-wrapper"
# containerd's CRI directories under $D allowed as bind sources, the
# kubelet's ids for hostUsers: false pods beyond the pool.
cri_policy "$D/policy.json" cri-test "$D"

# ---- containerd with CRI ----------------------------------------------------

PAUSE=registry.k8s.io/pause:shimtest
BUSYBOX=docker.io/library/busybox:shimtest
# The network shimtest-cri; the runtime class "shim", also the default so
# that nothing reaches plain runc; runc's state (Root) under $D.
cri_config "$D" "$PAUSE" shimtest-cri "$BRIDGE" 10.213.0.0/24 shim \
	shim "$D/shimrun-wrapper" "$D/runc"
cri_start "$D" "$PAUSE" "$BUSYBOX" || die "$cri_error"
echo "CRI: $(cri_version)"

# ---- what kubelet would send ------------------------------------------------

# pod_config NAME [JQ-FILTER]: a PodSandboxConfig as kubelet writes it for
# pod NAME in namespace shimtest (v1 pods get their own pid namespace per
# container), changed by the filter; its logs go to $D/logs/NAME.
mkdir -p "$D/logs"
pod_config() {
	jq -n --arg name "$1" --arg logs "$D/logs/$1" "
	{metadata: {name: \$name, uid: \"uid-\(\$name)\", namespace: \"shimtest\", attempt: 0},
	 hostname: \$name, log_directory: \$logs, labels: {\"shimtest\": \"cri\"},
	 linux: {security_context: {namespace_options: {network: \"POD\", pid: \"CONTAINER\", ipc: \"POD\"}}}}
	| ${2:-.}"
}
# run_pod CONFIG: RunPodSandbox with the runtime class; the response or the
# error as JSON, status returned.
run_pod() {
	cri RunPodSandbox "$(jq -n --argjson c "$1" '{config: $c, runtime_handler: "shim"}')"
}
# create_container POD-ID POD-CONFIG NAME [JQ-FILTER]: CreateContainer of a
# busybox container NAME that sleeps, changed by the filter; with the
# kubelet's masked and read-only paths for procMount: Default
# (tests/lib/cri.sh), as it always sends them.
create_container() {
	cri CreateContainer "$(jq -n --arg pod "$1" --argjson pc "$2" --arg name "$3" \
		--arg image "$BUSYBOX" --argjson masked "$MASKED_PATHS" --argjson ro "$READONLY_PATHS" "
	{pod_sandbox_id: \$pod, sandbox_config: \$pc,
	 config: ({metadata: {name: \$name, attempt: 0}, image: {image: \$image},
	   command: [\"/bin/sh\", \"-c\", \"sleep 300\"], log_path: \"\(\$name).log\",
	   linux: {security_context: {
	     namespace_options: {network: \"POD\", pid: \"CONTAINER\", ipc: \"POD\"},
	     masked_paths: \$masked, readonly_paths: \$ro}}}
	   | ${4:-.})}")"
}
container_status() { cri ContainerStatus "{\"container_id\": \"$1\", \"verbose\": true}"; }
sandbox_status() { cri PodSandboxStatus "{\"pod_sandbox_id\": \"$1\", \"verbose\": true}"; }
# The host pid of a container's or sandbox's init, from the verbose info.
pid_of() { jq -r '.info.info | fromjson | .pid'; }
# A field of /proc/PID/status (or of the same text on stdin when PID is -).
# A container's process is judged once it runs its program: after runc's
# init has exec'd shimrun's seccomp loader and the loader has installed the
# filter and exec'd the program (runc start may return before).
status_field() {
	if [ "$1" = - ]; then awk -v f="$2:" '$1 == f {print $2}'; return; fi
	program_started "$1"
	awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}

# ---- 1. an ordinary pod -----------------------------------------------------

echo "an ordinary pod: sandbox and app container"
WEB=$(pod_config web)
rc=0; run_pod "$WEB" >"$D/out" || rc=$?
POD=$(jq -r '.pod_sandbox_id // empty' "$D/out")
{ [ $rc -eq 0 ] && [ -n "$POD" ]; } || die "RunPodSandbox failed: $(cat "$D/out")"
ok "RunPodSandbox"
sandbox_status "$POD" >"$D/pod.json"
check "sandbox ready" [ "$(jq -r .status.state "$D/pod.json")" = SANDBOX_READY ]
check "sandbox has a pod IP" grep -q '^10\.213\.0\.' <<<"$(jq -r .status.network.ip "$D/pod.json")"
SANDBOX_PID=$(pid_of <"$D/pod.json")
NETNS=$(jq -r '.info.info | fromjson | .runtimeSpec.linux.namespaces[] | select(.type == "network") | .path' "$D/pod.json")
check "the pause process is hardened (Seccomp 2, NoNewPrivs 1)" \
	[ "$(status_field "$SANDBOX_PID" Seccomp) $(status_field "$SANDBOX_PID" NoNewPrivs)" = "2 1" ]

rc=0; create_container "$POD" "$WEB" app >"$D/out" || rc=$?
APP=$(jq -r '.container_id // empty' "$D/out")
{ [ $rc -eq 0 ] && [ -n "$APP" ]; } || die "CreateContainer failed: $(cat "$D/out")"
ok "CreateContainer"
rc=0; cri StartContainer "{\"container_id\": \"$APP\"}" >"$D/out" || rc=$?
[ $rc -eq 0 ] || die "StartContainer failed: $(cat "$D/out")"
ok "StartContainer"
container_status "$APP" >"$D/app.json"
check "ContainerStatus RUNNING" [ "$(jq -r .status.state "$D/app.json")" = CONTAINER_RUNNING ]
APP_PID=$(pid_of <"$D/app.json")
check "app init: Seccomp 2" [ "$(status_field "$APP_PID" Seccomp)" = 2 ]
check "app init: NoNewPrivs 1" [ "$(status_field "$APP_PID" NoNewPrivs)" = 1 ]
cri ExecSync "{\"container_id\": \"$APP\", \"cmd\": [\"cat\", \"/proc/self/status\"], \"timeout\": 20}" >"$D/exec.json" || true
check "ExecSync runs" [ "$(jq -r .exit_code "$D/exec.json")" = 0 ]
jq -r .stdout "$D/exec.json" >"$D/exec-status"
check "ExecSync'd process: Seccomp 2" [ "$(status_field - Seccomp <"$D/exec-status")" = 2 ]
check "ExecSync'd process: NoNewPrivs 1" [ "$(status_field - NoNewPrivs <"$D/exec-status")" = 1 ]

# ---- 2. a second app container joins the sandbox ----------------------------

echo "a second app container in the same pod"
rc=0; create_container "$POD" "$WEB" sidecar >"$D/out" || rc=$?
SIDECAR=$(jq -r '.container_id // empty' "$D/out")
if [ $rc -eq 0 ] && cri StartContainer "{\"container_id\": \"$SIDECAR\"}" >"$D/out"; then
	ok "created and started"
else
	bad "created and started" "$(cat "$D/out")"
fi
container_status "$SIDECAR" >"$D/sidecar.json"
check "ContainerStatus RUNNING" [ "$(jq -r .status.state "$D/sidecar.json")" = CONTAINER_RUNNING ]
SIDECAR_PID=$(pid_of <"$D/sidecar.json")
# The namespaces CRI makes a pod's containers share by path (pid is per
# container, as for v1 pods).
POD_SHARED_NS="net ipc uts"
for ns in $POD_SHARED_NS; do
	for pid in "$APP_PID" "$SIDECAR_PID"; do
		check "pid $pid shares the sandbox's $ns namespace" \
			[ "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink "/proc/$SANDBOX_PID/ns/$ns")" ]
	done
done
check "the pod's network namespace is not the host's" \
	[ "$(readlink "/proc/$SANDBOX_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ]
# Pods that do not ask for a user namespace (hostUsers left at true) get
# one where the delegate can (runc 1.2+: README "Kubernetes pods"): the
# sandbox a range of the pool, its containers the sandbox's; with runc 1.1
# they run with the host's ids, and the audit record says why.
exec_in() { # exec_in CONTAINER SCRIPT: ExecSync's stdout (exit code in $D/exec.json)
	cri ExecSync "$(jq -n --arg c "$1" --arg s "$2" '{container_id: $c, cmd: ["sh", "-c", $s], timeout: 20}')" >"$D/exec.json" || true
	jq -r .stdout "$D/exec.json"
}
map_of() { tr -s ' ' <"/proc/$1/uid_map" | sed 's/^ //'; }
RUNC_MINOR=$(runc --version | sed -n 's/^runc version 1\.\([0-9]*\)\..*/\1/p')
if [ "${RUNC_MINOR:-0}" -ge 2 ]; then
	POD_USERNS=1
	for pid in "$APP_PID" "$SIDECAR_PID"; do
		check "pid $pid shares the sandbox's user namespace" \
			[ "$(readlink "/proc/$pid/ns/user")" = "$(readlink "/proc/$SANDBOX_PID/ns/user")" ]
	done
	check "the pod's user namespace is not the host's" \
		[ "$(readlink "/proc/$SANDBOX_PID/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	POD_MAP=$(map_of "$SANDBOX_PID")
	check "it maps the pod to a range of the pool ($POD_MAP)" eval \
		'[ "$(map_of "$SANDBOX_PID" | wc -l)" = 1 ] && [ "${POD_MAP% *}" = "0 100000" ] && [ "${POD_MAP##* }" = 65536 ]'
	check "the sandbox's record names that range" \
		grep -q "^100000 65536 0 uid-web\$" "$D/shimrun-state/pods/$POD"
	out=$(exec_in "$APP" 'id -u; echo x >/written && cat /written; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1; cat /proc/sys/net/ipv4/ip_unprivileged_port_start')
	check "ExecSync: the container's root writes its rootfs, /sys read-only, the pod's sysctl set" \
		[ "$(printf '%s' "$out" | paste -sd ' ')" = "0 x ro 0" ]
	check "the host's own sysctl is untouched" \
		[ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" = "$HOST_PORT_START" ]
else
	POD_USERNS=0
	check "runc 1.1: the pod runs with the host's ids" \
		[ "$(map_of "$SANDBOX_PID")" = "0 0 4294967295" ]
fi

# ---- 3. rejected sandboxes: RunPodSandbox fails -----------------------------

# expect_pod_rejected NAME CONFIG TEXT...: RunPodSandbox fails with a gRPC
# error whose message has shimrun's rejection and each TEXT (fixed
# strings), and no sandbox of that name is left.
expect_pod_rejected() {
	local name=$1 config=$2 msg text good=1 rc=0
	shift 2
	run_pod "$config" >"$D/out" || rc=$?
	msg=$(jq -r '.error.message // empty' "$D/out")
	echo "  RunPodSandbox($name): $(jq -r '.error.code // "OK"' "$D/out"): $msg"
	[ $rc -ne 0 ] && grep -qF 'shimrun: rejected:' <<<"$msg" || good=
	for text; do grep -qF -- "$text" <<<"$msg" || good=; done
	if [ -n "$good" ]; then ok "$name pod rejected at RunPodSandbox"; else
		bad "$name pod rejected at RunPodSandbox" "$(cat "$D/out")"; fi
	check "no $name sandbox left" [ -z "$(cri ListPodSandbox '{}' |
		jq -r --arg n "$name" '.items[] | select(.metadata.name == $n) | .id')" ]
}
echo "rejected pods"
expect_pod_rejected hostnet \
	"$(pod_config hostnet '.linux.security_context.namespace_options.network = "NODE" | del(.hostname)')" \
	'(hostNetwork: true)' '[host-namespaces]'

# privileged: true on a container makes kubelet mark the sandbox
# privileged, which the CRI plugin requires for privileged containers.
# containerd 1.6 runs such a sandbox's pause container unprivileged, so
# shimrun accepts the sandbox and rejects the container (below); containerd
# 2.x mounts the privileged sandbox's /sys writable, so shimrun rejects it
# at RunPodSandbox already.  Either way the message names privileged: true.
echo "a pod that may hold privileged containers"
PRIV=$(pod_config priv '.linux.security_context.privileged = true')
rc=0; run_pod "$PRIV" >"$D/out" || rc=$?
PRIV_POD=$(jq -r '.pod_sandbox_id // empty' "$D/out")
if [ $rc -ne 0 ]; then
	msg=$(jq -r '.error.message // empty' "$D/out")
	echo "  RunPodSandbox(priv): $(jq -r '.error.code // "OK"' "$D/out"): $msg"
	check "rejected at RunPodSandbox by shimrun, naming privileged: true" eval \
		'grep -qF "shimrun: rejected:" <<<"$msg" && grep -qF "(privileged: true)" <<<"$msg"'
	check "no priv sandbox left" [ -z "$(cri ListPodSandbox '{}' |
		jq -r '.items[] | select(.metadata.name == "priv") | .id')" ]
else
	[ -n "$PRIV_POD" ] || die "RunPodSandbox (privileged) gave no id: $(cat "$D/out")"
	ok "RunPodSandbox"
	PRIV_PID=$(sandbox_status "$PRIV_POD" | pid_of)
	check "its pause process is hardened like any other (Seccomp, NoNewPrivs, CapEff)" [ \
		"$(for f in Seccomp NoNewPrivs CapEff CapBnd; do status_field "$PRIV_PID" $f; done)" = \
		"$(for f in Seccomp NoNewPrivs CapEff CapBnd; do status_field "$SANDBOX_PID" $f; done)" ]
fi

# ---- 4. rejected app containers: StartContainer fails -----------------------

# expect_start_rejected POD-ID POD-CONFIG NAME JQ-FILTER TEXT:
# CreateContainer succeeds (containerd does not run the runtime there),
# StartContainer fails with shimrun's message, and ContainerStatus says
# EXITED, StartError, with the same message.
expect_start_rejected() {
	local name=$3 filter=$4 text=$5 id msg rc=0
	create_container "$1" "$2" "$name" "$filter" >"$D/out" || rc=$?
	id=$(jq -r '.container_id // empty' "$D/out")
	if [ $rc -ne 0 ] || [ -z "$id" ]; then
		bad "$name: CreateContainer" "$(cat "$D/out")"
		return 0
	fi
	ok "$name: CreateContainer succeeds"
	rc=0; cri StartContainer "{\"container_id\": \"$id\"}" >"$D/out" || rc=$?
	msg=$(jq -r '.error.message // empty' "$D/out")
	echo "  StartContainer($name): $(jq -r '.error.code // "OK"' "$D/out"): $msg"
	if [ $rc -ne 0 ] && grep -qF 'shimrun: rejected:' <<<"$msg" && grep -qF -- "$text" <<<"$msg"; then
		ok "$name: StartContainer fails with shimrun's message"
	else
		bad "$name: StartContainer fails with shimrun's message" "$(cat "$D/out")"
	fi
	container_status "$id" >"$D/out"
	echo "  ContainerStatus($name): $(jq -c '.status | {state, reason, exit_code, message}' "$D/out")"
	check "$name: EXITED, reason StartError" \
		[ "$(jq -r '"\(.status.state) \(.status.reason)"' "$D/out")" = "CONTAINER_EXITED StartError" ]
	check "$name: the status message has shimrun's" [ "$(jq --arg t "$text" \
		'.status.message | contains("shimrun: rejected:") and contains($t)' "$D/out")" = true ]
	cri RemoveContainer "{\"container_id\": \"$id\"}" >/dev/null || bad "$name: RemoveContainer"
}
echo "rejected app containers"
expect_start_rejected "$POD" "$WEB" host-root \
	'.mounts = [{container_path: "/host", host_path: "/", readonly: false}]' \
	'bind-mounts host path / (not under'
expect_start_rejected "$POD" "$WEB" sys-admin \
	'.linux.security_context.capabilities = {add_capabilities: ["SYS_ADMIN"]}' \
	'CAP_SYS_ADMIN'
[ -z "$PRIV_POD" ] || expect_start_rejected "$PRIV_POD" "$PRIV" privileged \
	'.linux.security_context.privileged = true' \
	'privileged: true'
check "the pod's other containers still run" [ "$(cri ListContainers \
	"{\"filter\": {\"pod_sandbox_id\": \"$POD\", \"state\": {\"state\": \"CONTAINER_RUNNING\"}}}" |
	jq '.containers | length')" -eq 2 ]

# procMount: Unmasked asks for less than the policy gives: the container
# runs, with the policy's masked and read-only paths.
echo "an app container with procMount: Unmasked"
rc=0; create_container "$POD" "$WEB" unmasked \
	'.linux.security_context.masked_paths = [] | .linux.security_context.readonly_paths = []' >"$D/out" || rc=$?
UNMASKED=$(jq -r '.container_id // empty' "$D/out")
if [ $rc -eq 0 ] && cri StartContainer "{\"container_id\": \"$UNMASKED\"}" >"$D/out"; then
	ok "created and started"
	out=$(exec_in "$UNMASKED" 'grep -c " /proc/keys " /proc/mounts; grep " /proc/sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1')
	echo "  ExecSync: $(jq -c "{exit_code, stdout, stderr}" "$D/exec.json")"
	check "/proc/keys masked, /proc/sys read-only inside" [ "$(printf '%s' "$out" | paste -sd ' ')" = "1 ro" ]
	cri StopContainer "{\"container_id\": \"$UNMASKED\", \"timeout\": 0}" >/dev/null
	cri RemoveContainer "{\"container_id\": \"$UNMASKED\"}" >/dev/null || bad "RemoveContainer (unmasked)"
else
	bad "created and started" "$(cat "$D/out")"
fi

# ---- 4b. pods in the kubelet's user namespaces (hostUsers: false) ----------

# userns_options as the kubelet sends them for hostUsers: false: mode POD
# and one range of 65536 ids it picked, for uids and gids alike.
userns() { echo "{mode: \"POD\", uids: [{host_id: $1, container_id: 0, length: ${2:-65536}}], gids: [{host_id: $1, container_id: 0, length: ${2:-65536}}]}"; }
with_userns() { echo ".linux.security_context.namespace_options.userns_options = $1"; }
# expect_userns_pod_rejected NAME USERNS TEXT: RunPodSandbox fails with
# shimrun's message naming the control and TEXT, and leaves nothing.
expect_userns_pod_rejected() {
	expect_pod_rejected "$1" "$(pod_config "$1" "$(with_userns "$2")")" "$3" '[user-namespace]'
}
CTRD_MAJOR=$(containerd --version | awk '{print $3}' | sed 's/^v//; s/[.].*//')
if [ "$CTRD_MAJOR" -lt 2 ]; then
	echo "pods in user namespaces: SKIP: containerd $(containerd --version | awk '{print $3}') ignores userns_options (hostUsers: false needs containerd 2.x and runc 1.2+)"
else
	echo "a pod in the kubelet's user namespace (hostUsers: false)"
	HOST=$((KUBELET_IDS + 2 * 65536))
	UNS=$(userns $HOST)
	MAP="[{host_id: $HOST, container_id: 0, length: 65536}]"
	mkdir -p "$D/volumes/data"
	echo secret >"$D/volumes/data/root-only" && chmod 600 "$D/volumes/data/root-only"
	USERS=$(pod_config users "$(with_userns "$UNS")")
	rc=0; run_pod "$USERS" >"$D/out" || rc=$?
	UPOD=$(jq -r '.pod_sandbox_id // empty' "$D/out")
	{ [ $rc -eq 0 ] && [ -n "$UPOD" ]; } || die "RunPodSandbox (hostUsers: false) failed: $(cat "$D/out")"
	ok "RunPodSandbox"
	UPOD_PID=$(sandbox_status "$UPOD" | pid_of)
	check "the pause process is in the pod's user namespace (uid_map 0 $HOST 65536)" \
		[ "$(map_of "$UPOD_PID")" = "0 $HOST 65536" ]
	check "the pause process is hardened (Seccomp 2, NoNewPrivs 1)" \
		[ "$(status_field "$UPOD_PID" Seccomp) $(status_field "$UPOD_PID" NoNewPrivs)" = "2 1" ]
	# The app container: the same user namespace, and a volume idmapped to
	# the pod's ids, as the kubelet asks for it.
	app_in_userns() {
		echo "$(with_userns "$UNS") | .mounts = [{container_path: \"/data\", host_path: \"$D/volumes/data\",
			readonly: false, uidMappings: ${1:-$MAP}, gidMappings: ${1:-$MAP}}]"
	}
	rc=0; create_container "$UPOD" "$USERS" uapp "$(app_in_userns)" >"$D/out" || rc=$?
	UAPP=$(jq -r '.container_id // empty' "$D/out")
	{ [ $rc -eq 0 ] && [ -n "$UAPP" ]; } || die "CreateContainer (hostUsers: false) failed: $(cat "$D/out")"
	rc=0; cri StartContainer "{\"container_id\": \"$UAPP\"}" >"$D/out" || rc=$?
	[ $rc -eq 0 ] || die "StartContainer (hostUsers: false) failed: $(cat "$D/out")"
	ok "app container created and started"
	UAPP_PID=$(container_status "$UAPP" | pid_of)
	check "the app joins the sandbox's user namespace" \
		[ "$(readlink "/proc/$UAPP_PID/ns/user")" = "$(readlink "/proc/$UPOD_PID/ns/user")" ]
	check "app init: Seccomp 2, NoNewPrivs 1" \
		[ "$(status_field "$UAPP_PID" Seccomp) $(status_field "$UAPP_PID" NoNewPrivs)" = "2 1" ]
	exec_in() { cri ExecSync "{\"container_id\": \"$1\", \"cmd\": [\"sh\", \"-c\", \"$2\"], \"timeout\": 20}"; }
	exec_in "$UAPP" 'id -u; cat /data/root-only; touch /data/written; grep Seccomp: /proc/self/status' >"$D/exec.json" || true
	echo "  ExecSync: $(jq -c "{exit_code, stdout, stderr, error}" "$D/exec.json")"
	check "ExecSync runs, as the container's root" \
		[ "$(jq -r '.exit_code, (.stdout | split("\n")[0])' "$D/exec.json" | paste -sd' ')" = "0 0" ]
	check "the ExecSync'd process is filtered (Seccomp 2)" \
		grep -q 'Seccomp:.2' <<<"$(jq -r .stdout "$D/exec.json")"
	check "the container's root reads the volume's root-only file (idmapped)" \
		grep -qx secret <<<"$(jq -r .stdout "$D/exec.json")"
	check "its new file is host root's on disk, not host id $HOST's" \
		[ "$(stat -c %u:%g "$D/volumes/data/written" 2>&1)" = 0:0 ]
	# The kubelet restarts a container: stop, remove, create again.
	cri StopContainer "{\"container_id\": \"$UAPP\", \"timeout\": 1}" >/dev/null &&
		cri RemoveContainer "{\"container_id\": \"$UAPP\"}" >/dev/null
	rc=0; create_container "$UPOD" "$USERS" uapp "$(app_in_userns) | .metadata.attempt = 1" >"$D/out" || rc=$?
	UAPP=$(jq -r '.container_id // empty' "$D/out")
	check "the container restarts in the running pod" eval \
		'[ $rc -eq 0 ] && cri StartContainer "{\"container_id\": \"$UAPP\"}" >"$D/out" &&
		 [ "$(map_of "$(container_status "$UAPP" | pid_of)")" = "0 $HOST 65536" ]'
	# A volume idmapped to other ids than the pod's: refused at start.
	expect_start_rejected "$UPOD" "$USERS" foreign-idmap \
		"$(app_in_userns "[{host_id: $((HOST + 65536)), container_id: 0, length: 65536}]")" \
		"an idmapped mount whose uidMappings are not the container's own"
	# Another pod the kubelet (wrongly) gives the same ids: refused while
	# this one runs.
	expect_userns_pod_rejected users-twin "$UNS" "overlap those of pod sandbox $UPOD (pod uid-users)"
	# The kubelet restarts the sandbox: it stops the old one, runs a new one
	# (attempt 1) on the same ids, and removes the old one later.
	OLD=$UPOD
	cri StopPodSandbox "{\"pod_sandbox_id\": \"$OLD\"}" >/dev/null
	rc=0; run_pod "$(pod_config users "$(with_userns "$UNS") | .metadata.attempt = 1")" >"$D/out" || rc=$?
	UPOD=$(jq -r '.pod_sandbox_id // empty' "$D/out")
	check "the sandbox restarts with the same ids" eval \
		'[ $rc -eq 0 ] && [ -n "$UPOD" ] && [ "$(map_of "$(sandbox_status "$UPOD" | pid_of)")" = "0 $HOST 65536" ]'
	cri RemovePodSandbox "{\"pod_sandbox_id\": \"$OLD\"}" >/dev/null
	check "RemovePodSandbox: nothing of the old sandbox mounted, no record of it" eval \
		'[ -z "$(_ctrd_mounts_under "$D" | grep -F "$OLD")" ] && [ ! -e "$D/shimrun-state/pods/$OLD" ]'

	echo "pods whose user namespace shimrun refuses"
	records() { ls "$D/shimrun-state/userns" "$D/shimrun-state/pods" 2>/dev/null | grep -v lock; }
	RECORDS=$(records)
	expect_userns_pod_rejected users-pool "$(userns 165536)" "overlap the pool"
	expect_userns_pod_rejected users-root "$(userns 0)" "host root"
	expect_userns_pod_rejected users-short "$(userns $((KUBELET_IDS + 3 * 65536)) 1000)" "fewer than the 65536 of a pod"
	expect_userns_pod_rejected users-elsewhere "$(userns 2147483648)" "outside the kubelet's"
	check "no user namespace record, no mount of the refused pods" eval \
		'[ "$(records)" = "$RECORDS" ] &&
		 [ -z "$(_ctrd_mounts_under "$D" | grep -F users-)" ]'
fi

# ---- 5. the audit log -------------------------------------------------------

echo "audit"
# True when some record satisfies the jq condition (jq 1.6's -e judges only
# the last line's output, so slurp the log).
audit_has() { jq -e -s "any(.[]; $1)" "$AUDIT" >/dev/null; }
pod_is() { echo ".pod.namespace == \"shimtest\" and .pod.name == \"$1\""; }
check "sandbox web: hardened, type sandbox" \
	audit_has ".command == \"create\" and .id == \"$POD\" and .decision == \"hardened\" and $(pod_is web) and .pod.type == \"sandbox\""
for c in app sidecar; do
	check "container $c: hardened, with pod and container name" \
		audit_has ".command == \"create\" and .decision == \"hardened\" and $(pod_is web) and .pod.container == \"$c\" and .pod.sandboxId == \"$POD\""
done
if [ "$POD_USERNS" = 1 ]; then
	check "sandbox web: the pool gives it a user namespace" \
		audit_has ".id == \"$POD\" and any(.findings[]; .control == \"user-namespace\" and .verdict == \"harden\" and (.message | contains(\"gives the pod's sandbox a range of the pool\")))"
	check "container app: joins its sandbox's" \
		audit_has ".id == \"$APP\" and any(.findings[]; .control == \"user-namespace\" and .verdict == \"harden\" and (.message | contains(\"joins it to its sandbox's (host ids 100000..165535)\")))"
else
	check "sandbox web: the record says why it has no user namespace" \
		audit_has ".id == \"$POD\" and any(.findings[]; .control == \"user-namespace\" and .verdict == \"warn\" and (.message | contains(\"the delegate (runc 1.1\")))"
fi
if [ "$CTRD_MAJOR" -ge 2 ]; then
	check "pod users: hardened, no user-namespace finding" \
		audit_has "$(pod_is users) and .pod.type == \"sandbox\" and .decision == \"hardened\" and all(.findings[]; .control != \"user-namespace\")"
	check "pod users-pool: rejected, the finding recorded" \
		audit_has "$(pod_is users-pool) and .decision == \"rejected\" and any(.findings[]; .control == \"user-namespace\" and .verdict == \"reject\")"
fi
check "ExecSync recorded with pod and container" \
	audit_has ".command == \"exec\" and .id == \"$APP\" and $(pod_is web) and .pod.container == \"app\""
check "pod hostnet: rejected, with findings" \
	audit_has ".decision == \"rejected\" and $(pod_is hostnet) and .pod.type == \"sandbox\" and (.findings | length > 0)"
if [ -n "$PRIV_POD" ]; then
	check "sandbox priv: hardened" \
		audit_has ".id == \"$PRIV_POD\" and .decision == \"hardened\" and $(pod_is priv) and .pod.type == \"sandbox\""
	rejected="web/host-root web/sys-admin priv/privileged"
else
	check "sandbox priv: rejected, with findings" \
		audit_has ".decision == \"rejected\" and $(pod_is priv) and .pod.type == \"sandbox\" and (.findings | length > 0)"
	rejected="web/host-root web/sys-admin"
fi
check "container unmasked: hardened, the masks added" \
	audit_has ".decision == \"hardened\" and $(pod_is web) and .pod.container == \"unmasked\" and any(.findings[]; .control == \"proc-unmasked\" and .verdict == \"harden\")"
for pc in $rejected; do
	check "container $pc: rejected, with pod and container name" \
		audit_has ".decision == \"rejected\" and $(pod_is "${pc%/*}") and .pod.container == \"${pc#*/}\" and (.findings | length > 0)"
done

# ---- 6. clean-up ------------------------------------------------------------

echo "clean-up"
# Shims of this containerd, by the address on their command line.
shims() { pgrep -f -- "containerd-shim.* -address $CTRD_ADDRESS( |\$)"; }
check "the pods' shims are found (so that \"no shim left\" means something)" eval 'shims >/dev/null'
remove_pods
check "no pods left" [ -z "$(cri ListPodSandbox '{}' | jq -r '.items[].id')" ]
check "no user namespace record left" [ -z "$(ls "$D/shimrun-state/userns" 2>/dev/null | grep -vx lock)" ]
check "no pod record left" [ -z "$(ls "$D/shimrun-state/pods" 2>/dev/null | grep -vx lock)" ]
gone() { [ -n "$1" ] && [ ! -e "$1" ]; }
check "the pod's network namespace is gone ($NETNS)" gone "$NETNS"
for _ in $(seq 50); do # the shims exit once their tasks are deleted
	shims >/dev/null || break
	sleep 0.1
done
check "no shim left" eval '! shims >/dev/null'
check "nothing mounted under $D" [ -z "$(_ctrd_mounts_under "$D")" ]
check "runc's state is empty" [ -z "$(ls -A "$D/runc/$CTRD_NAMESPACE" 2>/dev/null)" ]
ctrd_stop "$D"
check "containerd stopped, $D removed" [ ! -e "$D" ]
# The bridge plugin creates the bridge and never removes it.
ip link del "$BRIDGE" 2>/dev/null || true
check "bridge $BRIDGE removed" [ ! -e "/sys/class/net/$BRIDGE" ]

echo "cri: $passed passed, $failed failed, $(awk -v a="$started" -v b="$(date +%s.%N)" \
	'BEGIN {printf "%.1f", b - a}') s"
[ $failed -eq 0 ] || exit 1
