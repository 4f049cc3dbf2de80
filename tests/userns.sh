#!/bin/bash
# The user namespace pool and the idmapped rootfs, through shimrun's create
# and delete, with a fake delegate that plays runc's part in the state root
# (a directory per live container): parallel creates get disjoint ranges, a
# retried create keeps its range, a create that dies between the claim and
# runc is reclaimed, delete gives everything back, an exhausted pool
# refuses.  Real containers: tests/integration/shimrun-containerd.sh.
set -u
. "$top_srcdir/tests/lib/containers.sh"
. "$top_srcdir/tests/lib/checks.sh"
[ "$(id -u)" -eq 0 ] || { echo "userns: SKIP: must run as root"; exit 77; }
shimrun="$top_builddir/runtime/shimrun"
fx="$top_srcdir/tests/fixtures"
tmp=$(mktemp -d)
CHECK_OUT=$tmp/out
cleanup() {
	unmount_below "$tmp"
	rm -rf "$tmp"
}
trap cleanup EXIT

# runc's part: create leaves ROOT/ID behind (unless told to die first,
# with the shimrun that waits for it, or to fail), delete removes it.
# With RUNC_VERSION set, it answers --version as that runc (and counts
# the questions in $tmp/asked).
cat >"$tmp/delegate" <<'EOF'
#!/bin/sh
root=/run/runc
if [ "$1" = --version ] && [ -n "${RUNC_VERSION:-}" ]; then
	echo x >>"${0%/*}/asked"
	echo "runc version $RUNC_VERSION"
	exit 0
fi
while [ $# -gt 0 ]; do
	case $1 in
	--root) root=$2; shift 2 ;;
	--*) shift ;;
	*) break ;;
	esac
done
cmd=$1; shift
for id; do :; done
case $cmd in
create) [ -n "${DIE:-}" ] && { [ "$(cat /proc/$PPID/comm)" = shimrun ] && kill -9 $PPID; kill -9 $$; }
	[ -n "${FAIL:-}" ] && exit 1; sleep "${SLOW:-0}"; mkdir -p "$root/$id" ;;
delete) rm -rf "${root:?}/$id" ;;
esac
EOF
chmod 755 "$tmp/delegate"
export SHIMRUN_CONFIG="$tmp/none.json" SHIMRUN_AUDIT_LOG="$tmp/audit.log"
export SHIMRUN_STATE_DIR="$tmp/state" SHIMRUN_DELEGATE="$tmp/delegate"
printf '{}' >"$SHIMRUN_CONFIG"
root="$tmp/runc"
records() { ls "$tmp/state/userns" | grep -cv '^lock$'; }
quiet() { "$@" >/dev/null; }
host_id() { jq -r '.linux.uidMappings[0].hostID' "$tmp/$1/config.json"; }
bundle() { # NAME: a bundle whose rootfs holds a root-owned file
	mkdir -p "$tmp/$1/rootfs/etc" && cp "$fx/ctr-default.json" "$tmp/$1/config.json"
	echo "$1" >"$tmp/$1/rootfs/etc/hostname"
}
create() { "$shimrun" --root "$root" create --bundle "$tmp/$1" "$1"; }
user_ns() { # HOST [UNSHARE-FLAG...]: $ns_pid, a process in a new user namespace mapped 0 HOST 65536
	unshare --user "${@:2}" sleep 30 >/dev/null &
	ns_pid=$!
	while [ "$(readlink /proc/$ns_pid/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do sleep 0.05; done
	echo "0 $1 65536" >/proc/$ns_pid/uid_map && echo "0 $1 65536" >/proc/$ns_pid/gid_map
}

echo "one container"
bundle a && create a
check "create succeeds" [ $? -eq 0 ]
check "first range of the pool" [ "$(host_id a)" = 100000 ]
check "user namespace entry" quiet jq -e '.linux.namespaces | any(.type == "user")' "$tmp/a/config.json" >/dev/null
check "rootfs idmapped" sh -c "findmnt -n -o OPTIONS '$tmp/a/rootfs' | grep -q idmapped"
check "image files owned by the container's root" [ "$(stat -c %u "$tmp/a/rootfs/etc/hostname")" = 100000 ]
check "bundle open to the container's root" [ "$(stat -c %a:%g "$tmp/a")" = 710:100000 ]
create a
check "retried create keeps its range" [ "$(host_id a)" = 100000 ]
check "and stacks no second mount" [ "$(findmnt -rn -o TARGET | grep -c "^$tmp/a/rootfs$")" = 1 ]

echo "the bundle as it was, after delete or a create runc fails"
bundle_mode() { stat -c %a:%g "$tmp/$1"; }
bundle g && chmod 700 "$tmp/g" && before=$(bundle_mode g)
create g && "$shimrun" --root "$root" delete g
check "delete puts the bundle's group and mode back" [ "$(bundle_mode g)" = "$before" ]
held=$(records)
FAIL=1 create g
check "a create runc fails" [ $? -ne 0 ]
check "  gives its range back" [ "$(records)" = "$held" ]
check "  and its mount" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/g")" ]
check "  and the bundle's group and mode" [ "$(bundle_mode g)" = "$before" ]
# The rootfs is the bundle itself (root.path "."): it is idmapped where
# it is, and the bundle is not opened (under the idmapped mount its group
# would have no mapping: closed even to host root).
bundle dot && jq '.root.path = "."' "$tmp/dot/config.json" >"$tmp/dot.json" && mv "$tmp/dot.json" "$tmp/dot/config.json"
chmod 700 "$tmp/dot" && before=$(bundle_mode dot)
create dot
check "a rootfs that is the bundle: create succeeds" [ $? -eq 0 ]
check "  idmapped where it is" sh -c "findmnt -n -o OPTIONS '$tmp/dot' | grep -q idmapped"
check "  host root enters it" test -e "$tmp/dot/config.json"
"$shimrun" --root "$root" delete dot
check "  delete unmounts it" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/dot")" ]
check "  its group and mode as they were" [ "$(bundle_mode dot)" = "$before" ]

