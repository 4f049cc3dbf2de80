#!/bin/bash
# shimrun as containerd runs it: a private containerd, a busybox image built
# here, and shimrun as the runc binary of the io.containerd.runc.v2 shim
# (`ctr run --runc-binary`, which is what a runtime class's BinaryName sets).
#
# Proves: an ordinary container runs hardened (Seccomp 2, NoNewPrivs 1, the
# allowed capabilities); host namespaces, privileged, a bind mount of / and
# of containerd's socket are rejected with shimrun's message in ctr's
# output; a second container joins the first one's namespaces by path, as
# pod containers do; exec'd processes get the container's restrictions;
# kill, ps, pause/resume, state and delete work as with runc; in its user
# namespace the container's root writes a root-owned volume (the file is
# host root's on disk) and reads root-only files of its binds, the host's
# mount table unchanged; 20 parallel containers, alive at once, hold
# disjoint id ranges and leave nothing behind; every decision is audited.
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
require_containerd shimrun-containerd

D=$(mktemp -d /tmp/shimrun-ctrd.XXXXXX)
# Traversable: the containers' root (a user namespace's, not host root)
# walks through it to its rootfs, as through containerd's /run (0711).
chmod 711 "$D"
AUDIT=$D/audit.log
# What a runtime class's BinaryName would point at: shimrun with its
# settings, since the runc shim passes no flags of ours.
cat >"$D/shimrun-wrapper" <<EOF
#!/bin/sh
SHIMRUN_STATE_DIR="$D/shimrun" exec "$SHIMRUN" --audit-log "$AUDIT" "\$@"
EOF
chmod 755 "$D/shimrun-wrapper"
trap 'ctrd_stop "$D" >/dev/null 2>&1' EXIT

# shellcheck source=tests/lib/checks.sh
. "$top_srcdir/tests/lib/checks.sh"
CHECK_OUT=$D/out

ctrd_start "$D" >/dev/null || { echo "shimrun-containerd: FAIL: containerd did not start"; exit 1; }
IMG=$(busybox_image "$D") || { echo "shimrun-containerd: FAIL: no image"; exit 1; }

# ctr bound to the private containerd, for use under timeout(1), which
# cannot run shell functions such as ctr_.
CTR=(ctr --address "$D/containerd.sock" --namespace "$CTRD_NAMESPACE")

# ctr run through shimrun; output in $D/out, status returned.
srun() {
	timeout 120 "${CTR[@]}" run --rm --fifo-dir "$D/fifo" --runc-root "$D/runc" \
		--runc-binary "$D/shimrun-wrapper" "$@" >"$D/out" 2>&1
}
# Same, detached (a long-running container for exec and the lifecycle).
srun_detached() {
	timeout 60 "${CTR[@]}" run -d --fifo-dir "$D/fifo" --runc-root "$D/runc" \
		--runc-binary "$D/shimrun-wrapper" "$@" >"$D/out" 2>&1
}
field() { grep "^$1:" "$D/out" | awk '{print $2}'; }

# containerd's default capabilities cut to the policy's allowed set:
# NET_RAW (bit 13), SYS_CHROOT (18) and MKNOD (27) are those containerd
# gives that the policy drops.
WANT_CAPS=00000000a00005fb

echo "plain container"
srun "$IMG" plain sh -c 'grep -E "^(Seccomp|NoNewPrivs|CapEff|CapBnd|CapAmb):" /proc/self/status; echo hi' 
status=$?
check "runs" [ $status -eq 0 ]
check "Seccomp 2" [ "$(field Seccomp)" = 2 ]
check "NoNewPrivs 1" [ "$(field NoNewPrivs)" = 1 ]
check "CapEff is the allowed set" [ "$(field CapEff)" = $WANT_CAPS ]
check "CapBnd is the allowed set" [ "$(field CapBnd)" = $WANT_CAPS ]
check "CapAmb empty" [ "$(field CapAmb)" = 0000000000000000 ]

echo "user namespace"
srun "$IMG" userns sh -c 'cat /proc/self/uid_map; touch /from-container && echo wrote;
	stat -c "owner %u" /bin/busybox; mknod /dev/sda1 b 8 1 2>/dev/null || echo "mknod refused";
	(echo 1 > /proc/sys/kernel/panic_on_oops) 2>/dev/null || echo "sysctl refused"; ps -o pid= | wc -l'
