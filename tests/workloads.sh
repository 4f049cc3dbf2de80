#!/bin/bash
# Ordinary work in a container shimrun hardens with its default policy,
# which drops CAP_MKNOD and CAP_SYS_CHROOT from Kubernetes' baseline set
# (as its "restricted" profile does): package installs with apt and dpkg
# (maintainer scripts included), pip, npm, a C compiler, a database server
# started and queried.  The container's root is this machine's own
# userland (an overlay of /, writes kept apart), with the spec containerd
# gives a pod's container: its default capabilities, root, no terminal.
# The container has no network: the packages are fetched here first
# (Debian's archive), the pip and npm packages are made on the spot.
# Then the same container with a policy that gives the two capabilities
# back: the setting that restores them.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/lib/containers.sh"
. "$top_srcdir/tests/lib/checks.sh"
require_containers workloads
for tool in gcc npm node pip3 python3 apt-get pg_createcluster; do
	command -v "$tool" >/dev/null ||
		PATH=$PATH:/root/.pyenv/shims command -v "$tool" >/dev/null ||
		{ echo "workloads: SKIP: $tool not installed (the workloads run this machine's own)"; exit 77; }
done
[ -x /usr/lib/postgresql/15/bin/postgres ] || { echo "workloads: SKIP: no PostgreSQL 15 server"; exit 77; }
SHIMRUN=$(realpath "$top_builddir/runtime/shimrun")

tmp=$(mktemp -d /tmp/workloads.XXXXXX)
chmod 711 "$tmp"
export SHIMRUN_STATE_DIR=$tmp/state SHIMRUN_AUDIT_LOG=$tmp/audit.log SHIMRUN_CONFIG=$tmp/shimrun.json
echo '{"delegate": "'"$(command -v runc)"'"}' >"$SHIMRUN_CONFIG"
trap 'remove_test_dir "$SHIMRUN" "$tmp/runc" "$tmp"' EXIT