echo "20 creates in parallel"
for i in $(seq 1 20); do bundle "p$i"; done
for i in $(seq 1 20); do SLOW=0.2 create "p$i" & done
wait
check "21 records" [ "$(records)" = 21 ]
ids=$(for i in $(seq 1 20); do host_id "p$i"; done; host_id a)
check "all ranges disjoint" [ "$(echo "$ids" | sort -u | wc -l)" = 21 ]
for i in $(seq 1 20); do "$shimrun" --root "$root" delete "p$i"; done
check "delete gives back 20" [ "$(records)" = 1 ]
check "and unmounts" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/p")" ]

echo "a create that dies between the claim and runc"
bundle crash && DIE=1 create crash
check "the claim is left behind" [ "$(records)" = 2 ]
# shimctl pool shows it gone (no runc state, the claiming shimrun dead),
# a live container running; --reclaim releases the one, never the other.
shimctl="$top_builddir/runtime/shimctl"
"$shimctl" pool --state-dir "$tmp/state" --json >"$tmp/pool.json"
check "shimctl pool lists both" [ "$(jq length "$tmp/pool.json")" = 2 ]
check "  the crashed create's as gone" quiet jq -e 'any(.[]; .id == "crash" and .state == "gone")' "$tmp/pool.json"
check "  the container's as running, with its range" quiet jq -e --argjson h "$(host_id a)" \
	'any(.[]; .id == "a" and .state == "running" and .hostID == $h and .size == 65536 and .claimed > 0)' "$tmp/pool.json"
"$shimctl" pool --state-dir "$tmp/state" >"$tmp/pool.txt"
check "  as a table" grep -Eq "^crash +[0-9]+-[0-9]+ .* gone " "$tmp/pool.txt"
"$shimctl" pool --state-dir "$tmp/state" --reclaim --json >"$tmp/pool.json"
check "--reclaim releases the gone one" quiet jq -e 'any(.[]; .id == "crash" and .state == "released")' "$tmp/pool.json"
check "  and its mount" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/crash")" ]
check "  and keeps the running one" eval '[ "$(records)" = 1 ] && jq -e "any(.[]; .id == \"a\" and .state == \"running\")" "$tmp/pool.json" >/dev/null'
check "  whose rootfs stays mounted" quiet findmnt -rn -o TARGET "$tmp/a/rootfs"
bundle crash && DIE=1 create crash
bundle b && create b
check "the next create reclaims it" [ "$(records)" = 2 ]
check "its mount is gone" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/crash")" ]
check "and its range is reused" [ "$(host_id b)" = "$(host_id crash)" ]