check "uid_map: container 0 is a non-zero host id" awk 'NF == 3 && $1 == 0 && $2 >= 100000 {found = 1} END {exit !found}' "$D/out"
check "root writes its rootfs" grep -qx wrote "$D/out"
check "image files are root's inside (idmapped)" grep -qx "owner 0" "$D/out"
check "no host device node" grep -qx "mknod refused" "$D/out"
check "no host sysctl" grep -qx "sysctl refused" "$D/out"
check "only its own processes" [ "$(tail -1 "$D/out")" -le 3 ]

echo "user namespace: bind-mounted volumes"
# Host directories as kubelet's volumes are: root's, a root-only file in
# each.  A policy that allows binding them; shimrun idmaps the binds in a
# mount namespace of its own, so the host's mount table stays as it was.
mkdir -m 755 "$D/vol" "$D/cfg"
echo secret >"$D/vol/root-only" && chmod 600 "$D/vol/root-only"
echo key >"$D/cfg/key" && chmod 400 "$D/cfg/key"
echo "10.0.0.1 pod" >"$D/hosts" && chmod 600 "$D/hosts" # a file bind, as /etc/hosts is
jq --arg vol "$D/vol" --arg cfg "$D/cfg" --arg hosts "$D/hosts" '{version: 1, controls: {"host-mounts":
	{allowedSources: (.controls["host-mounts"].allowedSources + [$vol, $cfg, $hosts])}}}' \
	"$top_srcdir/profiles/policy/default.json" >"$D/vol-policy.json"
sed "s|--audit-log|--policy $D/vol-policy.json --audit-log|" "$D/shimrun-wrapper" >"$D/shimrun-vol"
chmod 755 "$D/shimrun-vol"
# Mounts under this test's directory only: the tests that make check runs
# beside this one mount and unmount elsewhere.
own_mounts() { findmnt -rn -o TARGET | grep "^$D/" | sort | md5sum; }
mounts_before=$(own_mounts)
timeout 120 "${CTR[@]}" run --rm --fifo-dir "$D/fifo" --runc-root "$D/runc" \
	--runc-binary "$D/shimrun-vol" \
	--mount "type=bind,src=$D/vol,dst=/vol,options=rbind:rw" \
	--mount "type=bind,src=$D/cfg,dst=/cfg,options=rbind:ro" \
	--mount "type=bind,src=$D/hosts,dst=/etc/hosts,options=rbind:ro" \
	"$IMG" volumes sh -c 'cat /proc/self/uid_map; echo data >/vol/new && echo wrote;
	cat /vol/root-only /cfg/key /etc/hosts; stat -c "volume owner %u" /vol' >"$D/out" 2>&1
check "runs with three binds" [ $? -eq 0 ]
check "in its own user namespace" awk 'NF == 3 && $1 == 0 && $2 >= 100000 {f = 1} END {exit !f}' "$D/out"
check "root writes the volume" grep -qx wrote "$D/out"
check "the file is host root's (idmapped, no chown)" [ "$(stat -c %u:%g "$D/vol/new")" = 0:0 ]
check "root reads the volume's root-only file" grep -qx secret "$D/out"
check "and the read-only bind's" grep -qx key "$D/out"
check "and a bound file's" grep -qx "10.0.0.1 pod" "$D/out"
check "the volume is root's inside" grep -qx "volume owner 0" "$D/out"
check "the host's mount table is as it was" [ "$(own_mounts)" = "$mounts_before" ]
grep -q "keep their host ids" "$D/out" && bad "no bind left unmapped" "$(cat "$D/out")"

