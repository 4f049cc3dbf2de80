#!/bin/bash
# The metadata-server block, for real: a fake metadata server (busybox httpd
# on 169.254.169.254 and 10.123.0.1) in a network namespace of its own, a
# veth to a second namespace that containers join by path (as Kubernetes
# pod containers join their sandbox's).  A plain runc container reaches
# both addresses; a shimrun container in the same set-up fails to connect
# to the metadata address at once (EACCES from the prohibit route, not a
# timeout), also through an IPv4-mapped IPv6 address, and still reaches
# the other one.
#
# Environment: top_builddir (runtime/shimrun; default .), top_srcdir.
# Needs root, runc, jq, ip (iproute2), busybox-static; exits 77 without.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SHIMRUN=$(realpath "${SHIMRUN:-$top_builddir/runtime/shimrun}")

# shellcheck source=tests/lib/containers.sh
. "$top_srcdir/tests/lib/containers.sh"
# shellcheck source=tests/lib/checks.sh
. "$top_srcdir/tests/lib/checks.sh"
require_containers metadata
command -v ip >/dev/null || { echo "metadata: SKIP: ip (iproute2) not installed"; exit 77; }

tmp=$(mktemp -d /tmp/shim-metadata.XXXXXX)
CHECK_OUT=$tmp/out
# Traversable: the containers' root (a user namespace's, not host root)
# walks through it to its rootfs, as through containerd's /run (0711).
chmod 711 "$tmp"
# shimrun's user namespace pool: ours, not the host's /run/shimrun.
export SHIMRUN_STATE_DIR=$tmp/shimrun-state
srv=shimtest-srv-$$ ctn=shimtest-ctn-$$
httpd=
cleanup() {
	delete_containers runc "$tmp/runc"
	[ -n "$httpd" ] && kill "$httpd" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
	ip netns del "$ctn" 2>/dev/null
	rm -rf --one-file-system -- "$tmp"
}
trap cleanup EXIT

# The network: server 169.254.169.254/16 and 10.123.0.1/24; the
# containers' side 169.254.1.2/16 and 10.123.0.2/24, on-link to both.
ip netns add "$srv" && ip netns add "$ctn" &&
	ip link add "vs$$" type veth peer name "vc$$" &&
	ip link set "vs$$" netns "$srv" && ip link set "vc$$" netns "$ctn" &&
	ip -n "$srv" addr add 169.254.169.254/16 dev "vs$$" &&
	ip -n "$srv" addr add 10.123.0.1/24 dev "vs$$" &&
	ip -n "$ctn" addr add 169.254.1.2/16 dev "vc$$" &&
	ip -n "$ctn" addr add 10.123.0.2/24 dev "vc$$" &&
	ip -n "$srv" link set lo up && ip -n "$srv" link set "vs$$" up &&
	ip -n "$ctn" link set "vc$$" up ||
	{ echo "metadata: FAIL: cannot set up the test network"; exit 1; }
mkdir -p "$tmp/www" && echo "instance-secret" >"$tmp/www/index.html"
ip netns exec "$srv" busybox httpd -f -p 80 -h "$tmp/www" &
httpd=$!

# A busybox bundle that joins the prepared namespace by path and fetches
# from both addresses, printing how each attempt ended.
mkdir -p "$tmp/bundle/rootfs/bin" "$tmp/bundle/rootfs/proc" "$tmp/bundle/rootfs/dev"
cp /bin/busybox "$tmp/bundle/rootfs/bin/busybox"
(cd "$tmp/bundle" && runc spec)
# (busybox nc, not wget: the static busybox's wget crashes in glibc's
# resolver even for numeric addresses.)
fetch='for host in 169.254.169.254 ::ffff:169.254.169.254 10.123.0.1; do
  start=$(busybox date +%s)
  out=$(printf "GET / HTTP/1.0\r\n\r\n" | busybox nc -w 5 "$host" 80 2>&1 | busybox tr "\r\n" "  ")
  echo "$host seconds=$(( $(busybox date +%s) - start )) $out"
done'
jq --arg ns "/run/netns/$ctn" --arg cmd "$fetch" '
    .process.terminal = false
    | .process.args = ["/bin/busybox", "sh", "-c", $cmd]
    | .linux.namespaces |= map(if .type == "network" then .path = $ns else . end)' \
	"$tmp/bundle/config.json" >"$tmp/spec.json"
for _ in $(seq 50); do # the server is up when it answers
	printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$ctn" busybox nc -w 1 10.123.0.1 80 2>/dev/null |
		grep -q instance-secret && break
	sleep 0.1
done

echo "plain runc reaches the metadata server"
cp "$tmp/spec.json" "$tmp/bundle/config.json"
runc --root "$tmp/runc" run --bundle "$tmp/bundle" plain-$$ >"$tmp/out" 2>&1
# One line per address: "HOST seconds=N what came back".
answers() { grep "^$1 " "$tmp/out" | grep -q instance-secret; }
# Refused by the route: EACCES at once (within the clock's second), where
# a timeout would take the 5 s nc waits.
refused() { grep "^$1 seconds=[01] " "$tmp/out" | grep -q 'Permission denied'; }
check "metadata address answers" answers 169.254.169.254
check "other address answers" answers 10.123.0.1

echo "shimrun blocks it, at once"
cp "$tmp/spec.json" "$tmp/bundle/config.json"
"$SHIMRUN" --root "$tmp/runc" --audit-log "$tmp/audit.log" run --bundle "$tmp/bundle" shim-$$ >"$tmp/out" 2>&1
hooked() { jq -e '.hooks.createRuntime[0].args[1:3] == ["hook", "network"]' "$tmp/bundle/config.json" >/dev/null; }
check "the hook is in the hardened spec" hooked
check "metadata address refused" refused 169.254.169.254
check "IPv4-mapped IPv6 form refused too" refused ::ffff:169.254.169.254
check "other address still answers" answers 10.123.0.1
check "the routes are in the namespace" sh -c "ip -n '$ctn' route show type prohibit | grep -q '169.254.169.254'"

echo "the container cannot take the routes away (no CAP_NET_ADMIN)"
jq '.process.args = ["/bin/busybox", "ip", "route", "del", "prohibit", "169.254.169.254/32"]' \
	"$tmp/spec.json" >"$tmp/bundle/config.json"
"$SHIMRUN" --root "$tmp/runc" --audit-log "$tmp/audit.log" run --bundle "$tmp/bundle" del-$$ >"$tmp/out" 2>&1
check "route deletion refused" grep -q 'Operation not permitted' "$tmp/out"
check "the route is still there" sh -c "ip -n '$ctn' route show type prohibit | grep -q '169.254.169.254'"

echo "metadata: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