echo "a pod's container shares its sandbox's range"
# A process in b's user namespace stands in for the sandbox.
user_ns "$(host_id b)" --net && sandbox=$ns_pid
bundle c
jq --arg p "/proc/$sandbox/ns/net" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
	"$tmp/c/config.json" >"$tmp/c.json" && mv "$tmp/c.json" "$tmp/c/config.json"
create c
check "joins it" quiet jq -e --arg p "/proc/$sandbox/ns/user" '.linux.namespaces | any(.type == "user" and .path == $p)' "$tmp/c/config.json" >/dev/null
check "with its mappings" [ "$(host_id c)" = "$(host_id b)" ]
check "sysfs replaced by the host's /sys, read-only" quiet jq -e '.mounts | any(.destination == "/sys" and .type == "bind" and (.options | index("ro")))' "$tmp/c/config.json" >/dev/null
kill $sandbox

echo "user namespaces that cannot be given: refused, the finding in the record"
# The last audit record has a user-namespace finding that rejects.
refused_with_finding() {
	tail -n 1 "$tmp/audit.log" | jq -e '.decision == "rejected" and
		any(.findings[]; .control == "user-namespace" and .verdict == "reject")' >/dev/null
}
user_ns 2000000000 && outside=$ns_pid
bundle e
jq --arg p "/proc/$outside/ns/user" '.linux.namespaces += [{type: "user", path: $p}]' \
	"$tmp/e/config.json" >"$tmp/e.json" && mv "$tmp/e.json" "$tmp/e/config.json"
create e 2>"$tmp/err"
check "joining one outside the pool is refused" [ $? -ne 0 ]
check "saying so" grep -q "may not be used: its ids (host 2000000000, 65536 ids) lie outside the pool" "$tmp/err"
check "its record has the finding" refused_with_finding
unshare --ipc sleep 30 &
other=$!
bundle f
jq --arg n "/proc/$outside/ns/net" --arg i "/proc/$other/ns/ipc" \
	'.linux.namespaces |= map(if .type == "network" then .path = $n elif .type == "ipc" then .path = $i else . end)' \
	"$tmp/f/config.json" >"$tmp/f.json" && mv "$tmp/f.json" "$tmp/f/config.json"
create f 2>"$tmp/err"
check "joining namespaces of two processes is refused" [ $? -ne 0 ]
check "saying so" grep -q "joins namespaces of two processes" "$tmp/err"
check "its record has the finding" refused_with_finding
bundle h
jq --arg i "/proc/$other/ns/ipc" '.linux.namespaces |= map(if .type == "ipc" then .path = $i else . end)' \
	"$tmp/h/config.json" >"$tmp/h.json" && mv "$tmp/h.json" "$tmp/h/config.json"
create h 2>"$tmp/err"
check "joining the ipc namespace of a process outside the pool is refused" [ $? -ne 0 ]
check "saying why (runc could not use it from a user namespace of its own)" \
	grep -q "joins the ipc namespace /proc/$other/ns/ipc, which no user namespace of the pool owns" "$tmp/err"
check "its record has the finding" refused_with_finding
check "neither was hardened" eval '[ ! -e "$tmp/e/config.json.orig" ] && [ ! -e "$tmp/f/config.json.orig" ]'
kill $outside $other

echo "pool exhausted"
printf '{"version":1,"controls":{"user-namespace":{"ranges":2}}}' >"$tmp/small.json"
bundle d && SHIMRUN_POLICY="$tmp/small.json" create d 2>"$tmp/err"
check "refused" [ $? -ne 0 ]
check "saying so" grep -q "pool is exhausted" "$tmp/err"
check "nothing claimed" [ ! -e "$tmp/d/config.json.orig" ]

