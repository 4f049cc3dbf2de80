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

# runc's part: create leaves ROOT/ID behind (unless told to die first),
# delete removes it.
cat >"$tmp/delegate" <<'EOF'
#!/bin/sh
root=/run/runc
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
create) [ -n "${DIE:-}" ] && kill -9 $$; sleep "${SLOW:-0}"; mkdir -p "$root/$id" ;;
delete) rm -rf "${root:?}/$id" ;;
esac
EOF
chmod 755 "$tmp/delegate"
export SHIMRUN_CONFIG="$tmp/none.json" SHIMRUN_AUDIT_LOG="$tmp/audit.log"
export SHIMRUN_STATE_DIR="$tmp/state" SHIMRUN_DELEGATE="$tmp/delegate"
printf '{}' >"$SHIMRUN_CONFIG"
root="$tmp/runc"
records() { ls "$tmp/state/userns" | grep -cv '^lock$'; }
host_id() { jq -r '.linux.uidMappings[0].hostID' "$tmp/$1/config.json"; }
bundle() { # NAME: a bundle whose rootfs holds a root-owned file
	mkdir -p "$tmp/$1/rootfs/etc" && cp "$fx/ctr-default.json" "$tmp/$1/config.json"
	echo "$1" >"$tmp/$1/rootfs/etc/hostname"
}
create() { "$shimrun" --root "$root" create --bundle "$tmp/$1" "$1"; }

echo "one container"
bundle a && create a
check "create succeeds" [ $? -eq 0 ]
check "first range of the pool" [ "$(host_id a)" = 100000 ]
check "user namespace entry" jq -e '.linux.namespaces | any(.type == "user")' "$tmp/a/config.json" >/dev/null
check "rootfs idmapped" findmnt -n -o OPTIONS "$tmp/a/rootfs" | grep -q idmapped
check "image files owned by the container's root" [ "$(stat -c %u "$tmp/a/rootfs/etc/hostname")" = 100000 ]
check "bundle open to the container's root" [ "$(stat -c %a:%g "$tmp/a")" = 710:100000 ]
create a
check "retried create keeps its range" [ "$(host_id a)" = 100000 ]
check "and stacks no second mount" [ "$(findmnt -rn -o TARGET | grep -c "^$tmp/a/rootfs$")" = 1 ]

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
bundle b && create b
check "the next create reclaims it" [ "$(records)" = 2 ]
check "its mount is gone" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/crash")" ]
check "and its range is reused" [ "$(host_id b)" = "$(host_id crash)" ]

echo "a pod's container shares its sandbox's range"
# A process in b's user namespace stands in for the sandbox.
unshare --user --net sleep 30 &
sandbox=$!
while [ "$(readlink /proc/$sandbox/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do sleep 0.05; done
echo "0 $(host_id b) 65536" >/proc/$sandbox/uid_map
echo "0 $(host_id b) 65536" >/proc/$sandbox/gid_map
bundle c
jq --arg p "/proc/$sandbox/ns/net" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
	"$tmp/c/config.json" >"$tmp/c.json" && mv "$tmp/c.json" "$tmp/c/config.json"
create c
check "joins it" jq -e --arg p "/proc/$sandbox/ns/user" '.linux.namespaces | any(.type == "user" and .path == $p)' "$tmp/c/config.json" >/dev/null
check "with its mappings" [ "$(host_id c)" = "$(host_id b)" ]
check "sysfs replaced by the host's /sys, read-only" jq -e '.mounts | any(.destination == "/sys" and .type == "bind" and (.options | index("ro")))' "$tmp/c/config.json" >/dev/null
kill $sandbox

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
kubelet_ns() { # HOST: $ns_pid, a process in a new user namespace mapped 0 HOST 65536
	unshare --user sleep 30 >/dev/null &
	ns_pid=$!
	while [ "$(readlink /proc/$ns_pid/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do sleep 0.05; done
	echo "0 $1 65536" >/proc/$ns_pid/uid_map && echo "0 $1 65536" >/proc/$ns_pid/gid_map
}
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
kubelet_ns $K && p1=$ns_pid
kubelet_ns $K && p2=$ns_pid
kubelet_ns $((K + 65536)) && p3=$ns_pid
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
check "its rootfs idmapped on the host" findmnt -n -o OPTIONS "$tmp/v/rootfs" | grep -q idmapped
check "its bind source untouched on the host" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/vol")" ]
SHIMRUN_POLICY="$tmp/vol.json" SHIMRUN_AUDIT_LOG=/proc/nope/audit create w 2>/dev/null
check "a create refused after its binds" [ $? -ne 0 ]
check "leaves no mount on the host" [ -z "$(findmnt -rn -o TARGET | grep "^$tmp/w")" ]
check "and no record" [ "$(records)" = "$held" ]

for id in a b c v; do "$shimrun" --root "$root" delete "$id"; done
check "empty pool at the end" [ "$(records)" = 0 ]
echo "userns: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