echo "rejected containers: the message reaches ctr"
expect_rejected() { # NAME TEXT CTR-ARGS...
	local name=$1 text=$2; shift 2
	srun "$@" "$IMG" "rej-$name" true
	local status=$?
	if [ $status -ne 0 ] && grep -q "OCI runtime create failed: shimrun: rejected:.*$text" "$D/out"; then
		ok "$name rejected"
	else
		bad "$name rejected (status $status)" "$(head -c 600 "$D/out")"
	fi
}
expect_rejected privileged 'privileged: true' --privileged
expect_rejected net-host 'host network namespace.*(hostNetwork: true) \[host-namespaces\]' --net-host
# /proc/1/ns is unreadable in some sandboxes even to root; our own pid
# namespace is the host's all the same.
expect_rejected host-pid 'joins the host pid namespace' --with-ns "pid:/proc/$$/ns/pid"
expect_rejected bind-root 'bind-mounts host path / ' --mount type=bind,src=/,dst=/host,options=rbind:rw
# A pinned namespace file that is not a user namespace (a network
# namespace's, as containerd pins them) given as the user namespace:
# refused by what the node shows, and nothing claimed or mounted for it.
unshare --net sleep 60 >/dev/null &
NET_PID=$!
while [ "$(readlink /proc/$NET_PID/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
touch "$D/pinned-net" && mount --bind "/proc/$NET_PID/ns/net" "$D/pinned-net"
records_before=$(ls "$D/shimrun/userns" 2>/dev/null | sort | md5sum)
mounts_before=$(own_mounts)
expect_rejected pinned-not-userns "$D/pinned-net is not a user namespace.*\[user-namespace\]" \
	--with-ns "user:$D/pinned-net"
check "nothing claimed or mounted for it" eval \
	'[ "$(ls "$D/shimrun/userns" 2>/dev/null | sort | md5sum)" = "$records_before" ] && [ "$(own_mounts)" = "$mounts_before" ]'
umount "$D/pinned-net" && kill $NET_PID
touch "$D/fake.sock"
expect_rejected runtime-socket 'socket' --mount "type=bind,src=$D/containerd.sock,dst=/run/containerd.sock,options=rbind:rw"

echo "a pod: the second container joins the first one's namespaces"
srun_detached "$IMG" pod-a sleep 300
check "first container runs" [ $? -eq 0 ]
PID=$(ctr_ task ls | awk '$1 == "pod-a" {print $2}')
srun --with-ns "network:/proc/$PID/ns/net" --with-ns "ipc:/proc/$PID/ns/ipc" \
	--with-ns "uts:/proc/$PID/ns/uts" "$IMG" pod-b sh -c 'readlink /proc/self/ns/net'
check "second container joins by path and runs" [ $? -eq 0 ]
check "same network namespace" [ "$(tail -1 "$D/out")" = "$(readlink "/proc/$PID/ns/net")" ]

echo "exec gets the container's restrictions"
timeout 30 "${CTR[@]}" task exec --exec-id probe1 pod-a sh -c \
	'grep -E "^(Seccomp|NoNewPrivs|CapEff|CapAmb):" /proc/self/status' >"$D/out" 2>&1
check "exec runs" [ $? -eq 0 ]
check "exec Seccomp 2" [ "$(field Seccomp)" = 2 ]
check "exec NoNewPrivs 1" [ "$(field NoNewPrivs)" = 1 ]
check "exec CapEff is the allowed set" [ "$(field CapEff)" = $WANT_CAPS ]
timeout 30 "${CTR[@]}" task exec --exec-id probe2 pod-a sh -c 'unshare -U true' >"$D/out" 2>&1
check "exec cannot unshare a user namespace" [ $? -ne 0 ]

echo "lifecycle commands pass through"
check "ps lists the process" sh -c "$(printf '%q ' "${CTR[@]}") task ps pod-a | grep -q '$PID'"
check "pause" timeout 30 "${CTR[@]}" task pause pod-a
check "state shows paused" sh -c "$(printf '%q ' "${CTR[@]}") task ls | grep pod-a | grep -q PAUSED"
check "resume" timeout 30 "${CTR[@]}" task resume pod-a
check "runc state through shimrun" sh -c "'$SHIMRUN' --root '$D/runc/$CTRD_NAMESPACE' --audit-log '$AUDIT' state pod-a | jq -e '.status == \"running\"' >/dev/null"
check "kill" timeout 30 "${CTR[@]}" task kill -s SIGKILL pod-a
for _ in $(seq 50); do
	ctr_ task ls | grep pod-a | grep -q STOPPED && break
	sleep 0.2
done
check "delete" timeout 30 "${CTR[@]}" task delete pod-a
ctr_ container delete pod-a >/dev/null 2>&1

echo "20 containers in parallel"
# Each prints its map, then waits for the others: a range given back by a
# container that is gone may be reused, so all 20 must be alive at once
# (the barrier: a file in a volume bound read-only into each).
srun_one() {
	timeout 120 "${CTR[@]}" run --rm --fifo-dir "$D/fifo" --runc-root "$D/runc" \
		--runc-binary "$D/shimrun-vol" --mount "type=bind,src=$D/vol,dst=/barrier,options=rbind:ro" \
		"$IMG" "par-$1" sh -c 'grep -q "^Seccomp:.2" /proc/self/status && cat /proc/self/uid_map &&
		echo started && i=0 && while [ ! -e /barrier/go ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done' \
		>"$D/par-$1.out" 2>&1
	echo $? >"$D/par-$1.rc"
}
pids=()
for n in $(seq 20); do
	srun_one "$n" &
	pids+=($!)
done
for i in $(seq 900); do
	[ "$(grep -lx started "$D"/par-*.out 2>/dev/null | wc -l)" -eq 20 ] && break
	sleep 0.1
done
touch "$D/vol/go"
# Only these: a bare `wait` would also wait for containerd itself.
wait "${pids[@]}"
rm -f "$D/vol/go"
okn=0
for n in $(seq 20); do [ "$(cat "$D/par-$n.rc")" = 0 ] && okn=$((okn + 1)); done
check "all 20 ran hardened ($okn)" [ $okn -eq 20 ]
ranges=$(cat "$D"/par-*.out | awk '$1 == 0 {print $2}' | sort -u | wc -l)
check "20 disjoint user namespace ranges ($ranges)" [ "$ranges" -eq 20 ]
check "the pool is empty again" [ -z "$(ls "$D/shimrun/userns" | grep -v '^lock$')" ]
left=$(find "$D/runc/$CTRD_NAMESPACE" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
check "nothing left in runc's state dir ($left)" [ "$left" -eq 0 ]
check "no containers left" [ -z "$(ctr_ container ls -q)" ]

echo "containerd killed while containers are being created, then started again"
# Two containers running before, five being created when containerd gets
# SIGKILL (by its pid); then containerd is started again on the same state.
for n in 1 2; do srun_detached "$IMG" "keep-$n" sleep 300; done
kpids=()
for n in $(seq 5); do
	timeout 60 "${CTR[@]}" run -d --fifo-dir "$D/fifo" --runc-root "$D/runc" \
		--runc-binary "$D/shimrun-wrapper" "$IMG" "mid-$n" sleep 300 >/dev/null 2>&1 &
	kpids+=($!)
done
sleep 0.3
kill -KILL "$(cat "$D/containerd.pid")"
wait "${kpids[@]}"
ctrd_start "$D" >/dev/null || { echo "shimrun-containerd: FAIL: containerd did not start again"; exit 1; }
CTR=(ctr --address "$D/containerd.sock" --namespace "$CTRD_NAMESPACE") # ctrd_start set a string
running() { "${CTR[@]}" task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
check "the containers from before still run" [ "$(running keep-1) $(running keep-2)" = "RUNNING RUNNING" ]
for c in $("${CTR[@]}" container ls -q); do
	case $c in keep-* | mid-*) ;; *) continue ;; esac
	"${CTR[@]}" task kill -s KILL "$c" >/dev/null 2>&1
	for _ in $(seq 50); do "${CTR[@]}" task delete "$c" >/dev/null 2>&1 && break
		[ -z "$(running "$c")" ] && break; sleep 0.1; done
	"${CTR[@]}" container delete "$c" >/dev/null 2>&1
done
# containerd 1.6 can lose a container it was creating when killed: runc
# made it, containerd no longer knows it.  Such an orphan keeps its range
# while it runs (shimctl pool shows it running); an operator deletes it
# through shimrun, and shimctl pool --reclaim gives back what the creates
# that died with containerd held.
pool() { "$top_builddir/runtime/shimctl" pool --state-dir "$D/shimrun" --json "$@"; }
check "no range is held twice" [ "$(pool | jq '[.[].hostID] | length == (unique | length)')" = true ]
for id in $(ls "$D/runc/$CTRD_NAMESPACE" 2>/dev/null); do
	case $id in mid-*) "$D/shimrun-wrapper" --root "$D/runc/$CTRD_NAMESPACE" delete -f "$id" >/dev/null 2>&1 ;; esac
done
pool --reclaim >/dev/null
check "deleted, every range is given back" [ "$(pool | jq length)" = 0 ]
check "  and every idmapped rootfs" [ -z "$(findmnt -rn -o TARGET,OPTIONS | grep idmapped | grep "$D")" ]

echo "audit"
decisions() { jq -r "select(.id == \"$1\") | .decision" "$AUDIT" | sort -u | tr '\n' ' '; }
# True when some record satisfies the jq condition (jq 1.6's -e judges only
# the last line's output, so slurp the log).
audit_has() { jq -e -s "any(.[]; $1)" "$AUDIT" >/dev/null; }
check "plain: hardened" [ "$(decisions plain)" = "hardened " ]
check "net-host: rejected, with findings" \
	audit_has '.id == "rej-net-host" and .decision == "rejected" and (.findings | length > 0)'
check "exec recorded" audit_has '.command == "exec" and .id == "pod-a" and .decision == "hardened"'
check "pod-b's namespace joins judged" audit_has '.id == "pod-b" and .decision == "hardened"' 
check "20 parallel creates recorded" [ "$(jq -r 'select(.id | startswith("par-")) | .id' "$AUDIT" | sort -u | wc -l)" -eq 20 ]
check "policy digest recorded" audit_has '.policy.digest | startswith("sha256:")' 

echo "shimrun-containerd: $passed passed, $failed failed"
[ $failed -eq 0 ]
