#!/bin/bash
# The main job in one command (`make demo`): shimrun, on the embedded
# default policy, runs an ordinary container hardened (seccomp, no new
# privileges, capabilities cut, unshare refused, metadata server unreachable) and
# refuses one that asks for the host's network.  Needs root, runc, jq and busybox-static
# (tests/deps.sh installs them); everything it makes lives in a temp dir.
set -eu
top_builddir=${top_builddir:-.}
SHIMRUN=$(realpath "$top_builddir/runtime/shimrun")

tmp=$(mktemp -d /tmp/shim-demo.XXXXXX)
chmod 755 "$tmp"
trap 'runc --root "$tmp/runc" delete -f demo-ok >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# A bundle: a static busybox as the whole root file system, runc's default
# spec running a shell that shows what the kernel says of the process.
mkdir -p "$tmp/bundle/rootfs/bin" "$tmp/bundle/rootfs/proc" "$tmp/bundle/rootfs/dev"
cp /bin/busybox "$tmp/bundle/rootfs/bin/busybox"
ln -s busybox "$tmp/bundle/rootfs/bin/sh"
(cd "$tmp/bundle" && runc spec)
jq '.process.terminal = false
    | .process.args = ["/bin/busybox", "sh", "-c",
        "/bin/busybox grep -E \"^(Seccomp|NoNewPrivs|CapEff):\" /proc/self/status; /bin/busybox unshare -U /bin/busybox true || echo \"unshare -U: denied\"; /bin/busybox nc -w 2 169.254.169.254 80 </dev/null || echo \"metadata server: unreachable\""]' \
	"$tmp/bundle/config.json" >"$tmp/c" && mv "$tmp/c" "$tmp/bundle/config.json"
cp "$tmp/bundle/config.json" "$tmp/original.json"

run() { "$SHIMRUN" --root "$tmp/runc" --audit-log "$tmp/audit.log" run --bundle "$tmp/bundle" "$@"; }

echo "== 1. an ordinary container, run by shimrun (runc underneath)"
run demo-ok
echo
echo "== what shimrun changed in its config.json (from its audit record)"
jq -r 'select(.id == "demo-ok") | .changes[] | "  \(.control) \(.pointer): \(.message)"' "$tmp/audit.log"
echo
echo "== 2. the same container asking for the host's network: refused"
jq '.linux.namespaces |= map(select(.type != "network"))' "$tmp/original.json" \
	>"$tmp/bundle/config.json"
if run demo-hostnet; then
	echo "demo: the host-network container ran: that is a bug" >&2
	exit 1
fi
echo
echo "== the audit log"
jq -c '{command, id, decision, changes: (.changes | length), findings: (.findings | length)}' "$tmp/audit.log"