echo "pods in the kubelet's user namespaces (hostUsers: false)"
# Processes in user namespaces of a kubelet's range stand in for pod
# sandboxes (their /proc/PID/ns/user, as containerd's app containers join
# them); the specs carry the CRI annotations containerd writes.
pod_bundle() { # NAME PID TYPE SANDBOX-ID POD-UID HOST
	mkdir -p "$tmp/$1/rootfs"
	jq --arg p "/proc/$2/ns/user" --arg type "$3" --arg sb "$4" --arg uid "$5" --argjson host "$6" '
		.linux.namespaces += [{type: "user", path: $p}]
		| .linux.uidMappings = [{containerID: 0, hostID: $host, size: 65536}]
		| .linux.gidMappings = .linux.uidMappings
		| .annotations = {"io.kubernetes.cri.container-type": $type,
		    "io.kubernetes.cri.sandbox-id": $sb, "io.kubernetes.cri.sandbox-uid": $uid}' \
		"$fx/ctr-default.json" >"$tmp/$1/config.json"
}
K=1073741824
user_ns $K && p1=$ns_pid
user_ns $K && p2=$ns_pid
user_ns $((K + 65536)) && p3=$ns_pid
pod_bundle sb1 "$p1" sandbox sb1 pod-a $K && create sb1
check "a sandbox in the kubelet's namespace is let in" [ $? -eq 0 ]
check "and recorded" [ -e "$tmp/state/pods/sb1" ]
pod_bundle app1 "$p1" container sb1 pod-a $K && create app1
check "its container, joining the same namespace, is let in" [ $? -eq 0 ]
pod_bundle app2 "$p2" container sb1 pod-a $K && create app2 2>"$tmp/err"
check "a container of that pod joining another namespace on the same ids is refused" [ $? -ne 0 ]
check "saying so" grep -q "does not join its pod sandbox sb1's user namespace" "$tmp/err"
pod_bundle sb2 "$p2" sandbox sb2 pod-b $K && create sb2 2>"$tmp/err"
check "another pod on the same ids is refused" [ $? -ne 0 ]
check "naming the pod it meets" grep -q "overlap those of pod sandbox sb1 (pod pod-a)" "$tmp/err"
check "and not recorded" [ ! -e "$tmp/state/pods/sb2" ]
pod_bundle sb3 "$p2" sandbox sb3 pod-a $K && create sb3
check "the same pod's restarted sandbox keeps its ids" [ $? -eq 0 ]
pod_bundle sb4 "$p3" sandbox sb4 pod-c $((K + 65536)) && create sb4
check "a pod on other ids is let in" [ $? -eq 0 ]
pod_bundle app4 "$p3" container sb9 pod-c $((K + 65536)) && create app4 2>"$tmp/err"
check "a container whose sandbox was never let in is refused" [ $? -ne 0 ]
check "audited as rejected" jq -e -s 'any(.[]; .id == "app4" and .decision == "rejected")' "$tmp/audit.log"
for id in sb1 sb3 sb4; do "$shimrun" --root "$root" delete "$id"; done
check "delete drops the pods' records" [ -z "$(ls "$tmp/state/pods" | grep -vx lock)" ]
kill "$p1" "$p2" "$p3"

echo "pods that do not ask for a user namespace (hostUsers: true)"
# On runc 1.2+ the sandbox gets a range of the pool and its containers join
# it: processes stand in for the pause containers (a new network namespace,
# and for the sandbox's user namespace one mapped to the range it got).
unshare --net --ipc sleep 30 >/dev/null &
netns_pid=$!
while [ "$(readlink /proc/$netns_pid/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
# Pinned, as containerd pins a pod's network namespace.
touch "$tmp/netns" && mount --bind "/proc/$netns_pid/ns/net" "$tmp/netns"
plain_pod_bundle() { # NAME TYPE SANDBOX-ID POD-UID [PID whose ipc namespace a container joins]
	mkdir -p "$tmp/$1/rootfs"
	jq --arg net "$tmp/netns" --arg ipc "${5:+/proc/$5/ns/ipc}" --arg type "$2" \
		--arg sb "$3" --arg uid "$4" '
		.linux.namespaces |= map(select(.type != "user")
			| if .type == "network" then .path = $net
			  elif .type == "ipc" and $ipc != "" then .path = $ipc else . end)
		| del(.linux.uidMappings, .linux.gidMappings)
		| .linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "0"}
		| .annotations = {"io.kubernetes.cri.container-type": $type,
		    "io.kubernetes.cri.sandbox-id": $sb, "io.kubernetes.cri.sandbox-uid": $uid}' \
		"$fx/ctr-default.json" >"$tmp/$1/config.json"
}
held=$(records)
export RUNC_VERSION=1.1.5
plain_pod_bundle old-sb sandbox old-sb pod-o && create old-sb
check "runc 1.1: the sandbox runs without one" eval \
	'[ $? -eq 0 ] && ! jq -e ".linux.namespaces | any(.type == \"user\")" "$tmp/old-sb/config.json" >/dev/null'