# Packages this machine does not have, with maintainer scripts: hello, and
# PostgreSQL's own packaging (its server binaries are installed here).
mkdir -p "$tmp/debs/partial"
if ! apt-get install -y -q --download-only -o Dir::Cache::archives="$tmp/debs" \
	hello postgresql >"$tmp/apt.log" 2>&1 || ! ls "$tmp"/debs/*.deb >/dev/null 2>&1; then
	echo "workloads: SKIP: cannot fetch packages from Debian's archive:"
	tail -3 "$tmp/apt.log"
	exit 77
fi

cat >"$tmp/workload.sh" <<'EOF'
#!/bin/sh
export PATH=/root/.pyenv/shims:/root/.pyenv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
fail() { echo "FAILED: $1"; tail -n 15 "$2" 2>/dev/null; exit 1; }
grep -E '^Cap(Eff|Bnd)' /proc/self/status
w=$(mktemp -d) && chmod 755 "$w" && cd "$w" || exit 1
apt-get install -y -q /debs/*.deb >apt.log 2>&1 || fail apt apt.log
hello >hello.log 2>&1 && echo "apt installed: $(cat hello.log)" || fail hello hello.log
printf '#include <stdio.h>\nint main(void) { puts("compiled and ran"); return 0; }\n' >a.c
gcc -o a a.c >gcc.log 2>&1 && ./a || fail gcc gcc.log
# A wheel made by hand (no build tools needed, no index reached).
python3 - <<'PY' || fail "the wheel" /dev/null
import base64, hashlib, zipfile
files = {"shimdemo/__init__.py": b"X = 42\n",
         "shimdemo-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: shimdemo\nVersion: 1.0\n",
         "shimdemo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
def digest(b):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
record = "".join(f"{n},{digest(b)},{len(b)}\n" for n, b in files.items())
record += "shimdemo-1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile("shimdemo-1.0-py3-none-any.whl", "w") as z:
    for n, b in files.items():
        z.writestr(n, b)
    z.writestr("shimdemo-1.0.dist-info/RECORD", record)
PY
pip install --no-index ./shimdemo-1.0-py3-none-any.whl >pip.log 2>&1 || fail pip pip.log
python3 -c 'import shimdemo; print("pip installed", shimdemo.X)' || fail "pip's package" pip.log
mkdir npkg && echo '{"name": "shim-demo", "version": "1.0.0", "main": "index.js"}' >npkg/package.json
echo 'module.exports = "npm installed";' >npkg/index.js
(cd npkg && npm pack --silent >../npm.log 2>&1) || fail "npm pack" npm.log
mkdir app && echo '{"name": "app", "version": "1.0.0"}' >app/package.json
(cd app && npm install --offline --silent ../npkg/shim-demo-1.0.0.tgz >../npm.log 2>&1) || fail npm npm.log
(cd app && node -e 'console.log(require("shim-demo"))') || fail "npm's package" npm.log
cd /
pg_createcluster -p 54329 15 shimtest >"$w/pg.log" 2>&1 || fail pg_createcluster "$w/pg.log"
pg_ctlcluster 15 shimtest start >>"$w/pg.log" 2>&1 || fail "postgres start" "$w/pg.log"
echo "postgres answers: $(su postgres -c "psql -p 54329 -tAc 'select 40 + 2'" 2>>"$w/pg.log")"
pg_ctlcluster 15 shimtest stop >>"$w/pg.log" 2>&1
echo "all ran"
EOF
chmod 755 "$tmp/workload.sh"

# run NAME [POLICY]: the workload in a fresh container, its output in
# $tmp/NAME.out.  The root: an overlay of this machine's / (its /usr
# holds gcc, node, postgres), writes in its own upper layer, which
# carries the packages and the script.
run() {
	local b=$tmp/$1
	mkdir -p "$b/rootfs" "$b/upper/debs" "$b/work"
	cp "$tmp"/debs/*.deb "$b/upper/debs/" && cp "$tmp/workload.sh" "$b/upper/"
	mount -t overlay overlay -o "lowerdir=/,upperdir=$b/upper,workdir=$b/work" "$b/rootfs" || return 1
	(cd "$b" && runc spec) || return 1
	# As containerd writes a Kubernetes container's: its default capabilities.
	jq '.process.terminal = false | .root.readonly = false | .process.args = ["/workload.sh"]
		| .process.capabilities |= with_entries(.value = ["CAP_CHOWN", "CAP_DAC_OVERRIDE",
			"CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
			"CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
			"CAP_AUDIT_WRITE"])
		| .process.capabilities.ambient = []' "$b/config.json" >"$b/config.json.new" &&
		mv "$b/config.json.new" "$b/config.json"
	timeout 300 "$SHIMRUN" ${2:+--policy "$2"} --root "$tmp/runc" run --bundle "$b" "$1" \
		</dev/null >"$tmp/$1.out" 2>&1
}
# caps NAME: the container's bounding set's CAP_MKNOD (27) and
# CAP_SYS_CHROOT (18) bits, "00" to "11"; "" when it printed none.
caps() {
	local m
	m=$(awk '$1 == "CapBnd:" {print $2}' "$tmp/$1.out")
	[ -n "$m" ] && echo "$(((0x$m >> 27) & 1))$(((0x$m >> 18) & 1))"
}

echo "the default policy: CAP_MKNOD and CAP_SYS_CHROOT dropped"
run default
check "the workloads ran" grep -qx "all ran" "$tmp/default.out"
sed 's/^/    /' "$tmp/default.out"
for what in "apt installed: Hello, world!" "compiled and ran" "pip installed 42" "npm installed" "postgres answers: 42"; do
	has "  $what" "$tmp/default.out" "$what"
done
check "  without CAP_MKNOD and CAP_SYS_CHROOT" [ "$(caps default)" = 00 ]
check "  hardened by shimrun" grep -q '"command":"run".*"decision":"hardened"' "$tmp/audit.log"

echo "a policy that gives them back"
cat >"$tmp/baseline.json" <<'EOF'
{"version": 1, "name": "baseline-caps", "controls": {"capabilities": {"allowed": [
	"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYS_CHROOT"]}}}
EOF
run restored "$tmp/baseline.json"
check "the workloads ran" grep -qx "all ran" "$tmp/restored.out"
check "  with CAP_MKNOD and CAP_SYS_CHROOT" [ "$(caps restored)" = 11 ]

summary workloads