check "and the audit record says why" quiet jq -e -s 'any(.[]; .id == "old-sb" and any(.findings[];
	.control == "user-namespace" and .verdict == "warn" and (.message | contains("runc 1.1.5"))))' \
	"$tmp/audit.log"
"$shimrun" --root "$root" delete old-sb
# The delegate upgraded in place: asked again.
sleep 0.01 && touch "$tmp/delegate"
export RUNC_VERSION=1.3.6
: >"$tmp/asked"
plain_pod_bundle sbA sandbox sbA pod-x && create sbA
check "runc 1.3: the sandbox gets a range of the pool" eval \
	'[ $? -eq 0 ] && jq -e ".linux.namespaces | any(.type == \"user\" and (.path // \"\") == \"\")" "$tmp/sbA/config.json" >/dev/null'
hA=$(host_id sbA)
check "its pod is recorded on that range" grep -qx "$hA 65536 0 pod-x" "$tmp/state/pods/sbA"
check "the sysctls the pod's network namespace takes are set from the host" eval \
	'[ "$(nsenter -t $netns_pid -n cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" = 0 ] &&
	 ! jq -e ".linux.sysctl | has(\"net.ipv4.ip_unprivileged_port_start\")" "$tmp/sbA/config.json" >/dev/null'
plain_pod_bundle sbB sandbox sbB pod-y && create sbB
hB=$(host_id sbB)
check "another pod gets another range" [ "$hA" != "$hB" ]
user_ns "$hA" --ipc && pauseA=$ns_pid
plain_pod_bundle appA container sbA pod-x "$pauseA" && create appA
check "a container joins its sandbox's user namespace" \
	jq -e --arg p "/proc/$pauseA/ns/user" --argjson h "$hA" '(.linux.namespaces | any(.type == "user" and .path == $p))
		and .linux.uidMappings[0].hostID == $h' "$tmp/appA/config.json" >/dev/null
plain_pod_bundle appB container sbB pod-y "$pauseA" && create appB 2>"$tmp/err"
check "a container of another pod joining it is refused" [ $? -ne 0 ]
check "saying so" grep -q "does not join its pod sandbox sbB's user namespace" "$tmp/err"
plain_pod_bundle appH container sbA pod-x "$netns_pid" && create appH 2>"$tmp/err"
check "a container whose namespaces' process is in the host's user namespace is refused" [ $? -ne 0 ]
check "saying so" grep -q "its pod sandbox is in no user namespace of the pool" "$tmp/err"
check "runc was asked its version once" [ "$(wc -l <"$tmp/asked")" = 1 ]
for id in appA sbA sbB; do "$shimrun" --root "$root" delete "$id"; done
check "delete gives back the ranges and drops the records" eval \
	'[ "$(records)" = "$held" ] && [ -z "$(ls "$tmp/state/pods" | grep -vx lock)" ]'
kill "$pauseA" "$netns_pid"
unset RUNC_VERSION

echo "bind mounts"
# Their idmapped clones are stacked in shimrun's own mount namespace: the
# host's sees none, and a create refused after them (here: its audit
# record cannot be written) still takes its rootfs mount off the host's.
mkdir -m 755 "$tmp/vol"
jq -n --arg v "$tmp/vol" '{version: 1, controls: {"host-mounts": {allowedSources: [$v]}}}' >"$tmp/vol.json"
for b in v w; do
	bundle $b
	jq --arg v "$tmp/vol" '.mounts += [{destination: "/vol", type: "bind", source: $v, options: ["rbind", "rw"]}]' \
		"$tmp/$b/config.json" >"$tmp/$b.json" && mv "$tmp/$b.json" "$tmp/$b/config.json"
done
SHIMRUN_POLICY="$tmp/vol.json" create v
check "create with a bind succeeds" [ $? -eq 0 ]
held=$(records)
check "its rootfs idmapped on the host" sh -c "findmnt -n -o OPTIONS '$tmp/v/rootfs' | grep -q idmapped"
check "its bind source untouched on the host" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/vol")" ]
SHIMRUN_POLICY="$tmp/vol.json" SHIMRUN_AUDIT_LOG=/proc/nope/audit create w 2>/dev/null
check "a create refused after its binds" [ $? -ne 0 ]
check "leaves no mount on the host" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/w")" ]
check "and no record" [ "$(records)" = "$held" ]

for id in a b c v; do "$shimrun" --root "$root" delete "$id"; done
check "empty pool at the end" [ "$(records)" = 0 ]
echo "userns: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
